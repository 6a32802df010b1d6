// Whole aarch64-i8mm engines (`smolc compile --target aarch64-i8mm`: sdot
// gemv for decode, smmla gemm for q8/q4 prefill) built by clang-19 for
// aarch64 and run under `qemu-aarch64 -cpu max`, tiny in every format, each
// against the truth the x86 engines of that format are held to: f32 the
// reference engine (NMSE 1e-6, same greedy picks), bf16/f16 the f32
// reference (NMSE 1e-4), q8/q4/q16 the quantised reference engine (NMSE
// 1e-6), mixed --keep the host's scalar engine of the same formats (NMSE
// 1e-6, same picks) and, bit for bit, the aarch64-dotprod engine. 1 and 2 threads give bit-identical logits. The prompt
// (19 tokens, 16-token prefill chunks) runs the gemm on 4-token tiles and a
// 3-token tail (an odd token pair).
#include <catch2/catch.hpp>

#include <cstring>
#include <string>
#include <vector>

#include "aarch64_support.h"
#include "quant/quant_eval.h"
#include "tests/compiler/engine_fixture.h"
#include "tests/compiler/quant_fixture.h"

using namespace smolc;
using namespace smolc::test;

namespace {

const std::vector<int32_t> kPrompt = {1, 100, 2000, 30000, 5, 77, 49151, 0, 12, 13, 9000, 42, 7, 31000, 2, 3, 4, 5, 6};
constexpr int kSteps = 24;
constexpr int kCtx = 64;

std::string qemu(const std::string& cpu) { return "qemu-aarch64 -cpu " + cpu; }

std::string tiny_model(const std::string& test) {
  const std::string dir = temp_dir(test + "_model");
  RunResult r = run_smolc("synth --preset tiny --seed 7 --dtype f32 -o '" + dir + "'");
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  return dir;
}

// `smolc compile MODEL ARGS --target TARGET` (an aarch64 target), then the C
// harness (tests/compiler/engine_harness.c) linked statically for aarch64.
Engine compile_a64_engine(const std::string& model, const std::string& args, const std::string& target,
                          const std::string& name, const std::string& test_name) {
  Engine e;
  e.dir = temp_dir(test_name + "_" + name);
  e.name = name;
  RunResult r = run_smolc("compile '" + model + "' " + args + " --ctx " + std::to_string(kCtx) +
                          " --target " + target + " --name " + name + " -o '" + e.dir + "'");
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  e.harness = e.dir + "/harness";
  const RunResult h = run_shell("clang-19 --target=aarch64-linux-gnu -O1 -std=c11 -D_POSIX_C_SOURCE=200112L -Wall "
                                "-Wextra -Werror -static -DENGINE=" + name + " -DENGINE_U=" + upper(name) + " -I'" +
                                e.dir + "/include' -include " + name + ".h '" + source_dir() +
                                "/tests/compiler/engine_harness.c' -L'" + e.dir + "/lib' -l" + name +
                                " -lpthread -lm -o '" + e.harness + "'");
  INFO(h.out << h.err);
  REQUIRE(h.exit_code == 0);
  return e;
}

// One thread under qemu max, checked bit-identical to two threads.
EngineRun run_checked(const Engine& e) {
  const EngineRun one = run_engine(e, kPrompt, kSteps, 1, 16, qemu("max"));
  const EngineRun two = run_engine(e, kPrompt, kSteps, 2, 16, qemu("max"));
  CHECK(one.tokens == two.tokens);
  REQUIRE(one.logits.size() == two.logits.size());
  CHECK(std::memcmp(one.logits.data(), two.logits.data(), one.logits.size() * sizeof(float)) == 0);
  return one;
}

}  // namespace

TEST_CASE("tiny f32 bf16 f16 for aarch64-i8mm (qemu max) match the reference engine, 1 and 2 threads bit-identical") {
  require_aarch64_tools();
  const std::string model = tiny_model("i8mmf");
  const Checkpoint ck = load_checkpoint(model);
  for (const std::string fmt : {"f32", "bf16", "f16"}) {
    INFO("format " << fmt);
    const EngineRun run = run_checked(compile_a64_engine(model, "--" + fmt, "aarch64-i8mm", "i8_" + fmt, "i8mmf"));
    // As tests/compiler/test_engine.cpp holds the x86 engines.
    if (fmt == "f32") check_against_reference(ck, kPrompt, run, kCtx, 1e-6, true);
    else check_against_reference(ck, kPrompt, run, kCtx, 1e-4, false);
  }
}

TEST_CASE("tiny q8 q4 q16 for aarch64-i8mm (qemu max) compute what the quantised reference computes and smmla traps on cortex-a76") {
  require_aarch64_tools();
  const std::string model = tiny_model("i8mmq");
  const Checkpoint ck = load_checkpoint(model);
  for (const std::string fmt : {"q8", "q4", "q16"}) {
    INFO("format " << fmt);
    const Engine e = compile_a64_engine(model, "--" + fmt, "aarch64-i8mm", "i8_" + fmt, "i8mmq");
    const EngineRun run = run_checked(e);
    const double err = nmse_all(run, quant_reference(ck, variant(fmt), kPrompt, run.tokens, kCtx));
    std::printf("aarch64-i8mm %s: NMSE against the quantised reference %.3g\n", fmt.c_str(), err);
    CHECK(err <= 1e-6);  // as tests/compiler/test_quant_engine.cpp
    if (fmt == "q8") {
      // The prefill really runs smmla: an ARMv8.2 + dotprod CPU model traps on it.
      const RunResult a76 = run_shell(qemu("cortex-a76") + " '" + e.harness + "' run '" + e.dir + "/a76.bin' 1 2 16 1 2 3");
      CHECK(a76.exit_code != 0);
    }
  }
}

TEST_CASE("tiny with every format in one engine for aarch64-i8mm (qemu max) matches the host scalar engine and the dotprod engine bit for bit") {
  require_aarch64_tools();
  const std::string model = tiny_model("i8mmall");
  // As tests/aarch64/test_aarch64_engines.cpp's kAllFormats: every template in its place in one forward pass.
  const std::string formats =
      "--f32 --keep 'layers.0.self_attn.*=bf16' --keep layers.0.self_attn.o_proj=f16 "
      "--keep 'layers.0.mlp.*=q8' --keep layers.0.mlp.down_proj=q4 "
      "--keep 'layers.1.self_attn.*=q16' --keep layers.1.self_attn.o_proj=q8 "
      "--keep 'layers.1.mlp.*=q4' --keep layers.1.mlp.down_proj=bf16 --keep lm_head=f16";
  const EngineRun want =
      run_engine(compile_engine(model, formats + " --ctx 64 --target scalar", "s_all", "i8mmall"), kPrompt, kSteps, 1, 16);
  const EngineRun run = run_checked(compile_a64_engine(model, formats, "aarch64-i8mm", "i8_all", "i8mmall"));
  REQUIRE(run.tokens == want.tokens);
  const double e = nmse(run.logits.data(), want.logits);
  std::printf("aarch64-i8mm, every format: NMSE vs scalar %.3g over %d steps\n", e, kSteps + 1);
  CHECK(e <= 1e-6);
  // smmla and sdot give the same exact int32 block dots and the f32 block
  // terms are the same operations (docs/kernels.md): the aarch64-dotprod
  // engine of the same formats computes the same bits.
  const Engine dot = compile_a64_engine(model, formats, "aarch64-dotprod", "d_all", "i8mmall");
  const EngineRun d = run_engine(dot, kPrompt, kSteps, 1, 16, qemu("max"));
  CHECK(d.tokens == run.tokens);
  REQUIRE(d.logits.size() == run.logits.size());
  CHECK(std::memcmp(d.logits.data(), run.logits.data(), run.logits.size() * sizeof(float)) == 0);
}
