// `smolc tokenize` / `smolc detokenize` against the HF golden ids.
#include <catch2/catch.hpp>

#include "tokenizer/tokenizer_test_util.h"

using namespace smolc;

namespace {
std::string json_ids(const std::vector<int32_t>& ids) { return nlohmann::json(ids).dump() + "\n"; }
const test::GoldenCase& find_case(const std::vector<test::GoldenCase>& cases, const std::string& text) {
  for (const auto& c : cases)
    if (c.text == text) return c;
  FAIL("golden corpus lacks " << text);
  return cases[0];
}
}  // namespace

TEST_CASE("smolc tokenize prints the HF ids", "[tokenizer]") {
  auto cases = test::read_golden(test::source_dir() + "/tests/data/tokenizer/smollm2_golden.jsonl");
  const std::string model = test::shell_quote(test::smollm2_dir());
  for (const char* text : {"Hello, world!", "I'm sure you'll agree: we've done what they'd asked, and it's fine.",
                           "<|im_start|>user\nHello!<|im_end|>\n<|im_start|>assistant\n"}) {
    auto r = test::run_smolc("tokenize " + model + " " + test::shell_quote(text));
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(r.out == json_ids(find_case(cases, text).ids));
  }
  // A tokenizer.json path works too.
  auto r = test::run_smolc("tokenize " + test::shell_quote(test::smollm2_dir() + "/tokenizer.json") + " 'Hello, world!'");
  CHECK(r.out == json_ids(find_case(cases, "Hello, world!").ids));
}

TEST_CASE("smolc tokenize --chat wraps the text as one ChatML user turn", "[tokenizer]") {
  auto cases = test::read_golden(test::source_dir() + "/tests/data/tokenizer/smollm2_golden.jsonl");
  // The SmolLM2 template with its default system message (docs/chat.md);
  // added tokens cut the text, so the ids are these two golden strings' ids.
  std::vector<int32_t> expected = find_case(cases,
      "<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n").ids;
  const auto& turn = find_case(cases, "<|im_start|>user\nHello!<|im_end|>\n<|im_start|>assistant\n").ids;
  expected.insert(expected.end(), turn.begin(), turn.end());
  auto r = test::run_smolc("tokenize " + test::shell_quote(test::smollm2_dir()) + " --chat 'Hello!'");
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(r.out == json_ids(expected));
}

TEST_CASE("smolc detokenize prints the exact text", "[tokenizer]") {
  auto cases = test::read_golden(test::source_dir() + "/tests/data/tokenizer/smollm2_golden.jsonl");
  for (const char* text : {"naïve café résumé coöperate façade jalapeño Ångström Zürich São Paulo",
                           "line1\r\nline2\r\n", "👨‍👩‍👧‍👦"}) {
    std::string args = "detokenize " + test::shell_quote(test::smollm2_dir());
    for (int32_t id : find_case(cases, text).ids) args += " " + std::to_string(id);
    auto r = test::run_smolc(args);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(r.out == text);
  }
  // llama2.c: the space after BOS is dropped, as llama2.c prints it.
  auto r = test::run_smolc("detokenize " + test::shell_quote(test::stories_dir() + "/stories260K.bin") + " 1 403 407 261 378");
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(r.out == "\n<s>\nOnce upon a time");
}

TEST_CASE("smolc detokenize rejects out-of-range and malformed ids", "[tokenizer]") {
  auto r = test::run_smolc("detokenize " + test::shell_quote(test::smollm2_dir()) + " 1 49152");
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("smolc: error:") == 0);
  CHECK(r.err.find("49152") != std::string::npos);
  r = test::run_smolc("detokenize " + test::shell_quote(test::smollm2_dir()) + " 12x");
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("12x") != std::string::npos);
  r = test::run_smolc("tokenize /nonexistent/model 'hi'");
  CHECK(r.exit_code == 2);
}
