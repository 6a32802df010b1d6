// The packaged output of `smolc compile`: find_package / pkg-config /
// smolc_add_model consumers (examples/generate in C, examples/chat in C++),
// the manifest, and the generated sources' own rebuild script.
#include <catch2/catch.hpp>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include "support/published_story.h"

#include "engine_fixture.h"
#include "support/hf_fixtures.h"

using namespace smolc::test;

namespace {

std::string stories_args() {
  return "'" + stories_dir() + "/stories260K.bin' '--tokenizer=" + stories_dir() + "/tok512.bin' ";
}


// Configures and builds a CMake project; returns the build dir.
std::string cmake_build(const std::string& src, const std::string& build, const std::string& defs) {
  const std::string log = build + ".log";
  const std::string cmd = "cmake -S '" + src + "' -B '" + build + "' -G Ninja -DCMAKE_C_COMPILER=clang-19 "
                          "-DCMAKE_CXX_COMPILER=clang++-19 " + defs + " >'" + log + "' 2>&1 && cmake --build '" + build +
                          "' >>'" + log + "' 2>&1";
  const int rc = sh(cmd);
  INFO(read_file(log));
  REQUIRE(rc == 0);
  return build;
}

}  // namespace

TEST_CASE("examples/generate built through find_package prints the published story") {
  const std::string dir = temp_dir("pkg_story");
  RunResult r = run_smolc("compile " + stories_args() + "--f32 --target native -o '" + dir + "/engine'");
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  // The summary line names the output and the sizes.
  CHECK(r.out.find("-> " + dir + "/engine") != std::string::npos);
  const std::string b = cmake_build(source_dir() + "/examples/generate", dir + "/build",
                                    "-DSMOLC_ENGINE=stories260k_f32 '-DCMAKE_PREFIX_PATH=" + dir + "/engine'");
  REQUIRE(sh("'" + b + "/generate' -n 256 >'" + dir + "/out.txt'") == 0);
  CHECK(read_file(dir + "/out.txt") == published_story() + "\n");
  // The manifest describes the build; the source hash is sha256sum's.
  nlohmann::json m = nlohmann::json::parse(read_file(dir + "/engine/manifest.json"));
  REQUIRE(sh("sha256sum '" + stories_dir() + "/stories260K.bin' | cut -c1-64 >'" + dir + "/sha.txt'") == 0);
  CHECK(m["source_sha256"].get<std::string>() + "\n" == read_file(dir + "/sha.txt"));
  CHECK(m["format"] == "f32");
  CHECK(m["model"] == "stories260K");
  CHECK(m["weights_bytes"].get<size_t>() == std::filesystem::file_size(dir + "/engine/src/stories260k_f32.weights.bin"));
  CHECK(m["smolc_version"] == SMOLC_VERSION);
  // The weights hash is a hex string (a JSON number past 2^53 gets rounded):
  // FNV-1a over 8-byte little-endian words, then the tail bytes.
  const std::string weights = read_file(dir + "/engine/src/stories260k_f32.weights.bin");
  uint64_t h = 1469598103934665603ull;
  size_t i = 0;
  for (; i + 8 <= weights.size(); i += 8) {
    uint64_t w;
    std::memcpy(&w, weights.data() + i, 8);
    h = (h ^ w) * 1099511628211ull;
  }
  for (; i < weights.size(); ++i) h = (h ^ static_cast<uint8_t>(weights[i])) * 1099511628211ull;
  char hex[20];
  std::snprintf(hex, sizeof hex, "0x%016llx", static_cast<unsigned long long>(h));
  CHECK(m["weights_fnv1a64"] == std::string(hex));
  // examples/generate asked for version 0.1 (the version file); 9.0 is refused.
  const std::string v9 = dir + "/v9";
  std::filesystem::create_directories(v9);
  std::ofstream(v9 + "/CMakeLists.txt") << "cmake_minimum_required(VERSION 3.16)\nproject(v9 C)\n"
                                          "find_package(stories260k_f32 9.0 REQUIRED CONFIG)\n";
  CHECK(sh("cmake -S '" + v9 + "' -B '" + v9 + "/b' '-DCMAKE_PREFIX_PATH=" + dir + "/engine' >'" + v9 + ".log' 2>&1") != 0);
  CHECK(read_file(v9 + ".log").find("version: 0.1.0") != std::string::npos);
  // Weights sit in their own 64-byte aligned section of the library.
  REQUIRE(sh("readelf -SW '" + dir + "/engine/lib/libstories260k_f32.a' >'" + dir + "/sections.txt'") == 0);
  const std::string sections = read_file(dir + "/sections.txt");
  CHECK(sections.find(".rodata.smolc_weights") != std::string::npos);
}

TEST_CASE("the generated src directory rebuilds the library with its own script") {
  const std::string dir = temp_dir("pkg_rebuild");
  RunResult r = run_smolc("compile " + stories_args() + "--f32 --target scalar --emit-only -o '" + dir + "/engine'");
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK_FALSE(std::filesystem::exists(dir + "/engine/lib/libstories260k_f32.a"));
  // Another compiler than smolc's default (g++-12), warning-free with -Werror.
  const int rc = sh("CXX=g++-12 AR=ar sh '" + dir + "/engine/src/build.sh' >'" + dir + "/build.log' 2>&1");
  INFO(read_file(dir + "/build.log"));
  REQUIRE(rc == 0);
  // Link the rebuilt archive through pkg-config after moving it into lib/.
  std::filesystem::rename(dir + "/engine/src/libstories260k_f32.a", dir + "/engine/lib/libstories260k_f32.a");
  const std::string cmd = "export PKG_CONFIG_PATH='" + dir + "/engine/lib/pkgconfig'; clang-19 -std=c11 "
                          "-D_POSIX_C_SOURCE=200112L -DENGINE=stories260k_f32 -DENGINE_U=STORIES260K_F32 -include "
                          "stories260k_f32.h '" + source_dir() + "/examples/generate/generate.c' "
                          "$(pkg-config --cflags --libs stories260k_f32) -o '" + dir + "/generate' 2>'" + dir + "/cc.log'";
  const int rc2 = sh(cmd);
  INFO(read_file(dir + "/cc.log"));
  REQUIRE(rc2 == 0);
  REQUIRE(sh("'" + dir + "/generate' -n 256 -T 2 >'" + dir + "/out.txt'") == 0);
  CHECK(read_file(dir + "/out.txt") == published_story() + "\n");
}

// The x86 engine units hold hand-written AVX2 (attention, the elementwise
// loops of engine/elementwise-x86.inc.in, the activation quantiser): every
// unit of a q8 engine (quantiser, int8 kernels) with an f16 KV cache (F16C
// paths) builds warning-free with g++ -Werror for both x86 targets.
TEST_CASE("avx2 and avx512 engine sources build warning-free with g++") {
  const std::string model = make_synth("pkg_gxx_model", "tiny", 1, "f32");
  for (const std::string target : {"avx2", "avx512"}) {
    INFO(target);
    const std::string dir = temp_dir("pkg_gxx_" + target);
    RunResult r = run_smolc("compile '" + model + "' --q8 --kv f16 --target " + target + " --emit-only -o '" + dir + "'");
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    const int rc = sh("CXX=g++ AR=ar sh '" + dir + "/src/build.sh' >'" + dir + "/build.log' 2>&1");
    INFO(read_file(dir + "/build.log"));
    CHECK(rc == 0);
  }
}

TEST_CASE("smolc_add_model makes an engine a static library target of a user's build") {
  const std::string dir = temp_dir("pkg_add_model");
  std::ofstream(dir + "/CMakeLists.txt")
      << "cmake_minimum_required(VERSION 3.20)\nproject(user C)\n"
         "include(" << source_dir() << "/cmake/smolc_add_model.cmake)\n"
         "smolc_add_model(story " << stories_dir() << "/stories260K.bin f32 TARGET scalar NAME story_eng TOKENIZER "
      << stories_dir() << "/tok512.bin SMOLC " << smolc_bin() << ")\n"
         "add_executable(generate " << source_dir() << "/examples/generate/generate.c)\n"
         "target_compile_definitions(generate PRIVATE ENGINE=story_eng ENGINE_U=STORY_ENG _POSIX_C_SOURCE=200112L)\n"
         "target_compile_options(generate PRIVATE -include story_eng.h)\n"
         "target_link_libraries(generate PRIVATE story)\n";
  const std::string b = cmake_build(dir, dir + "/build", "");
  REQUIRE(sh("'" + b + "/generate' -n 30 'Once upon a time' >'" + dir + "/out.txt'") == 0);
  // The reference engine through `smolc run` continues the same prompt identically.
  std::string cmd_ref = "run " + stories_args() + "--reference --temp 0 -n 30 -p 'Once upon a time'";
  RunResult rr = run_smolc(cmd_ref);
  INFO(rr.err);
  REQUIRE(rr.exit_code == 0);
  CHECK(read_file(dir + "/out.txt") == rr.out + (rr.out.empty() || rr.out.back() != '\n' ? "\n" : ""));
}

TEST_CASE("examples/chat built through find_package answers like smolc run --chat --reference") {
  const std::string dir = temp_dir("pkg_chat");
  const std::string model = dir + "/model";
  REQUIRE(run_smolc("synth --preset tiny --seed 3 --dtype f32 -o '" + model + "'").exit_code == 0);
  RunResult r = run_smolc("compile '" + model + "' --f32 --ctx 256 --target native --name chat_eng -o '" + dir + "/engine'");
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  const std::string b = cmake_build(source_dir() + "/examples/chat", dir + "/build",
                                    "-DSMOLC_ENGINE=chat_eng '-DCMAKE_PREFIX_PATH=" + dir + "/engine'");
  std::ofstream(dir + "/in.txt") << "Hello there\nWhat is the capital of France?\n";
  REQUIRE(sh("'" + b + "/chat' -n 12 <'" + dir + "/in.txt' >'" + dir + "/out.txt'") == 0);
  RunResult ref = run_smolc("run '" + model + "' --reference --chat --temp 0 -n 12 --ctx 256", dir + "/in.txt");
  INFO(ref.err);
  REQUIRE(ref.exit_code == 0);
  CHECK(read_file(dir + "/out.txt") == ref.out);
}

TEST_CASE("smolc compile with a relative -o directory builds the library there") {
  const std::string cwd = temp_dir("relative_out");
  RunResult r = run_shell("cd '" + cwd + "' && '" + smolc_bin() + "' compile '" + stories_dir() +
                          "/stories260K.bin' --tokenizer '" + stories_dir() + "/tok512.bin' --q8 --target scalar -o out/eng");
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(std::ifstream(cwd + "/out/eng/lib/libstories260k_q8.a").good());
  CHECK(std::ifstream(cwd + "/out/eng/include/stories260k_q8.h").good());
}
