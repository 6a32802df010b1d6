// Every aarch64 kernel of the kernel list (neon, neondot and i8mm), generated,
// cross-compiled and executed under qemu-aarch64 against reference_gemm on
// the host, on odd shapes (M tails, M below one panel, odd K, K = 1, partial
// last blocks) with every token tail and row ranges split at a panel
// boundary. Also: the neon kernels run on an ARMv8.0 CPU model (cortex-a53),
// which does trap on the dotprod ones (and cortex-a76 on the i8mm ones); and every aarch64 kernel compiles
// warning-free with the g++ cross compiler.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstddef>
#include <cstring>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "aarch64_support.h"
#include "emit/kernel_api.h"
#include "emit/kernel_variant.h"
#include "frontend/dequant.h"
#include "quantize/quant_matmul.h"
#include "quantize/quantize.h"
#include "schedule/kernel_list.h"
#include "tests/kernels/kernel_jit.h"

using namespace smolc;
using namespace smolc::test;

namespace {

struct Shape {
  int64_t M, K;
};
// As tests/kernels: M tails, M below one panel, odd K, K = 1, K = 3 * 16;
// block formats also several blocks with a partial last one (12 and 4 columns).
const Shape kShapes[] = {{69, 37}, {5, 48}, {40, 1}};
const Shape kQuantShapes[] = {{37, 300}, {24, 100}};

std::vector<KernelVariant> aarch64_variants() {
  std::vector<KernelVariant> v;
  for (const auto& k : kernel_variants())
    if (isa_is_aarch64(k.isa)) v.push_back(k);
  return v;
}

std::vector<float> random_vec(std::mt19937& rng, size_t n) {
  std::normal_distribution<float> d(0.0f, 1.0f);
  std::vector<float> v(n);
  for (auto& x : v) x = d(rng);
  return v;
}

float stored(Format f, float v) {
  if (f == Format::BF16) return bf16_to_f32(f32_to_bf16(v));
  if (f == Format::F16) return f16_to_f32(f32_to_f16(v));
  return v;
}

void write_bytes(const std::string& path, const void* p, size_t n) {
  std::ofstream f(path, std::ios::binary);
  f.write(static_cast<const char*>(p), std::streamsize(n));
}

// One (variant, shape): its inputs are on disk, the expected outputs here.
struct Case {
  KernelVariant v;
  Shape sh;
  std::string id, fn;
  int max_n = 1, ldy = 0;
  std::vector<float> want;   // gemv/gemm: [max_n][ldy]; row: [M + 2][K] (rows -1..M)
  std::vector<double> tol;   // per output of want
};

Case make_case(const KernelVariant& v, const Shape& sh, const std::string& dir, int no, std::mt19937& rng) {
  Case c;
  c.v = v;
  c.sh = sh;
  c.id = "c" + std::to_string(no);
  c.fn = emit_variant(v, sh.M, sh.K, "a_").function_name;
  const KernelSpec s = variant_spec(v, sh.M, sh.K);
  std::vector<uint8_t> packed(packed_weight_bytes(s));
  std::vector<float> W = random_vec(rng, size_t(sh.M * sh.K));
  std::vector<float> deq(W.size());  // W as the kernels see it
  const bool quant = is_quantized(v.fmt);
  if (quant) {
    for (auto& w : W) w *= 0.05f;
    quant::QuantMatrix q = quant::quantize_matrix(v.fmt, W.data(), sh.M, sh.K, "W");
    if (v.fmt == Format::Q8) {
      // GGUF Q8_0 may hold -128 (smolc's quantiser never writes it): the int8
      // products must be exact for it with either activation sign.
      for (int64_t r = 0; r < sh.M; ++r)
        for (int64_t k = r % 7; k < sh.K; k += 7)
          q.data[size_t(r * q.blocks_per_row + k / 32) * sizeof(smolc_block_q8) + offsetof(smolc_block_q8, qs) +
                 size_t(k % 32)] = 0x80;
    }
    pack_quant_weights(s, q, packed.data());
    deq = quant::dequantize(q);
  } else {
    pack_weights(s, W.data(), packed.data());
    for (size_t i = 0; i < W.size(); ++i) deq[i] = stored(v.fmt, W[i]);
  }
  write_bytes(dir + "/" + c.id + ".w", packed.data(), packed.size());
  if (v.op == KernelOp::Row) {
    for (int64_t r = -1; r <= sh.M; ++r)
      for (int64_t k = 0; k < sh.K; ++k) c.want.push_back(r >= 0 && r < sh.M ? deq[size_t(r * sh.K + k)] : 0.0f);
    c.tol.assign(c.want.size(), 0.0);  // a row lookup is a copy: exact
    write_bytes(dir + "/" + c.id + ".x", "", 0);
    return c;
  }
  c.max_n = v.op == KernelOp::Gemm ? v.tile_n + 3 : 1;
  c.ldy = int(sh.M) + 3;
  const std::vector<float> x = random_vec(rng, size_t(c.max_n * sh.K));
  std::vector<float> xs(x);  // x as the kernels see it
  if (uses_a8_input(v.fmt)) {
    std::vector<smolc_block_a8> xa;
    for (int t = 0; t < c.max_n; ++t) {
      const auto a = quant::quantize_activations(x.data() + t * sh.K, sh.K);
      xa.insert(xa.end(), a.begin(), a.end());
      for (int64_t k = 0; k < sh.K; ++k)
        xs[size_t(t * sh.K + k)] = a[size_t(k / 32)].d * float(a[size_t(k / 32)].qs[k % 32]);
    }
    write_bytes(dir + "/" + c.id + ".x", xa.data(), xa.size() * sizeof(smolc_block_a8));
  } else {
    write_bytes(dir + "/" + c.id + ".x", x.data(), x.size() * sizeof(float));
  }
  c.want.assign(size_t(c.max_n * c.ldy), 0.0f);
  reference_gemm(s, packed.data(), x.data(), c.max_n, c.want.data(), c.ldy);
  // Tolerances of tests/kernels: float formats 2e-6 * sum|w x| + 1e-6 (4e-5
  // for a bf16 gemm on split hi + lo bf16 activations: i8mm's bfmmla, as
  // AVX-512's vdpbf16ps); block formats (2 * KB + 40) * 2^-23 * sum|w x|
  // (exact int32 dots, f32 sums over KB blocks and q16's 32-element block
  // sums in another order).
  const bool split_bf16 = v.fmt == Format::BF16 && v.isa == Isa::NEON_I8MM && v.op == KernelOp::Gemm;
  const double rel = quant ? double(2 * ((sh.K + 31) / 32) + 40) * 0x1p-23 : split_bf16 ? 4e-5 : 2e-6;
  c.tol.assign(c.want.size(), 0.0);
  for (int t = 0; t < c.max_n; ++t)
    for (int64_t r = 0; r < sh.M; ++r) {
      double mag = 0;
      for (int64_t k = 0; k < sh.K; ++k) mag += std::fabs(double(deq[size_t(r * sh.K + k)]) * xs[size_t(t * sh.K + k)]);
      c.tol[size_t(t * c.ldy + r)] = rel * mag + (quant ? 0.0 : 1e-6);
    }
  return c;
}

// The outputs the driver wrote for c against the reference.
void check_case(const Case& c, const std::string& dir) {
  const std::string bytes = read_file(dir + "/" + c.id + ".y");
  std::vector<float> got(bytes.size() / sizeof(float));
  std::memcpy(got.data(), bytes.data(), got.size() * sizeof(float));
  INFO("kernel " << c.fn);
  if (c.v.op == KernelOp::Row) {
    const size_t K = size_t(c.sh.K);
    REQUIRE(got.size() == size_t(c.sh.M + 2) * (K + 1));
    for (size_t r = 0; r < size_t(c.sh.M + 2); ++r) {
      for (size_t k = 0; k < K; ++k) {
        INFO("row " << int64_t(r) - 1 << " k " << k);
        REQUIRE(got[r * (K + 1) + k] == c.want[r * K + k]);
      }
      REQUIRE(got[r * (K + 1) + K] == -9.0f);  // nothing past K is written
    }
    return;
  }
  const size_t per_n = size_t(c.max_n * c.ldy);
  REQUIRE(got.size() == per_n * size_t(c.max_n));
  for (int n = 1; n <= c.max_n; ++n)
    for (int t = 0; t < c.max_n; ++t)
      for (int r = 0; r < c.ldy; ++r) {
        const size_t i = size_t(t * c.ldy + r);
        const float y = got[size_t(n - 1) * per_n + i];
        INFO("n " << n << " token " << t << " row " << r << " got " << y << " want " << c.want[i]);
        if (t < n && r < c.sh.M) REQUIRE(std::fabs(double(y) - c.want[i]) <= c.tol[i]);
        else REQUIRE(y == -9.0f);  // nothing outside [0,n) x [0,M) is written
      }
}

// C declarations and the name -> function table the driver looks kernels up in.
std::string kernel_table(const std::vector<KernelVariant>& vars, const std::vector<KernelSource>& srcs) {
  std::string decl, table;
  for (size_t i = 0; i < srcs.size(); ++i) {
    const KernelVariant& v = vars[i];
    const std::string x = uses_a8_input(v.fmt) ? "const void*" : "const float*";
    const std::string& f = srcs[i].function_name;
    if (decl.find(" " + f + "(") != std::string::npos) continue;
    if (v.op == KernelOp::Gemv) decl += "void " + f + "(const void*, " + x + ", float*, int, int);\n";
    else if (v.op == KernelOp::Gemm) decl += "void " + f + "(const void*, " + x + ", int, float*, int, int, int);\n";
    else decl += "void " + f + "(const void*, int, float*);\n";
    table += "    {\"" + f + "\", reinterpret_cast<void*>(&" + f + ")},\n";
  }
  return "// Generated by tests/aarch64/test_neon_kernels.cpp.\nstruct KernelEntry {\n  const char* name;\n  void* fn;\n};\n"
         "extern \"C\" {\n" + decl + "}\nextern const KernelEntry kKernels[] = {\n" + table +
         "};\nextern const int kKernelCount = sizeof(kKernels) / sizeof(kKernels[0]);\n";
}

}  // namespace

TEST_CASE("every aarch64 kernel matches reference_gemm under qemu-aarch64 (clang cross build)") {
  require_aarch64_tools();
  std::mt19937 rng(test_seed("aarch64 kernel tests"));
  const std::string dir = temp_dir("neon_kernels");
  std::vector<Case> cases;
  std::vector<KernelVariant> vars;
  std::vector<KernelSource> srcs;
  int no = 0;
  for (const auto& v : aarch64_variants()) {
    // neondot's float and row kernels are the neon templates with other
    // flags (and rows one scalar template): one shape each is enough there;
    // what differs (sdot) is in the q8/q4 gemv and gemm, which get every shape.
    // i8mm's float and q16 kernels are the neon templates too, except its
    // bf16 gemm (bfmmla); its q8/q4 kernels (row lookups included) read its
    // own row-pair packing.
    const bool same_as_neon =
        (v.isa == Isa::NEON_DOT && (!uses_a8_input(v.fmt) || v.op == KernelOp::Row)) ||
        (v.isa == Isa::NEON_I8MM && !uses_a8_input(v.fmt) && !(v.fmt == Format::BF16 && v.op == KernelOp::Gemm));
    std::vector<Shape> shapes(std::begin(kShapes), std::end(kShapes));
    if (is_quantized(v.fmt)) shapes.insert(shapes.end(), std::begin(kQuantShapes), std::end(kQuantShapes));
    if (same_as_neon) shapes = {is_quantized(v.fmt) ? kQuantShapes[0] : kShapes[0]};
    for (const Shape& sh : shapes) {
      cases.push_back(make_case(v, sh, dir, no++, rng));
      vars.push_back(v);
      srcs.push_back(emit_variant(v, sh.M, sh.K, "a_"));
    }
  }
  {
    std::ofstream f(dir + "/cases.txt");
    for (const Case& c : cases)
      f << c.id << ' ' << c.fn << ' ' << kernel_op_name(c.v.op) << ' ' << c.sh.M << ' ' << c.sh.K << ' ' << c.v.tile_m
        << ' ' << c.max_n << ' ' << c.ldy << ' ' << isa_name(c.v.isa) << '\n';
  }
  const std::string cxx = kA64Clang + " -I" + source_dir() + "/runtime";
  JitResult jr = jit_compile(srcs, dir + "/obj", cxx, "-O2", /*link=*/false);
  INFO(jr.log);
  REQUIRE(jr.log.empty());
  std::ofstream(dir + "/kernel_table.cpp") << kernel_table(vars, srcs);
  std::string objs;
  for (const auto& s : srcs)
    if (objs.find("/" + s.file_name + ".o") == std::string::npos) objs += " " + dir + "/obj/" + s.file_name + ".o";
  const RunResult link = run_shell(kA64Clang + " -std=c++17 -O2 -Wall -Wextra -Werror" + kA64Link + " '" + source_dir() +
                                   "/tests/aarch64/kernel_driver.cpp' " + dir + "/kernel_table.cpp" + objs + " -o " +
                                   dir + "/driver");
  INFO(link.out << link.err);
  REQUIRE(link.exit_code == 0);

  // ARMv8.0 (cortex-a53): every neon case runs and is checked.
  size_t neon_cases = 0;
  for (const Case& c : cases) neon_cases += c.v.isa == Isa::NEON;
  RunResult a53 = run_a64("cortex-a53", dir + "/driver " + dir + " neon");
  INFO(a53.out << a53.err);
  REQUIRE(a53.exit_code == 0);
  REQUIRE(a53.out == "ran " + std::to_string(neon_cases) + "\n");
  for (const Case& c : cases)
    if (c.v.isa == Isa::NEON) check_case(c, dir);
  // The dotprod kernels use sdot, which cortex-a53 lacks: qemu must trap
  // (SIGILL), or the check above would not prove anything about neon.
  RunResult trap = run_a64("cortex-a53", dir + "/driver " + dir + " neondot");
  CHECK(trap.exit_code != 0);
  // The i8mm gemm uses smmla, which an ARMv8.2 + dotprod CPU (cortex-a76) lacks.
  RunResult trap_i8mm = run_a64("cortex-a76", dir + "/driver " + dir + " i8mm");
  CHECK(trap_i8mm.exit_code != 0);
  // Every extension (-cpu max): all cases, dotprod included.
  RunResult max = run_a64("max", dir + "/driver " + dir + " all");
  INFO(max.out << max.err);
  REQUIRE(max.exit_code == 0);
  REQUIRE(max.out == "ran " + std::to_string(cases.size()) + "\n");
  for (const Case& c : cases) check_case(c, dir);
  std::printf("checked %zu aarch64 kernel cases (%zu neon on cortex-a53, all on max)\n", cases.size(), neon_cases);
}

TEST_CASE("every aarch64 kernel compiles warning-free with the g++ cross compiler at -O3") {
  require_aarch64_tools(/*gcc=*/true);
  std::vector<KernelSource> srcs;
  for (const auto& v : aarch64_variants())
    if (v.op != KernelOp::Row)  // the scalar row template: tests/kernels compiles it with g++
      srcs.push_back(emit_variant(v, is_quantized(v.fmt) ? kQuantShapes[0].M : kShapes[0].M,
                                  is_quantized(v.fmt) ? kQuantShapes[0].K : kShapes[0].K, "g_"));
  srcs.push_back(emit_variant({KernelOp::Gemm, Format::Q4, Isa::NEON_DOT, 16, 4}, 576, 1536, "g_"));  // a 135M shape
  srcs.push_back(emit_variant({KernelOp::Gemm, Format::Q8, Isa::NEON_I8MM, 16, 4}, 576, 1536, "g_"));
  srcs.push_back(emit_variant({KernelOp::Gemm, Format::BF16, Isa::NEON_I8MM, 16, 4}, 576, 1536, "g_"));
  JitResult jr = jit_compile(srcs, temp_dir("neon_kernels_gcc"), kA64Gcc + " -I" + source_dir() + "/runtime", "-O3",
                             /*link=*/false);
  INFO(jr.log);
  CHECK(jr.log.empty());
}
