// Facts about the GGUF container shared by the reader (frontend/) and the
// writer (gguf/): value and tensor type codes, llama.cpp's tensor names and
// its Q/K row order. Spec: ggml's docs/gguf.md.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "frontend/checkpoint.h"

namespace smolc::gguf {

constexpr uint32_t kMagic = 0x46554747;  // "GGUF" read as little-endian uint32
constexpr uint64_t kDefaultAlignment = 32;

// Metadata value types (gguf_metadata_value_type).
enum class ValueType : uint32_t {
  U8 = 0,
  I8 = 1,
  U16 = 2,
  I16 = 3,
  U32 = 4,
  I32 = 5,
  F32 = 6,
  BOOL = 7,
  STRING = 8,
  ARRAY = 9,
  U64 = 10,
  I64 = 11,
  F64 = 12,
};
const char* value_type_name(uint32_t t);  // "?" for unknown codes
// Bytes of one scalar of type t; 0 for STRING/ARRAY/unknown.
size_t value_type_size(uint32_t t);

// ggml tensor type codes of the types smolc reads or writes.
namespace ggml {
constexpr uint32_t F32 = 0, F16 = 1, Q4_0 = 2, Q5_0 = 6, Q8_0 = 8, Q4_K = 12, Q6_K = 14, BF16 = 30;
}
std::optional<DType> dtype_from_ggml(uint32_t ggml_type);
uint32_t ggml_from_dtype(DType t);
const char* ggml_type_name(uint32_t ggml_type);  // "Q4_1" etc., "unknown" past the table

// tokenizer.ggml.token_type values.
enum TokenType : int32_t { kNormal = 1, kUnknown = 2, kControl = 3, kUserDefined = 4, kUnused = 5, kByte = 6 };

// "blk.3.attn_q.weight" -> "model.layers.3.self_attn.q_proj.weight"; empty if
// the name is not one of the llama tensors.
std::string hf_name_from_gguf(const std::string& gguf_name);
// The inverse; empty for names that have no GGUF counterpart.
std::string gguf_name_from_hf(const std::string& hf_name);

// llama.cpp's HF->GGUF converter reorders the rows of q_proj/k_proj within
// each head from rotate_half order (first half, second half) to interleaved
// pairs (0, half, 1, half+1, ...), because its RoPE rotates adjacent pairs.
// Returns perm with perm[hf_row] = gguf_row, for n_heads heads of head_dim rows.
std::vector<int32_t> llama_qk_row_perm(int64_t n_heads, int64_t head_dim);

}  // namespace smolc::gguf
