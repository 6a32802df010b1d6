// The compiled engine's C API refuses NULL pointers with non-zero sizes, thread
// counts outside 0..NAME_MAX_THREADS and text sizes past NAME_MAX_TEXT_BYTES
// with error codes (never a crash or a wrapped size), and `compile --name`
// refuses names that would clash with the runtime or make reserved C
// identifiers, with exit code 2, before any C++ is built.
#include <catch2/catch.hpp>

#include <map>
#include <sstream>
#include <string>

#include "compiler/engine_fixture.h"

using namespace smolc::test;

namespace {

std::map<std::string, std::string> run_capi_harness(const std::string& name, const std::string& dir) {
  const std::string exe = dir + "/capi", log = dir + "/capi.log", out = dir + "/capi.txt";
  const std::string cmd = "export PKG_CONFIG_PATH='" + dir + "/lib/pkgconfig'; clang-19 -O1 -std=c11 -Wall -Wextra -Werror -DENGINE=" +
                          name + " -DENGINE_U=" + upper(name) + " -include " + name + ".h '" + source_dir() +
                          "/tests/compiler/capi_harness.c' $(pkg-config --cflags --libs " + name + ") -o '" + exe +
                          "' 2>'" + log + "'";
  INFO(read_file(log));
  REQUIRE(sh(cmd) == 0);
  const int rc = sh("'" + exe + "' >'" + out + "' 2>&1");
  const std::string text = read_file(out);
  INFO(text);
  REQUIRE(rc == 0);  // a NULL dereference would end in SIGSEGV (128 here)
  std::map<std::string, std::string> r;
  std::istringstream in(text);
  for (std::string k, v; in >> k >> v;) r[k] = v;
  return r;
}

}  // namespace

TEST_CASE("the C API returns error codes for NULL pointers, bad thread counts and huge sizes") {
  const std::string dir = temp_dir("capi_contract");
  const RunResult c = run_smolc("compile '" + stories_dir() + "/stories260K.bin' '--tokenizer=" + stories_dir() +
                                "/tok512.bin' --f32 --target scalar --ctx 64 --name capi -o '" + dir + "'");
  INFO(c.out << c.err);
  REQUIRE(c.exit_code == 0);
  auto r = run_capi_harness("capi", dir);
  const std::string err_argument = "-6";  // CAPI_ERR_ARGUMENT (engine.h.in)
  CHECK(r["encode_null_text"] == err_argument);
  CHECK(r["encode_null_out"] == err_argument);
  CHECK(r["encode_null_scratch"] == err_argument);
  CHECK(r["encode_empty_nulls"] == "0");
  CHECK(r["encode_huge_text"] == "-9");  // CAPI_ERR_TEXT_SCRATCH, refused before the text is read
  CHECK(r["encode_ok"] == "1");
  CHECK(r["encode_out_full"] == "-8");  // CAPI_ERR_TEXT_OUT_FULL
  CHECK(r["encode_scratch_small"] == "-9");
  // Every code has its own explanation (the tokenizer's codes used to share
  // -1/-2 with ERR_STATE_SIZE/ERR_STATE_ALIGN and strerror explained them wrongly).
  CHECK(r["strerror_distinct"] == "1");
  CHECK(r["token_text_null"] == "0");
  CHECK(r["token_text_ok"] == "1");
  CHECK(r["token_id_null"] == "-1");
  CHECK(r["scratch_max"] == "1");  // saturates at SIZE_MAX instead of wrapping
  CHECK(r["scratch_half"] == "1");
  CHECK(r["scratch_limit"] == "1");
  CHECK(r["threads_neg"] == err_argument);
  CHECK(r["threads_1000"] == err_argument);
  CHECK(r["threads_max_plus_1"] == err_argument);
  CHECK(r["threads_max"] == "0");
  CHECK(r["threads_0"] == "0");
  CHECK(r["threads_1"] == "0");
}

TEST_CASE("compile --name refuses runtime prefixes and reserved identifiers with exit 2") {
  const std::string dir = temp_dir("capi_names");
  for (const std::string name : {"smolc", "smolc_sampler", "smolc_platform", "smolc_x", "_", "_x", "x_", "a__b", "__"}) {
    const RunResult r = run_smolc("compile '" + stories_dir() + "/stories260K.bin' '--tokenizer=" + stories_dir() +
                                  "/tok512.bin' --f32 --target scalar --emit-only --name '" + name + "' -o '" + dir +
                                  "/out'");
    INFO(name << ": " << r.err);
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("smolc: error: --name: " + name + ": ") == 0);
  }
  // Names near those stay valid.
  for (const std::string name : {"smolcx", "my_smolc", "a_b"}) {
    const RunResult r = run_smolc("compile '" + stories_dir() + "/stories260K.bin' '--tokenizer=" + stories_dir() +
                                  "/tok512.bin' --f32 --target scalar --emit-only --name '" + name + "' -o '" + dir +
                                  "/ok_" + name + "'");
    INFO(name << ": " << r.err);
    CHECK(r.exit_code == 0);
  }
}
