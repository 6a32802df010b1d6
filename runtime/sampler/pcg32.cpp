// PCG32 (XSH-RR, 64-bit LCG) as specified by M. O'Neill, "PCG: A Family of
// Simple Fast Space-Efficient Statistically Good Algorithms for Random Number
// Generation" (2014); the constants are the paper's.
#include "sampler/sampler.h"

extern "C" {

uint32_t smolc_pcg32_next(smolc_pcg32* rng) {
  uint64_t old = rng->state;
  rng->state = old * 6364136223846793005ull + rng->inc;
  uint32_t xorshifted = (uint32_t)(((old >> 18u) ^ old) >> 27u);
  uint32_t rot = (uint32_t)(old >> 59u);
  return (xorshifted >> rot) | (xorshifted << ((32u - rot) & 31u));
}

void smolc_pcg32_seed(smolc_pcg32* rng, uint64_t initstate, uint64_t initseq) {
  rng->state = 0u;
  rng->inc = (initseq << 1u) | 1u;
  smolc_pcg32_next(rng);
  rng->state += initstate;
  smolc_pcg32_next(rng);
}

float smolc_pcg32_uniform(smolc_pcg32* rng) {
  // 24 bits fill a float mantissa exactly: k * 2^-24 is representable for
  // every k < 2^24, so no rounding happens anywhere.
  return (float)(smolc_pcg32_next(rng) >> 8) * (1.0f / 16777216.0f);
}

}  // extern "C"
