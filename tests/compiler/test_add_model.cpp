// smolc_add_model in a user's CMake project (q4 and q8, every compile option,
// rebuilds exactly when an input file changes) and the user's own compiler
// flags: --cxxflags, CXX with flags and CXXFLAGS in src/build.sh, and a
// consumer under a cross toolchain file.
#include <catch2/catch.hpp>
#include <cctype>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "support/published_story.h"
#include "support/test_support.h"
#include "tune/tuning.h"

using namespace smolc::test;
namespace fs = std::filesystem;

namespace {

int sh(const std::string& cmd) {
  const int st = std::system(cmd.c_str());
  return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

// Runs `cmake --build` and returns its output (REQUIREs success).
std::string build(const std::string& b) {
  RunResult r = run_shell("cmake --build " + shell_quote(b) + " 2>&1");
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  return r.out;
}

void configure(const std::string& src, const std::string& b, const std::string& defs = "") {
  RunResult r = run_shell("cmake -S " + shell_quote(src) + " -B " + shell_quote(b) +
                          " -G Ninja -DCMAKE_C_COMPILER=clang-19 " + defs + " 2>&1");
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
}

bool compiled(const std::string& log) { return log.find("smolc: compiling") != std::string::npos; }

// Makes `file` newer than the engine library `lib`, as an edit would, without
// changing its bytes. Its time is never ahead of the clock: an input dated in the
// future stays newer than the output a fast rebuild writes, so ninja would
// rebuild again on the next run.
void touch(const std::string& file, const std::string& lib) {
  for (int i = 0; i < 50 && !(fs::exists(file) && fs::last_write_time(file) > fs::last_write_time(lib)); ++i) {
    if (i > 0) std::this_thread::sleep_for(std::chrono::milliseconds(50));  // a coarse file system clock
    REQUIRE(sh("touch " + shell_quote(file)) == 0);
  }
  REQUIRE(fs::last_write_time(file) > fs::last_write_time(lib));
}

// A user project: one smolc_add_model call and examples/generate linked to it.
void write_project(const std::string& dir, const std::string& call, const std::string& name) {
  std::string upper = name;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  std::ofstream(dir + "/CMakeLists.txt")
      << "cmake_minimum_required(VERSION 3.20)\nproject(user C)\n"
      << "include(" << source_dir() << "/cmake/smolc_add_model.cmake)\n"
      << call << "\n"
      << "add_executable(generate " << source_dir() << "/examples/generate/generate.c)\n"
      << "target_compile_definitions(generate PRIVATE ENGINE=" << name << " ENGINE_U=" << upper
      << " _POSIX_C_SOURCE=200112L)\n"
      << "target_compile_options(generate PRIVATE -include " << name << ".h)\n"
      << "target_link_libraries(generate PRIVATE eng)\n";
}

}  // namespace

TEST_CASE("smolc_add_model q4 takes every compile option and rebuilds only when the model or tokenizer changes") {
  const std::string dir = temp_dir("add_model_q4");
  fs::create_directories(dir + "/model");
  fs::copy_file(stories_dir() + "/stories260K.bin", dir + "/model/stories260K.bin");
  fs::copy_file(stories_dir() + "/tok512.bin", dir + "/model/tok512.bin");
  write_project(dir,
                "smolc_add_model(eng model/stories260K.bin q4 TARGET scalar CTX 256 KV f16 THREADS 1 NAME story_q4 "
                "KEEP \"lm_head=q8\" TOKENIZER model/tok512.bin CXXFLAGS \"-DSMOLC_USER_FLAG=1 -O1\" SMOLC " +
                    smolc_bin() + ")",
                "story_q4");
  const std::string b = dir + "/build";
  configure(dir, b);
  CHECK(compiled(build(b)));
  const std::string out = b + "/smolc/story_q4";
  nlohmann::json m = nlohmann::json::parse(read_file(out + "/manifest.json"));
  CHECK(m["format"] == "q4 --keep lm_head=q8");
  CHECK(m["target"] == "scalar");
  CHECK(m["ctx"] == 256);
  CHECK(m["kv"] == "f16");
  CHECK(m["threads"] == 1);
  const std::string script = read_file(out + "/src/build.sh");
  CHECK(script.find("-DSMOLC_USER_FLAG=1 -O1 -c") != std::string::npos);

  // The program links the engine; `smolc run DIR` of the same directory (the
  // compiler's tokenizer and sampler instead of the engine's C API) agrees.
  REQUIRE(sh(shell_quote(b + "/generate") + " -n 40 'Once upon a time' >" + shell_quote(dir + "/out.txt")) == 0);
  RunResult r = run_smolc("run '" + out + "' --temp 0 -n 40 -q -p 'Once upon a time'");
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(read_file(dir + "/out.txt") == r.out);

  CHECK_FALSE(compiled(build(b)));  // nothing changed: nothing compiled
  touch(dir + "/model/tok512.bin", out + "/lib/libstory_q4.a");
  CHECK(compiled(build(b)));
  CHECK_FALSE(compiled(build(b)));
  touch(dir + "/model/stories260K.bin", out + "/lib/libstory_q4.a");
  CHECK(compiled(build(b)));
}

TEST_CASE("smolc_add_model takes a TUNE file and a model by name, and tracks both and the implicit llama2.c tokenizer") {
  const std::string dir = temp_dir("add_model_tune");
  fs::create_directories(dir + "/models");
  fs::copy_file(stories_dir() + "/stories260K.bin", dir + "/models/stories260K.bin");
  fs::copy_file(stories_dir() + "/tok512.bin", dir + "/models/tok512.bin");
  // Only the defaults fit a 1-second budget: a real tuning file, quickly.
  RunResult t = run_smolc("tune '" + dir + "/models/stories260K.bin' --q8 --target scalar --budget 1 -o '" + dir +
                          "/tune.json'");
  INFO(t.out << t.err);
  REQUIRE(t.exit_code == 0);
  // "stories260K.bin" is no file of the project: smolc finds it in $SMOLC_MODEL_PATH.
  write_project(dir, "smolc_add_model(eng stories260K.bin q8 TARGET scalar CTX 64 NO_CALIBRATE TUNE tune.json NAME tuned_q8 SMOLC " +
                         smolc_bin() + ")", "tuned_q8");
  const std::string b = dir + "/build";
  RunResult c = run_shell("SMOLC_MODEL_PATH='" + dir + "/models' cmake -S " + shell_quote(dir) + " -B " + shell_quote(b) +
                          " -G Ninja -DCMAKE_C_COMPILER=clang-19 2>&1");
  INFO(c.out << c.err);
  REQUIRE(c.exit_code == 0);
  CHECK(compiled(build(b)));
  const std::string manifest = read_file(b + "/smolc/tuned_q8/manifest.json");
  CHECK(manifest.find(smolc::tune::tuning_hash(dir + "/tune.json")) != std::string::npos);
  REQUIRE(sh(shell_quote(b + "/generate") + " -n 8 'Once' >/dev/null") == 0);
  CHECK_FALSE(compiled(build(b)));
  for (const std::string& f : {dir + "/tune.json", dir + "/models/tok512.bin", dir + "/models/stories260K.bin"}) {
    INFO(f);
    touch(f, b + "/smolc/tuned_q8/lib/libtuned_q8.a");
    CHECK(compiled(build(b)));
    CHECK_FALSE(compiled(build(b)));
  }
}

TEST_CASE("smolc_add_model q8 of a HuggingFace directory rebuilds when any file smolc reads in it changes") {
  const std::string dir = temp_dir("add_model_q8_hf");
  REQUIRE(run_smolc("synth --preset tiny --seed 5 --dtype f32 -o '" + dir + "/model'").exit_code == 0);
  write_project(dir, "smolc_add_model(eng model q8 TARGET scalar CTX 64 NO_CALIBRATE NAME hf_q8 SMOLC " + smolc_bin() + ")", "hf_q8");
  const std::string b = dir + "/build";
  configure(dir, b);
  CHECK(compiled(build(b)));
  CHECK(nlohmann::json::parse(read_file(b + "/smolc/hf_q8/manifest.json"))["format"] == "q8 --no-calibrate");
  REQUIRE(sh(shell_quote(b + "/generate") + " -n 8 'Hello' >/dev/null") == 0);
  CHECK_FALSE(compiled(build(b)));
  for (const char* f : {"model.safetensors", "tokenizer.json"}) {
    INFO(f);
    REQUIRE(fs::exists(dir + "/model/" + f));
    touch(dir + "/model/" + f, b + "/smolc/hf_q8/lib/libhf_q8.a");
    CHECK(compiled(build(b)));
    CHECK_FALSE(compiled(build(b)));
  }
  // A file the loader never reads is no dependency.
  std::ofstream(dir + "/model/README.md") << "notes\n";
  CHECK_FALSE(compiled(build(b)));
}

TEST_CASE("smolc_add_model refuses an unknown format and unknown arguments at configure time") {
  const std::string dir = temp_dir("add_model_bad");
  write_project(dir, "smolc_add_model(eng model.bin q5 SMOLC " + smolc_bin() + ")", "x");
  RunResult r = run_shell("cmake -S '" + dir + "' -B '" + dir + "/b' -G Ninja -DCMAKE_C_COMPILER=clang-19");
  CHECK(r.exit_code != 0);
  CHECK(r.err.find("format 'q5' is not f32, bf16, f16, q8, q4 or q16") != std::string::npos);
  write_project(dir, "smolc_add_model(eng model.bin q8 PROBE t.json SMOLC " + smolc_bin() + ")", "x");
  r = run_shell("cmake -S '" + dir + "' -B '" + dir + "/b2' -G Ninja -DCMAKE_C_COMPILER=clang-19");
  CHECK(r.exit_code != 0);
  CHECK(r.err.find("unknown arguments: PROBE;t.json") != std::string::npos);
  // A model that is neither a path nor a name smolc can find.
  write_project(dir, "smolc_add_model(eng no-such-model q8 SMOLC " + smolc_bin() + ")", "x");
  r = run_shell("SMOLC_MODEL_PATH='" + dir + "' cmake -S '" + dir + "' -B '" + dir + "/b3' -G Ninja -DCMAKE_C_COMPILER=clang-19");
  CHECK(r.exit_code != 0);
  CHECK(r.err.find("cannot find the model 'no-such-model'") != std::string::npos);
}

TEST_CASE("compile --cxxflags reaches every unit of a cross build, and a toolchain-file consumer links and runs it") {
  const std::string dir = temp_dir("cxxflags_cross");
  const std::string eng = dir + "/engine";
  RunResult r = run_smolc("compile '" + stories_dir() + "/stories260K.bin' --tokenizer '" + stories_dir() +
                          "/tok512.bin' --f32 --target aarch64 --cxx aarch64-linux-gnu-g++ "
                          "--cxxflags '-frecord-gcc-switches -mcpu=cortex-a53' -o '" + eng + "'");
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  // GCC records each object's switches: the user's flags are in every one.
  const std::string lib = eng + "/lib/libstories260k_f32.a";
  RunResult sw = run_shell("readelf -p .GCC.command.line " + shell_quote(lib));
  REQUIRE(sw.exit_code == 0);
  size_t members = 0, with_flag = 0;
  for (size_t at = 0; (at = sw.out.find("File: ", at)) != std::string::npos; ++at) ++members;
  for (size_t at = 0; (at = sw.out.find("-mcpu=cortex-a53", at)) != std::string::npos; ++at) ++with_flag;
  // The weights and tokenizer tables are assembled (.S): GCC records no
  // switches for those.
  RunResult ar = run_shell("ar t " + shell_quote(lib));
  REQUIRE(ar.exit_code == 0);
  size_t assembled = 0;
  for (size_t at = 0; (at = ar.out.find(".S.o", at)) != std::string::npos; ++at) ++assembled;
  CHECK(assembled == 2);
  CHECK(members > 5);
  CHECK(with_flag == members - assembled);
  CHECK(read_file(eng + "/manifest.json").find("--cxxflags") != std::string::npos);

  // A consumer configured with a cross toolchain file that confines package
  // search to the sysroot finds the relocatable package through NAME_DIR.
  std::ofstream(dir + "/aarch64.cmake") << "set(CMAKE_SYSTEM_NAME Linux)\nset(CMAKE_SYSTEM_PROCESSOR aarch64)\n"
                                           "set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)\n"
                                           "set(CMAKE_FIND_ROOT_PATH /usr/aarch64-linux-gnu)\n"
                                           "set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)\n"
                                           "set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)\n"
                                           "set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)\n"
                                           "set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)\n";
  const std::string b = dir + "/build";
  RunResult c = run_shell("cmake -S '" + source_dir() + "/examples/generate' -B '" + b + "' -G Ninja '-DCMAKE_TOOLCHAIN_FILE=" +
                          dir + "/aarch64.cmake' -DSMOLC_ENGINE=stories260k_f32 '-Dstories260k_f32_DIR=" + eng +
                          "/lib/cmake/stories260k_f32' -DCMAKE_EXE_LINKER_FLAGS=-static 2>&1 && cmake --build '" + b + "' 2>&1");
  INFO(c.out << c.err);
  REQUIRE(c.exit_code == 0);
  RunResult run = run_shell("qemu-aarch64 '" + b + "/generate' -n 256");
  INFO(run.err);
  REQUIRE(run.exit_code == 0);
  CHECK(run.out == published_story() + "\n");
}

TEST_CASE("src/build.sh takes a CXX with flags and honours CXXFLAGS (arm-none-eabi-g++ for a Cortex-M7)") {
  const std::string dir = temp_dir("buildsh_flags");
  RunResult r = run_smolc("compile '" + stories_dir() + "/stories260K.bin' --tokenizer '" + stories_dir() +
                          "/tok512.bin' --q8 --target cortex-m7 --emit-only -o '" + dir + "/engine'");
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  const std::string script = read_file(dir + "/engine/src/build.sh");
  CHECK(script.find("-fPIC") == std::string::npos);  // bare metal: position-dependent code
  // The failure the issue quoted: CXX holding flags was taken as one command name.
  const RunResult b = run_shell("cd '" + dir + "/engine/src' && CXX='arm-none-eabi-g++ -mcpu=cortex-m7 -mthumb -fno-strict-aliasing' "
                                "CXXFLAGS='-frecord-gcc-switches -fno-tree-vectorize' AR=arm-none-eabi-ar sh build.sh");
  INFO(b.out);
  REQUIRE(b.exit_code == 0);
  RunResult sw = run_shell("readelf -p .GCC.command.line '" + dir + "/engine/src/libstories260k_q8.a'");
  CHECK(sw.out.find("-fno-strict-aliasing") != std::string::npos);  // from CXX
  CHECK(sw.out.find("-fno-tree-vectorize") != std::string::npos);   // from CXXFLAGS
  RunResult hdr = run_shell("readelf -h '" + dir + "/engine/src/libstories260k_q8.a'");
  CHECK(hdr.out.find("Machine:                           ARM") != std::string::npos);
  // The package of a bare-metal engine links no pthreads.
  const std::string config = read_file(dir + "/engine/lib/cmake/stories260k_q8/stories260k_q8Config.cmake");
  CHECK(config.find("Threads") == std::string::npos);
}
