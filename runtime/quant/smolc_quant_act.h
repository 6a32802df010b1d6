/* Run-time quantisation of activations to int8 blocks (smolc_block_a8) for
 * the q8 and q4 kernels. One definition shared by the compiler's reference
 * (compiler/quantize/quant_matmul.cpp) and the generated engines, so both produce
 * the same bytes: per 32-block, d = max|x| / 127 and
 * q = round-half-even(x * (127 / max|x|)), clamped to [-127, 127].
 * Plain C arithmetic (no libm), so it builds for every target and vectorises
 * where the target can; Helium cores (Cortex-M55) and AVX2 (the avx2 and
 * avx512 engines; g++ -O2 left the portable loops scalar, 3.6x the
 * instructions) take intrinsic paths with the same result. A NaN input becomes -127: the engine
 * must stay defined on garbage, the result is garbage either way. */
#ifndef SMOLC_QUANT_ACT_H
#define SMOLC_QUANT_ACT_H

#include "smolc_quant.h"
#if defined(__ARM_FEATURE_MVE) && (__ARM_FEATURE_MVE & 2)
#include <arm_mve.h>
#elif defined(__AVX2__)
#include <immintrin.h>
#endif

/* x: [cols] floats -> out: ceil(cols / 32) blocks, the tail padded with zeros. */
static inline void smolc_quantize_a8(const float* x, int cols, smolc_block_a8* out) {
  const int nb = (cols + SMOLC_QBLOCK - 1) / SMOLC_QBLOCK;
  for (int b = 0; b < nb; ++b) {
    float pad[SMOLC_QBLOCK]; /* the last block, if partial, padded with zeros */
    const int base = b * SMOLC_QBLOCK;
    const float* v = x + base;
    if (base + SMOLC_QBLOCK > cols) {
      for (int i = 0; i < SMOLC_QBLOCK; ++i) pad[i] = base + i < cols ? x[base + i] : 0.0f;
      v = pad;
    }
#if defined(__ARM_FEATURE_MVE) && (__ARM_FEATURE_MVE & 2)
    /* Helium (Cortex-M55): the same operations four lanes at a time, so the
     * same bytes. VMAXNMAV ignores NaN as the scalar max below does; VMAXNM/
     * VMINNM send NaN to -127 as the clamps do; the rounding add and subtract
     * are separate instructions (no fusion); VCVT truncates an integral
     * value exactly and VSTRB keeps each lane's low byte. */
    float amax = 0.0f;
    for (int i = 0; i < SMOLC_QBLOCK; i += 4) amax = vmaxnmavq_f32(amax, vld1q_f32(v + i));
    const float id = amax != 0.0f ? 127.0f / amax : 0.0f;
    int32_t sum = 0;
    for (int i = 0; i < SMOLC_QBLOCK; i += 4) {
      float32x4_t q = vmulq_n_f32(vld1q_f32(v + i), id);
      q = vminnmq_f32(vmaxnmq_f32(q, vdupq_n_f32(-127.0f)), vdupq_n_f32(127.0f));
      q = vsubq_n_f32(vaddq_n_f32(q, 12582912.0f), 12582912.0f);
      const int32x4_t qi = vcvtq_s32_f32(q);
      vstrbq_s32(out[b].qs + i, qi);
      sum = vaddvaq_s32(sum, qi);
    }
    out[b].d = amax / 127.0f;
    out[b].sum = sum;
#elif defined(__AVX2__)
    /* Eight lanes at a time, the same bytes: max_ps(|v|, m) keeps m for a NaN
     * as the scalar max below does (and max is exact in any order); max_ps(q,
     * -127) sends NaN to -127 as the clamp does; cvtps_epi32 rounds ties to
     * even in the default rounding mode, as adding 1.5 * 2^23 does for |q| <=
     * 127; the int32 sum is exact in any order. */
    const __m256 sign = _mm256_set1_ps(-0.0f);
    __m256 vx[4];
    __m256 m8 = _mm256_setzero_ps();
    for (int k = 0; k < 4; ++k) {
      vx[k] = _mm256_loadu_ps(v + 8 * k);
      m8 = _mm256_max_ps(_mm256_andnot_ps(sign, vx[k]), m8);
    }
    __m128 m4 = _mm_max_ps(_mm256_castps256_ps128(m8), _mm256_extractf128_ps(m8, 1));
    m4 = _mm_max_ps(m4, _mm_movehl_ps(m4, m4));
    m4 = _mm_max_ss(m4, _mm_movehdup_ps(m4));
    const float amax = _mm_cvtss_f32(m4);
    const __m256 id = _mm256_set1_ps(amax != 0.0f ? 127.0f / amax : 0.0f);
    const __m256 lo = _mm256_set1_ps(-127.0f), hi = _mm256_set1_ps(127.0f);
    __m256i qi[4];
    for (int k = 0; k < 4; ++k)
      qi[k] = _mm256_cvtps_epi32(_mm256_min_ps(_mm256_max_ps(_mm256_mul_ps(vx[k], id), lo), hi));
    const __m256i s8 = _mm256_add_epi32(_mm256_add_epi32(qi[0], qi[1]), _mm256_add_epi32(qi[2], qi[3]));
    __m128i s4 = _mm_add_epi32(_mm256_castsi256_si128(s8), _mm256_extracti128_si256(s8, 1));
    s4 = _mm_add_epi32(s4, _mm_shuffle_epi32(s4, 0x4e));
    s4 = _mm_add_epi32(s4, _mm_shuffle_epi32(s4, 0xb1));
    /* packs interleave per 128-bit half: 4-byte groups come out as
     * q0[0..3] q1[0..3] q2[0..3] q3[0..3] q0[4..7] ...; the permute restores order. */
    const __m256i p8 = _mm256_packs_epi16(_mm256_packs_epi32(qi[0], qi[1]), _mm256_packs_epi32(qi[2], qi[3]));
    _mm256_storeu_si256((__m256i*)out[b].qs,
                        _mm256_permutevar8x32_epi32(p8, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7)));
    out[b].d = amax / 127.0f;
    out[b].sum = _mm_cvtsi128_si32(s4);
#else
    float amax = 0.0f;
    for (int i = 0; i < SMOLC_QBLOCK; ++i) {
      const float a = v[i] < 0.0f ? -v[i] : v[i];
      amax = a > amax ? a : amax;
    }
    const float id = amax != 0.0f ? 127.0f / amax : 0.0f;
    int32_t sum = 0;
    for (int i = 0; i < SMOLC_QBLOCK; ++i) {
      float q = v[i] * id;
      q = q >= -127.0f ? q : -127.0f; /* also maps NaN to -127 */
      q = q <= 127.0f ? q : 127.0f;
      /* Adding and subtracting 1.5 * 2^23 rounds to the nearest integer, ties
       * to even, in the default rounding mode (|q| <= 127 keeps it exact). */
      q = (q + 12582912.0f) - 12582912.0f;
      out[b].qs[i] = (int8_t)q;
      sum += (int32_t)out[b].qs[i];
    }
    out[b].d = amax / 127.0f;
    out[b].sum = sum;
#endif
  }
}

#endif /* SMOLC_QUANT_ACT_H */
