#include "quantize/quant_matmul.h"

#include "runtime/quant/smolc_quant_act.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace smolc::quant {
namespace {

constexpr int kB = SMOLC_QBLOCK;

float dot_q8(const QuantMatrix& W, int64_t r, const smolc_block_a8* a) {
  float acc = 0;
  for (int64_t b = 0; b < W.blocks_per_row; ++b) {
    smolc_block_q8 w;
    std::memcpy(&w, W.block(r, b), sizeof w);
    int32_t isum = 0;
    for (int i = 0; i < kB; ++i) isum += static_cast<int32_t>(w.qs[i]) * a[b].qs[i];
    acc += static_cast<float>(isum) * (W.scale(r, b) * a[b].d);
  }
  return acc;
}

float dot_q4(const QuantMatrix& W, int64_t r, const smolc_block_a8* a) {
  float acc = 0;
  for (int64_t b = 0; b < W.blocks_per_row; ++b) {
    smolc_block_q4 w;
    std::memcpy(&w, W.block(r, b), sizeof w);
    int32_t isum = 0;
    for (int i = 0; i < kB / 2; ++i) {
      isum += ((w.qs[i] & 15) - 8) * static_cast<int32_t>(a[b].qs[i]);
      isum += ((w.qs[i] >> 4) - 8) * static_cast<int32_t>(a[b].qs[i + kB / 2]);
    }
    acc += static_cast<float>(isum) * (W.scale(r, b) * a[b].d);
  }
  return acc;
}

float dot_q16(const QuantMatrix& W, int64_t r, const float* x) {
  float acc = 0;
  for (int64_t b = 0; b < W.blocks_per_row; ++b) {
    smolc_block_q16 w;
    std::memcpy(&w, W.block(r, b), sizeof w);
    const int64_t n = std::min<int64_t>(kB, W.cols - b * kB);
    float s = 0;
    for (int64_t i = 0; i < n; ++i) s += static_cast<float>(w.qs[i]) * x[b * kB + i];
    acc += W.scale(r, b) * s;
  }
  return acc;
}

}  // namespace

std::vector<smolc_block_a8> quantize_activations(const float* x, int64_t cols) {
  std::vector<smolc_block_a8> out(static_cast<size_t>((cols + kB - 1) / kB));
  smolc_quantize_a8(x, static_cast<int>(cols), out.data());
  return out;
}

void quant_matmul(const QuantMatrix& W, const float* x, int n, float* y) {
  for (int t = 0; t < n; ++t) {
    const float* xt = x + t * W.cols;
    float* yt = y + t * W.rows;
    if (W.fmt == Format::Q16) {
      for (int64_t r = 0; r < W.rows; ++r) yt[r] = dot_q16(W, r, xt);
      continue;
    }
    const std::vector<smolc_block_a8> a = quantize_activations(xt, W.cols);
    for (int64_t r = 0; r < W.rows; ++r) yt[r] = W.fmt == Format::Q8 ? dot_q8(W, r, a.data()) : dot_q4(W, r, a.data());
  }
}

}  // namespace smolc::quant
