// Read-bandwidth loop for the kernel benchmarks (x86 gets an AVX2 version;
// elsewhere a portable loop the compiler vectorises).
#include "bench/kernels/stream_read.h"

#if defined(__x86_64__)
#include <immintrin.h>

namespace smolc::bench {

__attribute__((target("avx2"))) float stream_read_sum(const float* p, size_t n) {
  __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
  for (size_t i = 0; i < n; i += 64) {
    a0 = _mm256_add_ps(a0, _mm256_loadu_ps(p + i));
    a1 = _mm256_add_ps(a1, _mm256_loadu_ps(p + i + 8));
    a2 = _mm256_add_ps(a2, _mm256_loadu_ps(p + i + 16));
    a3 = _mm256_add_ps(a3, _mm256_loadu_ps(p + i + 24));
    a4 = _mm256_add_ps(a4, _mm256_loadu_ps(p + i + 32));
    a5 = _mm256_add_ps(a5, _mm256_loadu_ps(p + i + 40));
    a6 = _mm256_add_ps(a6, _mm256_loadu_ps(p + i + 48));
    a7 = _mm256_add_ps(a7, _mm256_loadu_ps(p + i + 56));
  }
  __m256 s = _mm256_add_ps(_mm256_add_ps(_mm256_add_ps(a0, a1), _mm256_add_ps(a2, a3)),
                           _mm256_add_ps(_mm256_add_ps(a4, a5), _mm256_add_ps(a6, a7)));
  alignas(32) float t[8];
  _mm256_store_ps(t, s);
  return t[0] + t[1] + t[2] + t[3] + t[4] + t[5] + t[6] + t[7];
}

template <bool kHalves>
__attribute__((target("avx512f,avx512dq"), always_inline)) inline __m512 load512(const float* p) {
  if (!kHalves) return _mm512_loadu_ps(p);
  __m256 lo = _mm256_loadu_ps(p);
  __asm__("" : "+v"(lo));  // two loads, not one fused 512-bit load
  // The maskz form: gcc 12 warns (maybe-uninitialized) inside the unmasked intrinsic.
  return _mm512_maskz_insertf32x8(__mmask16(0xFFFF), _mm512_castps256_ps512(lo), _mm256_loadu_ps(p + 8), 1);
}

template <bool kHalves>
__attribute__((target("avx512f,avx512dq"))) float sum512(const float* p, size_t n) {
  __m512 a[8];
  for (__m512& v : a) v = _mm512_setzero_ps();
  for (size_t i = 0; i < n; i += 128)
    for (int j = 0; j < 8; ++j) a[j] = _mm512_add_ps(a[j], load512<kHalves>(p + i + 16 * j));
  for (int j = 1; j < 8; ++j) a[0] = _mm512_add_ps(a[0], a[j]);
  alignas(64) float t[16];
  _mm512_store_ps(t, a[0]);
  float s = 0;
  for (float v : t) s += v;
  return s;
}

float stream_read_sum512(const float* p, size_t n) { return sum512<false>(p, n); }
float stream_read_sum512_halves(const float* p, size_t n) { return sum512<true>(p, n); }

}  // namespace smolc::bench
#else
namespace smolc::bench {

float stream_read_sum(const float* p, size_t n) {
  float a[16] = {};
  for (size_t i = 0; i < n; i += 16)
    for (int j = 0; j < 16; ++j) a[j] += p[i + size_t(j)];
  float s = 0;
  for (float v : a) s += v;
  return s;
}

}  // namespace smolc::bench
#endif
