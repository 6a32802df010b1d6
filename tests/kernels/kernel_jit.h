// Compiles generated kernel sources with a real compiler into a shared object
// and loads it, so the kernel tests and benchmarks execute exactly the code
// smolc emits. Host-side test/bench helper only (POSIX: system + dlopen).
#pragma once
#include <dlfcn.h>
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "emit/kernel_api.h"

namespace smolc::test {

class JitLibrary {
 public:
  explicit JitLibrary(void* h) : h_(h) {}
  ~JitLibrary() { dlclose(h_); }
  JitLibrary(const JitLibrary&) = delete;
  JitLibrary& operator=(const JitLibrary&) = delete;
  void* symbol(const std::string& name) const { return dlsym(h_, name.c_str()); }

 private:
  void* h_;
};

struct JitResult {
  std::unique_ptr<JitLibrary> lib;  // null when compiling, linking or loading failed
  std::string log;                  // compiler diagnostics / the failing command
};

inline std::string jit_slurp(const std::string& path) {
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// The optimisation level of kernels built against tests/kernels/avx512_emulation.h
// instead of <immintrin.h>. At -O1 clang took 73 s for one q8 gemm of
// emulation structs (0.5 s at -O0; docs/testing.md), and the emulated runs
// are small shapes or tiny models.
inline constexpr char kEmulatedOpt[] = "-O0";

// Writes every source into dir, compiles each with `cxx` (warnings are errors,
// plus its own cxx_flags) on 2 parallel jobs, links them into dir/kernels.so.
// With link=false only compiles (used for the g++ warning check).
inline JitResult jit_compile(const std::vector<KernelSource>& all, const std::string& dir, const std::string& cxx,
                             const std::string& opt = "-O2", bool link = true) {
  JitResult r;
  std::vector<KernelSource> sources;  // each file once (gemv does not depend on tile_n)
  for (const auto& s : all) {
    bool seen = false;
    for (const auto& u : sources) seen |= u.file_name == s.file_name;
    if (!seen) sources.push_back(s);
  }
  std::filesystem::create_directories(dir);
  std::string cmds = dir + "/compile.cmds";
  {
    std::ofstream c(cmds);
    for (const auto& s : sources) {
      const std::string src = dir + "/" + s.file_name;
      std::ofstream(src) << s.code;
      std::string flags;
      for (const auto& f : s.cxx_flags) flags += " " + f;
      c << cxx << " -std=c++17 " << opt << " -fPIC -Wall -Wextra -Werror" << flags << " -c " << src << " -o " << src
        << ".o\n";
    }
  }
  const std::string log = dir + "/compile.log";
  // Every file is compiled even after a failure, so the log lists them all.
  std::string cmd = "xargs -P 2 -d '\\n' -I{} sh -c '{} || echo FAILED: {}' < " + cmds + " > " + log + " 2>&1";
  int st = std::system(cmd.c_str());
  const std::string out = jit_slurp(log);
  if (!WIFEXITED(st) || WEXITSTATUS(st) != 0 || out.find("FAILED: ") != std::string::npos) {
    r.log = out.empty() ? "compile step failed: " + cmd : out;
    return r;
  }
  if (!link) return r;
  std::string objs;
  for (const auto& s : sources) objs += " " + dir + "/" + s.file_name + ".o";
  const std::string so = dir + "/kernels.so";
  cmd = cxx + " -shared -o " + so + objs + " > " + log + " 2>&1";
  st = std::system(cmd.c_str());
  if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
    r.log = "link failed: " + cmd + "\n" + jit_slurp(log);
    return r;
  }
  void* h = dlopen(so.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!h) {
    r.log = std::string("dlopen failed: ") + dlerror();
    return r;
  }
  r.lib = std::make_unique<JitLibrary>(h);
  return r;
}

using GemvFn = void (*)(const void* w, const float* x, float* y, int row_begin, int row_end);
using GemmFn = void (*)(const void* w, const float* x, int n, float* y, int ldy, int row_begin, int row_end);
using RowFn = void (*)(const void* w, int row, float* out);

}  // namespace smolc::test
