// `smolc run --f32|--bf16|--f16`: a compiled engine from the engine cache
// (SMOLC_CACHE_DIR, one per test) behind the same generation loop: the
// published stories260K story, cache reuse, and logits equal to the reference
// engine's.
#include <stdlib.h>

#include <catch2/catch.hpp>
#include <filesystem>

#include "reference/npy.h"
#include "support/published_story.h"
#include "support/test_support.h"

using namespace smolc;
using namespace smolc::test;
namespace fs = std::filesystem;

namespace {

// (appends, not "'" + ...: g++-12 reports a false -Wrestrict for that at static init)
const std::string kStories = std::string("'").append(stories_dir()).append("/stories260K.bin'");


std::string strip_final_newline(std::string s) {
  REQUIRE(!s.empty());
  CHECK(s.back() == '\n');
  s.pop_back();
  return s;
}

// Points the engine cache of every smolc this test starts at a fresh directory.
std::string use_fresh_cache(const std::string& name) {
  const std::string dir = temp_dir(name);
  ::setenv("SMOLC_CACHE_DIR", dir.c_str(), 1);
  return dir;
}

// Every file under dir with its modification time.
std::vector<std::pair<std::string, fs::file_time_type>> snapshot(const std::string& dir) {
  std::vector<std::pair<std::string, fs::file_time_type>> v;
  for (const auto& e : fs::recursive_directory_iterator(dir))
    // .last_used is the cache's own record of each use (LRU eviction), rewritten on purpose.
    if (e.is_regular_file() && e.path().filename() != ".last_used") v.push_back({e.path().string(), e.last_write_time()});
  std::sort(v.begin(), v.end());
  return v;
}

double nmse(const std::vector<float>& got, const std::vector<float>& want) {
  double num = 0, den = 0;
  for (size_t i = 0; i < want.size(); ++i) {
    const double d = static_cast<double>(got[i]) - want[i];
    num += d * d;
    den += static_cast<double>(want[i]) * want[i];
  }
  return num / den;
}

}  // namespace

TEST_CASE("run --f32 compiles stories260K once and prints the published story") {
  const std::string cache = use_fresh_cache("run_compiled_story");
  RunResult first = run_smolc("run " + kStories + " --f32 --temp 0 -n 256");
  INFO(first.err);
  REQUIRE(first.exit_code == 0);
  CHECK(strip_final_newline(first.out) == published_story());
  CHECK(first.err.find("smolc: compiled stories260k_f32") != std::string::npos);
  CHECK(first.err.find("reference engine") == std::string::npos);
  const auto files = snapshot(cache);
  REQUIRE(!files.empty());

  // The second run finds the engine (and its shared object) in the cache.
  RunResult second = run_smolc("run " + kStories + " --f32 --temp 0 -n 256");
  INFO(second.err);
  REQUIRE(second.exit_code == 0);
  CHECK(second.out == first.out);
  CHECK(second.err.find("compiled") == std::string::npos);
  CHECK(snapshot(cache) == files);

  // Another ctx is another engine.
  RunResult other = run_smolc("run " + kStories + " --f32 --temp 0 -n 20 --ctx 64");
  INFO(other.err);
  REQUIRE(other.exit_code == 0);
  CHECK(other.err.find("smolc: compiled stories260k_f32") != std::string::npos);
  CHECK(published_story().rfind(strip_final_newline(other.out), 0) == 0);
}

TEST_CASE("run --f32 --dump-logits of the compiled engine matches the reference engine") {
  use_fresh_cache("run_compiled_logits");
  const std::string dir = temp_dir("run_compiled_logits_model");
  RunResult synth = run_smolc("synth --preset tiny --seed 11 --dtype f32 -o '" + dir + "/tiny'");
  INFO(synth.err);
  REQUIRE(synth.exit_code == 0);
  const std::string args = "run '" + dir + "/tiny' --temp 0 -n 24 --prompt-ids 1,100,2000,7,5,3000 --dump-logits ";
  for (const char* target : {"native", "scalar"}) {
    DYNAMIC_SECTION(target) {
      RunResult ref = run_smolc(args + "'" + dir + "/ref.npy' --reference");
      INFO(ref.err);
      REQUIRE(ref.exit_code == 0);
      RunResult got = run_smolc(args + "'" + dir + "/got.npy' --f32 --threads 2 --target " + target);
      INFO(got.err);
      REQUIRE(got.exit_code == 0);
      const NpyF32 a = read_npy_f32(dir + "/got.npy"), b = read_npy_f32(dir + "/ref.npy");
      REQUIRE(b.rows == 6 + 24 - 1);
      REQUIRE(a.rows == b.rows);
      REQUIRE(a.cols == b.cols);
      CHECK(nmse(a.data, b.data) <= 1e-6);
      CHECK(got.out == ref.out);  // the same greedy tokens
    }
  }
}

TEST_CASE("run --f16 --bf16 --q16 --q8 --q4 run compiled engines within their format's error of the reference") {
  use_fresh_cache("run_compiled_formats");
  const std::string dir = temp_dir("run_compiled_formats_model");
  RunResult synth = run_smolc("synth --preset tiny --seed 11 --dtype f32 -o '" + dir + "/tiny'");
  INFO(synth.err);
  REQUIRE(synth.exit_code == 0);
  // Teacher-forced: every position of the prompt is scored, so a flipped
  // greedy pick cannot change what is compared.
  std::string ids = "1";
  for (int i = 1; i < 40; ++i) ids += "," + std::to_string((i * 7919) % 49152);
  const std::string args = "run '" + dir + "/tiny' --temp 0 -n 1 --prompt-ids " + ids + " --dump-logits ";
  RunResult ref = run_smolc(args + "'" + dir + "/ref.npy' --reference");
  INFO(ref.err);
  REQUIRE(ref.exit_code == 0);
  const NpyF32 want = read_npy_f32(dir + "/ref.npy");
  // Bounds: the gates (f16/bf16 1e-4, q16 1e-5, q8 2e-3); q4 measured ~2e-2 on this model.
  const std::pair<const char*, double> formats[] = {{"f16", 1e-4}, {"bf16", 1e-4}, {"q16", 1e-5}, {"q8", 2e-3}, {"q4", 5e-2}};
  for (const auto& [fmt, bound] : formats) {
    RunResult got = run_smolc(args + "'" + dir + "/got.npy' --" + fmt);
    INFO(fmt << ": " << got.err);
    REQUIRE(got.exit_code == 0);
    CHECK(got.err.find(std::string("stories") + fmt) == std::string::npos);
    CHECK(got.err.find("(" + std::string(fmt) + ", ") != std::string::npos);  // "compiled NAME (FORMAT, target, ...)"
    const NpyF32 a = read_npy_f32(dir + "/got.npy");
    REQUIRE(a.rows == want.rows);
    const double e = nmse(a.data, want.data);
    std::printf("run --%s: NMSE %.3g\n", fmt, e);
    CHECK(e <= bound);
    CHECK(e > 0);  // a different engine really ran
  }
}

TEST_CASE("run without a format keeps the reference engine, with a note") {
  use_fresh_cache("run_compiled_note");
  RunResult r = run_smolc("run " + kStories + " --temp 0 -n 8");
  REQUIRE(r.exit_code == 0);
  CHECK(r.err.find("note: using the reference engine") != std::string::npos);
  RunResult ref = run_smolc("run " + kStories + " --f32 --reference --temp 0 -n 8 -q");
  REQUIRE(ref.exit_code == 0);
  CHECK(ref.err.empty());  // --reference wins over a format and compiles nothing (-q: no speed line)
  CHECK(ref.out == r.out);
}

TEST_CASE("run rejects conflicting formats and bad compiled-engine options with exit code 2") {
  use_fresh_cache("run_compiled_bad");
  for (const std::string bad : {"--f32 --bf16", "--q8 --q4", "--f32 --target riscv", "--f32 --threads -1",
                                "--f32 --ctx 100000", "--q8 --keep nothing=q4", "--keep lm_head=q8"}) {
    RunResult r = run_smolc("run " + kStories + " --temp 0 -n 4 " + bad);
    INFO(bad << ": " << r.err);
    CHECK(r.exit_code == 2);
    CHECK(r.err.rfind("smolc: error: ", 0) == 0);
  }
}
