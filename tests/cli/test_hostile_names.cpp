// Hostile text in model files, directory names, -o and --cxx: every generated
// file keeps it as data (issue 11, section 1), and errors and `inspect` print
// it on one line without terminal control bytes (section 2).
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "cli/gguf_bytes.h"
#include "support/test_support.h"

using namespace smolc::test;
namespace fs = std::filesystem;

namespace {

// Every line break starts an "INJECTED" line if a writer pastes the text raw;
// the rest tries each syntax: shell ($(...), backticks, ;, quotes), CMake
// (brackets, ${}, parentheses), pkg-config (fields, $, #), C (*/), and bytes
// that are not UTF-8 or are terminal controls.
const std::string kEvil =
    "m\nINJECTED1 $(touch PWNED_a) `touch PWNED_b`; touch PWNED_c #\r\nINJECTED2 '\"\\ */ ]] ]=] ${PWNED} "
    "file(WRITE PWNED_d x)\nLibs: -lPWNED\nINJECTED3 \xc3\xa9 \xff \x1b[2J ?\?/";

// kEvil as one path component ('/' cannot be in a file name).
std::string path_part() {
  std::string s = kEvil;
  for (char& c : s)
    if (c == '/') c = '|';
  return s;
}

int sh(const std::string& cmd) {
  const int st = std::system(cmd.c_str());
  return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

// Every text file under `dir` (all but weights and objects).
std::vector<fs::path> text_files(const std::string& dir) {
  std::vector<fs::path> out;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (!e.is_regular_file()) continue;
    const std::string ext = e.path().extension().string();
    if (ext == ".bin" || ext == ".o" || ext == ".a" || ext == ".weights" || ext == ".log") continue;
    if (e.path().filename() == "COMMAND.txt") continue;  // the command as given, a record and no syntax
    out.push_back(e.path());
  }
  return out;
}

void check_no_injected_line(const std::string& dir) {
  std::vector<std::string> bad;
  for (const fs::path& p : text_files(dir))
    for (const std::string& l : lines(read_file(p.string())))
      if (l.find("INJECTED") == 0 || l.find("Libs: -lPWNED") == 0) bad.push_back(p.filename().string() + ": " + l);
  INFO((bad.empty() ? std::string() : bad.front()));
  CHECK(bad.empty());
}

void check_nothing_ran(const std::string& root) {
  for (const auto& e : fs::recursive_directory_iterator(root)) {
    INFO(e.path().string());
    CHECK(e.path().filename().string().rfind("PWNED", 0) != 0);  // touch PWNED_a, file(WRITE PWNED_d), ...
  }
}

// pkg-config and CMake read the package files back: no extra library, and the
// model name arrives byte for byte (CMake) or escaped on one line (pkg-config).
void check_package_files(const std::string& root, const std::string& out, const std::string& name,
                         const std::string& model) {
  // pkg-config splits PKG_CONFIG_PATH at ':', which the hostile path holds: read a copy.
  const std::string pc_dir = root + "/pc";
  fs::create_directories(pc_dir);
  fs::copy_file(out + "/lib/pkgconfig/" + name + ".pc", pc_dir + "/" + name + ".pc",
                fs::copy_options::overwrite_existing);
  const std::string env = "PKG_CONFIG_PATH=" + shell_quote(pc_dir) + " ";
  CHECK(sh(env + "pkg-config --validate " + name) == 0);
  const RunResult libs = run_shell(env + "pkg-config --libs " + name);
  CHECK(libs.exit_code == 0);
  CHECK(libs.out == "-L" + pc_dir + "/../../lib -l" + name + " -lpthread -lm \n");
  const std::vector<std::string> pc = lines(read_file(out + "/lib/pkgconfig/" + name + ".pc"));
  CHECK(pc.size() == 11);

  const std::string consumer = root + "/cmake-consumer-" + name;
  fs::create_directories(consumer + "/src");
  {
    std::ofstream f(consumer + "/src/CMakeLists.txt");
    f << "cmake_minimum_required(VERSION 3.16)\nproject(consumer C)\nfind_package(" << name
      << " CONFIG REQUIRED)\nfile(WRITE \"${CMAKE_BINARY_DIR}/model.txt\" \"${" << name << "_MODEL}\")\n";
  }
  // A CMake cache entry cannot hold a newline either: the config is read from a copy.
  const std::string cfg_dir = root + "/cmake/" + name;
  fs::create_directories(cfg_dir);
  fs::copy_file(out + "/lib/cmake/" + name + "/" + name + "Config.cmake", cfg_dir + "/" + name + "Config.cmake",
                fs::copy_options::overwrite_existing);
  const RunResult c = run_shell("cmake -S " + shell_quote(consumer + "/src") + " -B " + shell_quote(consumer + "/b") +
                                " " + shell_quote("-D" + name + "_DIR=" + cfg_dir));
  INFO(c.out << c.err);
  REQUIRE(c.exit_code == 0);
  CHECK(read_file(consumer + "/b/model.txt") == model);
}

}  // namespace

TEST_CASE("hostile GGUF name, model path, -o and --cxx stay data in every generated file") {
  const std::string root = temp_dir("hostile_names");
  const std::string model_dir = root + "/model " + path_part(), out = root + "/out " + path_part();
  fs::create_directories(model_dir);
  GgufBytes g = GgufBytes::valid();
  for (auto& kv : g.kv)
    if (kv.key == "general.name") kv.payload = GgufBytes::str(kEvil);
  g.layout();
  g.write(model_dir + "/m.gguf");

  // A real compile: the header, engine, tokenizer tables and .S with these
  // names in their comments build warning-free.
  const RunResult r = run_smolc("compile " + shell_quote(model_dir + "/m.gguf") +
                                " --f32 --target scalar --ctx 16 --name evil -o " + shell_quote(out));
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  check_no_injected_line(out);
  check_package_files(root, out, "evil", kEvil);
  // JSON cannot hold the byte 0xFF: it arrives as U+FFFD, the rest exactly.
  const auto as_json = [](std::string s) { return s.replace(s.find('\xff'), 1, "\xef\xbf\xbd"); };
  const nlohmann::json m = nlohmann::json::parse(read_file(out + "/manifest.json"));
  CHECK(m["model"] == as_json(kEvil));
  CHECK(m["model_path"] == as_json(model_dir + "/m.gguf"));
  CHECK(m["name"] == "evil");
  CHECK(sh("sh -n " + shell_quote(out + "/src/build.sh")) == 0);
  // The rebuild script runs only the compiler and archiver it is given.
  const std::string scratch = root + "/scratch";
  fs::create_directories(scratch);
  const RunResult b = run_shell("cd " + shell_quote(scratch) + " && CXX=true AR=true sh " + shell_quote(out + "/src/build.sh"));
  INFO(b.out << b.err);
  CHECK(b.exit_code == 0);
  check_nothing_ran(root);
}

TEST_CASE("build.sh runs a hostile --cxx path as one word") {
  const std::string root = temp_dir("hostile_cxx");
  const std::string model_dir = root + "/" + path_part(), out = root + "/o " + path_part();
  REQUIRE(run_smolc("synth --preset tiny --seed 1 -o " + shell_quote(model_dir)).exit_code == 0);
  // A line break in a compiler name is refused (exit 2) before anything is written.
  const RunResult nl = run_smolc("compile " + shell_quote(model_dir) + " --f32 --emit-only --cxx " +
                                 shell_quote("clang++\ntouch PWNED_e") + " -o " + shell_quote(root + "/nl"));
  CHECK(nl.exit_code == 2);
  CHECK(nl.err.find("smolc: error: command line: --cxx: 'clang++\\x0Atouch PWNED_e' holds a control byte") == 0);
  CHECK(!fs::exists(root + "/nl"));
  // The "compiler": a script whose name is the rest of the hostile text
  // (quotes, $(...), backticks, ;, \, #, non-ASCII); it counts its runs.
  std::string cxx_name = path_part();
  for (char& c : cxx_name)
    if (static_cast<unsigned char>(c) < 0x20) c = ' ';
  const std::string cxx = root + "/c++ " + cxx_name, count = root + "/cxx-runs";
  {
    std::ofstream f(cxx);
    f << "#!/bin/sh\necho run >>" << shell_quote(count) << "\n";
  }
  fs::permissions(cxx, fs::perms::owner_all);
  const RunResult r = run_smolc("compile " + shell_quote(model_dir) + " --f32 --target scalar --ctx 16 --emit-only --name evil2 --cxx " +
                                shell_quote(cxx) + " -o " + shell_quote(out));
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  check_no_injected_line(out);
  const std::string script = read_file(out + "/src/build.sh");
  CHECK(sh("sh -n " + shell_quote(out + "/src/build.sh")) == 0);
  const RunResult b = run_shell("cd " + shell_quote(root) + " && unset CXX; AR=true sh " + shell_quote(out + "/src/build.sh"));
  INFO(b.out << b.err);
  CHECK(b.exit_code == 0);
  size_t compiles = 0;
  for (const std::string& l : lines(script)) compiles += l.rfind("\"$@\" ", 0) == 0;
  CHECK(compiles > 0);
  CHECK(lines(read_file(count)).size() == compiles);
  check_nothing_ran(root);
  // The directory name is the model name: it reaches CMake byte for byte.
  check_package_files(root, out, "evil2", path_part());
}

TEST_CASE("errors and inspect print names from model files on one line, control bytes as \\xNN") {
  const std::string dir = temp_dir("hostile_print");
  GgufBytes g = GgufBytes::valid();
  for (auto& kv : g.kv)
    if (kv.key == "general.architecture") kv.payload = GgufBytes::str("llama\r\nsmolc: compiled ok\x1b[2J\xff");
  g.layout();
  g.write(dir + "/arch.gguf");
  const RunResult e = run_smolc("inspect " + shell_quote(dir + "/arch.gguf"));
  INFO(e.err);
  CHECK(e.exit_code == 2);
  CHECK(e.err.find('\n') == e.err.size() - 1);  // one line
  CHECK(e.err.find('\r') == std::string::npos);
  CHECK(e.err.find('\x1b') == std::string::npos);
  CHECK(e.err.find("\\x0D\\x0Asmolc: compiled ok\\x1B[2J\\xFF") != std::string::npos);

  g = GgufBytes::valid();
  for (auto& kv : g.kv)
    if (kv.key == "general.name") kv.payload = GgufBytes::str("tiny\r\nvocab 1\x1b[2J\xff");
  g.layout();
  g.write(dir + "/name.gguf");
  const RunResult i = run_smolc("inspect " + shell_quote(dir + "/name.gguf"));
  INFO(i.out << i.err);
  REQUIRE(i.exit_code == 0);
  CHECK(i.out.find('\r') == std::string::npos);
  CHECK(i.out.find('\x1b') == std::string::npos);
  CHECK(i.out.find("model          tiny\\x0D\\x0Avocab 1\\x1B[2J\\xFF (") != std::string::npos);
  for (const std::string& l : lines(i.out)) CHECK(l.rfind("vocab 1", 0) != 0);
}
