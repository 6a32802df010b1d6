// smolc's q8 (q4) on a GGUF Q8_0 (Q4_0) file against llama.cpp on the same
// file: golden logits tests/data/gguf/tiny_seed7_{q8_0,q4_0}_llama_cpp.npy
// (made by tools/golden/llama_cpp_logits.sh: node-llama-cpp evaluating the
// GGUF that `smolc convert` writes from `synth --preset tiny --seed 7`; every
// 16th vocabulary column). Both sides multiply the same blocks (smolc reuses
// them bit for bit) with int8 activations; they quantise the activations
// differently, which is the whole difference (measured below).
#include <catch2/catch.hpp>
#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>
#include <memory>
#include <tuple>

#include "frontend/checkpoint.h"
#include "frontend/dequant.h"
#include "frontend/npy_file.h"
#include "ir/graph.h"
#include "quantize/materialize_quant.h"
#include "quantize/quant_eval.h"
#include "support/test_support.h"

using namespace smolc;
using namespace smolc::quant;
using namespace smolc::test;

namespace {

const std::vector<int32_t> kTokens = {1, 200, 3000, 17, 45000, 9, 31337, 2};
constexpr int kStride = 16;  // the golden keeps every 16th vocabulary column

// The tiny model converted to GGUF `type` ("q8_0" or "q4_0"), once per type.
std::string tiny_gguf(const std::string& type) {
  static std::map<std::string, std::string> files;
  if (files.count(type)) return files[type];
  const std::string dir = temp_dir("quant_llama_cpp_" + type);
  REQUIRE(run_smolc("synth --preset tiny --seed 7 -o '" + dir + "/tiny'").exit_code == 0);
  const std::string file = dir + "/tiny-" + type + ".gguf";
  const RunResult r = run_smolc("convert '" + dir + "/tiny' --to gguf --type " + type + " -o '" + file + "'");
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  return files[type] = file;
}

const NpyF32& golden(const std::string& type = "q8_0") {
  static std::map<std::string, NpyF32> g;
  if (!g.count(type)) g[type] = read_npy_f32(source_dir() + "/tests/data/gguf/tiny_seed7_" + type + "_llama_cpp.npy");
  return g[type];
}

// Largest |logit - golden| over the golden's columns; logits [positions, vocab].
double max_diff_to_golden(const std::vector<float>& logits, int64_t vocab, const std::string& type = "q8_0") {
  const NpyF32& g = golden(type);
  REQUIRE(g.shape == std::vector<int64_t>{static_cast<int64_t>(kTokens.size()), vocab / kStride});
  REQUIRE(logits.size() == kTokens.size() * static_cast<size_t>(vocab));
  double worst = 0;
  for (size_t t = 0; t < kTokens.size(); ++t)
    for (int64_t c = 0; c < g.shape[1]; ++c)
      worst = std::max(worst, std::fabs(static_cast<double>(logits[t * static_cast<size_t>(vocab) + c * kStride]) -
                                        g.data[t * static_cast<size_t>(g.shape[1]) + static_cast<size_t>(c)]));
  return worst;
}

// ggml's Q8_0 activation quantiser, from its definition (quantize_row_q8_0):
// d = max|x| / 127 in f32, q = round-half-away(x * (1 / d)), d stored as f16.
// smolc's own (smolc_quantize_a8) keeps d in f32 and rounds half to even.
void ggml_q8_0_activations(const float* x, int64_t blocks, std::vector<int8_t>& q, std::vector<float>& d) {
  q.assign(static_cast<size_t>(blocks * 32), 0);
  d.assign(static_cast<size_t>(blocks), 0.0f);
  for (int64_t b = 0; b < blocks; ++b) {
    float amax = 0;
    for (int i = 0; i < 32; ++i) amax = std::max(amax, std::fabs(x[b * 32 + i]));
    const float db = amax / 127.0f, id = db != 0 ? 1.0f / db : 0.0f;
    for (int i = 0; i < 32; ++i) q[static_cast<size_t>(b * 32 + i)] = static_cast<int8_t>(std::round(x[b * 32 + i] * id));
    d[static_cast<size_t>(b)] = f16_to_f32(f32_to_f16(db));
  }
}

}  // namespace

// Q8_0 only: the same emulation with the Q4_0 file's blocks is 7.3e-3 from
// llama.cpp (its repacked CPU path for Q4_0 differs in a way this test does
// not model), so Q4_0 is covered by the compiled-engine test below only.
TEST_CASE("reused Q8_0 blocks times ggml-quantised activations reproduce llama.cpp's logits") {
 for (auto [type, fmt] : {std::pair{std::string("q8_0"), Format::Q8}}) {
  INFO(type);
  const Checkpoint ck = load_checkpoint(tiny_gguf(type));
  const ModelConfig& c = ck.cfg;
  // Every projection's blocks straight from the file, as the compiler packs them.
  auto mats = std::make_shared<std::map<std::pair<int, std::string>, QuantMatrix>>();
  const std::pair<const char*, const char*> kNames[] = {
      {"wq", "self_attn.q_proj.weight"}, {"wk", "self_attn.k_proj.weight"}, {"wv", "self_attn.v_proj.weight"},
      {"wo", "self_attn.o_proj.weight"}, {"w1", "mlp.gate_proj.weight"},    {"w2", "mlp.down_proj.weight"},
      {"w3", "mlp.up_proj.weight"}};
  auto add = [&](int layer, const std::string& key, const std::string& tensor) {
    const TensorInfo& t = ck.get(tensor);
    const ir::WeightRecipe w{{tensor}, {}, 0, t.rows(), t.row_len()};
    REQUIRE(reuses_gguf_blocks(ck, w, fmt));
    (*mats)[{layer, key}] = materialize_quant(ck, w, fmt);
  };
  for (int l = 0; l < c.n_layers; ++l)
    for (const auto& [key, suffix] : kNames) add(l, key, hf_layer_tensor(l, suffix));
  add(-1, "lm_head", ir::kEmbed);  // tied
  ReferenceEngine e(c, RefWeights::from_checkpoint(ck), 16);
  e.set_matmul_hook([mats](int layer, const char* name, const float* x, int n, int64_t rows, int64_t cols, float* y) {
    const QuantMatrix& W = mats->at({layer, name});
    std::vector<int8_t> q;
    std::vector<float> d;
    for (int t = 0; t < n; ++t) {
      ggml_q8_0_activations(x + t * cols, W.blocks_per_row, q, d);
      for (int64_t r = 0; r < rows; ++r) {
        float acc = 0;
        for (int64_t b = 0; b < W.blocks_per_row; ++b) {
          int32_t isum = 0;
          if (W.fmt == Format::Q8) {
            smolc_block_q8 blk;
            std::memcpy(&blk, W.block(r, b), sizeof blk);
            for (int i = 0; i < 32; ++i) isum += blk.qs[i] * q[static_cast<size_t>(b * 32 + i)];
          } else {  // Q4_0: x[i] and x[i + 16] in the low and high nibble of qs[i], offset 8
            smolc_block_q4 blk;
            std::memcpy(&blk, W.block(r, b), sizeof blk);
            for (int i = 0; i < 16; ++i)
              isum += ((blk.qs[i] & 15) - 8) * q[static_cast<size_t>(b * 32 + i)] +
                      ((blk.qs[i] >> 4) - 8) * q[static_cast<size_t>(b * 32 + i + 16)];
          }
          acc += static_cast<float>(isum) * (W.scale(r, b) * d[static_cast<size_t>(b)]);
        }
        y[t * rows + r] = acc;
      }
    }
  });
  const double diff =
      max_diff_to_golden(e.prefill(kTokens.data(), static_cast<int>(kTokens.size())), c.vocab_size, type);
  // Measured 6.0e-8, summation order only; with
  // smolc's own activation quantiser instead it is 5.8e-3 (Q8_0), and the f32
  // reference engine is 5.6e-3 from llama.cpp.
  INFO("max |logit diff| vs llama.cpp: " << diff);
  CHECK(diff < 1e-6);
 }
}

TEST_CASE("compiled q8 and q4 engines on GGUF Q8_0 and Q4_0 files agree with llama.cpp within the activation rounding") {
  // Measured max |diff| on logits of rms 0.16 (max 0.66): q8 on Q8_0 5.8e-3;
  // q4 --q4-all on Q4_0 (every block reused, the tied head too) 6.1e-3.
  // smolc quantises activations with an f32 scale and ties to even, llama.cpp
  // with an f16 scale and ties away (for Q8_0 the test above shows that this
  // is the only difference). A misread block layout gives ~0.7
  // (tests/frontend/test_gguf_llama_cpp.cpp).
  for (auto [type, flags, fmt] : {std::tuple{std::string("q8_0"), std::string("--q8"), Format::Q8},
                                  {std::string("q4_0"), std::string("--q4 --q4-all"), Format::Q4}}) {
    INFO(type << " " << flags);
    const std::string file = tiny_gguf(type);
    const std::string out = temp_dir("quant_llama_cpp_run") + "/" + type + ".npy";
    std::string ids;
    for (int32_t t : kTokens) ids += (ids.empty() ? "" : ",") + std::to_string(t);
    const RunResult r = run_smolc("run '" + file + "' " + flags + " --threads 1 --temp 0 -n 1 --prompt-ids " + ids +
                                  " --dump-logits '" + out + "'");
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    const NpyF32 engine = read_npy_f32(out);
    const Checkpoint ck = load_checkpoint(file);
    REQUIRE(engine.shape.size() == 2);
    REQUIRE(engine.shape[1] == ck.cfg.vocab_size);
    REQUIRE(engine.shape[0] >= static_cast<int64_t>(kTokens.size()));
    const std::vector<float> prompt(
        engine.data.begin(), engine.data.begin() + static_cast<std::ptrdiff_t>(kTokens.size() * ck.cfg.vocab_size));
    const double diff = max_diff_to_golden(prompt, ck.cfg.vocab_size, type);
    INFO("max |logit diff| compiled engine vs llama.cpp: " << diff);
    CHECK(diff < 1e-2);
    // The same engine against smolc's quantised reference on the same file
    // (which quantises the file's dequantised values: the same blocks).
    auto ref = make_quant_engine(ck.cfg, RefWeights::from_checkpoint(ck), {"q", fmt, fmt}, 16);
    const std::vector<float> want = ref->prefill(kTokens.data(), static_cast<int>(kTokens.size()));
    double own = 0;
    for (size_t i = 0; i < want.size(); ++i) own = std::max(own, std::fabs(static_cast<double>(prompt[i]) - want[i]));
    INFO("max |logit diff| compiled engine vs smolc's quantised reference: " << own);
    CHECK(own < 1e-5);  // measured 1.2e-7 (q8), summation order
  }
}
