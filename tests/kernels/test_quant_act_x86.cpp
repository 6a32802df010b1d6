// The AVX2 path of smolc_quantize_a8 (runtime/quant/smolc_quant_act.h, what
// the avx2 and avx512 engines compile) against its portable path (what this
// test and the compiler's reference compile: no -mavx2): the same bytes for
// random rows and for the edge cases (zero blocks, NaN, infinities, -0, exact
// halves that round to even, a partial last block), built by clang++-19 and
// by g++ with the engines' x86 flags.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <fstream>
#include <limits>
#include <random>
#include <vector>

#include "quant/smolc_quant_act.h"
#include "support/test_support.h"

using namespace smolc::test;

namespace {

// One row per length; the lengths cover full blocks and a partial last one.
const int kCols[] = {32, 576, 1536, 40, 5};

std::vector<float> rows_of_inputs() {
  std::mt19937 rng(test_seed("quant_act_x86"));
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<float> all;
  for (int cols : kCols) {
    std::vector<float> r(static_cast<size_t>(cols));
    for (float& v : r) v = normal(rng) * 3.0f;
    all.insert(all.end(), r.begin(), r.end());
  }
  // Edge blocks, each a whole 32-block row of its own.
  const float inf = std::numeric_limits<float>::infinity(), nan = std::numeric_limits<float>::quiet_NaN();
  std::vector<float> halves(32), zeros(32, 0.0f), special(32), negzero(32, -0.0f);
  for (int i = 0; i < 32; ++i) halves[static_cast<size_t>(i)] = (i == 0) ? 127.0f : (i % 2 ? 1 : -1) * (0.5f + i);
  for (int i = 0; i < 32; ++i) special[static_cast<size_t>(i)] = normal(rng);
  special[3] = nan;
  special[7] = -nan;
  special[11] = -0.0f;
  std::vector<float> infs(special);
  infs[20] = inf;
  infs[21] = -inf;
  for (const auto* b : {&halves, &zeros, &special, &negzero, &infs}) all.insert(all.end(), b->begin(), b->end());
  return all;
}

const int kEdgeRows = 5;

// Quantises every row of `x` (the kCols rows, then kEdgeRows rows of 32).
std::vector<smolc_block_a8> quantize_rows(const std::vector<float>& x) {
  std::vector<smolc_block_a8> out;
  size_t at = 0;
  auto row = [&](int cols) {
    std::vector<smolc_block_a8> b(static_cast<size_t>((cols + 31) / 32));
    smolc_quantize_a8(x.data() + at, cols, b.data());
    out.insert(out.end(), b.begin(), b.end());
    at += static_cast<size_t>(cols);
  };
  for (int cols : kCols) row(cols);
  for (int i = 0; i < kEdgeRows; ++i) row(32);
  return out;
}

// The same rows, quantised by a program built with `cxx` and the engines' x86 flags.
std::vector<uint8_t> quantize_rows_avx2(const std::string& cxx, const std::vector<float>& x) {
  const std::string dir = temp_dir("quant_act_" + std::string(cxx == "g++" ? "gxx" : "clang"));
  std::ofstream(dir + "/in.bin", std::ios::binary).write(reinterpret_cast<const char*>(x.data()),
                                                         static_cast<std::streamsize>(x.size() * sizeof(float)));
  std::string cols = "{";
  for (int c : kCols) cols += std::to_string(c) + ",";
  for (int i = 0; i < kEdgeRows; ++i) cols += "32,";
  cols += "}";
  std::ofstream(dir + "/q.cpp")
      << "#include <stdio.h>\n#include <vector>\n#include \"quant/smolc_quant_act.h\"\n"
         "#ifndef __AVX2__\n#error the AVX2 path is the one under test\n#endif\n"
         "int main(int, char** argv) {\n"
         "  const int cols[] = " << cols << ";\n"
         "  FILE* in = fopen(argv[1], \"rb\");\n  FILE* out = fopen(argv[2], \"wb\");\n  if (!in || !out) return 1;\n"
         "  for (int c : cols) {\n"
         "    std::vector<float> x(c);\n    std::vector<smolc_block_a8> b((c + 31) / 32);\n"
         "    if (fread(x.data(), sizeof(float), x.size(), in) != x.size()) return 1;\n"
         "    smolc_quantize_a8(x.data(), c, b.data());\n"
         "    fwrite(b.data(), sizeof(smolc_block_a8), b.size(), out);\n  }\n  return fclose(out) != 0;\n}\n";
  const RunResult build = run_shell(cxx + " -std=c++17 -O2 -Wall -Wextra -Werror -mavx2 -mfma -mf16c -I" +
                                    shell_quote(source_dir() + "/runtime") + " " + shell_quote(dir + "/q.cpp") +
                                    " -o " + shell_quote(dir + "/q"));
  INFO(build.err);
  REQUIRE(build.exit_code == 0);
  const RunResult run = run_shell(shell_quote(dir + "/q") + " " + shell_quote(dir + "/in.bin") + " " +
                                  shell_quote(dir + "/out.bin"));
  REQUIRE(run.exit_code == 0);
  const std::string bytes = read_file(dir + "/out.bin");
  return std::vector<uint8_t>(bytes.begin(), bytes.end());
}

}  // namespace

TEST_CASE("the AVX2 activation quantiser writes the portable path's bytes (clang++-19 and g++)") {
#ifdef __AVX2__
  FAIL("this test must be compiled without AVX2, so that its own quantiser is the portable path");
#endif
  const std::vector<float> x = rows_of_inputs();
  const std::vector<smolc_block_a8> want = quantize_rows(x);
  REQUIRE(want.size() > 60);
  // The edge rows are what they claim: an exact half rounds to even, NaN to -127.
  const smolc_block_a8& halves = want[want.size() - 5];
  CHECK(halves.qs[0] == 127);
  CHECK(halves.qs[2] == -2);  // -2.5 -> -2
  CHECK(halves.qs[3] == 4);   // 3.5 -> 4
  CHECK(want[want.size() - 3].qs[3] == -127);
  for (const std::string cxx : {"clang++-19", "g++"}) {
    INFO(cxx);
    const std::vector<uint8_t> got = quantize_rows_avx2(cxx, x);
    REQUIRE(got.size() == want.size() * sizeof(smolc_block_a8));
    for (size_t b = 0; b < want.size(); ++b) {
      INFO("block " << b);
      CHECK(std::memcmp(got.data() + b * sizeof(smolc_block_a8), &want[b], sizeof(smolc_block_a8)) == 0);
    }
  }
}
