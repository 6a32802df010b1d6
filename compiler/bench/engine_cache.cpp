#include "bench/engine_cache.h"

#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include <stdexcept>
#include "tune/tuning.h"

#include "bench/cache_store.h"
#include "common/hex.h"
#include "driver/compile.h"
#include "emit/engine_names.h"
#include "frontend/checkpoint.h"
#include "frontend/error.h"
#include "schedule/schedule.h"

namespace smolc {
namespace fs = std::filesystem;

namespace {

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? std::string(v) : std::string();
}

// Version plus size and mtime of the running binary: engines emitted by one
// build of smolc are never reused by another.
std::string smolc_build_identity() {
  std::string id = SMOLC_VERSION;
  struct stat st{};
  if (::stat("/proc/self/exe", &st) == 0)
    id += ":" + std::to_string(st.st_size) + ":" + std::to_string(static_cast<long long>(st.st_mtime));
  return id;
}

CachedEngine from_manifest(const fs::path& dir, bool reused) {
  std::ifstream f(dir / "manifest.json");
  const nlohmann::json m = nlohmann::json::parse(f);
  CachedEngine c;
  c.dir = dir.string();
  c.name = m.at("name").get<std::string>();
  c.target = m.at("target").get<std::string>();
  c.ctx = m.at("ctx").get<int>();
  c.kv_f16 = m.at("kv").get<std::string>() == "f16";
  c.weights_bytes = m.at("weights_bytes").get<size_t>();
  c.format = m.at("format").get<std::string>();
  c.model_path = m.at("model_path").get<std::string>();
  c.external_weights = m.at("weights").get<std::string>() == "external";
  c.library = (dir / "lib" / ("lib" + c.name + ".a")).string();
  c.include_dir = (dir / "include").string();
  c.reused = reused;
  return c;
}

}  // namespace

bool is_engine_dir(const std::string& path) {
  std::error_code ec;
  return fs::is_directory(path, ec) && fs::is_regular_file(fs::path(path) / "manifest.json", ec);
}

CachedEngine open_engine_dir(const std::string& dir) {
  const std::string manifest = (fs::path(dir) / "manifest.json").string();
  CachedEngine c;
  try {
    c = from_manifest(dir, true);
  } catch (const nlohmann::json::exception& e) {
    throw InputError(manifest, "", std::string("is not a smolc manifest (") + e.what() + ")");
  }
  validate_engine_name(c.name);  // it names files and lands in generated C++
  try {
    schedule::find_target(c.target);
  } catch (const std::invalid_argument& e) {
    throw InputError(manifest, "target", e.what());
  }
  if (!fs::is_regular_file(c.library))
    throw InputError(manifest, "name",
                     "the directory has no " + c.library +
                         " (compiled with --emit-only? run src/build.sh and move the "
                         "library into lib/)");
  return c;
}

const schedule::TargetDesc& engine_dir_target(const CachedEngine& e, bool must_run_here) {
  const schedule::TargetDesc& t = schedule::find_target(e.target);
  const std::string manifest = (fs::path(e.dir) / "manifest.json").string();
  if (must_run_here && t.bare_metal())
    throw InputError(manifest, "target",
                     "the engine was compiled for the bare-metal target '" + t.name +
                         "'; it runs in firmware (docs/firmware.md), not on this machine");
  if (must_run_here && !host_supports(t.isa))
    throw InputError(manifest, "target",
                     "the engine was compiled for '" + t.name + "', which this CPU (" + isa_name(detect_host_isa()) +
                         ") cannot run; compile the model again with --target native");
  return t;
}

std::string cache_root() {
  if (std::string d = env("SMOLC_CACHE_DIR"); !d.empty()) return d;
  if (std::string d = env("XDG_CACHE_HOME"); !d.empty()) return d + "/smolc";
  if (std::string d = env("HOME"); !d.empty()) return d + "/.cache/smolc";
  throw std::runtime_error("no cache directory: set SMOLC_CACHE_DIR or HOME");
}

std::string linked_root() { return cache_root() + "/linked"; }

std::string engine_dir_link_key(const CachedEngine& e, const std::string& cxx) {
  const fs::path lib = fs::absolute(e.library);
  return lib.string() + ":" + std::to_string(fs::file_size(lib)) + ":" +
         std::to_string(fs::last_write_time(lib).time_since_epoch().count()) + ":" + cxx;
}

CachedEngine compile_cached(const CacheRequest& req, const std::function<void(const char*, size_t, size_t)>& progress) {
  const schedule::TargetDesc* target = &schedule::target_flag(req.target, false);
  Checkpoint ck = load_checkpoint(req.model, req.tokenizer);
  const int64_t max_ctx = ck.cfg.max_seq_len;
  const int wanted = req.clamp_ctx ? static_cast<int>(std::min<int64_t>(req.ctx, max_ctx)) : req.ctx;
  if (wanted < 0 || wanted > max_ctx)
    throw InputError("command line", "--ctx", "expected 1.." + std::to_string(max_ctx) + " (the model's max_seq_len)");
  const int ctx = wanted ? wanted : static_cast<int>(std::min<int64_t>(2048, max_ctx));
  const std::string sha = model_sha256(ck);
  if (!req.tune.empty()) tune::load_for_target(req.tune, *target);  // a bad tuning file fails before the work
  const std::string tune_sha = req.tune.empty() ? "" : tune::tuning_hash(req.tune);

  const std::string key_text =
      "model=" + sha + ";format=" + req.formats.describe() + (req.allow_nonfinite ? ";nonfinite" : "") +
      ";target=" + target->name + ";ctx=" + std::to_string(ctx) + ";kv=" + (req.kv_f16 ? "f16" : "f32") +
      ";cxx=" + req.cxx + ";smolc=" + smolc_build_identity() + (tune_sha.empty() ? "" : ";tune=" + tune_sha);
  const std::string key = hex64(weights_hash(reinterpret_cast<const uint8_t*>(key_text.data()), key_text.size()));
  const std::string name = sanitize_c_identifier(ck.name + "_" + format_name(req.formats.base));
  validate_engine_name(name);
  const fs::path dir = fs::path(cache_root()) / "engines" / (name + "-" + target->name + "-" + key);
  if (fs::exists(dir / "manifest.json") && fs::exists(dir / "lib" / ("lib" + name + ".a"))) {
    mark_cache_entry_used(dir.string());
    return from_manifest(dir, true);
  }
  const uint64_t cap = cache_cap_bytes();  // a bad SMOLC_CACHE_MAX_MB fails before the work

  const auto t0 = std::chrono::steady_clock::now();
  const fs::path tmp = dir.string() + ".tmp-" + std::to_string(::getpid());
  fs::remove_all(tmp);
  fs::create_directories(tmp.parent_path());

  CompileRequest cr;
  cr.model = &ck;
  cr.formats = req.formats;
  cr.allow_nonfinite = req.allow_nonfinite;
  cr.target = target;
  cr.ctx = ctx;
  cr.kv_f16 = req.kv_f16;
  cr.name = name;
  cr.out_dir = tmp.string();
  cr.cxx = req.cxx;
  cr.tune = req.tune;
  cr.source_sha256 = sha;
  cr.words.model = ck.path;
  cr.words.target = target->name;
  cr.words.ctx = ctx;
  cr.words.suffix = " (via the smolc engine cache)";
  cr.progress = progress;
  try {
    compile_model(cr);
  } catch (...) {
    std::error_code ec;
    fs::remove_all(tmp, ec);
    throw;
  }
  std::error_code ec;
  fs::rename(tmp, dir, ec);
  if (ec) {  // another process finished the same entry first: use theirs
    fs::remove_all(tmp, ec);
    if (!fs::exists(dir / "manifest.json")) throw std::runtime_error("cannot move " + tmp.string() + " into the cache");
  }
  CachedEngine c = from_manifest(dir, false);
  c.compile_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  mark_cache_entry_used(dir.string());
  for (const CacheEntry& gone : evict_cache(cache_root(), cap, dir.string()))
    c.evicted.push_back(gone.kind + " " + gone.name + " (" + std::to_string(gone.bytes) + " bytes)");
  return c;
}

}  // namespace smolc
