// Whole-pipeline draws against tools/sampler_golden/make_golden.py: an
// independent double-precision re-implementation of the documented semantics
// (full sorts, libm exp, the same PCG32 stream), for small and 49152-token
// vocabularies, every cutoff, the penalty and greedy.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "sampler/sampler.h"
#include "support/test_support.h"
#include "sampler/sampler_fixture.h"

namespace {

std::vector<float> logits_for(const nlohmann::json& spec) {
  const int64_t v = spec["vocab"], a = spec["a"], b = spec["b"], m = spec["m"];
  const double scale = spec["scale"], offset = spec["offset"];
  std::vector<float> l((size_t)v);
  // Integers over a power of two: exact in float, so both sides see the same logits.
  for (int64_t i = 0; i < v; ++i) l[(size_t)i] = (float)((double)((i * a + b) % m) / scale - offset);
  return l;
}

}  // namespace

TEST_CASE("sampled sequences equal the independent reference implementation's") {
  auto golden = nlohmann::json::parse(
      smolc::test::read_file(smolc::test::source_dir() + "/tests/sampler/golden/draws.json"));
  REQUIRE(golden["cases"].size() >= 10);
  for (const auto& c : golden["cases"]) {
    const auto& jp = c["params"];
    smolc_sampler_params p = smolc_sampler_default_params();
    p.temperature = jp["temperature"];
    p.top_k = jp["top_k"];
    p.top_p = jp["top_p"];
    p.min_p = jp["min_p"];
    p.repeat_penalty = jp["repeat_penalty"];
    p.repeat_last_n = jp["repeat_last_n"];
    p.seed = std::stoull(jp["seed"].get<std::string>());
    std::vector<float> logits = logits_for(c["logits"]);
    std::vector<int32_t> history = c["history"].get<std::vector<int32_t>>();
    smolc::test::SamplerBox box(p, (int32_t)logits.size());
    REQUIRE(box.init_rc == SMOLC_SAMPLER_OK);
    std::vector<int32_t> got;
    for (size_t i = 0; i < c["expect"].size(); ++i) got.push_back(box.sample(logits, history));
    INFO("case " << c["name"].get<std::string>());
    CHECK(got == c["expect"].get<std::vector<int32_t>>());
  }
}
