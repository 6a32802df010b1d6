// Quantisers for the GGUF block formats smolc writes, per ggml's block
// definitions (32 values per block, one f16 scale d):
//   Q8_0: d = max|x| / 127,        q = round-half-away(x / d)      in [-127, 127]
//   Q4_0: d = (x with max |x|) / -8, nibble = min(15, floor(x / d + 8.5)) in [0, 15],
//         low nibbles hold x[0..16), high nibbles x[16..32)
// As in ggml, x / d is computed as x * (1 / d) with the f32 d, before d is
// rounded to f16, so the bytes match llama.cpp's own quantiser.
#pragma once
#include <cstdint>

namespace smolc::gguf {

// n must be a multiple of 32; dst receives n / 32 blocks (34 / 18 bytes each).
void quantize_row_q8_0(const float* x, uint8_t* dst, int64_t n);
void quantize_row_q4_0(const float* x, uint8_t* dst, int64_t n);

}  // namespace smolc::gguf
