// The engine emitter: turns the fused graph and its schedule into the
// sources of one engine (header, forward pass, kernels) and its packed
// weights. The build driver (build/) compiles and packages them.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "emit/kernel_api.h"
#include "emit/template_engine.h"
#include "frontend/checkpoint.h"
#include "ir/graph.h"
#include "runtime/weights/smolc_weights.h"
#include "schedule/schedule.h"

namespace smolc {

struct EngineOptions {
  std::string name;      // C identifier prefix (validated)
  std::string command;   // the smolc command line, noted in every file
  int ctx = 2048;        // KV cache positions
  int threads = 0;       // default thread count (0: one per online CPU)
  bool external_weights = false;
  bool kv_f16 = false;   // KV cache in IEEE half (half the state, ~1e-3 relative rounding per entry)
  // Quantised formats: NaN/Inf weights are quantised as 0 instead of refused.
  bool allow_nonfinite = false;
  std::string format_text;  // how the formats were asked for ("q4 --keep lm_head=q8"); default: the base format
  // q8/q4 self-calibration steps done of total (empty: silent).
  std::function<void(size_t done, size_t total)> calibration_progress;
};

struct GeneratedFile {
  std::string name;  // relative to src/
  std::string text;
  std::vector<std::string> cxx_flags;
};

struct EngineSources {
  std::string name;
  GeneratedFile header;               // NAME.h
  std::vector<GeneratedFile> sources;  // engine + kernels (+ weights .S when embedded)
  std::vector<uint8_t> weights;        // packed, the .incbin payload / external payload
  uint64_t weights_hash = 0;           // FNV-1a over 64-bit words
  size_t state_bytes = 0;
  size_t code_files = 0;
};

// (done, total) in bytes of weights packed so far.
using ProgressFn = std::function<void(size_t, size_t)>;

// `g` must be the output of passes::run_all(). Throws InputError for bad
// model data and std::logic_error for a graph the emitter cannot lower.
EngineSources emit_engine(const Checkpoint& ck, const ir::Graph& g, const schedule::Schedule& s,
                          const EngineOptions& opt, const ProgressFn& progress = {});

// FNV-1a over 64-bit little-endian words plus the byte tail: the function the
// engine checks external weights with (runtime/weights/smolc_weights.h), also
// used for cache keys.
inline uint64_t weights_hash(const uint8_t* p, size_t n) { return smolc_weights_hash(p, n); }

// The engine's attention code and what it includes, shared by emit_engine and
// `smolc tune`'s attention probe (so the probe times what the engine runs):
// sets X86, DOT_HEAD, EXP and ELEMENTWISE in `v` for `isa` (v must hold
// KV_F16 and the model constants the includes read), and renders
// engine/attention.inc.in at prefill blocks of `rows` cache rows and tiles
// of `tokens` query tokens, and decode blocks of `decode_rows` rows.
void set_attention_includes(TemplateVars& v, Isa isa);
std::string render_attention(TemplateVars v, int rows, int tokens, int decode_rows);

}  // namespace smolc
