// Every kernel of the kernel list, generated, compiled by a real compiler and
// executed, against reference_gemm; reference_gemm itself against a plain
// double-precision product on the unpacked weights (float formats; the block
// formats' reference is tested in test_quant_pack.cpp).
#include <catch2/catch.hpp>

#include <cmath>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "emit/kernel_api.h"
#include "emit/kernel_variant.h"
#include "frontend/dequant.h"
#include "quantize/quant_matmul.h"
#include "quantize/quantize.h"
#include "schedule/kernel_list.h"
#include "tests/kernels/kernel_jit.h"
#include "tests/support/test_support.h"

using namespace smolc;

namespace {

uint32_t test_seed() { return test::test_seed("kernel tests"); }

std::vector<float> random_vec(std::mt19937& rng, size_t n) {
  std::normal_distribution<float> d(0.0f, 1.0f);
  std::vector<float> v(n);
  for (auto& x : v) x = d(rng);
  return v;
}

// W as the kernels see it: every value rounded to the storage format.
float stored(Format f, float v) {
  if (f == Format::BF16) return bf16_to_f32(f32_to_bf16(v));
  if (f == Format::F16) return f16_to_f32(f32_to_f16(v));
  return v;
}

struct Packed {
  std::vector<uint8_t> storage;
  uint8_t* data = nullptr;  // 64-byte aligned
};

Packed pack(const KernelSpec& s, const std::vector<float>& W) {
  Packed p;
  p.storage.resize(packed_weight_bytes(s) + 64);
  uintptr_t a = reinterpret_cast<uintptr_t>(p.storage.data());
  p.data = p.storage.data() + ((64 - a % 64) % 64);
  pack_weights(s, W.data(), p.data);
  return p;
}

// Shapes with M tails (not multiples of any tile_m), M below one panel, K odd
// (bf16 half column pair), K = 1, and K an odd multiple of the vector widths
// (48 = 3*16 = 6*8) so main loops and their remainders both run.
struct Shape {
  int64_t M, K;
};
const Shape kShapes[] = {{69, 37}, {5, 48}, {40, 1}};
// Block formats also run on several blocks per row with a partial last block
// (main loops, unrolled remainders and the K tail of the SIMD kernels).
const Shape kQuantShapes[] = {{37, 300}, {24, 1000}};

// The compiler command for generated kernels: quantised ones include
// "quant/smolc_quant.h", which the engine build finds under runtime/.
std::string cxx(const std::string& compiler) { return compiler + " -I" + test::source_dir() + "/runtime"; }

}  // namespace

TEST_CASE("reference_gemm matches a double-precision product on the unpacked weights") {
  std::mt19937 rng(test_seed());
  for (Format fmt : {Format::F32, Format::BF16, Format::F16}) {
    for (int tile_m : {1, 8, 16, 32}) {
      for (const Shape& sh : kShapes) {
        KernelSpec s;
        s.fmt = fmt;
        s.M = sh.M;
        s.K = sh.K;
        s.tile_m = tile_m;
        const int n = 3, ldy = int(sh.M) + 2;
        auto W = random_vec(rng, size_t(sh.M * sh.K));
        auto x = random_vec(rng, size_t(n * sh.K));
        Packed p = pack(s, W);
        std::vector<float> y(size_t(n * ldy), -7.0f);
        reference_gemm(s, p.data, x.data(), n, y.data(), ldy);
        for (int t = 0; t < n; ++t) {
          for (int64_t r = 0; r < sh.M; ++r) {
            double want = 0;
            for (int64_t k = 0; k < sh.K; ++k) want += double(stored(fmt, W[r * sh.K + k])) * double(x[t * sh.K + k]);
            INFO(format_name(fmt) << " tile_m " << tile_m << " M " << sh.M << " K " << sh.K << " t " << t << " r " << r);
            REQUIRE(y[size_t(t * ldy + r)] == Approx(want).margin(1e-5).epsilon(1e-6));
          }
          REQUIRE(y[size_t(t * ldy + sh.M)] == -7.0f);  // ldy padding untouched
        }
      }
    }
  }
}

TEST_CASE("packed weights are 64-byte panels with zero padding") {
  for (Format fmt : {Format::F32, Format::BF16, Format::F16}) {
    KernelSpec s;
    s.fmt = fmt;
    s.M = 37;
    s.K = 7;
    s.tile_m = 16;
    const PackedLayout l = packed_layout(s);
    CHECK(l.panels == 3);
    CHECK(l.panel_bytes % 64 == 0);
    CHECK(l.panel_bytes >= size_t(16 * l.k_padded * l.elem_bytes));
    CHECK(packed_weight_bytes(s) == 3 * l.panel_bytes);
    std::vector<float> W(size_t(s.M * s.K), 1.0f);
    std::vector<uint8_t> out(packed_weight_bytes(s), 0xAB);
    pack_weights(s, W.data(), out.data());
    // Exactly M*K non-zero elements: every real weight once, all padding zero.
    size_t nonzero = 0;
    for (size_t i = 0; i < out.size(); i += size_t(l.elem_bytes)) {
      bool nz = false;
      for (int b = 0; b < l.elem_bytes; ++b) nz |= out[i + size_t(b)] != 0;
      nonzero += nz;
    }
    CHECK(nonzero == size_t(s.M * s.K));
  }
}

TEST_CASE("kernel specs are validated") {
  KernelSpec s;
  s.M = 10;
  s.K = 10;
  s.tile_m = 12;
  s.isa = Isa::AVX2;
  CHECK_THROWS_WITH(emit_gemv(s, "p_"), Catch::Contains("tile_m=12 is not a multiple of 8 for avx2"));
  s.isa = Isa::Scalar;
  s.K = 0;
  CHECK_THROWS_WITH(emit_gemm(s, "p_"), Catch::Contains("K=0"));
  s.K = 10;
  CHECK_THROWS_WITH(emit_gemv(s, "bad-prefix"), Catch::Contains("not a C identifier"));
}

TEST_CASE("generated kernel files are named by op, format, shape, tile and ISA") {
  KernelSpec s;
  s.fmt = Format::BF16;
  s.isa = Isa::AVX512;
  s.M = 576;
  s.K = 1536;
  s.tile_m = 32;
  s.tile_n = 8;
  KernelSource g = emit_gemv(s, "m_");
  CHECK(g.file_name == "bf16-gemv-576x1536-32r-avx512.cpp");
  CHECK(g.function_name == "m_bf16_gemv_576x1536_32r_avx512");
  CHECK(g.code.find("Do not edit") != std::string::npos);
  CHECK(g.code.find("templates/gemv/gemv-x86.cpp.in") != std::string::npos);
  CHECK(g.code.find("smolc kernel --op gemv --format bf16 --isa avx512 --m 576 --k 1536 --tile-m 32") !=
        std::string::npos);
  CHECK(g.cxx_flags.size() > 3);
  KernelSource m = emit_gemm(s, "m_");
  CHECK(m.file_name == "bf16-gemm-576x1536-32r8t-avx512.cpp");
  CHECK(m.code.find("_mm512_dpbf16_ps") != std::string::npos);
  s.isa = Isa::Scalar;
  s.tile_m = 8;
  KernelSource sg = emit_gemv(s, "m_");
  CHECK(sg.cxx_flags.empty());
  CHECK(sg.code.find("immintrin") == std::string::npos);  // scalar kernels assume no ISA
  KernelSource r = emit_row_unpack(s, "");
  CHECK(r.file_name == "bf16-row-576x1536-8r-scalar.cpp");
  CHECK(r.cxx_flags.empty());
  // Block formats: templates <op>/q-<op>-<isa>.cpp.in, the row one scalar for every ISA.
  s.fmt = Format::Q8;
  s.tile_n = 4;
  KernelSource qg = emit_gemm(s, "m_");
  CHECK(qg.file_name == "q8-gemm-576x1536-8r4t-scalar.cpp");
  CHECK(qg.function_name == "m_q8_gemm_576x1536_8r4t_scalar");
  CHECK(qg.code.find("templates/gemm/q-gemm-scalar.cpp.in") != std::string::npos);
  CHECK(qg.code.find("#include \"quant/smolc_quant.h\"") != std::string::npos);
  CHECK(qg.code.find("immintrin") == std::string::npos);
  s.fmt = Format::Q4;
  s.isa = Isa::AVX2;
  s.tile_m = 16;
  KernelSource qr = emit_row_unpack(s, "");
  CHECK(qr.file_name == "q4-row-576x1536-16r-avx2.cpp");
  CHECK(qr.code.find("templates/row/q-row-scalar.cpp.in") != std::string::npos);
  CHECK(qr.cxx_flags.empty());
}

namespace {

using QGemvFn = void (*)(const void* w, const void* xa, float* y, int row_begin, int row_end);
using QGemmFn = void (*)(const void* w, const void* xa, int n, float* y, int ldy, int row_begin, int row_end);


// Runs one compiled block-format variant on one shape against reference_gemm
// (and the row kernel against quant::dequantize_row).
//   Scalar kernels do reference_gemm's f32 operations in its order: equal bit for bit.
//   SIMD kernels: the q8/q4 block dots are exact int32 either way, the q16
//   block sums are f32 in another order; the f32 sum over KB blocks differs
//   by at most a rounding per step on each side, and a q16 block sum by at
//   most 32 roundings, all bounded by 2^-23 * sum_k |w_k x_k| (dequantised):
//   tolerance (2 * KB + 40) * 2^-23 * sum |w x|.
void check_quant_variant(const KernelVariant& v, const Shape& sh, std::mt19937& rng, void* sym) {
  const KernelSpec s = variant_spec(v, sh.M, sh.K);
  const int64_t kb = (sh.K + 31) / 32;
  std::normal_distribution<float> wd(0.0f, 0.05f);
  std::vector<float> W(size_t(sh.M * sh.K));
  for (auto& w : W) w = wd(rng);
  quant::QuantMatrix q = quant::quantize_matrix(v.fmt, W.data(), sh.M, sh.K, "W");
  if (v.fmt == Format::Q8) {
    // GGUF Q8_0 blocks may hold -128 (our quantiser never writes it); the kernels
    // must be exact for it too, whatever the activation's sign.
    const size_t bb = sizeof(smolc_block_q8);
    for (int64_t r = 0; r < sh.M; ++r)
      for (int64_t k = r % 7; k < sh.K; k += 7)
        q.data[size_t(r * q.blocks_per_row + k / 32) * bb + offsetof(smolc_block_q8, qs) + size_t(k % 32)] = 0x80;
  }
  Packed p;
  p.storage.resize(packed_weight_bytes(s) + 64);
  p.data = p.storage.data() + ((64 - reinterpret_cast<uintptr_t>(p.storage.data()) % 64) % 64);
  pack_quant_weights(s, q, p.data);
  const std::vector<float> deq = quant::dequantize(q);

  if (v.op == KernelOp::Row) {
    std::vector<float> out(size_t(sh.K) + 1), want(size_t(sh.K));
    for (int64_t r = -1; r <= sh.M; ++r) {
      out[size_t(sh.K)] = -9.0f;
      reinterpret_cast<test::RowFn>(sym)(p.data, int(r), out.data());
      if (r >= 0 && r < sh.M) quant::dequantize_row(q, r, want.data());
      else std::fill(want.begin(), want.end(), 0.0f);  // rows outside [0, M) read as zeros
      for (int64_t k = 0; k < sh.K; ++k) {
        INFO("row " << r << " k " << k);
        REQUIRE(out[size_t(k)] == want[size_t(k)]);
      }
      REQUIRE(out[size_t(sh.K)] == -9.0f);
    }
    return;
  }
  const int max_n = v.op == KernelOp::Gemm ? v.tile_n + 3 : 1;
  auto x = random_vec(rng, size_t(max_n * sh.K));
  // Inputs as the kernels take them: int8 blocks (q8, q4), KB per token, or f32 (q16).
  std::vector<smolc_block_a8> xa;
  std::vector<float> xs(x);  // x as the kernels see it, dequantised
  if (uses_a8_input(v.fmt)) {
    for (int t = 0; t < max_n; ++t) {
      const auto a = quant::quantize_activations(x.data() + t * sh.K, sh.K);
      xa.insert(xa.end(), a.begin(), a.end());
      for (int64_t k = 0; k < sh.K; ++k) xs[size_t(t * sh.K + k)] = a[size_t(k / 32)].d * float(a[size_t(k / 32)].qs[k % 32]);
    }
  }
  const void* xin = uses_a8_input(v.fmt) ? static_cast<const void*>(xa.data()) : static_cast<const void*>(x.data());
  const int ldy = int(sh.M) + 3;
  std::vector<float> want(size_t(max_n * ldy));
  reference_gemm(s, p.data, x.data(), max_n, want.data(), ldy);
  std::vector<double> mag(size_t(max_n * ldy), 0.0);
  for (int t = 0; t < max_n; ++t)
    for (int64_t r = 0; r < sh.M; ++r)
      for (int64_t k = 0; k < sh.K; ++k)
        mag[size_t(t * ldy + r)] += std::fabs(double(deq[size_t(r * sh.K + k)]) * xs[size_t(t * sh.K + k)]);
  const double rel = double(2 * kb + 40) * 0x1p-23;
  auto close = [&](float got, size_t i) {
    return v.isa == Isa::Scalar ? got == want[i] : std::fabs(double(got) - want[i]) <= rel * mag[i];
  };
  std::vector<std::pair<int, int>> splits = {{0, int(sh.M)}};
  if (sh.M > v.tile_m) splits = {{0, v.tile_m}, {v.tile_m, int(sh.M)}};
  for (int n = 1; n <= max_n; ++n) {
    std::vector<float> y(size_t(max_n * ldy), -9.0f);
    for (auto [b, e] : splits) {
      if (v.op == KernelOp::Gemv) reinterpret_cast<QGemvFn>(sym)(p.data, xin, y.data(), b, e);
      else reinterpret_cast<QGemmFn>(sym)(p.data, xin, n, y.data(), ldy, b, e);
    }
    for (int t = 0; t < max_n; ++t) {
      for (int r = 0; r < ldy; ++r) {
        const size_t i = size_t(t * ldy + r);
        INFO("n " << n << " token " << t << " row " << r << " got " << y[i] << " want " << want[i]);
        if (t < n && r < sh.M) REQUIRE(close(y[i], i));
        else REQUIRE(y[i] == -9.0f);  // nothing outside [0,n) x [0,M) is written
      }
    }
  }
}

// Runs one compiled variant on one shape against reference_gemm.
void check_variant(const test::JitLibrary& lib, const KernelVariant& v, const Shape& sh, std::mt19937& rng) {
  const KernelSpec s = variant_spec(v, sh.M, sh.K);
  const std::string fn = emit_variant(v, sh.M, sh.K, "t_").function_name;
  void* sym = lib.symbol(fn);
  INFO("kernel " << fn);
  REQUIRE(sym != nullptr);
  if (is_quantized(v.fmt)) {
    check_quant_variant(v, sh, rng, sym);
    return;
  }
  auto W = random_vec(rng, size_t(sh.M * sh.K));
  Packed p = pack(s, W);
  const int max_n = v.op == KernelOp::Gemm ? v.tile_n + 3 : 1;
  auto x = random_vec(rng, size_t(max_n * sh.K));
  const int ldy = int(sh.M) + 3;
  std::vector<float> want(size_t(max_n * ldy));
  reference_gemm(s, p.data, x.data(), max_n, want.data(), ldy);
  // Error bound scale per output: sum_k |w x| (the kernels accumulate in f32).
  std::vector<double> scale(size_t(max_n * ldy), 0.0);
  for (int t = 0; t < max_n; ++t)
    for (int64_t r = 0; r < sh.M; ++r)
      for (int64_t k = 0; k < sh.K; ++k)
        scale[size_t(t * ldy + r)] += std::fabs(double(stored(v.fmt, W[r * sh.K + k])) * x[t * sh.K + k]);
  // bf16 activations (vdpbf16ps) split x into two bf16 terms: ~2^-16 relative.
  // The bf16a gemm (x_bf16) rounds x once as reference_gemm does, and the
  // products of two bf16 values are exact in f32: only the f32 sums differ.
  const double rel = (v.fmt == Format::BF16 && v.isa == Isa::AVX512 && v.op == KernelOp::Gemm && !v.x_bf16) ? 4e-5 : 2e-6;
  auto close = [&](float got, size_t i) { return std::fabs(double(got) - want[i]) <= rel * scale[i] + 1e-6; };

  if (v.op == KernelOp::Row) {
    std::vector<float> out(size_t(sh.K) + 1);
    for (int64_t r = 0; r < sh.M; ++r) {
      out[size_t(sh.K)] = -9.0f;
      reinterpret_cast<test::RowFn>(sym)(p.data, int(r), out.data());
      for (int64_t k = 0; k < sh.K; ++k) {
        INFO("row " << r << " k " << k);
        REQUIRE(out[size_t(k)] == stored(v.fmt, W[r * sh.K + k]));
      }
      REQUIRE(out[size_t(sh.K)] == -9.0f);
    }
    return;
  }
  // Row ranges: all rows at once, and split at a panel boundary as threads do.
  std::vector<std::pair<int, int>> splits = {{0, int(sh.M)}};
  if (sh.M > v.tile_m) splits = {{0, v.tile_m}, {v.tile_m, int(sh.M)}};
  for (int n = 1; n <= max_n; ++n) {
    std::vector<float> y(size_t(max_n * ldy), -9.0f);
    for (auto [b, e] : splits) {
      if (v.op == KernelOp::Gemv) reinterpret_cast<test::GemvFn>(sym)(p.data, x.data(), y.data(), b, e);
      else reinterpret_cast<test::GemmFn>(sym)(p.data, x.data(), n, y.data(), ldy, b, e);
    }
    for (int t = 0; t < max_n; ++t) {
      for (int r = 0; r < ldy; ++r) {
        const size_t i = size_t(t * ldy + r);
        INFO("n " << n << " token " << t << " row " << r << " got " << y[i] << " want " << want[i]);
        if (t < n && r < sh.M) REQUIRE(close(y[i], i));
        else REQUIRE(y[i] == -9.0f);  // nothing outside [0,n) x [0,M) is written
      }
    }
  }
}

}  // namespace

TEST_CASE("every kernel in the kernel list matches reference_gemm (clang++-19)") {
  std::mt19937 rng(test_seed());
  std::set<std::string> skipped, emulated_names;
  int shape_no = 0;
  std::vector<std::pair<Shape, bool>> shapes;  // (shape, block formats only)
  for (const Shape& sh : kShapes) shapes.push_back({sh, false});
  for (const Shape& sh : kQuantShapes) shapes.push_back({sh, true});
  for (const auto& [sh, quant_only] : shapes) {
    std::vector<KernelVariant> vars;
    // aarch64 kernels cannot run here: tests/aarch64 runs them under qemu.
    for (const auto& v : kernel_variants())
      if ((!quant_only || is_quantized(v.fmt)) && isa_is_x86(v.isa)) vars.push_back(v);
    std::vector<KernelSource> srcs;
    for (const auto& v : vars) srcs.push_back(emit_variant(v, sh.M, sh.K, "t_"));
    const std::string dir = test::temp_dir("kernels_clang_" + std::to_string(shape_no++));
    test::JitResult jr = test::jit_compile(srcs, dir, cxx("clang++-19"), "-O2");
    INFO(jr.log);
    REQUIRE(jr.lib);
    // Without AVX-512 here, its kernels (already compiled above with -Werror)
    // run once more with the intrinsics emulated in plain C++.
    std::vector<KernelSource> emulated;
    for (size_t i = 0; i < srcs.size(); ++i) {
      if (vars[i].isa != Isa::AVX512 || srcs[i].cxx_flags.empty() || host_supports(Isa::AVX512)) continue;
      KernelSource e = srcs[i];
      const std::string inc = "#include <immintrin.h>";
      const size_t at = e.code.find(inc);
      REQUIRE(at != std::string::npos);
      e.code.replace(at, inc.size(), "#include \"" + test::source_dir() + "/tests/kernels/avx512_emulation.h\"");
      e.cxx_flags.clear();
      emulated.push_back(e);
    }
    std::unique_ptr<test::JitLibrary> emu;
    if (!emulated.empty()) {
      test::JitResult je = test::jit_compile(emulated, dir + "/emulated", cxx("clang++-19"), test::kEmulatedOpt);
      INFO(je.log);
      REQUIRE(je.lib);
      emu = std::move(je.lib);
    }
    for (size_t i = 0; i < vars.size(); ++i) {
      const KernelVariant& v = vars[i];
      // Row kernels need no ISA flags (one scalar template), so they always run.
      if (!srcs[i].cxx_flags.empty() && !host_supports(v.isa)) {
        if (v.isa == Isa::AVX512 && emu) {
          emulated_names.insert(variant_name(v));
          check_variant(*emu, v, sh, rng);
        } else {
          skipped.insert(variant_name(v));
        }
        continue;
      }
      check_variant(*jr.lib, v, sh, rng);
    }
  }
  for (const auto& name : emulated_names)
    WARN("this CPU lacks AVX-512: " << name << " compiled with its real flags (-Werror) but executed with "
                                    << "tests/kernels/avx512_emulation.h standing in for the intrinsics");
  for (const auto& name : skipped)
    WARN("not executed (compiled with -Werror only): " << name << ": this CPU lacks the ISA");
}

// The kernel list has q16 AVX2 kernels at the default tile_m only; the
// interleaved q16 kernels loop over the panel's 8-row groups, so every tile_m
// a schedule may pick (multiples of 8) runs here, with small and odd token
// tiles for gemm.
TEST_CASE("q16 AVX2 gemv and gemm match reference_gemm at every 8-row panel height") {
  if (!host_supports(Isa::AVX2)) {
    WARN("not executed: this CPU lacks AVX2");
    return;
  }
  std::mt19937 rng(test_seed());
  std::vector<KernelVariant> vars;
  for (int tm : {8, 16, 24, 32, 64}) {
    vars.push_back({KernelOp::Gemv, Format::Q16, Isa::AVX2, tm, 1});
    vars.push_back({KernelOp::Gemm, Format::Q16, Isa::AVX2, tm, 6});  // n = 1..9: every token tail tile too
  }
  int shape_no = 0;
  for (const Shape& sh : {kShapes[0], kShapes[1], kShapes[2], kQuantShapes[0], kQuantShapes[1], Shape{8, 32}}) {
    std::vector<KernelSource> srcs;
    for (const auto& v : vars) srcs.push_back(emit_variant(v, sh.M, sh.K, "t_"));
    test::JitResult jr =
        test::jit_compile(srcs, test::temp_dir("kernels_q16_avx2_" + std::to_string(shape_no++)), cxx("clang++-19"), "-O2");
    INFO(jr.log);
    REQUIRE(jr.lib);
    for (const auto& v : vars) {
      INFO("tile_m " << v.tile_m << " tile_n " << v.tile_n << " M " << sh.M << " K " << sh.K);
      check_variant(*jr.lib, v, sh, rng);
    }
  }
}

TEST_CASE("every generated kernel compiles warning-free with g++-12 at -O3") {
  std::vector<KernelSource> srcs;
  // x86 and portable kernels (aarch64: tests/aarch64 with the g++ cross compiler; simd128: tests/wasm, clang only).
  std::vector<KernelVariant> host;
  for (const auto& v : kernel_variants())
    if (isa_is_x86(v.isa)) host.push_back(v);
  for (const Shape& sh : {kShapes[0]})
    for (const auto& v : host) srcs.push_back(emit_variant(v, sh.M, sh.K, "g_"));
  // A 135M shape too: long constant trip counts, large panels.
  for (const auto& v : host) srcs.push_back(emit_variant(v, 576, 1536, "g_"));
  for (const auto& v : host)
    if (is_quantized(v.fmt)) srcs.push_back(emit_variant(v, kQuantShapes[0].M, kQuantShapes[0].K, "g_"));
  test::JitResult jr = test::jit_compile(srcs, test::temp_dir("kernels_gcc"), cxx("g++-12"), "-O3", /*link=*/false);
  INFO(jr.log);
  CHECK(jr.log.empty());
}

TEST_CASE("smolc kernel writes the file the emitter generates and rejects bad specs") {
  const std::string dir = test::temp_dir("kernel_cli");
  test::RunResult r = test::run_smolc("kernel --op gemm --format f16 --isa avx2 --m 100 --k 37 --tile-m 16 --tile-n 5 "
                                      "--prefix q_ -o '" + dir + "'");
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  KernelSpec s;
  s.fmt = Format::F16;
  s.isa = Isa::AVX2;
  s.M = 100;
  s.K = 37;
  s.tile_m = 16;
  s.tile_n = 5;
  const KernelSource want = emit_gemm(s, "q_");
  CHECK(test::read_file(dir + "/" + want.file_name) == want.code);
  CHECK(r.out.find(want.function_name) != std::string::npos);
  // The header's regeneration command reproduces the file exactly.
  CHECK(want.code.find("smolc kernel --op gemm --format f16 --isa avx2 --m 100 --k 37 --tile-m 16 --tile-n 5 --prefix q_") !=
        std::string::npos);
  // Block formats too.
  r = test::run_smolc("kernel --op row --format q16 --m 20 --k 45 --tile-m 8 -o '" + dir + "'");
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  s.fmt = Format::Q16;
  s.isa = Isa::Scalar;
  s.M = 20;
  s.K = 45;
  s.tile_m = 8;
  const KernelSource qrow = emit_row_unpack(s, "");
  CHECK(test::read_file(dir + "/" + qrow.file_name) == qrow.code);
  // The bf16a gemm (--bf16-activations): its own file and function name, and
  // the flag in the header's command.
  r = test::run_smolc("kernel --op gemm --format bf16 --isa avx512 --m 40 --k 37 --tile-m 32 --tile-n 8 "
                      "--bf16-activations -o '" + dir + "'");
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  s.fmt = Format::BF16;
  s.isa = Isa::AVX512;
  s.M = 40;
  s.K = 37;
  s.tile_m = 32;
  s.tile_n = 8;
  s.x_bf16 = true;
  const KernelSource bf16a = emit_gemm(s, "");
  CHECK(bf16a.file_name == "bf16a-gemm-40x37-32r8t-avx512.cpp");
  CHECK(test::read_file(dir + "/" + bf16a.file_name) == bf16a.code);
  CHECK(bf16a.code.find("--tile-n 8 --bf16-activations") != std::string::npos);
  s.x_bf16 = false;
  CHECK(emit_gemm(s, "").code != bf16a.code);
  r = test::run_smolc("kernel --op gemm --format f32 --isa avx512 --m 10 --k 10 --tile-m 16 --bf16-activations");
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("--bf16-activations: needs --format bf16") != std::string::npos);
  r = test::run_smolc("kernel --op gemv --isa avx512 --m 10 --k 10 --tile-m 8");
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("tile_m=8 is not a multiple of 16 for avx512") != std::string::npos);
}

TEST_CASE("scalar kernels compile for aarch64 (no x86 assumption)") {
  const std::string aarch64 = cxx("clang++-19 --target=aarch64-linux-gnu");
  const std::string dir = test::temp_dir("kernels_aarch64");
  // Needs the aarch64 C++ headers (Debian: libstdc++-12-dev-arm64-cross).
  std::ofstream(dir + "/probe.cpp") << "#include <cstdint>\n#include <cstring>\nint main() { return 0; }\n";
  if (std::system((aarch64 + " -std=c++17 -fsyntax-only " + dir + "/probe.cpp 2>/dev/null").c_str()) != 0) {
    WARN("skipped: no aarch64 C++ headers for clang (apt-get install libstdc++-12-dev-arm64-cross)");
    return;
  }
  std::vector<KernelSource> srcs;
  for (const auto& v : kernel_variants())
    if (v.isa == Isa::Scalar) srcs.push_back(emit_variant(v, 69, 37, "a_"));
  // gemv, gemm and row: f32, bf16, f16 at 4 rows (scalar), 8 (cortex-m4/m7,
  // wasm32) and 16 (cortex-m55); q8, q4, q16 at 8 rows.
  REQUIRE(srcs.size() == 36);
  test::JitResult jr = test::jit_compile(srcs, dir, aarch64, "-O2", /*link=*/false);
  INFO(jr.log);
  CHECK(jr.log.empty());
}
