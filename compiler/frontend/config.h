// The model's shape: everything the IR fixes at compile time.
// All loaders (HF config.json, GGUF llama.* metadata, llama2.c header) produce
// this one struct, validated by validate_config() before any allocation.
#pragma once
#include <cstdint>
#include <string>

namespace smolc {

struct ModelConfig {
  std::string model_type = "llama";
  int64_t dim = 0;         // hidden_size
  int64_t hidden_dim = 0;  // intermediate_size (FFN)
  int64_t n_layers = 0;    // num_hidden_layers
  int64_t n_heads = 0;     // num_attention_heads
  int64_t n_kv_heads = 0;  // num_key_value_heads
  int64_t head_dim = 0;    // head_dim, or dim / n_heads
  int64_t vocab_size = 0;
  int64_t max_seq_len = 0;  // max_position_embeddings
  double rms_eps = 1e-5;
  double rope_theta = 10000.0;
  bool tie_embeddings = true;
  int64_t bos_id = -1;  // -1: none
  int64_t eos_id = -1;

  int64_t q_dim() const { return n_heads * head_dim; }
  int64_t kv_dim() const { return n_kv_heads * head_dim; }
  // Exact number of parameters (norms included, tied lm_head counted once).
  int64_t param_count() const;
  // Floats of K and V cache per position, all layers.
  int64_t kv_floats_per_pos() const { return 2 * n_layers * kv_dim(); }
};

// Throws InputError(file, field, ...) for any value out of range, inconsistent
// (n_heads % n_kv_heads, ...) or absurd (limits documented in docs/model-import.md).
void validate_config(const ModelConfig& c, const std::string& file);

// Parses a HuggingFace config.json (LLaMA family) and validates it.
ModelConfig parse_hf_config(const std::string& path);

}  // namespace smolc
