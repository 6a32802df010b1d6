// Scalar reference of the quantised matrix products, computing exactly what
// the kernels compute (up to the order of the f32 sums of block results):
//   q8, q4, q4_0: the activation row is quantised per 32-block to int8
//                 (smolc_block_a8), each block dot product is exact in int32,
//                 and y += (float)isum * (d_w * d_a) in f32, block by block.
//   q16:          activations stay f32; y += d_w * (sum of q_w * x in f32).
#pragma once
#include <cstdint>
#include <vector>

#include "quantize/quantize.h"

namespace smolc::quant {

// x: [cols] -> ceil(cols / 32) blocks, the tail padded with zeros.
// d = max|x| / 127, q = round-to-nearest-even(x * (127 / max|x|)).
std::vector<smolc_block_a8> quantize_activations(const float* x, int64_t cols);

// y[t, r] = W[r, :] . x[t, :];  x [n, cols], y [n, rows].
void quant_matmul(const QuantMatrix& W, const float* x, int n, float* y);

}  // namespace smolc::quant
