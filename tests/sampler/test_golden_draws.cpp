// Whole-pipeline draws against tools/sampler_golden/make_golden.py: an
// independent double-precision re-implementation of the documented semantics
// (full sorts, libm exp, the same PCG32 stream), for small and 49152-token
// vocabularies, every cutoff, the penalty and greedy.
#include <catch2/catch.hpp>

#include <vector>

#include "sampler/sampler.h"
#include "sampler/sampler_fixture.h"

TEST_CASE("sampled sequences equal the independent reference implementation's") {
  const std::vector<smolc::test::GoldenDraw> cases = smolc::test::golden_draws();
  REQUIRE(cases.size() >= 10);
  for (const auto& c : cases) {
    smolc::test::SamplerBox box(c.params, (int32_t)c.logits.size());
    REQUIRE(box.init_rc == SMOLC_SAMPLER_OK);
    std::vector<int32_t> got;
    for (size_t i = 0; i < c.expect.size(); ++i) got.push_back(box.sample(c.logits, c.history));
    INFO("case " << c.name);
    CHECK(got == c.expect);
  }
}
