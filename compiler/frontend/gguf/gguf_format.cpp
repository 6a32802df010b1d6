#include "frontend/gguf/gguf_format.h"

#include <cstdlib>
#include <map>

namespace smolc::gguf {

const char* value_type_name(uint32_t t) {
  static const char* names[] = {"uint8", "int8",   "uint16", "int16",  "uint32", "int32",  "float32",
                                "bool",  "string", "array",  "uint64", "int64",  "float64"};
  return t < sizeof(names) / sizeof(names[0]) ? names[t] : "?";
}

size_t value_type_size(uint32_t t) {
  switch (static_cast<ValueType>(t)) {
    case ValueType::U8:
    case ValueType::I8:
    case ValueType::BOOL: return 1;
    case ValueType::U16:
    case ValueType::I16: return 2;
    case ValueType::U32:
    case ValueType::I32:
    case ValueType::F32: return 4;
    case ValueType::U64:
    case ValueType::I64:
    case ValueType::F64: return 8;
    default: return 0;
  }
}

std::optional<DType> dtype_from_ggml(uint32_t t) {
  switch (t) {
    case ggml::F32: return DType::F32;
    case ggml::F16: return DType::F16;
    case ggml::BF16: return DType::BF16;
    case ggml::Q8_0: return DType::Q8_0;
    case ggml::Q4_0: return DType::Q4_0;
    case ggml::Q5_0: return DType::Q5_0;
    case ggml::Q4_K: return DType::Q4_K;
    case ggml::Q6_K: return DType::Q6_K;
    default: return std::nullopt;
  }
}

uint32_t ggml_from_dtype(DType t) {
  switch (t) {
    case DType::F32: return ggml::F32;
    case DType::F16: return ggml::F16;
    case DType::BF16: return ggml::BF16;
    case DType::Q8_0: return ggml::Q8_0;
    case DType::Q4_0: return ggml::Q4_0;
    case DType::Q5_0: return ggml::Q5_0;
    case DType::Q4_K: return ggml::Q4_K;
    case DType::Q6_K: return ggml::Q6_K;
  }
  return ggml::F32;
}

const char* ggml_type_name(uint32_t t) {
  // Codes 4 and 5 (old Q4_2/Q4_3) were removed from ggml.
  static const char* names[] = {"F32",     "F16",    "Q4_0",    "Q4_1",  "(removed)", "(removed)", "Q5_0",  "Q5_1",
                                "Q8_0",    "Q8_1",   "Q2_K",    "Q3_K",  "Q4_K",      "Q5_K",      "Q6_K",  "Q8_K",
                                "IQ2_XXS", "IQ2_XS", "IQ3_XXS", "IQ1_S", "IQ4_NL",    "IQ3_S",     "IQ2_S", "IQ4_XS",
                                "I8",      "I16",    "I32",     "I64",   "F64",       "IQ1_M",     "BF16"};
  return t < sizeof(names) / sizeof(names[0]) ? names[t] : "unknown";
}

namespace {
// GGUF per-layer suffix -> HF per-layer suffix.
const std::map<std::string, std::string>& layer_names() {
  static const std::map<std::string, std::string> m = {
      {"attn_norm.weight", "input_layernorm.weight"},    {"attn_q.weight", "self_attn.q_proj.weight"},
      {"attn_k.weight", "self_attn.k_proj.weight"},      {"attn_v.weight", "self_attn.v_proj.weight"},
      {"attn_output.weight", "self_attn.o_proj.weight"}, {"ffn_norm.weight", "post_attention_layernorm.weight"},
      {"ffn_gate.weight", "mlp.gate_proj.weight"},       {"ffn_up.weight", "mlp.up_proj.weight"},
      {"ffn_down.weight", "mlp.down_proj.weight"},
  };
  return m;
}
const std::map<std::string, std::string>& global_names() {
  static const std::map<std::string, std::string> m = {
      {"token_embd.weight", "model.embed_tokens.weight"},
      {"output_norm.weight", "model.norm.weight"},
      {"output.weight", "lm_head.weight"},
  };
  return m;
}

// Parses "<prefix><decimal layer>.<rest>"; false unless the number is plain decimal.
bool split_layer(const std::string& name, const std::string& prefix, int& layer, std::string& rest) {
  if (name.compare(0, prefix.size(), prefix) != 0) return false;
  size_t i = prefix.size(), start = i;
  while (i < name.size() && name[i] >= '0' && name[i] <= '9' && i - start < 6) ++i;
  if (i == start || i >= name.size() || name[i] != '.') return false;
  if (name[start] == '0' && i - start > 1) return false;  // no leading zeros: one spelling per tensor
  layer = std::atoi(name.substr(start, i - start).c_str());
  rest = name.substr(i + 1);
  return true;
}
}  // namespace

std::string hf_name_from_gguf(const std::string& g) {
  auto it = global_names().find(g);
  if (it != global_names().end()) return it->second;
  int layer;
  std::string rest;
  if (!split_layer(g, "blk.", layer, rest)) return "";
  auto jt = layer_names().find(rest);
  if (jt == layer_names().end()) return "";
  return hf_layer_tensor(layer, jt->second.c_str());
}

std::string gguf_name_from_hf(const std::string& h) {
  for (const auto& [g, hf] : global_names())
    if (hf == h) return g;
  int layer;
  std::string rest;
  if (!split_layer(h, "model.layers.", layer, rest)) return "";
  for (const auto& [g, hf] : layer_names())
    if (hf == rest) return "blk." + std::to_string(layer) + "." + g;
  return "";
}

std::vector<int32_t> llama_qk_row_perm(int64_t n_heads, int64_t head_dim) {
  const int64_t half = head_dim / 2;
  std::vector<int32_t> perm(static_cast<size_t>(n_heads * head_dim));
  for (int64_t h = 0; h < n_heads; ++h)
    for (int64_t i = 0; i < 2; ++i)
      for (int64_t j = 0; j < half; ++j)
        perm[static_cast<size_t>(h * head_dim + i * half + j)] = static_cast<int32_t>(h * head_dim + 2 * j + i);
  return perm;
}

}  // namespace smolc::gguf
