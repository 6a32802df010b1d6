// Included first by every sampler source: the sampler's results must be
// bit-identical on every platform, so a*b+c must not be fused into an FMA on
// targets that have one (GCC fuses by default in GNU mode, clang within an
// expression), and float expressions must be evaluated at float precision.
#pragma once
#include <float.h>

#if defined(__clang__)
#pragma clang fp contract(off)
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif

#if defined(FLT_EVAL_METHOD) && FLT_EVAL_METHOD != 0 && FLT_EVAL_METHOD != -1 && \
    !defined(SMOLC_SAMPLER_ALLOW_EXCESS_PRECISION)
#error \
    "smolc sampler: FLT_EVAL_METHOD != 0 (x87?) breaks cross-platform determinism; build with SSE2 / a float FPU, or define SMOLC_SAMPLER_ALLOW_EXCESS_PRECISION"
#endif
