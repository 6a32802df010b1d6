// Plain C++ stand-ins for exactly the AVX-512 intrinsics the x86 kernel
// templates use (float: gemv/gemm-x86; quantised: q-gemv/q-gemm-avx512 and
// common/q-avx512.inc), so the kernel tests can execute the generated AVX-512
// code (its indexing, tails, pair order, vdpbf16ps and vpdpbusd accumulation)
// on a CPU without AVX-512. The test swaps `#include <immintrin.h>` for this
// header. Semantics follow the Intel intrinsics guide; vdpbf16ps per lane i:
//   acc[i] += a.bf16[2i+1]*b.bf16[2i+1] + a.bf16[2i]*b.bf16[2i]  (f32, two roundings)
// vpdpbusd (AVX512_VNNI) per lane i, wrapping int32, no saturation:
//   acc[i] += sum_{j<4} uint8(a.byte[4i+j]) * int8(b.byte[4i+j])
// Masked loads and stores touch only the lanes their mask selects, like the
// real instructions (which also suppress faults on the others).
// The templates' empty register barriers (`__asm__("" : "+v"(x))`, which keep
// the compiler from fusing two loads) have no meaning for these memory
// structs, so the end of this header defines __asm__ away.
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
struct __m128i {
  uint8_t b[16];
};
using __mmask8 = uint8_t;
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
  // vcvtph2ps quiets a signalling NaN (sets the top mantissa bit), like every x86 NaN conversion.
  if (exp == 0x1f) return bits_to_f32(sign | 0x7f800000u | (man << 13) | (man ? 0x00400000u : 0u));
  return bits_to_f32(sign | ((exp + 112u) << 23) | (man << 13));
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
inline __m512i _mm512_load_si512(const void* p) {
  if (reinterpret_cast<uintptr_t>(p) % 64 != 0) std::abort();  // the real instruction faults
  return _mm512_loadu_si512(p);
}
inline void _mm512_store_si512(void* p, __m512i v) {
  if (reinterpret_cast<uintptr_t>(p) % 64 != 0) std::abort();
  std::memcpy(p, v.u, sizeof v.u);
}
inline __m512i _mm512_setzero_si512() { return __m512i{}; }
// The upper 256 bits are undefined for the real cast; zero here.
inline __m512i _mm512_castsi256_si512(__m256i a) {
  __m512i r{};
  std::memcpy(r.u, a.h, sizeof a.h);
  return r;
}
// a with its 256-bit half `half` replaced by b, then 64-bit elements zeroed where k is clear.
inline __m512i _mm512_maskz_inserti64x4(__mmask8 k, __m512i a, __m256i b, int half) {
  uint64_t q[8];
  std::memcpy(q, a.u, sizeof q);
  std::memcpy(q + 4 * (half & 1), b.h, sizeof b.h);
  for (int i = 0; i < 8; ++i)
    if (!((k >> i) & 1)) q[i] = 0;
  __m512i r;
  std::memcpy(r.u, q, sizeof q);
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

// ---- used by the quantised AVX-512 kernels ----
inline __m128i _mm_loadu_si128(const __m128i* p) {
  __m128i r;
  std::memcpy(r.b, p, sizeof r.b);
  return r;
}
inline __m512 _mm512_mul_ps(__m512 a, __m512 b) {
  __m512 r;
  for (int i = 0; i < 16; ++i) r.f[i] = a.f[i] * b.f[i];
  return r;
}
inline __m512 _mm512_maskz_loadu_ps(__mmask16 k, const void* p) {
  __m512 r;
  for (int i = 0; i < 16; ++i) {
    r.f[i] = 0.0f;
    if ((k >> i) & 1) std::memcpy(&r.f[i], static_cast<const char*>(p) + 4 * i, 4);
  }
  return r;
}
inline void _mm512_mask_storeu_ps(void* p, __mmask16 k, __m512 v) {
  for (int i = 0; i < 16; ++i)
    if ((k >> i) & 1) std::memcpy(static_cast<char*>(p) + 4 * i, &v.f[i], 4);
}
inline __m512 _mm512_load_ps(const void* p) {
  if (reinterpret_cast<uintptr_t>(p) % 64 != 0) std::abort();  // the real instruction faults
  return _mm512_loadu_ps(static_cast<const float*>(p));
}
inline __m512i _mm512_xor_si512(__m512i a, __m512i b) {
  __m512i r;
  for (int i = 0; i < 16; ++i) r.u[i] = a.u[i] ^ b.u[i];
  return r;
}
inline __m512i _mm512_add_epi32(__m512i a, __m512i b) {
  __m512i r;
  for (int i = 0; i < 16; ++i) r.u[i] = a.u[i] + b.u[i];  // wraps, as vpaddd
  return r;
}
inline __m512i _mm512_srli_epi16(__m512i a, unsigned n) {
  uint16_t h[32];
  std::memcpy(h, a.u, sizeof h);
  for (uint16_t& x : h) x = n > 15 ? 0 : uint16_t(x >> n);
  __m512i r;
  std::memcpy(r.u, h, sizeof h);
  return r;
}
inline __m512i _mm512_maskz_broadcast_i64x4(__mmask8 k, __m256i a) {
  uint64_t q[4], out[8];
  std::memcpy(q, a.h, sizeof q);
  for (int i = 0; i < 8; ++i) out[i] = ((k >> i) & 1) ? q[i % 4] : 0;
  __m512i r;
  std::memcpy(r.u, out, sizeof out);
  return r;
}
inline __m512i _mm512_maskz_broadcast_i32x4(__mmask16 k, __m128i a) {
  uint32_t d[4];
  std::memcpy(d, a.b, sizeof d);
  __m512i r;
  for (int i = 0; i < 16; ++i) r.u[i] = ((k >> i) & 1) ? d[i % 4] : 0u;
  return r;
}
inline __m512i _mm512_dpbusd_epi32(__m512i acc, __m512i a, __m512i b) {
  uint8_t ua[64], sb[64];
  std::memcpy(ua, a.u, sizeof ua);
  std::memcpy(sb, b.u, sizeof sb);
  __m512i r;
  for (int i = 0; i < 16; ++i) {
    int64_t s = 0;
    for (int j = 0; j < 4; ++j) s += int64_t(ua[4 * i + j]) * int64_t(int8_t(sb[4 * i + j]));
    r.u[i] = acc.u[i] + uint32_t(s);  // wraps (vpdpbusd, not the saturating vpdpbusds)
  }
  return r;
}
// Lane i: idx bits 0-3 pick the element, bit 4 picks b over a.
inline __m512i _mm512_permutex2var_epi32(__m512i a, __m512i idx, __m512i b) {
  __m512i r;
  for (int i = 0; i < 16; ++i) r.u[i] = (idx.u[i] & 16u) ? b.u[idx.u[i] & 15u] : a.u[idx.u[i] & 15u];
  return r;
}
inline __m512 _mm512_permutex2var_ps(__m512 a, __m512i idx, __m512 b) {
  __m512 r;
  for (int i = 0; i < 16; ++i) r.f[i] = (idx.u[i] & 16u) ? b.f[idx.u[i] & 15u] : a.f[idx.u[i] & 15u];
  return r;
}
inline __m512 _mm512_maskz_cvtepi32_ps(__mmask16 k, __m512i a) {
  __m512 r;
  for (int i = 0; i < 16; ++i) r.f[i] = ((k >> i) & 1) ? float(int32_t(a.u[i])) : 0.0f;  // round to nearest even
  return r;
}
inline __m512i _mm512_maskz_cvtepi16_epi32(__mmask16 k, __m256i a) {
  __m512i r;
  for (int i = 0; i < 16; ++i) r.u[i] = ((k >> i) & 1) ? uint32_t(int32_t(int16_t(a.h[i]))) : 0u;
  return r;
}

// Last, so that no header included above loses its own asm labels.
#define __asm__(...) ((void)0)
