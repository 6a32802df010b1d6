// A compiled engine behind the cli::Engine interface: the engine cache
// (compiler/bench/engine_cache.h) compiles the model once into a static
// library; here that library is linked, with a small C shim of fixed symbol
// names, into a shared object (DIR/run/engine-HASH.so) that is dlopen'ed.
// The shim hides the engine's NAME_ prefix and its constants behind
// smolc_so_* functions, and a version script exports only those, so the
// engine's copy of the runtime never interposes on smolc's own.
#include <dlfcn.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>

#include "bench/cache_store.h"
#include "bench/engine_cache.h"
#include "cli/engine.h"
#include "cli/engine_pipe.h"
#include "cli/progress.h"
#include "emit/engine_emitter.h"
#include "emit/template_engine.h"
#include "frontend/error.h"
#include "package/shell.h"
#include "schedule/schedule.h"

namespace smolc::cli {
namespace {
namespace fs = std::filesystem;

std::string read_text(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
}

// Links the shim and the engine library into DIR/run/engine-HASH.so once; the
// hash covers the shim source (and `key`), so a changed shim never reuses an old object.
std::string build_shared_object(const CachedEngine& e, const std::string& cxx, const fs::path& so_dir = {},
                                const std::string& key = "") {
  const std::string shim =
      render_embedded("package/run-shim.cpp.in",
                      {{"NAME", e.name}, {"UNAME", ascii_upper(e.name)}, {"VERSION", std::string(SMOLC_VERSION)}});
  const std::string keyed = shim + key;
  const uint64_t h = weights_hash(reinterpret_cast<const uint8_t*>(keyed.data()), keyed.size());
  char tag[17];
  std::snprintf(tag, sizeof tag, "%016llx", static_cast<unsigned long long>(h));
  const fs::path dir = so_dir.empty() ? fs::path(e.dir) / "run" : so_dir;
  const fs::path so = dir / ("engine-" + std::string(tag) + ".so");
  if (fs::exists(so)) return so.string();
  fs::create_directories(dir);
  const std::string pid = std::to_string(::getpid());
  // ".tmp-" in every scratch name: the cache never lists a link in progress.
  const fs::path cpp = dir / ("shim.tmp-" + pid + ".cpp"), map = dir / ("exports.tmp-" + pid + ".map"),
                 log = dir / ("link.tmp-" + pid + ".log"), tmp = so.string() + ".tmp-" + pid;
  std::ofstream(cpp, std::ios::binary) << shim;
  std::ofstream(map, std::ios::binary) << render_embedded("package/run-shim.map.in", {});
  const std::string cmd = shell_quote(cxx) + " -std=c++17 -O2 -fPIC -shared -I" + shell_quote(e.include_dir) + " " +
                          shell_quote(cpp.string()) + " " + shell_quote(e.library) +
                          " -Wl,--no-undefined -Wl,--version-script=" + shell_quote(map.string()) +
                          " -lpthread -lm -o " + shell_quote(tmp.string()) + " >" + shell_quote(log.string()) + " 2>&1";
  const int rc = std::system(cmd.c_str());
  std::error_code ec;
  fs::remove(cpp, ec);
  fs::remove(map, ec);
  if (rc != 0) {
    const std::string text = read_text(log);
    fs::remove(tmp, ec);
    fs::remove(log, ec);
    throw std::runtime_error("linking the engine " + e.library + " into a shared object failed (" + cxx + "):\n" +
                             text);
  }
  fs::remove(log, ec);
  fs::rename(tmp, so);  // atomic: a concurrent run sees the whole file or none
  return so.string();
}

class CompiledBackend final : public Engine {
 public:
  CompiledBackend(const CachedEngine& e, const std::string& so_path, int threads) : label_("compiled " + e.name) {
    handle_ = ::dlopen(so_path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!handle_) throw std::runtime_error("cannot load " + so_path + ": " + ::dlerror());
    bind(state_bytes_, "smolc_so_state_bytes");
    bind(state_align_, "smolc_so_state_align");
    bind(vocab_, "smolc_so_vocab");
    bind(ctx_, "smolc_so_ctx");
    bind(init_, "smolc_so_init");
    bind(set_threads_, "smolc_so_set_threads");
    bind(prefill_, "smolc_so_prefill");
    bind(decode_, "smolc_so_decode");
    bind(logits_, "smolc_so_logits");
    bind(position_, "smolc_so_position");
    bind(strerror_, "smolc_so_strerror");
    bind(spec_rows_, "smolc_so_spec_rows");
    bind(prefill_rows_, "smolc_so_prefill_rows");
    bind(logits_row_, "smolc_so_logits_row");
    bind(rewind_, "smolc_so_rewind");
    const size_t align = state_align_(), bytes = state_bytes_();
    refuse_unallocatable("the compiled engine's state (KV cache and activations)", bytes, ctx_());
    state_ = std::aligned_alloc(align, (bytes + align - 1) / align * align);
    if (!state_)
      throw InputError("--ctx", std::to_string(ctx_()),
                       "the compiled engine's state needs " + std::to_string(bytes) +
                           " bytes, which could not be "
                           "allocated (lower --ctx)");
    check(init_(state_, bytes), "init");
    if (threads > 0) check(set_threads_(state_, threads), "set_threads");
    last_.resize(static_cast<size_t>(vocab_()));
  }
  ~CompiledBackend() override {
    std::free(state_);
    // The engine's thread pool lives in the object: keep it mapped.
  }

  std::vector<float> prefill(const int32_t* tokens, int n) override { return prefill_by_decode(tokens, n); }
  std::vector<float> prefill_last(const int32_t* tokens, int n) override {
    check(prefill_(state_, tokens, n), "prefill");
    return copy_logits();
  }
  const std::vector<float>& decode(int32_t token) override {
    check(decode_(state_, token), "decode");
    last_ = copy_logits();
    return last_;
  }
  int max_verify() const override { return spec_rows_(); }
  std::vector<float> verify(const int32_t* tokens, int n) override {
    check(prefill_rows_(state_, tokens, n), "prefill_rows");
    std::vector<float> rows;
    rows.reserve(static_cast<size_t>(n) * last_.size());
    for (int i = 0; i < n; ++i) {
      const float* r = logits_row_(state_, i);
      if (!r) throw std::runtime_error(label_ + ": no logits for row " + std::to_string(i));
      rows.insert(rows.end(), r, r + last_.size());
    }
    return rows;
  }
  void rewind(int pos) override { check(rewind_(state_, pos), "rewind"); }
  int position() const override { return position_(state_); }
  int ctx() const override { return ctx_(); }
  const char* name() const override { return label_.c_str(); }

 private:
  template <typename F>
  void bind(F& fn, const char* symbol) {
    void* p = ::dlsym(handle_, symbol);
    if (!p) throw std::runtime_error(std::string("the compiled engine has no ") + symbol);
    fn = reinterpret_cast<F>(p);
  }
  void check(int rc, const char* what) const {
    if (rc < 0) throw std::runtime_error(label_ + ": " + what + " failed: " + strerror_(rc));
  }
  std::vector<float> copy_logits() const {
    const float* l = logits_(state_);
    if (!l) throw std::runtime_error(label_ + ": no logits");
    return std::vector<float>(l, l + last_.size());
  }

  std::string label_;
  void* handle_ = nullptr;
  void* state_ = nullptr;
  std::vector<float> last_;  // [vocab]
  size_t (*state_bytes_)() = nullptr;
  size_t (*state_align_)() = nullptr;
  int (*vocab_)() = nullptr;
  int (*ctx_)() = nullptr;
  int (*init_)(void*, size_t) = nullptr;
  int (*set_threads_)(void*, int) = nullptr;
  int (*prefill_)(void*, const int32_t*, int) = nullptr;
  int (*decode_)(void*, int32_t) = nullptr;
  const float* (*logits_)(const void*) = nullptr;
  int (*position_)(const void*) = nullptr;
  const char* (*strerror_)(int) = nullptr;
  int (*spec_rows_)() = nullptr;
  int (*prefill_rows_)(void*, const int32_t*, int) = nullptr;
  const float* (*logits_row_)(const void*, int) = nullptr;
  int (*rewind_)(void*, int) = nullptr;
};

}  // namespace

std::unique_ptr<Engine> make_compiled_engine(const EngineRequest& req, int ctx) {
  if (req.threads < 0 || req.threads > 64) throw InputError("command line", "--threads", "expected 0..64");
  if (!req.engine_dir.empty()) {
    const CachedEngine e = open_engine_dir(req.engine_dir);
    // The user's directory stays as compiled: a linked program or shared
    // object goes to the cache.
    const fs::path linked = linked_root();
    // Only an explicit --runner (or node, for wasm32) runs a directory elsewhere:
    // one whose target this CPU lacks is refused by name unless the user says how.
    const schedule::TargetDesc& t = engine_dir_target(e, false);
    if (!t.bare_metal() && (!req.runner.empty() || t.wasm())) return make_pipe_engine(e, t, req, linked.string());
    engine_dir_target(e, true);
    if (e.external_weights)
      throw InputError(req.engine_dir + "/manifest.json", "weights",
                       "external: smolc run loads engines with embedded weights only in-process (compile without "
                       "--weights external, or give --runner)");
    // The shared object is keyed by the library's path, size and mtime (a recompile relinks).
    const std::string so = build_shared_object(e, req.cxx, linked.string(), engine_dir_link_key(e, req.cxx));
    note_evictions(admit_cache_entry(cache_root(), so));
    return std::make_unique<CompiledBackend>(e, so, req.threads);
  }
  // wasm32, aarch64 on another host and any --runner go through a program a
  // runner starts; anything else executes here, so it must run on this CPU.
  const schedule::TargetDesc& t = schedule::target_flag(req.target, false);
  const bool pipe = needs_pipe(t, req.runner);
  if (!pipe) schedule::target_flag(req.target, true);
  if (pipe && req.runner.empty() && default_runner(t).empty()) schedule::target_flag(req.target, true);
  CacheRequest cr;
  cr.model = req.model;
  cr.tokenizer = req.tokenizer;
  cr.formats = *req.format;
  cr.allow_nonfinite = req.allow_nonfinite;
  cr.target = req.target;
  cr.ctx = ctx;
  cr.cxx = req.cxx;
  cr.tune = req.tune;
  const CachedEngine e = compile_cached(cr, progress_bar);
  if (!e.reused)
    std::fprintf(stderr, "smolc: compiled %s (%s, %s, ctx %d) in %.1f s into the cache: %s\n", e.name.c_str(),
                 cr.formats.describe().c_str(), e.target.c_str(), e.ctx, e.compile_seconds, e.dir.c_str());
  note_evictions(e.evicted);
  if (pipe) return make_pipe_engine(e, t, req, e.dir + "/run");
  return std::make_unique<CompiledBackend>(e, build_shared_object(e, req.cxx), req.threads);
}

}  // namespace smolc::cli
