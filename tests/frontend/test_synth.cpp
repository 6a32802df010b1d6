// `smolc synth`: deterministic, matches the independent Python generator
// (tools/synth_reference.py), real SmolLM2 shapes, loadable by the HF importer.
#include <catch2/catch.hpp>
#include <cmath>
#include <cstring>
#include <nlohmann/json.hpp>

#include "frontend/checkpoint.h"
#include "frontend/dequant.h"
#include "support/hf_fixtures.h"
#include "synth/synth.h"

using namespace smolc;
using namespace smolc::test;

namespace {

uint32_t f32_bits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  return u;
}

uint16_t u16_at(const uint8_t* p, size_t i) { return static_cast<uint16_t>(p[2 * i] | (p[2 * i + 1] << 8)); }

nlohmann::json golden() { return nlohmann::json::parse(read_file(source_dir() + "/tests/data/synth_tiny_seed1.json")); }

}  // namespace

TEST_CASE("synth: same seed gives the same bytes, another seed different weights", "[synth]") {
  const std::string a = make_synth("synth_det_a", "tiny", 1);
  const std::string b = make_synth("synth_det_b", "tiny", 1);
  const std::string c = make_synth("synth_det_c", "tiny", 2);
  for (const char* f : {"config.json", "tokenizer.json", "model.safetensors"})
    CHECK(read_file(a + "/" + f) == read_file(b + "/" + f));
  const StFile sa = read_st(a + "/model.safetensors"), sc = read_st(c + "/model.safetensors");
  CHECK(sa.data.size() == sc.data.size());
  CHECK(sa.data != sc.data);
  CHECK(read_file(a + "/config.json") == read_file(c + "/config.json"));
}

TEST_CASE("synth: weights are the bits of the independent Python generator, in every dtype", "[synth]") {
  const nlohmann::json g = golden();
  const int count = g["count"].get<int>();
  for (const std::string dtype : {"f32", "bf16", "f16"}) {
    INFO("dtype " << dtype);
    const Checkpoint ck = load_hf_dir(make_synth("synth_golden_" + dtype, "tiny", g["seed"].get<uint64_t>(), dtype));
    for (const auto& [name, t] : g["tensors"].items()) {
      INFO(name);
      const TensorInfo& ti = ck.get(name);
      const std::vector<float> v = ck.load_f32(name);
      for (int i = 0; i < count; ++i) {
        const size_t k = static_cast<size_t>(i);
        if (dtype == "f32") {
          uint32_t stored;
          std::memcpy(&stored, ti.data + 4 * k, 4);
          REQUIRE(stored == t["f32_bits"][k].get<uint32_t>());
          REQUIRE(f32_bits(v[k]) == t["f32_bits"][k].get<uint32_t>());
        } else if (dtype == "bf16") {
          REQUIRE(u16_at(ti.data, k) == t["bf16_bits"][k].get<uint16_t>());
          REQUIRE(f32_bits(v[k]) == static_cast<uint32_t>(t["bf16_bits"][k].get<uint32_t>() << 16));
        } else {
          REQUIRE(u16_at(ti.data, k) == t["f16_bits"][k].get<uint16_t>());
          REQUIRE(f32_bits(v[k]) == t["f16_f32_bits"][k].get<uint32_t>());
        }
      }
    }
  }
}

TEST_CASE("synth: F32, BF16 and F16 checkpoints of one seed dequantize consistently", "[synth]") {
  const Checkpoint f32 = load_hf_dir(make_synth("synth_eq_f32", "tiny", 5, "f32"));
  const Checkpoint bf16 = load_hf_dir(make_synth("synth_eq_bf16", "tiny", 5, "bf16"));
  const Checkpoint f16 = load_hf_dir(make_synth("synth_eq_f16", "tiny", 5, "f16"));
  REQUIRE(f32.tensors.size() == bf16.tensors.size());
  for (const auto& [name, t] : f32.tensors) {
    INFO(name);
    CHECK(t.dtype == DType::F32);
    CHECK(bf16.get(name).dtype == DType::BF16);
    CHECK(f16.get(name).dtype == DType::F16);
    const auto a = f32.load_f32(name), b = bf16.load_f32(name), c = f16.load_f32(name);
    size_t bad = 0;
    for (size_t i = 0; i < a.size(); ++i) {
      bad += bf16_to_f32(f32_to_bf16(a[i])) != b[i];
      bad += f16_to_f32(f32_to_f16(a[i])) != c[i];
      bad += std::fabs(a[i] - b[i]) > std::fabs(a[i]) * (1.0f / 256);  // bf16 keeps 8 significant bits
    }
    CHECK(bad == 0);
  }
}

TEST_CASE("synth: norm weights are exactly 1 and the rest look like normal(0, 0.02)", "[synth]") {
  const Checkpoint ck = load_hf_dir(make_synth("synth_stats", "tiny", 3, "f32"));
  for (const auto& [name, t] : ck.tensors) {
    const auto v = ck.load_f32(name);
    if (t.shape.size() == 1) {
      for (float x : v) REQUIRE(x == 1.0f);
      continue;
    }
    double sum = 0, sq = 0;
    size_t tails = 0;
    for (float x : v) {
      sum += x;
      sq += static_cast<double>(x) * x;
      tails += std::fabs(x) > 0.06f;  // beyond 3 sigma
    }
    const double n = static_cast<double>(v.size()), mean = sum / n, sd = std::sqrt(sq / n - mean * mean);
    INFO(name << " mean " << mean << " sd " << sd << " tails " << tails);
    CHECK(std::fabs(mean) < 5 * 0.02 / std::sqrt(n));
    CHECK(std::fabs(sd - 0.02) < 0.02 * 6 / std::sqrt(2 * n));
    CHECK(std::fabs(tails / n - 0.0026998) < 6 * std::sqrt(0.0027 / n) + 1e-4);
  }
}

TEST_CASE("synth: presets have the published SmolLM2 parameter counts", "[synth]") {
  // Published counts: 135M from the model card, 360M = 361,821,120 and
  // 1.7B = 1,711,376,384 as reported for the HF checkpoints.
  CHECK(synth::preset_config("SmolLM2-135M").param_count() == 134515008);
  CHECK(synth::preset_config("SmolLM2-360M").param_count() == 361821120);
  CHECK(synth::preset_config("SmolLM2-1.7B").param_count() == 1711376384);
  const ModelConfig real = parse_hf_config(smollm2_dir() + "/config.json");
  const ModelConfig p = synth::preset_config("SmolLM2-135M");
  CHECK(p.dim == real.dim);
  CHECK(p.hidden_dim == real.hidden_dim);
  CHECK(p.n_layers == real.n_layers);
  CHECK(p.n_heads == real.n_heads);
  CHECK(p.n_kv_heads == real.n_kv_heads);
  CHECK(p.head_dim == real.head_dim);
  CHECK(p.vocab_size == real.vocab_size);
  CHECK(p.max_seq_len == real.max_seq_len);
  CHECK(p.rms_eps == real.rms_eps);
  CHECK(p.rope_theta == real.rope_theta);
  CHECK(p.tie_embeddings == real.tie_embeddings);
  CHECK(p.bos_id == real.bos_id);
  CHECK(p.eos_id == real.eos_id);
}

TEST_CASE("synth: SmolLM2-135M checkpoint has the real config, 272 tensors and 134515008 parameters", "[synth][slow]") {
  const std::string dir = make_synth("synth_135m", "SmolLM2-135M", 1);
  const auto real = nlohmann::json::parse(read_file(smollm2_dir() + "/config.json"));
  const auto mine = nlohmann::json::parse(read_file(dir + "/config.json"));
  for (const auto& [key, value] : real.items()) {
    if (key == "transformers_version" || key == "transformers.js_config") continue;
    INFO(key);
    REQUIRE(mine.contains(key));
    CHECK(mine[key] == value);
  }
  CHECK(read_file(dir + "/tokenizer.json") == read_file(smollm2_dir() + "/tokenizer.json"));
  const RunResult r = run_smolc("inspect --json '" + dir + "'");
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  const auto j = nlohmann::json::parse(r.out);
  CHECK(j["parameters"] == 134515008);
  CHECK(j["tensors"] == 272);
  CHECK(j["source_dtypes"]["BF16"] == 272);
  CHECK(j["weight_bytes"]["bf16"] == 2 * 134515008 + 2 * 61 * 576);  // the 61 norm vectors stay f32
  const int64_t norms = 61 * 576, matrix_elems = 134515008 - norms;  // every row is a multiple of 32 long
  CHECK(j["weight_bytes"]["f32"] == 4 * 134515008);
  CHECK(j["weight_bytes"]["q16"] == matrix_elems / 32 * 68 + 4 * norms);
  CHECK(j["weight_bytes"]["q8"] == matrix_elems / 32 * 34 + 4 * norms);
  CHECK(j["weight_bytes"]["q4"] == matrix_elems / 32 * 18 + 4 * norms);
  // K and V, 30 layers, 3 KV heads of 64.
  CHECK(j["kv_bytes_per_position"]["f32"] == 2 * 30 * 192 * 4);
  CHECK(j["kv_bytes_per_position"]["f16"] == 2 * 30 * 192 * 2);
  CHECK(j["tokenizer"]["vocab"] == 49152);
  CHECK(j["tokenizer"]["merges"] == 48900);
  CHECK(j["tokenizer"]["special_tokens"] == 17);
  CHECK(j["tokenizer"]["eos"] == "<|im_end|>");
  const uint64_t size = std::filesystem::file_size(dir + "/model.safetensors");
  const std::string head = read_file(dir + "/model.safetensors").substr(0, 8);
  uint64_t hlen = 0;
  for (int i = 7; i >= 0; --i) hlen = (hlen << 8) | static_cast<uint8_t>(head[static_cast<size_t>(i)]);
  CHECK(size == 8 + hlen + 2 * uint64_t{134515008});
  std::filesystem::remove_all(dir);
}

TEST_CASE("synth: unknown preset and dtype are input errors", "[synth]") {
  const std::string dir = temp_dir("synth_bad_preset");
  RunResult r = run_smolc("synth --preset SmolLM2-7B -o '" + dir + "'");
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("unknown preset \"SmolLM2-7B\" (expected one of SmolLM2-135M, SmolLM2-360M, SmolLM2-1.7B, tiny)") != std::string::npos);
  r = run_smolc("synth --preset tiny --dtype q4 -o '" + dir + "'");
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("--dtype: \"q4\" is not supported") != std::string::npos);
}

TEST_CASE("inspect: text output of the tiny preset", "[synth][inspect]") {
  const std::string dir = make_synth("inspect_text", "tiny", 1);
  const RunResult r = run_smolc("inspect '" + dir + "'");
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  // tiny: hidden 64, FFN 192, 2 layers, 4 heads / 2 KV heads of 16, tied.
  // params = 49152*64 + 2*(2*64 + 64*64 + 2*64*32 + 64*64 + 3*64*192) + 64.
  for (const char* line : {"layers         2\n", "hidden         64\n", "ffn            192\n",
                           "heads          4 query, 2 key/value, head dim 16 (q 64, kv 32)\n", "vocab          49152\n",
                           "embeddings     tied (lm_head = embed_tokens)\n", "parameters     3244352\n",
                           "kv cache       512 B/position f32, 256 B/position f16\n", "tensors        20: BF16 20\n",
                           "tokenizer      byte-level BPE, 49152 tokens, 48900 merges, 17 added (17 special)\n",
                           "bos / eos      1 \"<|im_start|>\" / 2 \"<|im_end|>\"\n"})
    CHECK(r.out.find(line) != std::string::npos);
}
