// Decoders of ggml's block formats (one block per call), used by
// dequantize_row(). Block layouts (little-endian, f16 = IEEE half):
//   Q8_0  34 B / 32: f16 d; int8 q[32]                      x = d*q
//   Q4_0  18 B / 32: f16 d; u8 qs[16]                       x[j] = d*((qs[j]&15)-8), x[j+16] = d*((qs[j]>>4)-8)
//   Q5_0  22 B / 32: f16 d; u32 qh; u8 qs[16]               as Q4_0 with bit 4 from qh (bit j, bit j+16), offset 16
//   Q4_K 144 B /256: f16 d, dmin; u8 scales[12]; u8 qs[128] 8 sub-blocks of 32 with 6-bit scale/min
//   Q6_K 210 B /256: u8 ql[128]; u8 qh[64]; i8 scales[16]; f16 d   16 sub-blocks of 16, 6-bit q - 32
#pragma once
#include <cstdint>

namespace smolc::gguf {

void dequant_block_q8_0(const uint8_t* b, float* y);
void dequant_block_q4_0(const uint8_t* b, float* y);
void dequant_block_q5_0(const uint8_t* b, float* y);
void dequant_block_q4_k(const uint8_t* b, float* y);
void dequant_block_q6_k(const uint8_t* b, float* y);

}  // namespace smolc::gguf
