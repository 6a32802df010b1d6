// Minimal .npy (format version 1.0) for float32 2-D arrays: how logits are
// exchanged with the numpy golden generator (tools/golden/ref_logits.py).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace smolc {

struct NpyF32 {
  int64_t rows = 0, cols = 0;
  std::vector<float> data;  // [rows, cols], row-major
};

// Writes a little-endian float32 C-order array of shape (rows, cols).
// Throws InputError(path, ...) if the file cannot be written.
void write_npy_f32(const std::string& path, const float* data, int64_t rows, int64_t cols);
// Reads a 1-D or 2-D little-endian float32 C-order array (1-D becomes one row).
// Throws InputError(path, ...) for anything else.
NpyF32 read_npy_f32(const std::string& path);

}  // namespace smolc
