// A loaded checkpoint: validated config, tensors by HuggingFace name (mapped,
// not copied), and the tokenizer description. Every importer (HF safetensors,
// GGUF, llama2.c) produces this, so the reference engine and the compiler see
// one model whatever file it came from.
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "config.h"
#include "mapped_file.h"
#include "tokenizer_data.h"

namespace smolc {

enum class DType : uint8_t { F32, F16, BF16, Q8_0, Q4_0, Q4_K, Q5_0, Q6_K };
const char* dtype_name(DType t);

struct TensorInfo {
  std::string name;  // HF name: "model.layers.3.self_attn.q_proj.weight"
  DType dtype = DType::F32;
  std::vector<int64_t> shape;     // HF order: Linear weights are [out_features, in_features]
  const uint8_t* data = nullptr;  // points into a MappedFile
  size_t nbytes = 0;
  std::string file;  // source file, for messages
  uint64_t file_offset = 0;
  // Logical row r is stored row row_perm[r] (empty: identity). Importers use
  // this to turn GGUF's and llama2.c's interleaved-RoPE Q/K rows into HF's
  // rotate_half layout without copying the data.
  std::vector<int32_t> row_perm;

  int64_t numel() const;
  int64_t rows() const { return shape.empty() ? 1 : shape[0]; }
  int64_t row_len() const { return shape.empty() ? 1 : numel() / shape[0]; }
};

struct Checkpoint {
  std::string path;    // directory or file the user named
  std::string name;    // model name, e.g. "SmolLM2-135M-Instruct", "stories260K"
  std::string format;  // "hf", "gguf" or "llama2c"
  ModelConfig cfg;
  std::map<std::string, TensorInfo> tensors;
  TokenizerData tokenizer;
  std::vector<std::shared_ptr<MappedFile>> files;  // keeps the maps alive

  // Throws InputError naming the checkpoint and the missing tensor.
  const TensorInfo& get(const std::string& hf_name) const;
  bool has(const std::string& hf_name) const { return tensors.count(hf_name) != 0; }
  // Dequantised (where needed), row-permuted, row-major f32 copy.
  std::vector<float> load_f32(const std::string& hf_name) const;
};

// HF names, so that loaders, the reference engine and the compiler agree.
std::string hf_layer_tensor(int layer, const char* suffix);  // ("self_attn.q_proj.weight")
// Checks that every tensor the config implies is present with the right shape
// and that nothing unexpected is left over; throws InputError otherwise.
void validate_tensors(const Checkpoint& ck);

// Resolves MODEL (a path or a name, see docs/model-import.md), detects the
// format and loads it. tokenizer_override: --tokenizer PATH or empty.
Checkpoint load_checkpoint(const std::string& model, const std::string& tokenizer_override = "");

// Format-specific loaders behind load_checkpoint.
Checkpoint load_hf_dir(const std::string& dir);
Checkpoint load_gguf(const std::string& file);
Checkpoint load_llama2c(const std::string& file, const std::string& tokenizer_path);

}  // namespace smolc
