// load_gguf: a parsed GGUF (gguf_reader.cpp) -> Checkpoint with HF names,
// HF [out, in] shapes and HF's rotate_half Q/K row order, so a GGUF and the
// HF checkpoint it was converted from are the same model to everything
// downstream.
#include <cmath>
#include <filesystem>

#include "frontend/checkpoint.h"
#include "frontend/config.h"
#include "frontend/error.h"
#include "frontend/gguf/gguf_format.h"
#include "frontend/gguf/gguf_reader.h"

namespace smolc {
namespace {

using gguf::File;
using gguf::Value;
using gguf::ValueType;

const Value* find(const File& f, const std::string& key) {
  auto it = f.kv.find(key);
  return it == f.kv.end() ? nullptr : &it->second;
}

std::string where(const std::string& key, const Value* v) {
  return v ? key + " (offset " + std::to_string(v->offset) + ")" : key;
}

bool is_int_type(uint32_t t) {
  switch (static_cast<ValueType>(t)) {
    case ValueType::U8:
    case ValueType::I8:
    case ValueType::U16:
    case ValueType::I16:
    case ValueType::U32:
    case ValueType::I32:
    case ValueType::U64:
    case ValueType::I64: return true;
    default: return false;
  }
}

// Integer metadata; `fallback` < 0 means required. Range checks are
// validate_config's; here only "is it an integer that fits".
int64_t get_int(const File& f, const std::string& key, int64_t fallback) {
  const Value* v = find(f, key);
  if (!v) {
    if (fallback < 0) throw InputError(f.map->path(), key, "is missing");
    return fallback;
  }
  if (!is_int_type(v->type))
    throw InputError(f.map->path(), where(key, v),
                     std::string("has type ") + gguf::value_type_name(v->type) + " (expected an integer)");
  if (v->type == static_cast<uint32_t>(ValueType::U64) && v->u > (1ull << 40))
    throw InputError(f.map->path(), where(key, v), std::to_string(v->u) + " is out of range");
  return v->type == static_cast<uint32_t>(ValueType::U64) ? static_cast<int64_t>(v->u) : v->i;
}

double get_float(const File& f, const std::string& key, double fallback, bool required) {
  const Value* v = find(f, key);
  if (!v) {
    if (required) throw InputError(f.map->path(), key, "is missing");
    return fallback;
  }
  if (v->type != static_cast<uint32_t>(ValueType::F32) && v->type != static_cast<uint32_t>(ValueType::F64))
    throw InputError(f.map->path(), where(key, v),
                     std::string("has type ") + gguf::value_type_name(v->type) + " (expected float32)");
  return v->f;
}

std::string get_string(const File& f, const std::string& key) {
  const Value* v = find(f, key);
  if (!v) return "";
  if (v->type != static_cast<uint32_t>(ValueType::STRING))
    throw InputError(f.map->path(), where(key, v),
                     std::string("has type ") + gguf::value_type_name(v->type) + " (expected string)");
  return v->s;
}

ModelConfig config_from_gguf(const File& f, const Checkpoint& ck) {
  const std::string& path = f.map->path();
  const Value* arch = find(f, "general.architecture");
  if (!arch) throw InputError(path, "general.architecture", "is missing (expected \"llama\")");
  const std::string a = get_string(f, "general.architecture");
  if (a != "llama")
    throw InputError(path, where("general.architecture", arch), "\"" + a + "\" is not supported (expected \"llama\")");

  ModelConfig c;
  c.model_type = "llama";
  c.dim = get_int(f, "llama.embedding_length", -1);
  c.hidden_dim = get_int(f, "llama.feed_forward_length", -1);
  c.n_layers = get_int(f, "llama.block_count", -1);
  c.n_heads = get_int(f, "llama.attention.head_count", -1);
  c.n_kv_heads = get_int(f, "llama.attention.head_count_kv", c.n_heads);
  c.max_seq_len = get_int(f, "llama.context_length", -1);
  c.rms_eps = get_float(f, "llama.attention.layer_norm_rms_epsilon", 0, true);
  c.rope_theta = get_float(f, "llama.rope.freq_base", 10000.0, false);
  if (find(f, "llama.attention.key_length")) {
    c.head_dim = get_int(f, "llama.attention.key_length", -1);
  } else {
    if (c.n_heads <= 0 || c.dim % c.n_heads != 0)
      throw InputError(path, "llama.attention.head_count",
                       std::to_string(c.n_heads) + " does not divide llama.embedding_length " + std::to_string(c.dim) +
                           " (and there is no llama.attention.key_length)");
    c.head_dim = c.dim / c.n_heads;
  }
  if (find(f, "llama.attention.value_length") && get_int(f, "llama.attention.value_length", -1) != c.head_dim)
    throw InputError(path, "llama.attention.value_length",
                     "differs from the key length " + std::to_string(c.head_dim) + " (not supported)");
  if (find(f, "llama.rope.dimension_count") && get_int(f, "llama.rope.dimension_count", -1) != c.head_dim)
    throw InputError(path, "llama.rope.dimension_count",
                     std::to_string(get_int(f, "llama.rope.dimension_count", -1)) +
                         " (partial rotary embedding is not supported; expected the head size " +
                         std::to_string(c.head_dim) + ")");
  const std::string scaling = get_string(f, "llama.rope.scaling.type");
  if (!scaling.empty() && scaling != "none")
    throw InputError(path, "llama.rope.scaling.type", "\"" + scaling + "\" is not supported (expected none)");

  // Vocabulary size: explicit, else the embedding's row count.
  if (find(f, "llama.vocab_size")) {
    c.vocab_size = get_int(f, "llama.vocab_size", -1);
  } else if (ck.has("model.embed_tokens.weight") && ck.get("model.embed_tokens.weight").shape.size() == 2) {
    c.vocab_size = ck.get("model.embed_tokens.weight").shape[0];
  } else {
    c.vocab_size = static_cast<int64_t>(ck.tokenizer.vocab.size());
  }
  c.tie_embeddings = !ck.has("lm_head.weight");
  c.bos_id = ck.tokenizer.bos_id;
  c.eos_id = ck.tokenizer.eos_id;
  return c;
}

}  // namespace

Checkpoint load_gguf(const std::string& file) {
  gguf::File f = gguf::parse(file);
  Checkpoint ck;
  ck.path = file;
  ck.format = "gguf";
  ck.files.push_back(f.map);
  ck.name = get_string(f, "general.name");
  if (ck.name.empty()) ck.name = std::filesystem::path(file).stem().string();

  for (const gguf::TensorRecord& r : f.tensors) {
    const std::string hf = gguf::hf_name_from_gguf(r.name);
    if (hf.empty())
      throw InputError(file, "tensor \"" + r.name + "\" (offset " + std::to_string(r.info_offset) + ")",
                       "is not a llama tensor (expected token_embd, blk.N.{attn_norm,attn_q,attn_k,attn_v,attn_output,"
                       "ffn_norm,ffn_gate,ffn_up,ffn_down}, output_norm or output .weight)");
    TensorInfo t;
    t.name = hf;
    t.dtype = *gguf::dtype_from_ggml(r.ggml_type);  // parse() rejected unknown types
    for (auto it = r.ne.rbegin(); it != r.ne.rend(); ++it) t.shape.push_back(static_cast<int64_t>(*it));
    t.data = f.map->data() + r.abs_offset;
    t.nbytes = static_cast<size_t>(r.nbytes);
    t.file = file;
    t.file_offset = r.abs_offset;
    ck.tensors.emplace(hf, std::move(t));
  }

  ck.tokenizer = gguf::tokenizer_from_gguf(f);
  ck.cfg = config_from_gguf(f, ck);
  if (ck.tokenizer.kind != TokenizerData::Kind::None &&
      static_cast<int64_t>(ck.tokenizer.vocab.size()) != ck.cfg.vocab_size)
    throw InputError(file, "tokenizer.ggml.tokens",
                     std::to_string(ck.tokenizer.vocab.size()) + " tokens (expected the vocabulary size " +
                         std::to_string(ck.cfg.vocab_size) + ")");
  validate_config(ck.cfg, file);
  validate_tensors(ck);

  // Undo the converter's interleaving: logical (HF) row r lives in stored row perm[r].
  const int64_t hd = ck.cfg.head_dim;
  for (int l = 0; l < ck.cfg.n_layers; ++l) {
    ck.tensors.at(hf_layer_tensor(l, "self_attn.q_proj.weight")).row_perm = gguf::llama_qk_row_perm(ck.cfg.n_heads, hd);
    ck.tensors.at(hf_layer_tensor(l, "self_attn.k_proj.weight")).row_perm =
        gguf::llama_qk_row_perm(ck.cfg.n_kv_heads, hd);
  }
  return ck;
}

}  // namespace smolc
