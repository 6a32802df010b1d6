// Storage cost of the compiler's weight formats: the one table `smolc inspect`
// reports from and the compiler sizes its weight blobs with.
// Blocks run along a row (the input dimension); a row whose length is not a
// multiple of the block is padded to whole blocks.
//   f32  1 float                                   4 B / element
//   bf16 1 bfloat16                                2 B / element
//   q16  32 int16 + f32 scale                      68 B / 32 elements
//   q8   32 int8  + f16 scale                      34 B / 32 elements
//   q4   32 4-bit + f16 scale                      18 B / 32 elements
// The quantised block sizes come from runtime/quant/smolc_quant.h, the one
// definition the compiler, the kernels and the runtime share.
// RMSNorm weights (1-D) always stay f32.
#pragma once
#include <cstdint>
#include <string_view>

#include "frontend/config.h"
#include "quant/smolc_quant.h"

namespace smolc {

struct WeightFormat {
  const char* name;
  int64_t block_elems;
  int64_t block_bytes;
};

inline constexpr WeightFormat kWeightFormats[] = {
    {"f32", 1, 4},
    {"bf16", 1, 2},
    {"q16", SMOLC_QBLOCK, sizeof(smolc_block_q16)},
    {"q8", SMOLC_QBLOCK, sizeof(smolc_block_q8)},
    {"q4", SMOLC_QBLOCK, sizeof(smolc_block_q4)},
};

// nullptr if `name` is not a weight format.
inline const WeightFormat* find_weight_format(std::string_view name) {
  for (const WeightFormat& f : kWeightFormats)
    if (name == f.name) return &f;
  return nullptr;
}

// Bytes of a [rows, row_len] matrix stored in format f.
inline int64_t matrix_bytes(const WeightFormat& f, int64_t rows, int64_t row_len) {
  return rows * ((row_len + f.block_elems - 1) / f.block_elems) * f.block_bytes;
}

// Bytes of every weight of the model with all matrices in format f (the
// embedding included, a tied lm_head counted once) and norms in f32.
inline int64_t model_weight_bytes(const ModelConfig& c, const WeightFormat& f) {
  const int64_t per_layer = matrix_bytes(f, c.q_dim(), c.dim) + 2 * matrix_bytes(f, c.kv_dim(), c.dim) +
                            matrix_bytes(f, c.dim, c.q_dim()) + 2 * matrix_bytes(f, c.hidden_dim, c.dim) +
                            matrix_bytes(f, c.dim, c.hidden_dim) + 2 * c.dim * 4;
  const int64_t embed = matrix_bytes(f, c.vocab_size, c.dim);
  return embed * (c.tie_embeddings ? 1 : 2) + c.n_layers * per_layer + c.dim * 4;
}

}  // namespace smolc
