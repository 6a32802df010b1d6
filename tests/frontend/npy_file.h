// Minimal reader for the little-endian float32 .npy golden files that the
// scripts under tools/golden/ write with numpy.
#pragma once
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

#include "support/test_support.h"

namespace smolc::test {

struct NpyF32 {
  std::vector<int64_t> shape;
  std::vector<float> data;
};

inline NpyF32 read_npy_f32(const std::string& path) {
  const std::string b = read_file(path);
  if (b.size() < 10 || b.compare(0, 6, "\x93NUMPY") != 0) throw std::runtime_error(path + ": not a .npy file");
  const size_t hlen = static_cast<uint8_t>(b[8]) | (static_cast<size_t>(static_cast<uint8_t>(b[9])) << 8);
  if (10 + hlen > b.size()) throw std::runtime_error(path + ": truncated header");
  const std::string h = b.substr(10, hlen);
  if (h.find("'descr': '<f4'") == std::string::npos || h.find("'fortran_order': False") == std::string::npos)
    throw std::runtime_error(path + ": expected little-endian float32, C order: " + h);
  NpyF32 r;
  size_t p = h.find("'shape': (") + 10;
  int64_t n = 1;
  while (p < h.size() && h[p] != ')') {
    if (h[p] >= '0' && h[p] <= '9') {
      size_t q = p;
      while (h[q] >= '0' && h[q] <= '9') ++q;
      r.shape.push_back(std::stoll(h.substr(p, q - p)));
      n *= r.shape.back();
      p = q;
    } else {
      ++p;
    }
  }
  if (10 + hlen + static_cast<size_t>(n) * 4 != b.size()) throw std::runtime_error(path + ": size does not match shape");
  r.data.resize(static_cast<size_t>(n));
  std::memcpy(r.data.data(), b.data() + 10 + hlen, static_cast<size_t>(n) * 4);
  return r;
}

}  // namespace smolc::test
