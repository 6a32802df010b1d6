// `smolc run --speculate`: the CLI's generation loop with prompt-lookup
// speculation prints exactly what the plain loop prints (greedy and sampled,
// compiled and reference engines); a bad N is exit code 2.
#include <stdlib.h>

#include <catch2/catch.hpp>

#include "support/test_support.h"

using namespace smolc::test;

namespace {

std::string stories_run(const std::string& args) {
  return std::string("run '").append(stories_dir()).append("/stories260K.bin' ").append(args);
}

}  // namespace

TEST_CASE("run --speculate prints what plain decoding prints") {
  ::setenv("SMOLC_CACHE_DIR", temp_dir("run_speculate_cache").c_str(), 1);
  for (const std::string engine : {"--q8", "--f32", "--reference"}) {
    for (const std::string sampling : {"--temp 0", "--temp 0.8 --seed 3"}) {
      INFO(engine << " " << sampling);
      // A prompt that repeats itself, so guesses are made and accepted.
      const std::string args = engine + " " + sampling +
                               " -n 160 -p 'Lily saw a big red ball. Lily saw a big red ball. Lily saw a big'";
      const RunResult plain = run_smolc(stories_run(args));
      const RunResult spec = run_smolc(stories_run(args + " --speculate 6"));
      REQUIRE(plain.exit_code == 0);
      REQUIRE(spec.exit_code == 0);
      CHECK(spec.out == plain.out);
      CHECK(spec.err.find("smolc: speculation: ") != std::string::npos);
      CHECK(spec.err.find(" 0 of ") == std::string::npos);  // some guesses were accepted
    }
  }
}

TEST_CASE("run --speculate rejects 0 and combining with --dump-logits with exit code 2") {
  CHECK(run_smolc(stories_run("--reference -n 4 --speculate 0")).exit_code == 2);
  CHECK(run_smolc(stories_run("--reference -n 4 --speculate 4 --dump-logits " + temp_dir("spec_dump") + "/x.npy"))
            .exit_code == 2);
}
