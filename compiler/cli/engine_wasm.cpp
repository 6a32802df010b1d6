// A wasm32 / wasm32-simd128 engine behind the cli::Engine interface: the
// engine cache compiles the model for wasm32-wasi; here its library is linked
// with a small request loop (templates/package/wasm-pipe.cpp.in) into a WASI
// command module, DIR/run/pipe-HASH.wasm, which node runs
// (tools/wasm/wasi-node.mjs) as a child process. Tokens go down its stdin,
// logits come back on its stdout; tokenizer and sampler stay in smolc, so
// every `smolc run` option works as with a native engine.
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>

#include "bench/engine_cache.h"
#include "build/shell.h"
#include "cli/engine.h"
#include "cli/engine_wasm.h"
#include "cli/progress.h"
#include "emit/engine_emitter.h"
#include "emit/template_engine.h"
#include "frontend/error.h"

extern char** environ;

namespace smolc::cli {
namespace {
namespace fs = std::filesystem;

std::string read_text(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
}

// Links the request loop and the engine library into DIR/run/pipe-HASH.wasm
// once; the hash covers the loop's source.
std::string build_pipe_module(const CachedEngine& e) {
  const std::string src = render_embedded(
      "package/wasm-pipe.cpp.in",
      {{"NAME", e.name}, {"UNAME", ascii_upper(e.name)}, {"VERSION", std::string(SMOLC_VERSION)}});
  const uint64_t h = weights_hash(reinterpret_cast<const uint8_t*>(src.data()), src.size());
  char tag[17];
  std::snprintf(tag, sizeof tag, "%016llx", static_cast<unsigned long long>(h));
  const fs::path dir = fs::path(e.dir) / "run";
  const fs::path module = dir / ("pipe-" + std::string(tag) + ".wasm");
  if (fs::exists(module)) return module.string();
  fs::create_directories(dir);
  const std::string pid = std::to_string(::getpid());
  const fs::path cpp = dir / ("pipe-" + pid + ".cpp"), log = dir / ("link-" + pid + ".log"),
                 tmp = module.string() + ".tmp-" + pid;
  std::ofstream(cpp, std::ios::binary) << src;
  // -nostdlib++: neither the engine nor the loop needs the C++ library.
  const std::string cmd = "clang++-19 --target=wasm32-wasi -std=c++17 -O2 -fno-exceptions -fno-rtti -Wall -Wextra "
                          "-Werror -nostdlib++ -I" + shell_quote(e.include_dir) + " " + shell_quote(cpp.string()) +
                          " " + shell_quote(e.library) + " -lm -o " + shell_quote(tmp.string()) + " >" +
                          shell_quote(log.string()) + " 2>&1";
  const int rc = std::system(cmd.c_str());
  std::error_code ec;
  fs::remove(cpp, ec);
  if (rc != 0) {
    const std::string text = read_text(log);
    fs::remove(tmp, ec);
    throw std::runtime_error("linking the wasm engine " + e.library + " into a WASI module failed (clang++-19 "
                             "--target=wasm32-wasi; tools/setup.sh installs wasi-libc):\n" + text);
  }
  fs::remove(log, ec);
  fs::rename(tmp, module);
  return module.string();
}

class WasmBackend final : public Engine {
 public:
  WasmBackend(const CachedEngine& e, const std::string& module) : label_("wasm " + e.name + " (" + e.target + ", node)") {
    const std::string launcher = std::string(SMOLC_SOURCE_DIR) + "/tools/wasm/wasi-node.mjs";
    const std::string weights = fs::absolute(fs::path(e.dir) / (e.name + ".weights")).string();
    const std::string abs_module = fs::absolute(module).string();
    int to_child[2], from_child[2];
    if (::pipe(to_child) != 0 || ::pipe(from_child) != 0) throw std::runtime_error("pipe() failed");
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, to_child[0], 0);
    posix_spawn_file_actions_adddup2(&fa, from_child[1], 1);
    for (int fd : {to_child[0], to_child[1], from_child[0], from_child[1]}) posix_spawn_file_actions_addclose(&fa, fd);
    std::string a0 = "node", a1 = "--no-warnings";
    char* argv[] = {a0.data(), a1.data(), const_cast<char*>(launcher.c_str()), const_cast<char*>(abs_module.c_str()),
                    const_cast<char*>(weights.c_str()), nullptr};
    const int rc = posix_spawnp(&pid_, "node", &fa, nullptr, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    ::close(to_child[0]);
    ::close(from_child[1]);
    to_ = to_child[1];
    from_ = from_child[0];
    if (rc != 0)
      throw InputError("--target " + e.target, "node", "cannot start node (" + std::string(std::strerror(rc)) +
                                                           "); tools/setup.sh installs it");
    ::signal(SIGPIPE, SIG_IGN);  // a dead child is reported by the read that follows
    request(4, nullptr, 0);
    ctx_ = get();
    vocab_ = get();
    last_.resize(static_cast<size_t>(vocab_));
  }
  ~WasmBackend() override {
    ::close(to_);
    ::close(from_);
    int st = 0;
    ::waitpid(pid_, &st, 0);
  }

  std::vector<float> prefill(const int32_t* tokens, int n) override { return prefill_by_decode(tokens, n); }
  std::vector<float> prefill_last(const int32_t* tokens, int n) override {
    request(1, tokens, n);
    read_logits();
    position_ += n;
    return last_;
  }
  const std::vector<float>& decode(int32_t token) override {
    request(2, &token, 1);
    read_logits();
    ++position_;
    return last_;
  }
  void rewind(int pos) override {
    request(3, &pos, 1);
    position_ = pos;
  }
  int position() const override { return position_; }
  int ctx() const override { return ctx_; }
  const char* name() const override { return label_.c_str(); }

 private:
  // Sends a request and reads its status; an engine error becomes an exception.
  void request(int32_t op, const int32_t* args, int n) {
    const int32_t head[2] = {op, n};
    send(head, sizeof head);
    send(args, sizeof(int32_t) * static_cast<size_t>(n));
    const int32_t rc = get();
    if (rc < 0) {
      std::string msg(static_cast<size_t>(get()), '\0');
      receive(msg.data(), msg.size());
      throw std::runtime_error(label_ + ": " + msg);
    }
  }
  void read_logits() { receive(last_.data(), sizeof(float) * last_.size()); }
  int32_t get() {
    int32_t v = 0;
    receive(&v, sizeof v);
    return v;
  }
  void send(const void* p, size_t n) {
    const char* c = static_cast<const char*>(p);
    while (n > 0) {
      const ssize_t w = ::write(to_, c, n);
      if (w <= 0) throw std::runtime_error(label_ + ": node exited (write to its stdin failed)");
      c += w;
      n -= static_cast<size_t>(w);
    }
  }
  void receive(void* p, size_t n) {
    char* c = static_cast<char*>(p);
    while (n > 0) {
      const ssize_t r = ::read(from_, c, n);
      if (r <= 0) throw std::runtime_error(label_ + ": node exited before answering (see its message above)");
      c += r;
      n -= static_cast<size_t>(r);
    }
  }

  std::string label_;
  pid_t pid_ = -1;
  int to_ = -1, from_ = -1;
  int ctx_ = 0, vocab_ = 0, position_ = 0;
  std::vector<float> last_;
};

}  // namespace

std::unique_ptr<Engine> make_wasm_engine(const EngineRequest& req, int ctx) {
  CacheRequest cr;
  cr.model = req.model;
  cr.tokenizer = req.tokenizer;
  cr.formats = *req.format;
  cr.allow_nonfinite = req.allow_nonfinite;
  cr.target = req.target;
  cr.ctx = ctx;
  cr.cxx = req.cxx;
  const CachedEngine e = compile_cached(cr, progress_bar);
  const std::string module = build_pipe_module(e);
  if (!e.reused)
    std::fprintf(stderr, "smolc: compiled %s (%s, %s, ctx %d) in %.1f s into the cache: %s\n", e.name.c_str(),
                 cr.formats.describe().c_str(), e.target.c_str(), e.ctx, e.compile_seconds, e.dir.c_str());
  note_evictions(e.evicted);
  return std::make_unique<WasmBackend>(e, module);
}

}  // namespace smolc::cli
