// The one check between a model's numbers and the formats that store them:
// every parameter must be finite, and every value must fit the storage the
// chosen format gives it (f16 tops out at 65504, bf16 rounds to Inf past
// ~3.39e38, a q8/q4 block's f16 scale caps the block's largest magnitude).
// `smolc compile`, `convert` and the reference engine all call it, so they
// refuse the same weights; --allow-nonfinite skips it.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

namespace smolc {

enum class StoredAs {
  F32,          // any finite float
  BF16,         // |v| below the bf16 round-to-Inf point
  F16,          // |v| <= 65504
  F16Scale127,  // q8 / Q8_0 block: scale amax/127 stored as f16
  F16Scale8,    // q4 / Q4_0 block: scale about amax/8 stored as f16 (smolc's search goes down to amax/6.5)
};
const char* stored_as_name(StoredAs s);  // "f32", "bf16", "f16", "q8 (f16 block scale)", ...
double storable_limit(StoredAs s);       // the largest magnitude `s` holds

// The first index of v[0..n) that is non-finite or beyond storable_limit(s),
// or n when every value fits.
size_t first_unstorable(const float* v, size_t n, StoredAs s);

// "NaN", "Inf" or "1e+05, beyond f16's 65504": why v cannot be stored as s.
std::string unstorable_reason(float v, StoredAs s);

// Throws InputError(file, "TENSOR[INDEX] (row R, column C)", reason + hint)
// for the first value of the row-major [n / cols, cols] tensor that cannot
// be stored as s. row_offset shifts the reported rows (a tensor checked in
// slices); cols <= 0 reports the flat index only.
void check_storable(const std::string& file, const std::string& tensor, const float* v, size_t n, int64_t cols,
                    StoredAs s, int64_t row_offset = 0);

// The hint every refusal ends with.
extern const char* const kAllowNonfiniteHint;

}  // namespace smolc
