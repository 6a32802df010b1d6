// `smolc tune` and `compile --tune`: the tuning file round-trips, a file for
// another target, an old version or a malformed one is refused with exit 2,
// a tuned engine with forced non-default tiles and blocks matches the
// reference engine, decode choices stay the default unless the decode times
// say otherwise, and the probe runs through a --runner prefix (a second
// local process standing in for a board).
#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>

#include "compiler/engine_fixture.h"
#include "frontend/checkpoint.h"
#include "passes/passes.h"
#include "schedule/kernel_list.h"
#include "schedule/schedule.h"
#include "support/published_story.h"
#include "tune/search.h"
#include "tune/tuning.h"
#include "tune/verify.h"

using namespace smolc;
using namespace smolc::test;

namespace {

// stories260K: small enough that each engine compiles in seconds.
std::string model_arg() {
  return "'" + stories_dir() + "/stories260K.bin' '--tokenizer=" + stories_dir() + "/tok512.bin'";
}
Checkpoint stories() { return load_checkpoint(stories_dir() + "/stories260K.bin", stories_dir() + "/tok512.bin"); }

void write(const std::string& path, const std::string& text) { std::ofstream(path, std::ios::binary) << text; }

constexpr int kForcedStep = 5, kForcedAttnRows = 24, kForcedAttnTokens = 3, kForcedDecodeRows = 8;

// A tuning file for `model` at `fmt` on avx2 forcing, for every shape, the
// gemm token tile 4 (not the default 6) and, for float formats, one-vector
// 8-row panels (not the default 16) where the tied lm_head allows it; and
// 5-token prefill steps (not the default 48; no multiple of any token tile,
// so every step ends in a tail); prefill attention blocks of 24 cache rows
// and tiles of 3 query tokens (not 16 and 4; tails in both), decode blocks
// of 8 rows (not 16; decode past position 19 ends in a tail).
std::string forced_file(Format fmt, const std::string& path) {
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
  tu.format = format_name(fmt);
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
  tu.prefill_tokens = kForcedStep;
  tu.default_prefill_tokens = t.prefill_tokens;
  tu.prefill_steps = {{t.prefill_tokens, 100.0}, {kForcedStep, 50.0}};
  tu.attn_rows = kForcedAttnRows;
  tu.attn_tokens = kForcedAttnTokens;
  tu.default_attn_rows = s.attn_rows;
  tu.default_attn_tokens = s.attn_tokens;
  tu.attn_decode_rows = kForcedDecodeRows;
  tu.default_attn_decode_rows = s.attn_decode_rows;
  tu.attn_decode_pos = 63;
  tu.attn_prefill_pos = 16;
  tu.attn_prefill_tokens = t.prefill_tokens;
  tu.attn_times = {{s.attn_rows, s.attn_tokens, 100.0, 200.0},
                   {kForcedAttnRows, kForcedAttnTokens, 90.0, 150.0},
                   {kForcedDecodeRows, s.attn_tokens, 80.0, 250.0}};
  tune::write_tuning(tu, path);
  return path;
}

}  // namespace

TEST_CASE("tune through a runner writes a file that round-trips, and compile refuses it for another target") {
  const std::string dir = temp_dir("tune_rt");
  const std::string file = dir + "/tune.json";
  // `env` is the second process the probe runs under, as `ssh board` would be.
  RunResult r = run_smolc("tune " + model_arg() + " --q8 --target avx2 --budget 60 --runner env --verify-rounds 1 -o '" +
                          file + "'");
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(r.out.find("gemv def") != std::string::npos);
  {
    // The whole engines were timed (one round here) unless the search kept
    // every default, and a changed phase stayed only where its ratio says so.
    const tune::Tuning t = tune::read_tuning(file);
    const tune::Verification& v = t.verification;
    CHECK(r.out.find("verification") != std::string::npos);
    if (v.ran) {
      REQUIRE(!v.stages.empty());
      CHECK(v.runs.size() == 2 * v.stages.size());
      for (const auto& run : v.runs) {
        CHECK(run.pp512 > 0);
        CHECK(run.tg128 > 0);
        CHECK(run.tg128_d512 > 0);
      }
      CHECK((v.prefill == "kept") == tune::changes_prefill(t));
      CHECK((v.decode == "kept") == tune::changes_decode(t));
      if (v.prefill == "kept") CHECK(v.stages.back().prefill >= 1 + tune::kMargin);
      if (v.decode == "kept") CHECK(v.stages.back().decode >= 1 + tune::kMargin);
    } else {
      CHECK_FALSE(tune::changes_prefill(t));
      CHECK_FALSE(tune::changes_decode(t));
    }
  }
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
    // The default is a candidate, and a choice is no slower than it in
    // either setting: another panel height (decode gemv and prefill gemm)
    // must win the gemv by the margin, another token tile the gemm.
    if (s.tile_m != s.default_tile_m) {
      CHECK(s.gemv_ns < s.gemv_default_ns * (1 - tune::kMargin));
      CHECK(s.gemm_ns <= s.gemm_default_ns);
    } else if (s.tile_n != s.default_tile_n) {
      CHECK(s.gemv_ns == s.gemv_default_ns);
      CHECK(s.gemm_ns < s.gemm_default_ns * (1 - tune::kMargin));
    }
  }
  // The prefill step: the target's default was timed, and the choice is no slower per token.
  CHECK(t.default_prefill_tokens == schedule::find_target("avx2").prefill_tokens);
  REQUIRE(!t.prefill_steps.empty());
  CHECK(t.prefill_steps[0].tokens == t.default_prefill_tokens);
  bool chosen_timed = false;
  for (const auto& p : t.prefill_steps) {
    CHECK(p.ns_per_token > 0);
    if (p.tokens == t.prefill_tokens) {
      chosen_timed = true;
      CHECK(p.ns_per_token <= t.prefill_steps[0].ns_per_token);
    }
  }
  CHECK(chosen_timed);
  CHECK(r.out.find("<- chosen") != std::string::npos);
  // The attention block: the default timed first, the choice among the timed.
  REQUIRE(!t.attn_times.empty());
  CHECK(t.attn_times[0].rows == t.default_attn_rows);
  CHECK(t.attn_times[0].tokens == t.default_attn_tokens);
  // The prefill block is the least prefill time, the decode block the least
  // decode time, each the default unless the margin faster.
  CHECK(t.default_attn_decode_rows == t.default_attn_rows);
  bool attn_timed = false, decode_timed = false;
  for (const auto& a : t.attn_times) {
    CHECK(a.decode_ns > 0);
    CHECK(a.prefill_ns > 0);
    if (a.rows == t.attn_rows && a.tokens == t.attn_tokens) {
      attn_timed = true;
      CHECK((a.prefill_ns < t.attn_times[0].prefill_ns * (1 - tune::kMargin) || &a == &t.attn_times[0]));
    }
    if (a.rows == t.attn_decode_rows) {
      decode_timed = true;
      CHECK((a.decode_ns < t.attn_times[0].decode_ns * (1 - tune::kMargin) || a.rows == t.default_attn_decode_rows));
    }
  }
  CHECK(attn_timed);
  CHECK(decode_timed);
  CHECK(r.out.find("KV cache cold") != std::string::npos);

  RunResult w = run_smolc("compile " + model_arg() + " --q8 --target avx512 --emit-only --tune '" + file + "' -o '" + dir +
                          "/wrong'");
  CHECK(w.exit_code == 2);
  CHECK(w.err.find(file) != std::string::npos);
  CHECK(w.err.find("target") != std::string::npos);
  CHECK(w.err.find("avx2") != std::string::npos);
}

// A stand-in for `smolc bench` in the verification: tokens/s of the engine a
// tuning file makes, from its choices (the prefill phase 10% faster with the
// forced prefill choices; decode as `decode` says), so the rule is tested on
// known ratios.
struct FakeBench {
  explicit FakeBench(std::function<double(const tune::Tuning&)> d) : decode(std::move(d)) {}
  std::function<double(const tune::Tuning&)> decode;  // tuned / default decode ratio of a file's engine
  std::vector<std::string> calls;
  tune::VerifyRun operator()(const std::string& file, int) {
    calls.push_back(file);
    tune::VerifyRun r{};
    r.pp512 = r.tg128 = r.tg128_d512 = 100;
    if (file.empty()) return r;
    const tune::Tuning t = tune::read_tuning(file);
    if (t.prefill_tokens != t.default_prefill_tokens) r.pp512 = 110;
    r.tg128 = r.tg128_d512 = 100 * decode(t);
    return r;
  }
};

TEST_CASE("tune's verification keeps a phase only where the whole engine is faster, else writes the default's choices") {
  const std::string dir = temp_dir("tune_verify");
  // q8: the forced file changes the prefill (step, prefill blocks, token
  // tiles) and the decode (decode block) but no panel height.
  const tune::Tuning forced = tune::read_tuning(forced_file(Format::Q8, dir + "/q8.json"));
  REQUIRE(tune::changes_prefill(forced));
  REQUIRE(tune::changes_decode(forced));
  auto run = [&](FakeBench& fb) {
    tune::Tuning t = forced;
    tune::verify(t, dir, 3, {1, 2}, std::ref(fb), [](size_t, size_t) {});
    // The file written back reads as the verified choices and record.
    const std::string text = tune::tuning_json(t);
    CHECK(tune::tuning_json(tune::parse_tuning(text, "verified.json")) == text);
    return t;
  };
  SECTION("decode slower only through the decode block: stage 2 without it keeps the prefill choices") {
    FakeBench fb{[](const tune::Tuning& t) { return t.attn_decode_rows == kForcedDecodeRows ? 0.87 : 1.0; }};
    const tune::Tuning t = run(fb);
    CHECK(t.verification.prefill == "kept");
    CHECK(t.verification.decode == "reverted");
    REQUIRE(t.verification.stages.size() == 2);
    CHECK(t.verification.stages[0].decode == Approx(0.87));
    CHECK(t.verification.stages[1].decode == Approx(1.0));
    CHECK(t.verification.stages[1].prefill == Approx(1.1));
    CHECK(t.prefill_tokens == kForcedStep);
    CHECK(t.attn_rows == kForcedAttnRows);
    CHECK(t.attn_decode_rows == t.default_attn_decode_rows);
    // Interleaved: 3 rounds x 2 thread counts x 2 engines per stage, the
    // default first in odd rounds, second in even ones.
    REQUIRE(fb.calls.size() == 24);
    CHECK(fb.calls[0].empty());
    CHECK_FALSE(fb.calls[1].empty());
    CHECK_FALSE(fb.calls[4].empty());
    CHECK(fb.calls[5].empty());
    CHECK(t.verification.runs.size() == 24);
  }
  SECTION("decode slower through the prefill step (the state layout): both phases go back to the default") {
    FakeBench fb{[](const tune::Tuning& t) { return t.prefill_tokens == kForcedStep ? 0.87 : 1.0; }};
    const tune::Tuning t = run(fb);
    CHECK(t.verification.prefill == "reverted");
    CHECK(t.verification.decode == "reverted");
    CHECK(t.verification.stages.size() == 2);
    CHECK_FALSE(tune::changes_prefill(t));
    CHECK_FALSE(tune::changes_decode(t));
    for (const auto& s : t.shapes) {
      CHECK(s.tile_n == s.default_tile_n);
      CHECK(s.gemm_ns == s.gemm_default_ns);
    }
    // What stage 2 measured: the prefill choices without the decode block.
    const tune::Tuning s2 = tune::read_tuning(dir + "/verify-stage2.json");
    CHECK(s2.prefill_tokens == kForcedStep);
    CHECK(s2.attn_decode_rows == s2.default_attn_decode_rows);
  }
  SECTION("both phases faster by more than the margin: kept after one stage") {
    FakeBench fb{[](const tune::Tuning&) { return 1.05; }};
    const tune::Tuning t = run(fb);
    CHECK(t.verification.prefill == "kept");
    CHECK(t.verification.decode == "kept");
    CHECK(t.verification.stages.size() == 1);
    CHECK(t.attn_decode_rows == kForcedDecodeRows);
    CHECK(t.prefill_tokens == kForcedStep);
  }
  SECTION("a decode gain within the margin is no gain: the decode block goes back") {
    FakeBench fb{[](const tune::Tuning& t) { return t.attn_decode_rows == kForcedDecodeRows ? 1.01 : 1.0; }};
    const tune::Tuning t = run(fb);
    CHECK(t.verification.decode == "reverted");
    CHECK(t.verification.prefill == "kept");
    CHECK(t.attn_decode_rows == t.default_attn_decode_rows);
  }
  SECTION("a file that keeps every default is not measured") {
    FakeBench fb{[](const tune::Tuning&) { return 1.0; }};
    tune::Tuning t = forced;
    tune::revert_phases(t, true, true);
    tune::verify(t, dir, 3, {1}, std::ref(fb), [](size_t, size_t) {});
    CHECK_FALSE(t.verification.ran);
    CHECK(fb.calls.empty());
  }
}

TEST_CASE("compile --tune refuses malformed tuning files with exit 2 naming the file and the field") {
  const std::string dir = temp_dir("tune_bad");
  const std::string good = forced_file(Format::Q8, dir + "/good.json");
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
      {"step", replaced("\"tokens\": 5,", "\"tokens\": 0,"), "prefill.tokens"},
      {"steps", replaced("\"steps\": [", "\"steps\": 7, \"x\": ["), "prefill.steps"},
      {"version", replaced("\"smolc_tuning\": 3", "\"smolc_tuning\": 4"), "smolc_tuning"},
      {"decode_rows", replaced("\"decode_rows\": 8,", "\"decode_rows\": 0,"), "attention.decode_rows"},
      {"no_decode", replaced("\"decode_rows\": 8,", ""), "attention.decode_rows"},
      {"attn", replaced("\"rows\": 24,", "\"rows\": 257,"), "attention.rows"},
      {"attn_cands", replaced("\"decode_ns\": 90", "\"decode_ns\": -90"), "attention.candidates[1].decode_ns"},
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

TEST_CASE("tuning files of versions 1 and 2 are refused: their rules could trade decode speed for prefill speed") {
  const std::string dir = temp_dir("tune_old");
  nlohmann::ordered_json j = nlohmann::ordered_json::parse(read_file(forced_file(Format::F32, dir + "/v3.json")));
  // Version 2 had no decode block; version 1 neither prefill step nor attention.
  j["smolc_tuning"] = 2;
  j["attention"].erase("decode_rows");
  j["attention"].erase("default_decode_rows");
  write(dir + "/v2.json", j.dump(2) + "\n");
  j["smolc_tuning"] = 1;
  j.erase("prefill");
  j.erase("attention");
  write(dir + "/v1.json", j.dump(2) + "\n");
  for (const char* v : {"v1", "v2"}) {
    const std::string path = dir + "/" + v + ".json";
    RunResult r = run_smolc("compile " + model_arg() + " --f32 --target avx2 --emit-only --tune '" + path + "' -o '" + dir +
                            "/" + v + "'");
    INFO(v << ": " << r.err);
    CHECK(r.exit_code == 2);
    CHECK(r.err.find(path) != std::string::npos);
    CHECK(r.err.find("smolc_tuning") != std::string::npos);
    CHECK(r.err.find("run smolc tune again") != std::string::npos);
  }
}

TEST_CASE("engines compiled with forced non-default tuned tiles match the reference engine") {
  if (!host_supports(Isa::AVX2)) return;  // the tuned avx2 engine cannot run here
  const std::string dir = temp_dir("tune_ref");
  Checkpoint ck = stories();
  const std::string model = stories_dir() + "/stories260K.bin";
  const std::string tok = " '--tokenizer=" + stories_dir() + "/tok512.bin'";
  for (Format fmt : {Format::F32, Format::Q8}) {
    const std::string f = format_name(fmt);
    const std::string file = forced_file(fmt, dir + "/" + f + ".json");
    // q8 with an f16 KV cache: the attention's other path (blocks converted to f32 for a prefill tile).
    const std::string kv = fmt == Format::Q8 ? " --kv f16" : "";
    Engine e = compile_engine(model, tok + " --" + f + kv + " --ctx 64 --target avx2 --tune '" + file + "'", "tuned_" + f,
                              "tune_ref");
    // The forced tiles reached the generated kernels, and the manifest names the file's hash.
    const std::string manifest = read_file(e.dir + "/manifest.json");
    CHECK(manifest.find(tune::tuning_hash(file)) != std::string::npos);
    RunResult ls = run_shell("ls '" + e.dir + "/src'");
    CHECK(ls.out.find(fmt == Format::F32 ? "r4t-avx2" : "16r4t-avx2") != std::string::npos);
    if (fmt == Format::F32) CHECK(ls.out.find("-8r4t-avx2") != std::string::npos);
    // The forced prefill step and attention block reached the engine.
    const std::string src = "'" + e.dir + "'/src/*-engine-avx2.cpp";
    CHECK(run_shell("grep -l 'kPrefill = " + std::to_string(kForcedStep) + ";' " + src).exit_code == 0);
    CHECK(run_shell("grep -l 'kAttnRows = " + std::to_string(kForcedAttnRows) + ";' " + src).exit_code == 0);
    CHECK(run_shell("grep -l 'kAttnTokens = " + std::to_string(kForcedAttnTokens) + ";' " + src).exit_code == 0);
    CHECK(run_shell("grep -l 'kAttnDecodeRows = " + std::to_string(kForcedDecodeRows) + ";' " + src).exit_code == 0);
    // A 19-token prompt in chunks of 16, forward steps of 5 tokens: the gemm
    // runs with 4-token tiles and tails, the attention with 3-token tiles and
    // 24-row blocks, each with tails; decode at positions 19..26 in 8-row
    // blocks and a tail.
    const std::vector<int32_t> prompt = {1, 100, 200, 300, 5, 77, 511, 0, 12, 13, 90, 42, 7, 310, 2, 3, 4, 5, 6};
    EngineRun run = run_engine(e, prompt, 8, 2, 16);
    if (fmt == Format::F32) check_against_reference(ck, prompt, run, 64, 1e-6, true);
    else {
      // q8: the untuned q8 engine is the truth the tuned choices must not change.
      Engine d = compile_engine(model, tok + " --q8 --kv f16 --ctx 64 --target avx2", "untuned_q8", "tune_ref");
      EngineRun want = run_engine(d, prompt, 8, 2, 16);
      CHECK(run.tokens == want.tokens);
      REQUIRE(run.logits.size() == want.logits.size());
      double worst = 0;
      for (size_t i = 0; i < want.logits.size(); ++i) worst = std::max(worst, double(std::fabs(run.logits[i] - want.logits[i])));
      CHECK(worst < 1e-4);
    }
  }
}

namespace {

// The search `smolc tune stories260K --q8 --target avx2 --budget B` plans:
// the candidate list a probe's output lines index.
tune::Search planned_search(const std::string& target, Format fmt, double budget) {
  Checkpoint ck = stories();
  schedule::FormatPlan plan;
  plan.base = fmt;
  const schedule::TargetDesc& t = schedule::find_target(target);
  ir::Graph g = passes::run_all(ir::build_llama_graph(ck.cfg), t.gate_up_block, schedule::fold_norm_gains(plan));
  return tune::plan_search(schedule::make_schedule(g, t, plan), ck.cfg, 1, budget);
}

}  // namespace

TEST_CASE("tune --from-probe reads a board's times: the faster alternative wins, the default stays elsewhere") {
  const std::string dir = temp_dir("tune_from_probe");
  const tune::Search s = planned_search("avx2", Format::Q8, 600);
  // Shape 0 gets an alternative gemm that is twice as fast; every other
  // candidate takes as long as its default, so only shape 0 changes.
  size_t fast = s.candidates.size();
  for (size_t i = 0; i < s.candidates.size(); ++i) {
    const auto& c = s.candidates[i];
    if (c.attn_rows == 0 && c.shape == 0 && c.variant.op == KernelOp::Gemm && c.variant.tile_n != s.shapes[0].default_tile_n)
      fast = i;
  }
  // The attention: the prefill step of 32-row blocks and 8-token tiles takes
  // 0.4 of the default's time, but a decode step in 32-row blocks 1.3 times
  // (a sum of the two would pick 32 rows for both); decode in 64-row blocks
  // takes half. Each block is chosen by its own setting's time.
  size_t fast_attn = s.candidates.size(), slow_decode = s.candidates.size(), fast_decode = s.candidates.size();
  for (size_t i = 0; i < s.candidates.size(); ++i) {
    const auto& c = s.candidates[i];
    if (c.attn_rows == 32 && c.attn_tokens == 8 && c.attn_n > 1) fast_attn = i;
    if (c.attn_rows == 32 && c.attn_n == 1) slow_decode = i;
    if (c.attn_rows == 64 && c.attn_n == 1) fast_decode = i;
  }
  REQUIRE(fast_attn < s.candidates.size());
  REQUIRE(slow_decode < s.candidates.size());
  REQUIRE(fast_decode < s.candidates.size());
  REQUIRE(fast < s.candidates.size());  // q8 on avx2 has a second token tile (4) at the default height
  std::string probe = "# model Board CPU 9000\n# flags avx2 fma\n# l1d 32768\n# l2 1048576\n# l3 33554432\n";
  for (size_t i = 0; i < s.candidates.size(); ++i)
    probe += std::to_string(i) + " " + tune::candidate_op(s.candidates[i]) + " " +
             (i == fast || i == fast_decode ? "500" : i == fast_attn ? "400" : i == slow_decode ? "1300" : "1000") + "\n";
  write(dir + "/probe.txt", probe);
  const std::string cmd = "tune " + model_arg() + " --q8 --target avx2 --budget 600 -o '" + dir + "/tune.json' --from-probe '";
  RunResult r = run_smolc(cmd + dir + "/probe.txt'");
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  const tune::Tuning t = tune::read_tuning(dir + "/tune.json");
  CHECK(t.cpu.model == "Board CPU 9000");
  CHECK(t.cpu.l3_bytes == 33554432);
  REQUIRE(t.shapes.size() == s.shapes.size());
  CHECK(t.shapes[0].tile_n == s.candidates[fast].variant.tile_n);
  CHECK(t.shapes[0].gemm_ns == 500);
  CHECK(t.shapes[0].gemm_default_ns == 1000);
  for (size_t i = 1; i < t.shapes.size(); ++i) {
    CHECK(t.shapes[i].tile_m == t.shapes[i].default_tile_m);
    CHECK(t.shapes[i].tile_n == t.shapes[i].default_tile_n);
  }
  // Every prefill-step call took 1000 ns whatever its tokens: the largest
  // step costs least per token, and the times per token are the sums over
  // the prefill projections divided by the step.
  REQUIRE(s.steps.size() == 4);  // 48, 24, 72, 96: a budget of 600 s times them all
  CHECK(t.prefill_tokens == 96);
  CHECK(t.default_prefill_tokens == 48);
  int uses = 0;
  for (int u : s.prefill_uses) uses += u;
  REQUIRE(t.prefill_steps.size() == 4);
  for (const auto& p : t.prefill_steps) CHECK(p.ns_per_token == Approx(1000.0 * uses / p.tokens));
  // 4 x 4 attention blocks, the default first; the faster one wins.
  REQUIRE(t.attn_times.size() == 16);
  CHECK(t.attn_times[0].rows == 16);
  CHECK(t.attn_times[0].tokens == 4);
  CHECK(t.attn_rows == 32);
  CHECK(t.attn_tokens == 8);
  CHECK(t.default_attn_rows == 16);
  CHECK(t.attn_decode_rows == 64);
  CHECK(t.default_attn_decode_rows == 16);
  for (const auto& a : t.attn_times) CHECK(a.decode_ns == (a.rows == 64 ? 500 : a.rows == 32 ? 1300 : 1000));
  // And they reach the engine, each its own constant.
  RunResult e = run_smolc("compile " + model_arg() + " --q8 --target avx2 --emit-only --tune '" + dir + "/tune.json' -o '" +
                          dir + "/e'");
  INFO(e.err);
  REQUIRE(e.exit_code == 0);
  const std::string src = "'" + dir + "'/e/src/*-engine-avx2.cpp";
  CHECK(run_shell("grep -l 'kAttnRows = 32;' " + src).exit_code == 0);
  CHECK(run_shell("grep -l 'kAttnTokens = 8;' " + src).exit_code == 0);
  CHECK(run_shell("grep -l 'kAttnDecodeRows = 64;' " + src).exit_code == 0);

  // A probe that stopped early, or one of another search, is refused: exit 2
  // naming the file and where.
  write(dir + "/short.txt", probe.substr(0, probe.rfind('\n', probe.size() - 2) + 1));
  RunResult shortr = run_smolc(cmd + dir + "/short.txt'");
  CHECK(shortr.exit_code == 2);
  CHECK(shortr.err.find(dir + "/short.txt: candidate " + std::to_string(s.candidates.size() - 1)) != std::string::npos);
  std::string other = probe;
  const std::string line0 = "\n0 " + tune::candidate_op(s.candidates[0]) + " ";
  REQUIRE(other.find(line0) != std::string::npos);
  other.replace(other.find(line0), line0.size(), "\n0 row ");
  write(dir + "/other.txt", other);
  RunResult otherr = run_smolc(cmd + dir + "/other.txt'");
  CHECK(otherr.exit_code == 2);
  CHECK(otherr.err.find("a probe of another search") != std::string::npos);
}

TEST_CASE("every shape's default tiles are timed and applied, also where the kernel list lacks them (scalar float)") {
  // The scalar target packs f32 in 4-row panels; the kernel list's scalar
  // float kernels have 8 rows. The defaults must still be timed (the tuner
  // once left them out and compared against 0 ns) and a file keeping them
  // must compile.
  const std::string dir = temp_dir("tune_scalar_default");
  const tune::Search s = planned_search("scalar", Format::F32, 600);
  REQUIRE(!s.shapes.empty());
  for (size_t i = 0; i < s.shapes.size(); ++i) {
    const auto& sh = s.shapes[i];
    CHECK(sh.default_tile_m == 4);
    bool gemv = false, gemm = false, step = false;
    for (const auto& c : s.candidates) {
      if (c.shape != i || c.attn_rows) continue;
      const bool tiles = c.variant.tile_m == sh.default_tile_m;
      gemv |= c.step == 0 && c.variant.op == KernelOp::Gemv && tiles;
      gemm |= c.step == 0 && c.variant.op == KernelOp::Gemm && tiles && c.variant.tile_n == sh.default_tile_n;
      step |= c.step == s.tokens && tiles;
    }
    INFO("shape " << i);
    CHECK(gemv);
    CHECK(gemm);
    CHECK(step == (s.prefill_uses[i] > 0));
  }
  // The 8-row panels' gemms take half the default's time but their gemvs
  // 1.01 times (a sum of the two would take them: decode 1 % slower for
  // prefill twice as fast); decode attention in other blocks than the
  // default's 1.01 times, prefill attention in 8-row blocks and 2-token tiles
  // half. The decode choices must stay the defaults, the prefill block change.
  std::string probe;
  size_t taller = 0;
  for (size_t i = 0; i < s.candidates.size(); ++i) {
    const auto& c = s.candidates[i];
    const char* ns = "1000";
    if (c.attn_rows == 0 && c.step == 0 && c.variant.tile_m != s.shapes[c.shape].default_tile_m) {
      ns = c.variant.op == KernelOp::Gemm ? "500" : "1010";
      taller += c.variant.op == KernelOp::Gemm;
    }
    if (c.attn_rows && c.attn_n == 1 && c.attn_rows != schedule::kDefaultAttnRows) ns = "1010";
    if (c.attn_rows == 8 && c.attn_tokens == 2 && c.attn_n > 1) ns = "500";
    probe += std::to_string(i) + " " + tune::candidate_op(c) + " " + ns + "\n";
  }
  REQUIRE(taller > 0);  // the 8-row kernels were candidates
  write(dir + "/probe.txt", probe);
  const std::string file = dir + "/tune.json";
  RunResult r = run_smolc("tune " + model_arg() + " --f32 --target scalar --budget 600 -o '" + file + "' --from-probe '" +
                          dir + "/probe.txt'");
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  const tune::Tuning t = tune::read_tuning(file);
  for (const auto& sh : t.shapes) {
    CHECK(sh.gemv_default_ns == 1000);
    CHECK(sh.gemm_default_ns == 1000);
    CHECK(sh.tile_m == 4);
    CHECK(sh.tile_n == sh.default_tile_n);
  }
  CHECK(t.attn_decode_rows == schedule::kDefaultAttnRows);
  CHECK(t.attn_rows == 8);
  CHECK(t.attn_tokens == 2);
  RunResult c = run_smolc("compile " + model_arg() + " --f32 --target scalar --emit-only --tune '" + file + "' -o '" + dir + "/e'");
  INFO(c.err);
  REQUIRE(c.exit_code == 0);
  // The engine decodes with the default's kernels and attention block.
  const std::string src = run_shell("ls '" + dir + "/e/src'").out;
  CHECK(src.find("-gemv-") != std::string::npos);
  CHECK(src.find("-8r-") == std::string::npos);
  CHECK(run_shell("grep -l 'kAttnDecodeRows = " + std::to_string(schedule::kDefaultAttnRows) + ";' '" + dir +
                  "'/e/src/*-engine-scalar.cpp").exit_code == 0);
}

TEST_CASE("the host probe compiles kernels that include the runtime's quant headers (avx512 bf16 and q8)") {
  // The avx512 bf16 gemm includes "quant/smolc_bf16.h" and the q8 kernels
  // "quant/smolc_quant.h": the probe directory must hold every runtime quant
  // header, as an engine's src/runtime does (once it held smolc_quant.h only,
  // and bf16 tuning failed to compile).
  if (!host_supports(Isa::AVX512)) {
    WARN("not executed: this CPU lacks AVX-512");
    return;
  }
  const std::string dir = temp_dir("tune_probe_headers");
  for (const char* fmt : {"bf16", "q8"}) {
    INFO(fmt);
    RunResult r = run_smolc("tune " + model_arg() + " --" + fmt + " --target avx512 --budget 2 --no-verify -o '" + dir +
                            "/" + fmt + ".json'");
    INFO(r.out << r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(tune::read_tuning(dir + "/" + fmt + ".json").target == "avx512");
  }
}

TEST_CASE("tune for a board this CPU cannot run prints the probe command, and its output read back makes the file") {
  if (std::system("command -v qemu-aarch64 >/dev/null 2>&1") != 0) return;  // tools/setup.sh installs it
  const std::string dir = temp_dir("tune_board");
  const std::string file = dir + "/tune.json";
  RunResult r = run_smolc("tune " + model_arg() + " --q8 --target aarch64 --budget 1 -o '" + file + "'");
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  CHECK_FALSE(std::filesystem::exists(file));  // nothing timed yet
  // "  ./tune-probe ARGS > probe.txt", then the command that reads it back.
  const size_t at = r.out.find("./tune-probe ");
  REQUIRE(at != std::string::npos);
  const size_t end = r.out.find(" > probe.txt", at);
  REQUIRE(end != std::string::npos);
  const std::string args = r.out.substr(at + 13, end - at - 13);
  const size_t back = r.out.find("smolc tune ", end);
  REQUIRE(back != std::string::npos);
  std::string again = r.out.substr(back + 6, r.out.find('\n', back) - back - 6);
  REQUIRE(again.find("--from-probe probe.txt") != std::string::npos);
  // The board: qemu-aarch64 stands in (its times are no speeds; only the path is tested).
  RunResult p = run_shell("qemu-aarch64 -L /usr/aarch64-linux-gnu '" + file + ".probe/tune-probe' " + args);
  INFO(p.err);
  REQUIRE(p.exit_code == 0);
  write(dir + "/probe.txt", p.out);  // what `> probe.txt` on the board keeps
  RunResult b = run_shell("cd '" + dir + "' && '" + smolc_bin() + "' " + again);
  INFO(b.out << b.err);
  REQUIRE(b.exit_code == 0);
  const tune::Tuning t = tune::read_tuning(file);
  CHECK(t.target == "aarch64");
  REQUIRE(!t.shapes.empty());
  for (const auto& s : t.shapes) CHECK(s.gemv_default_ns > 0);
}

TEST_CASE("run --tune and bench --tune use the tuned engine, cached under its own key") {
  if (!host_supports(Isa::AVX2)) return;
  const std::string dir = temp_dir("tune_run_bench");
  const std::string cache = dir + "/cache";
  const std::string file = forced_file(Format::F32, dir + "/f32.json");
  const std::string env = "SMOLC_CACHE_DIR='" + cache + "' '" + smolc_bin() + "' ";
  // The forced 8-row, 4-token tiles still print the published story.
  RunResult r = run_shell(env + "run " + model_arg() + " --f32 --target avx2 --tune '" + file + "' --temp 0 -n 256 -q");
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(r.out == published_story() + "\n");
  RunResult plain = run_shell(env + "run " + model_arg() + " --f32 --target avx2 --temp 0 -n 256 -q");
  REQUIRE(plain.exit_code == 0);
  CHECK(plain.out == r.out);
  // Two engines: the tuned one with the file's hash and its kernels, and the default.
  size_t tuned = 0, untuned = 0;
  for (const auto& e : std::filesystem::directory_iterator(cache + "/engines")) {
    const std::string m = read_file(e.path().string() + "/manifest.json");
    if (m.find(tune::tuning_hash(file)) == std::string::npos) {
      ++untuned;
      continue;
    }
    ++tuned;
    CHECK(run_shell("ls '" + e.path().string() + "/src'").out.find("-8r4t-avx2") != std::string::npos);
  }
  CHECK(tuned == 1);
  CHECK(untuned == 1);

  // bench --tune measures that engine and says which file it used.
  RunResult b = run_shell(env + "bench " + model_arg() + " --f32 --target avx2 --tune '" + file + "' --reps 1 --json");
  INFO(b.err);
  REQUIRE(b.exit_code == 0);
  const nlohmann::json j = nlohmann::json::parse(b.out);
  CHECK(j["tune"] == file);
  CHECK(j["pp512"].get<double>() > 0);
  CHECK(read_file(j["engine_dir"].get<std::string>() + "/manifest.json").find(tune::tuning_hash(file)) !=
        std::string::npos);
  // A file for another target is refused by run and bench alike.
  for (const char* cmd : {"run -n 4", "bench --prepare"}) {
    RunResult w = run_shell(env + cmd + " " + model_arg() + " --f32 --target scalar --tune '" + file + "'");
    INFO(cmd << ": " << w.err);
    CHECK(w.exit_code == 2);
    CHECK(w.err.find("avx2") != std::string::npos);
  }
}
