// How the IR is run on a target: kernel variant and tile sizes per matrix
// product, prefill tile, thread grain and compiler flags. Comes from a table
// per target now; `smolc tune` will fill it from measurements later.
//
// Targets (tiles, flags, toolchains) are rows of target/target.h's table.
#pragma once
#include <map>
#include <string>
#include <vector>

#include "ir/graph.h"
#include "target/target.h"

namespace smolc::schedule {

using target::find_target;
using target::target_flag;
using target::target_table;
using target::TargetDesc;

// The weight formats the user asked for: one format for the model, the q4
// policy for the classifier, and `--keep PATTERN=FORMAT` rules.
//
// Patterns are globs (* and ?) over short tensor names: the HF name without
// "model." and ".weight" ("layers.3.self_attn.q_proj", "layers.3.mlp.down_proj",
// "embed_tokens", "lm_head"). The lm_head op answers to "lm_head" even when it
// is the tied embedding. Rules apply in order, the last match wins. A fused
// projection (q|k|v, gate|up) must end up in one format.
struct FormatPlan {
  Format base = Format::F32;
  bool q4_all = false;  // q4 also for the lm_head / tied embedding (default: q8 there)
  std::vector<std::pair<std::string, Format>> keep;
  // q8/q4 scale searches weigh columns by activation statistics of the model
  // sampling itself (quantize/calibrate.h); false (--no-calibrate): by the
  // reading RMSNorm's gain^2 only. It changes the weights, so it is part of
  // describe() and command_flags().
  bool calibrate = true;
  // --bf16-activations (only with base bf16): every matmul's input is rounded
  // to bf16 (round to nearest even) once, as PyTorch bf16 inference and
  // llama.cpp do; the reference engine has the same option
  // (ReferenceEngine::set_bf16_activations). Part of describe(), so of the
  // manifest's format and the engine cache key.
  bool bf16_activations = false;
  // "q4 --q4-all --keep lm_head=q8": a stable spelling for cache keys and commands.
  std::string describe() const;
  // " --q4 --q4-all --keep 'lm_head=q8'": the flags as a user retypes them.
  std::string command_flags() const;
};

// "PATTERN=FORMAT" (one --keep argument).
std::pair<std::string, Format> parse_keep(const std::string& arg);

constexpr int kDefaultAttnRows = 16, kDefaultAttnTokens = 4;

struct Schedule {
  TargetDesc target;
  Format format = Format::F32;               // the plan's base format (ops may differ, see matmul)
  std::map<std::string, KernelSpec> matmul;  // by op name, MatMul and LmHead ops
  bool calibrate = true;                     // the plan's calibrate: self-calibrated q8/q4 scales
  bool bf16_activations = false;             // the plan's: matmul inputs rounded to bf16 (every spec's x_bf16)
  KernelSpec embedding;                      // row lookups (tied: the lm_head spec)
  bool embedding_tied = false;
  int qkv_grain_heads = 1;      // parallel grain of the wqkv epilogue, in heads
  int swiglu_grain_blocks = 1;  // parallel grain of the w13 epilogue, in gate/up block pairs
  // Attention (templates/engine/attention.inc.in): KV cache rows per block
  // (kAttnRows) and query tokens per work item (kAttnTokens) of a prefill or
  // verify step, and cache rows per block of a decode step (kAttnDecodeRows).
  // Not per target: the defaults were measured on x86 (docs/performance.md);
  // `smolc tune` times alternatives, decode and prefill each in its setting.
  int attn_rows = kDefaultAttnRows;
  int attn_tokens = kDefaultAttnTokens;
  int attn_decode_rows = kDefaultAttnRows;
};

// Picks a KernelSpec for every projection of `g` (the fused graph). Throws
// InputError for a --keep rule that names no tensor or splits a fused
// projection, and for a format the target has no kernels for.
Schedule make_schedule(const ir::Graph& g, const TargetDesc& t, const FormatPlan& plan);
inline Schedule make_schedule(const ir::Graph& g, const TargetDesc& t, Format fmt) {
  FormatPlan p;
  p.base = fmt;
  return make_schedule(g, t, p);
}

// The parallel grains of the QKV and SwiGLU epilogues from their projections
// panels (make_schedule, and again after tune::apply_tuning changes them).
void set_thread_grains(Schedule& s, const ir::Graph& g);

// Whether RMSNorm gains are folded into the projections for this plan (see
// passes::run_all): only when every matrix is a float format.
bool fold_norm_gains(const FormatPlan& plan);

}  // namespace smolc::schedule
