// HF safetensors -> `smolc convert --to gguf` -> load_gguf gives back the same
// model: bit-identical f32 tensors (Q/K permutation undone), the same
// tokenizer and config, and identical logits from the reference engine.
#include <catch2/catch.hpp>
#include <cmath>
#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "frontend/checkpoint.h"
#include "frontend/dequant.h"
#include "reference/reference_engine.h"
#include "support/test_support.h"

using namespace smolc;
namespace fs = std::filesystem;

namespace {

// One synthetic tiny checkpoint (BF16 safetensors) and its GGUF conversions, made once.
struct Fixture {
  std::string dir, hf, gguf_f32, gguf_bf16, gguf_f16;
  Fixture() {
    dir = test::temp_dir("gguf_roundtrip");
    hf = dir + "/tiny";
    REQUIRE(test::run_smolc("synth --preset tiny --seed 7 -o '" + hf + "'").exit_code == 0);
    gguf_f32 = dir + "/tiny-f32.gguf";
    gguf_bf16 = dir + "/tiny-bf16.gguf";
    gguf_f16 = dir + "/tiny-f16.gguf";
    for (auto [file, type] : {std::pair{gguf_f32, "f32"}, {gguf_bf16, "bf16"}, {gguf_f16, "f16"}}) {
      auto r = test::run_smolc("convert '" + hf + "' --to gguf --type " + type + " -o '" + file + "'");
      INFO(r.err);
      REQUIRE(r.exit_code == 0);
    }
  }
};
const Fixture& fixture() {
  static Fixture f;
  return f;
}

// Writes `ck`'s tensors as one F32 safetensors file next to copies of the
// source's config.json and tokenizer.json. pad_vocab > 0 appends that many
// zero rows to the (tied) embedding and raises vocab_size to match.
void write_f32_safetensors_dir(const Checkpoint& ck, const std::string& src_dir, const std::string& out_dir,
                               int64_t pad_vocab = 0) {
  fs::create_directories(out_dir);
  nlohmann::json config = nlohmann::json::parse(test::read_file(src_dir + "/config.json"));
  config["vocab_size"] = ck.cfg.vocab_size + pad_vocab;
  std::ofstream(out_dir + "/config.json") << config.dump(1);
  fs::copy_file(src_dir + "/tokenizer.json", out_dir + "/tokenizer.json", fs::copy_options::overwrite_existing);
  nlohmann::json header = nlohmann::json::object();
  std::vector<std::vector<float>> data;
  size_t offset = 0;
  for (const auto& [name, t] : ck.tensors) {
    data.push_back(ck.load_f32(name));
    std::vector<int64_t> shape = t.shape;
    if (name == "model.embed_tokens.weight") {
      shape[0] += pad_vocab;
      data.back().resize(static_cast<size_t>(shape[0] * shape[1]), 0.0f);
    }
    const size_t bytes = data.back().size() * 4;
    header[name] = {{"dtype", "F32"}, {"shape", shape}, {"data_offsets", {offset, offset + bytes}}};
    offset += bytes;
  }
  std::string h = header.dump();
  while (h.size() % 8) h += ' ';
  std::ofstream f(out_dir + "/model.safetensors", std::ios::binary);
  const uint64_t n = h.size();
  f.write(reinterpret_cast<const char*>(&n), 8);
  f.write(h.data(), static_cast<std::streamsize>(h.size()));
  for (const auto& d : data) f.write(reinterpret_cast<const char*>(d.data()), static_cast<std::streamsize>(d.size() * 4));
}

float f32_at(const uint8_t* p) {
  float v;
  std::memcpy(&v, p, 4);
  return v;
}

}  // namespace

TEST_CASE("GGUF F32 from a BF16 safetensors checkpoint loads back bit-identical") {
  const Checkpoint hf = load_checkpoint(fixture().hf);
  const Checkpoint gg = load_gguf(fixture().gguf_f32);
  CHECK(gg.format == "gguf");
  REQUIRE(gg.tensors.size() == hf.tensors.size());
  for (const auto& [name, t] : hf.tensors) {
    INFO(name);
    REQUIRE(gg.has(name));
    const TensorInfo& g = gg.get(name);
    CHECK(g.shape == t.shape);
    CHECK(g.dtype == DType::F32);
    const std::vector<float> a = hf.load_f32(name), b = gg.load_f32(name);
    REQUIRE(a.size() == b.size());
    CHECK(std::memcmp(a.data(), b.data(), a.size() * 4) == 0);
  }
}

TEST_CASE("GGUF stores q_proj/k_proj rows in llama.cpp's interleaved order") {
  // llama.cpp's converter: within each head of hd rows, stored row 2j+i holds
  // HF row i*hd/2 + j (i = 0, 1; j < hd/2). Checked on the raw file bytes.
  const Checkpoint hf = load_checkpoint(fixture().hf);
  const Checkpoint gg = load_gguf(fixture().gguf_f32);
  const int64_t hd = hf.cfg.head_dim, dim = hf.cfg.dim;
  for (auto [suffix, heads] : {std::pair{"self_attn.q_proj.weight", hf.cfg.n_heads},
                               std::pair{"self_attn.k_proj.weight", hf.cfg.n_kv_heads}}) {
    for (int l = 0; l < hf.cfg.n_layers; ++l) {
      const std::string name = hf_layer_tensor(l, suffix);
      INFO(name);
      const std::vector<float> src = hf.load_f32(name);
      const TensorInfo& g = gg.get(name);
      REQUIRE(g.row_perm.size() == static_cast<size_t>(heads * hd));
      bool all_same = true;
      for (int64_t h = 0; h < heads; ++h)
        for (int64_t i = 0; i < 2; ++i)
          for (int64_t j = 0; j < hd / 2; ++j) {
            const int64_t stored = h * hd + 2 * j + i, logical = h * hd + i * (hd / 2) + j;
            for (int64_t k = 0; k < dim; ++k)
              all_same &= f32_at(g.data + (stored * dim + k) * 4) == src[static_cast<size_t>(logical * dim + k)];
          }
      CHECK(all_same);
    }
  }
}

TEST_CASE("GGUF round trip keeps the config and the byte-level BPE tokenizer") {
  const Checkpoint hf = load_checkpoint(fixture().hf);
  const Checkpoint gg = load_gguf(fixture().gguf_f32);
  const ModelConfig &a = hf.cfg, &b = gg.cfg;
  CHECK(a.dim == b.dim);
  CHECK(a.hidden_dim == b.hidden_dim);
  CHECK(a.n_layers == b.n_layers);
  CHECK(a.n_heads == b.n_heads);
  CHECK(a.n_kv_heads == b.n_kv_heads);
  CHECK(a.head_dim == b.head_dim);
  CHECK(a.vocab_size == b.vocab_size);
  CHECK(a.max_seq_len == b.max_seq_len);
  CHECK(static_cast<float>(a.rms_eps) == static_cast<float>(b.rms_eps));  // GGUF stores float32
  CHECK(static_cast<float>(a.rope_theta) == static_cast<float>(b.rope_theta));
  CHECK(a.tie_embeddings == b.tie_embeddings);
  CHECK(a.bos_id == b.bos_id);
  CHECK(a.eos_id == b.eos_id);

  const TokenizerData &s = hf.tokenizer, &t = gg.tokenizer;
  REQUIRE(s.kind == TokenizerData::Kind::ByteLevelBPE);
  CHECK(t.kind == s.kind);
  CHECK(t.vocab == s.vocab);
  CHECK(t.merges == s.merges);
  CHECK(t.split_digits == s.split_digits);
  CHECK(t.bos_id == s.bos_id);
  CHECK(t.eos_id == s.eos_id);
  REQUIRE(t.added.size() == s.added.size());
  REQUIRE(!s.added.empty());
  for (size_t k = 0; k < s.added.size(); ++k) {
    CHECK(t.added[k].id == s.added[k].id);
    CHECK(t.added[k].content == s.added[k].content);
    CHECK(t.added[k].special == s.added[k].special);
  }
}

TEST_CASE("safetensors F32, safetensors BF16, GGUF F32 and GGUF BF16 of the same weights give identical logits") {
  const Checkpoint bf16 = load_checkpoint(fixture().hf);
  const std::string f32_dir = fixture().dir + "/tiny-f32-safetensors";
  write_f32_safetensors_dir(bf16, fixture().hf, f32_dir);
  const Checkpoint f32 = load_checkpoint(f32_dir);
  REQUIRE(f32.get("model.embed_tokens.weight").dtype == DType::F32);
  REQUIRE(bf16.get("model.embed_tokens.weight").dtype == DType::BF16);
  const Checkpoint g32 = load_gguf(fixture().gguf_f32);
  const Checkpoint g16 = load_gguf(fixture().gguf_bf16);
  REQUIRE(g16.get("model.layers.0.self_attn.q_proj.weight").dtype == DType::BF16);

  const std::vector<int32_t> tokens = {1, 9226, 314, 260, 2, 42, 7, 1000, 30000};
  auto logits = [&](const Checkpoint& ck) {
    ReferenceEngine eng(ck.cfg, RefWeights::from_checkpoint(ck), 16);
    return eng.prefill(tokens.data(), static_cast<int>(tokens.size()));
  };
  const std::vector<float> ref = logits(bf16);
  REQUIRE(ref.size() == tokens.size() * static_cast<size_t>(bf16.cfg.vocab_size));
  CHECK(logits(f32) == ref);
  CHECK(logits(g32) == ref);
  CHECK(logits(g16) == ref);
}

TEST_CASE("GGUF F16 holds each weight rounded to the nearest f16") {
  const Checkpoint hf = load_checkpoint(fixture().hf);
  const Checkpoint gg = load_gguf(fixture().gguf_f16);
  const std::string name = "model.layers.1.self_attn.k_proj.weight";
  CHECK(gg.get(name).dtype == DType::F16);
  CHECK(gg.get("model.layers.1.input_layernorm.weight").dtype == DType::F32);  // norms stay F32
  const std::vector<float> a = hf.load_f32(name), b = gg.load_f32(name);
  REQUIRE(a.size() == b.size());
  // bf16 weights of magnitude ~0.02 have 8 significant bits and f16 has 11, so
  // they are representable unless they fall into f16's subnormal range (< 2^-14).
  size_t exact = 0, subnormal_ok = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i] == b[i]) ++exact;
    else if (std::fabs(a[i]) < 6.103515625e-05f && std::fabs(a[i] - b[i]) <= 2.98023224e-08f) ++subnormal_ok;
  }
  CHECK(exact + subnormal_ok == a.size());
}

TEST_CASE("GGUF export pads the tokenizer to a larger vocab_size with unused tokens") {
  const Checkpoint src = load_checkpoint(fixture().hf);
  const std::string padded = fixture().dir + "/tiny-padded";
  write_f32_safetensors_dir(src, fixture().hf, padded, 64);
  const std::string file = fixture().dir + "/tiny-padded.gguf";
  const auto r = test::run_smolc("convert '" + padded + "' --to gguf -o '" + file + "'");
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  const Checkpoint gg = load_gguf(file);
  CHECK(gg.cfg.vocab_size == src.cfg.vocab_size + 64);
  REQUIRE(gg.tokenizer.vocab.size() == static_cast<size_t>(src.cfg.vocab_size + 64));
  CHECK(std::equal(src.tokenizer.vocab.begin(), src.tokenizer.vocab.end(), gg.tokenizer.vocab.begin()));
  CHECK(gg.tokenizer.vocab.back() == "[PAD" + std::to_string(src.cfg.vocab_size + 63) + "]");
  CHECK(gg.tokenizer.added.size() == src.tokenizer.added.size());  // padding is not an added token
}
