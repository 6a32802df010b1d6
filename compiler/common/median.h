// The median of timing samples, shared by `smolc bench` and the tuner's
// verification.
#pragma once

#include <algorithm>
#include <vector>

namespace smolc {

// The middle value (the mean of the two middle ones for an even count); 0 for none.
inline double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n == 0 ? 0.0 : n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

}  // namespace smolc
