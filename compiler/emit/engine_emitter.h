// The engine emitter: turns the fused graph, its schedule and the offsets of
// the lowered weights (lower/lower_weights.h) into the sources of one engine
// (header, forward pass, kernels, the .S that embeds the weights). It reads
// no weights: the packager (package/) writes the blob beside the sources,
// compiles and packages them.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "emit/kernel_api.h"
#include "emit/template_engine.h"
#include "frontend/tokenizer_data.h"
#include "ir/graph.h"
#include "lower/lower_weights.h"
#include "schedule/schedule.h"

namespace smolc {

struct EngineOptions {
  std::string name;     // C identifier prefix (validated)
  std::string command;  // the smolc command line, noted in every file
  int ctx = 2048;       // KV cache positions
  int threads = 0;      // default thread count (0: one per online CPU)
  bool external_weights = false;
  bool kv_f16 = false;      // KV cache in IEEE half (half the state, ~1e-3 relative rounding per entry)
  std::string format_text;  // how the formats were asked for ("q4 --keep lm_head=q8"); default: the base format
};

// What the engine notes of the model besides its graph: its name (comments)
// and its tokenizer (tables compiled in when it has one).
struct EngineModel {
  std::string name;
  const TokenizerData* tokenizer = nullptr;  // nullptr or Kind::None: no text entry points
};

struct GeneratedFile {
  std::string name;  // relative to src/
  std::string text;
  std::vector<std::string> cxx_flags;
};

// A binary file the sources include (an .incbin of the tokenizer .S).
struct DataFile {
  std::string name;  // relative to src/
  std::string bytes;
};

struct EngineSources {
  std::string name;
  GeneratedFile header;                // NAME.h
  std::vector<GeneratedFile> sources;  // engine + kernels + tokenizer (+ weights .S when embedded)
  std::vector<DataFile> data;          // written beside the sources: the tokenizer tables
  size_t state_bytes = 0;
  size_t code_files = 0;
};

// Throws InputError for an engine name that is not a C identifier or a --ctx
// outside 1..max_seq_len. emit_engine checks the same; compile_model calls it
// before the weights are lowered, so a bad option fails before that work.
void check_engine_options(const ModelConfig& c, const EngineOptions& opt);

// `g` must be the output of passes::run_all(), `s` its schedule and `w` the
// offsets lower_weights placed its weights at. Throws InputError for a bad
// option (--ctx) or tokenizer and std::logic_error for a graph the emitter
// cannot lower.
EngineSources emit_engine(const ir::Graph& g, const schedule::Schedule& s, const WeightOffsets& w,
                          const EngineModel& model, const EngineOptions& opt);

// The engine's attention code and what it includes, shared by emit_engine and
// `smolc tune`'s attention probe (so the probe times what the engine runs):
// sets X86, DOT_HEAD, EXP and ELEMENTWISE in `v` for `isa` (v must hold
// KV_F16 and the model constants the includes read), and renders
// engine/attention.inc.in at prefill blocks of `rows` cache rows and tiles
// of `tokens` query tokens, and decode blocks of `decode_rows` rows.
void set_attention_includes(TemplateVars& v, Isa isa);
std::string render_attention(TemplateVars v, int rows, int tokens, int decode_rows);

}  // namespace smolc
