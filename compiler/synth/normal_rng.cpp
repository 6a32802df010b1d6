#include "synth/normal_rng.h"

#include <cmath>

// Contraction of a*b+c into an FMA would change the last bit on machines that
// have FMA (GCC contracts even in ISO C++ mode once -march allows FMA); this
// file must compute the same bits everywhere.
#if defined(__clang__)
#pragma clang fp contract(off)
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif

namespace smolc::synth {

uint64_t mix64(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

double portable_log(double x) {
  int e = 0;
  double m = std::frexp(x, &e);  // exact: x = m * 2^e, m in [0.5, 1)
  if (m < 0.70710678118654752440) {
    m *= 2.0;
    e -= 1;
  }
  // ln(m) = 2 atanh(t), t = (m-1)/(m+1), |t| <= 0.172: the odd series
  // 2 (t + t^3/3 + ... + t^23/23) is below double rounding error after that.
  const double t = (m - 1.0) / (m + 1.0);
  const double t2 = t * t;
  // 1/(2i+1), folded at compile time to the same correctly rounded values.
  static constexpr double inv_odd[12] = {1.0 / 1,  1.0 / 3,  1.0 / 5,  1.0 / 7,  1.0 / 9,  1.0 / 11,
                                         1.0 / 13, 1.0 / 15, 1.0 / 17, 1.0 / 19, 1.0 / 21, 1.0 / 23};
  double sum = inv_odd[11];
  for (int i = 10; i >= 0; --i) sum = sum * t2 + inv_odd[i];
  const double ln2 = 0.69314718055994530942;
  return static_cast<double>(e) * ln2 + 2.0 * t * sum;
}

NormalStream::NormalStream(uint64_t seed, uint64_t index)
    : state_(mix64(seed ^ mix64(index + 0x632BE59BD9B4E019ull))) {}

uint64_t NormalStream::next_u64() {
  state_ += 0x9E3779B97F4A7C15ull;
  return mix64(state_);
}

double NormalStream::next_normal() {
  if (has_spare_) {
    has_spare_ = false;
    return spare_;
  }
  const double k = 1.0 / 9007199254740992.0;  // 2^-53
  for (;;) {
    const double u = static_cast<double>(next_u64() >> 11) * k * 2.0 - 1.0;
    const double v = static_cast<double>(next_u64() >> 11) * k * 2.0 - 1.0;
    const double s = u * u + v * v;
    if (s >= 1.0 || s == 0.0) continue;
    const double f = std::sqrt(-2.0 * portable_log(s) / s);
    spare_ = v * f;
    has_spare_ = true;
    return u * f;
  }
}

}  // namespace smolc::synth
