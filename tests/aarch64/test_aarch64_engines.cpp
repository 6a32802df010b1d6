// Whole aarch64 engines on real models: `smolc run --target aarch64` (the
// engine behind a runner) and `smolc bench` under qemu-aarch64, stories260K
// against the published story and the reference and native engines, and
// synthetic SmolLM2-135M at q8 against the reference and the x86 q8 engine.
// Tiny engines in every format: test_format_engines.cpp.
#include <catch2/catch.hpp>

#include <cstring>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "aarch64_support.h"
#include "support/published_story.h"
#include "tests/compiler/engine_fixture.h"

using namespace smolc;
using namespace smolc::test;

namespace {

// `smolc run ARGS` with the engine cache (SMOLC_CACHE_DIR) in `cache`.
RunResult run_cached(const std::string& cache, const std::string& args, bool must_pass = true) {
  RunResult r = run_shell("SMOLC_CACHE_DIR='" + cache + "' '" + smolc_bin() + "' run " + args);
  if (must_pass) {
    INFO(args << "\nstdout: " << r.out << "\nstderr: " << r.err);
    REQUIRE(r.exit_code == 0);
  }
  return r;
}

std::string strip_final_newline(std::string s) {
  REQUIRE(!s.empty());
  REQUIRE(s.back() == '\n');
  s.pop_back();
  return s;
}

size_t count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

// The float32 payload of a `smolc run --dump-logits` .npy file (after its header line).
std::vector<float> npy_floats(const std::string& path) {
  const std::string bytes = read_file(path);
  const size_t at = bytes.find('\n') + 1;
  REQUIRE(at > 0);
  REQUIRE((bytes.size() - at) % sizeof(float) == 0);
  std::vector<float> v((bytes.size() - at) / sizeof(float));
  std::memcpy(v.data(), bytes.data() + at, v.size() * sizeof(float));
  return v;
}

}  // namespace

// `smolc run` with an aarch64 target goes through a runner (the engine linked
// into a program speaking over stdin/stdout, compiler/cli/engine_pipe.cpp).
// The f32 story on an ARMv8.0 CPU, and its logits against the reference
// engine and the host's native engine of the same format.
TEST_CASE("smolc run --target aarch64 --runner 'qemu-aarch64 -cpu cortex-a53': the published story, logits as the reference and native engines") {
  require_aarch64_tools();
  const std::string dir = temp_dir("a64run"), cache = temp_dir("a64run_cache");
  const std::string story = "'" + stories_dir() + "/stories260K.bin' --temp 0 -n 256 --dump-logits '" + dir;
  RunResult a = run_cached(cache, story + "/a.npy' --f32 --target aarch64 --runner 'qemu-aarch64 -cpu cortex-a53'");
  CHECK(strip_final_newline(a.out) == published_story());
  // The runner names qemu: said once, and no tokens/s line.
  CHECK(count(a.err, "timings under emulation are not speeds") == 1);
  CHECK(a.err.find("tokens/s") == std::string::npos);
  CHECK(a.err.find("emulated: no speed") != std::string::npos);
  RunResult ref = run_cached(cache, story + "/r.npy' --reference");
  CHECK(ref.out == a.out);
  RunResult native = run_cached(cache, story + "/n.npy' --f32");
  CHECK(native.out == a.out);
  const std::vector<float> got = npy_floats(dir + "/a.npy");
  const std::vector<float> want = npy_floats(dir + "/r.npy"), host = npy_floats(dir + "/n.npy");
  REQUIRE(got.size() == want.size());
  REQUIRE(got.size() == host.size());
  REQUIRE(got.size() == 256u * 512u);  // every evaluated position, vocab 512
  const double e_ref = nmse(got.data(), want), e_host = nmse(got.data(), host);
  std::printf("stories260K f32 aarch64 (cortex-a53) over 256 positions: NMSE vs reference %.3g, vs native %.3g\n",
              e_ref, e_host);
  CHECK(e_ref <= 1e-6);
  CHECK(e_host <= 1e-6);

  // Any runner gets PROGRAM THREADS; one that fails is smolc's error.
  const std::string args = dir + "/args.txt";
  RunResult r = run_cached(cache, "'" + stories_dir() + "/stories260K.bin' --f32 --target aarch64 -n 4 --threads 3 "
                           "--runner 'sh -c \"echo \\$0 \\$@ >" + args + "; exit 9\"'", false);
  CHECK(r.exit_code != 0);
  CHECK(r.err.find("the runner exited before answering") != std::string::npos);
  const std::string seen = read_file(args);
  CHECK(seen.find("/run/pipe-") != std::string::npos);
  CHECK(seen.substr(seen.size() - 3) == " 3\n");

  // bench/aarch64/ssh_runner.sh with stand-ins for scp (cp) and ssh (qemu
  // here): the program is copied, started with its arguments, and the
  // request stream passes through it.
  const std::string fake = dir + "/fakebin";
  REQUIRE(run_shell("mkdir -p '" + fake + "' && printf '#!/bin/sh\\nshift\\ncp \"$1\" \"${2#*:}\"\\n' >'" + fake +
                    "/scp' && printf '#!/bin/sh\\nshift\\nexec qemu-aarch64 -cpu max \"$@\"\\n' >'" + fake +
                    "/ssh' && chmod +x '" + fake + "/scp' '" + fake + "/ssh'").exit_code == 0);
  RunResult board = run_cached(cache, "'" + stories_dir() + "/stories260K.bin' --f32 --target aarch64 --temp 0 -n 40 "
                               "--runner 'PATH=" + fake + ":$PATH " + source_dir() + "/bench/aarch64/ssh_runner.sh board'");
  CHECK(published_story().rfind(strip_final_newline(board.out), 0) == 0);
  CHECK(board.out.size() > 100);
  CHECK(board.err.find("emulation") == std::string::npos);  // the runner's name has no qemu in it
}

// q16 keeps the story on the host targets (README); so must the dotprod
// engine, run by `smolc run` with no --runner: qemu-aarch64 -cpu max.
TEST_CASE("smolc run stories260K --q16 --target aarch64-dotprod prints the published story (default runner qemu max, 2 threads)") {
  require_aarch64_tools();
  RunResult r = run_cached(temp_dir("a64storyq16_cache"), "'" + stories_dir() + "/stories260K.bin' --q16 --target aarch64-dotprod --threads 2 --temp 0 -n 256");
  CHECK(strip_final_newline(r.out) == published_story());
  CHECK(r.err.find("under `qemu-aarch64 -cpu max -L /usr/aarch64-linux-gnu`: timings under emulation are not speeds") !=
        std::string::npos);
}

TEST_CASE("smolc bench --target aarch64 runs the bench executable under qemu and says the timings are not speeds") {
  require_aarch64_tools();
  const std::string model = tiny_model("a64bench");
  const std::string cache = temp_dir("a64bench_cache");
  // No --runner: qemu-aarch64 is installed, so bench uses it (and says so).
  RunResult r = run_shell("SMOLC_CACHE_DIR='" + cache + "' '" + smolc_bin() + "' bench '" + model +
                "' --q8 --target aarch64 --reps 1 --json");
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(r.err.find("timings under emulation are not speeds") != std::string::npos);
  const auto j = nlohmann::json::parse(r.out);
  CHECK(j.at("emulated").get<bool>());
  CHECK(j.at("runner").get<std::string>() == "qemu-aarch64 -cpu max -L /usr/aarch64-linux-gnu");
  CHECK(j.at("target").get<std::string>() == "aarch64");
  CHECK(j.at("pp512").get<double>() > 0);
  CHECK(j.at("tg128").get<double>() > 0);
  // An explicit runner is used as given: CMD EXE THREADS REPS; its failure
  // is smolc's error, not a silent result.
  const std::string args = cache + "/runner_args.txt";
  r = run_shell("SMOLC_CACHE_DIR='" + cache + "' '" + smolc_bin() + "' bench '" + model +
                "' --q8 --target aarch64 --threads 2 --reps 3 --json --runner 'sh -c \"echo \\$0 \\$@ >" + args +
                "; exit 9\"'");
  INFO(r.out << r.err);
  CHECK(r.exit_code != 0);
  CHECK(r.err.find("exited with code 9") != std::string::npos);
  const std::string got = read_file(args);
  CHECK(got.find(cache + "/engines/") == 0);
  CHECK(got.find("/bench/runner-") != std::string::npos);
  CHECK(got.substr(got.size() - 5) == " 2 3\n");
}

// Synthetic SmolLM2-135M (30 layers, 576 wide, vocab 49152) at q8 on
// aarch64-dotprod: an 8-token prompt prefilled in one gemm chunk, then 4
// greedy decode steps, under qemu with 2 threads. Against the f32 reference
// engine fed the same picks, with q8's documented gate (NMSE <= 2e-3 with
// activation quantisation, docs/quant-formats.md), and against the x86 q8
// engine of this host (the same packed numbers and int8 activations, other
// summation orders): the same greedy picks and NMSE <= 1e-6.
TEST_CASE("synthetic SmolLM2-135M q8 on aarch64-dotprod: prompt and decode steps against the reference and the x86 q8 engine") {
  require_aarch64_tools();
  const std::string model = temp_dir("a64s135_model");
  RunResult s = run_smolc("synth --preset SmolLM2-135M --seed 1 --dtype bf16 -o '" + model + "'");
  INFO(s.err);
  REQUIRE(s.exit_code == 0);
  const std::vector<int32_t> prompt = {1, 504, 1023, 77, 9000, 42, 31000, 5};
  constexpr int kDecoded = 4;
  const std::string args = "--q8 --ctx 64 --target ";
  const EngineRun arm =
      run_engine(compile_a64_engine(model, args + "aarch64-dotprod", "s135_dot", "a64s135"), prompt, kDecoded, 2, 16, qemu("max"));
  const EngineRun x86 = run_engine(compile_engine(model, args + "native", "s135_x86", "a64s135"), prompt, kDecoded, 1, 16);
  const Checkpoint ck = load_checkpoint(model);
  REQUIRE(arm.logits.size() == static_cast<size_t>(kDecoded + 1) * static_cast<size_t>(ck.cfg.vocab_size));
  REQUIRE(arm.tokens == x86.tokens);
  const double e_x86 = nmse(arm.logits.data(), x86.logits);
  std::printf("synthetic SmolLM2-135M q8 aarch64-dotprod vs x86 q8 engine: NMSE %.3g (bit-identical: %s)\n", e_x86,
              same_bits(arm, x86) ? "yes" : "no");
  CHECK(e_x86 <= 1e-6);
  check_against_reference(ck, prompt, arm, 64, 2e-3, false);
}
