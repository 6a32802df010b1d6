// `smolc run` end to end: the published stories260K greedy story, logits
// dumps against the numpy golden, sampling determinism, and bad llama2.c
// inputs rejected with a one-line error and exit code 2.
#include <catch2/catch.hpp>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "frontend/checkpoint.h"
#include "reference/golden.h"
#include "reference/npy.h"
#include "reference/reference_engine.h"
#include "text/tokenizer.h"
#include "support/published_story.h"
#include "support/test_support.h"

using namespace smolc;
using namespace smolc::test;
namespace fs = std::filesystem;

namespace {

const std::string kStories = "'" + stories_dir() + "/stories260K.bin'";


// smolc run prints a final newline after the generated text, as llama2.c does.
std::string strip_final_newline(std::string s) {
  REQUIRE(!s.empty());
  REQUIRE(s.back() == '\n');
  s.pop_back();
  return s;
}

std::string write_bytes(const std::string& dir, const std::string& name, const std::string& bytes) {
  std::string path = dir + "/" + name;
  std::ofstream(path, std::ios::binary) << bytes;
  return path;
}

void put_i32(std::string& s, size_t off, int32_t v) { std::memcpy(&s[off], &v, 4); }

// A copy of stories260K (with its tokenizer) in a temp dir with `edit` applied.
std::string broken_stories(const std::string& name, const std::function<void(std::string&)>& edit,
                           bool with_tokenizer = true) {
  std::string dir = temp_dir(name);
  std::string bin = read_file(stories_dir() + "/stories260K.bin");
  edit(bin);
  if (with_tokenizer) fs::copy_file(stories_dir() + "/tok512.bin", dir + "/tok512.bin");
  return write_bytes(dir, "model.bin", bin);
}

void expect_input_error(const RunResult& r, const std::string& must_contain) {
  INFO("stderr: " << r.err);
  CHECK(r.exit_code == 2);
  CHECK(r.out.empty());
  CHECK(r.err.rfind("smolc: error: ", 0) == 0);
  CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
  CHECK(r.err.find(must_contain) != std::string::npos);
}

}  // namespace

TEST_CASE("stories260K greedy for 200 tokens prints a prefix of the published story") {
  const std::string story = published_story();
  REQUIRE(story.rfind("Once upon a time, there was a little girl named Lily.", 0) == 0);
  RunResult r = run_smolc("run " + kStories + " --reference --temp 0 -n 200");
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  const std::string out = strip_final_newline(r.out);
  CHECK(out.size() > 400);  // 200 tokens of a 512-token vocabulary
  CHECK(story.rfind(out, 0) == 0);
}

TEST_CASE("stories260K greedy for llama2.c's 256 steps prints the whole published story") {
  // run.c -t 0.0 runs 256 forward passes from BOS and prints the 256 tokens
  // they choose; -n counts generated tokens the same way.
  RunResult r = run_smolc("run " + kStories + " --reference --temp 0 -n 256");
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(strip_final_newline(r.out) == published_story());
}

TEST_CASE("run --dump-logits writes one float32 row per evaluated position, equal to the golden") {
  std::string dir = temp_dir("run_dump_logits");
  std::vector<int32_t> ids = read_ids(golden_dir() + "/stories260K.ids.txt");
  NpyF32 golden = read_npy_f32(golden_dir() + "/stories260K.npy");

  SECTION("prompt ids only (-n 1 evaluates just the prompt)") {
    std::string csv;
    for (size_t i = 0; i < 50; ++i) csv += (i ? "," : "") + std::to_string(ids[i]);
    RunResult r = run_smolc("run " + kStories + " --reference --temp 0 -n 1 --prompt-ids " + csv +
                            " --dump-logits '" + dir + "/a.npy'");
    REQUIRE(r.exit_code == 0);
    NpyF32 a = read_npy_f32(dir + "/a.npy");
    REQUIRE(a.rows == 50);
    REQUIRE(a.cols == 512);
    CHECK(max_abs_diff(a.data.data(), golden.data.data(), a.data.size()) <= 1e-4);
  }
  SECTION("greedy generation from BOS: BOS row + one row per fed sampled token") {
    RunResult r = run_smolc("run " + kStories + " --reference --temp 0 -n 30 --dump-logits '" + dir + "/b.npy'");
    REQUIRE(r.exit_code == 0);
    NpyF32 b = read_npy_f32(dir + "/b.npy");
    REQUIRE(b.rows == 30);  // positions 0..29; the 30th sampled token is never fed
    REQUIRE(b.cols == 512);
    // The numpy golden followed the same greedy path, so the rows agree.
    CHECK(max_abs_diff(b.data.data(), golden.data.data(), b.data.size()) <= 1e-4);
    // The npy header is numpy's v1.0 layout, 64-byte aligned.
    std::string raw = read_file(dir + "/b.npy");
    CHECK(raw.compare(0, 8, std::string("\x93NUMPY\x01\x00", 8)) == 0);
    CHECK(raw.size() == 128 + 30 * 512 * 4);
  }
}

TEST_CASE("run --prompt-ids are echoed and continued like llama2.c") {
  // The first 20 ids of the golden story: the prompt text comes back
  // verbatim, then the same greedy continuation.
  std::vector<int32_t> ids = read_ids(golden_dir() + "/stories260K.ids.txt");
  std::string csv;
  for (size_t i = 0; i < 20; ++i) csv += (i ? "," : "") + std::to_string(ids[i]);
  RunResult r = run_smolc("run " + kStories + " --reference --temp 0 -n 100 --prompt-ids " + csv);
  REQUIRE(r.exit_code == 0);
  const std::string out = strip_final_newline(r.out);
  CHECK(out.size() > 300);
  CHECK(published_story().rfind(out, 0) == 0);
}

TEST_CASE("sampling is reproducible for a seed and differs across seeds") {
  auto sample = [](int seed) {
    RunResult r = run_smolc("run " + kStories + " --reference --temp 1 --top-p 0.9 -n 60 --seed " +
                            std::to_string(seed));
    REQUIRE(r.exit_code == 0);
    return r.out;
  };
  const std::string a = sample(133742), b = sample(133742), c = sample(7);
  CHECK(a == b);
  CHECK(a != c);
  CHECK(a != published_story().substr(0, a.size()));  // not greedy
}

TEST_CASE("bad llama2.c inputs give a one-line error and exit code 2") {
  SECTION("truncated weights") {
    std::string m = broken_stories("bad_truncated", [](std::string& b) { b.resize(b.size() - 1000); });
    expect_input_error(run_smolc("run '" + m + "' --reference -n 1"), "truncated");
  }
  SECTION("file shorter than the header") {
    std::string m = broken_stories("bad_short", [](std::string& b) { b.resize(10); });
    expect_input_error(run_smolc("run '" + m + "' --reference -n 1"), "offset 0");
  }
  SECTION("absurd dim") {
    std::string m = broken_stories("bad_dim", [](std::string& b) { put_i32(b, 0, 1 << 30); });
    expect_input_error(run_smolc("run '" + m + "' --reference -n 1"), "dim");
  }
  SECTION("absurd n_layers that would overflow size computations") {
    std::string m = broken_stories("bad_layers", [](std::string& b) { put_i32(b, 8, 0x7fffffff); });
    expect_input_error(run_smolc("run '" + m + "' --reference -n 1"), "n_layers");
  }
  SECTION("negative hidden_dim") {
    std::string m = broken_stories("bad_hidden", [](std::string& b) { put_i32(b, 4, -172); });
    expect_input_error(run_smolc("run '" + m + "' --reference -n 1"), "hidden_dim");
  }
  SECTION("negative seq_len") {
    std::string m = broken_stories("bad_seq", [](std::string& b) { put_i32(b, 24, -1); });
    expect_input_error(run_smolc("run '" + m + "' --reference -n 1"), "seq_len");
  }
  SECTION("n_heads that does not divide dim") {
    std::string m = broken_stories("bad_heads", [](std::string& b) { put_i32(b, 12, 7); });
    expect_input_error(run_smolc("run '" + m + "' --reference -n 1"), "n_heads");
  }
  SECTION("negative vocab_size (untied) without the classifier in the file") {
    std::string m = broken_stories("bad_untied", [](std::string& b) { put_i32(b, 20, -512); });
    expect_input_error(run_smolc("run '" + m + "' --reference -n 1"), "truncated");
  }
  SECTION("INT32_MIN vocab_size") {
    std::string m = broken_stories("bad_vocab_min", [](std::string& b) { put_i32(b, 20, INT32_MIN); });
    expect_input_error(run_smolc("run '" + m + "' --reference -n 1"), "vocab_size");
  }
  SECTION("trailing bytes") {
    std::string m = broken_stories("bad_trailing", [](std::string& b) { b += std::string(8, '\0'); });
    expect_input_error(run_smolc("run '" + m + "' --reference -n 1"), "trailing");
  }
  SECTION("unsupported v2 (Q8_0) file") {
    std::string m = broken_stories("bad_v2", [](std::string& b) {
      std::string h(256, '\0');
      put_i32(h, 0, 0x616b3432);
      put_i32(h, 4, 2);
      b = h + b;
    });
    expect_input_error(run_smolc("run '" + m + "' --reference -n 1"), "version");
  }
  SECTION("missing tokenizer") {
    std::string m = broken_stories("bad_no_tokenizer", [](std::string&) {}, false);
    expect_input_error(run_smolc("run '" + m + "' --reference -n 1"), "tokenizer");
  }
  SECTION("truncated tokenizer") {
    std::string dir = temp_dir("bad_tok_truncated");
    fs::copy_file(stories_dir() + "/stories260K.bin", dir + "/stories260K.bin");
    std::string tok = read_file(stories_dir() + "/tok512.bin");
    write_bytes(dir, "tok512.bin", tok.substr(0, tok.size() - 3));
    expect_input_error(run_smolc("run '" + dir + "/stories260K.bin' --reference -n 1"), "tok512.bin");
  }
  SECTION("tokenizer token length beyond max_token_length") {
    std::string dir = temp_dir("bad_tok_len");
    fs::copy_file(stories_dir() + "/stories260K.bin", dir + "/stories260K.bin");
    std::string tok = read_file(stories_dir() + "/tok512.bin");
    put_i32(tok, 8, 1000);  // token 0's length
    write_bytes(dir, "tok512.bin", tok);
    expect_input_error(run_smolc("run '" + dir + "/stories260K.bin' --reference -n 1"), "token 0 length");
  }
  SECTION("prompt id out of range") {
    expect_input_error(run_smolc("run " + kStories + " --reference -n 1 --prompt-ids 1,512"), "512");
  }
  SECTION("malformed prompt ids") {
    expect_input_error(run_smolc("run " + kStories + " --reference -n 1 --prompt-ids 1,x"), "--prompt-ids");
  }
  SECTION("context larger than the model's max_seq_len") {
    expect_input_error(run_smolc("run " + kStories + " --reference -n 1 --ctx 100000"), "--ctx");
  }
  SECTION("sampling option out of range") {
    expect_input_error(run_smolc("run " + kStories + " --reference -n 1 --top-p 1.5"), "top-p");
  }
}

TEST_CASE("run -p on a llama2.c model encodes the text after BOS and continues the published story") {
  const std::string prompt = "Once upon a time, there was a little girl named Lily.";
  RunResult r = run_smolc("run " + kStories + " --reference --temp 0 -n 60 -p '" + prompt + "'");
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  const std::string out = strip_final_newline(r.out);
  CHECK(out.size() > prompt.size() + 100);
  CHECK(published_story().rfind(out, 0) == 0);
}

TEST_CASE("run -p on a byte-level BPE model feeds the encoded text without BOS") {
  const std::string dir = make_tiny_synth("run_p_tiny");
  RunResult r = run_smolc("run '" + dir + "' --reference --temp 0 -n 5 -p 'Hello world' --dump-logits '" + dir +
                          "/l.npy'");
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(r.out.rfind("Hello world", 0) == 0);
  Checkpoint ck = load_checkpoint(dir);
  const std::vector<int32_t> ids = Tokenizer(ck.tokenizer).encode("Hello world");
  REQUIRE(ids.size() == 2);
  NpyF32 got = read_npy_f32(dir + "/l.npy");
  REQUIRE(got.rows == 2 + 5 - 1);
  ReferenceEngine e(ck.cfg, RefWeights::from_checkpoint(ck), 2);
  std::vector<float> want = e.prefill(ids.data(), 2);
  CHECK(std::memcmp(got.data.data(), want.data(), want.size() * 4) == 0);
}

TEST_CASE("run stops a llama2.c model when it emits BOS, without printing it") {
  std::string dir = temp_dir("run_stop_bos");
  RunResult r = run_smolc("run " + kStories + " --reference --temp 0 -n 511 --dump-logits '" + dir + "/l.npy'");
  REQUIRE(r.exit_code == 0);
  NpyF32 l = read_npy_f32(dir + "/l.npy");
  REQUIRE(l.rows < 511);  // stopped early
  auto argmax = [&](int64_t row) {
    const float* p = l.data.data() + row * l.cols;
    return std::max_element(p, p + l.cols) - p;
  };
  CHECK(argmax(l.rows - 1) == 1);  // the last evaluated position chose BOS...
  for (int64_t t = 0; t + 1 < l.rows; ++t) REQUIRE(argmax(t) != 1);  // ...for the first time
  CHECK(r.out.find("<s>") == std::string::npos);
  CHECK(strip_final_newline(r.out).rfind(published_story(), 0) == 0);
}
