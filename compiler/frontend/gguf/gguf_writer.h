// Writes a Checkpoint as a GGUF v3 file that llama.cpp loads: llama.*
// metadata, the tokenizer as tokenizer.ggml.*, tensors under llama.cpp's
// names with q_proj/k_proj rows in llama.cpp's interleaved RoPE order.
#pragma once
#include <string>

#include "frontend/checkpoint.h"

namespace smolc::gguf {

// type: storage of the 2-D weight matrices (F32, F16, BF16, Q8_0 or Q4_0).
// Norm vectors are always F32, as llama.cpp expects; a matrix whose rows are
// not a multiple of 32 long stays F32 under Q8_0/Q4_0.
// Throws InputError for weights that cannot be stored (check_storable:
// non-finite values, magnitudes the type cannot hold) unless allow_nonfinite,
// and for an unwritable output file.
void write_gguf(const Checkpoint& ck, const std::string& out_path, DType type, bool allow_nonfinite = false);

// llama.cpp's general.file_type code for a weight type.
uint32_t llama_file_type(DType type);

}  // namespace smolc::gguf
