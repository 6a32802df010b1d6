// `smolc synth`: complete HuggingFace checkpoint directories with random
// weights and the real SmolLM2 shapes and tokenizer, so every size can be
// compiled, run and benchmarked without downloading weights.
// See docs/synthetic-checkpoints.md.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "frontend/checkpoint.h"

namespace smolc::synth {

// "SmolLM2-135M", "SmolLM2-360M", "SmolLM2-1.7B", "tiny".
const std::vector<std::string>& preset_names();
// Throws InputError("--preset", ...) for an unknown name.
ModelConfig preset_config(const std::string& preset);

struct Options {
  std::string preset;
  uint64_t seed = 1;
  std::string out_dir;
  DType dtype = DType::BF16;  // F32, F16 or BF16
  bool progress = false;      // progress line on stderr
};

// Writes OUT_DIR/{config.json, tokenizer.json, model.safetensors}.
// Weights: normal(0, 0.02) from NormalStream(seed, index of the tensor in
// name order); RMSNorm weights exactly 1. Streamed: memory does not grow with
// model size.
void write_checkpoint(const Options& opt);

// The tokenizer.json copied into every synthetic checkpoint:
// $SMOLC_DATA_DIR/smollm2-135m-instruct/tokenizer.json, SMOLC_DATA_DIR
// defaulting to the source tree's models/ directory.
std::string bundled_tokenizer_path();

}  // namespace smolc::synth
