// A cache of compiled engines, so commands that need a compiled engine
// (`smolc bench`, later `smolc run`) compile a model once per
// (model bytes, formats, target, ctx, KV type, smolc build) and reuse it.
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "emit/kernel_api.h"
#include "schedule/schedule.h"

namespace smolc {

struct CacheRequest {
  std::string model;             // path or name, as load_checkpoint takes it
  std::string tokenizer;         // --tokenizer override (llama2.c models) or empty
  schedule::FormatPlan formats;  // base format, --q4-all, --keep rules
  bool allow_nonfinite = false;
  std::string target = "native";  // resolved to a concrete target before keying
  int ctx = 0;                    // 0: min(2048, max_seq_len)
  bool clamp_ctx = false;         // true: a ctx past max_seq_len becomes max_seq_len instead of an error
  bool kv_f16 = false;
  std::string cxx = "clang++-19";
  std::string tune;  // tuning file (`smolc tune`); its hash is part of the key. "": the default schedule
};

struct CachedEngine {
  std::string dir;          // the `smolc compile -o` directory inside the cache
  std::string name;         // C prefix of the engine
  std::string target;       // concrete target name
  std::string library;      // DIR/lib/libNAME.a
  std::string include_dir;  // DIR/include
  int ctx = 0;
  bool kv_f16 = false;     // KV cache element type: f16, else f32
  std::string format;      // as the manifest describes it ("q4 --keep lm_head=q8")
  std::string model_path;  // the checkpoint it was compiled from
  bool external_weights = false;
  size_t weights_bytes = 0;
  bool reused = false;         // true: found in the cache, nothing compiled
  double compile_seconds = 0;  // 0 when reused
  // Entries removed to keep the cache under its cap (cache_store.h) after
  // this one was compiled, least recently used first: "KIND NAME (N bytes)".
  std::vector<std::string> evicted;
};

// True when `path` is a `smolc compile` output directory (it has a manifest.json).
bool is_engine_dir(const std::string& path);

// A `smolc compile -o DIR` directory as an engine to link, nothing compiled.
// InputError (naming DIR/manifest.json and the field) when the manifest is
// unreadable or the library is missing (an --emit-only directory).
CachedEngine open_engine_dir(const std::string& dir);

// The target a compiled directory was built for; with must_run_here, an
// InputError naming its manifest when this CPU cannot run it.
const schedule::TargetDesc& engine_dir_target(const CachedEngine& e, bool must_run_here);

// $SMOLC_CACHE_DIR, else $XDG_CACHE_HOME/smolc, else $HOME/.cache/smolc.
std::string cache_root();

// Where `run DIR` and `bench DIR` put what they link from a compiled
// directory (the directory itself stays as compiled): cache_root()/linked.
std::string linked_root();

// What a linked object of a compiled directory depends on: the library's
// path, size and mtime (a recompile relinks) and the compiler.
std::string engine_dir_link_key(const CachedEngine& e, const std::string& cxx);

// Returns the cached engine for the request, compiling it first if needed.
// The key hashes the model's sha256 (every file), the format, the concrete
// target, ctx, KV type and the identity of the running smolc binary (version,
// size and mtime, so a rebuilt compiler never reuses stale engines). Compiling
// goes into a temporary directory that is renamed into place, so concurrent
// callers never see a half-written entry. Each use marks the entry used; a
// new entry that takes the cache past cache_cap_bytes() evicts the least
// recently used others. Throws InputError for bad input.
CachedEngine compile_cached(const CacheRequest& req,
                            const std::function<void(const char*, size_t, size_t)>& progress = {});

}  // namespace smolc
