// The deterministic random numbers behind `smolc synth`: the same seed gives
// the same bits on every machine and compiler. Only IEEE-754 basic operations
// (+ - * / sqrt, all correctly rounded) are used, with FMA contraction off;
// libm's log/sin/cos are avoided because their last bit differs between
// implementations (and between glibc's FMA and non-FMA code paths).
//
//   stream(seed, index): SplitMix64 seeded with mix64(seed ^ mix64(index + C))
//   uniform in [-1, 1):  (x >> 11) * 2^-53 * 2 - 1
//   normal:              Marsaglia's polar form of Box-Muller: draw u, v until
//                        0 < s = u*u + v*v < 1, then u*f and v*f with
//                        f = sqrt(-2 ln(s) / s), ln from portable_log below.
// docs/synthetic-checkpoints.md describes it for reimplementation.
#pragma once
#include <cstdint>

namespace smolc::synth {

uint64_t mix64(uint64_t z);  // SplitMix64's finaliser

// ln(x) for finite x > 0, to within a few ulp, bit-identical everywhere.
double portable_log(double x);

class NormalStream {
 public:
  NormalStream(uint64_t seed, uint64_t index);
  uint64_t next_u64();
  double next_normal();  // mean 0, standard deviation 1

 private:
  uint64_t state_;
  double spare_ = 0;
  bool has_spare_ = false;
};

}  // namespace smolc::synth
