// The documented rules one by one, on inputs whose answers are known exactly:
// top-p's boundary (equal logits give probabilities k/n exactly), top-k ties,
// min-p thresholds, the order of the cutoffs, penalty arithmetic, greedy
// tie-breaking, determinism and the error codes.
#include <catch2/catch.hpp>

#include <cmath>
#include <set>
#include <vector>

#include "sampler/sampler_fixture.h"

using smolc::test::make_params;
using smolc::test::SamplerBox;
using smolc::test::softmax_double;

namespace {
std::vector<int32_t> iota_ids(int32_t n) {
  std::vector<int32_t> v;
  for (int32_t i = 0; i < n; ++i) v.push_back(i);
  return v;
}
}  // namespace

TEST_CASE("top-p keeps the token that crosses the threshold, exactly at the boundary") {
  // 8 equal logits: every probability is exactly 1/8 and the sorted order is
  // by id, so the mass of the first k tokens is exactly k/8.
  std::vector<float> l(8, 0.5f);
  for (int k = 1; k <= 8; ++k) {
    float at = (float)k / 8.0f;
    INFO("k = " << k);
    // Mass k/8 >= top_p = k/8: k tokens suffice (the k-th reaches the threshold).
    SamplerBox exact(make_params(1.0f, 0, at), 8);
    CHECK(exact.kept(l) == iota_ids(k));
    // Just below: still k (the k-th token crosses it and is kept).
    SamplerBox below(make_params(1.0f, 0, std::nextafter(at, 0.0f)), 8);
    CHECK(below.kept(l) == iota_ids(k));
    if (k < 8) {
      // Just above: k tokens fall short, the (k+1)-th is needed.
      SamplerBox above(make_params(1.0f, 0, std::nextafter(at, 1.0f)), 8);
      CHECK(above.kept(l) == iota_ids(k + 1));
    }
  }
}

TEST_CASE("top-p boundary with exact non-uniform masses, without and after top-k") {
  // Probabilities 1/2, 1/4, 1/8, 1/8 need logits ln 2 apart, not exact in
  // float; instead use multiplicities: four tokens share the top logit and
  // twelve sit at -200 (weight exactly 0). Masses are 1/4 each among 4.
  std::vector<float> l(16, -200.0f);
  for (int i : {9, 3, 14, 6}) l[(size_t)i] = 2.0f;
  SamplerBox half(make_params(1.0f, 0, 0.5f), 16);
  CHECK(half.kept(l) == std::vector<int32_t>{3, 6});  // ties by id
  SamplerBox more(make_params(1.0f, 0, std::nextafter(0.5f, 1.0f)), 16);
  CHECK(more.kept(l) == std::vector<int32_t>{3, 6, 9});
  // After top-k 2, top-p is relative to the two kept: 0.5 keeps one.
  SamplerBox k2(make_params(1.0f, 2, 0.5f), 16);
  CHECK(k2.kept(l) == std::vector<int32_t>{3});
}

TEST_CASE("top-p on a large vocabulary keeps the same set as a full sort") {
  // Exact ties across the cutoff and a long tail: the chunked selection must
  // agree with the definition on every threshold.
  std::vector<float> l(49152);
  for (int32_t i = 0; i < 49152; ++i) l[(size_t)i] = (float)((i * 7919 + 3) % 4099) / 256.0f - 8.0f;
  std::vector<int32_t> order = iota_ids(49152);
  std::sort(order.begin(), order.end(), [&](int32_t a, int32_t b) {
    return l[(size_t)a] > l[(size_t)b] || (l[(size_t)a] == l[(size_t)b] && a < b);
  });
  for (float top_p : {0.01f, 0.2f, 0.5f, 0.9f, 0.999f}) {
    SamplerBox box(make_params(1.0f, 0, top_p), 49152);
    std::vector<int32_t> kept = box.kept(l);
    INFO("top_p " << top_p << " kept " << kept.size());
    REQUIRE(!kept.empty());
    CHECK(kept == std::vector<int32_t>(order.begin(), order.begin() + (long)kept.size()));
    // Minimality and sufficiency, in double.
    double lmax = l[(size_t)order[0]], total = 0, cum = 0;
    for (float x : l) total += std::exp((double)x - lmax);
    for (size_t i = 0; i + 1 < kept.size(); ++i) cum += std::exp((double)l[(size_t)kept[i]] - lmax);
    CHECK(cum / total < top_p + 1e-6);
    cum += std::exp((double)l[(size_t)kept.back()] - lmax);
    CHECK(cum / total >= top_p - 1e-6);
  }
}

TEST_CASE("top-p whose cutoff lies far below the max (the catch-all bucket) is still exact") {
  // One dominant token 20 above 10000 equal ones: reaching 0.9999999 needs
  // tail tokens more than 16 logits below the max, where buckets end.
  std::vector<float> l(10001, 0.0f);
  l[5000] = 20.0f;
  const float top_p = 0.9999999f;  // the float is 1 - 2^-23; the truth uses that value
  SamplerBox box(make_params(1.0f, 0, top_p), 10001);
  std::vector<int32_t> kept = box.kept(l);
  double top = std::exp(20.0), total = top + 10000.0;
  // Smallest m with (top + (m - 1)) / total >= p, the tail in id order.
  size_t m = 1;
  while ((top + (double)(m - 1)) / total < (double)top_p) ++m;
  REQUIRE(m > 1);
  REQUIRE(kept.size() == m);
  CHECK(kept[0] == 5000);
  for (size_t i = 1; i < m; ++i) CHECK(kept[i] == (int32_t)(i - 1 < 5000 ? i - 1 : i));
}

TEST_CASE("top-k keeps the k highest, ties broken towards the lower id") {
  std::vector<float> l = {1.0f, 5.0f, 3.0f, 5.0f, 3.0f, 3.0f, -1.0f, 4.0f};
  SamplerBox k1(make_params(1.0f, 1), 8);
  CHECK(k1.kept(l) == std::vector<int32_t>{1});
  SamplerBox k4(make_params(1.0f, 4), 8);
  CHECK(k4.kept(l) == std::vector<int32_t>{1, 3, 7, 2});
  SamplerBox k5(make_params(1.0f, 5), 8);
  CHECK(k5.kept(l) == std::vector<int32_t>{1, 3, 7, 2, 4});
  SamplerBox all(make_params(1.0f, 8), 8);  // k >= vocab: disabled, id order
  CHECK(all.kept(l) == iota_ids(8));
}

TEST_CASE("min-p keeps p >= min_p * p_max") {
  // p_i / p_max = exp(l_i - l_max): 1, e^-0.5 = 0.6065, e^-1 = 0.3679, e^-2 = 0.1353.
  std::vector<float> l = {0.0f, -1.0f, -0.5f, -2.0f};
  auto kept_at = [&](float m) { return SamplerBox(make_params(1.0f, 0, 1.0f, m), 4).kept(l); };
  CHECK(kept_at(0.1f) == std::vector<int32_t>{0, 1, 2, 3});
  CHECK(kept_at(0.14f) == std::vector<int32_t>{0, 1, 2});
  CHECK(kept_at(0.36f) == std::vector<int32_t>{0, 1, 2});
  CHECK(kept_at(0.37f) == std::vector<int32_t>{0, 2});
  CHECK(kept_at(0.61f) == std::vector<int32_t>{0});
  // Exactly at the threshold: equal logits have ratio exactly 1, kept at min_p = 1.
  std::vector<float> tie = {2.0f, 1.0f, 2.0f};
  CHECK(SamplerBox(make_params(1.0f, 0, 1.0f, 1.0f), 3).kept(tie) == std::vector<int32_t>{0, 2});
}

TEST_CASE("cutoffs see the temperature-1 distribution: the kept set ignores temperature") {
  std::vector<float> l = {0.3f, 2.0f, -1.0f, 1.2f, 0.9f, 1.9f, -0.2f, 0.0f};
  for (float T : {0.2f, 1.0f, 5.0f}) {
    INFO("T " << T);
    CHECK(SamplerBox(make_params(T, 0, 0.6f), 8).kept(l) == SamplerBox(make_params(1.0f, 0, 0.6f), 8).kept(l));
    CHECK(SamplerBox(make_params(T, 0, 1.0f, 0.4f), 8).kept(l) ==
          SamplerBox(make_params(1.0f, 0, 1.0f, 0.4f), 8).kept(l));
  }
  // But the probabilities over the kept set follow softmax(l / T).
  std::vector<float> probs;
  std::vector<int32_t> ids = SamplerBox(make_params(0.5f, 3), 8).kept(l, &probs);
  REQUIRE(ids == std::vector<int32_t>{1, 5, 3});
  std::vector<float> top3 = {2.0f, 1.9f, 1.2f};
  std::vector<double> truth = softmax_double(top3, 0.5);
  for (size_t i = 0; i < 3; ++i) CHECK(std::fabs(probs[i] - truth[i]) < 1e-6);
}

TEST_CASE("repetition penalty: positive logits divided, others multiplied, once per distinct id") {
  smolc_sampler_params p = make_params(1.0f);
  p.repeat_penalty = 2.0f;
  p.repeat_last_n = 4;
  std::vector<float> l = {4.0f, -1.0f, 0.0f, 3.0f, 1.0f};
  // Window = last 4 of {3, 0, 0, 0, 1}: {0, 0, 0, 1}; token 3 is outside it.
  std::vector<int32_t> hist = {3, 0, 0, 0, 1};
  std::vector<float> penalised = {2.0f, -2.0f, 0.0f, 3.0f, 1.0f};  // 4/2 once (not 4/8), -1*2
  std::vector<float> probs;
  std::vector<int32_t> ids = SamplerBox(p, 5).kept(l, &probs, hist);
  REQUIRE(ids == iota_ids(5));
  std::vector<double> truth = softmax_double(penalised, 1.0);
  for (size_t i = 0; i < 5; ++i) CHECK(std::fabs(probs[i] - truth[i]) < 1e-6);
  // Penalty below 1 boosts instead; window -1 covers the whole history.
  p.repeat_penalty = 0.5f;
  p.repeat_last_n = -1;
  ids = SamplerBox(p, 5).kept(l, &probs, hist);
  truth = softmax_double({8.0f, -0.5f, 0.0f, 6.0f, 1.0f}, 1.0);  // ids 0, 1, 3 in history
  for (size_t i = 0; i < 5; ++i) CHECK(std::fabs(probs[i] - truth[i]) < 1e-6);
  // Greedy sees the penalised logits: token 0 (4.0) wins until penalised.
  smolc_sampler_params g = make_params(0.0f);
  g.repeat_penalty = 1.5f;
  SamplerBox greedy(g, 5);
  CHECK(greedy.sample(l) == 0);
  CHECK(greedy.sample(l, {0}) == 3);  // 4 / 1.5 = 2.67 < 3
  g.repeat_last_n = 0;                // window 0: disabled
  CHECK(SamplerBox(g, 5).sample(l, {0}) == 0);
}

TEST_CASE("a penalty that overflows a logit to infinity still gives a valid distribution") {
  smolc_sampler_params p = make_params(1.0f);
  p.repeat_penalty = 1e-30f;  // boost: 1e10 / 1e-30 overflows float
  std::vector<float> l = {1e10f, 5.0f, -3.0f};
  std::vector<float> probs;
  SamplerBox box(p, 3);
  std::vector<int32_t> ids = box.kept(l, &probs, {0});
  REQUIRE(ids.size() == 3);
  CHECK(probs[0] == 1.0f);
  CHECK(probs[1] == 0.0f);
  for (int i = 0; i < 20; ++i) CHECK(box.sample(l, {0}) == 0);
}

TEST_CASE("greedy: temperature 0 picks the argmax, ties to the lowest id, and draws nothing") {
  std::vector<float> l = {1.0f, 3.0f, -2.0f, 3.0f, 2.5f};
  SamplerBox box(make_params(0.0f), 5);
  smolc_pcg32 before = box.s.rng;
  for (int i = 0; i < 5; ++i) CHECK(box.sample(l) == 1);
  CHECK(box.s.rng.state == before.state);
  CHECK(SamplerBox(make_params(-1.0f), 5).sample(l) == 1);
  CHECK(smolc_argmax(l.data(), 5) == 1);
  std::vector<float> with_nan = {NAN, 0.5f, NAN, 0.75f};
  CHECK(smolc_argmax(with_nan.data(), 4) == 3);
  CHECK(SamplerBox(make_params(0.0f), 4).sample(with_nan) == 3);
  // NaN is never sampled and +inf wins outright.
  SamplerBox hot(make_params(1.0f), 4);
  for (int i = 0; i < 200; ++i) {
    int32_t t = hot.sample(with_nan);
    REQUIRE((t == 1 || t == 3));
  }
  std::vector<float> with_inf = {0.0f, INFINITY, 1e30f, -INFINITY};
  for (int i = 0; i < 50; ++i) CHECK(hot.sample(with_inf) == 1);
}

TEST_CASE("same seed gives the same sequence, different seeds differ, reseed restarts") {
  std::vector<float> l(1000);
  for (int i = 0; i < 1000; ++i) l[(size_t)i] = (float)((i * 37) % 97) / 10.0f;
  auto run = [&](uint64_t seed) {
    SamplerBox box(make_params(1.0f, 0, 0.95f, 0.0f, seed), 1000);
    std::vector<int32_t> out;
    for (int i = 0; i < 500; ++i) out.push_back(box.sample(l));
    return out;
  };
  CHECK(run(1) == run(1));
  CHECK(run(1) != run(2));
  CHECK(run(0) != run(0xFFFFFFFFFFFFFFFFull));
  SamplerBox box(make_params(1.0f, 0, 0.95f, 0.0f, 5), 1000);
  std::vector<int32_t> first, again;
  for (int i = 0; i < 100; ++i) first.push_back(box.sample(l));
  smolc_sampler_reseed(&box.s, 5);
  for (int i = 0; i < 100; ++i) again.push_back(box.sample(l));
  CHECK(first == again);
  // candidates() does not consume random numbers.
  smolc_sampler_reseed(&box.s, 5);
  box.kept(l);
  CHECK(box.sample(l) == first[0]);
}

TEST_CASE("bad arguments return error codes and change nothing") {
  std::vector<unsigned char> work(smolc_sampler_work_bytes(10));
  smolc_sampler s;
  smolc_sampler_params p = smolc_sampler_default_params();
  CHECK(smolc_sampler_work_bytes(0) == 0);
  CHECK(smolc_sampler_work_bytes(-5) == 0);
  CHECK(smolc_sampler_work_bytes(SMOLC_SAMPLER_MAX_VOCAB + 1) == 0);
  CHECK(smolc_sampler_work_bytes(49152) == SMOLC_SAMPLER_WORK_BYTES(49152));
  CHECK(smolc_sampler_init(nullptr, &p, 10, work.data(), work.size()) == SMOLC_SAMPLER_E_NULL);
  CHECK(smolc_sampler_init(&s, &p, 0, work.data(), work.size()) == SMOLC_SAMPLER_E_VOCAB);
  CHECK(smolc_sampler_init(&s, &p, 10, work.data(), work.size() - 1) == SMOLC_SAMPLER_E_WORK);
  auto bad = [&](auto mutate) {
    smolc_sampler_params q = smolc_sampler_default_params();
    mutate(q);
    return smolc_sampler_init(&s, &q, 10, work.data(), work.size());
  };
  CHECK(bad([](smolc_sampler_params& q) { q.temperature = NAN; }) == SMOLC_SAMPLER_E_PARAMS);
  CHECK(bad([](smolc_sampler_params& q) { q.temperature = INFINITY; }) == SMOLC_SAMPLER_E_PARAMS);
  CHECK(bad([](smolc_sampler_params& q) { q.top_p = 0.0f; }) == SMOLC_SAMPLER_E_PARAMS);
  CHECK(bad([](smolc_sampler_params& q) { q.top_p = 1.5f; }) == SMOLC_SAMPLER_E_PARAMS);
  CHECK(bad([](smolc_sampler_params& q) { q.min_p = -0.1f; }) == SMOLC_SAMPLER_E_PARAMS);
  CHECK(bad([](smolc_sampler_params& q) { q.min_p = NAN; }) == SMOLC_SAMPLER_E_PARAMS);
  CHECK(bad([](smolc_sampler_params& q) { q.repeat_penalty = 0.0f; }) == SMOLC_SAMPLER_E_PARAMS);
  CHECK(bad([](smolc_sampler_params& q) { q.repeat_penalty = NAN; }) == SMOLC_SAMPLER_E_PARAMS);
  REQUIRE(smolc_sampler_init(&s, &p, 10, work.data(), work.size()) == SMOLC_SAMPLER_OK);

  std::vector<float> l(10, 0.0f);
  CHECK(smolc_sampler_sample(&s, nullptr, nullptr, 0) == SMOLC_SAMPLER_E_NULL);
  CHECK(smolc_sampler_sample(&s, l.data(), nullptr, 3) == SMOLC_SAMPLER_E_NULL);
  int32_t hist[2] = {1, 10};
  CHECK(smolc_sampler_sample(&s, l.data(), hist, -1) == SMOLC_SAMPLER_E_HISTORY);
  // Out-of-range ids matter only inside an active penalty window.
  CHECK(smolc_sampler_sample(&s, l.data(), hist, 2) >= 0);
  s.params.repeat_penalty = 1.2f;
  smolc_pcg32 before = s.rng;
  CHECK(smolc_sampler_sample(&s, l.data(), hist, 2) == SMOLC_SAMPLER_E_HISTORY);
  CHECK(s.rng.state == before.state);
  int32_t ids[10];
  CHECK(smolc_sampler_candidates(&s, l.data(), hist, 2, ids, nullptr, 10) == SMOLC_SAMPLER_E_HISTORY);
  CHECK(smolc_sampler_candidates(&s, l.data(), nullptr, 0, nullptr, nullptr, 4) == SMOLC_SAMPLER_E_NULL);
  CHECK(smolc_sampler_candidates(&s, l.data(), nullptr, 0, nullptr, nullptr, 0) == 10);  // size query
}
