// Conversion of one stored row of any source dtype to f32.
#pragma once
#include <cstddef>
#include <cstdint>

#include "frontend/checkpoint.h"

namespace smolc {

// Bytes that n elements of `t` occupy (n must be a multiple of the block size
// for block formats; returns 0 if it is not).
size_t dtype_row_bytes(DType t, int64_t n);
// Elements per block (1 for F32/F16/BF16).
int64_t dtype_block_elems(DType t);
void dequantize_row(DType t, const uint8_t* src, float* dst, int64_t n);

float f16_to_f32(uint16_t h);
float bf16_to_f32(uint16_t b);
uint16_t f32_to_bf16(float f);  // round to nearest even, NaN stays NaN
uint16_t f32_to_f16(float f);   // round to nearest even

}  // namespace smolc
