// The reference engine against independent truth: logits of the numpy
// forward pass (tools/golden/ref_logits.py, float64) for a real trained
// llama2.c model and a synthetic bf16 SmolLM2-shaped model, and its own
// batched prefill against token-by-token decode.
#include <catch2/catch.hpp>
#include <filesystem>

#include "frontend/checkpoint.h"
#include "frontend/error.h"
#include "reference/golden.h"
#include "reference/reference_engine.h"

using namespace smolc;
using namespace smolc::test;

namespace {

// Logits are O(10) for stories260K; float32 weights and activations with
// double accumulation land within ~2e-5 of the float64 numpy truth.
constexpr double kGoldenTol = 1e-4;

ReferenceEngine make_engine(const Checkpoint& ck, int ctx) {
  return ReferenceEngine(ck.cfg, RefWeights::from_checkpoint(ck), ctx);
}

void check_against_golden(const Checkpoint& ck, const std::vector<int32_t>& ids, const std::string& npy) {
  NpyF32 g = read_npy_f32(npy);
  REQUIRE(g.rows == static_cast<int64_t>(ids.size()));
  REQUIRE(g.cols == ck.cfg.vocab_size);
  ReferenceEngine e = make_engine(ck, static_cast<int>(ids.size()));
  std::vector<float> logits = e.prefill(ids.data(), static_cast<int>(ids.size()));
  REQUIRE(logits.size() == g.data.size());
  for (int64_t t = 0; t < g.rows; ++t) {
    INFO("position " << t);
    CHECK(max_abs_diff(logits.data() + t * g.cols, g.data.data() + t * g.cols, static_cast<size_t>(g.cols)) <=
          kGoldenTol);
  }
}

}  // namespace

TEST_CASE("reference logits equal the numpy golden for stories260K (200 positions)") {
  Checkpoint ck = load_checkpoint(stories_dir() + "/stories260K.bin");
  std::vector<int32_t> ids = read_ids(golden_dir() + "/stories260K.ids.txt");
  REQUIRE(ids.size() == 200);
  check_against_golden(ck, ids, golden_dir() + "/stories260K.npy");
}

TEST_CASE("reference logits equal the numpy golden for the tiny synthetic bf16 model") {
  Checkpoint ck = load_checkpoint(make_tiny_synth("ref_golden_tiny"));
  REQUIRE(ck.cfg.n_kv_heads < ck.cfg.n_heads);  // GQA is exercised
  check_against_golden(ck, tiny_golden_ids(), golden_dir() + "/tiny-seed1234.npy");
}

TEST_CASE("reference logits equal the numpy golden at SmolLM2-135M shapes (synthetic weights)") {
  // Real shapes: 30 layers, 9 query / 3 KV heads of 64, FFN 1536, theta 1e5.
  const std::string dir = temp_dir("ref_golden_135m");
  RunResult r = run_smolc("synth --preset SmolLM2-135M --seed 1 -o '" + dir + "'");
  REQUIRE(r.exit_code == 0);
  {
    Checkpoint ck = load_checkpoint(dir);
    REQUIRE(ck.cfg.param_count() == 134515008);
    check_against_golden(ck, {1, 504, 3060, 28, 9}, golden_dir() + "/smollm2-135m-synth-seed1.npy");
  }
  std::filesystem::remove_all(dir);  // 270 MB
}

TEST_CASE("batched prefill equals token-by-token decode") {
  auto compare = [](const Checkpoint& ck, const std::vector<int32_t>& ids) {
    const int n = static_cast<int>(ids.size());
    const int64_t V = ck.cfg.vocab_size;
    ReferenceEngine batched = make_engine(ck, n);
    std::vector<float> all = batched.prefill(ids.data(), n);
    REQUIRE(batched.position() == n);

    ReferenceEngine stepwise = make_engine(ck, n);
    for (int t = 0; t < n; ++t) {
      const std::vector<float>& row = stepwise.decode(ids[static_cast<size_t>(t)]);
      INFO("position " << t);
      CHECK(max_abs_diff(row.data(), all.data() + t * V, static_cast<size_t>(V)) <= 1e-5);
    }

    // A prompt split into two prefills sees the same cache.
    ReferenceEngine split = make_engine(ck, n);
    const int first = n / 3;
    std::vector<float> a = split.prefill(ids.data(), first);
    std::vector<float> b = split.prefill(ids.data() + first, n - first);
    a.insert(a.end(), b.begin(), b.end());
    CHECK(max_abs_diff(a.data(), all.data(), all.size()) <= 1e-5);
  };
  SECTION("stories260K, 64 tokens") {
    Checkpoint ck = load_checkpoint(stories_dir() + "/stories260K.bin");
    std::vector<int32_t> ids = read_ids(golden_dir() + "/stories260K.ids.txt");
    ids.resize(64);
    compare(ck, ids);
  }
  SECTION("tiny synthetic, 6 tokens") {
    compare(load_checkpoint(make_tiny_synth("ref_prefill_tiny")), tiny_golden_ids());
  }
}

TEST_CASE("reference engine rejects out-of-range context and token ids") {
  Checkpoint ck = load_checkpoint(stories_dir() + "/stories260K.bin");
  REQUIRE(ck.cfg.max_seq_len == 512);
  CHECK_THROWS_AS(make_engine(ck, 513), InputError);
  CHECK_THROWS_AS(make_engine(ck, 0), InputError);
  ReferenceEngine e = make_engine(ck, 4);
  CHECK_THROWS_AS(e.decode(512), InputError);
  CHECK_THROWS_AS(e.decode(-1), InputError);
  CHECK(e.position() == 0);  // rejected tokens leave the cache alone
  const int32_t four[] = {1, 2, 3, 4};
  e.prefill(four, 4);
  CHECK_THROWS_AS(e.decode(5), InputError);  // the context is full
  e.reset();
  CHECK(e.position() == 0);
  CHECK(e.decode(1).size() == 512);
}
