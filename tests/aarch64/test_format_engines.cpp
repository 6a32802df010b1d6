// Tiny engines in every format on every aarch64 target, built by clang-19
// for aarch64 and run under qemu-aarch64: `aarch64` on -cpu cortex-a53
// (ARMv8.0-A: any later instruction traps), `aarch64-dotprod` and
// `aarch64-i8mm` on -cpu max. Each engine is held to the truth the x86
// engines of its format are held to (tests/compiler): f32 the reference
// engine (NMSE 1e-6, same greedy picks), bf16/f16 the f32 reference (NMSE
// 1e-4), q8/q4/q16 the quantised reference engine (NMSE 1e-6), mixed --keep
// the host's scalar engine of the same formats (NMSE 1e-6, same picks). Each
// must also agree with the x86 (avx2) engine of the same format: the same
// greedy picks and NMSE within that format's tolerance. 1 and 2 threads give
// bit-identical logits. The prompt (19 tokens, 16-token prefill chunks) runs
// the gemm on full token tiles and a 3-token tail.
#include <catch2/catch.hpp>

#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "aarch64_support.h"
#include "quantize/quant_eval.h"
#include "tests/compiler/engine_fixture.h"
#include "tests/compiler/quant_fixture.h"

using namespace smolc;
using namespace smolc::test;

namespace {

const std::vector<int32_t> kPrompt = {1, 100, 2000, 30000, 5, 77, 49151, 0, 12, 13, 9000, 42, 7, 31000, 2, 3, 4, 5, 6};
constexpr int kSteps = 24;
constexpr int kCtx = 64;

struct A64Target {
  const char* target;
  const char* cpu;     // the qemu CPU model: cortex-a53 also checks that nothing past ARMv8.0 runs
  const char* prefix;  // of the engine names
};
const A64Target kTargets[] = {{"aarch64", "cortex-a53", "a"}, {"aarch64-dotprod", "max", "d"}, {"aarch64-i8mm", "max", "i"}};

// One thread under qemu, checked bit-identical to two threads.
EngineRun run_checked(const Engine& e, const std::string& cpu) {
  const EngineRun one = run_engine(e, kPrompt, kSteps, 1, 16, qemu(cpu));
  const EngineRun two = run_engine(e, kPrompt, kSteps, 2, 16, qemu(cpu));
  CHECK(same_bits(one, two));
  return one;
}

// The same greedy picks as the x86 engine of the format and NMSE <= tol
// over every step against it.
void check_against_x86(const EngineRun& run, const EngineRun& x86, double tol, const std::string& what) {
  REQUIRE(run.tokens == x86.tokens);
  const double e = nmse(run.logits.data(), x86.logits);
  std::printf("%s: NMSE vs the avx2 engine %.3g\n", what.c_str(), e);
  CHECK(e <= tol);
}

// `--FMT` on every aarch64 target against the reference engine (float
// formats) or the quantised reference engine (q8/q4/q16) and the avx2 engine.
void check_format(const std::string& fmt, const std::string& test) {
  require_aarch64_tools();
  const std::string model = tiny_model(test);
  const Checkpoint ck = load_checkpoint(model);
  const bool quantised = fmt[0] == 'q';
  // The tolerances tests/compiler holds the x86 engines of the format to.
  const double tol = fmt == "bf16" || fmt == "f16" ? 1e-4 : 1e-6;
  const std::string args = "--" + fmt + " --ctx " + std::to_string(kCtx) + " --target ";
  const EngineRun x86 = run_engine(compile_engine(model, args + "avx2", "x_" + fmt, test), kPrompt, kSteps, 1, 16);
  std::vector<std::vector<float>> qref;
  if (quantised) qref = quant_reference(ck, variant(fmt), kPrompt, x86.tokens, kCtx);
  EngineRun dot;
  for (const A64Target& t : kTargets) {
    const std::string what = std::string(t.target) + " --" + fmt + " (qemu " + t.cpu + ")";
    INFO(what);
    const std::string name = std::string(t.prefix) + "_" + fmt;
    const Engine e = compile_a64_engine(model, args + t.target, name, test);
    const EngineRun run = run_checked(e, t.cpu);
    check_against_x86(run, x86, tol, what);
    if (quantised) {
      const double err = nmse_all(run, qref);  // fed the same picks: checked against x86 above
      std::printf("%s: NMSE vs the quantised reference %.3g\n", what.c_str(), err);
      CHECK(err <= 1e-6);  // as tests/compiler/test_quant_engine.cpp
    } else {
      check_against_reference(ck, kPrompt, run, kCtx, tol, fmt == "f32");
    }
    if (std::string(t.target) == "aarch64-dotprod") dot = run;
    // smmla and sdot give the same exact int32 block dots and the f32 block
    // terms are the same operations (docs/kernels.md); q16 is the same
    // template: the i8mm engine computes the dotprod engine's bits.
    if (quantised && std::string(t.target) == "aarch64-i8mm") CHECK(same_bits(run, dot));
    if (fmt == "q8" && std::string(t.target) == "aarch64-i8mm") {
      // The prefill really runs smmla: an ARMv8.2 + dotprod CPU model traps on it.
      const RunResult a76 = run_shell(qemu("cortex-a76") + " '" + e.harness + "' run '" + e.dir + "/a76.bin' 1 2 16 1 2 3");
      CHECK(a76.exit_code != 0);
    }
  }
}

}  // namespace

TEST_CASE("tiny f32 on aarch64 (cortex-a53), aarch64-dotprod and aarch64-i8mm (max): the reference engine and the avx2 engine") {
  check_format("f32", "a64f32");
}

TEST_CASE("tiny bf16 on every aarch64 target: the f32 reference and the avx2 bf16 engine") {
  check_format("bf16", "a64bf16");
}

TEST_CASE("tiny f16 on every aarch64 target: the f32 reference and the avx2 f16 engine") {
  check_format("f16", "a64f16");
}

TEST_CASE("tiny q8 on every aarch64 target: the quantised reference and the avx2 q8 engine, and i8mm smmla traps on cortex-a76") {
  check_format("q8", "a64q8");
}

TEST_CASE("tiny q4 on every aarch64 target: the quantised reference and the avx2 q4 engine") {
  check_format("q4", "a64q4");
}

TEST_CASE("tiny q16 on every aarch64 target: the quantised reference and the avx2 q16 engine") {
  check_format("q16", "a64q16");
}

// Every weight format in one engine (tiny has 2 layers of 4 projections and
// the tied lm_head): each kernel template of the target runs, gemv and gemm,
// in its place in a forward pass. Any quantised tensor turns RMSNorm gain
// folding off, and q8/q4 make the engine quantise activations.
TEST_CASE("tiny with every format in one engine on every aarch64 target and a g++ cross build: the scalar and avx2 engines") {
  require_aarch64_tools(/*gcc=*/true);
  const std::string test = "a64all";
  const std::string model = tiny_model(test);
  const std::string args =
      "--f32 --keep 'layers.0.self_attn.*=bf16' --keep layers.0.self_attn.o_proj=f16 "
      "--keep 'layers.0.mlp.*=q8' --keep layers.0.mlp.down_proj=q4 "
      "--keep 'layers.1.self_attn.*=q16' --keep layers.1.self_attn.o_proj=q8 "
      "--keep 'layers.1.mlp.*=q4' --keep layers.1.mlp.down_proj=bf16 --keep lm_head=f16 --ctx 64 --target ";
  // The host's scalar engine: the same packed numbers, other summation orders.
  const EngineRun want = run_engine(compile_engine(model, args + "scalar", "s_all", test), kPrompt, kSteps, 1, 16);
  const EngineRun x86 = run_engine(compile_engine(model, args + "avx2", "x_all", test), kPrompt, kSteps, 1, 16);
  auto check = [&](const EngineRun& run, const std::string& what) {
    INFO(what);
    REQUIRE(run.tokens == want.tokens);
    const double e = nmse(run.logits.data(), want.logits);
    std::printf("%s, every format: NMSE vs scalar %.3g over %d steps\n", what.c_str(), e, kSteps + 1);
    CHECK(e <= 1e-6);  // what tests/compiler asks of a quantised engine against the quantised reference
    check_against_x86(run, x86, 1e-6, what + ", every format");
  };
  for (const A64Target& t : kTargets)
    check(run_checked(compile_a64_engine(model, args + t.target, std::string(t.prefix) + "_all", test), t.cpu), t.target);
  // --cxx with a GCC cross compiler: no --target flag, the same engine.
  const Engine gcc = compile_a64_engine(model, args + "aarch64 --cxx " + kA64Gcc, "g_all", test, "aarch64-linux-gnu-gcc");
  // Each library's objects name the compiler that made them (.comment).
  const RunResult cg = run_shell("readelf -p .comment '" + gcc.dir + "/lib/libg_all.a'");
  CHECK(cg.out.find("GCC:") != std::string::npos);
  CHECK(cg.out.find("clang") == std::string::npos);
  check(run_checked(gcc, "cortex-a53"), "aarch64, g++");
}
