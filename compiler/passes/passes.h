// Fusion passes: each is a standalone graph -> graph rewrite that keeps what
// the model computes (up to float rounding) and leaves unrelated ops alone.
#pragma once
#include <cstdint>

#include "ir/graph.h"

namespace smolc::passes {

// RMSNorm gains folded into the columns of every projection that reads the
// normalised value: W' = W diag(g), so the norm op only divides by rms.
// Skips a norm if one of its readers is a weight shared with the embedding
// (tied lm_head): that matrix is stored once and cannot absorb a gain.
ir::Graph fold_rmsnorm_gains(ir::Graph g);

// wq, wk, wv (same input) + RoPE on q and k + the attention's KV-cache write
// -> one wqkv projection whose epilogue rotates q, k and writes k, v to the
// cache; the attention then reads k, v from the cache only.
ir::Graph fuse_qkv(ir::Graph g);

// w1 (gate) and w3 (up) + SwiGLU -> one w13 projection with rows interleaved
// in blocks of `block` (gate block 0, up block 0, gate block 1, ...), so any
// row range that is a multiple of 2*block holds matching gate/up pairs, and
// a SwiGLU epilogue.
ir::Graph fuse_gate_up(ir::Graph g, int64_t block);

// Add(resid, x . W^T) -> one projection whose epilogue adds into resid.
ir::Graph fuse_residual_add(ir::Graph g);

// Final RMSNorm + lm_head -> one LmHead op that normalises its input (with the
// gain when it could not be folded, i.e. for a tied lm_head).
ir::Graph fuse_final_norm_lm_head(ir::Graph g);

// All of the above in order; the emitter expects this form. fold_gains=false
// skips fold_rmsnorm_gains (quantised formats: the blocks are made from the
// checkpoint's own weights, and GGUF blocks can be reused as they are; the
// norms then multiply by their gains at run time).
ir::Graph run_all(ir::Graph g, int64_t gate_up_block, bool fold_gains = true);

}  // namespace smolc::passes
