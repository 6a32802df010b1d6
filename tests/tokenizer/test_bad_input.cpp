// Byte-level BPE on inputs HF's JS reference cannot take (invalid UTF-8),
// embedded NUL, a 10 MB single line, empty input and out-of-range ids.
#include <catch2/catch.hpp>
#include <ctime>
#include <random>

#include "frontend/error.h"
#include "tokenizer/tokenizer_test_util.h"

using namespace smolc;

namespace {
std::vector<int32_t> concat(std::initializer_list<std::vector<int32_t>> parts) {
  std::vector<int32_t> out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}
// Process CPU time: the shared 2-core machine makes wall time meaningless.
double cpu_seconds_since(std::clock_t t0) { return static_cast<double>(std::clock() - t0) / CLOCKS_PER_SEC; }
}  // namespace

TEST_CASE("smollm2 empty input encodes to no ids", "[tokenizer]") {
  Tokenizer tok = test::smollm2_tokenizer();
  CHECK(tok.encode("").empty());
  CHECK(tok.decode({}).empty());
}

TEST_CASE("smollm2 invalid UTF-8 bytes are single 'other' characters encoded as raw bytes", "[tokenizer]") {
  Tokenizer tok = test::smollm2_tokenizer();
  // A stray continuation byte between letters is its own pre-token.
  const int32_t b80 = tok.token_id("\x80");
  REQUIRE(b80 >= 0);
  CHECK(tok.encode("abc\x80xyz") == concat({tok.encode("abc"), {b80}, tok.encode("xyz")}));
  // It joins a punctuation run like any non-letter, non-number character.
  CHECK(tok.decode(tok.encode("!\x80!")) == "!\x80!");
  // A truncated character (first 2 bytes of U+4E2D) before a letter.
  CHECK(tok.decode(tok.encode("\xe4\xb8x")) == "\xe4\xb8x");
  CHECK(tok.encode("\xe4\xb8x").back() == tok.encode("x").back());
  // Overlong '/' and a UTF-16 surrogate are invalid, byte by byte.
  CHECK(tok.decode(tok.encode("a\xed\xa0\x80z")) == "a\xed\xa0\x80z");
  // Bytes SmolLM2's vocab has no token for (C0, C1, F5..FF, ...) are dropped,
  // as HF drops characters it cannot map without an unk token.
  CHECK(tok.token_id("\xff") == -1);
  CHECK(tok.encode("\xff").empty());
  CHECK(tok.encode("a\xc0\xafz") == concat({tok.encode("a"), {tok.token_id("\xaf")}, tok.encode("z")}));
}

TEST_CASE("smollm2 random byte strings round-trip when every byte has a token", "[tokenizer]") {
  Tokenizer tok = test::smollm2_tokenizer();
  std::vector<char> alphabet;
  for (int b = 0; b < 256; ++b)
    if (tok.token_id(std::string(1, static_cast<char>(b))) >= 0) alphabet.push_back(static_cast<char>(b));
  REQUIRE(alphabet.size() > 200);
  std::mt19937 rng(1234);
  for (int round = 0; round < 2000; ++round) {
    std::string s;
    size_t n = rng() % 40;
    for (size_t i = 0; i < n; ++i) s += alphabet[rng() % alphabet.size()];
    std::vector<int32_t> ids = tok.encode(s);
    for (int32_t id : ids) REQUIRE((id >= 0 && id < tok.vocab_size()));
    REQUIRE(tok.decode(ids) == s);
  }
}

TEST_CASE("smollm2 embedded NUL is an ordinary character", "[tokenizer]") {
  Tokenizer tok = test::smollm2_tokenizer();
  const std::string text("a\0b\0\0", 5);
  const int32_t nul = tok.token_id(std::string(1, '\0'));
  REQUIRE(nul >= 0);
  std::vector<int32_t> ids = tok.encode(text);
  CHECK(tok.decode(ids) == text);
  CHECK(std::count(ids.begin(), ids.end(), nul) + std::count(ids.begin(), ids.end(), tok.token_id(std::string(2, '\0'))) >= 2);
}

TEST_CASE("smollm2 10 MB single line encodes in near-linear time", "[tokenizer]") {
  Tokenizer tok = test::smollm2_tokenizer();
  std::string prose;
  while (prose.size() < (10u << 20)) prose += "The quick brown fox jumps over the lazy dog, 42 times. ";
  std::clock_t t0 = std::clock();
  std::vector<int32_t> ids = tok.encode(prose);
  double secs = cpu_seconds_since(t0);
  CHECK(tok.decode(ids) == prose);
  CHECK(secs < 20.0);  // loose (measured 0.4 s): a quadratic merge loop would take hours

  // One 10 MB pre-token (no spaces): the worst case for the merge heap.
  std::string word(10u << 20, 'a');
  t0 = std::clock();
  ids = tok.encode(word);
  secs = cpu_seconds_since(t0);
  CHECK(tok.decode(ids) == word);
  CHECK(secs < 30.0);  // measured 2 s
}

TEST_CASE("smollm2 out-of-range ids are an InputError", "[tokenizer]") {
  Tokenizer tok = test::smollm2_tokenizer();
  CHECK_THROWS_AS(tok.decode({1, 49152}), InputError);
  CHECK_THROWS_AS(tok.decode({-5}), InputError);
  CHECK_THROWS_WITH(tok.token_bytes(-1, 1 << 30), Catch::Contains("0..49151"));
  StreamDecoder dec(tok);
  CHECK_THROWS_AS(dec.push(49152), InputError);
}
