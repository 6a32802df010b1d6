// emit_tokenizer_tables: the emitted tables (C++, .S and their binary file),
// compiled with clang++-19 as C++17 together with the runtime, encode and
// decode exactly as the host Tokenizer does; hostile token text stays inert
// data, out of the generated text.
#include <catch2/catch.hpp>
#include <filesystem>

#include "frontend/error.h"
#include "emit/tokenizer_tables_emit.h"
#include "tokenizer/tokenizer_test_util.h"

using namespace smolc;

namespace {

const char* kDriver = R"(// Reads length-prefixed texts, prints ids and the decoded bytes in hex.
#include <cstdio>
#include <cstdlib>
#include <vector>
#include "tokenizer/smolc_tokenizer.h"
extern const smolc::rt::TokTables emitted_tokenizer;
int main(int argc, char** argv) {
  FILE* f = std::fopen(argv[1], "rb");
  if (!f || argc != 2) return 3;
  unsigned long n;
  while (std::fscanf(f, "%lu", &n) == 1 && std::fgetc(f) == '\n') {
    std::vector<char> text(n + 1);
    if (std::fread(text.data(), 1, n, f) != n) return 4;
    std::vector<int32_t> ids(n + 1);
    std::vector<unsigned char> scratch(smolc::rt::tok_encode_scratch_bytes(n));
    long long k = smolc::rt::tok_encode(&emitted_tokenizer, text.data(), n, ids.data(), ids.size(), scratch.data(), scratch.size());
    if (k < 0) return 5;
    for (long long i = 0; i < k; ++i) std::printf("%d ", ids[i]);
    std::printf("|");
    int32_t prev = -1;
    for (long long i = 0; i < k; ++i) {
      const char* b;
      size_t len = smolc::rt::tok_token_bytes(&emitted_tokenizer, prev, ids[i], &b);
      for (size_t j = 0; j < len; ++j) std::printf("%02x", (unsigned char)b[j]);
      prev = ids[i];
    }
    std::printf("\n");
  }
  return 0;
}
)";

TokenizerTableFiles emit(const TokenizerData& data, const std::string& prefix = "emitted") {
  return emit_tokenizer_tables(data, prefix, "tables.bin", /*wasm=*/false,
                               {{"NAME", prefix}, {"MODEL", "m"}, {"SOURCE", "s"}, {"VERSION", "0"}, {"COMMAND", "c"}});
}

std::string hex(const std::string& s) {
  std::string out;
  char buf[4];
  for (unsigned char c : s) {
    std::snprintf(buf, sizeof buf, "%02x", c);
    out += buf;
  }
  return out;
}

// Compiles the emitted tables + driver + runtime and runs it over `texts`;
// returns the driver's output lines.
std::vector<std::string> run_emitted(const std::string& name, const TokenizerData& data,
                                     const std::vector<std::string>& texts) {
  const std::string dir = test::temp_dir("tables_emit_" + name);
  {
    const TokenizerTableFiles t = emit(data);
    std::ofstream(dir + "/tables.cpp") << t.cpp;
    std::ofstream(dir + "/tables.S") << t.asm_;
    std::ofstream(dir + "/tables.bin", std::ios::binary) << t.blob;
    std::ofstream(dir + "/driver.cpp") << kDriver;
    std::ofstream in(dir + "/input.bin", std::ios::binary);
    for (const std::string& t : texts) in << t.size() << "\n" << t;
  }
  std::string cmd = "cd '" + dir + "' && clang++-19 -std=c++17 -O1 -Wall -Wextra -Werror -fno-exceptions -fno-rtti -I'" +
                    test::source_dir() + "/runtime' tables.cpp tables.S driver.cpp";
  for (const auto& e : std::filesystem::directory_iterator(test::source_dir() + "/runtime/tokenizer"))
    if (e.path().extension() == ".cpp") cmd += " '" + e.path().string() + "'";
  cmd += " -o '" + dir + "/driver' 2>'" + dir + "/compile.log'";
  INFO(cmd);
  REQUIRE(std::system(cmd.c_str()) == 0);
  REQUIRE(std::system(("'" + dir + "/driver' '" + dir + "/input.bin' >'" + dir + "/out.txt'").c_str()) == 0);
  std::vector<std::string> lines;
  std::ifstream out(dir + "/out.txt");
  for (std::string l; std::getline(out, l);) lines.push_back(l);
  return lines;
}

void check_same_as_host(const std::string& name, const TokenizerData& data, const std::vector<std::string>& texts) {
  Tokenizer tok(data);
  std::vector<std::string> lines = run_emitted(name, data, texts);
  REQUIRE(lines.size() == texts.size());
  for (size_t i = 0; i < texts.size(); ++i) {
    std::vector<int32_t> ids = tok.encode(texts[i]);
    std::string expected;
    for (int32_t id : ids) expected += std::to_string(id) + " ";
    expected += "|" + hex(tok.decode(ids));
    INFO("text: " << nlohmann::json(texts[i]).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    CHECK(lines[i] == expected);
  }
}

std::vector<std::string> corpus_texts(size_t max) {
  std::vector<std::string> texts;
  for (const auto& c : test::read_golden(test::source_dir() + "/tests/data/tokenizer/smollm2_golden.jsonl"))
    if (texts.size() < max) texts.push_back(c.text);
  texts.push_back(std::string("a\0b\xff\x80\xe4\xb8", 7));
  return texts;
}

}  // namespace

TEST_CASE("emitted SmolLM2 tables encode like the host tokenizer", "[tokenizer]") {
  check_same_as_host("smollm2", load_hf_tokenizer_json(test::smollm2_dir() + "/tokenizer.json"), corpus_texts(400));
}

TEST_CASE("emitted tok512 tables encode like the host tokenizer", "[tokenizer]") {
  check_same_as_host("tok512", load_llama2c_tokenizer(test::stories_dir() + "/tok512.bin", 512), corpus_texts(200));
}

TEST_CASE("hostile token text reaches only the tables' binary file, never generated text", "[tokenizer]") {
  TokenizerData d = load_llama2c_tokenizer(test::stories_dir() + "/tok512.bin", 512);
  // Replace a few pieces with text that would break out of a string literal
  // or a comment, or form a trigraph / line splice if pasted raw.
  const std::vector<std::string> hostile = {"\"; int pwned = 1; //", "*/ #error x /*", "\\", "\?\?/", "\n#include <x>\n",
                                            std::string("\0\"\0", 3), "R\"(", ")\""};
  for (size_t i = 0; i < hostile.size(); ++i) d.vocab[300 + i] = hostile[i];
  // Token text reaches only the binary file: neither generated text holds it.
  const TokenizerTableFiles t = emit(d);
  for (const std::string* text : {&t.cpp, &t.asm_}) {
    CHECK(text->find("pwned") == std::string::npos);
    CHECK(text->find("#error x") == std::string::npos);
    CHECK(text->find("#include <x>") == std::string::npos);
  }
  CHECK(t.blob.find("\"; int pwned = 1; //") != std::string::npos);
  std::vector<std::string> texts = {"plain text"};
  for (const auto& h : hostile) texts.push_back(h);
  check_same_as_host("hostile", d, texts);
  Tokenizer tok(d);
  for (size_t i = 0; i < hostile.size(); ++i) CHECK(tok.token_bytes(-1, static_cast<int32_t>(300 + i)) == hostile[i]);
}

TEST_CASE("emit rejects a prefix that is not an identifier", "[tokenizer]") {
  TokenizerData d = load_llama2c_tokenizer(test::stories_dir() + "/tok512.bin", 512);
  CHECK_THROWS(emit(d, "a b"));
  CHECK_THROWS(emit(d, "1x"));
  CHECK_THROWS(emit(d, ""));
}
