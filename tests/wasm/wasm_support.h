// wasm32 / wasm32-simd128 engines in node: `smolc compile --target wasm32*`,
// the C harness (tests/compiler/engine_harness.c) linked for wasm32-wasi by
// clang-19 against Debian's wasi-libc, run by tools/wasm/wasi-node.mjs.
// tools/setup.sh installs the toolchain (wasi-libc, libclang-rt-19-dev-wasm32)
// and node; a missing one fails the test naming the package.
#pragma once
#include <catch2/catch.hpp>
#include <string>

#include "support/test_support.h"
#include "tests/compiler/engine_fixture.h"

namespace smolc::test {

inline void require_wasm_tools() {
  for (const auto& [probe, package] :
       {std::pair<std::string, std::string>{"command -v node", "nodejs"},
        {"echo '#include <stdio.h>' | clang-19 --target=wasm32-wasi -x c -fsyntax-only - && "
         "test -f \"$(clang-19 --target=wasm32-wasi -print-libgcc-file-name)\"",
         "wasi-libc and libclang-rt-19-dev-wasm32"}}) {
    const RunResult r = run_shell(probe);
    INFO("`" << probe << "` failed: install " << package << " (tools/setup.sh does)\n" << r.out << r.err);
    REQUIRE(r.exit_code == 0);
  }
}

// `smolc compile MODEL ARGS` for a wasm target, then the harness linked into
// DIR/harness.wasm (a WASI command module).
inline Engine compile_wasm_engine(const std::string& model, const std::string& args, const std::string& name,
                                  const std::string& test_name) {
  Engine e = compile_engine_dir(model, args, name, test_name);
  e.harness = e.dir + "/harness.wasm";
  const RunResult h = run_shell("clang-19 --target=wasm32-wasi -O1 -std=c11 -D_POSIX_C_SOURCE=200112L -Wall -Wextra "
                                "-Werror -DENGINE=" + name + " -DENGINE_U=" + upper(name) + " -I'" + e.dir +
                                "/include' -include " + name + ".h '" + source_dir() +
                                "/tests/compiler/engine_harness.c' -L'" + e.dir + "/lib' -l" + name + " -lm -o '" +
                                e.harness + "'");
  INFO(h.out << h.err);
  REQUIRE(h.exit_code == 0);
  return e;
}

// The run_engine prefix that executes the harness module in node, with the
// engine's external weights.
inline std::string in_node(const Engine& e) {
  return "SMOLC_TEST_WEIGHTS='" + e.dir + "/" + e.name + ".weights' node --no-warnings '" + source_dir() +
         "/tools/wasm/wasi-node.mjs'";
}

}  // namespace smolc::test
