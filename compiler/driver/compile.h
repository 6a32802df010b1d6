// The one compile pipeline, checkpoint to engine directory: passes, schedule
// (with an optional tuning file), weight lowering, emission and the build
// driver. `smolc
// compile`, the engine cache of `smolc run` / `smolc bench` and the tests go
// through compile_model, so the model hash, the command line noted in the
// engine and the build options are computed in one place.
#pragma once
#include <functional>
#include <string>

#include "emit/engine_emitter.h"
#include "frontend/checkpoint.h"
#include "lower/lower_weights.h"
#include "package/build_engine.h"
#include "schedule/schedule.h"

namespace smolc {

// The words of the command line noted in every generated file, as the user
// typed them (defaults left out); only the command line reads them.
struct CommandWords {
  std::string model, target, name, out, weights, tokenizer, cxx, cxxflags;
  int ctx = 0;  // 0: not given
  bool web = false;
  std::string suffix;  // e.g. " (via the smolc engine cache)"
};

struct CompileRequest {
  const Checkpoint* model = nullptr;
  schedule::FormatPlan formats;
  bool allow_nonfinite = false;
  const target::TargetDesc* target = nullptr;  // concrete (target_flag resolves "native")
  int ctx = 0;                                 // 0: min(2048, the model's max_seq_len)
  int threads = 0;                             // the engine's default thread count (0: one per CPU)
  bool kv_f16 = false;
  bool external_weights = false;  // always for wasm targets
  std::string name;               // "": model name + format
  std::string out_dir;            // "": NAME
  std::string cxx;                // "": the target's compiler
  std::string cxxflags;
  std::string tune;  // tuning file of `smolc tune`; "": the default schedule
  bool emit_only = false;
  std::string source_sha256;  // "": model_sha256(*model)
  CommandWords words;
  // ("calibrating" | "packing" | "compiling", done, total)
  std::function<void(const char*, size_t, size_t)> progress;
};

struct CompiledEngine {
  std::string name, out_dir;
  EngineOptions options;   // as emitted (ctx resolved, command line)
  LoweredWeights weights;  // the packed blob and where each weight sits
  EngineSources sources;
  BuildResult build;
};

// Hex SHA-256 of the checkpoint's file, or of each of its files joined by ",".
std::string model_sha256(const Checkpoint& ck);

// `smolc compile ...` as the user could retype it (free words shell-quoted).
std::string compile_command_line(const CompileRequest& r);

// Throws InputError for bad input (format, ctx, a tuning file of another target).
CompiledEngine compile_model(const CompileRequest& r);

}  // namespace smolc
