// Compiles engines with the smolc CLI, links the C harness (engine_harness.c)
// against them and compares their logits with the reference engine.
#pragma once
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "frontend/checkpoint.h"
#include "reference/reference_engine.h"
#include "support/test_support.h"

namespace smolc::test {

inline std::string upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

inline int sh(const std::string& cmd) {
  int st = std::system(cmd.c_str());
  return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

struct Engine {
  std::string dir, name, harness;
};

// `smolc compile MODEL ARGS --name NAME -o DIR` into a fresh temporary DIR;
// the harness is left to the caller (host, cross or wasm link).
inline Engine compile_engine_dir(const std::string& model, const std::string& args, const std::string& name,
                                 const std::string& test_name) {
  Engine e;
  e.dir = temp_dir(test_name + "_" + name);
  e.name = name;
  RunResult r = run_smolc("compile '" + model + "' " + args + " --name " + name + " -o '" + e.dir + "'");
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  return e;
}

// compile_engine_dir, then the harness linked through the generated
// pkg-config file.
inline Engine compile_engine(const std::string& model, const std::string& args, const std::string& name,
                             const std::string& test_name) {
  Engine e = compile_engine_dir(model, args, name, test_name);
  e.harness = e.dir + "/harness";
  const std::string cmd = "export PKG_CONFIG_PATH='" + e.dir + "/lib/pkgconfig'; clang-19 -O1 -std=c11 -D_POSIX_C_SOURCE=200112L -Wall -Wextra -Werror -DENGINE=" +
                          name + " -DENGINE_U=" + upper(name) + " -include " + name + ".h '" + source_dir() +
                          "/tests/compiler/engine_harness.c' $(pkg-config --cflags --libs " + name + ") -o '" + e.harness +
                          "' 2>'" + e.dir + "/harness.log'";
  const int rc = sh(cmd);
  INFO(read_file(e.dir + "/harness.log"));
  REQUIRE(rc == 0);
  return e;
}

struct EngineRun {
  std::vector<int32_t> tokens;  // greedy picks
  std::vector<float> logits;    // (1 + steps) x vocab
};

inline EngineRun run_engine(const Engine& e, const std::vector<int32_t>& prompt, int steps, int threads, int chunk,
                            const std::string& env = "") {
  const std::string out = e.dir + "/logits_" + std::to_string(threads) + "_" + std::to_string(chunk) + ".bin";
  std::string cmd = env + " '" + e.harness + "' run '" + out + "' " + std::to_string(threads) + " " +
                    std::to_string(steps) + " " + std::to_string(chunk);
  for (int32_t t : prompt) cmd += " " + std::to_string(t);
  cmd += " >'" + e.dir + "/tokens.txt'";
  INFO(cmd);
  REQUIRE(sh(cmd) == 0);
  EngineRun r;
  std::string toks = read_file(e.dir + "/tokens.txt");
  INFO(toks);
  for (size_t i = 0; i < toks.size();) {
    size_t j = toks.find('\n', i);
    if (j == std::string::npos) break;
    r.tokens.push_back(std::stoi(toks.substr(i, j - i)));
    i = j + 1;
  }
  std::string bytes = read_file(out);
  r.logits.resize(bytes.size() / sizeof(float));
  std::memcpy(r.logits.data(), bytes.data(), r.logits.size() * sizeof(float));
  return r;
}

// The reference engine on the same prompt, feeding the engine's greedy picks
// (so a single flipped pick does not cascade into unrelated comparisons).
inline std::vector<std::vector<float>> reference_logits(const Checkpoint& ck, const std::vector<int32_t>& prompt,
                                                        const std::vector<int32_t>& picks, int ctx) {
  ReferenceEngine ref(ck.cfg, RefWeights::from_checkpoint(ck), ctx);
  std::vector<std::vector<float>> out;
  const size_t V = static_cast<size_t>(ck.cfg.vocab_size);
  std::vector<float> all = ref.prefill(prompt.data(), static_cast<int>(prompt.size()));
  out.emplace_back(all.end() - static_cast<std::ptrdiff_t>(V), all.end());
  for (int32_t t : picks) out.push_back(ref.decode(t));
  return out;
}

// Same tokens and the same logits, bit for bit.
inline bool same_bits(const EngineRun& a, const EngineRun& b) {
  return a.tokens == b.tokens && a.logits.size() == b.logits.size() &&
         std::memcmp(a.logits.data(), b.logits.data(), a.logits.size() * sizeof(float)) == 0;
}

inline double nmse(const float* a, const std::vector<float>& ref) {
  double num = 0, den = 0;
  for (size_t i = 0; i < ref.size(); ++i) {
    num += (static_cast<double>(a[i]) - ref[i]) * (static_cast<double>(a[i]) - ref[i]);
    den += static_cast<double>(ref[i]) * ref[i];
  }
  return den > 0 ? num / den : num;
}

inline int32_t argmax(const std::vector<float>& v) {
  size_t best = 0;
  for (size_t i = 1; i < v.size(); ++i)
    if (v[i] > v[best]) best = i;
  return static_cast<int32_t>(best);
}

// Every step's NMSE within `tol`; with `same_tokens`, the engine's greedy
// picks equal the reference's argmax at every step.
inline void check_against_reference(const Checkpoint& ck, const std::vector<int32_t>& prompt, const EngineRun& run,
                                    int ctx, double tol, bool same_tokens) {
  auto ref = reference_logits(ck, prompt, run.tokens, ctx);
  const size_t V = static_cast<size_t>(ck.cfg.vocab_size);
  REQUIRE(run.logits.size() == ref.size() * V);
  double worst = 0;
  for (size_t s = 0; s < ref.size(); ++s) {
    const double e = nmse(run.logits.data() + s * V, ref[s]);
    worst = std::max(worst, e);
    INFO("step " << s << " nmse " << e);
    REQUIRE(e <= tol);
    if (same_tokens && s < run.tokens.size()) REQUIRE(run.tokens[s] == argmax(ref[s]));
  }
  std::printf("worst NMSE over %zu steps: %.3g\n", ref.size(), worst);
}

}  // namespace smolc::test
