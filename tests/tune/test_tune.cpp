// `smolc tune` and `compile --tune`: the tuning file round-trips, a file for
// another target or a malformed one is refused with exit 2, a tuned engine
// with forced non-default tiles matches the reference engine, and the probe
// runs through a --runner prefix (a second local process standing in for a board).
#include <catch2/catch.hpp>
#include <fstream>

#include "compiler/engine_fixture.h"
#include "frontend/checkpoint.h"
#include "passes/passes.h"
#include "schedule/kernel_list.h"
#include "schedule/schedule.h"
#include "tune/tuning.h"

using namespace smolc;
using namespace smolc::test;

namespace {

// stories260K: small enough that each engine compiles in seconds.
std::string model_arg() {
  return "'" + stories_dir() + "/stories260K.bin' '--tokenizer=" + stories_dir() + "/tok512.bin'";
}
Checkpoint stories() { return load_checkpoint(stories_dir() + "/stories260K.bin", stories_dir() + "/tok512.bin"); }

void write(const std::string& path, const std::string& text) { std::ofstream(path, std::ios::binary) << text; }

// A tuning file for `model` at `fmt` on avx2 forcing, for every shape, the
// gemm token tile 4 (not the default 6) and, for float formats, one-vector
// 8-row panels (not the default 16) where the tied lm_head allows it.
std::string forced_file(WFormat fmt, const std::string& path) {
  Checkpoint ck = stories();
  schedule::FormatPlan plan;
  plan.base = fmt;
  const schedule::TargetDesc& t = schedule::find_target("avx2");
  ir::Graph g = passes::run_all(ir::build_llama_graph(ck.cfg), t.gate_up_block, schedule::fold_norm_gains(plan));
  const schedule::Schedule s = schedule::make_schedule(g, t, plan);
  tune::Tuning tu;
  tu.target = "avx2";
  tu.cpu = tune::host_cpu_info();
  tu.smolc_version = "test";
  tu.model = ck.name;
  tu.format = wformat_name(fmt);
  tu.tokens = t.prefill_tokens;
  for (const auto& [name, spec] : s.matmul) {
    bool seen = false;
    for (const auto& sh : tu.shapes) seen |= sh.fmt == spec.fmt && sh.M == spec.M && sh.K == spec.K;
    if (seen) continue;
    tune::ShapeChoice c;
    c.fmt = spec.fmt;
    c.M = spec.M;
    c.K = spec.K;
    c.default_tile_m = spec.tile_m;
    c.default_tile_n = spec.tile_n;
    const bool tied = s.embedding_tied && spec.M == s.matmul.at("lm_head").M && spec.K == s.matmul.at("lm_head").K;
    c.tile_m = is_quantized(fmt) || tied ? spec.tile_m : 8;
    c.tile_n = 4;
    tu.shapes.push_back(c);
  }
  tune::write_tuning(tu, path);
  return path;
}

}  // namespace

TEST_CASE("tune through a runner writes a file that round-trips, and compile refuses it for another target") {
  const std::string dir = temp_dir("tune_rt");
  const std::string file = dir + "/tune.json";
  // `env` is the second process the probe runs under, as `ssh board` would be.
  RunResult r = run_smolc("tune " + model_arg() + " --q8 --target avx2 --budget 60 --runner env -o '" + file + "'");
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(r.out.find("gemv def") != std::string::npos);
  const std::string text = read_file(file);
  const tune::Tuning t = tune::parse_tuning(text, file);
  CHECK(tune::tuning_json(t) == text);
  CHECK(t.target == "avx2");
  CHECK(t.runner == "env");
  CHECK_FALSE(t.emulated);
  CHECK(t.cpu.model == tune::host_cpu_info().model);
  REQUIRE(!t.shapes.empty());
  for (const auto& s : t.shapes) {
    CHECK(s.gemv_default_ns > 0);
    CHECK(s.gemm_default_ns > 0);
    // The default is a candidate: a choice is never slower by the score it was picked with.
    CHECK(s.gemv_ns / s.gemv_default_ns + s.gemm_ns / s.gemm_default_ns <= 2.0 + 1e-9);
  }

  RunResult w = run_smolc("compile " + model_arg() + " --q8 --target avx512 --emit-only --tune '" + file + "' -o '" + dir +
                          "/wrong'");
  CHECK(w.exit_code == 2);
  CHECK(w.err.find(file) != std::string::npos);
  CHECK(w.err.find("target") != std::string::npos);
  CHECK(w.err.find("avx2") != std::string::npos);
}

TEST_CASE("compile --tune refuses malformed tuning files with exit 2 naming the file and the field") {
  const std::string dir = temp_dir("tune_bad");
  const std::string good = forced_file(WFormat::Q8, dir + "/good.json");
  const std::string text = read_file(good);
  struct Case {
    std::string name, text, want;
  };
  auto replaced = [&](const std::string& from, const std::string& to) {
    std::string s = text;
    const size_t at = s.find(from);
    REQUIRE(at != std::string::npos);
    return s.replace(at, from.size(), to);
  };
  const std::vector<Case> cases = {
      {"cut", text.substr(0, text.size() / 2), "offset"},
      {"type", replaced("\"target\": \"avx2\"", "\"target\": 3"), "target"},
      {"tile", replaced("\"tile_n\": 4", "\"tile_n\": 5"), "shapes[0].tile_n"},
      {"fmt", replaced("\"format\": \"q8\",\n      \"M\"", "\"format\": \"q9\",\n      \"M\""), "shapes[0].format"},
      {"text", replaced("\"tile_m\": 16", "\"tile_m\": \"16); system(\\\"x\\\"\""), "shapes[0].tile_m"},
  };
  for (const Case& c : cases) {
    const std::string path = dir + "/" + c.name + ".json";
    write(path, c.text);
    RunResult r = run_smolc("compile " + model_arg() + " --q8 --target avx2 --emit-only --tune '" + path + "' -o '" + dir +
                            "/out_" + c.name + "'");
    INFO(c.name << ": " << r.err);
    CHECK(r.exit_code == 2);
    CHECK(r.err.find(path) != std::string::npos);
    CHECK(r.err.find(c.want) != std::string::npos);
  }
}

TEST_CASE("engines compiled with forced non-default tuned tiles match the reference engine") {
  if (!host_supports(Isa::AVX2)) return;  // the tuned avx2 engine cannot run here
  const std::string dir = temp_dir("tune_ref");
  Checkpoint ck = stories();
  const std::string model = stories_dir() + "/stories260K.bin";
  const std::string tok = " '--tokenizer=" + stories_dir() + "/tok512.bin'";
  for (WFormat fmt : {WFormat::F32, WFormat::Q8}) {
    const std::string f = wformat_name(fmt);
    const std::string file = forced_file(fmt, dir + "/" + f + ".json");
    Engine e = compile_engine(model, tok + " --" + f + " --ctx 64 --target avx2 --tune '" + file + "'", "tuned_" + f, "tune_ref");
    // The forced tiles reached the generated kernels, and the manifest names the file's hash.
    const std::string manifest = read_file(e.dir + "/manifest.json");
    CHECK(manifest.find(tune::tuning_hash(file)) != std::string::npos);
    RunResult ls = run_shell("ls '" + e.dir + "/src'");
    CHECK(ls.out.find(fmt == WFormat::F32 ? "r4t-avx2" : "16r4t-avx2") != std::string::npos);
    if (fmt == WFormat::F32) CHECK(ls.out.find("-8r4t-avx2") != std::string::npos);
    // A 19-token prompt in chunks of 16: the gemm runs with 4-token tiles and tails.
    const std::vector<int32_t> prompt = {1, 100, 200, 300, 5, 77, 511, 0, 12, 13, 90, 42, 7, 310, 2, 3, 4, 5, 6};
    EngineRun run = run_engine(e, prompt, 8, 2, 16);
    if (fmt == WFormat::F32) check_against_reference(ck, prompt, run, 64, 1e-6, true);
    else {
      // q8: the untuned q8 engine is the truth the tiles must not change.
      Engine d = compile_engine(model, tok + " --q8 --ctx 64 --target avx2", "untuned_q8", "tune_ref");
      EngineRun want = run_engine(d, prompt, 8, 2, 16);
      CHECK(run.tokens == want.tokens);
      REQUIRE(run.logits.size() == want.logits.size());
      double worst = 0;
      for (size_t i = 0; i < want.logits.size(); ++i) worst = std::max(worst, double(std::fabs(run.logits[i] - want.logits[i])));
      CHECK(worst < 1e-4);
    }
  }
}
