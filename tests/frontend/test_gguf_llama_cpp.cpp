// llama.cpp as the independent truth for GGUF: golden logits made by
// tools/golden/llama_cpp_logits.sh (llama.cpp evaluating the GGUF smolc writes
// from `synth --preset tiny --seed 7`). If the reader, the writer or the Q/K
// row permutation were wrong, positions after the first would disagree
// (RoPE is the identity at position 0).
#include <catch2/catch.hpp>
#include <cmath>

#include "frontend/checkpoint.h"
#include "frontend/npy_file.h"
#include "reference/reference_engine.h"
#include "support/test_support.h"

using namespace smolc;

namespace {

const std::vector<int32_t> kTokens = {1, 200, 3000, 17, 45000, 9, 31337, 2};
constexpr int kStride = 16;  // the golden file keeps every 16th vocabulary column
// llama.cpp sums in other orders (SIMD, blocked matmuls) and uses its own expf;
// measured max |diff| is 1.2e-7 on logits of magnitude ~0.5 (without the
// Q/K permutation it is 5.5e-3).
constexpr float kTol = 1e-5f;

float max_diff_to_golden(const Checkpoint& ck, const test::NpyF32& golden) {
  ReferenceEngine eng(ck.cfg, RefWeights::from_checkpoint(ck), 16);
  const std::vector<float> logits = eng.prefill(kTokens.data(), static_cast<int>(kTokens.size()));
  const int64_t vocab = ck.cfg.vocab_size, cols = golden.shape[1];
  REQUIRE(cols * kStride == vocab);
  float worst = 0;
  for (size_t t = 0; t < kTokens.size(); ++t)
    for (int64_t c = 0; c < cols; ++c)
      worst = std::max(worst, std::fabs(logits[t * vocab + c * kStride] - golden.data[t * cols + c]));
  return worst;
}

}  // namespace

TEST_CASE("reference engine on smolc's GGUF and on the source safetensors matches llama.cpp's logits") {
  const std::string dir = test::temp_dir("gguf_llama_cpp");
  auto r = test::run_smolc("synth --preset tiny --seed 7 -o '" + dir + "/tiny'");
  REQUIRE(r.exit_code == 0);
  r = test::run_smolc("convert '" + dir + "/tiny' --to gguf --type f32 -o '" + dir + "/tiny.gguf'");
  REQUIRE(r.exit_code == 0);
  const test::NpyF32 golden = test::read_npy_f32(test::source_dir() + "/tests/data/gguf/tiny_seed7_llama_cpp.npy");
  REQUIRE(golden.shape == std::vector<int64_t>{8, 3072});

  const Checkpoint gg = load_gguf(dir + "/tiny.gguf");
  const float d_gguf = max_diff_to_golden(gg, golden);
  INFO("max |logit diff| GGUF vs llama.cpp: " << d_gguf);
  CHECK(d_gguf < kTol);

  const Checkpoint hf = load_checkpoint(dir + "/tiny");
  const float d_hf = max_diff_to_golden(hf, golden);
  INFO("max |logit diff| safetensors vs llama.cpp: " << d_hf);
  CHECK(d_hf < kTol);
}

TEST_CASE("llama.cpp reads smolc's Q8_0 and Q4_0 GGUFs as the reference engine does") {
  // llama.cpp multiplies quantised weights with activations it quantises to
  // Q8_0 itself, so agreement is approximate: measured max |diff| is 5.4e-3
  // (Q8_0) and 5.6e-3 (Q4_0) on logits of magnitude ~0.5; a misread block
  // layout gives far more (measured: Q4_0 nibbles swapped -> 0.70).
  const std::string dir = test::temp_dir("gguf_llama_cpp_quant");
  REQUIRE(test::run_smolc("synth --preset tiny --seed 7 -o '" + dir + "/tiny'").exit_code == 0);
  for (auto [type, tol] : {std::pair{"q8_0", 2e-2f}, {"q4_0", 2e-2f}}) {
    INFO(type);
    const std::string file = dir + "/tiny-" + type + ".gguf";
    REQUIRE(test::run_smolc("convert '" + dir + "/tiny' --to gguf --type " + type + " -o '" + file + "'").exit_code == 0);
    const test::NpyF32 golden =
        test::read_npy_f32(test::source_dir() + "/tests/data/gguf/tiny_seed7_" + type + "_llama_cpp.npy");
    const float d = max_diff_to_golden(load_gguf(file), golden);
    INFO("max |logit diff| vs llama.cpp: " << d);
    CHECK(d < tol);
  }
}

TEST_CASE("stories260K (llama2.c) converted to GGUF: same tensors and tokenizer, llama.cpp's logits") {
  const std::string dir = test::temp_dir("gguf_stories260K");
  const std::string src = test::stories_dir() + "/stories260K.bin";
  REQUIRE(test::run_smolc("convert '" + src + "' --to gguf -o '" + dir + "/s.gguf'").exit_code == 0);
  const Checkpoint a = load_checkpoint(src);
  const Checkpoint b = load_gguf(dir + "/s.gguf");
  REQUIRE(a.tensors.size() == b.tensors.size());
  for (const auto& [name, t] : a.tensors) {
    INFO(name);
    CHECK(b.get(name).shape == t.shape);
    CHECK(a.load_f32(name) == b.load_f32(name));
  }
  // SentencePiece tokenizer: pieces, scores and ids survive.
  CHECK(b.tokenizer.kind == TokenizerData::Kind::SentencePieceBPE);
  CHECK(b.tokenizer.vocab == a.tokenizer.vocab);
  CHECK(b.tokenizer.scores == a.tokenizer.scores);
  CHECK(b.tokenizer.bos_id == a.tokenizer.bos_id);
  CHECK(b.tokenizer.eos_id == a.tokenizer.eos_id);
  CHECK(b.tokenizer.added.size() == a.tokenizer.added.size());

  const test::NpyF32 golden = test::read_npy_f32(test::source_dir() + "/tests/data/gguf/stories260K_llama_cpp.npy");
  REQUIRE(golden.shape == std::vector<int64_t>{8, 512});
  const std::vector<int32_t> tokens = {1, 300, 400, 500, 42, 7, 260, 100};
  for (const Checkpoint* ck : {&a, &b}) {
    ReferenceEngine eng(ck->cfg, RefWeights::from_checkpoint(*ck), 16);
    const std::vector<float> logits = eng.prefill(tokens.data(), 8);
    float worst = 0, scale = 0;
    for (size_t i = 0; i < logits.size(); ++i) {
      worst = std::max(worst, std::fabs(logits[i] - golden.data[i]));
      scale = std::max(scale, std::fabs(golden.data[i]));
    }
    INFO(ck->format << ": max |logit diff| vs llama.cpp " << worst << " (logits up to " << scale << ")");
    CHECK(worst < 1e-4f);  // measured 7.6e-6 on logits up to 17
  }
}
