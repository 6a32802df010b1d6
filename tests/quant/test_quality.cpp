// Quality gates: the reference engine computing with quantised weights and
// activations exactly as the kernels do (self-calibrated, as `smolc compile`
// quantises by default), against the f32 reference engine
// (docs/quant-formats.md has the measured table).
#include <catch2/catch.hpp>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "frontend/checkpoint.h"
#include "quantize/quant_eval.h"
#include "reference/golden.h"
#include "support/published_story.h"
#include "support/test_support.h"
#include "text/tokenizer.h"

using namespace smolc;
using namespace smolc::quant;
using namespace smolc::test;

namespace {

// The compiled engine's default calibration of ck (quantize/calibrate.h).
Calibration default_calibration(const Checkpoint& ck) {
  return calibrate(ck.cfg, RefWeights::from_checkpoint(ck), kCalibrationTokens);
}

std::map<std::string, LogitMetrics> measure(const Checkpoint& ck, const std::vector<int32_t>& ids,
                                            const Calibration* cal) {
  const RefWeights w = RefWeights::from_checkpoint(ck);
  const int n = static_cast<int>(ids.size());
  ReferenceEngine ref(ck.cfg, w, n);
  const std::vector<float> want = ref.prefill(ids.data(), n);
  std::map<std::string, LogitMetrics> out;
  for (const Variant& v : standard_variants()) {
    auto e = make_quant_engine(ck.cfg, w, v, n, {}, cal);
    out[v.label] = compare_logits(want, e->prefill(ids.data(), n), ck.cfg.vocab_size);
    INFO(v.label << ": NMSE " << out[v.label].nmse << ", KL " << out[v.label].mean_kl << ", top-1 "
                 << out[v.label].top1);
    CHECK(out[v.label].nmse > 0);  // the quantised path really ran
  }
  return out;
}

// q4_margin, q4_all_margin: how far below Q4_0's logits NMSE q4's and
// q4 --q4-all's must be (fractions).
void check_gates(const std::map<std::string, LogitMetrics>& m, double q4_margin, double q4_all_margin) {
  for (const auto& [label, x] : m) {
    INFO(label << " NMSE " << x.nmse << " KL " << x.mean_kl << " top-1 " << x.top1);
    std::printf("%s NMSE %.4g KL %.4g top-1 %.4f\n", label.c_str(), x.nmse, x.mean_kl, x.top1);
  }
  CHECK(m.at("q16").nmse <= 1e-5);
  CHECK(m.at("q8").nmse <= 2e-3);
  // q4 against the Q4_0-style max-abs quantisation of the same weights, with
  // the same lm_head policy.
  CHECK(m.at("q4").nmse < (1 - q4_margin) * m.at("q4_0").nmse);
  CHECK(m.at("q4 --q4-all").nmse < (1 - q4_all_margin) * m.at("q4_0 all").nmse);
}

// llama2.c -t 0.0: 256 forward passes from BOS, printing each chosen token.
std::string story_under(const Checkpoint& ck, const Variant& v) {
  const Calibration cal = default_calibration(ck);
  auto e = make_quant_engine(ck.cfg, RefWeights::from_checkpoint(ck), v, 256, {}, &cal);
  const std::vector<int32_t> story = greedy_tokens(*e, 1, 256, 1);
  Tokenizer tok(ck.tokenizer);
  std::string text;
  int32_t prev = 1;
  for (int32_t id : story) {
    if (id == 1) break;
    text += tok.token_bytes(prev, id);
    prev = id;
  }
  return text;
}

Variant variant(const std::string& label) {
  for (const Variant& v : standard_variants())
    if (v.label == label) return v;
  FAIL("no variant " << label);
  return {};
}

}  // namespace

TEST_CASE("quality gates on the tiny synthetic model (64-token prompt)") {
  Checkpoint ck = load_checkpoint(make_tiny_synth("quant_quality_tiny"));
  std::vector<int32_t> ids;
  for (int i = 0; i < 64; ++i) ids.push_back(static_cast<int32_t>((i * 7919 + 1) % ck.cfg.vocab_size));
  const Calibration cal = default_calibration(ck);
  // Measured: q4 34 % below Q4_0, --q4-all 13 % below (gain rule: 27 %, 10 %).
  check_gates(measure(ck, ids, &cal), 0.05, 0.05);
}

TEST_CASE("quality gates on stories260K along its greedy story") {
  Checkpoint ck = load_checkpoint(stories_dir() + "/stories260K.bin");
  const RefWeights w = RefWeights::from_checkpoint(ck);
  ReferenceEngine ref(ck.cfg, w, 256);
  std::vector<int32_t> ids = greedy_tokens(ref, 1, 255, -1);
  ids.insert(ids.begin(), 1);
  REQUIRE(ids.size() == 256);
  const Calibration cal = default_calibration(ck);
  // Measured: q4 8.5 % below Q4_0 (1.035e-2 vs 1.131e-2), --q4-all 5.3 %
  // (docs/quant-formats.md); the gate asks for 4 % and for below.
  const auto m = measure(ck, ids, &cal);
  check_gates(m, 0.04, 0.0);
  // Against the gain rule (--no-calibrate): the calibration lowers q4's
  // logits error. Measured NMSE 1.035e-2 vs 1.120e-2, KL 0.042 vs 0.054;
  // the KL drop held for every token count 16..256 tried.
  const auto g = measure(ck, ids, nullptr);
  CHECK(m.at("q4").nmse < g.at("q4").nmse);
  CHECK(m.at("q4").mean_kl < 0.9 * g.at("q4").mean_kl);
  CHECK(m.at("q4 --q4-all").mean_kl < 0.9 * g.at("q4 --q4-all").mean_kl);
}

TEST_CASE("stories260K's published greedy story is unchanged under q16") {
  Checkpoint ck = load_checkpoint(stories_dir() + "/stories260K.bin");
  CHECK(story_under(ck, variant("q16")) == published_story());
}

// What q8 can promise instead of the whole story (measured, docs/quant-formats.md):
// the f32 story has top-2 logit margins down to 0.0042 (position 185), while
// q8 weights with int8 activations move top-2 margins by about 0.09 rms, so
// the story survives only by luck (~1-2 %). The test asserts that q8's greedy
// story leaves the f32 one, if at all, only at a near-tie: where the f32
// top-2 margin is below twice the q8 margin noise measured along the story.
TEST_CASE("under q8 the greedy story departs from f32 only at a near-tie") {
  Checkpoint ck = load_checkpoint(stories_dir() + "/stories260K.bin");
  const RefWeights w = RefWeights::from_checkpoint(ck);
  const int64_t V = ck.cfg.vocab_size;
  ReferenceEngine ref(ck.cfg, w, 256);
  const std::vector<int32_t> story = greedy_tokens(ref, 1, 256, 1);
  REQUIRE(story.size() == 256);
  std::vector<int32_t> ids = story;
  ids.insert(ids.begin(), 1);
  ids.pop_back();
  ref.reset();
  const std::vector<float> f32 = ref.prefill(ids.data(), 256);
  const Calibration cal = default_calibration(ck);
  auto e = make_quant_engine(ck.cfg, w, variant("q8"), 256, {}, &cal);
  const std::vector<float> q8 = e->prefill(ids.data(), 256);
  // rms change of the f32 top-2 margin under q8, teacher-forced along the story.
  double ss = 0;
  std::vector<double> margin(256);
  for (size_t p = 0; p < 256; ++p) {
    const float* a = f32.data() + p * static_cast<size_t>(V);
    const float* b = q8.data() + p * static_cast<size_t>(V);
    const int64_t top = std::max_element(a, a + V) - a;
    int64_t second = top == 0 ? 1 : 0;
    for (int64_t k = 0; k < V; ++k)
      if (k != top && a[k] > a[second]) second = k;
    margin[p] = a[top] - a[second];
    const double change = (b[top] - b[second]) - margin[p];
    ss += change * change;
  }
  const double noise = std::sqrt(ss / 256);
  const Departure d = first_departure(story, greedy_tokens(*e, 1, 256, -1), f32, V);
  INFO("q8 margin noise " << noise << ", departure at " << d.position << " (f32 margin " << d.f32_margin << ")");
  CHECK(noise > 0);
  CHECK(noise < 0.2);
  if (d.position >= 0) CHECK(d.f32_margin < 2 * noise);
  // And not before the first position whose f32 margin is within the noise.
  size_t first_tie = 0;
  while (first_tie < 256 && margin[first_tie] >= noise) ++first_tie;
  INFO("first f32 margin below the noise at " << first_tie);
  CHECK((d.position < 0 || d.position >= static_cast<int>(first_tie)));
}

// The gate, with the compiled engine's default quantisation (self-
// calibrated q8). It holds, but not by a margin (docs/quant-formats.md): the
// gain rule (--no-calibrate) leaves the story at token 114, and calibrations
// from 16, 32, 128 or 256 tokens instead of the default 64 leave it between
// tokens 20 and 192 at near-ties. A change of the calibration or of the q8
// search can therefore fail this test without making q8 worse; then measure
// (tools/quant_quality.sh) before deciding.
TEST_CASE("stories260K's published greedy story is unchanged under q8 (quantised weights and activations)") {
  Checkpoint ck = load_checkpoint(stories_dir() + "/stories260K.bin");
  CHECK(story_under(ck, variant("q8")) == published_story());
}

TEST_CASE("smolc quant-eval prints one row per format and refuses a bad prompt length") {
  const std::string dir = make_tiny_synth("quant_eval_cli");
  RunResult r = run_smolc("quant-eval '" + dir + "' --prompt-tokens 16");
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  for (const char* row : {"| q16 |", "| q8 |", "| q4 |", "| q4_0 |", "| q4 --q4-all |", "| q4_0 all |"})
    CHECK(r.out.find(row) != std::string::npos);
  r = run_smolc("quant-eval '" + dir + "' --prompt-tokens 0");
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("--prompt-tokens") != std::string::npos);
}

TEST_CASE("smolc quant-eval --greedy reports where each format's story departs, and --fold-gains measures folding") {
  const std::string model = "'" + stories_dir() + "/stories260K.bin'";
  RunResult r = run_smolc("quant-eval " + model + " --greedy 120");
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(r.out.find("| greedy story |") != std::string::npos);
  auto row = [](const std::string& out, const std::string& label) {
    const size_t at = out.find("| " + label + " |");
    return at == std::string::npos ? std::string() : out.substr(at, out.find('\n', at) - at);
  };
  CHECK(row(r.out, "q16").find("| unchanged |") != std::string::npos);
  CHECK(row(r.out, "q8").find("| unchanged |") != std::string::npos);
  // Without calibration, q8 keeps the first 114 tokens (docs/quant-formats.md), so 120 reach its departure.
  RunResult plain = run_smolc("quant-eval " + model + " --greedy 120 --no-calibrate");
  REQUIRE(plain.exit_code == 0);
  CHECK(row(plain.out, "q8").find("| leaves at 114 (f32 margin 0.0423) |") != std::string::npos);
  CHECK(run_smolc("quant-eval " + model + " --calibration-tokens 0").exit_code == 2);
  RunResult folded = run_smolc("quant-eval " + model + " --greedy 120 --fold-gains");
  REQUIRE(folded.exit_code == 0);
  CHECK(row(folded.out, "q8") != row(r.out, "q8"));
  CHECK(!row(folded.out, "q8").empty());
}
