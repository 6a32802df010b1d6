// StreamDecoder: never emits a broken UTF-8 sequence, flushes the rest.
#include <catch2/catch.hpp>

#include "tokenizer/tokenizer_test_util.h"

using namespace smolc;

using test::valid_utf8;

TEST_CASE("stream decoder holds back split characters (tok512 byte fallback)", "[tokenizer]") {
  Tokenizer tok = test::stories_tokenizer();
  const std::string text = "Hi \U0001F600 caf\u00e9 \u65e5\u672c \U0001F468\u200d\U0001F469 end";
  std::vector<int32_t> ids = tok.encode(text);
  REQUIRE(ids.size() > text.size() / 2);  // emoji and CJK fall back to single bytes
  StreamDecoder dec(tok);
  std::string all;
  int held = 0;
  for (int32_t id : ids) {
    std::string piece = dec.push(id);
    CHECK(valid_utf8(piece));
    if (piece.empty()) ++held;
    all += piece;
  }
  CHECK(held > 0);
  all += dec.flush();
  CHECK(all == " " + text);
}

TEST_CASE("stream decoder flushes an unfinished character at the end", "[tokenizer]") {
  Tokenizer tok = test::stories_tokenizer();
  StreamDecoder dec(tok);
  // 0xE2 0x82 begins a 3-byte character that never completes.
  CHECK(dec.push(3 + 0xE2).empty());
  CHECK(dec.push(3 + 0x82).empty());
  CHECK(dec.flush() == "\xe2\x82");
  CHECK(dec.flush().empty());
}

TEST_CASE("stream decoder passes bytes that can never be valid straight through", "[tokenizer]") {
  Tokenizer tok = test::stories_tokenizer();
  StreamDecoder dec(tok);
  CHECK(dec.push(3 + 0xFF) == "\xff");
  CHECK(dec.push(3 + 0xE0).empty());
  CHECK(dec.push(3 + 0x41) == "\xe0" "A");  // E0 41 can never complete
  CHECK(dec.push(3 + 0xED).empty());
  CHECK(dec.push(3 + 0xA0) == "\xed\xa0");  // a surrogate: invalid, not held back
}

TEST_CASE("stream decoder on SmolLM2 golden ids emits only valid UTF-8 and the whole text", "[tokenizer]") {
  Tokenizer tok = test::smollm2_tokenizer();
  size_t held_back = 0;
  for (const auto& c : test::read_golden(test::source_dir() + "/tests/data/tokenizer/smollm2_golden.jsonl")) {
    INFO("text: " << nlohmann::json(c.text).dump());
    StreamDecoder dec(tok);
    std::string all;
    for (int32_t id : c.ids) {
      std::string piece = dec.push(id);
      CHECK(valid_utf8(piece));
      if (piece.empty() && !tok.token_bytes(-1, id).empty()) ++held_back;
      all += piece;
    }
    std::string rest = dec.flush();
    CHECK(rest.empty());  // golden texts are valid UTF-8: nothing is left over
    CHECK(all == tok.decode(c.ids));
  }
  CHECK(held_back > 100);  // emoji and CJK tokens split characters
}
