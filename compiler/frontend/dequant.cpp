#include "frontend/dequant.h"

#include "frontend/gguf/gguf_dequant.h"
#include "runtime/quant/smolc_bf16.h"

#include <cmath>
#include <cstring>
#include <stdexcept>

namespace smolc {

float f16_to_f32(uint16_t h) {
  const uint32_t sign = (h >> 15) & 1, exp = (h >> 10) & 0x1f, mant = h & 0x3ff;
  float v;
  if (exp == 0)
    v = std::ldexp(static_cast<float>(mant), -24);
  else if (exp == 31)
    v = mant ? NAN : INFINITY;
  else
    v = std::ldexp(static_cast<float>(mant | 0x400), static_cast<int>(exp) - 25);
  return sign ? -v : v;
}

float bf16_to_f32(uint16_t b) {
  uint32_t u = static_cast<uint32_t>(b) << 16;
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}

uint16_t f32_to_bf16(float f) {
  if (std::isnan(f)) {  // a quiet NaN, whatever the payload (smolc_bf16_round may carry it into Inf)
    uint32_t u;
    std::memcpy(&u, &f, 4);
    return static_cast<uint16_t>((u >> 16) | 0x40);
  }
  return smolc_bf16_round(f);
}

uint16_t f32_to_f16(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  const uint32_t sign = (u >> 16) & 0x8000;
  if (std::isnan(f)) return static_cast<uint16_t>(sign | 0x7e00);
  float a = std::fabs(f);
  if (a >= 65520.0f) return static_cast<uint16_t>(sign | 0x7c00);  // rounds to inf
  if (a < 6.103515625e-05f) {                                      // subnormal: multiples of 2^-24, nearest even
    float q = std::nearbyint(a * 16777216.0f);
    return static_cast<uint16_t>(sign | static_cast<uint32_t>(q));
  }
  uint32_t au;
  std::memcpy(&au, &a, 4);
  uint32_t exp = ((au >> 23) & 0xff) - 127 + 15, mant = au & 0x7fffff;
  uint32_t h = (exp << 10) | (mant >> 13);
  uint32_t rest = mant & 0x1fff;
  if (rest > 0x1000 || (rest == 0x1000 && (h & 1))) ++h;  // carry may bump exponent: correct
  return static_cast<uint16_t>(sign | h);
}

int64_t dtype_block_elems(DType t) {
  switch (t) {
    case DType::F32:
    case DType::F16:
    case DType::BF16: return 1;
    case DType::Q8_0:
    case DType::Q4_0:
    case DType::Q5_0: return 32;
    case DType::Q4_K:
    case DType::Q6_K: return 256;
  }
  return 1;
}

size_t dtype_row_bytes(DType t, int64_t n) {
  const int64_t be = dtype_block_elems(t);
  if (n < 0 || n % be != 0) return 0;
  const size_t blocks = static_cast<size_t>(n / be);
  switch (t) {
    case DType::F32: return blocks * 4;
    case DType::F16:
    case DType::BF16: return blocks * 2;
    case DType::Q8_0: return blocks * 34;
    case DType::Q4_0: return blocks * 18;
    case DType::Q5_0: return blocks * 22;
    case DType::Q4_K: return blocks * 144;
    case DType::Q6_K: return blocks * 210;
  }
  return 0;
}

void dequantize_row(DType t, const uint8_t* src, float* dst, int64_t n) {
  switch (t) {
    case DType::F32: std::memcpy(dst, src, static_cast<size_t>(n) * 4); return;
    case DType::F16:
      for (int64_t i = 0; i < n; ++i) {
        uint16_t h;
        std::memcpy(&h, src + 2 * i, 2);
        dst[i] = f16_to_f32(h);
      }
      return;
    case DType::BF16:
      for (int64_t i = 0; i < n; ++i) {
        uint16_t h;
        std::memcpy(&h, src + 2 * i, 2);
        dst[i] = bf16_to_f32(h);
      }
      return;
    default: break;
  }
  // GGUF block formats (gguf/gguf_dequant.cpp), one block at a time.
  void (*block)(const uint8_t*, float*) = nullptr;
  switch (t) {
    case DType::Q8_0: block = gguf::dequant_block_q8_0; break;
    case DType::Q4_0: block = gguf::dequant_block_q4_0; break;
    case DType::Q5_0: block = gguf::dequant_block_q5_0; break;
    case DType::Q4_K: block = gguf::dequant_block_q4_k; break;
    case DType::Q6_K: block = gguf::dequant_block_q6_k; break;
    default: throw std::logic_error(std::string("dequantize_row: no decoder for ") + dtype_name(t));
  }
  const int64_t be = dtype_block_elems(t);
  const size_t bb = dtype_row_bytes(t, be);
  if (n % be != 0)
    throw std::logic_error(std::string("dequantize_row: row length not a multiple of the ") + dtype_name(t) + " block");
  for (int64_t i = 0; i < n / be; ++i) block(src + static_cast<size_t>(i) * bb, dst + i * be);
}

}  // namespace smolc
