// Test helpers for HuggingFace checkpoints: synthetic checkpoints made with
// the CLI, safetensors header surgery (to build bad files from good ones), and
// running smolc with a chosen environment and working directory.
#pragma once
#include <sys/resource.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "support/test_support.h"

namespace smolc::test {

// `smolc synth --preset PRESET --seed SEED --dtype DTYPE -o temp_dir(name)`.
inline std::string make_synth(const std::string& name, const std::string& preset = "tiny", uint64_t seed = 1,
                              const std::string& dtype = "bf16") {
  const std::string dir = temp_dir(name);
  RunResult r = run_smolc("synth --preset " + preset + " --seed " + std::to_string(seed) + " --dtype " + dtype +
                          " -o '" + dir + "'");
  if (r.exit_code != 0) throw std::runtime_error("smolc synth failed: " + r.err);
  return dir;
}

inline void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// A safetensors file split into its JSON header and its data area.
struct StFile {
  nlohmann::ordered_json header;
  std::string data;
};

inline StFile read_st(const std::string& path) {
  const std::string b = read_file(path);
  uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | static_cast<uint8_t>(b.at(static_cast<size_t>(i)));
  StFile f;
  f.header = nlohmann::ordered_json::parse(b.substr(8, n));
  f.data = b.substr(8 + n);
  return f;
}

inline void write_st(const std::string& path, const StFile& f) {
  std::string h = f.header.dump();
  h.append((8 - h.size() % 8) % 8, ' ');
  std::string out(8, '\0');
  for (int i = 0; i < 8; ++i) out[static_cast<size_t>(i)] = static_cast<char>((h.size() >> (8 * i)) & 0xff);
  write_bytes(path, out + h + f.data);
}

// Copies a checkpoint directory (regular files only) to temp_dir(name).
inline std::string copy_dir(const std::string& src, const std::string& name) {
  const std::string dst = temp_dir(name);
  for (const auto& e : std::filesystem::directory_iterator(src))
    std::filesystem::copy_file(e.path(), std::filesystem::path(dst) / e.path().filename());
  return dst;
}

// Runs smolc ARGV directly (no shell) and also reports the child's peak
// resident memory in KiB (from wait4's rusage: this child only).
inline RunResult run_smolc_rss(const std::vector<std::string>& args, long& max_rss_kib) {
  const std::string base = std::string(SMOLC_TEST_TMP) + "/rss_" + std::to_string(::getpid());
  const pid_t pid = ::fork();
  if (pid == 0) {
    const int out = ::open((base + ".out").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int err = ::open((base + ".err").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ::dup2(out, 1);
    ::dup2(err, 2);
    std::vector<char*> argv;
    std::string bin = smolc_bin();
    argv.push_back(bin.data());
    std::vector<std::string> copy = args;
    for (auto& a : copy) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execv(bin.c_str(), argv.data());
    ::_exit(127);
  }
  int st = 0;
  struct rusage ru {};
  ::wait4(pid, &st, 0, &ru);
  max_rss_kib = ru.ru_maxrss;
  RunResult r;
  r.exit_code = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  r.out = read_file(base + ".out");
  r.err = read_file(base + ".err");
  return r;
}

}  // namespace smolc::test
