// Cross toolchain and emulator for the aarch64 tests: clang-19 with
// --target=aarch64-linux-gnu (Debian libstdc++-12-dev-arm64-cross supplies
// the headers and libraries), aarch64-linux-gnu-g++ (g++-aarch64-linux-gnu)
// and qemu-aarch64 (qemu-user). tools/setup.sh installs all three; a missing
// one fails the test with the package to install.
#pragma once
#include <catch2/catch.hpp>
#include <cstring>
#include <string>

#include "support/test_support.h"
#include "tests/compiler/engine_fixture.h"

namespace smolc::test {

inline const std::string kA64Clang = "clang++-19 --target=aarch64-linux-gnu";
inline const std::string kA64Gcc = "aarch64-linux-gnu-g++";
// Static executables: qemu-user then needs no aarch64 sysroot at run time.
inline const std::string kA64Link = " -static";

inline void require_tool(const std::string& probe, const std::string& package) {
  const RunResult r = run_shell(probe);
  INFO("`" << probe << "` failed: install " << package << " (tools/setup.sh does)\n" << r.out << r.err);
  REQUIRE(r.exit_code == 0);
}

inline void require_aarch64_tools(bool gcc = false) {
  require_tool("command -v qemu-aarch64", "qemu-user");
  require_tool("echo '#include <vector>' | " + kA64Clang + " -x c++ -std=c++17 -fsyntax-only -", "libstdc++-12-dev-arm64-cross");
  if (gcc) require_tool("command -v " + kA64Gcc, "g++-aarch64-linux-gnu");
}

// `qemu-aarch64 -cpu CPU EXE ARGS`: max runs every extension (dotprod
// included), cortex-a53 is ARMv8.0-A and traps on any later instruction.
inline RunResult run_a64(const std::string& cpu, const std::string& exe_and_args) {
  return run_shell("qemu-aarch64 -cpu " + cpu + " " + exe_and_args);
}

// `smolc compile MODEL ARGS --name NAME` for an aarch64 target (ARGS names
// it), then the C harness (tests/compiler/engine_harness.c) linked
// statically for aarch64 by `cc` against the library; runs go through
// `qemu-aarch64 -cpu CPU`.
inline Engine compile_a64_engine(const std::string& model, const std::string& args, const std::string& name,
                                 const std::string& test_name,
                                 const std::string& cc = "clang-19 --target=aarch64-linux-gnu") {
  Engine e = compile_engine_dir(model, args, name, test_name);
  e.harness = e.dir + "/harness";
  const RunResult h = run_shell(cc + " -O1 -std=c11 -D_POSIX_C_SOURCE=200112L -Wall -Wextra -Werror -static -DENGINE=" +
                                name + " -DENGINE_U=" + upper(name) + " -I'" + e.dir + "/include' -include " + name +
                                ".h '" + source_dir() + "/tests/compiler/engine_harness.c' -L'" + e.dir + "/lib' -l" +
                                name + " -lpthread -lm -o '" + e.harness + "'");
  INFO(h.out << h.err);
  REQUIRE(h.exit_code == 0);
  return e;
}

inline std::string qemu(const std::string& cpu) { return "qemu-aarch64 -cpu " + cpu; }

// The tiny synthetic checkpoint (seed 7) every per-format engine test uses.
inline std::string tiny_model(const std::string& test) {
  const std::string dir = temp_dir(test + "_model");
  RunResult r = run_smolc("synth --preset tiny --seed 7 --dtype f32 -o '" + dir + "'");
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  return dir;
}

}  // namespace smolc::test
