// Shared helpers for the test suite: run the smolc CLI, temp dirs, repo paths.
#pragma once
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>

namespace smolc::test {

// The seed of a randomised test file: $SMOLC_TEST_SEED, else random, printed
// once (with `what`) so a failure can be repeated.
inline uint32_t test_seed(const char* what) {
  static const uint32_t seed = [what] {
    const char* env = std::getenv("SMOLC_TEST_SEED");
    const uint32_t s = env ? uint32_t(std::strtoul(env, nullptr, 10)) : std::random_device{}();
    std::printf("%s: seed %u (set SMOLC_TEST_SEED=%u to repeat)\n", what, s, s);
    return s;
  }();
  return seed;
}

inline std::string source_dir() { return SMOLC_SOURCE_DIR; }
inline std::string smolc_bin() { return SMOLC_BIN; }
inline std::string stories_dir() { return source_dir() + "/models/stories260K"; }
inline std::string smollm2_dir() { return source_dir() + "/models/smollm2-135m-instruct"; }

// A fresh directory under the build tree's test-tmp/<pid>/, named after the
// test. CTest runs each TEST_CASE as its own process, in parallel, so the pid
// keeps two cases of one executable from deleting each other's files.
inline std::string temp_dir(const std::string& name) {
  std::filesystem::path p = std::filesystem::path(SMOLC_TEST_TMP) / std::to_string(::getpid()) / name;
  std::filesystem::remove_all(p);
  std::filesystem::create_directories(p);
  return p.string();
}

struct RunResult {
  int exit_code = -1;
  std::string out;  // stdout
  std::string err;  // stderr
};

inline std::string read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// `s` as one single-quoted shell word.
inline std::string shell_quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

// Runs a shell command line (cd/env prefixes allowed) with stdin from
// `stdin_file` (default /dev/null), capturing stdout, stderr and the exit code.
inline RunResult run_shell(const std::string& cmd, const std::string& stdin_file = "") {
  static int counter = 0;
  const std::string base = std::string(SMOLC_TEST_TMP) + "/sh_" + std::to_string(::getpid()) + "_" + std::to_string(counter++);
  const std::string in = stdin_file.empty() ? std::string("/dev/null") : stdin_file;
  const int st = std::system((cmd + " >'" + base + ".out' 2>'" + base + ".err' <'" + in + "'").c_str());
  RunResult r;
  r.exit_code = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  r.out = read_file(base + ".out");
  r.err = read_file(base + ".err");
  std::filesystem::remove(base + ".out");
  std::filesystem::remove(base + ".err");
  return r;
}

// Runs `smolc ARGS` through the shell (ARGS is pasted as-is).
inline RunResult run_smolc(const std::string& args, const std::string& stdin_file = "") {
  return run_shell("'" + smolc_bin() + "' " + args, stdin_file);
}

}  // namespace smolc::test
