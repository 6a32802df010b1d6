// Helpers for the reference-engine tests: the committed numpy goldens
// (tests/data/golden/, made by tools/golden/ref_logits.py) and logit diffs.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "reference/npy.h"
#include "support/test_support.h"

namespace smolc::test {

inline std::string golden_dir() { return source_dir() + "/tests/data/golden"; }

inline std::vector<int32_t> read_ids(const std::string& path) {
  std::vector<int32_t> ids;
  std::string s = read_file(path), cur;
  for (char c : s + ",") {
    if (c == ',') {
      if (!cur.empty()) ids.push_back(std::stoi(cur));
      cur.clear();
    } else if (c != '\n' && c != ' ') {
      cur += c;
    }
  }
  return ids;
}

inline double max_abs_diff(const float* a, const float* b, size_t n) {
  double m = 0;
  for (size_t i = 0; i < n; ++i) m = std::max(m, std::fabs(static_cast<double>(a[i]) - b[i]));
  return m;
}

// Ids of the tiny synthetic golden (see tests/data/golden/README.md).
inline std::vector<int32_t> tiny_golden_ids() { return {1, 9690, 28, 253, 4335, 49151}; }

// Writes `smolc synth --preset tiny --seed 1234` into a fresh temp dir.
inline std::string make_tiny_synth(const std::string& name) {
  std::string dir = temp_dir(name);
  RunResult r = run_smolc("synth --preset tiny --seed 1234 -o '" + dir + "'");
  if (r.exit_code != 0) throw std::runtime_error("smolc synth failed: " + r.err);
  return dir;
}

}  // namespace smolc::test
