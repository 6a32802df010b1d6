#include "frontend/gguf/gguf_dequant.h"

#include <cstring>

#include "frontend/dequant.h"

namespace smolc::gguf {
namespace {
float f16_at(const uint8_t* p) {
  uint16_t h;
  std::memcpy(&h, p, 2);
  return f16_to_f32(h);
}
}  // namespace

void dequant_block_q8_0(const uint8_t* b, float* y) {
  const float d = f16_at(b);
  for (int j = 0; j < 32; ++j) y[j] = d * static_cast<float>(static_cast<int8_t>(b[2 + j]));
}

void dequant_block_q4_0(const uint8_t* b, float* y) {
  const float d = f16_at(b);
  const uint8_t* qs = b + 2;
  for (int j = 0; j < 16; ++j) {
    y[j] = d * static_cast<float>((qs[j] & 0x0f) - 8);
    y[j + 16] = d * static_cast<float>((qs[j] >> 4) - 8);
  }
}

void dequant_block_q5_0(const uint8_t* b, float* y) {
  const float d = f16_at(b);
  uint32_t qh;
  std::memcpy(&qh, b + 2, 4);
  const uint8_t* qs = b + 6;
  for (int j = 0; j < 16; ++j) {
    const int hi0 = static_cast<int>((qh >> j) & 1) << 4;         // 5th bit of element j
    const int hi1 = static_cast<int>((qh >> (j + 16)) & 1) << 4;  // 5th bit of element j+16
    y[j] = d * static_cast<float>(((qs[j] & 0x0f) | hi0) - 16);
    y[j + 16] = d * static_cast<float>(((qs[j] >> 4) | hi1) - 16);
  }
}

namespace {
// Q4_K packs 8 six-bit (scale, min) pairs into 12 bytes: pairs 0-3 sit in the
// low 6 bits of bytes 0-3 (scale) and 4-7 (min); pairs 4-7 take their low 4
// bits from bytes 8-11 and their top 2 bits from the spare top bits of bytes 0-7.
void q4k_scale_min(int j, const uint8_t* s, int& scale, int& min) {
  if (j < 4) {
    scale = s[j] & 63;
    min = s[j + 4] & 63;
  } else {
    scale = (s[j + 4] & 0x0f) | ((s[j - 4] >> 6) << 4);
    min = (s[j + 4] >> 4) | ((s[j] >> 6) << 4);
  }
}
}  // namespace

void dequant_block_q4_k(const uint8_t* b, float* y) {
  const float d = f16_at(b), dmin = f16_at(b + 2);
  const uint8_t* scales = b + 4;
  const uint8_t* qs = b + 16;
  // Four groups of 64 values share 32 bytes: low nibbles are sub-block 2g, high nibbles 2g+1.
  for (int g = 0; g < 4; ++g) {
    int sc0, m0, sc1, m1;
    q4k_scale_min(2 * g, scales, sc0, m0);
    q4k_scale_min(2 * g + 1, scales, sc1, m1);
    const float d0 = d * static_cast<float>(sc0), mm0 = dmin * static_cast<float>(m0);
    const float d1 = d * static_cast<float>(sc1), mm1 = dmin * static_cast<float>(m1);
    const uint8_t* q = qs + 32 * g;
    for (int l = 0; l < 32; ++l) y[64 * g + l] = d0 * static_cast<float>(q[l] & 0x0f) - mm0;
    for (int l = 0; l < 32; ++l) y[64 * g + 32 + l] = d1 * static_cast<float>(q[l] >> 4) - mm1;
  }
}

void dequant_block_q6_k(const uint8_t* b, float* y) {
  const uint8_t* ql = b;                                        // low 4 bits, 128 bytes
  const uint8_t* qh = b + 128;                                  // high 2 bits, 64 bytes
  const int8_t* sc = reinterpret_cast<const int8_t*>(b + 192);  // 16 sub-block scales
  const float d = f16_at(b + 208);
  // Two halves of 128 values; in each, value l + 32k (k = 0..3, l < 32) takes
  // a nibble of ql and 2 bits (k-th pair) of qh[l]; the sub-block of 16 gives the scale.
  for (int h = 0; h < 2; ++h, ql += 64, qh += 32, sc += 8, y += 128) {
    for (int l = 0; l < 32; ++l) {
      const int is = l / 16;
      const int q1 = ((ql[l] & 0x0f) | (((qh[l] >> 0) & 3) << 4)) - 32;
      const int q2 = ((ql[l + 32] & 0x0f) | (((qh[l] >> 2) & 3) << 4)) - 32;
      const int q3 = ((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32;
      const int q4 = ((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32;
      y[l] = d * static_cast<float>(sc[is]) * static_cast<float>(q1);
      y[l + 32] = d * static_cast<float>(sc[is + 2]) * static_cast<float>(q2);
      y[l + 64] = d * static_cast<float>(sc[is + 4]) * static_cast<float>(q3);
      y[l + 96] = d * static_cast<float>(sc[is + 6]) * static_cast<float>(q4);
    }
  }
}

}  // namespace smolc::gguf
