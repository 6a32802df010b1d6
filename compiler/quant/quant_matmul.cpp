#include "quant/quant_matmul.h"

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
  const int64_t nb = (cols + kB - 1) / kB;
  std::vector<smolc_block_a8> out(static_cast<size_t>(nb));
  for (int64_t b = 0; b < nb; ++b) {
    float v[kB] = {};
    const int64_t n = std::min<int64_t>(kB, cols - b * kB);
    std::copy_n(x + b * kB, n, v);
    float amax = 0;
    for (float e : v) amax = std::max(amax, std::fabs(e));
    smolc_block_a8& a = out[static_cast<size_t>(b)];
    a.d = amax / 127.0f;
    const float id = amax != 0 ? 127.0f / amax : 0.0f;
    a.sum = 0;
    for (int i = 0; i < kB; ++i) {
      a.qs[i] = static_cast<int8_t>(std::clamp(static_cast<int>(std::nearbyint(v[i] * id)), -127, 127));
      a.sum += a.qs[i];
    }
  }
  return out;
}

void quant_matmul(const QuantMatrix& W, const float* x, int n, float* y) {
  for (int t = 0; t < n; ++t) {
    const float* xt = x + t * W.cols;
    float* yt = y + t * W.rows;
    if (W.fmt == QFormat::Q16) {
      for (int64_t r = 0; r < W.rows; ++r) yt[r] = dot_q16(W, r, xt);
      continue;
    }
    const std::vector<smolc_block_a8> a = quantize_activations(xt, W.cols);
    for (int64_t r = 0; r < W.rows; ++r) yt[r] = W.fmt == QFormat::Q8 ? dot_q8(W, r, a.data()) : dot_q4(W, r, a.data());
  }
}

}  // namespace smolc::quant
