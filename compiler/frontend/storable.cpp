#include "frontend/storable.h"

#include <cmath>
#include <cstdio>
#include <limits>

#include "frontend/error.h"

namespace smolc {

const char* const kAllowNonfiniteHint =
    "(--allow-nonfinite stores such weights anyway: the engine's outputs are then likely NaN)";

const char* stored_as_name(StoredAs s) {
  switch (s) {
    case StoredAs::F32: return "f32";
    case StoredAs::BF16: return "bf16";
    case StoredAs::F16: return "f16";
    case StoredAs::F16Scale127: return "q8 (f16 block scale, amax/127)";
    case StoredAs::F16Scale8: return "q4 (f16 block scale, about amax/8)";
  }
  return "?";
}

double storable_limit(StoredAs s) {
  constexpr double kF16Max = 65504.0;
  switch (s) {
    case StoredAs::F32: return std::numeric_limits<float>::max();
    // bf16 keeps f32's exponent; round-to-nearest-even sends |v| >= 0x1.FF8p127
    // (f32 bits 0x7F7F8000, halfway above bf16's largest finite 0x7F7F) to Inf.
    case StoredAs::BF16: return std::nextafter(0x1.FF8p127f, 0.0f);
    case StoredAs::F16: return kF16Max;
    case StoredAs::F16Scale127: return kF16Max * 127.0;
    // Q4_0 stores amax/8; smolc's q4 search tries down to amax/6.5.
    case StoredAs::F16Scale8: return kF16Max * 6.5;
  }
  return 0;
}

size_t first_unstorable(const float* v, size_t n, StoredAs s) {
  const float lim = static_cast<float>(storable_limit(s));
  for (size_t i = 0; i < n; ++i)
    if (!(std::fabs(v[i]) <= lim)) return i;  // NaN fails the comparison too
  return n;
}

std::string unstorable_reason(float v, StoredAs s) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char b[160];
  std::snprintf(b, sizeof b, "%g exceeds the largest magnitude %s can hold (%g)", static_cast<double>(v),
                stored_as_name(s), storable_limit(s));
  return b;
}

void check_storable(const std::string& file, const std::string& tensor, const float* v, size_t n, int64_t cols,
                    StoredAs s, int64_t row_offset) {
  const size_t i = first_unstorable(v, n, s);
  if (i == n) return;
  std::string where = tensor + "[" + std::to_string(i) + "]";
  if (cols > 0) {
    const size_t c = static_cast<size_t>(cols);
    where +=
        " (row " + std::to_string(static_cast<int64_t>(i / c) + row_offset) + ", column " + std::to_string(i % c) + ")";
  }
  throw InputError(file, where, unstorable_reason(v[i], s) + " " + kAllowNonfiniteHint);
}

}  // namespace smolc
