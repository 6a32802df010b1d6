// `smolc cache list|prune|clear` and the engine cache's cap: least recently
// used entries go first, the one just compiled never. Engines are compiled
// with `smolc bench --prepare` (compile only) from a tiny synthetic model.
#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>

#include "support/test_support.h"

using smolc::test::RunResult;
using smolc::test::run_shell;
using smolc::test::run_smolc;

namespace {

RunResult in_cache(const std::string& cache, const std::string& args, const std::string& env = "") {
  return run_shell("SMOLC_CACHE_DIR='" + cache + "' " + env + " '" + smolc::test::smolc_bin() + "' " + args);
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
  CHECK(l.out.find("2 engines") != std::string::npos);

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
  CHECK(in_cache(cache, "cache prune --max-mb 100000").out.find("0 engines removed") != std::string::npos);
  CHECK(entries(cache) == 2);
  const RunResult c = in_cache(cache, "cache clear");
  CHECK(c.out.find("2 engines removed") != std::string::npos);
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
