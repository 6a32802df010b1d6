// Hostile numbers and command lines (issue 11, sections 3 and 4): weights that
// are NaN/Inf or too large for the chosen format are refused by compile,
// convert and run alike (naming the tensor and index) unless
// --allow-nonfinite, and then a NaN engine is reported, not silent; every bad
// command-line value, a prompt past --ctx and a duplicate JSON key get exit 2
// and one "smolc: error:" line; --chat does not size its cache from a huge
// max_position_embeddings.
#include <catch2/catch.hpp>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>

#include "support/hf_fixtures.h"

using namespace smolc::test;

// `ulimit -v` and ASan's shadow reservation do not mix.
#if defined(__SANITIZE_ADDRESS__)
#define SMOLC_TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SMOLC_TEST_ASAN 1
#endif
#endif

namespace {

// A fresh tiny f32 checkpoint (so one float can be set exactly).
std::string tiny(const std::string& name) { return make_synth("hostile_" + name, "tiny", 1, "f32"); }

// Sets element `index` of an f32 tensor in DIR/model.safetensors.
void set_f32(const std::string& dir, const std::string& tensor, size_t index, float v) {
  const std::string p = dir + "/model.safetensors";
  StFile f = read_st(p);
  REQUIRE(f.header.contains(tensor));
  REQUIRE(f.header[tensor]["dtype"] == "F32");
  const size_t at = f.header[tensor]["data_offsets"][0].get<size_t>() + index * 4;
  REQUIRE(at + 4 <= f.header[tensor]["data_offsets"][1].get<size_t>());
  std::memcpy(&f.data[at], &v, 4);
  write_st(p, f);
}

void expect_input_error(const RunResult& r, const std::vector<std::string>& needles) {
  INFO("exit " << r.exit_code << ", stderr: " << r.err);
  CHECK(r.exit_code == 2);
  REQUIRE(r.err.rfind("smolc: error: ", 0) == 0);
  CHECK(r.err.find('\n') == r.err.size() - 1);  // exactly one line
  for (const auto& n : needles) CHECK(r.err.find(n) != std::string::npos);
}

// A compiled run first notes the engine it compiled into the cache; the error is what follows.
RunResult without_cache_note(RunResult r) {
  while (r.err.rfind("smolc: compiled ", 0) == 0 && r.err.find('\n') != std::string::npos)
    r.err.erase(0, r.err.find('\n') + 1);
  return r;
}

const float kNaN = std::numeric_limits<float>::quiet_NaN();
const char* const kFormats[] = {"f32", "bf16", "f16", "q8", "q4", "q16"};

RunResult emit(const std::string& dir, const std::string& flags) {
  return run_smolc("compile '" + dir + "' " + flags + " --emit-only -o '" + dir + "/out'");
}

}  // namespace

TEST_CASE("a weight past 65504 is refused by compile --f16 and convert --type f16 alike", "[hostile]") {
  const std::string d = tiny("f16_overflow");
  // down_proj reads the SwiGLU output: no norm gain is folded into it.
  set_f32(d, "model.layers.0.mlp.down_proj.weight", 197, 1e5f);  // row 1, column 5 of [64, 192]
  const std::vector<std::string> where = {"model.layers.0.mlp.down_proj.weight[197] (row 1, column 5)", "100000 exceeds",
                                          "f16", "65504", "--allow-nonfinite"};
  expect_input_error(emit(d, "--f16"), where);
  expect_input_error(run_smolc("convert '" + d + "' --type f16 -o '" + d + "/x.gguf'"), where);
  // The bound is the format's, not a blanket one: bf16 and f32 hold 1e5.
  const RunResult bf = emit(d, "--bf16");
  INFO(bf.err);
  CHECK(bf.exit_code == 0);
  // And --allow-nonfinite lets the user take the Inf.
  const RunResult allowed = emit(d, "--f16 --allow-nonfinite");
  INFO(allowed.err);
  CHECK(allowed.exit_code == 0);
}

TEST_CASE("a q8 block whose f16 scale would overflow is refused", "[hostile]") {
  const std::string d = tiny("q8_overflow");
  set_f32(d, "model.layers.0.mlp.down_proj.weight", 3, 1e8f);  // amax / 127 > 65504
  expect_input_error(emit(d, "--q8 --no-calibrate"), {"model.layers.0.mlp.down_proj.weight[3] (row 0, column 3)", "q8"});
  expect_input_error(run_smolc("convert '" + d + "' --type q8_0 -o '" + d + "/x.gguf'"),
                     {"model.layers.0.mlp.down_proj.weight[3]", "q8"});
}

TEST_CASE("NaN in a norm gain or the embedding is refused by every format, convert and the reference engine", "[hostile]") {
  struct Case {
    const char* tensor;
    size_t index;
  };
  const Case cases[] = {{"model.norm.weight", 7},
                        {"model.layers.1.input_layernorm.weight", 3},
                        {"model.layers.0.post_attention_layernorm.weight", 0},
                        {"model.embed_tokens.weight", 64 * 100 + 2}};
  for (const Case& c : cases) {
    const std::string d = tiny(std::string("nan_") + c.tensor);
    set_f32(d, c.tensor, c.index, kNaN);
    const std::string name = std::string(c.tensor) + "[" + std::to_string(c.index) + "]";
    for (const char* fmt : kFormats) {
      INFO(c.tensor << " --" << fmt);
      expect_input_error(emit(d, std::string("--") + fmt + " --no-calibrate"), {name, "NaN", "--allow-nonfinite"});
    }
    expect_input_error(run_smolc("convert '" + d + "' -o '" + d + "/x.gguf'"), {name, "NaN"});
    expect_input_error(run_smolc("run '" + d + "' --reference -n 2 --prompt-ids 1,2"), {name, "NaN"});
  }
}

TEST_CASE("with --allow-nonfinite a NaN model compiles and run reports its NaN logits (exit 2)", "[hostile]") {
  const std::string cache = temp_dir("hostile_nan_cache");
  const std::string d = tiny("nan_allowed");
  set_f32(d, "model.norm.weight", 7, kNaN);
  const std::string env = "SMOLC_CACHE_DIR='" + cache + "' '" + smolc_bin() + "' ";
  const RunResult ref = run_shell(env + "run '" + d + "' --reference --allow-nonfinite -n 3 --prompt-ids 1,2");
  expect_input_error(ref, {"logits at position 1", "NaN", "--allow-nonfinite"});
  const RunResult compiled = run_shell(env + "run '" + d + "' --f32 --target scalar --allow-nonfinite -n 3 --prompt-ids 1,2");
  expect_input_error(without_cache_note(compiled), {"compiled", "logits at position 1", "NaN"});
}

TEST_CASE("a prompt past --ctx is exit 2 before anything is printed, on the compiled path too", "[hostile]") {
  const std::string cache = temp_dir("hostile_ctx_cache");
  const std::string d = tiny("ctx");
  const std::string env = "SMOLC_CACHE_DIR='" + cache + "' '" + smolc_bin() + "' ";
  for (const char* engine : {"--reference", "--f32 --target scalar"}) {
    INFO(engine);
    const RunResult r = run_shell(env + "run '" + d + "' " + engine + " --ctx 4 -n 2 --prompt-ids 1,2,3,4,5,6");
    expect_input_error(without_cache_note(r), {"context: position 0: 6 more tokens do not fit in the context of 4"});
    CHECK(r.out.empty());
  }
}

TEST_CASE("every bad numeric option is one smolc: error: line with exit 2, nothing clamped", "[hostile]") {
  const std::string run = "run '" + stories_dir() + "/stories260K.bin' --reference ";
  const std::pair<std::string, std::string> cases[] = {
      {run + "-n -5", "-n"},
      {run + "--temp -1", "--temp"},
      {run + "--temp nan", "--temp"},
      {run + "--top-k -1", "--top-k"},
      {run + "--top-p 1.5", "--top-p"},
      {run + "--min-p -0.1", "--min-p"},
      {run + "--repeat-penalty -1", "--repeat-penalty"},
      {run + "--repeat-last-n -2", "--repeat-last-n"},
      {run + "--seed -1", "--seed"},
      {run + "--seed 18446744073709551616", "--seed"},
      {run + "--ctx 99999999999999999999", "--ctx"},
      {run + "--ctx -3", "--ctx"},
      {run + "--threads 65", "--threads"},
      {run + "-n 12abc", "-n"},
      {"compile x --f32 --ctx -1", "--ctx"},
      {"compile x --f32 --threads -1", "--threads"},
      {"bench x --f32 --reps 0", "--reps"},
      {"bench x --f32 --threads 0", "--threads"},
      {"synth --preset tiny -o x --seed -1", "--seed"},
      {"kernel --m 0 --k 32", "--m"},
      {"quant-eval x --prompt-tokens 0", "--prompt-tokens"},
      {"run", "model"},  // a missing argument is a command-line error like the others
  };
  for (const auto& [args, flag] : cases) {
    INFO(args);
    expect_input_error(run_smolc(args), {flag});
  }
  // The largest seed is a seed, not an error.
  const RunResult ok = run_smolc(run + "--seed 18446744073709551615 -n 2");
  INFO(ok.err);
  CHECK(ok.exit_code == 0);
}

TEST_CASE("duplicate keys in config.json, tokenizer.json and the safetensors header are refused", "[hostile]") {
  {
    const std::string d = tiny("dup_config");
    std::string s = read_file(d + "/config.json");
    const size_t at = s.find('{');
    s.insert(at + 1, "\"hidden_size\": 64, ");
    write_bytes(d + "/config.json", s);
    expect_input_error(run_smolc("inspect '" + d + "'"), {"config.json", "key \"hidden_size\"", "duplicate key"});
  }
  {
    const std::string d = tiny("dup_tokenizer");
    std::string s = read_file(d + "/tokenizer.json");
    const size_t at = s.find("\"model\"");
    REQUIRE(at != std::string::npos);
    const size_t brace = s.find('{', at);
    s.insert(brace + 1, "\"type\": \"BPE\", \"type\": \"BPE\", ");
    write_bytes(d + "/tokenizer.json", s);
    expect_input_error(run_smolc("inspect '" + d + "'"), {"tokenizer.json", "key \"model.type\"", "duplicate key"});
  }
  {
    const std::string d = tiny("dup_header");
    const std::string p = d + "/model.safetensors";
    const std::string b = read_file(p);
    uint64_t n = 0;
    for (int i = 7; i >= 0; --i) n = (n << 8) | static_cast<uint8_t>(b[static_cast<size_t>(i)]);
    std::string h = b.substr(8, n);
    // The same tensor twice, the second pointing at other bytes.
    const std::string key = "\"model.norm.weight\":";
    const size_t at = h.find(key);
    REQUIRE(at != std::string::npos);
    h.insert(1, key + "{\"dtype\":\"F32\",\"shape\":[64],\"data_offsets\":[0,256]},");
    h.append((8 - h.size() % 8) % 8, ' ');
    std::string out(8, '\0');
    for (int i = 0; i < 8; ++i) out[static_cast<size_t>(i)] = static_cast<char>((h.size() >> (8 * i)) & 0xff);
    write_bytes(p, out + h + b.substr(8 + n));
    expect_input_error(run_smolc("inspect '" + d + "'"), {"model.safetensors", "key \"model.norm.weight\"", "duplicate key"});
  }
}

TEST_CASE("chat with max_position_embeddings 2^24 uses a sane default context, and --ctx past memory is exit 2", "[hostile]") {
  const std::string d = tiny("chat_ctx");
  std::string s = read_file(d + "/config.json");
  const std::string key = "\"max_position_embeddings\": ";
  const size_t at = s.find(key);
  REQUIRE(at != std::string::npos);
  const size_t end = s.find_first_of(",}", at);
  s.replace(at, end - at, key + "16777216");
  write_bytes(d + "/config.json", s);
  write_bytes(d + "/in.txt", "hello\n");
#ifdef SMOLC_TEST_ASAN
  WARN("skipped under ASan: the test limits the address space with ulimit -v");
  return;
#endif
  // 4 GB of address space: the old full-size cache (2 x 2 layers x 2^24 x 32 floats = 8 GiB) cannot fit.
  const std::string limit = "ulimit -v 4000000 && '" + smolc_bin() + "' run '" + d + "' --reference --chat -n 3 --temp 0";
  const RunResult ok = run_shell(limit, d + "/in.txt");
  INFO(ok.err);
  CHECK(ok.exit_code == 0);
  CHECK(!ok.out.empty());
  const RunResult big = run_shell(limit + " --ctx 16777216", d + "/in.txt");
  expect_input_error(big, {"--ctx: 16777216", "8589934592 bytes"});
}

TEST_CASE("an unknown command is named with the list of commands and exit 2", "[hostile]") {
  const RunResult r = run_smolc("frobnicate --f32");
  expect_input_error(r, {"unknown command 'frobnicate'", "compile", "run", "bench", "tokenize"});
  // Control bytes in the word are shown escaped, on one line.
  expect_input_error(run_smolc("\"$(printf 'fro\\033[2Jb')\""), {"unknown command 'fro\\x1B[2Jb'"});
  expect_input_error(run_smolc(""), {"A subcommand is required"});
}
