#include "text/tokenizer_source.h"

#include <filesystem>

#include "frontend/checkpoint.h"
#include "frontend/error.h"

namespace smolc {

namespace fs = std::filesystem;

namespace {
bool has_weights(const fs::path& dir) {
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    const std::string ext = e.path().extension().string();
    if (ext == ".safetensors" || ext == ".gguf" || ext == ".bin") return true;
  }
  return false;
}
}  // namespace

TokenizerData load_tokenizer_only(const std::string& model) {
  std::error_code ec;
  const fs::path p(model);
  if (fs::is_regular_file(p, ec) && p.extension() == ".json") return load_hf_tokenizer_json(model);
  if (fs::is_directory(p, ec) && fs::is_regular_file(p / "tokenizer.json", ec) && !has_weights(p))
    return load_hf_tokenizer_json((p / "tokenizer.json").string());
  Checkpoint ck = load_checkpoint(model);
  if (ck.tokenizer.kind == TokenizerData::Kind::None)
    throw InputError(model, "tokenizer", "the model has no tokenizer");
  return std::move(ck.tokenizer);
}

}  // namespace smolc
