// `smolc cache list|prune|clear` and the engine cache's cap: least recently
// used entries go first, the one just compiled never. Engines are compiled
// with `smolc bench --prepare` (compile only) from a tiny synthetic model.
// The cache's other entries (what `run DIR` / `bench DIR` link, firmware
// builds) are counted and evicted with the engines.
#include <catch2/catch.hpp>
#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "support/test_support.h"

using smolc::test::RunResult;
using smolc::test::run_shell;
using smolc::test::run_smolc;

namespace {

RunResult in_cache(const std::string& cache, const std::string& args, const std::string& env = "") {
  return run_shell("SMOLC_CACHE_DIR='" + cache + "' " + env + " '" + smolc::test::smolc_bin() + "' " + args);
}

// Every file under dir with its size and mtime.
std::vector<std::string> snapshot(const std::string& dir) {
  std::vector<std::string> v;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir))
    if (e.is_regular_file())
      v.push_back(e.path().string() + " " + std::to_string(e.file_size()) + " " +
                  std::to_string(e.last_write_time().time_since_epoch().count()));
  std::sort(v.begin(), v.end());
  return v;
}

size_t count_in(const std::string& dir) {
  if (!std::filesystem::exists(dir)) return 0;
  size_t n = 0;
  for (const auto& d : std::filesystem::directory_iterator(dir)) n += d.path().filename().string()[0] != '.';
  return n;
}

size_t entries(const std::string& cache) {
  size_t n = 0;
  for (const auto& d : std::filesystem::directory_iterator(cache + "/engines")) n += d.is_directory();
  return n;
}

}  // namespace

TEST_CASE("the engine cache lists its engines and evicts the least recently used past its cap") {
  const std::string root = smolc::test::temp_dir("cli_cache");
  const std::string model = root + "/tiny", cache = root + "/cache";
  REQUIRE(run_smolc("synth --preset tiny --dtype f32 --seed 3 -o '" + model + "'").exit_code == 0);
  const std::string prep = "bench '" + model + "' --prepare --target scalar --ctx 640 ";
  REQUIRE(in_cache(cache, prep + "--f32").exit_code == 0);
  REQUIRE(in_cache(cache, prep + "--bf16").exit_code == 0);
  REQUIRE(in_cache(cache, prep + "--f32").exit_code == 0);  // reused: now the most recent
  const RunResult l = in_cache(cache, "cache list");
  INFO(l.out << l.err);
  REQUIRE(l.exit_code == 0);
  const size_t f32 = l.out.find("tiny_f32-scalar-"), bf16 = l.out.find("tiny_bf16-scalar-");
  REQUIRE(f32 != std::string::npos);
  REQUIRE(bf16 != std::string::npos);
  CHECK(f32 < bf16);  // most recently used first
  CHECK(l.out.find("2 entries (2 engines, 0 linked, 0 firmware)") != std::string::npos);

  // A 1 MB cap: compiling a third engine keeps it and evicts both others,
  // the least recently used (bf16) first, with a note for each.
  const RunResult q8 = in_cache(cache, prep + "--q8", "SMOLC_CACHE_MAX_MB=1");
  INFO(q8.err);
  REQUIRE(q8.exit_code == 0);
  const size_t n_bf16 = q8.err.find("removed the least recently used engine tiny_bf16");
  const size_t n_f32 = q8.err.find("removed the least recently used engine tiny_f32");
  REQUIRE(n_bf16 != std::string::npos);
  REQUIRE(n_f32 != std::string::npos);
  CHECK(n_bf16 < n_f32);
  CHECK(entries(cache) == 1);
  CHECK(in_cache(cache, "cache list").out.find("tiny_q8-scalar-") != std::string::npos);

  // prune keeps what fits; clear removes everything.
  REQUIRE(in_cache(cache, prep + "--f32").exit_code == 0);
  CHECK(in_cache(cache, "cache prune --max-mb 100000").out.find("0 entries (0 engines, 0 linked, 0 firmware) removed") !=
        std::string::npos);
  CHECK(entries(cache) == 2);
  const RunResult c = in_cache(cache, "cache clear");
  CHECK(c.out.find("2 entries (2 engines, 0 linked, 0 firmware) removed") != std::string::npos);
  CHECK(entries(cache) == 0);

  // Bad input: exit 2 with the name of what is wrong.
  const RunResult bad = in_cache(cache, "cache frob");
  CHECK(bad.exit_code == 2);
  CHECK(bad.err.find("unknown action") != std::string::npos);
  CHECK(in_cache(cache, "cache prune --max-mb -1").exit_code == 2);
  const RunResult cap = in_cache(cache, prep + "--f32", "SMOLC_CACHE_MAX_MB=lots");
  CHECK(cap.exit_code == 2);
  CHECK(cap.err.find("SMOLC_CACHE_MAX_MB") != std::string::npos);
}

TEST_CASE("linked objects of compiled directories and firmware builds are cache entries, listed and evicted LRU") {
  const std::string root = smolc::test::temp_dir("cli_cache_kinds");
  const std::string cache = root + "/cache", dir = root + "/eng";
  REQUIRE(run_smolc("compile '" + smolc::test::stories_dir() + "/stories260K.bin' --f32 --target scalar -o '" + dir + "'")
              .exit_code == 0);
  const auto before = snapshot(dir);
  // run DIR links a shared object, bench DIR a runner: both into cache/linked,
  // the user's directory untouched.
  const RunResult r = in_cache(cache, "run '" + dir + "' --temp 0 -n 4 -q");
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  const RunResult b = in_cache(cache, "bench '" + dir + "' --prepare");
  INFO(b.err);
  REQUIRE(b.exit_code == 0);
  CHECK(snapshot(dir) == before);
  CHECK(count_in(cache + "/linked") == 2);
  // A firmware build's folder (tests/firmware builds real ones; here only its
  // bytes matter): 3 MiB, last used long ago.
  const std::string fw = cache + "/firmware/mps2-an500-q8";
  std::filesystem::create_directories(fw);
  std::ofstream(fw + "/image.elf", std::ios::binary) << std::string(3u << 20, 'x');
  std::ofstream(fw + "/.last_used") << 1 << "\n";

  const RunResult l = in_cache(cache, "cache list");
  INFO(l.out);
  REQUIRE(l.exit_code == 0);
  CHECK(l.out.find("3 entries (0 engines, 2 linked, 1 firmware)") != std::string::npos);
  CHECK(l.out.find("linked    engine-") != std::string::npos);
  CHECK(l.out.find("linked    runner-") != std::string::npos);
  const size_t fw_at = l.out.find("firmware  mps2-an500-q8");
  REQUIRE(fw_at != std::string::npos);
  CHECK(fw_at > l.out.find("linked    engine-"));  // least recently used: listed last
  CHECK(l.out.find("3.1 MB  firmware") != std::string::npos);

  // Past a 3 MiB cap the next run DIR keeps its own object and removes the
  // least recently used entry, the firmware build, with a note.
  const RunResult again = in_cache(cache, "run '" + dir + "' --temp 0 -n 4 -q", "SMOLC_CACHE_MAX_MB=3");
  INFO(again.err);
  REQUIRE(again.exit_code == 0);
  CHECK(again.err.find("removed the least recently used firmware mps2-an500-q8") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(fw));
  CHECK(count_in(cache + "/linked") == 2);

  const RunResult c = in_cache(cache, "cache clear");
  CHECK(c.out.find("2 entries (0 engines, 2 linked, 0 firmware) removed") != std::string::npos);
  CHECK(count_in(cache + "/linked") == 0);
  CHECK(snapshot(dir) == before);
}
