// Shapes of the synthetic presets. The SmolLM2 values are those of the
// published HuggingFaceTB/SmolLM2-*-Instruct config.json files.
#include <algorithm>

#include "frontend/error.h"
#include "synth/synth.h"

namespace smolc::synth {

const std::vector<std::string>& preset_names() {
  static const std::vector<std::string> names = {"SmolLM2-135M", "SmolLM2-360M", "SmolLM2-1.7B", "tiny"};
  return names;
}

ModelConfig preset_config(const std::string& preset) {
  ModelConfig c;
  c.model_type = "llama";
  c.vocab_size = 49152;
  c.max_seq_len = 8192;
  c.rms_eps = 1e-5;
  c.rope_theta = 100000;
  c.tie_embeddings = true;
  c.bos_id = 1;  // <|im_start|>
  c.eos_id = 2;  // <|im_end|>
  c.head_dim = 64;
  if (preset == "SmolLM2-135M") {
    c.dim = 576;
    c.hidden_dim = 1536;
    c.n_layers = 30;
    c.n_heads = 9;
    c.n_kv_heads = 3;
  } else if (preset == "SmolLM2-360M") {
    c.dim = 960;
    c.hidden_dim = 2560;
    c.n_layers = 32;
    c.n_heads = 15;
    c.n_kv_heads = 5;
  } else if (preset == "SmolLM2-1.7B") {
    c.dim = 2048;
    c.hidden_dim = 8192;
    c.n_layers = 24;
    c.n_heads = 32;
    c.n_kv_heads = 32;
    c.rope_theta = 130000;
  } else if (preset == "tiny") {
    // A few MB, for fast tests: the real vocabulary with the smallest shapes
    // that still exercise GQA (2 query heads per KV head) and several layers.
    c.dim = 64;
    c.hidden_dim = 192;
    c.n_layers = 2;
    c.n_heads = 4;
    c.n_kv_heads = 2;
    c.head_dim = 16;
  } else {
    std::string list;
    for (const auto& n : preset_names()) list += (list.empty() ? "" : ", ") + n;
    throw InputError("--preset", "", "unknown preset \"" + preset + "\" (expected one of " + list + ")");
  }
  return c;
}

}  // namespace smolc::synth
