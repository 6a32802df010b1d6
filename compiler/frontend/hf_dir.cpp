// A HuggingFace model directory: config.json + safetensors + tokenizer.json.
#include <filesystem>
#include <string>

#include "frontend/checkpoint.h"
#include "frontend/error.h"
#include "frontend/safetensors.h"

namespace smolc {

namespace {

// "…/models--HuggingFaceTB--SmolLM2-135M/snapshots/<rev>" -> "SmolLM2-135M";
// any other directory -> its own name.
std::string model_name_from_dir(const std::filesystem::path& dir) {
  std::filesystem::path p = dir.lexically_normal();
  if (p.filename().empty()) p = p.parent_path();
  if (p.parent_path().filename() == "snapshots") {
    const std::string repo = p.parent_path().parent_path().filename().string();
    const size_t sep = repo.rfind("--");
    if (repo.rfind("models--", 0) == 0 && sep != std::string::npos && sep + 2 < repo.size())
      return repo.substr(sep + 2);
  }
  const std::string name = p.filename().string();
  return name.empty() || name == "." ? std::filesystem::absolute(p).filename().string() : name;
}

}  // namespace

Checkpoint load_hf_dir(const std::string& dir) {
  namespace fs = std::filesystem;
  Checkpoint ck;
  ck.path = dir;
  ck.format = "hf";
  ck.name = model_name_from_dir(fs::path(dir));
  ck.cfg = parse_hf_config((fs::path(dir) / "config.json").string());
  const fs::path tok = fs::path(dir) / "tokenizer.json";
  if (!fs::exists(tok))
    throw InputError(tok.string(), "", "missing (a HuggingFace model directory needs tokenizer.json)");
  ck.tokenizer = load_hf_tokenizer_json(tok.string());
  const int64_t tok_vocab = static_cast<int64_t>(ck.tokenizer.vocab.size());
  // The embedding may be padded past the tokenizer's ids, never the reverse.
  if (tok_vocab > ck.cfg.vocab_size)
    throw InputError(
        tok.string(), "model.vocab",
        std::to_string(tok_vocab) + " tokens, but config.json vocab_size is " + std::to_string(ck.cfg.vocab_size));
  for (const auto& [field, id] :
       {std::pair<const char*, int64_t>{"bos_token_id", ck.cfg.bos_id}, {"eos_token_id", ck.cfg.eos_id}})
    if (id >= tok_vocab)
      throw InputError(
          (fs::path(dir) / "config.json").string(), field,
          std::to_string(id) + " is not a token of tokenizer.json (" + std::to_string(tok_vocab) + " tokens)");
  ck.tokenizer.bos_id = static_cast<int32_t>(ck.cfg.bos_id);
  ck.tokenizer.eos_id = static_cast<int32_t>(ck.cfg.eos_id);
  load_safetensors_dir(dir, ck);
  validate_tensors(ck);
  return ck;
}

}  // namespace smolc
