// The llama2.c importer: header fields, the interleaved-to-halves RoPE row
// permutation, v1 ("ak42") and untied-classifier files (built here from the
// real stories260K v0 file by re-laying out its bytes), the tokenizer file
// and its lookup. The end-to-end truth (numpy golden with llama2.c's own RoPE,
// the published story) is in test_reference_engine.cpp and cli/test_run.cpp.
#include <catch2/catch.hpp>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "frontend/checkpoint.h"
#include "frontend/error.h"
#include "reference/golden.h"
#include "reference/reference_engine.h"

using namespace smolc;
using namespace smolc::test;
namespace fs = std::filesystem;

namespace {

// stories260K: dim 64, hidden 172, 5 layers, 8 heads, 4 KV heads, vocab 512, seq 512.
constexpr size_t D = 64, H = 172, L = 5, KV = 32, VOC = 512, SEQ = 512, HS = 8;

struct V0Blocks {  // byte ranges of the v0 file's blocks, in file order
  std::string embed, att_norm, wq, wk, wv, wo, ffn_norm, w1, w2, w3, final_norm;
};

V0Blocks split_v0(const std::string& bin) {
  size_t off = 28;
  auto take = [&](size_t floats) {
    std::string s = bin.substr(off, floats * 4);
    off += floats * 4;
    return s;
  };
  V0Blocks b;
  b.embed = take(VOC * D);
  b.att_norm = take(L * D);
  b.wq = take(L * D * D);
  b.wk = take(L * KV * D);
  b.wv = take(L * KV * D);
  b.wo = take(L * D * D);
  b.ffn_norm = take(L * D);
  b.w1 = take(L * H * D);
  b.w2 = take(L * D * H);
  b.w3 = take(L * H * D);
  b.final_norm = take(D);
  off += 2 * SEQ * (HS / 2) * 4;  // RoPE tables
  REQUIRE(off == bin.size());
  return b;
}

std::string i32(int32_t v) { return std::string(reinterpret_cast<const char*>(&v), 4); }

std::string doubled(const std::string& f32s) {  // every float times 2 (exact)
  std::string out = f32s;
  for (size_t i = 0; i < out.size(); i += 4) {
    float f;
    std::memcpy(&f, &out[i], 4);
    f *= 2;
    std::memcpy(&out[i], &f, 4);
  }
  return out;
}

std::string v1_file(const V0Blocks& b, bool shared, const std::string& classifier) {
  std::string h = i32(0x616b3432) + i32(1);
  for (int32_t v : {64, 172, 5, 8, 4, 512, 512}) h += i32(v);
  h += static_cast<char>(shared ? 1 : 0);
  h.resize(256, '\0');
  return h + b.att_norm + b.ffn_norm + b.final_norm + b.embed + b.wq + b.wk + b.wv + b.wo + b.w1 + b.w2 + b.w3 +
         (shared ? "" : classifier);
}

std::string save(const std::string& dir, const std::string& name, const std::string& bytes) {
  std::ofstream(dir + "/" + name, std::ios::binary) << bytes;
  return dir + "/" + name;
}

std::vector<float> logits_of(const Checkpoint& ck, const std::vector<int32_t>& ids) {
  ReferenceEngine e(ck.cfg, RefWeights::from_checkpoint(ck), static_cast<int>(ids.size()));
  return e.prefill(ids.data(), static_cast<int>(ids.size()));
}

std::vector<int32_t> first_ids(size_t n) {
  std::vector<int32_t> ids = read_ids(golden_dir() + "/stories260K.ids.txt");
  ids.resize(n);
  return ids;
}

}  // namespace

TEST_CASE("llama2.c v0 header maps to the HF config") {
  Checkpoint ck = load_checkpoint(stories_dir() + "/stories260K.bin");
  CHECK(ck.format == "llama2c");
  CHECK(ck.name == "stories260K");
  const ModelConfig& c = ck.cfg;
  CHECK(c.dim == 64);
  CHECK(c.hidden_dim == 172);
  CHECK(c.n_layers == 5);
  CHECK(c.n_heads == 8);
  CHECK(c.n_kv_heads == 4);
  CHECK(c.head_dim == 8);
  CHECK(c.vocab_size == 512);
  CHECK(c.max_seq_len == 512);
  CHECK(c.tie_embeddings);
  CHECK(c.rope_theta == 10000.0);
  CHECK(c.rms_eps == 1e-5);
  // The tensors cover the whole file except header and RoPE tables.
  int64_t floats = 0;
  for (const auto& [name, t] : ck.tensors) floats += t.numel();
  CHECK(floats * 4 + 28 + 2 * 512 * 4 * 4 == static_cast<int64_t>(fs::file_size(stories_dir() + "/stories260K.bin")));
}

TEST_CASE("llama2.c Q/K rows are permuted from interleaved pairs to rotate_half halves") {
  Checkpoint ck = load_checkpoint(stories_dir() + "/stories260K.bin");
  const TensorInfo& q = ck.get("model.layers.0.self_attn.q_proj.weight");
  const TensorInfo& k = ck.get("model.layers.4.self_attn.k_proj.weight");
  // Head size 8: HF rows (i, i+4) must be llama2.c's pair (2i, 2i+1).
  const std::vector<int32_t> head0 = {0, 2, 4, 6, 1, 3, 5, 7};
  REQUIRE(q.row_perm.size() == 64);
  REQUIRE(k.row_perm.size() == 32);
  for (int h = 0; h < 8; ++h)
    for (int r = 0; r < 8; ++r) CHECK(q.row_perm[static_cast<size_t>(h * 8 + r)] == h * 8 + head0[static_cast<size_t>(r)]);
  for (int r = 0; r < 32; ++r) CHECK(k.row_perm[static_cast<size_t>(r)] == r / 8 * 8 + head0[static_cast<size_t>(r % 8)]);
  CHECK(ck.get("model.layers.0.self_attn.v_proj.weight").row_perm.empty());
  CHECK(ck.get("model.layers.0.self_attn.o_proj.weight").row_perm.empty());
  // load_f32 applies it: HF row 4 of wq is stored row 1.
  std::vector<float> wq = ck.load_f32("model.layers.0.self_attn.q_proj.weight");
  const float* stored = reinterpret_cast<const float*>(q.data);
  CHECK(std::memcmp(wq.data() + 4 * 64, stored + 1 * 64, 64 * 4) == 0);
  CHECK(std::memcmp(wq.data() + 1 * 64, stored + 2 * 64, 64 * 4) == 0);
}

TEST_CASE("llama2.c v1 and untied-classifier files give the same model as v0") {
  const std::string bin = read_file(stories_dir() + "/stories260K.bin");
  const V0Blocks b = split_v0(bin);
  const std::string dir = temp_dir("llama2c_variants");
  fs::copy_file(stories_dir() + "/tok512.bin", dir + "/tok512.bin");
  const std::vector<int32_t> ids = first_ids(40);
  const std::vector<float> base = logits_of(load_checkpoint(stories_dir() + "/stories260K.bin"), ids);

  SECTION("v1, shared classifier: bit-identical logits") {
    Checkpoint ck = load_checkpoint(save(dir, "v1.bin", v1_file(b, true, "")));
    CHECK(ck.cfg.tie_embeddings);
    CHECK(logits_of(ck, ids) == base);
  }
  // A separate classifier equal to 2 * embedding doubles every logit exactly,
  // which shows the classifier is read from the end of the file.
  SECTION("v1, own classifier") {
    Checkpoint ck = load_checkpoint(save(dir, "v1u.bin", v1_file(b, false, doubled(b.embed))));
    CHECK_FALSE(ck.cfg.tie_embeddings);
    std::vector<float> got = logits_of(ck, ids);
    REQUIRE(got.size() == base.size());
    for (size_t i = 0; i < got.size(); ++i) REQUIRE(got[i] == 2 * base[i]);
  }
  SECTION("v0, negative vocab_size and own classifier") {
    std::string v0u = bin;
    const int32_t neg = -512;
    std::memcpy(&v0u[20], &neg, 4);
    v0u += doubled(b.embed);
    Checkpoint ck = load_checkpoint(save(dir, "v0u.bin", v0u));
    CHECK_FALSE(ck.cfg.tie_embeddings);
    CHECK(ck.cfg.vocab_size == 512);
    std::vector<float> got = logits_of(ck, ids);
    REQUIRE(got.size() == base.size());
    for (size_t i = 0; i < got.size(); ++i) REQUIRE(got[i] == 2 * base[i]);
  }
  SECTION("v1 with a bad shared_classifier flag") {
    std::string f = v1_file(b, true, "");
    f[36] = 7;
    CHECK_THROWS_WITH(load_checkpoint(save(dir, "v1bad.bin", f)), Catch::Contains("shared_classifier"));
  }
  SECTION("v1 truncated inside its header") {
    CHECK_THROWS_AS(load_checkpoint(save(dir, "v1short.bin", v1_file(b, true, "").substr(0, 100))), InputError);
  }
}

TEST_CASE("llama2.c tokenizer file is read into SentencePiece-BPE data") {
  Checkpoint ck = load_checkpoint(stories_dir() + "/stories260K.bin");
  const TokenizerData& t = ck.tokenizer;
  CHECK(t.kind == TokenizerData::Kind::SentencePieceBPE);
  CHECK(t.source == stories_dir() + "/tok512.bin");
  REQUIRE(t.vocab.size() == 512);
  REQUIRE(t.scores.size() == 512);
  CHECK(t.bos_id == 1);
  CHECK(t.eos_id == 2);
  CHECK(t.vocab[1] == "\n<s>\n");
  CHECK(t.vocab[13] == "<0x0A>");
  CHECK(t.vocab[403] == " Once");
  CHECK(t.scores[403] == -144.0f);
  CHECK(t.vocab[511] == "\xe2\x80\x8a");
  // A model with a different vocabulary cannot use this file.
  CHECK_THROWS_WITH(load_llama2c_tokenizer(stories_dir() + "/tok512.bin", 500), Catch::Contains("trailing"));
  CHECK_THROWS_WITH(load_llama2c_tokenizer(stories_dir() + "/tok512.bin", 600), Catch::Contains("truncated"));
}

TEST_CASE("llama2.c tokenizer lookup: explicit path, tok<vocab>.bin, tokenizer.bin") {
  const std::string dir = temp_dir("llama2c_tok_lookup");
  fs::copy_file(stories_dir() + "/stories260K.bin", dir + "/m.bin");
  CHECK_THROWS_WITH(load_checkpoint(dir + "/m.bin"), Catch::Contains("tok512.bin") && Catch::Contains("tokenizer.bin"));
  CHECK(load_checkpoint(dir + "/m.bin", stories_dir() + "/tok512.bin").tokenizer.source == stories_dir() + "/tok512.bin");
  fs::copy_file(stories_dir() + "/tok512.bin", dir + "/tokenizer.bin");
  CHECK(load_checkpoint(dir + "/m.bin").tokenizer.source == dir + "/tokenizer.bin");
  fs::copy_file(stories_dir() + "/tok512.bin", dir + "/tok512.bin");
  CHECK(load_checkpoint(dir + "/m.bin").tokenizer.source == dir + "/tok512.bin");
}

TEST_CASE("llama2.c header fuzz: every field at extreme values is rejected as bad input, never a crash") {
  const std::string bin = read_file(stories_dir() + "/stories260K.bin");
  const std::string dir = temp_dir("llama2c_header_fuzz");
  fs::copy_file(stories_dir() + "/tok512.bin", dir + "/tok512.bin");
  const int32_t original[7] = {64, 172, 5, 8, 4, 512, 512};
  const int32_t values[] = {0, 1, -1, 2, 3, 7, 16, 100, 1 << 20, INT32_MAX, INT32_MIN, -512};
  int accepted = 0;
  for (int field = 0; field < 7; ++field)
    for (int32_t v : values) {
      std::string f = bin;
      std::memcpy(&f[static_cast<size_t>(field) * 4], &v, 4);
      const std::string path = save(dir, "m.bin", f);
      INFO("field " << field << " = " << v);
      try {
        load_checkpoint(path);
        ++accepted;
        // Every size in the header is pinned by the file length (seq_len via
        // the RoPE tables), so only the original value could load.
        CHECK(v == original[field]);
      } catch (const InputError& e) {
        CHECK(std::string(e.what()).find(path) == 0);
      }
    }
  CHECK(accepted == 0);  // no value in the list is the original one
  // Truncation anywhere: always an InputError naming a byte offset.
  for (size_t len : {size_t{0}, size_t{3}, size_t{27}, size_t{28}, size_t{100}, bin.size() / 2, bin.size() - 4,
                     bin.size() - 1}) {
    INFO("length " << len);
    CHECK_THROWS_WITH(load_checkpoint(save(dir, "t.bin", bin.substr(0, len))), Catch::Contains("offset"));
  }
}
