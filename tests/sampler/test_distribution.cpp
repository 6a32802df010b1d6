// Goodness of fit: the sampler's empirical frequencies against probabilities
// computed here in double precision (Pearson chi-square, significance 0.001,
// fixed seeds so the outcome is reproducible), and its reported
// probabilities against the same truths.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>
#include <vector>

#include "sampler/sampler_fixture.h"

using smolc::test::chi2_critical_001;
using smolc::test::chi_square;
using smolc::test::make_params;
using smolc::test::SamplerBox;
using smolc::test::softmax_double;

namespace {

const std::vector<float> kLogits = {1.5f, -0.25f, 3.0f, 0.0f, 2.25f, -1.0f, 0.5f, 2.75f, -2.0f, 1.0f};

// Draws n samples and checks them against `truth` (probabilities per id).
void check_fit(SamplerBox& box, const std::vector<float>& logits, const std::vector<double>& truth,
               long n) {
  std::vector<long> counts(logits.size(), 0);
  for (long i = 0; i < n; ++i) {
    int32_t t = box.sample(logits);
    REQUIRE(t >= 0);
    REQUIRE(t < (int32_t)logits.size());
    REQUIRE(truth[(size_t)t] > 0.0);  // never a token the truth excludes
    ++counts[(size_t)t];
  }
  auto cs = chi_square(counts, truth, n);
  INFO("chi2 " << cs.stat << " df " << cs.df << " critical " << chi2_critical_001(cs.df));
  CHECK(cs.df >= 1);
  CHECK(cs.stat < chi2_critical_001(cs.df));
}

// Kept set under the documented rules, recomputed with full sorts in double.
std::vector<double> truth_with_cutoffs(const std::vector<float>& l, double T, int k, double top_p,
                                       double min_p) {
  std::vector<int> order(l.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](int a, int b) { return l[a] > l[b] || (l[a] == l[b] && a < b); });
  if (k > 0 && k < (int)l.size()) order.resize((size_t)k);
  double lmax = l[(size_t)order[0]];
  if (top_p < 1.0) {
    double total = 0;
    for (int i : order) total += std::exp(l[(size_t)i] - lmax);
    double cum = 0;
    for (size_t j = 0; j < order.size(); ++j) {
      cum += std::exp(l[(size_t)order[j]] - lmax);
      if (cum >= top_p * total) {
        order.resize(j + 1);
        break;
      }
    }
  }
  std::vector<int> kept;
  for (int i : order)
    if (std::exp(l[(size_t)i] - lmax) >= min_p) kept.push_back(i);
  std::vector<double> p(l.size(), 0.0);
  double z = 0;
  for (int i : kept) z += p[(size_t)i] = std::exp((l[(size_t)i] - lmax) / T);
  for (double& x : p) x /= z;
  return p;
}

}  // namespace

TEST_CASE("temperature 1 sampling fits softmax(logits)") {
  SamplerBox box(make_params(1.0f, 0, 1.0f, 0.0f, 101), (int32_t)kLogits.size());
  REQUIRE(box.init_rc == SMOLC_SAMPLER_OK);
  check_fit(box, kLogits, softmax_double(kLogits, 1.0), 200000);
}

TEST_CASE("temperature 0.5 and 2.5 sampling fit softmax(logits / T)") {
  for (float T : {0.5f, 2.5f}) {
    SamplerBox box(make_params(T, 0, 1.0f, 0.0f, 202), (int32_t)kLogits.size());
    INFO("T = " << T);
    check_fit(box, kLogits, softmax_double(kLogits, T), 200000);
  }
}

TEST_CASE("top-k, top-p and min-p sampling fit the renormalised kept distribution") {
  struct Cut {
    float T;
    int k;
    float p, m;
  };
  for (Cut c : {Cut{1.0f, 4, 1.0f, 0.0f}, Cut{0.7f, 0, 0.8f, 0.0f}, Cut{1.3f, 0, 1.0f, 0.2f},
                Cut{0.9f, 6, 0.9f, 0.1f}}) {
    SamplerBox box(make_params(c.T, c.k, c.p, c.m, 303), (int32_t)kLogits.size());
    INFO("T " << c.T << " k " << c.k << " p " << c.p << " min_p " << c.m);
    check_fit(box, kLogits, truth_with_cutoffs(kLogits, c.T, c.k, c.p, c.m), 200000);
  }
}

TEST_CASE("a 49152-token vocabulary with top-k 50 fits the renormalised top 50") {
  std::mt19937 gen(12345);  // std::mt19937 is fully specified: same logits everywhere
  std::normal_distribution<float> nd(0.0f, 2.0f);
  std::vector<float> l(49152);
  for (float& x : l) x = nd(gen);
  SamplerBox box(make_params(0.8f, 50, 1.0f, 0.0f, 404), 49152);
  check_fit(box, l, truth_with_cutoffs(l, 0.8, 50, 1.0, 0.0), 20000);
}

TEST_CASE("reported probabilities equal the independent ones") {
  std::mt19937 gen(777);
  std::normal_distribution<float> nd(0.0f, 3.0f);
  std::vector<float> l(49152);
  for (float& x : l) x = nd(gen);
  struct Cut {
    float T;
    int k;
    float p, m;
  };
  for (Cut c : {Cut{1.0f, 0, 1.0f, 0.0f}, Cut{0.6f, 0, 0.9f, 0.0f}, Cut{1.4f, 200, 0.95f, 0.01f},
                Cut{0.8f, 0, 1.0f, 0.05f}, Cut{1.0f, 0, 0.3f, 0.0f}}) {
    SamplerBox box(make_params(c.T, c.k, c.p, c.m, 1), 49152);
    std::vector<float> probs;
    std::vector<int32_t> ids = box.kept(l, &probs);
    std::vector<double> truth = truth_with_cutoffs(l, c.T, c.k, c.p, c.m);
    INFO("T " << c.T << " k " << c.k << " p " << c.p << " min_p " << c.m);
    size_t expected_kept = (size_t)std::count_if(truth.begin(), truth.end(), [](double x) { return x > 0; });
    REQUIRE(ids.size() == expected_kept);
    double worst = 0, sum = 0;
    for (size_t i = 0; i < ids.size(); ++i) {
      REQUIRE(truth[(size_t)ids[i]] > 0);
      worst = std::max(worst, std::fabs(probs[i] - truth[(size_t)ids[i]]) / truth[(size_t)ids[i]]);
      sum += probs[i];
    }
    CHECK(worst < 2e-5);
    CHECK(std::fabs(sum - 1.0) < 1e-5);
  }
}
