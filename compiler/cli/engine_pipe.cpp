// An engine that runs in another process behind the cli::Engine interface.
// The engine's library is linked with a small request loop
// (templates/package/run-pipe.cpp.in) into a program, which a runner command
// starts: node for a wasm32 module, qemu-aarch64 for an aarch64 executable on
// an x86 host, ssh to a board, or whatever --runner says. Tokens go down the
// program's stdin, logits come back on its stdout; tokenizer and sampler stay
// in smolc, so every `smolc run` option works as with an in-process engine.
#include "cli/engine_pipe.h"

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

#include "emit/engine_emitter.h"
#include "emit/kernel_api.h"
#include "emit/template_engine.h"
#include "frontend/error.h"
#include "package/shell.h"

extern char** environ;

namespace smolc::cli {
namespace {
namespace fs = std::filesystem;

std::string read_text(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
}

bool is_clang(const std::string& cxx) { return fs::path(cxx).filename().string().find("clang") != std::string::npos; }

// The compile-and-link command (without source, output and log). A wasm module
// is linked by clang++-19 against wasi-libc without the C++ library (neither
// the engine nor the loop needs it); a cross target gets a static executable,
// so qemu-user or a board needs no matching libraries, and a clang compiler
// gets --target=TRIPLE. Warnings are errors: the loop is generated code.
std::string link_command(const CachedEngine& e, const schedule::TargetDesc& t, const std::string& cxx) {
  const std::string common = " -std=c++17 -O2 -Wall -Wextra -Werror -I" + shell_quote(e.include_dir);
  if (t.wasm()) return "clang++-19 --target=wasm32-wasi -fno-exceptions -fno-rtti -nostdlib++" + common;
  std::string cmd = shell_quote(cxx);
  if (!t.triple.empty()) cmd += (is_clang(cxx) ? " --target=" + t.triple : std::string()) + " -static";
  return cmd + common;
}

// Links the loop and the engine library into OUT_DIR/pipe-HASH[.wasm] once;
// the hash covers the loop's source, the command and the library's identity
// (path, size, mtime: a recompiled engine directory is relinked).
std::string build_pipe_program(const CachedEngine& e, const schedule::TargetDesc& t, const std::string& cxx,
                               const fs::path& out_dir) {
  const std::string src = render_embedded("package/run-pipe.cpp.in",
                                          {{"NAME", e.name},
                                           {"UNAME", ascii_upper(e.name)},
                                           {"VERSION", std::string(SMOLC_VERSION)},
                                           {"WEIGHTS_MEMORY", render_embedded("package/weights-memory.inc.in", {})}});
  const std::string cmd = link_command(e, t, cxx);
  const fs::path lib = fs::absolute(e.library);
  const std::string key = src + "\n" + cmd + "\n" + lib.string() + ":" + std::to_string(fs::file_size(lib)) + ":" +
                          std::to_string(fs::last_write_time(lib).time_since_epoch().count());
  char tag[17];
  std::snprintf(
      tag, sizeof tag, "%016llx",
      static_cast<unsigned long long>(weights_hash(reinterpret_cast<const uint8_t*>(key.data()), key.size())));
  const fs::path program = out_dir / ("pipe-" + std::string(tag) + (t.wasm() ? ".wasm" : ""));
  if (fs::exists(program)) return program.string();
  fs::create_directories(out_dir);
  const std::string pid = std::to_string(::getpid());
  const fs::path cpp = out_dir / ("pipe-" + pid + ".cpp"), log = out_dir / ("link-" + pid + ".log"),
                 tmp = program.string() + ".tmp-" + pid;
  std::ofstream(cpp, std::ios::binary) << src;
  const std::string full = cmd + " " + shell_quote(cpp.string()) + " " + shell_quote(lib.string()) +
                           (t.wasm() ? " -lm" : " -lpthread -lm") + " -o " + shell_quote(tmp.string()) + " >" +
                           shell_quote(log.string()) + " 2>&1";
  const int rc = std::system(full.c_str());
  std::error_code ec;
  fs::remove(cpp, ec);
  if (rc != 0) {
    const std::string text = read_text(log);
    fs::remove(tmp, ec);
    throw std::runtime_error("linking the " + t.name + " engine " + e.library +
                             " into a program for `smolc run` failed (" + cmd +
                             "; tools/setup.sh installs the toolchains):\n" + text);
  }
  fs::remove(log, ec);
  fs::rename(tmp, program);
  return program.string();
}

class PipeBackend final : public Engine {
 public:
  // Starts `/bin/sh -c COMMAND` with pipes on its stdin and stdout and asks
  // the program for its sizes.
  PipeBackend(std::string label, const std::string& command, bool emulated)
      : label_(std::move(label)), emulated_(emulated) {
    int to_child[2], from_child[2];
    if (::pipe(to_child) != 0 || ::pipe(from_child) != 0) throw std::runtime_error("pipe() failed");
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, to_child[0], 0);
    posix_spawn_file_actions_adddup2(&fa, from_child[1], 1);
    for (int fd : {to_child[0], to_child[1], from_child[0], from_child[1]}) posix_spawn_file_actions_addclose(&fa, fd);
    std::string a0 = "sh", a1 = "-c", a2 = command;
    char* argv[] = {a0.data(), a1.data(), a2.data(), nullptr};
    const int rc = posix_spawn(&pid_, "/bin/sh", &fa, nullptr, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    ::close(to_child[0]);
    ::close(from_child[1]);
    to_ = to_child[1];
    from_ = from_child[0];
    if (rc != 0) throw std::runtime_error("cannot start /bin/sh (" + std::string(std::strerror(rc)) + ")");
    ::signal(SIGPIPE, SIG_IGN);  // a dead child is reported by the read that follows
    request(4, nullptr, 0);
    ctx_ = get();
    vocab_ = get();
    spec_rows_ = get();
    last_.resize(static_cast<size_t>(vocab_));
  }
  ~PipeBackend() override {
    ::close(to_);
    ::close(from_);
    int st = 0;
    ::waitpid(pid_, &st, 0);
  }

  std::vector<float> prefill(const int32_t* tokens, int n) override { return prefill_by_decode(tokens, n); }
  std::vector<float> prefill_last(const int32_t* tokens, int n) override {
    request(1, tokens, n);
    read_logits(last_.data(), 1);
    position_ += n;
    return last_;
  }
  const std::vector<float>& decode(int32_t token) override {
    request(2, &token, 1);
    read_logits(last_.data(), 1);
    ++position_;
    return last_;
  }
  int max_verify() const override { return spec_rows_; }
  std::vector<float> verify(const int32_t* tokens, int n) override {
    request(5, tokens, n);
    std::vector<float> rows(static_cast<size_t>(n) * last_.size());
    read_logits(rows.data(), n);
    position_ += n;
    return rows;
  }
  void rewind(int pos) override {
    request(3, &pos, 1);
    position_ = pos;
  }
  int position() const override { return position_; }
  int ctx() const override { return ctx_; }
  const char* name() const override { return label_.c_str(); }
  bool emulated() const override { return emulated_; }

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
  void read_logits(float* dst, int rows) { receive(dst, sizeof(float) * last_.size() * static_cast<size_t>(rows)); }
  int32_t get() {
    int32_t v = 0;
    receive(&v, sizeof v);
    return v;
  }
  void send(const void* p, size_t n) {
    const char* c = static_cast<const char*>(p);
    while (n > 0) {
      const ssize_t w = ::write(to_, c, n);
      if (w <= 0) throw std::runtime_error(label_ + ": the runner exited (write to its stdin failed)");
      c += w;
      n -= static_cast<size_t>(w);
    }
  }
  void receive(void* p, size_t n) {
    char* c = static_cast<char*>(p);
    while (n > 0) {
      const ssize_t r = ::read(from_, c, n);
      if (r <= 0) throw std::runtime_error(label_ + ": the runner exited before answering (see its message above)");
      c += r;
      n -= static_cast<size_t>(r);
    }
  }

  std::string label_;
  bool emulated_ = false;
  pid_t pid_ = -1;
  int to_ = -1, from_ = -1;
  int ctx_ = 0, vocab_ = 0, spec_rows_ = 0, position_ = 0;
  std::vector<float> last_;
};

}  // namespace

std::string default_runner(const schedule::TargetDesc& t) {
  if (t.wasm()) return "node --no-warnings " + shell_quote(std::string(SMOLC_SOURCE_DIR) + "/tools/wasm/wasi-node.mjs");
  if (isa_is_aarch64(t.isa) && !host_supports(t.isa) && std::system("command -v qemu-aarch64 >/dev/null 2>&1") == 0)
    return "qemu-aarch64 -cpu max -L /usr/aarch64-linux-gnu";
  return "";
}

bool runner_emulates(const std::string& runner) { return runner.find("qemu") != std::string::npos; }

bool needs_pipe(const schedule::TargetDesc& t, const std::string& runner) {
  if (t.bare_metal()) return false;
  return !runner.empty() || t.wasm() || (isa_is_aarch64(t.isa) && !host_supports(t.isa));
}

std::unique_ptr<Engine> make_pipe_engine(const CachedEngine& e, const schedule::TargetDesc& t, const EngineRequest& req,
                                         const std::string& out_dir) {
  const std::string runner = req.runner.empty() ? default_runner(t) : req.runner;
  if (runner.empty()) schedule::target_flag(t.name, true);  // "cannot run on this CPU" (exit code 2)
  if (runner.empty())
    throw InputError("--target " + t.name, "--runner", "nothing runs this target here; give --runner CMD");
  const std::string program = fs::absolute(build_pipe_program(e, t, req.cxx, out_dir)).string();
  // Absolute paths: node preopens / only, and ssh runs elsewhere.
  std::string command = runner + " " + shell_quote(program) + " " + std::to_string(req.threads);
  if (e.external_weights) command += " " + shell_quote(fs::absolute(fs::path(e.dir) / (e.name + ".weights")).string());
  const bool emulated = runner_emulates(runner);
  if (emulated)
    std::fprintf(stderr, "smolc: running the %s engine under `%s`: timings under emulation are not speeds\n",
                 t.name.c_str(), runner.c_str());
  return std::make_unique<PipeBackend>(e.name + " (" + t.name + ", " + runner + ")", command, emulated);
}

}  // namespace smolc::cli
