#include "frontend/gguf/gguf_quant.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "frontend/dequant.h"

namespace smolc::gguf {

void quantize_row_q8_0(const float* x, uint8_t* dst, int64_t n) {
  for (int64_t b = 0; b < n / 32; ++b, x += 32, dst += 34) {
    float amax = 0;
    for (int j = 0; j < 32; ++j) amax = std::max(amax, std::fabs(x[j]));
    const float d = amax / 127.0f;
    const float id = d != 0 ? 1.0f / d : 0.0f;
    const uint16_t dh = f32_to_f16(d);
    std::memcpy(dst, &dh, 2);
    for (int j = 0; j < 32; ++j) {
      const int8_t q = static_cast<int8_t>(std::round(x[j] * id));  // std::round: half away from zero
      std::memcpy(dst + 2 + j, &q, 1);
    }
  }
}

void quantize_row_q4_0(const float* x, uint8_t* dst, int64_t n) {
  for (int64_t b = 0; b < n / 32; ++b, x += 32, dst += 18) {
    float amax = 0, max = 0;  // max: the signed value of largest magnitude (first one on ties)
    for (int j = 0; j < 32; ++j) {
      if (std::fabs(x[j]) > amax) {
        amax = std::fabs(x[j]);
        max = x[j];
      }
    }
    const float d = max / -8.0f;
    const float id = d != 0 ? 1.0f / d : 0.0f;
    const uint16_t dh = f32_to_f16(d);
    std::memcpy(dst, &dh, 2);
    for (int j = 0; j < 16; ++j) {
      // x * id lies in [-8, 8], so the sum is positive and truncation is floor.
      const int lo = std::min(15, static_cast<int>(x[j] * id + 8.5f));
      const int hi = std::min(15, static_cast<int>(x[16 + j] * id + 8.5f));
      dst[2 + j] = static_cast<uint8_t>(lo | (hi << 4));
    }
  }
}

}  // namespace smolc::gguf
