// Bad HuggingFace checkpoints, each made from a good synthetic one and run
// through the CLI: exit code 2 and one line naming the file and the field or
// byte offset. Never a crash, never a silent success.
#include <catch2/catch.hpp>
#include <string>

#include "support/hf_fixtures.h"

using namespace smolc::test;

namespace {

// A fresh good tiny checkpoint per test (tests may run in parallel).
std::string good(const std::string& test) { return make_synth("bad_hf_" + test); }

void expect_input_error(const RunResult& r, const std::vector<std::string>& needles) {
  INFO("stderr: " << r.err);
  CHECK(r.exit_code == 2);
  CHECK(r.out.empty());
  REQUIRE(r.err.rfind("smolc: error: ", 0) == 0);
  CHECK(r.err.find('\n') == r.err.size() - 1);  // exactly one line
  for (const auto& n : needles) CHECK(r.err.find(n) != std::string::npos);
}

RunResult inspect(const std::string& dir) { return run_smolc("inspect '" + dir + "'"); }

void edit_header(const std::string& dir, const std::function<void(nlohmann::ordered_json&)>& fn) {
  const std::string p = dir + "/model.safetensors";
  StFile f = read_st(p);
  fn(f.header);
  write_st(p, f);
}

void edit_config(const std::string& dir, const std::string& from, const std::string& to) {
  const std::string p = dir + "/config.json";
  std::string s = read_file(p);
  const size_t at = s.find(from);
  REQUIRE(at != std::string::npos);
  s.replace(at, from.size(), to);
  write_bytes(p, s);
}

}  // namespace

TEST_CASE("the good synthetic checkpoint loads (control)", "[bad_input_hf]") {
  const RunResult r = inspect(good("control"));
  INFO(r.err);
  CHECK(r.exit_code == 0);
  CHECK(r.err.empty());
}

TEST_CASE("safetensors shorter than its 8-byte header length", "[bad_input_hf]") {
  const std::string d = good("short");
  write_bytes(d + "/model.safetensors", read_file(d + "/model.safetensors").substr(0, 5));
  expect_input_error(inspect(d), {"model.safetensors: offset 0: ", "5 bytes", "truncated"});
}

TEST_CASE("safetensors truncated inside the data area", "[bad_input_hf]") {
  const std::string d = good("truncated");
  const std::string b = read_file(d + "/model.safetensors");
  // The last tensor in name order, and in the data, is model.norm.weight (128 bytes).
  write_bytes(d + "/model.safetensors", b.substr(0, b.size() - 100));
  expect_input_error(inspect(d), {"model.safetensors: model.norm.weight: data_offsets", "out of range"});
}

TEST_CASE("safetensors header length past the end of the file", "[bad_input_hf]") {
  const std::string d = good("hlen");
  std::string b = read_file(d + "/model.safetensors");
  b[4] = '\x01';  // header length += 2^32
  write_bytes(d + "/model.safetensors", b);
  expect_input_error(inspect(d), {"model.safetensors: offset 0: header length", "runs past the end of the file"});
}

TEST_CASE("safetensors tensors whose data offsets overlap", "[bad_input_hf]") {
  const std::string d = good("overlap");
  edit_header(d, [](auto& h) {
    // Same size as q_proj: make k_proj's bytes start half way through q_proj's.
    auto& q = h["model.layers.0.self_attn.q_proj.weight"]["data_offsets"];
    auto& k = h["model.layers.0.self_attn.k_proj.weight"]["data_offsets"];
    const uint64_t klen = k[1].template get<uint64_t>() - k[0].template get<uint64_t>();
    const uint64_t start = q[0].template get<uint64_t>() + 64;
    k = {start, start + klen};
  });
  expect_input_error(inspect(d), {"model.safetensors: ", "model.layers.0.self_attn.k_proj.weight",
                                  "model.layers.0.self_attn.q_proj.weight", "overlap", "file offset"});
}

TEST_CASE("safetensors data offsets out of range", "[bad_input_hf]") {
  const std::string d = good("range");
  edit_header(d, [](auto& h) {
    h["model.norm.weight"]["data_offsets"] = {uint64_t{1} << 62, (uint64_t{1} << 62) + 128};
  });
  expect_input_error(inspect(d), {"model.safetensors: model.norm.weight: data_offsets [4611686018427387904, ",
                                  "out of range"});
}

TEST_CASE("safetensors shape with an absurd element count", "[bad_input_hf]") {
  const std::string d = good("overflow");
  edit_header(d, [](auto& h) {
    h["model.norm.weight"]["data_offsets"] = {UINT64_MAX - 10, UINT64_MAX};
    h["model.norm.weight"]["shape"] = {uint64_t{1} << 39, 1 << 20};
  });
  expect_input_error(inspect(d), {"model.safetensors: model.norm.weight: shape", "2^40"});
}

TEST_CASE("safetensors tensor with an unknown dtype", "[bad_input_hf]") {
  const std::string d = good("dtype");
  edit_header(d, [](auto& h) { h["model.layers.1.mlp.up_proj.weight"]["dtype"] = "I8"; });
  expect_input_error(inspect(d), {"model.safetensors: model.layers.1.mlp.up_proj.weight: unknown dtype \"I8\""});
}

TEST_CASE("safetensors tensor with a wrong shape", "[bad_input_hf]") {
  const std::string d = good("shape");
  // Same element count, so the file itself is consistent; the model is not.
  edit_header(d, [](auto& h) { h["model.layers.0.self_attn.q_proj.weight"]["shape"] = {32, 128}; });
  expect_input_error(inspect(d), {"model.safetensors: model.layers.0.self_attn.q_proj.weight: shape [32, 128], expected [64, 64]"});
}

TEST_CASE("safetensors data size that does not match shape and dtype", "[bad_input_hf]") {
  const std::string d = good("size");
  edit_header(d, [](auto& h) { h["model.norm.weight"]["shape"] = {65}; });
  expect_input_error(inspect(d), {"model.norm.weight: data_offsets", "hold 128 bytes, expected 130"});
}

TEST_CASE("safetensors with a missing tensor", "[bad_input_hf]") {
  const std::string d = good("missing");
  edit_header(d, [](auto& h) { h.erase("model.layers.1.mlp.down_proj.weight"); });
  expect_input_error(inspect(d), {d + ": model.layers.1.mlp.down_proj.weight: tensor is missing"});
}

TEST_CASE("safetensors with a tensor for a layer the config does not have", "[bad_input_hf]") {
  const std::string d = good("extra");
  edit_config(d, "\"num_hidden_layers\": 2", "\"num_hidden_layers\": 1");
  expect_input_error(inspect(d), {"model.safetensors: model.layers.1.", "unexpected tensor (config: 1 layers"});
}

TEST_CASE("safetensors header that is not a JSON object", "[bad_input_hf]") {
  const std::string d = good("notobject");
  std::string b = read_file(d + "/model.safetensors");
  b[8] = '[';  // '{' -> '[' breaks the JSON
  write_bytes(d + "/model.safetensors", b);
  expect_input_error(inspect(d), {"model.safetensors: offset ", "invalid JSON"});
}

TEST_CASE("config.json with an unknown model_type", "[bad_input_hf]") {
  const std::string d = good("model_type");
  edit_config(d, "\"model_type\": \"llama\"", "\"model_type\": \"mistral\"");
  expect_input_error(inspect(d), {"config.json: model_type: \"mistral\" is not supported (expected \"llama\")"});
}

TEST_CASE("config.json with hidden_size 10^9 is refused before any allocation", "[bad_input_hf]") {
  const std::string d = good("huge");
  edit_config(d, "\"hidden_size\": 64", "\"hidden_size\": 1000000000");
  long rss = 0, baseline = 0;
  const RunResult r = run_smolc_rss({"inspect", d}, rss);
  expect_input_error(r, {"config.json: hidden_size: 1000000000 is out of range (expected 1..65536)"});
  // Baseline: a run that allocates nothing model-sized (sanitizer builds
  // start far above a plain build). Anything sized by 10^9 (one row of
  // floats is 4 GB) would show far above it.
  run_smolc_rss({"version"}, baseline);
  INFO("peak RSS " << rss << " KiB, baseline " << baseline << " KiB");
  CHECK(rss < baseline + 32 * 1024);
}

TEST_CASE("config.json with inconsistent head counts", "[bad_input_hf]") {
  const std::string d = good("heads");
  edit_config(d, "\"num_key_value_heads\": 2", "\"num_key_value_heads\": 3");
  expect_input_error(inspect(d), {"config.json: num_key_value_heads: 3 does not divide num_attention_heads 4"});
}

TEST_CASE("config.json with a non-integer dimension", "[bad_input_hf]") {
  const std::string d = good("float_dim");
  edit_config(d, "\"intermediate_size\": 192", "\"intermediate_size\": 192.5");
  expect_input_error(inspect(d), {"config.json: intermediate_size: 192.5 is not an integer"});
}

TEST_CASE("config.json that is not UTF-8", "[bad_input_hf]") {
  const std::string d = good("utf8");
  std::string s = read_file(d + "/config.json");
  const size_t at = s.find("LlamaForCausalLM") + 5;
  s[at] = '\xff';
  write_bytes(d + "/config.json", s);
  expect_input_error(inspect(d), {"config.json: offset " + std::to_string(at) + ": invalid UTF-8 byte 0xff"});
}

TEST_CASE("config.json with a NaN", "[bad_input_hf]") {
  const std::string d = good("nan");
  edit_config(d, "\"rms_norm_eps\": 1e-05", "\"rms_norm_eps\": NaN");
  const size_t at = read_file(d + "/config.json").find("NaN");
  expect_input_error(inspect(d), {"config.json: offset " + std::to_string(at) + " (rms_norm_eps): NaN is not a valid JSON number"});
}

TEST_CASE("config.json with a number that overflows a double", "[bad_input_hf]") {
  const std::string d = good("inf");
  edit_config(d, "\"rope_theta\": 100000", "\"rope_theta\": 1e999");
  expect_input_error(inspect(d), {"config.json: invalid JSON: number overflow"});
}

TEST_CASE("tokenizer.json whose merge names a token not in the vocabulary", "[bad_input_hf]") {
  const std::string d = good("merge");
  std::string s = read_file(d + "/tokenizer.json");
  const std::string first_merge = "\"Ġ t\"";
  const size_t at = s.find(first_merge);
  REQUIRE(at != std::string::npos);
  s.replace(at, first_merge.size(), "\"Ġ @@@\"");
  write_bytes(d + "/tokenizer.json", s);
  expect_input_error(inspect(d), {"tokenizer.json: model.merges[0]: token \"@@@\" is not in model.vocab"});
}

TEST_CASE("sharded index that points outside the model directory", "[bad_input_hf]") {
  const std::string d = good("index_path");
  write_bytes(d + "/model.safetensors.index.json",
              R"({"metadata": {}, "weight_map": {"model.norm.weight": "../elsewhere.safetensors"}})");
  expect_input_error(inspect(d), {"model.safetensors.index.json: weight_map.model.norm.weight: \"../elsewhere.safetensors\" is not a plain file name"});
}
