// The escapers of compiler/common/escape.h, each checked by the tool that
// reads its syntax: sh, cmake, pkg-config, a JSON parser and a C compiler.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/escape.h"
#include "support/test_support.h"

using namespace smolc::test;

namespace {

const std::vector<std::string> kSamples = {
    "", "plain", "a b", "it's", "\"q\"", "$(touch PWNED)", "`touch PWNED`", "a;b", "back\\slash", "# hash",
    "new\nline", "\nleading", "\r\nleading", "cr\r", "tab\t", "]]", "]=]", "]==]x]=]", "${X}", "$$", "*/ /* ?\?/",
    "\xc3\xa9t\xc3\xa9", "\xff\xfe", "\x1b[2J", "\xc2\x9b", "tail\\"};

int sh(const std::string& cmd) {
  const int st = std::system(cmd.c_str());
  return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

void write(const std::string& path, const std::string& text) {
  std::ofstream f(path, std::ios::binary);
  f << text;
}

}  // namespace

TEST_CASE("printable escapes control and invalid bytes and keeps UTF-8") {
  CHECK(smolc::printable("a\nb\rc\x1b[2J\x7f") == "a\\x0Ab\\x0Dc\\x1B[2J\\x7F");
  CHECK(smolc::printable("\xc3\xa9") == "\xc3\xa9");
  CHECK(smolc::printable("\xc2\x9b") == "\\xC2\\x9B");            // C1 CSI
  CHECK(smolc::printable("\xff\xc3") == "\\xFF\\xC3");            // invalid, truncated
  CHECK(smolc::printable("\xc0\xaf") == "\\xC0\\xAF");            // overlong '/'
  CHECK(smolc::printable("\xed\xa0\x80") == "\\xED\\xA0\\x80");   // surrogate
  CHECK(smolc::printable_lines("a\x1b\nb") == "a\\x1B\nb");
}

TEST_CASE("shell_quote round-trips every sample through sh") {
  const std::string dir = temp_dir("escape_shell");
  for (const std::string& s : kSamples) {
    INFO(s);
    write(dir + "/script.sh", "printf %s " + smolc::shell_quote(s) + " >" + smolc::shell_quote(dir + "/out") + "\n");
    REQUIRE(sh("cd '" + dir + "' && sh script.sh") == 0);
    CHECK(read_file(dir + "/out") == s);
    if (s.empty()) continue;  // shell_word("") quotes it too; checked below
    write(dir + "/script.sh", "printf %s " + smolc::shell_word(s) + " >" + smolc::shell_quote(dir + "/out") + "\n");
    REQUIRE(sh("cd '" + dir + "' && sh script.sh") == 0);
    CHECK(read_file(dir + "/out") == s);
  }
  CHECK(smolc::shell_word("a/b-c.d") == "a/b-c.d");
  CHECK(smolc::shell_word("a b") == "'a b'");
  CHECK(smolc::shell_word("") == "''");
  CHECK_THROWS(smolc::shell_quote(std::string("a\0b", 3)));
  CHECK(!std::filesystem::exists(dir + "/PWNED"));
}

TEST_CASE("cmake_string round-trips every sample through cmake") {
  const std::string dir = temp_dir("escape_cmake");
  for (const std::string& s : kSamples) {
    INFO(s);
    write(dir + "/t.cmake", "set(v " + smolc::cmake_string(s) + ")\nfile(WRITE \"${OUT}\" \"${v}\")\n");
    REQUIRE(sh("cd '" + dir + "' && cmake -DOUT=out -P t.cmake >log 2>&1") == 0);
    CHECK(read_file(dir + "/out") == s);
  }
}

TEST_CASE("pc_value keeps a pkg-config value on one line and unexpanded") {
  const std::string dir = temp_dir("escape_pc");
  for (const std::string& s : kSamples) {
    INFO(s);
    const std::string v = smolc::pc_value(s);
    CHECK(v.find('\n') == std::string::npos);
    write(dir + "/t.pc", "x=" + v + "\nName: t\nDescription: " + v + "\nVersion: 1\nLibs: -lt\n");
    REQUIRE(sh("PKG_CONFIG_PATH='" + dir + "' pkg-config --validate t") == 0);
    const RunResult libs = run_shell("PKG_CONFIG_PATH='" + dir + "' pkg-config --libs t");
    CHECK(libs.out == "-lt \n");
    // Printable ASCII without '#', '\\' and '$' comes back as it went in.
    bool plain = true;
    for (unsigned char c : s)
      plain = plain && c >= 0x20 && c < 0x7f && std::string_view("#\\$\"'").find(static_cast<char>(c)) == std::string_view::npos;
    if (plain) CHECK(run_shell("PKG_CONFIG_PATH='" + dir + "' pkg-config --variable=x t").out == s + "\n");
  }
}

TEST_CASE("json_string parses back to the text, invalid bytes as U+FFFD") {
  for (const std::string& s : kSamples) {
    INFO(s);
    const nlohmann::json j = nlohmann::json::parse(smolc::json_string(s));
    std::string expect = s;
    if (s == "\xff\xfe") expect = "\xef\xbf\xbd\xef\xbf\xbd";
    CHECK(j.get<std::string>() == expect);
  }
}

TEST_CASE("c_comment and c_string survive a C compiler") {
  const std::string dir = temp_dir("escape_c");
  std::string src = "#include <string.h>\n";
  std::string checks;
  for (size_t i = 0; i < kSamples.size(); ++i) {
    const std::string& s = kSamples[i];
    CHECK(smolc::c_comment(s).find('\n') == std::string::npos);
    CHECK(smolc::c_comment(s).find("*/") == std::string::npos);
    src += "/* " + smolc::c_comment(s) + " */\n// " + smolc::c_comment(s) + "\n";
    src += "static const char s" + std::to_string(i) + "[] = \"" + smolc::c_string(s) + "\";\n";
    checks += "  if (sizeof s" + std::to_string(i) + " != " + std::to_string(s.size() + 1) + ") return " +
              std::to_string(i + 1) + ";\n";
  }
  // Each literal holds exactly the sample's bytes: compared with a hex dump.
  std::string hex = "static const unsigned char h[] = {";
  std::string all;
  for (const std::string& s : kSamples) all += s;
  for (unsigned char c : all) hex += std::to_string(c) + ",";
  hex += "0};\n";
  std::string cat = "  char buf[" + std::to_string(all.size() + 1) + "]; size_t n = 0;\n";
  for (size_t i = 0; i < kSamples.size(); ++i)
    cat += "  memcpy(buf + n, s" + std::to_string(i) + ", sizeof s" + std::to_string(i) + " - 1); n += sizeof s" +
           std::to_string(i) + " - 1;\n";
  write(dir + "/t.c", src + hex + "int main(void) {\n" + checks + cat + "  return memcmp(buf, h, n) != 0 ? 99 : 0;\n}\n");
  for (const char* std : {"c11", "gnu11"}) {  // c11 turns trigraphs on
    INFO(std << "\n" << read_file(dir + "/log"));
    REQUIRE(sh("clang-19 -std=" + std::string(std) + " -Wall -Wextra -Werror '" + dir + "/t.c' -o '" +
               dir + "/t' 2>'" + dir + "/log'") == 0);
    CHECK(sh("'" + dir + "/t'") == 0);
  }
}
