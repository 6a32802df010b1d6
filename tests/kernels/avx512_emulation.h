// Plain C++ stand-ins for exactly the AVX-512 intrinsics the x86 kernel
// templates use, so the kernel tests can execute the generated AVX-512 code
// (its indexing, tails, pair order, vdpbf16ps accumulation) on a CPU without
// AVX-512. The test swaps `#include <immintrin.h>` for this header. Semantics
// follow the Intel intrinsics guide; vdpbf16ps per lane i:
//   acc[i] += a.bf16[2i+1]*b.bf16[2i+1] + a.bf16[2i]*b.bf16[2i]  (f32, two roundings)
#pragma once
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>

struct __m512 {
  float f[16];
};
struct __m512i {
  uint32_t u[16];
};
struct __m256i {
  uint16_t h[16];
};
struct __m512bh {
  uint16_t h[32];
  explicit __m512bh(const __m512i& v) { std::memcpy(h, v.u, sizeof h); }
};
using __mmask16 = uint16_t;

namespace avx512_emulation {
inline float bits_to_f32(uint32_t b) {
  float f;
  std::memcpy(&f, &b, sizeof f);
  return f;
}
inline uint32_t f32_to_bits(float f) {
  uint32_t b;
  std::memcpy(&b, &f, sizeof b);
  return b;
}
inline float half_to_f32(uint16_t h) {
  const uint32_t sign = uint32_t(h & 0x8000u) << 16, exp = (h >> 10) & 0x1fu, man = h & 0x3ffu;
  if (exp == 0) {
    const float f = float(man) * 5.9604644775390625e-8f;
    return sign ? -f : f;
  }
  return bits_to_f32(exp == 0x1f ? (sign | 0x7f800000u | (man << 13)) : (sign | ((exp + 112u) << 23) | (man << 13)));
}
}  // namespace avx512_emulation

inline __m512 _mm512_setzero_ps() { return __m512{}; }
inline __m512 _mm512_set1_ps(float v) {
  __m512 r;
  for (float& f : r.f) f = v;
  return r;
}
inline __m512 _mm512_loadu_ps(const float* p) {
  __m512 r;
  std::memcpy(r.f, p, sizeof r.f);
  return r;
}
inline void _mm512_storeu_ps(float* p, __m512 v) { std::memcpy(p, v.f, sizeof v.f); }
inline void _mm512_store_ps(float* p, __m512 v) {
  if (reinterpret_cast<uintptr_t>(p) % 64 != 0) std::abort();  // the real instruction faults
  std::memcpy(p, v.f, sizeof v.f);
}
inline __m512 _mm512_fmadd_ps(__m512 a, __m512 b, __m512 c) {
  __m512 r;
  for (int i = 0; i < 16; ++i) r.f[i] = std::fma(a.f[i], b.f[i], c.f[i]);
  return r;
}
inline __m512 _mm512_add_ps(__m512 a, __m512 b) {
  __m512 r;
  for (int i = 0; i < 16; ++i) r.f[i] = a.f[i] + b.f[i];
  return r;
}
inline __m512i _mm512_loadu_si512(const void* p) {
  __m512i r;
  std::memcpy(r.u, p, sizeof r.u);
  return r;
}
inline __m512i _mm512_set1_epi32(int v) {
  __m512i r;
  for (uint32_t& u : r.u) u = uint32_t(v);
  return r;
}
inline __m512i _mm512_maskz_slli_epi32(__mmask16 k, __m512i a, unsigned n) {
  __m512i r;
  for (int i = 0; i < 16; ++i) r.u[i] = ((k >> i) & 1) ? (n > 31 ? 0u : a.u[i] << n) : 0u;
  return r;
}
inline __m512i _mm512_and_si512(__m512i a, __m512i b) {
  __m512i r;
  for (int i = 0; i < 16; ++i) r.u[i] = a.u[i] & b.u[i];
  return r;
}
inline __m512 _mm512_castsi512_ps(__m512i a) {
  __m512 r;
  std::memcpy(r.f, a.u, sizeof r.f);
  return r;
}
inline __m256i _mm256_loadu_si256(const __m256i* p) {
  __m256i r;
  std::memcpy(r.h, p, sizeof r.h);
  return r;
}
inline __m512 _mm512_maskz_cvtph_ps(__mmask16 k, __m256i a) {
  __m512 r;
  for (int i = 0; i < 16; ++i) r.f[i] = ((k >> i) & 1) ? avx512_emulation::half_to_f32(a.h[i]) : 0.0f;
  return r;
}
inline __m512 _mm512_dpbf16_ps(__m512 acc, __m512bh a, __m512bh b) {
  using avx512_emulation::bits_to_f32;
  __m512 r;
  for (int i = 0; i < 16; ++i) {
    float t = acc.f[i];
    t += bits_to_f32(uint32_t(a.h[2 * i + 1]) << 16) * bits_to_f32(uint32_t(b.h[2 * i + 1]) << 16);
    t += bits_to_f32(uint32_t(a.h[2 * i]) << 16) * bits_to_f32(uint32_t(b.h[2 * i]) << 16);
    r.f[i] = t;
  }
  return r;
}
