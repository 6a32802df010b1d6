// Byte-level BPE on SmolLM2's tokenizer.json against goldens written by
// HuggingFace's @huggingface/tokenizers (tools/tokenizer_golden/make_golden.mjs).
#include <catch2/catch.hpp>

#include "text/tokenizer_tables.h"
#include "tokenizer/tokenizer_test_util.h"

using namespace smolc;

namespace {
std::vector<test::GoldenCase> golden() {
  return test::read_golden(test::source_dir() + "/tests/data/tokenizer/smollm2_golden.jsonl");
}
}  // namespace

TEST_CASE("smollm2 encode matches HF tokenizers on the golden corpus", "[tokenizer]") {
  Tokenizer tok = test::smollm2_tokenizer();
  auto cases = golden();
  REQUIRE(cases.size() >= 1000);
  size_t mismatches = 0;
  for (const auto& c : cases) {
    std::vector<int32_t> ids = tok.encode(c.text);
    if (ids != c.ids) {
      ++mismatches;
      INFO("text: " << nlohmann::json(c.text).dump());
      CHECK(ids == c.ids);
    }
  }
  CHECK(mismatches == 0);
}

TEST_CASE("smollm2 decode(encode(s)) == s for every golden string (bar bytes without a token)", "[tokenizer]") {
  Tokenizer tok = test::smollm2_tokenizer();
  // The only exception: bytes SmolLM2 has no token for (here the controls
  // U+0004, U+0006, U+0013, U+0014, U+0016, U+001D) are dropped, as HF does.
  size_t with_dropped = 0;
  for (const auto& c : golden()) {
    REQUIRE(test::valid_utf8(c.text));
    INFO("text: " << nlohmann::json(c.text).dump());
    std::string kept;
    for (char ch : c.text)
      if (tok.token_id(std::string(1, ch)) >= 0) kept += ch;
    if (kept != c.text) {
      ++with_dropped;
      for (char ch : c.text)
        if (tok.token_id(std::string(1, ch)) < 0) CHECK(std::string("\x04\x06\x13\x14\x16\x1d").find(ch) != std::string::npos);
    }
    CHECK(tok.decode(c.ids) == kept);
    CHECK(tok.decode(tok.encode(c.text)) == kept);
  }
  CHECK(with_dropped > 0);
  CHECK(with_dropped < 150);
}

TEST_CASE("smollm2 special tokens", "[tokenizer]") {
  Tokenizer tok = test::smollm2_tokenizer();
  CHECK(tok.vocab_size() == 49152);
  CHECK(tok.token_id("<|im_start|>") == 1);
  CHECK(tok.token_id("<|im_end|>") == 2);
  CHECK(tok.token_id("<|endoftext|>") == 0);
  CHECK(tok.token_id("no such token text") == -1);
  CHECK(tok.is_special(2));
  CHECK_FALSE(tok.is_special(100));
  CHECK(tok.decode({1, 2}) == "<|im_start|><|im_end|>");
}

TEST_CASE("smollm2 word cache does not change the ids", "[tokenizer]") {
  // Runtime level: the same long text with the minimum scratch (no cache)
  // and with room for the cache.
  smolc::TokenizerTableData tables = build_tokenizer_tables(load_hf_tokenizer_json(test::smollm2_dir() + "/tokenizer.json"));
  rt::TokTables t = tables.view();
  std::string text;
  for (const auto& c : golden()) text += c.text + (c.text.size() % 3 == 0 ? "\n" : " ");
  REQUIRE(text.size() > 50000);
  std::vector<int32_t> a(text.size() + 1), b(text.size() + 1);
  std::vector<unsigned char> small(rt::tok_encode_min_scratch_bytes(text.size()));
  std::vector<unsigned char> big(rt::tok_encode_scratch_bytes(text.size()));
  int64_t na = rt::tok_encode(&t, text.data(), text.size(), a.data(), a.size(), small.data(), small.size());
  int64_t nb = rt::tok_encode(&t, text.data(), text.size(), b.data(), b.size(), big.data(), big.size());
  REQUIRE(na > 0);
  REQUIRE(na == nb);
  a.resize(static_cast<size_t>(na));
  b.resize(static_cast<size_t>(nb));
  CHECK(a == b);
  // Too little scratch or output space is an error code, not an overflow.
  CHECK(rt::tok_encode(&t, text.data(), text.size(), a.data(), a.size(), small.data(), small.size() - 1) == rt::kTokErrScratch);
  CHECK(rt::tok_encode(&t, text.data(), text.size(), b.data(), 10, big.data(), big.size()) == rt::kTokErrOutputFull);
}

TEST_CASE("byte-level BPE without the Digits split matches HF's plain ByteLevel pre-tokenizer", "[tokenizer]") {
  // Golden: the same tokenizer.json with pre_tokenizer = ByteLevel only.
  TokenizerData data = load_hf_tokenizer_json(test::smollm2_dir() + "/tokenizer.json");
  REQUIRE(data.split_digits);
  data.split_digits = false;
  Tokenizer plain(data);
  Tokenizer digits = test::smollm2_tokenizer();
  auto cases = test::read_golden(test::source_dir() + "/tests/data/tokenizer/smollm2_nodigits_golden.jsonl");
  REQUIRE(cases.size() >= 500);
  size_t differs_from_split = 0;
  for (const auto& c : cases) {
    INFO("text: " << nlohmann::json(c.text).dump());
    CHECK(plain.encode(c.text) == c.ids);
    if (digits.encode(c.text) != c.ids) ++differs_from_split;
  }
  CHECK(differs_from_split > 10);  // the corpus does exercise the difference
}
