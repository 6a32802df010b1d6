// The work buffer bounded by top-k (SMOLC_SAMPLER_WORK_BYTES_TOP_K): sizes,
// the error for a short buffer, no write past the bound, and the same draws
// as the independent reference implementation (golden/draws.json) and as a
// full sort done here.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "sampler/sampler.h"
#include "sampler/sampler_fixture.h"
#include "support/test_support.h"

namespace {

constexpr unsigned char kCanary = 0xA5;
constexpr size_t kGuard = 256;

// A sampler whose work buffer is exactly smolc_sampler_work_bytes_for(vocab,
// top_k) bytes, followed by a guard zone that must stay untouched.
struct TightBox {
  std::vector<unsigned char> mem;
  size_t bytes = 0;
  smolc_sampler s{};
  int init_rc = 0;
  TightBox(const smolc_sampler_params& p, int32_t vocab) {
    bytes = smolc_sampler_work_bytes_for(vocab, p.top_k);
    mem.assign(bytes + kGuard, kCanary);
    init_rc = smolc_sampler_init(&s, &p, vocab, mem.data(), bytes);
  }
  bool guard_intact() const {
    return std::all_of(mem.begin() + (long)bytes, mem.end(), [](unsigned char c) { return c == kCanary; });
  }
};

// The top-k ids by an independent full sort: penalty applied to each distinct
// id of the window, NaN as -inf, +inf as FLT_MAX, (logit desc, id asc).
std::vector<int32_t> truth_top_k(std::vector<float> l, const std::vector<int32_t>& window, float penalty,
                                 int32_t k) {
  for (float& x : l) x = std::isnan(x) ? -INFINITY : std::min(x, FLT_MAX);
  std::vector<bool> seen(l.size());
  for (int32_t id : window) {
    if (seen[(size_t)id]) continue;
    seen[(size_t)id] = true;
    float& x = l[(size_t)id];
    x = std::min(x > 0 ? x / penalty : x * penalty, FLT_MAX);
  }
  std::vector<int32_t> ids(l.size());
  for (size_t i = 0; i < ids.size(); ++i) ids[i] = (int32_t)i;
  std::stable_sort(ids.begin(), ids.end(), [&](int32_t a, int32_t b) { return l[(size_t)a] > l[(size_t)b]; });
  ids.resize((size_t)k);
  return ids;
}

}  // namespace

TEST_CASE("work bytes: top-k bounds the buffer, a constant expression, vocab-sized otherwise") {
  // 40 candidates of 12 B, the 49,152-bit seen set, 16 B slack.
  static_assert(SMOLC_SAMPLER_WORK_BYTES_TOP_K(49152, 40) == 40 * 12 + 49152 / 8 + 16, "formula");
  CHECK(smolc_sampler_work_bytes_for(49152, 40) == 6640);
  CHECK(smolc_sampler_work_bytes(49152) == 595984);
  for (int32_t k : {0, -3, 49152, 60000})
    CHECK(smolc_sampler_work_bytes_for(49152, k) == smolc_sampler_work_bytes(49152));
  CHECK(smolc_sampler_work_bytes_for(49152, 49151) < smolc_sampler_work_bytes(49152));
  CHECK(smolc_sampler_work_bytes_for(0, 40) == 0);
  CHECK(smolc_sampler_work_bytes_for(SMOLC_SAMPLER_MAX_VOCAB + 1, 40) == 0);
}

TEST_CASE("a work buffer below the top-k bound is refused with SMOLC_SAMPLER_E_WORK") {
  smolc_sampler_params p = smolc::test::make_params(0.8f, 40);
  const size_t need = smolc_sampler_work_bytes_for(49152, 40);
  std::vector<unsigned char> work(need);
  smolc_sampler s;
  CHECK(smolc_sampler_init(&s, &p, 49152, work.data(), need - 1) == SMOLC_SAMPLER_E_WORK);
  REQUIRE(smolc_sampler_init(&s, &p, 49152, work.data(), need) == SMOLC_SAMPLER_OK);
  CHECK(std::string(smolc_sampler_strerror(SMOLC_SAMPLER_E_WORK)).find("work buffer") != std::string::npos);
  // Widening top-k (or switching it off) after init needs the larger buffer:
  // the sample call says so instead of writing past the end.
  std::vector<float> l(49152, 0.0f);
  s.params.top_k = 0;
  smolc_pcg32 before = s.rng;
  CHECK(smolc_sampler_sample(&s, l.data(), nullptr, 0) == SMOLC_SAMPLER_E_WORK);
  int32_t id = 0;
  CHECK(smolc_sampler_candidates(&s, l.data(), nullptr, 0, &id, nullptr, 1) == SMOLC_SAMPLER_E_WORK);
  CHECK(s.rng.state == before.state);
  s.params.top_k = 41;
  CHECK(smolc_sampler_sample(&s, l.data(), nullptr, 0) == SMOLC_SAMPLER_E_WORK);
  s.params.top_k = 12;  // narrower fits
  CHECK(smolc_sampler_sample(&s, l.data(), nullptr, 0) >= 0);
  for (int32_t code = 0; code >= -6; --code) CHECK(smolc_sampler_strerror(code) != nullptr);
}

TEST_CASE("golden draws with the tightest buffer equal the reference implementation's") {
  int bounded_cases = 0;
  for (const auto& c : smolc::test::golden_draws()) {
    TightBox box(c.params, (int32_t)c.logits.size());
    REQUIRE(box.init_rc == SMOLC_SAMPLER_OK);
    if (box.bytes < smolc_sampler_work_bytes((int32_t)c.logits.size())) ++bounded_cases;
    std::vector<int32_t> got;
    for (size_t i = 0; i < c.expect.size(); ++i)
      got.push_back(smolc_sampler_sample(&box.s, c.logits.data(), c.history.data(), (int32_t)c.history.size()));
    INFO("case " << c.name);
    CHECK(got == c.expect);
    CHECK(box.guard_intact());
  }
  CHECK(bounded_cases >= 4);  // topk5, all, big_topk40, big_all
}

TEST_CASE("bounded top-k over ties, NaN, infinities and a penalty keeps what a full sort keeps") {
  std::mt19937 rng(20261206);
  for (int trial = 0; trial < 60; ++trial) {
    const int32_t vocab = 1 + (int32_t)(rng() % 3000);
    const int32_t k = 1 + (int32_t)(rng() % (uint32_t)vocab);
    std::vector<float> l((size_t)vocab);
    // Few distinct values, so ties are everywhere.
    for (float& x : l) x = (float)((int)(rng() % 9) - 4) * 0.75f;
    for (int j = 0; j < 5; ++j) {
      l[rng() % (uint32_t)vocab] = NAN;
      l[rng() % (uint32_t)vocab] = INFINITY;
      l[rng() % (uint32_t)vocab] = -INFINITY;
    }
    std::vector<int32_t> history(rng() % 40);
    for (int32_t& id : history) id = (int32_t)(rng() % (uint32_t)vocab);
    smolc_sampler_params p = smolc::test::make_params(1.0f, k);
    p.repeat_penalty = 1.5f;
    p.repeat_last_n = 16;
    const size_t start = history.size() > 16 ? history.size() - 16 : 0;
    const std::vector<int32_t> window(history.begin() + (long)start, history.end());
    const std::vector<int32_t> truth = truth_top_k(l, window, 1.5f, k);

    TightBox box(p, vocab);
    REQUIRE(box.init_rc == SMOLC_SAMPLER_OK);
    std::vector<int32_t> ids((size_t)k);
    const int32_t n = smolc_sampler_candidates(&box.s, l.data(), history.data(), (int32_t)history.size(),
                                               ids.data(), nullptr, k);
    INFO("trial " << trial << " vocab " << vocab << " k " << k);
    REQUIRE(n == k);
    CHECK(ids == truth);
    // Greedy under the same bound: the best of the full sort.
    box.s.params.temperature = 0.0f;
    CHECK(smolc_sampler_sample(&box.s, l.data(), history.data(), (int32_t)history.size()) == truth[0]);
    CHECK(box.guard_intact());
  }
}
