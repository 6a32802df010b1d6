// `smolc bench`: the JSON report on a tiny synthetic model, the engine cache,
// and bad flags. No timing assertions: speed is measured in bench/, not here.
#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "emit/kernel_api.h"
#include "support/test_support.h"

using smolc::test::run_smolc;

namespace {

// One tiny f32 checkpoint and one engine cache shared by the tests of this file.
const std::string& tiny_model() {
  static const std::string dir = [] {
    const std::string root = smolc::test::temp_dir("cli_bench");
    ::setenv("SMOLC_CACHE_DIR", (root + "/cache").c_str(), 1);
    const auto r = run_smolc("synth --preset tiny --dtype f32 --seed 3 -o '" + root + "/tiny'");
    REQUIRE(r.exit_code == 0);
    return root + "/tiny";
  }();
  return dir;
}

// Parameters of the checkpoint's matrices (embedding, projections) and norm
// gains, counted from its own config.json.
struct Params {
  double matrices = 0, gains = 0;
};
Params param_count(const std::string& model) {
  const auto c = nlohmann::json::parse(smolc::test::read_file(model + "/config.json"));
  const double d = c.at("hidden_size"), h = c.at("intermediate_size"), L = c.at("num_hidden_layers"),
               nh = c.at("num_attention_heads"), nkv = c.at("num_key_value_heads"), v = c.at("vocab_size");
  const double hd = c.contains("head_dim") ? c.at("head_dim").get<double>() : d / nh;
  return {v * d + L * (d * nh * hd * 2 + d * nkv * hd * 2 + 3 * d * h), (2 * L + 1) * d};  // tied embeddings
}

}  // namespace

TEST_CASE("smolc bench --json reports every measurement as a positive number", "[cli][bench]") {
  const std::string model = tiny_model();
  const auto r = run_smolc("bench '" + model + "' --f32 --threads 1 --reps 2 --json");
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  const auto j = nlohmann::json::parse(r.out);  // exactly one object
  for (const char* k : {"pp128", "pp512", "tg128", "tg128_d512", "ttft_ms", "peak_rss_mb", "weights_mb"}) {
    INFO(k);
    REQUIRE(j.contains(k));
    REQUIRE(j[k].is_number());
    CHECK(j[k].get<double>() > 0);
  }
  CHECK(j["format"] == "f32");
  CHECK(j["threads"] == 1);
  CHECK(j["runs"]["tg128"].size() == 2);
  CHECK(j["runs"]["tg128_d512"].size() == 2);
  // f32 weights: 4 bytes per matrix element; norm gains are folded into the
  // projections or kept (the final one), and packing may pad panels a little.
  const Params p = param_count(model);
  CHECK(j["weights_mb"].get<double>() >= 4 * p.matrices / 1e6);
  CHECK(j["weights_mb"].get<double>() <= 4 * (p.matrices + p.gains) / 1e6 * 1.05);
  // Decoding touches every weight, and the weights live in the process image.
  CHECK(j["peak_rss_mb"].get<double>() >= j["weights_mb"].get<double>());
  // TTFT covers the 128-token prefill it is made of.
  CHECK(j["ttft_ms"].get<double>() >= 0.99 * 128e3 / j["pp128"].get<double>());
}

TEST_CASE("smolc bench --speculate times plain and speculative greedy generation of the same tokens", "[cli][bench]") {
  const std::string model = tiny_model();
  const auto r = run_smolc("bench '" + model + "' --f32 --reps 1 --speculate 6 --json");
  INFO(r.err);
  REQUIRE(r.exit_code == 0);  // exit 1 if the tokens with and without speculation differ
  const auto s = nlohmann::json::parse(r.out).at("speculation");
  CHECK(s["max_draft"] == 6);
  for (const char* task : {"free", "repetitive"}) {
    INFO(task);
    const auto& t = s.at(task);
    CHECK(t["plain_tok_s"].get<double>() > 0);
    CHECK(t["speculative_tok_s"].get<double>() > 0);
    CHECK(t["ratio"].get<double>() == Approx(t["speculative_tok_s"].get<double>() / t["plain_tok_s"].get<double>()));
    CHECK(t["acceptance"].get<double>() >= 0);
    CHECK(t["acceptance"].get<double>() <= 1);
    CHECK(t["tokens_per_step"].get<double>() >= 1);
    CHECK(t["tokens"].get<int>() > 0);
    CHECK(t["runs"]["speculative"].size() == 1);
  }
  // 8 start tokens, the 400-token passage the engine wrote, the start again.
  CHECK(s["repetitive"]["prompt_tokens"] == 416);
  CHECK(s["free"]["prompt_tokens"] == 8);
  // The guesses come from the passage, so some are confirmed: more than one
  // token per forward step.
  CHECK(s["repetitive"]["tokens_per_step"].get<double>() > 1);
  const auto text = run_smolc("bench '" + model + "' --f32 --reps 1 --speculate");
  INFO(text.err);
  REQUIRE(text.exit_code == 0);
  CHECK(text.out.find("longest guess 8") != std::string::npos);
  CHECK(text.out.find("repetitive") != std::string::npos);
  for (const char* bad : {"--speculate 0", "--speculate 65", "--speculate x"}) {
    INFO(bad);
    const auto b = run_smolc("bench '" + model + "' --f32 --reps 1 " + std::string(bad));
    CHECK(b.exit_code == 2);
    CHECK(b.err.find("--speculate") != std::string::npos);
  }
}

TEST_CASE("smolc bench reuses the cached engine and keys it by format", "[cli][bench]") {
  const std::string model = tiny_model();
  const auto a = run_smolc("bench '" + model + "' --f32 --reps 1 --json");
  const auto b = run_smolc("bench '" + model + "' --f32 --reps 1 --json");
  INFO(a.err << b.err);
  REQUIRE(a.exit_code == 0);
  REQUIRE(b.exit_code == 0);
  const auto ja = nlohmann::json::parse(a.out), jb = nlohmann::json::parse(b.out);
  CHECK(jb["compiled"] == false);
  CHECK(ja["engine_dir"] == jb["engine_dir"]);
  CHECK(std::filesystem::exists(jb["engine_dir"].get<std::string>() + "/manifest.json"));
  const auto c = run_smolc("bench '" + model + "' --bf16 --reps 1 --json");
  INFO(c.err);
  REQUIRE(c.exit_code == 0);
  const auto jc = nlohmann::json::parse(c.out);
  CHECK(jc["engine_dir"] != ja["engine_dir"]);
  CHECK(jc["format"] == "bf16");
  // bf16 stores half the bytes of f32.
  CHECK(jc["weights_mb"].get<double>() == Approx(ja["weights_mb"].get<double>() / 2).epsilon(0.01));
}

// What one decoded token reads of the KV cache, from the checkpoint's own config:
// K and V of every layer and KV head at each cached position, times the element
// size, times the mean number of positions (tg128: 1..128, mean 64.5;
// tg128_d512: 513..640, mean 576.5).
double kv_read_mb(const std::string& model, double elem_bytes, double positions) {
  const auto c = nlohmann::json::parse(smolc::test::read_file(model + "/config.json"));
  const double d = c.at("hidden_size"), L = c.at("num_hidden_layers"), nh = c.at("num_attention_heads"),
               nkv = c.at("num_key_value_heads");
  const double hd = c.contains("head_dim") ? c.at("head_dim").get<double>() : d / nh;
  return L * nkv * hd * 2 * elem_bytes * positions / 1e6;
}

TEST_CASE("smolc bench --kv f16 keys its own engine and reports the KV bytes a decoded token reads", "[cli][bench]") {
  const std::string model = tiny_model();
  const auto a = run_smolc("bench '" + model + "' --f32 --reps 1 --json");
  const auto b = run_smolc("bench '" + model + "' --f32 --kv f16 --reps 1 --json");
  INFO(a.err << b.err);
  REQUIRE(a.exit_code == 0);
  REQUIRE(b.exit_code == 0);
  const auto ja = nlohmann::json::parse(a.out), jb = nlohmann::json::parse(b.out);
  CHECK(ja["kv"] == "f32");
  CHECK(jb["kv"] == "f16");
  CHECK(ja["engine_dir"] != jb["engine_dir"]);
  CHECK(ja["kv_read_mb_tg128"].get<double>() == Approx(kv_read_mb(model, 4, 64.5)).epsilon(1e-9));
  CHECK(ja["kv_read_mb_tg128_d512"].get<double>() == Approx(kv_read_mb(model, 4, 576.5)).epsilon(1e-9));
  CHECK(jb["kv_read_mb_tg128_d512"].get<double>() == Approx(kv_read_mb(model, 2, 576.5)).epsilon(1e-9));
  // Half the KV cache: the state shrinks by half of ctx x the f32 bytes per position.
  CHECK(ja["state_mb"].get<double>() - jb["state_mb"].get<double>() ==
        Approx(kv_read_mb(model, 2, ja["ctx"].get<double>())).epsilon(0.01));
}

TEST_CASE("smolc bench rejects bad flags with exit code 2", "[cli][bench]") {
  const std::string model = tiny_model();
  const std::string m = "bench '" + model + "'";
  struct Case {
    std::string args, expect;
  };
  std::vector<Case> cases = {
      {m, "give one of --f32"},
      {m + " --f32 --bf16", "give one of --f32"},
      {m + " --q8 --q4", "give one of --f32"},
      {m + " --q8 --keep 'nothing*=q4'", "matches no tensor"},
      {m + " --f32 --threads 0", "--threads"},
      {m + " --f32 --reps 0", "--reps"},
      {m + " --f32 --ctx 8", "--ctx"},
      {m + " --f32 --ctx 100 --speculate", "--speculate"},
      {m + " --f32 --kv q8", "--kv"},
      {m + " --f32 --target riscv", "--target"},
      {m + " --f32 --bogus", ""},
      {"bench '" + model + "/missing' --f32", "missing"},
  };
  if (!smolc::host_supports(smolc::Isa::AVX512)) cases.push_back({m + " --f32 --target avx512", "cannot run on this CPU"});
  for (const auto& c : cases) {
    INFO(c.args);
    const auto r = run_smolc(c.args);
    CHECK(r.exit_code == 2);
    CHECK(r.out.empty());
    CHECK(r.err.find(c.expect) != std::string::npos);
  }
}
