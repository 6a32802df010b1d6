// The program `smolc bench` links against a compiled engine: it times prefill,
// decode and time to first token with the engine's own platform clock and
// prints one JSON object per run of all repetitions.
#pragma once
#include <string>

#include "bench/engine_cache.h"

namespace smolc::bench {

// Tokens of the standard measurements (the names llama-bench uses).
constexpr int kPromptShort = 128;  // pp128 and the TTFT prompt
constexpr int kPromptLong = 512;   // pp512
constexpr int kDecode = 128;       // tg128, decoded right after the pp512 prompt
constexpr int kMinCtx = kPromptLong + kDecode;

// The lengths one bench run uses: the standard ones when the engine's
// context holds kMinCtx positions, else scaled down to fit it (a fifth of
// the context decoded after a long prompt of the rest, a short prompt of a
// quarter of that). The JSON keys keep the standard names; "lengths" says
// what they measured.
struct Lengths {
  int prompt_short = kPromptShort, prompt_long = kPromptLong, decode = kDecode;
  bool scaled = false;
};
constexpr int kMinScaledCtx = 16;  // below this a "prompt" is a handful of tokens
Lengths lengths_for(int ctx);
// --speculate: a passage the engine writes, the repetitive prompt that holds
// it (8 start tokens, the passage, the start again) and the tokens generated
// after each prompt; 8 + 400 + 8 + 128 fits kMinCtx.
constexpr int kSpecStart = 8;
constexpr int kSpecPassage = 400;
constexpr int kSpecTokens = 128;
static_assert(2 * kSpecStart + kSpecPassage + kSpecTokens <= kMinCtx, "the repetitive task must fit the bench context");
constexpr int kSpecCtx = 2 * kSpecStart + kSpecPassage + kSpecTokens;

// C++17 source of the runner for `e`, from template package/bench-runner.cpp.in.
std::string runner_source(const CachedEngine& e);

// Compiles the runner against `e` once (DIR/bench/runner-HASH) and returns its path.
// With `out_root` (a user's compiled directory stays untouched), the runner
// goes to OUT_ROOT/runner-HASH/runner instead, HASH covering `key` too.
// A cross target (triple not empty) gets a static executable, so a runner
// command (qemu-user, a copy to a board) needs no sysroot; a clang cxx gets
// --target=TRIPLE. Throws std::runtime_error with the compiler output if that fails.
std::string build_runner(const CachedEngine& e, const std::string& cxx, const std::string& triple = "",
                         const std::string& out_root = "", const std::string& key = "");

}  // namespace smolc::bench
