// PCG32 against the published reference values and an independent Python
// implementation (tools/sampler_golden/make_golden.py), the exact uniform,
// and the runtime exp against libm in double precision.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <cmath>
#include <cstring>
#include <string>

#include "sampler/sampler.h"
#include "support/test_support.h"

TEST_CASE("pcg32 reproduces the published pcg32-demo values for seed 42, stream 54") {
  // pcg-random.org, "Using the pcg-c-basic library": Round 1, 32bit line.
  const uint32_t published[6] = {0xa15c02b7u, 0x7b47f409u, 0xba1d3330u,
                                 0x83d2f293u, 0xbfa4784bu, 0xcbed606eu};
  smolc_pcg32 rng;
  smolc_pcg32_seed(&rng, 42u, 54u);
  for (uint32_t want : published) CHECK(smolc_pcg32_next(&rng) == want);
}

TEST_CASE("pcg32 matches the independent Python implementation for several seeds and streams") {
  auto golden = nlohmann::json::parse(
      smolc::test::read_file(smolc::test::source_dir() + "/tests/sampler/golden/pcg32.json"));
  REQUIRE(golden["rows"].size() >= 5);
  for (const auto& row : golden["rows"]) {
    uint64_t state = std::stoull(row["initstate"].get<std::string>());
    uint64_t seq = std::stoull(row["initseq"].get<std::string>());
    smolc_pcg32 rng;
    smolc_pcg32_seed(&rng, state, seq);
    INFO("initstate " << state << " initseq " << seq);
    for (const auto& want : row["outputs"]) CHECK(smolc_pcg32_next(&rng) == want.get<uint32_t>());
  }
}

TEST_CASE("the sampler seeds pcg32 with (seed, SMOLC_SAMPLER_PCG_STREAM)") {
  auto golden = nlohmann::json::parse(
      smolc::test::read_file(smolc::test::source_dir() + "/tests/sampler/golden/pcg32.json"));
  // Row 1 is (0, stream): the neutral default params draw exactly these.
  const auto& row = golden["rows"][1];
  REQUIRE(std::stoull(row["initseq"].get<std::string>()) == SMOLC_SAMPLER_PCG_STREAM);
  std::vector<unsigned char> work(smolc_sampler_work_bytes(4));
  smolc_sampler s;
  smolc_sampler_params p = smolc_sampler_default_params();
  REQUIRE(smolc_sampler_init(&s, &p, 4, work.data(), work.size()) == SMOLC_SAMPLER_OK);
  for (int i = 0; i < 4; ++i) CHECK(smolc_pcg32_next(&s.rng) == row["outputs"][i].get<uint32_t>());
}

TEST_CASE("uniform is the top 24 bits times 2^-24, exactly, in [0, 1)") {
  smolc_pcg32 a, b;
  smolc_pcg32_seed(&a, 7u, 9u);
  smolc_pcg32_seed(&b, 7u, 9u);
  for (int i = 0; i < 100000; ++i) {
    float u = smolc_pcg32_uniform(&a);
    uint32_t bits = smolc_pcg32_next(&b) >> 8;
    REQUIRE(u >= 0.0f);
    REQUIRE(u < 1.0f);
    REQUIRE((double)u == std::ldexp((double)bits, -24));
  }
}

TEST_CASE("runtime exp is within 4e-7 relative of libm exp over [-87, 0]") {
  double worst = 0;
  for (int i = 0; i <= 2000000; ++i) {
    float x = -87.0f * (float)i / 2000000.0f;
    double want = std::exp((double)x);
    double got = smolc_exp_nonpos(x);
    worst = std::max(worst, std::fabs(got - want) / want);
  }
  INFO("worst relative error " << worst);
  CHECK(worst < 4e-7);
}

TEST_CASE("runtime exp edge values") {
  CHECK(smolc_exp_nonpos(0.0f) == 1.0f);
  CHECK(smolc_exp_nonpos(-0.0f) == 1.0f);
  CHECK(smolc_exp_nonpos(3.0f) == 1.0f);  // clamped to 0
  CHECK(smolc_exp_nonpos(-87.5f) == 0.0f);
  CHECK(smolc_exp_nonpos(-INFINITY) == 0.0f);
  CHECK(smolc_exp_nonpos(NAN) == 0.0f);
  // Never subnormal: the smallest non-zero result is a normal float.
  CHECK(smolc_exp_nonpos(-87.0f) >= 1.17549435e-38f);
  // Monotone non-decreasing on a fine grid, across the 2^k range boundaries.
  float prev = 0.0f;
  for (int i = -87000; i <= 0; ++i) {
    float e = smolc_exp_nonpos((float)i / 1000.0f);
    REQUIRE(e >= prev);
    prev = e;
  }
}
