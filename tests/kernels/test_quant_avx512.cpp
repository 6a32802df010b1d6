// The AVX-512 (VNNI) quantised kernels, templates/{gemv,gemm}/q-*-avx512.cpp.in:
// every AVX-512 q8/q4/q16 variant of the kernel list (plus other tiles the
// templates accept), generated, compiled natively with the real flags by
// clang++-19 and g++-12 (-Wall -Wextra -Werror) and executed against
// reference_gemm, quant::quant_matmul and exact values. This machine's
// hypervisor hides AVX-512, so here the kernels execute with
// tests/kernels/avx512_emulation.h standing in for the intrinsics; on a CPU
// with AVX-512 VNNI they also run natively.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "emit/kernel_api.h"
#include "emit/kernel_variant.h"
#include "quantize/quant_matmul.h"
#include "quantize/quantize.h"
#include "runtime/quant/smolc_quant_act.h"
#include "schedule/kernel_list.h"
#include "tests/kernels/kernel_jit.h"
#include "tests/support/test_support.h"

using namespace smolc;

namespace {

uint32_t test_seed() { return test::test_seed("quant avx512 kernel tests"); }

using QGemvFn = void (*)(const void* w, const void* xa, float* y, int row_begin, int row_end);
using QGemmFn = void (*)(const void* w, const void* xa, int n, float* y, int ldy, int row_begin, int row_end);

const Format kQuantFormats[] = {Format::Q8, Format::Q4, Format::Q16};


// The AVX-512 quantised gemv/gemm entries of the kernel list (row kernels use
// the scalar row template on every ISA and are tested with the list).
std::vector<KernelVariant> listed_variants() {
  std::vector<KernelVariant> out;
  for (const auto& v : kernel_variants())
    if (v.isa == Isa::AVX512 && is_quantized(v.fmt) && v.op != KernelOp::Row) out.push_back(v);
  return out;
}

// The listed ones plus tiles the templates must also handle: one 16-row
// vector per panel, three of them, 1- and 3-token gemm tiles.
std::vector<KernelVariant> tested_variants() {
  std::vector<KernelVariant> out = listed_variants();
  for (Format f : kQuantFormats) {
    out.push_back({KernelOp::Gemv, f, Isa::AVX512, 16, 1});
    out.push_back({KernelOp::Gemv, f, Isa::AVX512, 48, 1});
    out.push_back({KernelOp::Gemm, f, Isa::AVX512, 16, 1});
    out.push_back({KernelOp::Gemm, f, Isa::AVX512, 48, 3});
  }
  return out;
}

// M tails, M below one panel (5, 16 < 32), K not a multiple of 32 (37, 200),
// K < 32 (1, 31), whole blocks (48 is not, 96 is).
struct Shape {
  int64_t M, K;
};
const Shape kShapes[] = {{69, 37}, {5, 48}, {40, 1}, {33, 200}, {16, 31}, {100, 96}};

struct Packed {
  std::vector<uint8_t> storage;
  uint8_t* data = nullptr;  // 64-byte aligned
};

Packed pack(const KernelSpec& s, const quant::QuantMatrix& q) {
  Packed p;
  p.storage.resize(packed_weight_bytes(s) + 64);
  const uintptr_t a = reinterpret_cast<uintptr_t>(p.storage.data());
  p.data = p.storage.data() + ((64 - a % 64) % 64);
  pack_quant_weights(s, q, p.data);
  return p;
}

// What the kernel reads as x: int8 activation blocks ([n][KB]) for q8/q4, f32 ([n][K]) for q16.
std::vector<uint8_t> kernel_input(Format f, const std::vector<float>& x, int n, int64_t K) {
  if (!uses_a8_input(f)) {
    std::vector<uint8_t> out(x.size() * sizeof(float));
    std::memcpy(out.data(), x.data(), out.size());
    return out;
  }
  const int64_t kb = (K + 31) / 32;
  std::vector<uint8_t> out(size_t(n * kb) * sizeof(smolc_block_a8));
  for (int t = 0; t < n; ++t) {
    std::vector<smolc_block_a8> a(static_cast<size_t>(kb));
    smolc_quantize_a8(x.data() + t * K, int(K), a.data());
    std::memcpy(out.data() + size_t(t * kb) * sizeof(smolc_block_a8), a.data(), a.size() * sizeof(smolc_block_a8));
  }
  return out;
}

// Row ranges as the engine's threads hand them out (split at a panel
// boundary), and one split inside a panel, which the kernels also honour.
std::vector<std::vector<std::pair<int, int>>> row_splits(int64_t M, int tile_m) {
  std::vector<std::vector<std::pair<int, int>>> all = {{{0, int(M)}}};
  if (M > tile_m) all.push_back({{0, tile_m}, {tile_m, int(M)}});
  if (M > 7) all.push_back({{0, 7}, {7, int(M)}});
  return all;
}

// Token counts a gemm is run on: 1 .. tile_n + 3 (whole tiles and tails),
// and for q8/q4 at least 1 .. 19: they stream a panel once for up to 16 tokens (the
// verify steps of speculative decoding) in chunks of 16 / (tile_m / 16)
// tokens, and use the token tiles above that.
int gemm_max_n(const KernelVariant& v) { return uses_a8_input(v.fmt) && v.tile_n + 3 < 19 ? 19 : v.tile_n + 3; }

// Runs a compiled kernel on every token count up to max_n and every row
// split; y is [max_n][ldy] pre-filled with a sentinel; `check(n, y)` judges it.
template <typename Check>
void run_kernel(void* sym, const KernelVariant& v, const KernelSpec& s, const uint8_t* packed,
                const std::vector<uint8_t>& xin, int max_n, int ldy, Check check) {
  for (int n = v.op == KernelOp::Gemm ? 1 : max_n; n <= max_n; ++n) {
    for (const auto& split : row_splits(s.M, s.tile_m)) {
      std::vector<float> y(size_t(max_n * ldy), -9.0f);
      for (auto [b, e] : split) {
        if (v.op == KernelOp::Gemv) reinterpret_cast<QGemvFn>(sym)(packed, xin.data(), y.data(), b, e);
        else reinterpret_cast<QGemmFn>(sym)(packed, xin.data(), n, y.data(), ldy, b, e);
      }
      INFO("n " << n << " splits " << split.size() << " first split ends at " << split[0].second);
      check(n, y);
    }
  }
}

// Generates every tested variant for every shape into one library: the native
// build (real flags) and, unless this CPU runs AVX-512 VNNI, the emulated one.
struct Built {
  std::unique_ptr<test::JitLibrary> lib;
  bool emulated = false;
};

Built build_all(const std::vector<KernelVariant>& variants, const std::string& name) {
  std::vector<KernelSource> srcs;
  for (const Shape& sh : kShapes)
    for (const auto& v : variants) srcs.push_back(emit_variant(v, sh.M, sh.K, "q5_"));
  Built b;
  const std::string dir = test::temp_dir(name);
  if (host_supports(Isa::AVX512)) {
    test::JitResult jr = test::jit_compile(srcs, dir, "clang++-19", "-O2");
    INFO(jr.log);
    REQUIRE(jr.lib);
    b.lib = std::move(jr.lib);
    return b;
  }
  for (auto& e : srcs) {
    const std::string inc = "#include <immintrin.h>";
    const size_t at = e.code.find(inc);
    REQUIRE(at != std::string::npos);
    e.code.replace(at, inc.size(), "#include \"" + test::source_dir() + "/tests/kernels/avx512_emulation.h\"");
    e.cxx_flags.clear();  // the kernels need nothing else: no include path, no ISA
  }
  test::JitResult jr = test::jit_compile(srcs, dir + "/emulated", "clang++-19", test::kEmulatedOpt);
  INFO(jr.log);
  REQUIRE(jr.lib);
  b.lib = std::move(jr.lib);
  b.emulated = true;
  return b;
}

void note_emulation(const Built& b) {
  if (b.emulated)
    WARN("this CPU lacks AVX-512 VNNI: the AVX-512 quantised kernels (compiled natively with -Werror in "
         "\"AVX-512 quantised kernels compile natively ...\") executed with tests/kernels/avx512_emulation.h "
         "standing in for the intrinsics");
}

}  // namespace

TEST_CASE("the kernel list has AVX-512 quantised gemv and gemm for q8, q4 and q16") {
  for (Format f : kQuantFormats) {
    for (KernelOp op : {KernelOp::Gemv, KernelOp::Gemm}) {
      bool found = false;
      for (const auto& v : listed_variants()) found |= v.fmt == f && v.op == op;
      INFO(format_name(f) << " " << kernel_op_name(op));
      CHECK(found);
    }
  }
  // One packed copy serves every op of an (fmt, isa): the row kernel uses the same tile.
  for (const auto& v : listed_variants()) CHECK(v.tile_m == target::find_target("avx512").tile(v.fmt).m);
}

TEST_CASE("AVX-512 quantised kernels use vpdpbusd / FMA and name their template") {
  for (Format f : kQuantFormats) {
    for (KernelOp op : {KernelOp::Gemv, KernelOp::Gemm}) {
      const KernelSource src = emit_variant({op, f, Isa::AVX512, 32, 8}, 69, 37, "q5_");
      INFO(src.file_name);
      const std::string tpl = std::string(op == KernelOp::Gemv ? "gemv/q-gemv" : "gemm/q-gemm") + "-avx512.cpp.in";
      CHECK(src.code.find("templates/" + tpl) != std::string::npos);
      CHECK(src.code.find("Do not edit") != std::string::npos);
      if (uses_a8_input(f)) {
        CHECK(src.code.find("_mm512_dpbusd_epi32") != std::string::npos);
        CHECK(src.code.find("_mm512_maddubs") == std::string::npos);  // no int16 step
      } else {
        CHECK(src.code.find("_mm512_fmadd_ps") != std::string::npos);
      }
      bool vnni = false;
      for (const auto& fl : src.cxx_flags) vnni |= fl == "-mavx512vnni";
      CHECK(vnni);
    }
  }
}

TEST_CASE("AVX-512 quantised kernels compile natively with clang++-19 and g++-12 -Wall -Wextra -Werror") {
  // Real intrinsics and flags, no emulation: what an engine build compiles.
  // Odd shapes with every tested tile, and the 135M shapes of the listed ones.
  std::vector<KernelSource> srcs;
  for (const auto& v : tested_variants()) srcs.push_back(emit_variant(v, 69, 37, "n_"));
  for (const auto& v : listed_variants()) {
    srcs.push_back(emit_variant(v, 576, 1536, "n_"));
    srcs.push_back(emit_variant(v, 1536, 576, "n_"));
  }
  REQUIRE(srcs.size() >= 18);
  for (const auto& s : srcs) REQUIRE(s.code.find("#include <immintrin.h>") != std::string::npos);
  test::JitResult clang = test::jit_compile(srcs, test::temp_dir("qavx512_native_clang"), "clang++-19", "-O2", false);
  INFO(clang.log);
  CHECK(clang.log.empty());
  test::JitResult gcc = test::jit_compile(srcs, test::temp_dir("qavx512_native_gcc"), "g++-12", "-O3", false);
  INFO(gcc.log);
  CHECK(gcc.log.empty());
}

// One emulated (or native) build of every tested variant for every shape,
// shared by the sections (Catch runs them in one process).
TEST_CASE("AVX-512 quantised kernels run and match reference_gemm, quant_matmul and exact values") {
  const std::vector<KernelVariant> variants = tested_variants();
  static const Built built = build_all(variants, "qavx512_run");
  SECTION("on odd shapes, against reference_gemm and quant_matmul") {
    std::mt19937 rng(test_seed());
    std::normal_distribution<float> nd(0.0f, 1.0f);
    for (const Shape& sh : kShapes) {
      for (const auto& v : variants) {
        const KernelSpec s = variant_spec(v, sh.M, sh.K);
        const std::string fn = emit_variant(v, sh.M, sh.K, "q5_").function_name;
        INFO("kernel " << fn << " seed " << test_seed());
        void* sym = built.lib->symbol(fn);
        REQUIRE(sym != nullptr);
        std::vector<float> W(size_t(sh.M * sh.K));
        for (float& w : W) w = 0.05f * nd(rng);
        const quant::QuantMatrix q = quant::quantize_matrix(v.fmt, W.data(), sh.M, sh.K, "W");
        const Packed p = pack(s, q);
        const int max_n = v.op == KernelOp::Gemm ? gemm_max_n(v) : 1;
        std::vector<float> x(size_t(max_n * sh.K));
        for (float& e : x) e = nd(rng);
        const std::vector<uint8_t> xin = kernel_input(v.fmt, x, max_n, sh.K);
        const int ldy = int(sh.M) + 3;
        std::vector<float> want(size_t(max_n * ldy));
        reference_gemm(s, p.data, x.data(), max_n, want.data(), ldy);
        std::vector<float> qm(size_t(max_n * sh.M));  // [max_n][M], straight from the QuantMatrix
        quant::quant_matmul(q, x.data(), max_n, qm.data());
        // Error scale per output: sum_k |w_k * x_k| of the numbers actually multiplied.
        const std::vector<float> dw = quant::dequantize(q);
        std::vector<double> mag(size_t(max_n * ldy), 0.0);
        for (int t = 0; t < max_n; ++t) {
          std::vector<float> xs(x.begin() + t * sh.K, x.begin() + (t + 1) * sh.K);
          if (uses_a8_input(v.fmt)) {
            const auto a = quant::quantize_activations(x.data() + t * sh.K, sh.K);
            for (int64_t k = 0; k < sh.K; ++k) xs[size_t(k)] = a[size_t(k / 32)].d * a[size_t(k / 32)].qs[k % 32];
          }
          for (int64_t r = 0; r < sh.M; ++r)
            for (int64_t k = 0; k < sh.K; ++k)
              mag[size_t(t * ldy + r)] += std::fabs(double(dw[size_t(r * sh.K + k)]) * xs[size_t(k)]);
        }
        run_kernel(sym, v, s, p.data, xin, max_n, ldy, [&](int n, const std::vector<float>& y) {
          for (int t = 0; t < max_n; ++t) {
            for (int r = 0; r < ldy; ++r) {
              const size_t i = size_t(t * ldy + r);
              if (t >= n || r >= sh.M) {
                INFO("token " << t << " row " << r);
                REQUIRE(y[i] == -9.0f);  // nothing outside [0,n) x [0,M) is written
                continue;
              }
              INFO("token " << t << " row " << r << " got " << y[i] << " want " << want[i]);
              // The reference and quant_matmul agree (same blocks, same order) ...
              REQUIRE(want[i] == qm[size_t(t * sh.M + r)]);
              if (uses_a8_input(v.fmt)) {
                // ... and q8/q4 kernels do the same f32 operations in the same
                // order after exact int32 block dots: equal bit for bit.
                REQUIRE(y[i] == want[i]);
              } else {
                // q16 sums a block's 32 products in another order (and with FMA).
                REQUIRE(std::fabs(double(y[i]) - double(want[i])) <= 2e-6 * mag[i] + 1e-30);
              }
            }
          }
        });
      }
    }
  }
  SECTION("exactly, where every f32 operation is exact") {
    // Power-of-two scales (d_w in {0.5, 1}; activations with max |x| = 127 per
    // block, so d_a = 1 and the int8 values are x itself; q16 with small
    // integers): every block dot, product and sum is an exact f32, so each
    // output must equal the exact double-precision product whatever the order of
    // the sums. A wrong byte, nibble, lane, offset correction or tail shows.
    std::mt19937 rng(test_seed() ^ 0x5eedu);
    for (const Shape& sh : kShapes) {
      for (const auto& v : variants) {
        const KernelSpec s = variant_spec(v, sh.M, sh.K);
        const std::string fn = emit_variant(v, sh.M, sh.K, "q5_").function_name;
        INFO("kernel " << fn << " seed " << test_seed());
        void* sym = built.lib->symbol(fn);
        REQUIRE(sym != nullptr);
        quant::QuantMatrix q;
        q.fmt = v.fmt;
        q.rows = sh.M;
        q.cols = sh.K;
        q.blocks_per_row = (sh.K + 31) / 32;
        q.data.assign(size_t(sh.M * q.blocks_per_row * quant::block_bytes(q.fmt)), 0);
        std::vector<double> Wd(size_t(sh.M * sh.K));  // the exact weights
        for (int64_t r = 0; r < sh.M; ++r) {
          for (int64_t b = 0; b < q.blocks_per_row; ++b) {
            uint8_t* blk = q.data.data() + (r * q.blocks_per_row + b) * quant::block_bytes(q.fmt);
            const bool half = rng() & 1;
            int32_t qv[32] = {};
            for (int i = 0; i < 32 && b * 32 + i < sh.K; ++i) {
              // Full ranges, extremes included (the +128 / +8 offsets are exercised at both ends).
              const uint32_t u = rng();
              if (v.fmt == Format::Q8) qv[i] = u % 8 == 0 ? (u & 8 ? 127 : -127) : int32_t(u % 255) - 127;
              else if (v.fmt == Format::Q4) qv[i] = int32_t(u % 16) - 8;
              else qv[i] = int32_t(u % 4095) - 2047;
              Wd[size_t(r * sh.K + b * 32 + i)] = qv[i] * (half ? 0.5 : 1.0);
            }
            if (v.fmt == Format::Q16) {
              smolc_block_q16 bl{};
              bl.d = half ? 0.5f : 1.0f;
              for (int i = 0; i < 32; ++i) bl.qs[i] = int16_t(qv[i]);
              std::memcpy(blk, &bl, sizeof bl);
            } else if (v.fmt == Format::Q8) {
              smolc_block_q8 bl{};
              bl.d = half ? 0x3800 : 0x3C00;  // f16 0.5 / 1.0
              for (int i = 0; i < 32; ++i) bl.qs[i] = int8_t(qv[i]);
              std::memcpy(blk, &bl, sizeof bl);
            } else {
              smolc_block_q4 bl{};
              bl.d = half ? 0x3800 : 0x3C00;
              // Padding columns (past K) hold weight 0, nibble 8.
              for (int i = 0; i < 16; ++i) bl.qs[i] = uint8_t((qv[i] + 8) | ((qv[i + 16] + 8) << 4));
              std::memcpy(blk, &bl, sizeof bl);
            }
          }
        }
        const Packed p = pack(s, q);
        const int max_n = v.op == KernelOp::Gemm ? gemm_max_n(v) : 1;
        std::vector<float> x(size_t(max_n * sh.K));
        for (int t = 0; t < max_n; ++t) {
          for (int64_t k = 0; k < sh.K; ++k) {
            const uint32_t u = rng();
            x[size_t(t * sh.K + k)] = uses_a8_input(v.fmt) ? float(int32_t(u % 255) - 127) : float(int32_t(u % 31) - 15);
          }
          if (uses_a8_input(v.fmt))  // max |x| = 127 in every block: d_a = 1, qs = x
            for (int64_t k = 0; k < sh.K; k += 32) x[size_t(t * sh.K + k)] = (rng() & 1) ? 127.0f : -127.0f;
        }
        const std::vector<uint8_t> xin = kernel_input(v.fmt, x, max_n, sh.K);
        const int ldy = int(sh.M) + 3;
        run_kernel(sym, v, s, p.data, xin, max_n, ldy, [&](int n, const std::vector<float>& y) {
          for (int t = 0; t < n; ++t) {
            for (int64_t r = 0; r < sh.M; ++r) {
              double want = 0;
              for (int64_t k = 0; k < sh.K; ++k) want += Wd[size_t(r * sh.K + k)] * double(x[size_t(t * sh.K + k)]);
              INFO("token " << t << " row " << r);
              REQUIRE(double(y[size_t(t * ldy + r)]) == want);
            }
            for (int r = int(sh.M); r < ldy; ++r) REQUIRE(y[size_t(t * ldy + r)] == -9.0f);
          }
        });
      }
    }
  }
  note_emulation(built);
}

namespace {

// The emulated intrinsics, each behind an extern "C" wrapper (512 bits in, 512 out).
const char* kEmulatedSide = R"(#include <cstring>
#include "EMULATION"
extern "C" void emu_dpbusd(const void* acc, const void* a, const void* b, void* out) {
  const __m512i r = _mm512_dpbusd_epi32(_mm512_loadu_si512(acc), _mm512_loadu_si512(a), _mm512_loadu_si512(b));
  std::memcpy(out, &r, 64);
}
extern "C" void emu_cvtph(const void* in, void* out) {
  _mm512_storeu_ps(static_cast<float*>(out), _mm512_maskz_cvtph_ps(__mmask16(0xFFFF), _mm256_loadu_si256(static_cast<const __m256i*>(in))));
}
extern "C" void emu_cvtepi16_epi32(const void* in, void* out) {
  const __m512i r = _mm512_maskz_cvtepi16_epi32(__mmask16(0xFFFF), _mm256_loadu_si256(static_cast<const __m256i*>(in)));
  std::memcpy(out, &r, 64);
}
extern "C" void emu_cvtepi32_ps(const void* in, void* out) {
  _mm512_storeu_ps(static_cast<float*>(out), _mm512_maskz_cvtepi32_ps(__mmask16(0xFFFF), _mm512_loadu_si512(in)));
}
extern "C" void emu_srli4_epi16(const void* in, void* out) {
  const __m512i r = _mm512_srli_epi16(_mm512_loadu_si512(in), 4);
  std::memcpy(out, &r, 64);
}
)";

// The same operations with real AVX2 / F16C instructions, 256 bits at a time.
// vpdpbusd has no AVX2 twin: vpmaddubsw (also u8 x s8) computes it exactly
// when the unsigned bytes are split into their low 7 bits and their top bit
// (neither half can saturate the int16 pair sums), then vpmaddwd sums pairs.
const char* kRealSide = R"(#include <immintrin.h>
extern "C" void real_dpbusd(const void* acc, const void* a, const void* b, void* out) {
  const __m256i ones = _mm256_set1_epi16(1), low7 = _mm256_set1_epi8(0x7F), top = _mm256_set1_epi8(char(0x80));
  for (int h = 0; h < 2; ++h) {
    const __m256i va = _mm256_loadu_si256(static_cast<const __m256i*>(a) + h);
    const __m256i vb = _mm256_loadu_si256(static_cast<const __m256i*>(b) + h);
    const __m256i lo = _mm256_madd_epi16(_mm256_maddubs_epi16(_mm256_and_si256(va, low7), vb), ones);
    const __m256i hi = _mm256_madd_epi16(_mm256_maddubs_epi16(_mm256_and_si256(va, top), vb), ones);
    const __m256i s = _mm256_add_epi32(_mm256_loadu_si256(static_cast<const __m256i*>(acc) + h), _mm256_add_epi32(lo, hi));
    _mm256_storeu_si256(static_cast<__m256i*>(out) + h, s);
  }
}
extern "C" void real_cvtph(const void* in, void* out) {
  for (int h = 0; h < 2; ++h)
    _mm256_storeu_ps(static_cast<float*>(out) + 8 * h, _mm256_cvtph_ps(_mm_loadu_si128(static_cast<const __m128i*>(in) + h)));
}
extern "C" void real_cvtepi16_epi32(const void* in, void* out) {
  for (int h = 0; h < 2; ++h)
    _mm256_storeu_si256(static_cast<__m256i*>(out) + h, _mm256_cvtepi16_epi32(_mm_loadu_si128(static_cast<const __m128i*>(in) + h)));
}
extern "C" void real_cvtepi32_ps(const void* in, void* out) {
  for (int h = 0; h < 2; ++h)
    _mm256_storeu_ps(static_cast<float*>(out) + 8 * h, _mm256_cvtepi32_ps(_mm256_loadu_si256(static_cast<const __m256i*>(in) + h)));
}
extern "C" void real_srli4_epi16(const void* in, void* out) {
  for (int h = 0; h < 2; ++h)
    _mm256_storeu_si256(static_cast<__m256i*>(out) + h, _mm256_srli_epi16(_mm256_loadu_si256(static_cast<const __m256i*>(in) + h), 4));
}
)";

using Op4 = void (*)(const void*, const void*, const void*, void*);
using Op2 = void (*)(const void*, void*);

}  // namespace

TEST_CASE("the AVX-512 emulation agrees with real AVX2 / F16C instructions where this CPU has a twin") {
  if (!host_supports(Isa::AVX2)) {
    WARN("skipped: this CPU lacks AVX2 + F16C");
    return;
  }
  std::string emu = kEmulatedSide;
  emu.replace(emu.find("EMULATION"), 9, test::source_dir() + "/tests/kernels/avx512_emulation.h");
  KernelSource e{"emulated_side.cpp", "", emu, {}};
  KernelSource r{"real_side.cpp", "", kRealSide, {"-mavx2", "-mfma", "-mf16c"}};
  test::JitResult jr = test::jit_compile({e, r}, test::temp_dir("qavx512_emulation_twins"), "clang++-19", "-O1");
  INFO(jr.log);
  REQUIRE(jr.lib);
  auto sym = [&](const char* name) {
    void* p = jr.lib->symbol(name);
    REQUIRE(p != nullptr);
    return p;
  };
  std::mt19937 rng(test_seed());
  uint8_t a[64], b[64], c[64], want[64], got[64];
  auto fill = [&](uint8_t* p) {
    for (int i = 0; i < 64; ++i) p[i] = uint8_t(rng());
  };
  // vpdpbusd: random bytes (both byte ranges in full, extremes often) and accumulators.
  const auto emu_dp = reinterpret_cast<Op4>(sym("emu_dpbusd")), real_dp = reinterpret_cast<Op4>(sym("real_dpbusd"));
  for (int it = 0; it < 2000; ++it) {
    fill(a), fill(b), fill(c);
    if (it % 4 == 0)
      for (int i = 0; i < 64; ++i) a[i] = (rng() & 1) ? 255 : 0, b[i] = (rng() & 1) ? 0x80 : 0x7F;
    emu_dp(c, a, b, got);
    real_dp(c, a, b, want);
    REQUIRE(std::memcmp(got, want, 64) == 0);
  }
  // f16 -> f32: every binary16 value, NaNs and subnormals included, bit for bit.
  const auto emu_ph = reinterpret_cast<Op2>(sym("emu_cvtph")), real_ph = reinterpret_cast<Op2>(sym("real_cvtph"));
  for (uint32_t h0 = 0; h0 < 65536; h0 += 16) {
    uint16_t h[16];
    for (uint32_t i = 0; i < 16; ++i) h[i] = uint16_t(h0 + i);
    emu_ph(h, got);
    real_ph(h, want);
    INFO("f16 values from " << h0);
    REQUIRE(std::memcmp(got, want, 64) == 0);
  }
  // Widening, int32 -> f32 rounding, 16-bit shifts: random and extreme bit patterns.
  for (const char* op : {"cvtepi16_epi32", "cvtepi32_ps", "srli4_epi16"}) {
    const auto emu_op = reinterpret_cast<Op2>(sym((std::string("emu_") + op).c_str()));
    const auto real_op = reinterpret_cast<Op2>(sym((std::string("real_") + op).c_str()));
    for (int it = 0; it < 2000; ++it) {
      fill(a);
      if (it % 3 == 0)
        for (int i = 0; i < 64; ++i) a[i] = (rng() & 1) ? 0xFF : (rng() & 1) ? 0x80 : 0x7F;
      emu_op(a, got);
      real_op(a, want);
      INFO(op);
      REQUIRE(std::memcmp(got, want, 64) == 0);
    }
  }
}
