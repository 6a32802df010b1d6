// How exact bf16 x bf16 dot products (ARMv8.6 BF16: bfdot) are against the
// f32 arithmetic the reference does, for docs/kernels.md (why aarch64-i8mm
// keeps bf16 widened). 576-long dots of bf16 weights (N(0, 0.05)) with f32
// N(0,1) activations, 64 rows x 8 tokens, against a double sum: (1) widen
// the weights and fmla in f32 (what the neon kernels do), (2) round the
// activations to bf16 and bfdot, (3) split the activations into hi + lo bf16
// and bfdot both, (4) the same split through bfmmla as the aarch64-i8mm bf16
// gemm does it (templates/gemm/gemm-i8mm.cpp.in: a token pair's hi, then its
// lo, into one 2x2 accumulator per row pair, 4 columns a step). Prints the
// worst |error| / sum|w x| (the kernel tests' float tolerance is 2e-6 of it,
// 4e-5 for the split-activation gemms) and the NMSE.
//   clang++-19 --target=aarch64-linux-gnu -O2 -march=armv8.6-a+bf16 -static \
//     tools/kernels/bf16_dot_a64.cpp -o /tmp/bf16_dot && qemu-aarch64 -cpu max /tmp/bf16_dot
#include <arm_neon.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <random>
#include <vector>

namespace {

uint16_t to_bf16(float f) {  // round to nearest even
  uint32_t u;
  std::memcpy(&u, &f, 4);
  u += 0x7fff + ((u >> 16) & 1);
  return uint16_t(u >> 16);
}

float from_bf16(uint16_t h) {
  const uint32_t u = uint32_t(h) << 16;
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}

// The three dots of w[0..K) and x[0..K) (K a multiple of 8). bfdot pairs
// elements (2i, 2i+1) of both operands, the same k, so each is a plain dot.
void dots(const uint16_t* wp, const float* xp, int K, double y[3]) {
  float32x4_t widen = vdupq_n_f32(0), single = vdupq_n_f32(0), split = vdupq_n_f32(0);
  for (int k = 0; k < K; k += 8) {
    const bfloat16x8_t w = vld1q_bf16(reinterpret_cast<const bfloat16_t*>(wp + k));
    const float32x4_t x0 = vld1q_f32(xp + k), x1 = vld1q_f32(xp + k + 4);
    widen = vfmaq_f32(widen, vcvtq_low_f32_bf16(w), x0);
    widen = vfmaq_f32(widen, vcvtq_high_f32_bf16(w), x1);
    const bfloat16x8_t hi = vcvtq_high_bf16_f32(vcvtq_low_bf16_f32(x0), x1);
    const float32x4_t r0 = vsubq_f32(x0, vcvtq_low_f32_bf16(hi)), r1 = vsubq_f32(x1, vcvtq_high_f32_bf16(hi));
    const bfloat16x8_t lo = vcvtq_high_bf16_f32(vcvtq_low_bf16_f32(r0), r1);
    single = vbfdotq_f32(single, w, hi);
    split = vbfdotq_f32(vbfdotq_f32(split, w, hi), w, lo);
  }
  y[0] = vaddvq_f32(widen);
  y[1] = vaddvq_f32(single);
  y[2] = vaddvq_f32(split);
}

// Method (4) for rows r, r+1 and tokens t, t+1: y[token][row].
void mmla(const uint16_t* w0, const uint16_t* w1, const float* x0, const float* x1, int K, double y[2][2]) {
  float32x4_t acc = vdupq_n_f32(0);
  for (int k = 0; k < K; k += 4) {
    uint16_t wb[8], hb[8], lb[8];
    for (int j = 0; j < 4; ++j) {
      wb[j] = w0[k + j];
      wb[4 + j] = w1[k + j];
      const float xs[2] = {x0[k + j], x1[k + j]};
      for (int t = 0; t < 2; ++t) {
        hb[4 * t + j] = to_bf16(xs[t]);
        lb[4 * t + j] = to_bf16(xs[t] - from_bf16(hb[4 * t + j]));
      }
    }
    const bfloat16x8_t w = vld1q_bf16(reinterpret_cast<const bfloat16_t*>(wb));
    acc = vbfmmlaq_f32(acc, vld1q_bf16(reinterpret_cast<const bfloat16_t*>(hb)), w);
    acc = vbfmmlaq_f32(acc, vld1q_bf16(reinterpret_cast<const bfloat16_t*>(lb)), w);
  }
  y[0][0] = vgetq_lane_f32(acc, 0);
  y[0][1] = vgetq_lane_f32(acc, 1);
  y[1][0] = vgetq_lane_f32(acc, 2);
  y[1][1] = vgetq_lane_f32(acc, 3);
}

}  // namespace

int main() {
  const int M = 64, K = 576, T = 8;
  std::mt19937 rng(1);
  std::normal_distribution<float> d(0, 1);
  std::vector<uint16_t> W(M * K);
  std::vector<float> X(T * K);
  for (auto& w : W) w = to_bf16(d(rng) * 0.05f);
  for (auto& x : X) x = d(rng);
  double worst[4] = {0, 0, 0, 0}, num[4] = {0, 0, 0, 0}, den = 0;
  for (int t = 0; t < T; ++t)
    for (int r = 0; r < M; ++r) {
      double ym[2][2];
      mmla(&W[(r & ~1) * K], &W[(r | 1) * K], &X[(t & ~1) * K], &X[(t | 1) * K], K, ym);
      double ref = 0, mag = 0;
      for (int k = 0; k < K; ++k) {
        const double p = double(from_bf16(W[r * K + k])) * X[t * K + k];
        ref += p;
        mag += std::fabs(p);
      }
      double y[4];
      dots(&W[r * K], &X[t * K], K, y);
      y[3] = ym[t & 1][r & 1];
      for (int i = 0; i < 4; ++i) {
        worst[i] = std::fmax(worst[i], std::fabs(y[i] - ref) / mag);
        num[i] += (y[i] - ref) * (y[i] - ref);
      }
      den += ref * ref;
    }
  const char* name[4] = {"f32 widen fma", "bfdot x->bf16", "bfdot x=hi+lo", "bfmmla x=hi+lo"};
  for (int i = 0; i < 4; ++i)
    std::printf("%-16s worst |err|/sum|wx| %.3g  NMSE %.3g\n", name[i], worst[i], num[i] / den);
}
