// Shared helpers for the test suite: run the smolc CLI, temp dirs, repo paths.
#pragma once
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace smolc::test {

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

// Runs `smolc ARGS` through the shell (ARGS is pasted as-is) and captures
// stdout, stderr and the exit code.
inline RunResult run_smolc(const std::string& args, const std::string& stdin_file = "") {
  static int counter = 0;
  std::string base = std::string(SMOLC_TEST_TMP) + "/run_" + std::to_string(::getpid()) + "_" + std::to_string(counter++);
  std::string cmd = "'" + smolc_bin() + "' " + args + " >'" + base + ".out' 2>'" + base + ".err'";
  if (!stdin_file.empty()) cmd += " <'" + stdin_file + "'";
  else cmd += " </dev/null";
  int st = std::system(cmd.c_str());
  RunResult r;
  r.exit_code = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  r.out = read_file(base + ".out");
  r.err = read_file(base + ".err");
  std::filesystem::remove(base + ".out");
  std::filesystem::remove(base + ".err");
  return r;
}

}  // namespace smolc::test
