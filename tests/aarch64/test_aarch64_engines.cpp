// Whole aarch64 engines: `smolc compile --target aarch64|aarch64-dotprod`
// (clang-19 --target=aarch64-linux-gnu, or the g++ cross compiler through
// --cxx), the C harness (tests/compiler/engine_harness.c) linked statically
// for aarch64 and run under qemu-aarch64, against the published stories260K
// story, the reference engine and the host's scalar engines.
#include <catch2/catch.hpp>

#include <cstring>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "aarch64_support.h"
#include "support/published_story.h"
#include "tests/compiler/engine_fixture.h"
#include "text/tokenizer.h"

using namespace smolc;
using namespace smolc::test;

namespace {

// `smolc compile MODEL ARGS` for an aarch64 target, then the harness built
// for aarch64 (static) against the library; runs go through `qemu-aarch64 -cpu CPU`.
Engine compile_a64_engine(const std::string& model, const std::string& args, const std::string& name,
                          const std::string& test_name, const std::string& cc = "clang-19 --target=aarch64-linux-gnu") {
  Engine e;
  e.dir = temp_dir(test_name + "_" + name);
  e.name = name;
  RunResult r = run_smolc("compile '" + model + "' " + args + " --name " + name + " -o '" + e.dir + "'");
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  e.harness = e.dir + "/harness";
  const RunResult h = run_shell(cc + " -O1 -std=c11 -D_POSIX_C_SOURCE=200112L -Wall -Wextra -Werror -static -DENGINE=" +
                                name + " -DENGINE_U=" + upper(name) + " -I'" + e.dir + "/include' -include " + name +
                                ".h '" + source_dir() + "/tests/compiler/engine_harness.c' -L'" + e.dir + "/lib' -l" +
                                name + " -lpthread -lm -o '" + e.harness + "'");
  INFO(h.out << h.err);
  REQUIRE(h.exit_code == 0);
  return e;
}

std::string qemu(const std::string& cpu) { return "qemu-aarch64 -cpu " + cpu; }

std::string tiny_model(const std::string& test) {
  const std::string dir = temp_dir(test + "_model");
  RunResult r = run_smolc("synth --preset tiny --seed 7 --dtype f32 -o '" + dir + "'");
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  return dir;
}

const std::vector<int32_t> kTinyPrompt = {1, 100, 2000, 30000, 5, 77, 49151, 0, 12, 13, 9000, 42, 7, 31000, 2, 3, 4, 5, 6};
constexpr int kSteps = 24;

bool same_bits(const EngineRun& a, const EngineRun& b) {
  return a.tokens == b.tokens && a.logits.size() == b.logits.size() &&
         std::memcmp(a.logits.data(), b.logits.data(), a.logits.size() * sizeof(float)) == 0;
}

// Every weight format in one engine (tiny has 2 layers of 4 projections and
// the tied lm_head): each kernel template of the target runs, gemv and gemm,
// in its place in a forward pass. Any quantised tensor turns RMSNorm gain
// folding off, and q8/q4 make the engine quantise activations.
const std::string kAllFormats =
    "--f32 --keep 'layers.0.self_attn.*=bf16' --keep layers.0.self_attn.o_proj=f16 "
    "--keep 'layers.0.mlp.*=q8' --keep layers.0.mlp.down_proj=q4 "
    "--keep 'layers.1.self_attn.*=q16' --keep layers.1.self_attn.o_proj=q8 "
    "--keep 'layers.1.mlp.*=q4' --keep layers.1.mlp.down_proj=bf16 --keep lm_head=f16";

// An aarch64 engine's run against the host's scalar engine of the same
// formats (same packed numbers, other summation orders): the same greedy
// tokens and NMSE <= tol over every step (1e-6: what tests/compiler asks of a
// quantised engine against the quantised reference, int8 activation roundings
// may flip); 1 and 2 threads bit-identical.
void check_against_scalar(const Engine& arm, const std::string& cpu, const EngineRun& want, const std::string& what) {
  INFO(what);
  const EngineRun one = run_engine(arm, kTinyPrompt, kSteps, 1, 16, qemu(cpu));
  const EngineRun two = run_engine(arm, kTinyPrompt, kSteps, 2, 16, qemu(cpu));
  CHECK(same_bits(one, two));
  REQUIRE(one.tokens == want.tokens);
  const double e = nmse(one.logits.data(), want.logits);
  std::printf("%s: NMSE vs scalar %.3g over %d steps\n", what.c_str(), e, kSteps + 1);
  CHECK(e <= 1e-6);
}

}  // namespace

// stories260K's greedy text after BOS (llama2.c run -n 256: one pick per position 0..255).
static std::string story_text(const Checkpoint& ck, const EngineRun& run) {
  Tokenizer tok(ck.tokenizer);
  std::string text;
  int32_t prev = 1;
  for (int32_t t : run.tokens) {
    if (t == 1) break;  // llama2.c stops at BOS
    text += tok.token_bytes(prev, t);
    prev = t;
  }
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

TEST_CASE("stories260K f32 for aarch64 prints the published story on an ARMv8.0 CPU (qemu cortex-a53)") {
  require_aarch64_tools();
  const std::string model = stories_dir() + "/stories260K.bin";
  Engine e = compile_a64_engine(model, "'--tokenizer=" + stories_dir() + "/tok512.bin' --f32 --target aarch64",
                                "st_a64", "a64story");
  EngineRun run = run_engine(e, {1}, 256, 1, 16, qemu("cortex-a53"));
  Checkpoint ck = load_checkpoint(model, stories_dir() + "/tok512.bin");
  CHECK(story_text(ck, run) == published_story());
  // 64 greedy steps against the reference engine, as for the host targets.
  EngineRun run64 = {std::vector<int32_t>(run.tokens.begin(), run.tokens.begin() + 64),
                     std::vector<float>(run.logits.begin(), run.logits.begin() + 65 * ck.cfg.vocab_size)};
  check_against_reference(ck, {1}, run64, 256, 1e-6, true);
}

// q16 keeps the story on the host targets (README); so must the dotprod engine.
TEST_CASE("stories260K q16 for aarch64-dotprod prints the published story (qemu max, 2 threads)") {
  require_aarch64_tools();
  const std::string model = stories_dir() + "/stories260K.bin";
  Engine e = compile_a64_engine(model, "'--tokenizer=" + stories_dir() + "/tok512.bin' --q16 --target aarch64-dotprod",
                                "st_a64q16", "a64storyq16");
  EngineRun run = run_engine(e, {1}, 256, 2, 16, qemu("max"));
  CHECK(story_text(load_checkpoint(model, stories_dir() + "/tok512.bin"), run) == published_story());
}

TEST_CASE("tiny with every format in one engine: aarch64 (cortex-a53), aarch64-dotprod (max) and a g++ cross build match the scalar engine") {
  require_aarch64_tools(/*gcc=*/true);
  const std::string model = tiny_model("a64fmt");
  const std::string args = kAllFormats + " --ctx 64 --target ";
  const EngineRun want = run_engine(compile_engine(model, args + "scalar", "s_all", "a64fmt"), kTinyPrompt, kSteps, 1, 16);
  check_against_scalar(compile_a64_engine(model, args + "aarch64", "a_all", "a64fmt"), "cortex-a53", want,
                       "aarch64, clang");
  check_against_scalar(compile_a64_engine(model, args + "aarch64-dotprod", "d_all", "a64fmt"), "max", want,
                       "aarch64-dotprod, clang");
  // --cxx with a GCC cross compiler: no --target flag, the same engine.
  Engine gcc = compile_a64_engine(model, args + "aarch64 --cxx " + kA64Gcc, "g_all", "a64fmt", "aarch64-linux-gnu-gcc");
  // Each library's objects name the compiler that made them (.comment).
  const RunResult cg = run_shell("readelf -p .comment '" + gcc.dir + "/lib/libg_all.a'");
  CHECK(cg.out.find("GCC:") != std::string::npos);
  CHECK(cg.out.find("clang") == std::string::npos);
  check_against_scalar(gcc, "cortex-a53", want, "aarch64, g++");
}

TEST_CASE("smolc bench --target aarch64 runs the bench executable under qemu and says the timings are not speeds") {
  require_aarch64_tools();
  const std::string model = tiny_model("a64bench");
  const std::string cache = temp_dir("a64bench_cache");
  // No --runner: qemu-aarch64 is installed, so bench uses it (and says so).
  RunResult r = run_shell("SMOLC_CACHE_DIR='" + cache + "' '" + smolc_bin() + "' bench '" + model +
                "' --q8 --target aarch64 --reps 1 --json");
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(r.err.find("timings under emulation are not speeds") != std::string::npos);
  const auto j = nlohmann::json::parse(r.out);
  CHECK(j.at("emulated").get<bool>());
  CHECK(j.at("runner").get<std::string>() == "qemu-aarch64 -cpu max");
  CHECK(j.at("target").get<std::string>() == "aarch64");
  CHECK(j.at("pp512").get<double>() > 0);
  CHECK(j.at("tg128").get<double>() > 0);
  // An explicit runner is used as given: CMD EXE THREADS REPS; its failure
  // is smolc's error, not a silent result.
  const std::string args = cache + "/runner_args.txt";
  r = run_shell("SMOLC_CACHE_DIR='" + cache + "' '" + smolc_bin() + "' bench '" + model +
                "' --q8 --target aarch64 --threads 2 --reps 3 --json --runner 'sh -c \"echo \\$0 \\$@ >" + args +
                "; exit 9\"'");
  INFO(r.out << r.err);
  CHECK(r.exit_code != 0);
  CHECK(r.err.find("exited with code 9") != std::string::npos);
  const std::string got = read_file(args);
  CHECK(got.find(cache + "/engines/") == 0);
  CHECK(got.find("/bench/runner-") != std::string::npos);
  CHECK(got.substr(got.size() - 5) == " 2 3\n");
}
