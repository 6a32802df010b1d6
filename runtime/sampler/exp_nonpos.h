// exp(x) for x <= 0 from +, -, * only, so every IEEE-754 platform gets the
// same bits (libm expf differs between C libraries by an ulp or so).
// Branch-free (selects only) so loops over a vocabulary vectorise.
#pragma once
#include "sampler/fp_strict.h"

#include <stdint.h>
#include <string.h>

namespace smolc_rt {

inline float exp_nonpos(float x) {
  // Below -87 the result would fall under FLT_MIN (~1.18e-38); returning 0
  // keeps every weight normal, so flush-to-zero modes cannot change results.
  // `in_range` is false for NaN too.
  const bool in_range = x >= -87.0f;
  float xc = in_range ? x : -87.0f;
  xc = xc > 0.0f ? 0.0f : xc;
  // xc = k*ln2 + r, k = nearest integer to xc/ln2, |r| <= ~ln2/2.
  const float kLog2e = 1.44269504088896341f;
  const float kLn2Hi = 0.693359375f;     // 355/512: k*kLn2Hi is exact
  const float kLn2Lo = -2.12194440e-4f;  // ln2 - kLn2Hi
  float t = xc * kLog2e;
  int32_t k = (int32_t)(t - 0.5f);  // t <= 0: truncation = round to nearest
  float kf = (float)k;
  float r = xc - kf * kLn2Hi;
  r = r - kf * kLn2Lo;
  // Taylor series of degree 7: truncation error < r^8/8! ~ 5e-9 on |r| < 0.35.
  float p = 1.0f / 5040.0f;
  p = p * r + 1.0f / 720.0f;
  p = p * r + 1.0f / 120.0f;
  p = p * r + 1.0f / 24.0f;
  p = p * r + 1.0f / 6.0f;
  p = p * r + 0.5f;
  p = p * r + 1.0f;
  p = p * r + 1.0f;
  // 2^k as float bits; k is in [-126, 0] here.
  uint32_t bits = (uint32_t)(k + 127) << 23;
  float scale;
  memcpy(&scale, &bits, sizeof scale);
  float e = p * scale;
  return in_range ? e : 0.0f;
}

}  // namespace smolc_rt
