// llama2.c SentencePiece-BPE on the bundled tok512.bin, against goldens from
// tools/llama2c_tokenizer_golden.py (an independent Python re-statement of
// llama2.c's encode/decode).
#include <algorithm>
#include <catch2/catch.hpp>
#include <ctime>

#include "frontend/error.h"
#include "tokenizer/tokenizer_test_util.h"

using namespace smolc;

TEST_CASE("tok512 encode matches the llama2.c goldens", "[tokenizer]") {
  Tokenizer tok = test::stories_tokenizer();
  auto cases = test::read_golden(test::source_dir() + "/tests/data/tokenizer/tok512_golden.jsonl");
  REQUIRE(cases.size() >= 40);
  for (const auto& c : cases) {
    INFO("text: " << c.text);
    CHECK(tok.encode(c.text) == c.ids);
  }
}

TEST_CASE("tok512 decode after BOS gives the text back", "[tokenizer]") {
  Tokenizer tok = test::stories_tokenizer();
  REQUIRE(tok.bos_id() == 1);
  for (const auto& c : test::read_golden(test::source_dir() + "/tests/data/tokenizer/tok512_golden.jsonl")) {
    INFO("text: " << c.text);
    std::vector<int32_t> ids = {tok.bos_id()};
    ids.insert(ids.end(), c.ids.begin(), c.ids.end());
    std::string back = tok.decode(ids);
    // BOS itself decodes to its llama2.c piece "\n<s>\n".
    REQUIRE(back.rfind("\n<s>\n", 0) == 0);
    CHECK(back.substr(5) == c.text);
  }
}

TEST_CASE("tok512 byte-fallback pieces decode to their byte", "[tokenizer]") {
  Tokenizer tok = test::stories_tokenizer();
  CHECK(tok.token_bytes(-1, 3 + 0x0A) == "\n");
  CHECK(tok.token_bytes(-1, 3 + 0xFF) == "\xff");
  CHECK(tok.token_bytes(-1, 3) == std::string(1, '\0'));
  // The leading space is dropped only right after BOS.
  int32_t the = tok.encode("the")[0];
  REQUIRE(tok.token_bytes(-1, the)[0] == ' ');
  CHECK(tok.token_bytes(tok.bos_id(), the) == tok.token_bytes(-1, the).substr(1));
}

TEST_CASE("tok512 embedded NUL is encoded as the <0x00> byte piece", "[tokenizer]") {
  // llama2.c takes a C string and would stop at NUL; we encode it as a byte.
  Tokenizer tok = test::stories_tokenizer();
  std::string text("a\0b", 3);
  std::vector<int32_t> ids = tok.encode(text);
  CHECK(std::find(ids.begin(), ids.end(), 3) != ids.end());
  CHECK(tok.decode(ids) == " " + text);
}

TEST_CASE("tok512 out-of-range ids are an InputError", "[tokenizer]") {
  Tokenizer tok = test::stories_tokenizer();
  CHECK_THROWS_AS(tok.decode({5, 512}), InputError);
  CHECK_THROWS_AS(tok.decode({-1}), InputError);
  CHECK_THROWS_WITH(tok.token_bytes(-1, 600), Catch::Contains("600") && Catch::Contains("0..511"));
}

TEST_CASE("tok512 long single line encodes in near-linear time", "[tokenizer]") {
  Tokenizer tok = test::stories_tokenizer();
  std::string line;
  while (line.size() < (4u << 20)) line += "Once upon a time, there was a happy dog named Max. ";
  std::clock_t t0 = std::clock();  // CPU time: the machine is shared
  std::vector<int32_t> ids = tok.encode(line);
  double secs = static_cast<double>(std::clock() - t0) / CLOCKS_PER_SEC;
  CHECK(tok.decode(ids) == " " + line);
  // Loose bound: the quadratic llama2.c loop would take hours on 4 MB.
  CHECK(secs < 30.0);
}
