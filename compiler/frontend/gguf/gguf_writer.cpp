#include "frontend/gguf/gguf_writer.h"

#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <functional>
#include <memory>

#include "frontend/dequant.h"
#include "frontend/error.h"
#include "frontend/gguf/gguf_format.h"
#include "frontend/gguf/gguf_quant.h"
#include "frontend/storable.h"

namespace smolc::gguf {
namespace {

// What bounds a value of a GGUF tensor type (Q8_0 stores amax/127 and Q4_0
// amax/8 as f16 block scales).
StoredAs stored_as(DType t) {
  switch (t) {
    case DType::F16: return StoredAs::F16;
    case DType::BF16: return StoredAs::BF16;
    case DType::Q8_0: return StoredAs::F16Scale127;
    case DType::Q4_0: return StoredAs::F16Scale8;
    default: return StoredAs::F32;
  }
}

// Little-endian byte sink for the header, metadata and tensor infos.
struct Bytes {
  std::string b;
  template <class T>
  void put(T v) {
    char tmp[sizeof(T)];
    std::memcpy(tmp, &v, sizeof(T));
    b.append(tmp, sizeof(T));
  }
  void str(const std::string& s) {
    put<uint64_t>(s.size());
    b += s;
  }
  void key(const std::string& k, ValueType t) {
    str(k);
    put<uint32_t>(static_cast<uint32_t>(t));
  }
};

struct Metadata {
  Bytes bytes;
  uint64_t count = 0;
  void u32(const std::string& k, uint32_t v) { bytes.key(k, ValueType::U32), bytes.put(v), ++count; }
  void f32(const std::string& k, float v) { bytes.key(k, ValueType::F32), bytes.put(v), ++count; }
  void boolean(const std::string& k, bool v) { bytes.key(k, ValueType::BOOL), bytes.put<uint8_t>(v), ++count; }
  void str(const std::string& k, const std::string& v) { bytes.key(k, ValueType::STRING), bytes.str(v), ++count; }
  void strs(const std::string& k, const std::vector<std::string>& v) {
    bytes.key(k, ValueType::ARRAY);
    bytes.put<uint32_t>(static_cast<uint32_t>(ValueType::STRING));
    bytes.put<uint64_t>(v.size());
    for (const std::string& s : v) bytes.str(s);
    ++count;
  }
  template <class T>
  void nums(const std::string& k, ValueType elem, const std::vector<T>& v) {
    bytes.key(k, ValueType::ARRAY);
    bytes.put<uint32_t>(static_cast<uint32_t>(elem));
    bytes.put<uint64_t>(v.size());
    for (T x : v) bytes.put(x);
    ++count;
  }
};

struct PlannedTensor {
  std::string gguf_name, hf_name;
  std::vector<uint64_t> ne;  // GGUF order (innermost first)
  DType type;
  uint64_t offset = 0, nbytes = 0;
  bool permute_heads = false;  // q_proj / k_proj
  int64_t n_heads = 0;
};

bool is_sentencepiece_byte(const std::string& s) {
  return s.size() == 6 && s.compare(0, 3, "<0x") == 0 && s[5] == '>' &&
         std::isxdigit(static_cast<unsigned char>(s[3])) && std::isxdigit(static_cast<unsigned char>(s[4]));
}

void add_tokenizer(Metadata& md, const Checkpoint& ck) {
  const TokenizerData& t = ck.tokenizer;
  if (t.kind == TokenizerData::Kind::None) return;
  const bool bpe = t.kind == TokenizerData::Kind::ByteLevelBPE;
  md.str("tokenizer.ggml.model", bpe ? "gpt2" : "llama");
  // llama.cpp's name for the SmolLM2 pre-tokenizer (digits split, then GPT-2 byte level).
  if (bpe) md.str("tokenizer.ggml.pre", t.split_digits ? "smollm" : "gpt-2");
  // llama.cpp needs one token per embedding row: a config vocab_size larger
  // than the tokenizer (padding rows) gets unused "[PAD<id>]" tokens.
  const size_t n_vocab = static_cast<size_t>(ck.cfg.vocab_size);
  if (t.vocab.size() > n_vocab)
    throw InputError(t.source, "vocab",
                     std::to_string(t.vocab.size()) + " tokens but the model has only " + std::to_string(n_vocab) +
                         " embedding rows");
  std::vector<std::string> tokens = t.vocab;
  for (size_t id = t.vocab.size(); id < n_vocab; ++id) tokens.push_back("[PAD" + std::to_string(id) + "]");
  md.strs("tokenizer.ggml.tokens", tokens);
  std::vector<int32_t> types(n_vocab, kNormal);
  for (size_t id = t.vocab.size(); id < n_vocab; ++id) types[id] = kUnused;
  if (!bpe) {
    for (size_t id = 0; id < t.vocab.size(); ++id) {
      if (is_sentencepiece_byte(t.vocab[id]))
        types[id] = kByte;
      else if (t.vocab[id] == "<unk>")
        types[id] = kUnknown;
    }
  }
  for (const AddedToken& a : t.added)
    if (a.id >= 0 && static_cast<size_t>(a.id) < types.size())
      types[static_cast<size_t>(a.id)] = a.special ? kControl : kUserDefined;
  md.nums("tokenizer.ggml.token_type", ValueType::I32, types);
  if (bpe) {
    std::vector<std::string> merges;
    merges.reserve(t.merges.size());
    for (const auto& [l, r] : t.merges) merges.push_back(l + " " + r);
    md.strs("tokenizer.ggml.merges", merges);
  } else {
    std::vector<float> scores = t.scores;
    scores.resize(n_vocab, 0.0f);
    md.nums("tokenizer.ggml.scores", ValueType::F32, scores);
  }
  if (t.bos_id >= 0) md.u32("tokenizer.ggml.bos_token_id", static_cast<uint32_t>(t.bos_id));
  if (t.eos_id >= 0) md.u32("tokenizer.ggml.eos_token_id", static_cast<uint32_t>(t.eos_id));
  // Tokens are passed as ids; BOS is the caller's choice, as in smolc.
  md.boolean("tokenizer.ggml.add_bos_token", false);
}

// One stored row: f32 (already in GGUF row order) -> the target encoding.
void encode_row(const PlannedTensor& p, const float* x, int64_t n, uint8_t* out) {
  switch (p.type) {
    case DType::F32: std::memcpy(out, x, static_cast<size_t>(n) * 4); return;
    case DType::F16:
      for (int64_t i = 0; i < n; ++i) {
        const uint16_t h = f32_to_f16(x[i]);
        std::memcpy(out + 2 * i, &h, 2);
      }
      return;
    case DType::BF16:
      for (int64_t i = 0; i < n; ++i) {
        const uint16_t h = f32_to_bf16(x[i]);
        std::memcpy(out + 2 * i, &h, 2);
      }
      return;
    case DType::Q8_0: quantize_row_q8_0(x, out, n); return;
    case DType::Q4_0: quantize_row_q4_0(x, out, n); return;
    default: break;
  }
  throw std::logic_error(std::string("write_gguf: cannot encode ") + dtype_name(p.type));
}

}  // namespace

uint32_t llama_file_type(DType type) {
  switch (type) {
    case DType::F32: return 0;    // LLAMA_FTYPE_ALL_F32
    case DType::F16: return 1;    // MOSTLY_F16
    case DType::Q4_0: return 2;   // MOSTLY_Q4_0
    case DType::Q8_0: return 7;   // MOSTLY_Q8_0
    case DType::BF16: return 32;  // MOSTLY_BF16
    default: break;
  }
  throw std::logic_error(std::string("llama_file_type: ") + dtype_name(type) + " is not a GGUF output type");
}

void write_gguf(const Checkpoint& ck, const std::string& out_path, DType type, bool allow_nonfinite) {
  const ModelConfig& c = ck.cfg;
  const uint32_t file_type = llama_file_type(type);

  Metadata md;
  md.str("general.architecture", "llama");
  md.str("general.name", ck.name);
  md.u32("general.alignment", static_cast<uint32_t>(kDefaultAlignment));
  md.u32("general.file_type", file_type);
  md.u32("llama.context_length", static_cast<uint32_t>(c.max_seq_len));
  md.u32("llama.embedding_length", static_cast<uint32_t>(c.dim));
  md.u32("llama.block_count", static_cast<uint32_t>(c.n_layers));
  md.u32("llama.feed_forward_length", static_cast<uint32_t>(c.hidden_dim));
  md.u32("llama.rope.dimension_count", static_cast<uint32_t>(c.head_dim));
  md.u32("llama.attention.head_count", static_cast<uint32_t>(c.n_heads));
  md.u32("llama.attention.head_count_kv", static_cast<uint32_t>(c.n_kv_heads));
  md.u32("llama.attention.key_length", static_cast<uint32_t>(c.head_dim));
  md.u32("llama.attention.value_length", static_cast<uint32_t>(c.head_dim));
  md.f32("llama.attention.layer_norm_rms_epsilon", static_cast<float>(c.rms_eps));
  md.f32("llama.rope.freq_base", static_cast<float>(c.rope_theta));
  md.u32("llama.vocab_size", static_cast<uint32_t>(c.vocab_size));
  add_tokenizer(md, ck);

  // Tensors in llama.cpp's usual order.
  std::vector<std::string> hf_names = {"model.embed_tokens.weight"};
  for (int l = 0; l < c.n_layers; ++l)
    for (const char* s : {"input_layernorm.weight", "self_attn.q_proj.weight", "self_attn.k_proj.weight",
                          "self_attn.v_proj.weight", "self_attn.o_proj.weight", "post_attention_layernorm.weight",
                          "mlp.gate_proj.weight", "mlp.up_proj.weight", "mlp.down_proj.weight"})
      hf_names.push_back(hf_layer_tensor(l, s));
  hf_names.push_back("model.norm.weight");
  if (!c.tie_embeddings) hf_names.push_back("lm_head.weight");

  std::vector<PlannedTensor> plan;
  uint64_t offset = 0;
  for (const std::string& hf : hf_names) {
    const TensorInfo& t = ck.get(hf);
    PlannedTensor p;
    p.hf_name = hf;
    p.gguf_name = gguf_name_from_hf(hf);
    for (auto it = t.shape.rbegin(); it != t.shape.rend(); ++it) p.ne.push_back(static_cast<uint64_t>(*it));
    const bool matrix = t.shape.size() == 2;
    p.type = matrix ? type : DType::F32;
    if (dtype_row_bytes(p.type, t.row_len()) == 0) p.type = DType::F32;
    p.nbytes = dtype_row_bytes(p.type, t.row_len()) * static_cast<uint64_t>(t.rows());
    p.offset = offset;
    offset += (p.nbytes + kDefaultAlignment - 1) / kDefaultAlignment * kDefaultAlignment;
    if (hf.find("q_proj") != std::string::npos) p.permute_heads = true, p.n_heads = c.n_heads;
    if (hf.find("k_proj") != std::string::npos) p.permute_heads = true, p.n_heads = c.n_kv_heads;
    plan.push_back(std::move(p));
  }

  Bytes head;
  head.put<uint32_t>(kMagic);
  head.put<uint32_t>(3);
  head.put<uint64_t>(plan.size());
  head.put<uint64_t>(md.count);
  head.b += md.bytes.b;
  for (const PlannedTensor& p : plan) {
    head.str(p.gguf_name);
    head.put<uint32_t>(static_cast<uint32_t>(p.ne.size()));
    for (uint64_t d : p.ne) head.put<uint64_t>(d);
    head.put<uint32_t>(ggml_from_dtype(p.type));
    head.put<uint64_t>(p.offset);
  }
  head.b.resize((head.b.size() + kDefaultAlignment - 1) / kDefaultAlignment * kDefaultAlignment, '\0');

  std::unique_ptr<FILE, int (*)(FILE*)> out(std::fopen(out_path.c_str(), "wb"), std::fclose);
  if (!out) throw InputError(out_path, "", std::string("cannot create: ") + std::strerror(errno));
  auto write = [&](const void* p, size_t n) {
    if (n && std::fwrite(p, 1, n, out.get()) != n)
      throw InputError(out_path, "", std::string("write failed: ") + std::strerror(errno));
  };
  write(head.b.data(), head.b.size());

  for (const PlannedTensor& p : plan) {
    const TensorInfo& t = ck.get(p.hf_name);
    const std::vector<float> w = ck.load_f32(p.hf_name);  // HF row order, [rows, len]
    const int64_t rows = t.rows(), len = t.row_len();
    if (!allow_nonfinite) check_storable(t.file, p.hf_name, w.data(), w.size(), len, stored_as(p.type));
    std::vector<int32_t> perm;
    if (p.permute_heads) perm = llama_qk_row_perm(p.n_heads, c.head_dim);
    const size_t row_bytes = dtype_row_bytes(p.type, len);
    std::vector<uint8_t> data(static_cast<size_t>(p.nbytes));
    for (int64_t r = 0; r < rows; ++r) {
      const int64_t stored = perm.empty() ? r : perm[static_cast<size_t>(r)];
      encode_row(p, w.data() + r * len, len, data.data() + static_cast<size_t>(stored) * row_bytes);
    }
    write(data.data(), data.size());
    const uint64_t padded = (p.nbytes + kDefaultAlignment - 1) / kDefaultAlignment * kDefaultAlignment;
    const std::string pad(static_cast<size_t>(padded - p.nbytes), '\0');
    write(pad.data(), pad.size());
  }
  if (std::fflush(out.get()) != 0) throw InputError(out_path, "", std::string("write failed: ") + std::strerror(errno));
}

}  // namespace smolc::gguf
