// HuggingFace config.json (LLaMA family) -> ModelConfig, and the limits every
// loader's config must satisfy before anything is allocated from it.
#include "frontend/config.h"

#include <cmath>
#include <cstdio>
#include <string>

#include "frontend/error.h"
#include "frontend/json_file.h"

namespace smolc {

namespace {

// Limits (documented in docs/model-import.md). They are far above any real
// LLaMA-family model and low enough that no product of them overflows int64.
constexpr int64_t kMaxDim = 65536;
constexpr int64_t kMaxHiddenDim = int64_t{1} << 20;
constexpr int64_t kMaxLayers = 1024;
constexpr int64_t kMaxHeads = 1024;
constexpr int64_t kMaxHeadDim = 1024;
constexpr int64_t kMaxVocab = int64_t{1} << 21;
constexpr int64_t kMaxSeqLen = int64_t{1} << 24;
constexpr int64_t kMaxParams = 100'000'000'000;  // 1e11
constexpr size_t kMaxConfigBytes = 1 << 20;

std::string range_msg(int64_t v, int64_t lo, int64_t hi) {
  return std::to_string(v) + " is out of range (expected " + std::to_string(lo) + ".." + std::to_string(hi) + ")";
}

void check_range(int64_t v, int64_t lo, int64_t hi, const std::string& file, const char* field) {
  if (v < lo || v > hi) throw InputError(file, field, range_msg(v, lo, hi));
}

// An integer field. Floats (even 576.0), strings and huge numbers are refused
// rather than guessed at.
int64_t get_int(const Json& j, const char* key, const std::string& file, int64_t lo, int64_t hi) {
  const Json& v = j.at(key);
  if (v.is_number_unsigned()) {
    const uint64_t u = v.get<uint64_t>();
    if (u > static_cast<uint64_t>(hi))
      throw InputError(
          file, key,
          std::to_string(u) + " is out of range (expected " + std::to_string(lo) + ".." + std::to_string(hi) + ")");
    const int64_t s = static_cast<int64_t>(u);
    check_range(s, lo, hi, file, key);
    return s;
  }
  if (v.is_number_integer()) {
    const int64_t s = v.get<int64_t>();
    check_range(s, lo, hi, file, key);
    return s;
  }
  throw InputError(file, key,
                   json_brief(v) + " is not an integer (expected an integer in " + std::to_string(lo) + ".." +
                       std::to_string(hi) + ")");
}

double get_double(const Json& j, const char* key, const std::string& file, double lo, double hi) {
  const Json& v = j.at(key);
  if (!v.is_number()) throw InputError(file, key, json_brief(v) + " is not a number");
  const double d = v.get<double>();
  if (!std::isfinite(d) || d < lo || d > hi) {
    char buf[128];
    std::snprintf(buf, sizeof buf, "%g is out of range (expected %g..%g)", d, lo, hi);
    throw InputError(file, key, buf);
  }
  return d;
}

bool has(const Json& j, const char* key) { return j.contains(key) && !j.at(key).is_null(); }

void require(const Json& j, const char* key, const std::string& file) {
  if (!has(j, key)) throw InputError(file, key, "missing (required for a LLaMA config)");
}

// A token id field: an integer, null, or (eos_token_id) a list of integers of
// which the first is used as the stop token.
int64_t get_token_id(const Json& j, const char* key, const std::string& file) {
  if (!has(j, key)) return -1;
  const Json& v = j.at(key);
  if (v.is_array()) {
    if (v.empty()) return -1;
    Json first = Json::object();
    first[key] = v.at(0);
    return get_int(first, key, file, 0, kMaxVocab - 1);
  }
  return get_int(j, key, file, 0, kMaxVocab - 1);
}

}  // namespace

int64_t ModelConfig::param_count() const {
  // Inside the validated limits none of these products overflows.
  const int64_t per_layer = 2 * dim                          // attention and FFN RMSNorm weights
                            + dim * q_dim() + q_dim() * dim  // wq, wo
                            + 2 * dim * kv_dim()             // wk, wv
                            + 3 * dim * hidden_dim;          // w1 gate, w2 down, w3 up
  const int64_t embed = vocab_size * dim;
  return embed + n_layers * per_layer + dim + (tie_embeddings ? 0 : embed);
}

void validate_config(const ModelConfig& c, const std::string& file) {
  if (c.model_type != "llama")
    throw InputError(file, "model_type", "\"" + c.model_type + "\" is not supported (expected \"llama\")");
  check_range(c.dim, 1, kMaxDim, file, "hidden_size");
  check_range(c.hidden_dim, 1, kMaxHiddenDim, file, "intermediate_size");
  check_range(c.n_layers, 1, kMaxLayers, file, "num_hidden_layers");
  check_range(c.n_heads, 1, kMaxHeads, file, "num_attention_heads");
  check_range(c.n_kv_heads, 1, c.n_heads, file, "num_key_value_heads");
  if (c.n_heads % c.n_kv_heads != 0)
    throw InputError(
        file, "num_key_value_heads",
        std::to_string(c.n_kv_heads) + " does not divide num_attention_heads " + std::to_string(c.n_heads));
  check_range(c.head_dim, 2, kMaxHeadDim, file, "head_dim");
  if (c.head_dim % 2 != 0)
    throw InputError(file, "head_dim", std::to_string(c.head_dim) + " is odd (RoPE needs an even head dimension)");
  check_range(c.vocab_size, 1, kMaxVocab, file, "vocab_size");
  check_range(c.max_seq_len, 1, kMaxSeqLen, file, "max_position_embeddings");
  if (!std::isfinite(c.rms_eps) || c.rms_eps <= 0 || c.rms_eps > 1)
    throw InputError(file, "rms_norm_eps", std::to_string(c.rms_eps) + " is out of range (expected 0 < eps <= 1)");
  if (!std::isfinite(c.rope_theta) || c.rope_theta < 1 || c.rope_theta > 1e12)
    throw InputError(file, "rope_theta", std::to_string(c.rope_theta) + " is out of range (expected 1..1e12)");
  if (c.bos_id < -1 || c.bos_id >= c.vocab_size)
    throw InputError(file, "bos_token_id",
                     std::to_string(c.bos_id) + " is not a token id (vocab_size " + std::to_string(c.vocab_size) + ")");
  if (c.eos_id < -1 || c.eos_id >= c.vocab_size)
    throw InputError(file, "eos_token_id",
                     std::to_string(c.eos_id) + " is not a token id (vocab_size " + std::to_string(c.vocab_size) + ")");
  const int64_t params = c.param_count();
  if (params > kMaxParams)
    throw InputError(
        file, "",
        "the model would have " + std::to_string(params) + " parameters (limit " + std::to_string(kMaxParams) + ")");
}

ModelConfig parse_hf_config(const std::string& path) {
  const Json j = read_json_file(path, kMaxConfigBytes);
  if (!j.is_object()) throw InputError(path, "", "expected a JSON object at the top level");
  ModelConfig c;
  require(j, "model_type", path);
  if (!j.at("model_type").is_string())
    throw InputError(path, "model_type", json_brief(j.at("model_type")) + " is not a string (expected \"llama\")");
  c.model_type = j.at("model_type").get<std::string>();
  if (c.model_type != "llama")
    throw InputError(path, "model_type", "\"" + c.model_type + "\" is not supported (expected \"llama\")");
  if (has(j, "hidden_act") && j.at("hidden_act") != "silu")
    throw InputError(path, "hidden_act", json_brief(j.at("hidden_act")) + " is not supported (expected \"silu\")");
  for (const char* key : {"attention_bias", "mlp_bias"}) {
    if (has(j, key) && j.at(key) != false)
      throw InputError(path, key, json_brief(j.at(key)) + " is not supported (expected false)");
  }
  if (has(j, "rope_scaling"))
    throw InputError(path, "rope_scaling", json_brief(j.at("rope_scaling")) + " is not supported (expected null)");

  for (const char* key : {"hidden_size", "intermediate_size", "num_hidden_layers", "num_attention_heads", "vocab_size"})
    require(j, key, path);
  c.dim = get_int(j, "hidden_size", path, 1, kMaxDim);
  c.hidden_dim = get_int(j, "intermediate_size", path, 1, kMaxHiddenDim);
  c.n_layers = get_int(j, "num_hidden_layers", path, 1, kMaxLayers);
  c.n_heads = get_int(j, "num_attention_heads", path, 1, kMaxHeads);
  // HF LlamaConfig defaults: no GQA, 2048 positions, eps 1e-6, theta 1e4, untied.
  c.n_kv_heads = has(j, "num_key_value_heads") ? get_int(j, "num_key_value_heads", path, 1, kMaxHeads) : c.n_heads;
  c.vocab_size = get_int(j, "vocab_size", path, 1, kMaxVocab);
  c.max_seq_len = has(j, "max_position_embeddings") ? get_int(j, "max_position_embeddings", path, 1, kMaxSeqLen) : 2048;
  c.rms_eps = has(j, "rms_norm_eps") ? get_double(j, "rms_norm_eps", path, 1e-30, 1.0) : 1e-6;
  c.rope_theta = has(j, "rope_theta") ? get_double(j, "rope_theta", path, 1.0, 1e12) : 10000.0;
  if (has(j, "tie_word_embeddings")) {
    if (!j.at("tie_word_embeddings").is_boolean())
      throw InputError(path, "tie_word_embeddings", json_brief(j.at("tie_word_embeddings")) + " is not a boolean");
    c.tie_embeddings = j.at("tie_word_embeddings").get<bool>();
  } else {
    c.tie_embeddings = false;
  }
  if (has(j, "head_dim")) {
    c.head_dim = get_int(j, "head_dim", path, 1, kMaxHeadDim);
  } else {
    if (c.dim % c.n_heads != 0)
      throw InputError(path, "num_attention_heads",
                       std::to_string(c.n_heads) + " does not divide hidden_size " + std::to_string(c.dim) +
                           " (and there is no head_dim)");
    c.head_dim = c.dim / c.n_heads;
  }
  c.bos_id = get_token_id(j, "bos_token_id", path);
  c.eos_id = get_token_id(j, "eos_token_id", path);
  validate_config(c, path);
  return c;
}

}  // namespace smolc
