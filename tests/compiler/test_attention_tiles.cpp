// The engine's attention works on tiles of up to 4 consecutive query tokens x
// a KV head's query heads, each token stopping at its own causal limit. Every
// prompt length 1..23 in one prefill call (so every tile remainder, a 16-token
// prefill step plus a partial one, and groups split across threads) against
// the reference engine, and the split over 1 and 3 threads bit for bit.
#include <catch2/catch.hpp>
#include <cstring>

#include "engine_fixture.h"

using namespace smolc;
using namespace smolc::test;

namespace {

std::string tiny_model(const std::string& test) {
  const std::string dir = temp_dir(test + "_model");
  RunResult r = run_smolc("synth --preset tiny --seed 11 --dtype f32 -o '" + dir + "'");
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  return dir;
}

// Token ids spread over the tiny vocabulary.
std::vector<int32_t> prompt_of(int n) {
  std::vector<int32_t> p;
  uint32_t x = 2463534242u;
  for (int i = 0; i < n; ++i) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    p.push_back(static_cast<int32_t>(x % 32000u));
  }
  return p;
}

void check_every_length(const Engine& e, const Checkpoint& ck, double tol) {
  for (int n = 1; n <= 23; ++n) {
    INFO("prompt length " << n);
    const std::vector<int32_t> prompt = prompt_of(n);
    EngineRun one = run_engine(e, prompt, 3, 1, 64);
    check_against_reference(ck, prompt, one, 128, tol, false);
    EngineRun three = run_engine(e, prompt, 3, 3, 64);
    CHECK(three.tokens == one.tokens);
    REQUIRE(three.logits.size() == one.logits.size());
    CHECK(std::memcmp(three.logits.data(), one.logits.data(), one.logits.size() * sizeof(float)) == 0);
  }
}

}  // namespace

TEST_CASE("attention tiles: prompts of 1..23 tokens match the reference, f32 KV cache") {
  const std::string model = tiny_model("tiles_f32");
  Checkpoint ck = load_checkpoint(model);
  Engine e = compile_engine(model, "--f32 --ctx 128 --target native", "tiles_f32", "tiles_f32");
  check_every_length(e, ck, 1e-6);
}

TEST_CASE("attention tiles: prompts of 1..23 tokens match the reference, f16 KV cache") {
  const std::string model = tiny_model("tiles_f16");
  Checkpoint ck = load_checkpoint(model);
  Engine e = compile_engine(model, "--f32 --kv f16 --ctx 128 --target native", "tiles_kvf16", "tiles_f16");
  check_every_length(e, ck, 1e-4);
}
