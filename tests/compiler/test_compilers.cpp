// An engine built by g++ computes the same logits, bit for bit, as the same
// engine built by clang++-19. The kernels write every fused multiply-add as
// an intrinsic and the x86 targets' unit flags hold -ffp-contract=off, so
// g++ (whose C++ default, -ffp-contract=fast, fused `acc + fsum * scale` in
// the q8/q4 kernels: NMSE 5e-5 against clang's engine on SmolLM2-135M) adds
// no fusion of its own. The truth each engine is held to (the reference
// engine) is tests/compiler/test_engine.cpp's; this test holds the two
// compilers to each other.
#include <catch2/catch.hpp>

#include "support/hf_fixtures.h"
#include "support/test_support.h"
#include "target/target.h"
#include "tests/compiler/engine_fixture.h"

using namespace smolc;
using namespace smolc::test;

namespace {

const std::vector<int32_t> kPrompt = {1, 100, 2000, 30000, 5, 77, 49151, 0, 12, 13, 9000, 42, 7, 31000, 2, 3, 4, 5, 6};

}  // namespace

TEST_CASE("engines built by g++ and by clang++-19 give bit-identical logits (f32, bf16a, q8, q4; f16 and f32 KV)") {
  const std::string model = make_synth("cxx_same_model", "tiny", 7, "f32");
  // The SIMD target this CPU runs: its kernels are where the compilers could differ.
  const std::string target = host_supports(Isa::AVX512) ? "avx512" : "avx2";
  if (target != "avx512") WARN("not executed on avx512: this CPU lacks AVX-512; the avx2 engines were compared");
  struct Case {
    const char* name;
    const char* args;
  };
  const Case cases[] = {{"f32", "--f32 --kv f32"},
                        {"bf16a", "--bf16 --bf16-activations --kv f16"},
                        {"q8", "--q8 --kv f16"},
                        {"q4", "--q4 --kv f32"}};
  for (const Case& c : cases) {
    INFO(c.name << " on " << target);
    const std::string args = std::string(c.args) + " --ctx 64 --target " + target + " --cxx ";
    const Engine clang = compile_engine(model, args + "clang++-19", std::string("clang_") + c.name, "cxx_same");
    const Engine gxx = compile_engine(model, args + "g++", std::string("gxx_") + c.name, "cxx_same");
    // Prefill in 16-token chunks (whole gemm tiles and a 3-token tail), then
    // decode steps, on 2 threads.
    const EngineRun a = run_engine(clang, kPrompt, 8, 2, 16);
    const EngineRun b = run_engine(gxx, kPrompt, 8, 2, 16);
    REQUIRE(a.logits.size() == b.logits.size());
    CHECK(a.tokens == b.tokens);
    CHECK(same_bits(a, b));
  }
}
