// config.json parsing and validation (LLaMA family), checked against the real
// SmolLM2-135M-Instruct config and hand-made bad variants of it.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "frontend/config.h"
#include "frontend/error.h"
#include "support/hf_fixtures.h"

using namespace smolc;
using namespace smolc::test;

namespace {

nlohmann::json real_config() { return nlohmann::json::parse(read_file(smollm2_dir() + "/config.json")); }

// Writes `j` as config.json in a fresh directory and parses it.
ModelConfig parse(const nlohmann::json& j, const std::string& name) {
  const std::string path = temp_dir("config_" + name) + "/config.json";
  write_bytes(path, j.dump(2));
  return parse_hf_config(path);
}

std::string error_of(const nlohmann::json& j, const std::string& name) {
  try {
    parse(j, name);
  } catch (const InputError& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace

TEST_CASE("config: the real SmolLM2-135M-Instruct config.json", "[config]") {
  const ModelConfig c = parse_hf_config(smollm2_dir() + "/config.json");
  CHECK(c.model_type == "llama");
  CHECK(c.dim == 576);
  CHECK(c.hidden_dim == 1536);
  CHECK(c.n_layers == 30);
  CHECK(c.n_heads == 9);
  CHECK(c.n_kv_heads == 3);
  CHECK(c.head_dim == 64);
  CHECK(c.vocab_size == 49152);
  CHECK(c.max_seq_len == 8192);
  CHECK(c.rms_eps == 1e-5);
  CHECK(c.rope_theta == 100000.0);
  CHECK(c.tie_embeddings);
  CHECK(c.bos_id == 1);
  CHECK(c.eos_id == 2);
  CHECK(c.param_count() == 134515008);
  CHECK(c.kv_floats_per_pos() == 2 * 30 * 3 * 64);
}

TEST_CASE("config: optional fields, head_dim, eos list and untied embeddings", "[config]") {
  nlohmann::json j = real_config();
  j["eos_token_id"] = {7, 2};  // a list: the first is the stop token
  j["head_dim"] = 32;          // explicit head_dim wins over hidden/heads
  j["tie_word_embeddings"] = false;
  j.erase("rope_scaling");
  ModelConfig c = parse(j, "optional");
  CHECK(c.eos_id == 7);
  CHECK(c.head_dim == 32);
  CHECK(c.q_dim() == 9 * 32);
  CHECK_FALSE(c.tie_embeddings);
  // Untied: lm_head adds vocab*dim; q/o shrink with the smaller head_dim.
  const int64_t per_layer = 2 * 576 + 2 * 576 * 288 + 2 * 576 * 96 + 3 * 576 * 1536;
  CHECK(c.param_count() == 2 * 49152 * 576 + 30 * per_layer + 576);

  j = real_config();
  j.erase("num_key_value_heads");  // HF default: one KV head per query head
  j.erase("tie_word_embeddings");  // HF default: untied
  j["bos_token_id"] = nullptr;
  c = parse(j, "defaults");
  CHECK(c.n_kv_heads == 9);
  CHECK_FALSE(c.tie_embeddings);
  CHECK(c.bos_id == -1);
}

TEST_CASE("config: out-of-range and absurd dimensions are refused", "[config]") {
  nlohmann::json j = real_config();
  j["hidden_size"] = 1000000000;
  CHECK_THAT(error_of(j, "huge"), Catch::EndsWith("config.json: hidden_size: 1000000000 is out of range (expected 1..65536)"));
  j = real_config();
  j["num_hidden_layers"] = 0;
  CHECK_THAT(error_of(j, "zero"), Catch::EndsWith("config.json: num_hidden_layers: 0 is out of range (expected 1..1024)"));
  j = real_config();
  j["vocab_size"] = -5;
  CHECK_THAT(error_of(j, "neg"), Catch::EndsWith("config.json: vocab_size: -5 is out of range (expected 1..2097152)"));
  j = real_config();
  j["max_position_embeddings"] = 18446744073709551615ull;
  CHECK_THAT(error_of(j, "u64"), Catch::Contains("max_position_embeddings: 18446744073709551615 is out of range"));
  // Each dimension within its limit, the whole far beyond the 1e11 cap.
  j = real_config();
  j["hidden_size"] = 65536;
  j["num_attention_heads"] = 512;
  j["num_key_value_heads"] = 512;
  j["intermediate_size"] = 1 << 20;
  j["num_hidden_layers"] = 1024;
  CHECK_THAT(error_of(j, "params"), Catch::Contains("parameters (limit 100000000000)"));
}

TEST_CASE("config: wrong types and unsupported architectures are refused", "[config]") {
  nlohmann::json j = real_config();
  j["hidden_size"] = "576";
  CHECK_THAT(error_of(j, "string"), Catch::Contains("hidden_size: \"576\" is not an integer"));
  j = real_config();
  j["hidden_size"] = 576.0;
  CHECK_THAT(error_of(j, "float"), Catch::Contains("hidden_size: 576.0 is not an integer"));
  j = real_config();
  j["model_type"] = "qwen2";
  CHECK_THAT(error_of(j, "qwen"), Catch::EndsWith("model_type: \"qwen2\" is not supported (expected \"llama\")"));
  j = real_config();
  j["hidden_act"] = "gelu";
  CHECK_THAT(error_of(j, "gelu"), Catch::EndsWith("hidden_act: \"gelu\" is not supported (expected \"silu\")"));
  j = real_config();
  j["attention_bias"] = true;
  CHECK_THAT(error_of(j, "bias"), Catch::EndsWith("attention_bias: true is not supported (expected false)"));
  j = real_config();
  j["rope_scaling"] = {{"type", "linear"}, {"factor", 2.0}};
  CHECK_THAT(error_of(j, "rope"), Catch::Contains("rope_scaling: {\"factor\":2.0,\"type\":\"linear\"} is not supported"));
  j = real_config();
  j.erase("vocab_size");
  CHECK_THAT(error_of(j, "missing"), Catch::EndsWith("vocab_size: missing (required for a LLaMA config)"));
  j = real_config();
  j["eos_token_id"] = 49152;
  CHECK_THAT(error_of(j, "eos"), Catch::Contains("eos_token_id: 49152 is not a token id (vocab_size 49152)"));
  j = real_config();
  j["rms_norm_eps"] = 0;
  CHECK_THAT(error_of(j, "eps"), Catch::Contains("rms_norm_eps: 0 is out of range"));
}

TEST_CASE("config: inconsistent head counts are refused", "[config]") {
  nlohmann::json j = real_config();
  j["num_key_value_heads"] = 2;
  CHECK_THAT(error_of(j, "kv"), Catch::EndsWith("num_key_value_heads: 2 does not divide num_attention_heads 9"));
  j = real_config();
  j["num_attention_heads"] = 7;
  j["num_key_value_heads"] = 7;
  CHECK_THAT(error_of(j, "div"), Catch::EndsWith("num_attention_heads: 7 does not divide hidden_size 576 (and there is no head_dim)"));
  j = real_config();
  j["num_key_value_heads"] = 18;
  CHECK_THAT(error_of(j, "kvmore"), Catch::Contains("num_key_value_heads: 18 is out of range (expected 1..9)"));
  j = real_config();
  j["head_dim"] = 63;
  CHECK_THAT(error_of(j, "odd"), Catch::Contains("head_dim: 63 is odd"));
}

TEST_CASE("config: NaN, Infinity, bad UTF-8 and non-objects are clear errors", "[config]") {
  const std::string dir = temp_dir("config_raw");
  const std::string path = dir + "/config.json";
  auto err = [&](const std::string& text) {
    write_bytes(path, text);
    try {
      parse_hf_config(path);
    } catch (const InputError& e) {
      CHECK(e.file() == path);
      return std::string(e.what());
    }
    return std::string("(no error)");
  };
  CHECK(err("{\"model_type\": \"llama\",\n \"rope_theta\": NaN}") ==
        path + ": offset 39 (rope_theta): NaN is not a valid JSON number (expected a finite number)");
  CHECK(err("{\"rope_theta\": -Infinity}") ==
        path + ": offset 15 (rope_theta): -Infinity is not a valid JSON number (expected a finite number)");
  CHECK(err("{\"model_type\": \"ll\xc3\x28ma\"}") == path + ": offset 18: invalid UTF-8 byte 0xc3 (JSON must be UTF-8)");
  CHECK(err("{\"a\": \"\xed\xa0\x80\"}") == path + ": offset 7: invalid UTF-8 byte 0xed (JSON must be UTF-8)");  // surrogate
  CHECK(err("{\"a\": \"\xc0\xaf\"}") == path + ": offset 7: invalid UTF-8 byte 0xc0 (JSON must be UTF-8)");  // overlong
  CHECK(err("[1, 2]") == path + ": expected a JSON object at the top level");
  CHECK_THAT(err("{\"a\": 1"), Catch::StartsWith(path + ": offset ") && Catch::Contains("invalid JSON"));
  CHECK_THAT(err(""), Catch::Contains("invalid JSON"));
}

TEST_CASE("config: validate_config applies the same limits to any loader's config", "[config]") {
  ModelConfig c = parse_hf_config(smollm2_dir() + "/config.json");
  CHECK_NOTHROW(validate_config(c, "x.gguf"));
  c.n_layers = 5000;
  CHECK_THROWS_WITH(validate_config(c, "x.gguf"), "x.gguf: num_hidden_layers: 5000 is out of range (expected 1..1024)");
  c = parse_hf_config(smollm2_dir() + "/config.json");
  c.rope_theta = std::numeric_limits<double>::quiet_NaN();
  CHECK_THROWS_WITH(validate_config(c, "x.bin"), Catch::Contains("x.bin: rope_theta: "));
}
