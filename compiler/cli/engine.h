// What `smolc run` needs from an inference engine, so the reference engine and
// compiled engines are interchangeable behind the same generation loop.
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "emit/kernel_api.h"
#include "frontend/checkpoint.h"
#include "schedule/schedule.h"

namespace smolc::cli {

class Engine {
 public:
  virtual ~Engine() = default;
  // Appends n tokens; returns the logits of every one of them, [n, vocab].
  virtual std::vector<float> prefill(const int32_t* tokens, int n) = 0;
  // Appends one token; returns its logits [vocab] (valid until the next call).
  virtual const std::vector<float>& decode(int32_t token) = 0;
  // Appends n tokens; returns only the last one's logits [vocab]. Engines whose
  // batched step yields just the last row (compiled ones) override it.
  virtual std::vector<float> prefill_last(const int32_t* tokens, int n);
  // Speculative decoding: verify() appends 1..max_verify() tokens in one step
  // and returns every row's logits [n, vocab]; rewind(pos) drops the tokens
  // from position pos on. max_verify() < 2: the engine cannot verify.
  virtual int max_verify() const { return 0; }
  virtual std::vector<float> verify(const int32_t* tokens, int n) { return prefill(tokens, n); }
  virtual void rewind(int pos) = 0;
  virtual int position() const = 0;  // tokens in the KV cache
  virtual int ctx() const = 0;       // KV cache capacity in tokens
  virtual const char* name() const = 0;
  // True when the engine runs under an emulator (qemu): its timings are not speeds.
  virtual bool emulated() const { return false; }

 protected:
  // prefill() for engines whose batched step keeps only the last row: every
  // row is made by one decode step each (what --dump-logits needs).
  std::vector<float> prefill_by_decode(const int32_t* tokens, int n);
};

// The scalar reference engine (compiler/reference/) over a loaded checkpoint;
// a non-finite parameter is refused (InputError) unless allow_nonfinite.
std::unique_ptr<Engine> make_reference_engine(const Checkpoint& ck, int ctx, bool allow_nonfinite = false);

// InputError naming --ctx and the bytes `what` needs when that is more than
// the machine's physical memory (an allocation would fail, or overcommit and
// be killed, instead of a clear message).
void refuse_unallocatable(const std::string& what, uint64_t bytes, int ctx);

// --chat's KV cache when no --ctx is given: the compile default, so a chat and
// a plain run share one cached engine; a model's max_position_embeddings can
// be far larger (2^24 passes the config check) and would be allocated in full.
constexpr int kChatDefaultCtx = 2048;

// How `smolc run` wants its engine.
struct EngineRequest {
  bool reference = false;                      // --reference: always the reference engine
  std::optional<schedule::FormatPlan> format;  // --f32 ... --q16: a compiled engine; none: reference (with a note)
  bool allow_nonfinite = false;
  std::string model, tokenizer;  // as given on the command line (the engine cache keys the files)
  std::string target = "native";
  int threads = 0;  // 0: the compiled engine's default (one per CPU)
  std::string cxx = "clang++-19";
  std::string engine_dir;  // a `smolc compile` output directory to link as it is (no compile)
  std::string tune;        // --tune FILE: the engine compiled with that tuning file ("": the default schedule)
  std::string
      runner;  // --runner CMD: the engine runs as a program CMD starts (engine_pipe.h); "": in-process when it can
};

// A compiled engine from the engine cache (compiling it on first use), built
// as a shared object and loaded with dlopen, or, for a target this process
// cannot load (wasm32, aarch64 on x86, any --runner), linked into a program
// that a runner starts (engine_pipe.h). ctx 0: min(2048, max_seq_len).
std::unique_ptr<Engine> make_compiled_engine(const EngineRequest& req, int ctx);

// The engine `smolc run` uses. `needed` is the context the run needs; a
// compiled engine gets at least min(2048, max_seq_len) so that one cached
// engine serves runs of any length (explicit_ctx > 0 overrides both).
std::unique_ptr<Engine> make_engine(const Checkpoint& ck, const EngineRequest& req, int needed, int explicit_ctx);

}  // namespace smolc::cli
