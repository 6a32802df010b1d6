/* Run-time quantisation of activations to int8 blocks (smolc_block_a8) for
 * the q8 and q4 kernels. One definition shared by the compiler's reference
 * (compiler/quant/quant_matmul.cpp) and the generated engines, so both produce
 * the same bytes: per 32-block, d = max|x| / 127 and
 * q = round-half-even(x * (127 / max|x|)), clamped to [-127, 127].
 * Plain C arithmetic (no libm), so it builds for every target and vectorises
 * where the target can; Helium cores (Cortex-M55) take an intrinsic path
 * with the same result. A NaN input becomes -127: the engine
 * must stay defined on garbage, the result is garbage either way. */
#ifndef SMOLC_QUANT_ACT_H
#define SMOLC_QUANT_ACT_H

#include "smolc_quant.h"
#if defined(__ARM_FEATURE_MVE) && (__ARM_FEATURE_MVE & 2)
#include <arm_mve.h>
#endif

/* x: [cols] floats -> out: ceil(cols / 32) blocks, the tail padded with zeros. */
static inline void smolc_quantize_a8(const float* x, int cols, smolc_block_a8* out) {
  const int nb = (cols + SMOLC_QBLOCK - 1) / SMOLC_QBLOCK;
  for (int b = 0; b < nb; ++b) {
    float v[SMOLC_QBLOCK];
    const int base = b * SMOLC_QBLOCK;
    for (int i = 0; i < SMOLC_QBLOCK; ++i) v[i] = base + i < cols ? x[base + i] : 0.0f;
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
