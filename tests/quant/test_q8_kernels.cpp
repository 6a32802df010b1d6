// The q8 gemv template (templates/gemv/q8-gemv.cpp.in), rendered, compiled
// with a real compiler and run, against the scalar reference quant_matmul on
// odd shapes. AVX2 runs where the host has it (this machine: yes; AVX-512 and
// VNNI are hidden by its hypervisor, so no VNNI kernel is tested here).
#include <catch2/catch.hpp>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "emit/kernel_api.h"
#include "emit/template_engine.h"
#include "kernels/kernel_jit.h"
#include "quant/quant_matmul.h"
#include "support/test_support.h"

using namespace smolc;
using namespace smolc::quant;

namespace {

using Q8GemvFn = void (*)(const void* w, const void* xa, float* y, int row_begin, int row_end);

KernelSource q8_gemv_source(int64_t M, int64_t K, const std::string& isa) {
  KernelSource s;
  s.file_name = "q8-gemv-" + std::to_string(M) + "x" + std::to_string(K) + "-" + isa + ".cpp";
  s.function_name = "test_q8_gemv_" + std::to_string(M) + "x" + std::to_string(K) + "_" + isa;
  s.cxx_flags = {"-I" + test::source_dir() + "/runtime"};
  if (isa == "avx2") s.cxx_flags.insert(s.cxx_flags.end(), {"-mavx2", "-mfma", "-mf16c"});
  std::string flags;
  for (const auto& f : s.cxx_flags) flags += (flags.empty() ? "" : " ") + f;
  s.code = render_embedded("gemv/q8-gemv.cpp.in", {{"FILE_NAME", s.file_name},
                                                   {"FUNCTION", s.function_name},
                                                   {"TEMPLATE", std::string("gemv/q8-gemv.cpp.in")},
                                                   {"CXX_FLAGS", flags},
                                                   {"ISA", isa},
                                                   {"M", M},
                                                   {"K", K},
                                                   {"NB", (K + 31) / 32}});
  return s;
}

}  // namespace

TEST_CASE("q8 gemv kernels (scalar, AVX2) equal the scalar reference on odd shapes") {
  std::vector<std::string> isas = {"scalar"};
  if (host_supports(Isa::AVX2)) isas.push_back("avx2");
  const std::vector<std::pair<int64_t, int64_t>> shapes = {{13, 83}, {37, 576}, {5, 172}, {1, 32}};
  std::vector<KernelSource> sources;
  for (const auto& [M, K] : shapes)
    for (const auto& isa : isas) sources.push_back(q8_gemv_source(M, K, isa));
  test::JitResult jit = test::jit_compile(sources, test::temp_dir("quant_q8_gemv"), "clang++-19");
  INFO(jit.log);
  REQUIRE(jit.lib);
  std::mt19937 rng(5);
  std::normal_distribution<float> nd(0.0f, 1.0f);
  for (const auto& [M, K] : shapes) {
    std::vector<float> W(static_cast<size_t>(M * K)), x(static_cast<size_t>(K));
    for (float& v : W) v = 0.02f * nd(rng);
    for (float& v : x) v = nd(rng);
    const QuantMatrix q = quantize_matrix(QFormat::Q8, W.data(), M, K, "W");
    std::vector<float> want(static_cast<size_t>(M));
    quant_matmul(q, x.data(), 1, want.data());
    const std::vector<smolc_block_a8> a = quantize_activations(x.data(), K);
    const std::vector<float> dw = dequantize(q);
    for (const auto& isa : isas) {
      INFO(isa << " " << M << "x" << K);
      auto fn = reinterpret_cast<Q8GemvFn>(
          jit.lib->symbol("test_q8_gemv_" + std::to_string(M) + "x" + std::to_string(K) + "_" + isa));
      REQUIRE(fn);
      std::vector<float> y(static_cast<size_t>(M), -1.0f);
      // Two row ranges, as the thread pool hands them out.
      fn(q.data.data(), a.data(), y.data(), 0, static_cast<int>(M / 2));
      fn(q.data.data(), a.data(), y.data(), static_cast<int>(M / 2), static_cast<int>(M));
      for (int64_t r = 0; r < M; ++r) {
        double mag = 0;
        for (int64_t k = 0; k < K; ++k)
          mag += std::fabs(static_cast<double>(dw[static_cast<size_t>(r * K + k)]) *
                           a[static_cast<size_t>(k / 32)].d * a[static_cast<size_t>(k / 32)].qs[k % 32]);
        if (isa == "scalar") CHECK(y[static_cast<size_t>(r)] == want[static_cast<size_t>(r)]);  // same operations, same order
        else CHECK(std::fabs(y[static_cast<size_t>(r)] - want[static_cast<size_t>(r)]) <= 1e-6 * mag);
      }
    }
  }
}
