// `smolc run DIR` and `smolc bench DIR` on a `smolc compile -o DIR` output:
// the engine is linked as compiled (nothing enters the engine cache, nothing
// in DIR changes); a directory this CPU cannot run is refused naming its
// manifest. `smolc bench` on stories260K (context 512 < 640) scales its
// lengths. Every CLI11 parse error is one "smolc: error:" line.
#include <stdlib.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "support/published_story.h"
#include "support/test_support.h"

using namespace smolc::test;
namespace fs = std::filesystem;

namespace {

const std::string kStories = std::string("'").append(stories_dir()).append("/stories260K.bin'");

// Every file under dir with its size and modification time.
std::vector<std::string> snapshot(const std::string& dir) {
  std::vector<std::string> v;
  for (const auto& e : fs::recursive_directory_iterator(dir))
    if (e.is_regular_file())
      v.push_back(e.path().string() + " " + std::to_string(e.file_size()) + " " +
                  std::to_string(e.last_write_time().time_since_epoch().count()));
  std::sort(v.begin(), v.end());
  return v;
}

// stories260K compiled once for this process (f32, scalar) into DIR.
const std::string& compiled_dir() {
  static const std::string dir = [] {
    const std::string root = temp_dir("compiled_dir");
    const RunResult r = run_smolc("compile " + kStories + " --f32 --target scalar -o '" + root + "/eng'");
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    return root + "/eng";
  }();
  return dir;
}

// A copy of the compiled directory whose manifest says `target`.
std::string retargeted(const std::string& target) {
  const std::string dir = temp_dir("retargeted_" + target);
  fs::copy(compiled_dir(), dir, fs::copy_options::recursive | fs::copy_options::overwrite_existing);
  nlohmann::json m = nlohmann::json::parse(read_file(dir + "/manifest.json"));
  m["target"] = target;
  std::ofstream(dir + "/manifest.json") << m.dump(2);
  return dir;
}

}  // namespace

TEST_CASE("run DIR links the compiled directory as it is and prints the published story") {
  const std::string cache = temp_dir("compiled_dir_cache");
  ::setenv("SMOLC_CACHE_DIR", cache.c_str(), 1);
  const std::string dir = compiled_dir();
  const auto before = snapshot(dir);
  RunResult r = run_smolc("run '" + dir + "' --temp 0 -n 256 -q");
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(r.out == published_story() + "\n");
  CHECK(r.err.find("compiled") == std::string::npos);  // no "compiled ... into the cache" note
  CHECK_FALSE(fs::exists(cache + "/engines"));         // nothing compiled into the cache
  CHECK(snapshot(dir) == before);                      // the user's directory is left as it was
  // A second run reuses the linked object; the same format flag is accepted.
  RunResult again = run_smolc("run '" + dir + "' --f32 --temp 0 -n 256 -q");
  REQUIRE(again.exit_code == 0);
  CHECK(again.out == r.out);
}

TEST_CASE("run and bench refuse a compiled directory they cannot use, naming its manifest, exit 2") {
  const std::string dir = compiled_dir();
  const std::string manifest = dir + "/manifest.json";
  struct Case {
    std::string args, expect;
  };
  const std::vector<Case> cases = {
      {"run '" + dir + "' --q4", manifest + ": format: the engine is f32, not q4"},
      {"run '" + dir + "' --ctx 64", manifest + ": ctx: the engine holds 512 positions"},
      {"run '" + dir + "' --target avx2", "--target: does not apply to a compiled directory"},
      {"bench '" + dir + "' --kv f16", "--kv: does not apply to a compiled directory"},
      {"run '" + retargeted("aarch64") + "' -n 4", "the engine was compiled for 'aarch64', which this CPU"},
      {"run '" + retargeted("cortex-m55") + "' -n 4", "bare-metal target 'cortex-m55'; it runs in firmware"},
      {"run '" + retargeted("riscv") + "' -n 4", "manifest.json: target:"},
  };
  for (const Case& c : cases) {
    INFO(c.args);
    const RunResult r = run_smolc(c.args);
    CHECK(r.exit_code == 2);
    CHECK(r.err.rfind("smolc: error: ", 0) == 0);
    CHECK(r.err.find(c.expect) != std::string::npos);
  }
  // An --emit-only directory has no library to link.
  const std::string emitted = temp_dir("compiled_dir_emitted");
  REQUIRE(run_smolc("compile " + kStories + " --f32 --target scalar --emit-only -o '" + emitted + "/eng'").exit_code == 0);
  const RunResult r = run_smolc("run '" + emitted + "/eng' -n 4");
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("--emit-only? run src/build.sh") != std::string::npos);
}

TEST_CASE("bench DIR measures the compiled directory and a 512-token context scales the lengths and says so",
          "[cli][bench]") {
  const std::string cache = temp_dir("compiled_dir_bench_cache");
  ::setenv("SMOLC_CACHE_DIR", cache.c_str(), 1);
  const std::string dir = compiled_dir();
  RunResult r = run_smolc("bench '" + dir + "' --reps 1 --json");
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  nlohmann::json j = nlohmann::json::parse(r.out);
  CHECK(j["engine_dir"] == dir);
  CHECK(j["compiled"] == false);
  CHECK(j["ctx"] == 512);
  // A fifth of the context decoded after a long prompt of the rest; the short
  // prompt a quarter of the long one (bench_runner.h).
  CHECK(j["lengths"] == nlohmann::json({{"prompt_short", 102}, {"prompt_long", 410}, {"decode", 102}}));
  CHECK(j["lengths_scaled"] == true);
  CHECK(j["pp512"].get<double>() > 0);
  CHECK_FALSE(fs::exists(cache + "/engines"));

  // The model itself (max_seq_len 512): the bench engine gets its whole
  // context, not the 640 it would otherwise ask for, and the text says what ran.
  RunResult t = run_smolc("bench " + kStories + " --f32 --target scalar --reps 1");
  INFO(t.err);
  REQUIRE(t.exit_code == 0);
  CHECK(t.out.find("context 512 < 640: lengths scaled to fit it (prompts 102 and 410 tokens, 102 decoded)") !=
        std::string::npos);
  CHECK(t.out.find("tg102 @ d410 (tok/s)") != std::string::npos);
}

// --weights external: the bench runner loads DIR/NAME.weights (on Linux into
// memory it asks to be backed by 2 MiB pages) and the engine checks it.
TEST_CASE("bench DIR of an engine with external weights reads DIR/NAME.weights and refuses a damaged one",
          "[cli][bench]") {
  const std::string root = temp_dir("compiled_dir_external");
  const std::string dir = root + "/eng";
  const RunResult c = run_smolc("compile " + kStories + " --f32 --target scalar --weights external --name st_ext -o '" +
                                dir + "'");
  INFO(c.err);
  REQUIRE(c.exit_code == 0);
  RunResult r = run_smolc("bench '" + dir + "' --reps 1 --json");
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  nlohmann::json j = nlohmann::json::parse(r.out);
  CHECK(j["engine_dir"] == dir);
  CHECK(j["pp512"].get<double>() > 0);
  CHECK(j["tg128"].get<double>() > 0);
  // One flipped payload byte: the engine's hash check fails and bench says so.
  std::string bytes = read_file(dir + "/st_ext.weights");
  bytes[bytes.size() - 7] = static_cast<char>(bytes[bytes.size() - 7] ^ 1);
  std::ofstream(dir + "/st_ext.weights", std::ios::binary) << bytes;
  RunResult bad = run_smolc("bench '" + dir + "' --reps 1");
  CHECK(bad.exit_code != 0);
  CHECK(bad.err.find("weights do not match this engine") != std::string::npos);
}

TEST_CASE("every command-line parse error is one smolc: error: line with exit 2") {
  const std::vector<std::string> cases = {
      "",                                    // no command
      "run",                                 // missing positional
      "compile " + kStories + " --bogus",    // unknown option
      "run " + kStories + " --threads abc",  // not a number
      "run " + kStories + " -n",             // missing value
      "cache list extra words",              // extra positionals
      "--nonsense",                          // unknown top-level flag
  };
  for (const std::string& args : cases) {
    INFO(args);
    const RunResult r = run_smolc(args);
    CHECK(r.exit_code == 2);
    CHECK(r.out.empty());
    CHECK(r.err.rfind("smolc: error: ", 0) == 0);
    CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
  }
}
