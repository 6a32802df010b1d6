// Compiled q8 / q4 / q16 engines (smolc compile -> static library -> C harness)
// against two truths: the reference engine computing with the same quantised
// weights and activations (quant::make_quant_engine, scalar and independent of
// the templates), and the f32 reference engine with the quality gates.
#include <stdlib.h>

#include <catch2/catch.hpp>
#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <map>

#include "emit/kernel_api.h"
#include "engine_fixture.h"
#include "quant_fixture.h"
#include "frontend/error.h"
#include "ir/graph.h"
#include "passes/passes.h"
#include "quantize/quant_eval.h"
#include "reference/npy.h"
#include "support/hf_fixtures.h"
#include "support/published_story.h"
#include "schedule/schedule.h"
#include "text/tokenizer.h"

using namespace smolc;
using namespace smolc::test;

namespace {

std::string stories_model() { return stories_dir() + "/stories260K.bin"; }
std::string stories_args(const std::string& rest) { return "'--tokenizer=" + stories_dir() + "/tok512.bin' " + rest; }

const std::vector<int32_t> kTinyPrompt = {1, 100, 2000, 30000, 5, 77, 49151, 0, 12, 13, 9000, 42, 7, 31000, 2, 3, 4, 5, 6};

std::string story_text(const Checkpoint& ck, const std::vector<int32_t>& tokens) {
  Tokenizer tok(ck.tokenizer);
  std::string text;
  int32_t prev = 1;
  for (int32_t t : tokens) {
    if (t == 1) break;  // llama2.c stops at BOS
    text += tok.token_bytes(prev, t);
    prev = t;
  }
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

}  // namespace

TEST_CASE("tiny q8 q4 q16 engines (scalar and avx2) compute what the quantised reference engine computes") {
  const std::string model = make_synth("qeng_model", "tiny", 7, "f32");
  Checkpoint ck = load_checkpoint(model);
  for (const std::string target : {"scalar", "avx2"}) {
    if (target == "avx2" && !host_supports(Isa::AVX2)) continue;
    for (const std::string fmt : {"q8", "q4", "q16"}) {
      INFO("format " << fmt << ", target " << target);
      Engine e = compile_engine(model, "--" + fmt + " --ctx 128 --target " + target, "tq_" + fmt + "_" + target, "qeng");
      EngineRun run = run_engine(e, kTinyPrompt, 24, 1, 16);
      const double err = nmse_all(run, quant_reference(ck, variant(fmt), kTinyPrompt, run.tokens, 128));
      std::printf("%s %s: NMSE against the quantised reference %.3g\n", fmt.c_str(), target.c_str(), err);
      // Only the order of f32 block sums differs, and through it the rounding
      // of an occasional int8 activation.
      CHECK(err <= 1e-6);
    }
  }
}

TEST_CASE("compiled quantised engines pass the quality gates against the f32 reference (tiny, 64 steps)") {
  const std::string model = make_synth("qgate_model", "tiny", 11, "f32");
  Checkpoint ck = load_checkpoint(model);
  std::map<std::string, double> err;
  std::vector<int32_t> picks;
  for (const std::string fmt : {"q16", "q8", "q4", "q4 --q4-all"}) {
    const std::string name = fmt == "q16" ? "tg_q16" : fmt == "q8" ? "tg_q8" : fmt == "q4" ? "tg_q4" : "tg_q4all";
    Engine e = compile_engine(model, "--" + fmt + " --ctx 128 --target native", name, "qgate");
    EngineRun run = run_engine(e, kTinyPrompt, 64, 1, 16);
    // Against the f32 reference fed the same picks.
    err[fmt] = nmse_all(run, reference_logits(ck, kTinyPrompt, run.tokens, 128));
    if (fmt == "q4") picks = run.tokens;
    std::printf("%s: NMSE against f32 %.3g\n", fmt.c_str(), err[fmt]);
  }
  CHECK(err["q16"] <= 1e-5);
  CHECK(err["q8"] <= 2e-3);
  // q4 against a Q4_0-style (max-abs scale) quantisation of the same weights
  // with the same lm_head policy, computed here by the reference engine.
  auto f32 = reference_logits(ck, kTinyPrompt, picks, 128);
  auto q4_0 = quant_reference(ck, variant("q4_0"), kTinyPrompt, picks, 128);
  EngineRun as_run{picks, {}};
  for (const auto& row : q4_0) as_run.logits.insert(as_run.logits.end(), row.begin(), row.end());
  const double q4_0_err = nmse_all(as_run, f32);
  std::printf("Q4_0-style: NMSE against f32 %.3g\n", q4_0_err);
  CHECK(err["q4"] < q4_0_err);
}

TEST_CASE("q8 engine: thread counts 1 2 3 give bit-identical logits") {
  const std::string model = make_synth("qthr_model", "tiny", 7, "f32");
  Engine e = compile_engine(model, "--q8 --ctx 128 --target native", "tq_thr", "qthr");
  EngineRun one = run_engine(e, kTinyPrompt, 12, 1, 16);
  for (int threads : {2, 3}) {
    EngineRun r = run_engine(e, kTinyPrompt, 12, threads, 16);
    CHECK(r.tokens == one.tokens);
    CHECK(std::memcmp(r.logits.data(), one.logits.data(), one.logits.size() * sizeof(float)) == 0);
  }
}

// The published story cannot survive q8 (measured: tests/quant/test_quality.cpp
// shows the departure comes only at an f32 near-tie, which is what q8 can
// promise). The compiled engine must compute what the reference engine
// computes with the same q8 weights and activations: teacher-forced along the
// reference's q8 story, the logits agree closely, and the greedy story of the
// compiled engine leaves the reference's, if at all, only at a near-tie of
// that story (the two sum in different orders, which can move an int8
// activation across a rounding boundary).
TEST_CASE("stories260K compiled at q8 computes the quantised reference engine's logits along its story") {
  Checkpoint ck = load_checkpoint(stories_model(), stories_dir() + "/tok512.bin");
  const size_t V = static_cast<size_t>(ck.cfg.vocab_size);
  const RefWeights w = RefWeights::from_checkpoint(ck);
  const quant::Calibration cal = quant::calibrate(ck.cfg, w, quant::kCalibrationTokens);
  auto ref = quant::make_quant_engine(ck.cfg, w, variant("q8"), 256, {}, &cal);
  const std::vector<int32_t> story = quant::greedy_tokens(*ref, 1, 255, -1);
  std::vector<int32_t> ids = story;
  ids.insert(ids.begin(), 1);
  ids.pop_back();  // 255 positions predicting story[0..255)
  ref->reset();
  const std::vector<float> want = ref->prefill(ids.data(), static_cast<int>(ids.size()));

  // Teacher-forced through `smolc run --q8 --dump-logits` (a cached compiled engine).
  const std::string dir = temp_dir("qstory_run");
  ::setenv("SMOLC_CACHE_DIR", (dir + "/cache").c_str(), 1);
  std::string list;
  for (int32_t t : ids) list += (list.empty() ? "" : ",") + std::to_string(t);
  RunResult r = run_smolc("run '" + stories_model() + "' '--tokenizer=" + stories_dir() +
                          "/tok512.bin' --q8 --temp 0 -n 1 --prompt-ids " + list + " --dump-logits '" + dir + "/q8.npy'");
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  const NpyF32 got = read_npy_f32(dir + "/q8.npy");
  REQUIRE(static_cast<size_t>(got.rows) == ids.size());
  double num = 0, den = 0, ss = 0;
  std::vector<double> margin(ids.size());
  for (size_t p = 0; p < ids.size(); ++p) {
    const float* a = want.data() + p * V;
    const float* b = got.data.data() + p * V;
    for (size_t i = 0; i < V; ++i) {
      num += (double(b[i]) - a[i]) * (double(b[i]) - a[i]);
      den += double(a[i]) * a[i];
    }
    const size_t top = static_cast<size_t>(std::max_element(a, a + V) - a);
    size_t second = top == 0 ? 1 : 0;
    for (size_t k = 0; k < V; ++k)
      if (k != top && a[k] > a[second]) second = k;
    margin[p] = a[top] - a[second];
    const double change = (double(b[top]) - b[second]) - margin[p];
    ss += change * change;
  }
  const double noise = std::sqrt(ss / double(ids.size()));
  std::printf("compiled q8 vs reference q8 along its story: NMSE %.3g, top-2 margin noise %.3g\n", num / den, noise);
  // Measured 3.8e-5 (avx2) and 2.2e-5 (scalar): the first positions agree to ~1e-14, later ones drift
  // as int8 roundings flip; q8 against f32 is ~1e-4 (docs/quant-formats.md).
  CHECK(num / den <= 1e-4);

  // Free-running greedy: leaves the reference story only where its margin is within the noise.
  Engine e = compile_engine(stories_model(), stories_args("--q8 --target native"), "st_q8", "qstory");
  EngineRun run = run_engine(e, {1}, 255, 1, 16);
  REQUIRE(run.tokens.size() == story.size());
  CHECK(story_text(ck, run.tokens).rfind("Once upon a time", 0) == 0);
  size_t p = 0;
  while (p < story.size() && run.tokens[p] == story[p]) ++p;
  if (p == story.size()) return;
  std::printf("compiled q8 story departs at token %zu (reference margin %.4g)\n", p, margin[p]);
  CHECK(margin[p] < 4 * noise);
}

TEST_CASE("keep rules put matching tensors in their own format and lower the error") {
  const std::string model = make_synth("qkeep_model", "tiny", 7, "f32");
  Checkpoint ck = load_checkpoint(model);
  Engine plain = compile_engine(model, "--q4 --q4-all --ctx 128 --target native", "tk_plain", "qkeep");
  Engine kept = compile_engine(model, "--q4 --q4-all --keep 'layers.0.*=bf16' --keep lm_head=q16 --ctx 128 --target native",
                               "tk_kept", "qkeep");
  // The engine source names each projection's format and kernels.
  const std::string src = read_file(kept.dir + "/src/tk_kept-engine-" +
                                    std::string(isa_name(detect_host_isa())) + ".cpp");
  CHECK(src.find("layers.0.wqkv [") != std::string::npos);
  CHECK(src.find("] bf16") != std::string::npos);
  CHECK(src.find("] q16") != std::string::npos);
  CHECK(src.find("] q4") != std::string::npos);
  CHECK(src.find("bf16_gemv") != std::string::npos);
  CHECK(src.find("q16_gemv") != std::string::npos);
  EngineRun a = run_engine(plain, kTinyPrompt, 8, 1, 16);
  EngineRun b = run_engine(kept, kTinyPrompt, 8, 1, 16);
  const double ea = nmse_all(a, reference_logits(ck, kTinyPrompt, a.tokens, 128));
  const double eb = nmse_all(b, reference_logits(ck, kTinyPrompt, b.tokens, 128));
  std::printf("q4: NMSE %.3g; with layer 0 bf16 and lm_head q16: %.3g\n", ea, eb);
  CHECK(eb < ea);
}

TEST_CASE("quantised compile refuses bad format options and non-finite weights with exit code 2") {
  const std::string model = make_synth("qbad_model", "tiny", 7, "f32");
  struct Case {
    std::string args, expect;
  };
  const Case cases[] = {
      {"--q8 --keep 'layerz.*=bf16'", "matches no tensor"},
      {"--q8 --keep 'layers.0.self_attn.q_proj=bf16'", "matches only part of the fused projection"},
      {"--q8 --keep lm_head", "expected PATTERN=FORMAT"},
      {"--q8 --keep lm_head=q5", "'q5' is not a format"},
      {"--q8 --q4-all", "only applies to --q4"},
      {"--q8 --q4", "give one of"},
      {"--keep lm_head=q8", "needs a format flag"},
  };
  for (const Case& c : cases) {
    RunResult r = run_smolc("compile '" + model + "' " + c.args + " --emit-only -o '" + temp_dir("qbad_out") + "'");
    INFO(c.args << " -> " << r.err);
    CHECK(r.exit_code == 2);
    CHECK(r.err.find(c.expect) != std::string::npos);
  }
  // A NaN in one weight: refused with the tensor's name, or quantised as 0 when allowed.
  const std::string st = model + "/model.safetensors";
  StFile f = read_st(st);
  const std::string tensor = "model.layers.1.mlp.down_proj.weight";
  const size_t off = f.header.at(tensor).at("data_offsets").at(0).get<size_t>() + 4 * 17;
  const float nan = std::nanf("");
  std::memcpy(&f.data[off], &nan, 4);
  write_st(st, f);
  RunResult r = run_smolc("compile '" + model + "' --q8 --emit-only -o '" + temp_dir("qbad_nan") + "'");
  INFO(r.err);
  CHECK(r.exit_code == 2);
  CHECK(r.err.find(tensor) != std::string::npos);
  r = run_smolc("compile '" + model + "' --q8 --allow-nonfinite --emit-only -o '" + temp_dir("qbad_nan") + "'");
  INFO(r.err);
  CHECK(r.exit_code == 0);
}

TEST_CASE("a target without kernels for a format refuses it, naming both") {
  Checkpoint ck = load_checkpoint(make_synth("qtarget_model", "tiny", 7, "f32"));
  ir::Graph g = passes::run_all(ir::build_llama_graph(ck.cfg), 16, false);
  schedule::TargetDesc t = schedule::find_target("scalar");
  t.formats = {Format::F32, Format::Q8};
  schedule::FormatPlan plan;
  plan.base = Format::Q4;  // lm_head stays q8, the body needs q4 kernels
  try {
    schedule::make_schedule(g, t, plan);
    FAIL("no error");
  } catch (const InputError& e) {
    CHECK(std::string(e.what()).find("target scalar has no q4 kernels") != std::string::npos);
  }
  plan.base = Format::Q8;
  CHECK(schedule::make_schedule(g, t, plan).matmul.at("lm_head").fmt == Format::Q8);
}
