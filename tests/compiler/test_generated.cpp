// generated/ (committed engine sources for SmolLM2-135M bf16, avx512 and
// scalar) must be what this smolc emits: tools/regenerate.sh --check.
#include <catch2/catch.hpp>

#include "engine_fixture.h"

using namespace smolc::test;

TEST_CASE("generated sources are up to date") {
  const std::string log = temp_dir("generated_check") + "/check.log";
  const int rc = sh("'" + source_dir() + "/tools/regenerate.sh' --check '" + smolc_bin() + "' >'" + log + "' 2>&1");
  INFO(read_file(log));
  CHECK(rc == 0);
}
