// How the IR is run on a target: kernel variant and tile sizes per matrix
// product, prefill tile, thread grain and compiler flags. Comes from a table
// per target now; `smolc tune` will fill it from measurements later.
//
// A target is a row of the table below (target_table()); adding aarch64 NEON,
// wasm32 SIMD128 or arm-none-eabi is a new row plus its Isa and kernel
// templates: nothing else branches on the target.
#pragma once
#include <map>
#include <string>
#include <vector>

#include "emit/kernel_api.h"
#include "ir/graph.h"

namespace smolc::schedule {

struct TargetDesc {
  std::string name;             // "--target" spelling: "scalar", "avx2", "avx512"
  Isa isa = Isa::Scalar;
  int tile_m = 4;               // rows per packed panel of every projection
  int tile_n = 4;               // tokens per gemm tile
  int prefill_tokens = 16;      // tokens per forward step of a prefill (scratch is sized by it)
  int gate_up_block = 16;       // gate/up interleave block; a multiple of tile_m
  std::vector<std::string> cxx_flags;  // for the engine translation unit
};

// Every target smolc can compile for, "native" excluded.
const std::vector<TargetDesc>& target_table();
// "native" resolves to the best table entry the host runs; throws
// std::invalid_argument naming the valid spellings for an unknown name.
const TargetDesc& find_target(const std::string& name);

struct Schedule {
  TargetDesc target;
  WFormat format = WFormat::F32;
  std::map<std::string, KernelSpec> matmul;  // by op name, MatMul and LmHead ops
  KernelSpec embedding;                      // row lookups (tied: the lm_head spec)
  bool embedding_tied = false;
  int qkv_grain_heads = 1;      // parallel grain of the wqkv epilogue, in heads
  int swiglu_grain_blocks = 1;  // parallel grain of the w13 epilogue, in gate/up block pairs
};

// Picks a KernelSpec for every projection of `g` (the fused graph).
Schedule make_schedule(const ir::Graph& g, const TargetDesc& t, WFormat fmt);

}  // namespace smolc::schedule
