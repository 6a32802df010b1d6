// Native fp16 arithmetic for the f16 kernels of aarch64-dotprod (ARMv8.2-A
// FP16, and FHM's fmlal): how exact, for docs/kernels.md, and the inner loop
// of an fmlal gemm for the llvm-mca comparison in docs/performance.md.
// 576-long dots of f16 weights (N(0, 0.05)) with f32 N(0,1) activations,
// 64 rows x 8 tokens, against a double sum: (1) widen the weights by fcvtl
// and fmla in f32 (what the neon kernels do), (2) activations rounded to f16
// and `fmla .8h` (f16 products and f16 sums), (3) activations rounded to f16
// and `fmlal`/`fmlal2` (f16 x f16 products, exact in f32, summed in f32),
// (4) activations split into f16 hi + lo and fmlal both. Prints the worst
// |error| / sum|w x| (the kernel tests' float tolerance is 2e-6 of it) and
// the NMSE.
//   F="--target=aarch64-linux-gnu -O2 -march=armv8.2-a+dotprod+fp16+fp16fml"
//   clang++-19 $F -static tools/kernels/f16_dot_a64.cpp -o /tmp/f16_dot && qemu-aarch64 -cpu max /tmp/f16_dot
// The llvm-mca comparison (fmlal hi + lo gemm tile against the widening one
// smolc generates for neondot):
//   clang++-19 $F -S tools/kernels/f16_dot_a64.cpp -o /tmp/f16_dot.s
//   tools/kernels/mca_neon.py --asm 'f16-gemm fmlal hi+lo|clang=/tmp/f16_dot.s:f16_gemm_fmlal'
//       --asm 'f16-gemm fmlal x->f16|clang=/tmp/f16_dot.s:f16_gemm_fmlal_once'   (one command)
//   tools/kernels/mca_neon.py build/bin/smolc --kernels 'f16-gemm-neon' --no-header
#include <arm_neon.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <random>
#include <vector>

// 16 rows x 4 tokens of a neondot-style f16 gemm tile (one column of a
// 16-row f16 panel per step: 16 halves) with fmlal by lane: xs[k] holds the
// 4 tokens' hi parts in lanes 0..3 and their lo parts in lanes 4..7. The
// accumulators are the neon gemm's (4 tokens x 4 vectors of 4 rows).
extern "C" __attribute__((noinline)) void f16_gemm_fmlal(const float16_t* panel, const float16x8_t* xs, int K,
                                                         float* y) {
  float32x4_t acc[4][4];
  for (auto& t : acc)
    for (auto& a : t) a = vdupq_n_f32(0);
  for (int k = 0; k < K; ++k) {
    const float16x8_t w0 = vld1q_f16(panel + 16 * k), w1 = vld1q_f16(panel + 16 * k + 8);
    const float16x8_t x = xs[k];
#define SMOLC_T(t)                                                  \
  acc[t][0] = vfmlalq_laneq_low_f16(acc[t][0], w0, x, t);          \
  acc[t][0] = vfmlalq_laneq_low_f16(acc[t][0], w0, x, t + 4);      \
  acc[t][1] = vfmlalq_laneq_high_f16(acc[t][1], w0, x, t);         \
  acc[t][1] = vfmlalq_laneq_high_f16(acc[t][1], w0, x, t + 4);     \
  acc[t][2] = vfmlalq_laneq_low_f16(acc[t][2], w1, x, t);          \
  acc[t][2] = vfmlalq_laneq_low_f16(acc[t][2], w1, x, t + 4);      \
  acc[t][3] = vfmlalq_laneq_high_f16(acc[t][3], w1, x, t);         \
  acc[t][3] = vfmlalq_laneq_high_f16(acc[t][3], w1, x, t + 4);
    SMOLC_T(0) SMOLC_T(1) SMOLC_T(2) SMOLC_T(3)
#undef SMOLC_T
  }
  for (int t = 0; t < 4; ++t)
    for (int v = 0; v < 4; ++v) vst1q_f32(y + 16 * t + 4 * v, acc[t][v]);
}

// The same tile with the activations rounded to f16 once (lanes 0..3 only):
// half the fmlal, not exact enough (method 3 above).
extern "C" __attribute__((noinline)) void f16_gemm_fmlal_once(const float16_t* panel, const float16x8_t* xs, int K,
                                                              float* y) {
  float32x4_t acc[4][4];
  for (auto& t : acc)
    for (auto& a : t) a = vdupq_n_f32(0);
  for (int k = 0; k < K; ++k) {
    const float16x8_t w0 = vld1q_f16(panel + 16 * k), w1 = vld1q_f16(panel + 16 * k + 8);
    const float16x8_t x = xs[k];
#define SMOLC_T(t)                                          \
  acc[t][0] = vfmlalq_laneq_low_f16(acc[t][0], w0, x, t);  \
  acc[t][1] = vfmlalq_laneq_high_f16(acc[t][1], w0, x, t); \
  acc[t][2] = vfmlalq_laneq_low_f16(acc[t][2], w1, x, t);  \
  acc[t][3] = vfmlalq_laneq_high_f16(acc[t][3], w1, x, t);
    SMOLC_T(0) SMOLC_T(1) SMOLC_T(2) SMOLC_T(3)
#undef SMOLC_T
  }
  for (int t = 0; t < 4; ++t)
    for (int v = 0; v < 4; ++v) vst1q_f32(y + 16 * t + 4 * v, acc[t][v]);
}

namespace {

// The four dots of w[0..K) and x[0..K) (K a multiple of 8).
void dots(const float16_t* wp, const float* xp, int K, double y[4]) {
  float32x4_t widen = vdupq_n_f32(0), once = vdupq_n_f32(0), split = vdupq_n_f32(0);
  float16x8_t native = vdupq_n_f16(0);
  for (int k = 0; k < K; k += 8) {
    const float16x8_t w = vld1q_f16(wp + k);
    const float32x4_t x0 = vld1q_f32(xp + k), x1 = vld1q_f32(xp + k + 4);
    widen = vfmaq_f32(widen, vcvt_f32_f16(vget_low_f16(w)), x0);
    widen = vfmaq_f32(widen, vcvt_high_f32_f16(w), x1);
    const float16x8_t hi = vcvt_high_f16_f32(vcvt_f16_f32(x0), x1);
    const float32x4_t r0 = vsubq_f32(x0, vcvt_f32_f16(vget_low_f16(hi))), r1 = vsubq_f32(x1, vcvt_high_f32_f16(hi));
    const float16x8_t lo = vcvt_high_f16_f32(vcvt_f16_f32(r0), r1);
    native = vfmaq_f16(native, w, hi);
    once = vfmlalq_high_f16(vfmlalq_low_f16(once, w, hi), w, hi);
    split = vfmlalq_high_f16(vfmlalq_low_f16(split, w, hi), w, hi);
    split = vfmlalq_high_f16(vfmlalq_low_f16(split, w, lo), w, lo);
  }
  y[0] = vaddvq_f32(widen);
  y[1] = vaddvq_f32(vaddq_f32(vcvt_f32_f16(vget_low_f16(native)), vcvt_high_f32_f16(native)));
  y[2] = vaddvq_f32(once);
  y[3] = vaddvq_f32(split);
}

}  // namespace

int main() {
  const int M = 64, K = 576, T = 8;
  std::mt19937 rng(1);
  std::normal_distribution<float> d(0, 1);
  std::vector<float16_t> W(M * K);
  std::vector<float> X(T * K);
  for (auto& w : W) w = float16_t(d(rng) * 0.05f);
  for (auto& x : X) x = d(rng);
  double worst[4] = {0, 0, 0, 0}, num[4] = {0, 0, 0, 0}, den = 0;
  for (int t = 0; t < T; ++t)
    for (int r = 0; r < M; ++r) {
      double ref = 0, mag = 0;
      for (int k = 0; k < K; ++k) {
        const double p = double(float(W[r * K + k])) * X[t * K + k];
        ref += p;
        mag += std::fabs(p);
      }
      double y[4];
      dots(&W[r * K], &X[t * K], K, y);
      for (int i = 0; i < 4; ++i) {
        worst[i] = std::fmax(worst[i], std::fabs(y[i] - ref) / mag);
        num[i] += (y[i] - ref) * (y[i] - ref);
      }
      den += ref * ref;
    }
  const char* name[4] = {"f32 widen fma", "fmla.8h x->f16", "fmlal x->f16", "fmlal x=hi+lo"};
  for (int i = 0; i < 4; ++i)
    std::printf("%-16s worst |err|/sum|wx| %.3g  NMSE %.3g\n", name[i], worst[i], num[i] / den);
  // The gemm tile against the same double sums (keeps f16_gemm_fmlal honest:
  // what llvm-mca models is a correct kernel).
  std::vector<float16_t> panel(16 * K);
  std::vector<float16x8_t> xs(K);
  for (int k = 0; k < K; ++k) {
    for (int r = 0; r < 16; ++r) panel[16 * k + r] = W[r * K + k];
    float16_t l[8];
    for (int t = 0; t < 4; ++t) {
      l[t] = float16_t(X[t * K + k]);
      l[t + 4] = float16_t(X[t * K + k] - float(l[t]));
    }
    xs[k] = vld1q_f16(l);
  }
  float y[64];
  f16_gemm_fmlal(panel.data(), xs.data(), K, y);
  double tile_worst = 0;
  for (int t = 0; t < 4; ++t)
    for (int r = 0; r < 16; ++r) {
      double ref = 0, mag = 0;
      for (int k = 0; k < K; ++k) {
        const double p = double(float(W[r * K + k])) * X[t * K + k];
        ref += p;
        mag += std::fabs(p);
      }
      tile_worst = std::fmax(tile_worst, std::fabs(y[16 * t + r] - ref) / mag);
    }
  std::printf("f16_gemm_fmlal   worst |err|/sum|wx| %.3g (16 rows x 4 tokens)\n", tile_worst);
}
