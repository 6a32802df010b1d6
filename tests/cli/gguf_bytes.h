// Builds GGUF files byte by byte for the bad-input tests: a valid minimal
// llama model that each test breaks in one place. Written from the GGUF spec,
// independently of smolc's writer.
#pragma once
#include <cstdint>
#include <algorithm>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

namespace smolc::test {

struct GgufBytes {
  struct Kv {
    std::string key;
    uint32_t type;
    std::string payload;
  };
  struct Tensor {
    std::string name;
    std::vector<uint64_t> ne;  // innermost first
    uint32_t type = 0;         // F32
    uint64_t offset = 0;       // relative to the data section; set by layout()
    uint64_t nbytes = 0;
  };
  uint32_t version = 3;
  std::vector<Kv> kv;
  std::vector<Tensor> tensors;
  uint64_t tensor_count_override = UINT64_MAX;

  template <class T>
  static std::string raw(T v) {
    std::string s(sizeof(T), '\0');
    std::memcpy(s.data(), &v, sizeof(T));
    return s;
  }
  static std::string str(const std::string& s) { return raw<uint64_t>(s.size()) + s; }

  void u32(const std::string& k, uint32_t v) { kv.push_back({k, 4, raw(v)}); }
  void f32(const std::string& k, float v) { kv.push_back({k, 6, raw(v)}); }
  void string(const std::string& k, const std::string& v) { kv.push_back({k, 8, str(v)}); }
  void strings(const std::string& k, const std::vector<std::string>& v) {
    std::string p = raw<uint32_t>(8) + raw<uint64_t>(v.size());
    for (const auto& s : v) p += str(s);
    kv.push_back({k, 9, p});
  }
  Kv* find(const std::string& k) {
    for (auto& e : kv)
      if (e.key == k) return &e;
    return nullptr;
  }
  Tensor* tensor(const std::string& name) {
    for (auto& t : tensors)
      if (t.name == name) return &t;
    return nullptr;
  }

  // A valid llama: dim 32, 2 heads of 16, 1 KV head, FFN 32, 1 layer, vocab 8, all F32.
  static GgufBytes valid() {
    GgufBytes g;
    g.string("general.architecture", "llama");
    g.string("general.name", "bad-input-probe");
    g.u32("llama.context_length", 64);
    g.u32("llama.embedding_length", 32);
    g.u32("llama.block_count", 1);
    g.u32("llama.feed_forward_length", 32);
    g.u32("llama.attention.head_count", 2);
    g.u32("llama.attention.head_count_kv", 1);
    g.f32("llama.attention.layer_norm_rms_epsilon", 1e-5f);
    g.f32("llama.rope.freq_base", 10000.0f);
    g.string("tokenizer.ggml.model", "gpt2");
    g.strings("tokenizer.ggml.tokens", {"a", "b", "c", "d", "ab", "cd", "abcd", "e"});
    g.strings("tokenizer.ggml.merges", {"a b", "c d", "ab cd"});
    auto add = [&](const std::string& n, std::vector<uint64_t> ne) { g.tensors.push_back({n, ne, 0, 0, 0}); };
    add("token_embd.weight", {32, 8});
    for (const char* s : {"attn_norm", "ffn_norm"}) add(std::string("blk.0.") + s + ".weight", {32});
    add("blk.0.attn_q.weight", {32, 32});
    add("blk.0.attn_k.weight", {32, 16});
    add("blk.0.attn_v.weight", {32, 16});
    add("blk.0.attn_output.weight", {32, 32});
    add("blk.0.ffn_gate.weight", {32, 32});
    add("blk.0.ffn_up.weight", {32, 32});
    add("blk.0.ffn_down.weight", {32, 32});
    add("output_norm.weight", {32});
    g.layout();
    return g;
  }

  // F32 sizes, consecutive 32-aligned offsets.
  void layout() {
    uint64_t off = 0;
    for (auto& t : tensors) {
      uint64_t n = 4;
      for (uint64_t d : t.ne) n *= d;
      t.nbytes = n;
      t.offset = off;
      off += (n + 31) / 32 * 32;
    }
  }

  std::string bytes() const {
    std::string b = "GGUF" + raw(version);
    b += raw<uint64_t>(tensor_count_override != UINT64_MAX ? tensor_count_override : tensors.size());
    b += raw<uint64_t>(kv.size());
    for (const auto& e : kv) b += str(e.key) + raw(e.type) + e.payload;
    for (const auto& t : tensors) {
      b += str(t.name) + raw<uint32_t>(static_cast<uint32_t>(t.ne.size()));
      for (uint64_t d : t.ne) b += raw(d);
      b += raw(t.type) + raw(t.offset);
    }
    b.resize((b.size() + 31) / 32 * 32, '\0');
    uint64_t end = 0;
    for (const auto& t : tensors)  // tensors placed absurdly far (by a test) get no bytes
      if (t.offset < (1ull << 24)) end = std::max(end, (t.offset + t.nbytes + 31) / 32 * 32);
    const size_t data_at = b.size();
    b.resize(data_at + end, '\0');
    // Small distinct weights (norms 1) so the model is well-formed.
    for (const auto& t : tensors) {
      for (uint64_t i = 0; i < t.nbytes / 4 && data_at + t.offset + 4 * i + 4 <= b.size(); ++i) {
        const float v = t.ne.size() == 1 ? 1.0f : 0.01f * static_cast<float>((i * 7 + 3) % 11) - 0.05f;
        std::memcpy(b.data() + data_at + t.offset + 4 * i, &v, 4);
      }
    }
    return b;
  }

  void write(const std::string& path) const { write_bytes(path, bytes()); }
  static void write_bytes(const std::string& path, const std::string& b) {
    std::ofstream f(path, std::ios::binary);
    f.write(b.data(), static_cast<std::streamsize>(b.size()));
  }
};

}  // namespace smolc::test
