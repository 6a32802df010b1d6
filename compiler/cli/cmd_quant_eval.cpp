// `smolc quant-eval MODEL`: logits error of every quantised format against the
// f32 reference engine, as markdown table rows (tools/quant_quality.sh puts
// them into docs/quant-formats.md). See docs/quant-formats.md.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <memory>
#include <string>

#include "cli/command.h"
#include "cli/number_option.h"
#include "frontend/checkpoint.h"
#include "frontend/error.h"
#include "quantize/quant_eval.h"
#include "text/tokenizer.h"

namespace {

// The text of the 128-token prompt: plain English prose, repeated if the
// tokenizer needs more.
constexpr const char* kPromptText =
    "The old lighthouse keeper climbed the spiral stairs every evening at dusk. He trimmed the wick, "
    "polished the great lens and wrote the weather into a leather notebook: wind from the north-east, "
    "a falling barometer, three fishing boats still out past the reef. His granddaughter, who spent her "
    "summers on the island, counted the seconds between the flashes and asked why ships needed light "
    "when they had radios and satellites. Because machines fail, he said, and the sea does not care "
    "how clever we are. Later that night the fog rolled in, thick as wool, and the foghorn began its "
    "long low call across the water.";

struct Args {
  std::string model;
  int prompt_tokens = 128;
  int greedy = 0;
  bool weights = false;
  bool allow_nonfinite = false;
  bool fold_gains = false;
  bool no_calibrate = false;
  int calibration_tokens = smolc::quant::kCalibrationTokens;
};

std::vector<int32_t> prompt_ids(const smolc::Checkpoint& ck, int n) {
  smolc::Tokenizer tok(ck.tokenizer);
  const std::vector<int32_t> text = tok.encode(kPromptText);
  std::vector<int32_t> ids;
  if (ck.cfg.bos_id >= 0) ids.push_back(static_cast<int32_t>(ck.cfg.bos_id));
  while (static_cast<int>(ids.size()) < n && !text.empty())
    for (size_t i = 0; i < text.size() && static_cast<int>(ids.size()) < n; ++i) ids.push_back(text[i]);
  return ids;
}

smolc::cli::Register reg(
    {"quant-eval", "Measure quantised formats against the f32 reference engine", [](CLI::App& sub) {
       auto a = std::make_shared<Args>();
       sub.add_option("model", a->model, "Model directory or file")->required();
       smolc::cli::add_number(sub, "--prompt-tokens", a->prompt_tokens,
                              "Evaluate a fixed English prompt of this many tokens (default 128)", 1,
                              smolc::cli::kIntMax);
       smolc::cli::add_number(sub, "--greedy", a->greedy,
                              "Instead: evaluate along the f32 greedy continuation of BOS for N tokens", 0,
                              smolc::cli::kIntMax);
       sub.add_flag("--weights", a->weights, "Also print the weight-only NMSE with f16 and f32 scales");
       sub.add_flag("--allow-nonfinite", a->allow_nonfinite, "Quantise NaN/Inf weights as 0 instead of refusing");
       sub.add_flag("--fold-gains", a->fold_gains,
                    "Measurement: fold RMSNorm gains into the weights before quantising (the engine does not)");
       sub.add_flag("--no-calibrate", a->no_calibrate,
                    "Weigh columns by the norm gain^2 only, as `smolc compile --no-calibrate` does");
       smolc::cli::add_number(
           sub, "--calibration-tokens", a->calibration_tokens,
           "Self-calibration: sampled tokens whose activations weigh the q8/q4 scale searches (default " +
               std::to_string(smolc::quant::kCalibrationTokens) + ")",
           1, 1 << 20);
       return std::function<int()>([a] {
         using namespace smolc;
         Checkpoint ck = load_checkpoint(a->model);
         const RefWeights w = RefWeights::from_checkpoint(ck);
         const ModelConfig& c = ck.cfg;
         std::vector<int32_t> ids, story;  // story: the f32 greedy continuation (--greedy)
         if (a->greedy > 0) {
           if (c.bos_id < 0) throw InputError(a->model, "--greedy", "the model has no BOS token to start from");
           const int ctx = static_cast<int>(std::min<int64_t>(a->greedy + 1, c.max_seq_len));
           ReferenceEngine e(c, w, ctx);
           story = quant::greedy_tokens(e, static_cast<int32_t>(c.bos_id), ctx - 1, -1);
           ids = story;
           ids.insert(ids.begin(), static_cast<int32_t>(c.bos_id));
           ids.pop_back();  // the last choice is never fed back
         } else {
           if (a->prompt_tokens < 1 || a->prompt_tokens > c.max_seq_len)
             throw InputError(
                 "--prompt-tokens", "",
                 std::to_string(a->prompt_tokens) + " is out of range, expected 1.." + std::to_string(c.max_seq_len));
           ids = prompt_ids(ck, a->prompt_tokens);
         }
         const int n = static_cast<int>(ids.size());
         ReferenceEngine ref(c, w, n);
         const std::vector<float> want = ref.prefill(ids.data(), n);
         const bool greedy = !story.empty();
         // With --greedy: where each format's own greedy continuation first leaves
         // the f32 one (position in the continuation, f32 top-2 margin there).
         std::printf("| format | body | lm_head | logits NMSE | mean KL (nats) | top-1 agreement |%s\n",
                     greedy ? " greedy story |" : "");
         std::printf("|---|---|---|---|---|---|%s\n", greedy ? "---|" : "");
         quant::QuantOptions opt;
         opt.allow_nonfinite = a->allow_nonfinite;
         if (a->calibration_tokens < 1)
           throw InputError("--calibration-tokens", std::to_string(a->calibration_tokens), "expected at least 1");
         quant::Calibration cal;
         // As `smolc compile` quantises by default (folded gains take no importance).
         if (!a->no_calibrate && !a->fold_gains) cal = quant::calibrate(c, w, a->calibration_tokens);
         for (quant::Variant v : quant::standard_variants()) {
           v.fold_gains = a->fold_gains;
           auto e = quant::make_quant_engine(c, w, v, n, opt, &cal);
           const quant::LogitMetrics m = quant::compare_logits(want, e->prefill(ids.data(), n), c.vocab_size);
           std::string departure;
           if (greedy) {
             const std::vector<int32_t> mine =
                 quant::greedy_tokens(*e, static_cast<int32_t>(c.bos_id), static_cast<int>(story.size()), -1);
             const quant::Departure d = quant::first_departure(story, mine, want, c.vocab_size);
             char buf[96];
             if (d.position < 0)
               std::snprintf(buf, sizeof buf, " unchanged |");
             else
               std::snprintf(buf, sizeof buf, " leaves at %d (f32 margin %.4f) |", d.position, d.f32_margin);
             departure = buf;
           }
           std::printf("| %s | %s | %s | %.3e | %.3e | %.4f (%d positions) |%s\n", v.label.c_str(),
                       quant::quant_name(v.body, v.q4_0), quant::quant_name(v.lm_head, v.q4_0), m.nmse, m.mean_kl,
                       m.top1, n, departure.c_str());
           std::fflush(stdout);
         }
         if (a->weights) {
           std::printf("\n| format | weight NMSE, f16 scale | weight NMSE, f32 scale |\n|---|---|---|\n");
           for (auto [f, q4_0] : {std::pair{Format::Q8, false}, {Format::Q4, false}, {Format::Q4, true}}) {
             quant::QuantOptions f16_scale, f32_scale;
             f16_scale.q4_0 = f32_scale.q4_0 = q4_0;
             f32_scale.f32_scale = true;
             std::printf("| %s | %.4e | %.4e |\n", quant::quant_name(f, q4_0),
                         quant::weight_nmse(c, w, f, f16_scale, a->fold_gains),
                         quant::weight_nmse(c, w, f, f32_scale, a->fold_gains));
           }
         }
         return 0;
       });
     }});

}  // namespace
