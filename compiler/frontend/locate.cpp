// MODEL -> checkpoint: a path (HF directory, GGUF file, llama2.c file) or a
// name looked up in ./, $SMOLC_MODEL_PATH and the HuggingFace hub cache.
// The lookup order is documented in docs/model-import.md.
#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "frontend/checkpoint.h"
#include "frontend/error.h"

namespace smolc {

namespace {

namespace fs = std::filesystem;

bool is_hf_dir(const fs::path& p) {
  std::error_code ec;
  return fs::is_directory(p, ec) && fs::is_regular_file(p / "config.json", ec);
}

bool has_gguf_magic(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  char m[4] = {};
  return f.read(m, 4) && std::memcmp(m, "GGUF", 4) == 0;
}

Checkpoint load_path(const fs::path& p, const std::string& tokenizer_override) {
  std::error_code ec;
  if (fs::is_directory(p, ec)) {
    if (!is_hf_dir(p))
      throw InputError(p.string(), "", "directory has no config.json (expected a HuggingFace model directory)");
    if (!tokenizer_override.empty())
      throw InputError(tokenizer_override, "",
                       "--tokenizer applies to llama2.c files only (a HuggingFace directory uses its tokenizer.json)");
    return load_hf_dir(p.string());
  }
  // A .gguf file without the magic gets the GGUF reader's "bad magic" error.
  if (has_gguf_magic(p) || p.extension() == ".gguf") {
    if (!tokenizer_override.empty())
      throw InputError(tokenizer_override, "",
                       "--tokenizer applies to llama2.c files only (a GGUF file carries its tokenizer)");
    return load_gguf(p.string());
  }
  return load_llama2c(p.string(), tokenizer_override);
}

// The HF hub cache roots, most specific first.
std::vector<fs::path> hub_roots() {
  std::vector<fs::path> r;
  if (const char* e = std::getenv("HF_HUB_CACHE"); e && *e) r.emplace_back(e);
  if (const char* e = std::getenv("HF_HOME"); e && *e) r.push_back(fs::path(e) / "hub");
  if (const char* e = std::getenv("HOME"); e && *e) r.push_back(fs::path(e) / ".cache" / "huggingface" / "hub");
  return r;
}

// models--ORG--NAME/snapshots/<refs/main>/, or the only snapshot if there is
// no refs/main.
fs::path hub_snapshot(const fs::path& root, const std::string& org, const std::string& name) {
  const fs::path repo = root / ("models--" + org + "--" + name);
  std::string rev;
  std::ifstream ref(repo / "refs" / "main");
  if (ref && std::getline(ref, rev)) {
    while (!rev.empty() && (rev.back() == '\n' || rev.back() == '\r' || rev.back() == ' ')) rev.pop_back();
    // A revision is a commit hash: refuse anything that could leave the repo.
    if (!rev.empty() && rev.find('/') == std::string::npos && rev != "." && rev != "..")
      return repo / "snapshots" / rev;
  }
  return repo / "snapshots" / "main";
}

}  // namespace

Checkpoint load_checkpoint(const std::string& model, const std::string& tokenizer_override) {
  if (model.empty()) throw InputError("MODEL", "", "empty model name or path");
  std::error_code ec;
  const fs::path as_path(model);
  if (fs::exists(as_path, ec)) return load_path(as_path, tokenizer_override);
  // Something that is clearly a path but does not exist is not a name.
  const bool looks_like_path =
      model.find('/') != std::string::npos && (model[0] == '/' || model[0] == '.' || model.rfind("~/", 0) == 0 ||
                                               std::count(model.begin(), model.end(), '/') > 1);
  if (looks_like_path) throw InputError(model, "", "no such file or directory");

  std::vector<std::string> looked;
  std::vector<fs::path> candidates;
  std::string org = "HuggingFaceTB", name = model;
  if (const size_t slash = model.find('/'); slash != std::string::npos) {
    org = model.substr(0, slash);
    name = model.substr(slash + 1);
  }
  if (model.find('/') == std::string::npos) {
    if (const char* mp = std::getenv("SMOLC_MODEL_PATH"); mp && *mp) {
      std::string s(mp);
      size_t start = 0;
      while (start <= s.size()) {
        size_t end = s.find(':', start);
        if (end == std::string::npos) end = s.size();
        if (end > start) candidates.push_back(fs::path(s.substr(start, end - start)) / model);
        start = end + 1;
      }
    } else {
      looked.push_back("$SMOLC_MODEL_PATH (not set)");
    }
  }
  for (const fs::path& root : hub_roots()) candidates.push_back(hub_snapshot(root, org, name));
  for (const fs::path& c : candidates) {
    if (fs::exists(c, ec)) return load_path(c, tokenizer_override);
    looked.push_back(c.string());
  }
  std::string where = "./" + model;
  for (const auto& l : looked) where += ", " + l;
  throw InputError(model, "",
                   "model not found (looked in " + where + "); download it with `huggingface-cli download " + org +
                       "/" + name + "` or pass a path");
}

}  // namespace smolc
