// Whole wasm32 and wasm32-simd128 engines run in node (wasm_support.h)
// against the published stories260K story, the reference engine and the
// host's scalar engines of the same formats, with the tolerances the native
// engines have (tests/compiler/test_engine.cpp, tests/aarch64).
#include <catch2/catch.hpp>

#include <cstdio>
#include <cstring>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "support/published_story.h"
#include "text/tokenizer.h"
#include "wasm_support.h"

using namespace smolc;
using namespace smolc::test;

namespace {

std::string stories_model() { return stories_dir() + "/stories260K.bin"; }
std::string stories_args(const std::string& rest) { return "'--tokenizer=" + stories_dir() + "/tok512.bin' " + rest; }
Checkpoint stories() { return load_checkpoint(stories_model(), stories_dir() + "/tok512.bin"); }

std::string tiny_model(const std::string& test) {
  const std::string dir = temp_dir(test + "_model");
  RunResult r = run_smolc("synth --preset tiny --seed 7 --dtype f32 -o '" + dir + "'");
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  return dir;
}

const std::vector<int32_t> kTinyPrompt = {1, 100, 2000, 30000, 5, 77, 49151, 0, 12, 13, 9000, 42, 7, 31000, 2, 3, 4, 5, 6};
const std::vector<int32_t> kStoryPrompt = {1, 403, 407};
constexpr int kSteps = 24;

// Every weight format in one engine (as tests/aarch64): every kernel template
// of the target runs, gemv and gemm, in its place in a forward pass.
const std::string kAllFormats =
    "--f32 --keep 'layers.0.self_attn.*=bf16' --keep layers.0.self_attn.o_proj=f16 "
    "--keep 'layers.0.mlp.*=q8' --keep layers.0.mlp.down_proj=q4 "
    "--keep 'layers.1.self_attn.*=q16' --keep layers.1.self_attn.o_proj=q8 "
    "--keep 'layers.1.mlp.*=q4' --keep layers.1.mlp.down_proj=bf16 --keep lm_head=f16";

// A wasm engine against the host's scalar engine of the same formats (same
// packed numbers, other summation orders): the same greedy tokens and NMSE
// <= 1e-6 (what tests/compiler asks of a quantised engine against the
// quantised reference).
void check_against_scalar(const EngineRun& got, const EngineRun& want, const std::string& what) {
  INFO(what);
  REQUIRE(got.tokens == want.tokens);
  const double e = nmse(got.logits.data(), want.logits);
  std::printf("%s: NMSE vs the host scalar engine %.3g\n", what.c_str(), e);
  CHECK(e <= 1e-6);
}

// stories260K's greedy text after BOS (llama2.c run -n 256: one pick per position 0..255).
std::string story_text(const Checkpoint& ck, const EngineRun& run) {
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

}  // namespace

TEST_CASE("stories260K f32 for wasm32-simd128 prints the published story in node") {
  require_wasm_tools();
  Engine e = compile_wasm_engine(stories_model(), stories_args("--f32 --target wasm32-simd128"), "st_w128", "wstory");
  const EngineRun run = run_engine(e, {1}, 256, 1, 16, in_node(e));
  const Checkpoint ck = stories();
  CHECK(story_text(ck, run) == published_story());
  // 64 greedy steps against the reference engine, as for the host targets.
  const EngineRun run64 = {std::vector<int32_t>(run.tokens.begin(), run.tokens.begin() + 64),
                           std::vector<float>(run.logits.begin(), run.logits.begin() + 65 * ck.cfg.vocab_size)};
  check_against_reference(ck, {1}, run64, 256, 1e-6, true);
}

TEST_CASE("stories260K f32 for wasm32 (scalar kernels) prints the published story in node") {
  require_wasm_tools();
  Engine e = compile_wasm_engine(stories_model(), stories_args("--f32 --target wasm32"), "st_w32", "wstory32");
  const EngineRun run = run_engine(e, {1}, 256, 1, 16, in_node(e));
  CHECK(story_text(stories(), run) == published_story());
}

TEST_CASE("stories260K bf16 and f16 for wasm32-simd128 stay within NMSE 1e-4 of the reference") {
  require_wasm_tools();
  const Checkpoint ck = stories();
  for (const std::string fmt : {"bf16", "f16"}) {
    INFO("format " << fmt);
    Engine e = compile_wasm_engine(stories_model(), stories_args("--" + fmt + " --target wasm32-simd128"), "w_" + fmt,
                                   "whalves");
    check_against_reference(ck, kStoryPrompt, run_engine(e, kStoryPrompt, 32, 1, 16, in_node(e)), 256, 1e-4, false);
  }
}

TEST_CASE("stories260K q8 q4 q16 for wasm32-simd128 and q8 for wasm32 match the host scalar engines") {
  require_wasm_tools();
  for (const std::string fmt : {"q8", "q4", "q16"}) {
    const EngineRun want =
        run_engine(compile_engine(stories_model(), stories_args("--" + fmt + " --target scalar"), "s_" + fmt, "wquant"),
                   kStoryPrompt, 32, 1, 16);
    Engine e = compile_wasm_engine(stories_model(), stories_args("--" + fmt + " --target wasm32-simd128"), "w_" + fmt,
                                   "wquant");
    check_against_scalar(run_engine(e, kStoryPrompt, 32, 1, 16, in_node(e)), want, "stories260K " + fmt + " simd128");
    if (fmt == "q8") {
      Engine s = compile_wasm_engine(stories_model(), stories_args("--q8 --target wasm32"), "w32_q8", "wquant");
      check_against_scalar(run_engine(s, kStoryPrompt, 32, 1, 16, in_node(s)), want, "stories260K q8 wasm32");
    }
  }
}

TEST_CASE("tiny with every format in one engine: wasm32 and wasm32-simd128 match the host scalar engine") {
  require_wasm_tools();
  const std::string model = tiny_model("wfmt");
  const std::string args = kAllFormats + " --ctx 64 --target ";
  const EngineRun want = run_engine(compile_engine(model, args + "scalar", "s_all", "wfmt"), kTinyPrompt, kSteps, 1, 16);
  for (const std::string target : {"wasm32", "wasm32-simd128"}) {
    Engine e = compile_wasm_engine(model, args + target, target == "wasm32" ? "w32_all" : "w128_all", "wfmt");
    // Prefill chunks of 16 and of 5 (a gemm tail of every tile size) agree.
    const EngineRun run = run_engine(e, kTinyPrompt, kSteps, 1, 16, in_node(e));
    check_against_scalar(run, want, "tiny all formats " + target);
    check_against_scalar(run_engine(e, kTinyPrompt, kSteps, 1, 5, in_node(e)), want,
                         "tiny all formats " + target + ", prefill chunks of 5");
  }
}

TEST_CASE("smolc run --target wasm32-simd128 runs the engine in node: the same text and logits as the scalar engine") {
  require_wasm_tools();
  const std::string cache = temp_dir("wrun_cache"), dir = temp_dir("wrun");
  auto run = [&](const std::string& target, const std::string& extra) {
    RunResult r = run_shell("SMOLC_CACHE_DIR='" + cache + "' '" + smolc_bin() + "' run '" + stories_model() +
                            "' --q8 --target " + target + " -n 48 " + extra);
    INFO(r.out << r.err);
    REQUIRE(r.exit_code == 0);
    return r.out;
  };
  // Greedy with a logits dump, and sampled with a prompt, --temp and --seed.
  const std::string greedy = run("wasm32-simd128", "--temp 0 --dump-logits '" + dir + "/w.npy'");
  CHECK(greedy == run("scalar", "--temp 0 --dump-logits '" + dir + "/s.npy'"));
  CHECK(greedy.rfind("Once upon a time", 0) == 0);
  const std::string sampled = "--temp 0.8 --top-p 0.9 --seed 5 -p 'Once upon a time'";
  CHECK(run("wasm32-simd128", sampled) == run("scalar", sampled));
  const std::string w = read_file(dir + "/w.npy"), s = read_file(dir + "/s.npy");
  REQUIRE(w.size() == s.size());
  REQUIRE(w.size() > 128);
  const size_t hdr = w.find('\n') + 1;
  const size_t n = (w.size() - hdr) / sizeof(float);
  std::vector<float> ws(n), ss(n);
  std::memcpy(ws.data(), w.data() + hdr, n * sizeof(float));
  std::memcpy(ss.data(), s.data() + hdr, n * sizeof(float));
  CHECK(nmse(ws.data(), ss) <= 1e-6);
}

TEST_CASE("smolc bench --target wasm32-simd128 runs the bench runner in node") {
  require_wasm_tools();
  const std::string model = tiny_model("wbench");
  RunResult r = run_shell("SMOLC_CACHE_DIR='" + temp_dir("wbench_cache") + "' '" + smolc_bin() + "' bench '" + model +
                          "' --q8 --target wasm32-simd128 --reps 1 --json");
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  const auto j = nlohmann::json::parse(r.out);
  CHECK(j.at("runner").get<std::string>().find("tools/wasm/wasi-node.mjs") != std::string::npos);
  CHECK_FALSE(j.at("emulated").get<bool>());
  CHECK(j.at("target").get<std::string>() == "wasm32-simd128");
  CHECK(j.at("pp128").get<double>() > 0);
  CHECK(j.at("tg128").get<double>() > 0);
}
