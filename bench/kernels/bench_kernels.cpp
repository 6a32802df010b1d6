// Kernel benchmarks on SmolLM2-135M shapes, single thread:
//   read bandwidth (STREAM-like sum) over an L2-, L3- and DRAM-sized buffer;
//   gemv GB/s of packed weights streamed (hot: one matrix reused, so it sits
//   in cache when it fits; cold: rotating copies totalling >= 512 MiB);
//   gemm GFLOP/s (2*M*K*n) for an n-token prefill (n = 128, or $SMOLC_BENCH_TOKENS).
// Quantised q8/q4 kernels take the input as int8 activation blocks
// (smolc_quantize_a8, done once per input outside the timed call, as the
// engine does); their gemm "GFLOP/s" counts the same 2*M*K*n operations.
// Every variant of the kernel list this CPU can run is generated, compiled
// with clang++-19 -O2 (engines' flag; $SMOLC_BENCH_CXX and $SMOLC_BENCH_OPT
// pick another compiler or level, e.g. g++ -O3) and loaded, as the tests do.
//   bench_kernels [FILTER]   (FILTER: substrings of variant names, comma-separated, e.g. "q8-gemv,q4-gemv")
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <random>
#include <string>
#include <vector>

#include "bench/kernels/stream_read.h"
#include "emit/kernel_api.h"
#include "emit/kernel_variant.h"
#include "quantize/quant_matmul.h"
#include "schedule/kernel_list.h"
#include "tests/kernels/kernel_jit.h"

using namespace smolc;

namespace {

// Thread CPU time, not wall time: the machine is shared by many processes,
// and time spent descheduled is not the kernel's. Memory stalls still count.
double now_s() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return double(ts.tv_sec) + 1e-9 * double(ts.tv_nsec);
}

// Best (minimum) seconds per call over 5 rounds of >= 0.1 s each.
template <class F>
double best_time(F&& f) {
  f();
  double best = 1e30;
  for (int round = 0; round < 5; ++round) {
    int reps = 0;
    double t0 = now_s(), t1 = t0;
    do {
      f();
      ++reps;
      t1 = now_s();
    } while (t1 - t0 < 0.1);
    best = std::min(best, (t1 - t0) / reps);
  }
  return best;
}

struct AlignedBuf {
  std::vector<uint8_t> v;
  uint8_t* p = nullptr;
  explicit AlignedBuf(size_t n) : v(n + 64) {
    p = v.data() + (64 - reinterpret_cast<uintptr_t>(v.data()) % 64) % 64;
  }
};

struct Shape {
  const char* what;
  int64_t M, K;
};
// Fused QKV (576 + 2*192 rows), wo, fused gate|up (2*1536), down, tied lm_head.
const Shape kShapes[] = {
    {"wqkv", 960, 576}, {"wo", 576, 576}, {"w1|w3", 3072, 576}, {"w2", 576, 1536}, {"lm_head", 49152, 576}};

// The input a kernel of format fmt reads for n tokens of x [n, K]: x itself,
// or int8 activation blocks (q8, q4).
struct KernelInput {
  std::vector<smolc_block_a8> blocks;
  const void* p = nullptr;
};
KernelInput kernel_input(Format fmt, const std::vector<float>& x, int n, int64_t K) {
  KernelInput in;
  in.p = x.data();
  if (!uses_a8_input(fmt)) return in;
  for (int t = 0; t < n; ++t) {
    const auto a = quant::quantize_activations(x.data() + t * K, K);
    in.blocks.insert(in.blocks.end(), a.begin(), a.end());
  }
  in.p = in.blocks.data();
  return in;
}
using A8GemvFn = void (*)(const void* w, const void* xa, float* y, int row_begin, int row_end);
using A8GemmFn = void (*)(const void* w, const void* xa, int n, float* y, int ldy, int row_begin, int row_end);

// Calls a gemv/gemm through its real signature (f32 x or int8 blocks).
void call_gemv(void* sym, Format fmt, const void* w, const void* x, float* y, int rb, int re) {
  if (uses_a8_input(fmt)) reinterpret_cast<A8GemvFn>(sym)(w, x, y, rb, re);
  else reinterpret_cast<test::GemvFn>(sym)(w, static_cast<const float*>(x), y, rb, re);
}
void call_gemm(void* sym, Format fmt, const void* w, const void* x, int n, float* y, int ldy, int rb, int re) {
  if (uses_a8_input(fmt)) reinterpret_cast<A8GemmFn>(sym)(w, x, n, y, ldy, rb, re);
  else reinterpret_cast<test::GemmFn>(sym)(w, static_cast<const float*>(x), n, y, ldy, rb, re);
}

// Returns the 512 MiB (DRAM) read bandwidth in GB/s.
double bench_stream() {
  std::printf("## Read bandwidth (1 thread, AVX2 sum)\n\n| buffer | GB/s |\n|---|---|\n");
  volatile float sink = 0;
  double dram = 0;
  for (size_t mib : {size_t(0), size_t(8), size_t(512)}) {
    const size_t bytes = mib ? mib << 20 : size_t(512) << 10;  // 512 KiB ~ L2
    std::vector<float> buf(bytes / 4, 1.0f);
    const double t = best_time([&] { sink = sink + bench::stream_read_sum(buf.data(), buf.size()); });
    std::printf("| %s | %.1f |\n", mib ? (std::to_string(mib) + " MiB").c_str() : "512 KiB", double(bytes) / t / 1e9);
    dram = double(bytes) / t / 1e9;
  }
  std::printf("\n");
  return dram;
}

// The DRAM stream by load width: 256-bit, 512-bit, and 512-bit vectors from
// two 256-bit loads. 20 interleaved passes each over 512 MiB, summed wall
// time, so that a drift of the machine's bandwidth hits all three alike.
void bench_load_width() {
#if defined(__x86_64__)
  if (!host_supports(Isa::AVX512)) return;
  std::vector<float> buf(size_t(512) << 18, 1.0f);
  float (*const sums[3])(const float*, size_t) = {bench::stream_read_sum, bench::stream_read_sum512,
                                                   bench::stream_read_sum512_halves};
  const char* names[3] = {"256-bit loads", "512-bit loads", "512-bit from two 256-bit loads"};
  double total[3] = {0, 0, 0};
  volatile float sink = 0;
  for (int pass = 0; pass < 20; ++pass)
    for (int k = 0; k < 3; ++k) {
      const int i = (k + pass) % 3;
      const double t0 = now_s();
      sink = sink + sums[i](buf.data(), buf.size());
      total[i] += now_s() - t0;
    }
  std::printf("## DRAM read by load width (1 thread, 512 MiB, 20 interleaved passes)\n\n| loads | GB/s |\n|---|---|\n");
  for (int i = 0; i < 3; ++i) std::printf("| %s | %.1f |\n", names[i], 20.0 * double(buf.size() * 4) / total[i] / 1e9);
  std::printf("\n");
#endif
}

// $name, or fallback where it is unset or empty.
std::string env_or(const char* name, const char* fallback) {
  const char* v = std::getenv(name);
  return v && *v ? v : fallback;
}

// FILTER: substrings separated by ',' (any one matches); empty matches all.
bool matches(const std::string& filter, const std::string& name) {
  if (filter.empty()) return true;
  size_t at = 0;
  while (true) {
    const size_t end = filter.find(',', at);
    if (name.find(filter.substr(at, end - at)) != std::string::npos) return true;
    if (end == std::string::npos) return false;
    at = end + 1;
  }
}

}  // namespace

int main(int argc, char** argv) {
  const std::string filter = argc > 1 ? argv[1] : "";
  std::printf("host ISA: %s\n\n", isa_name(detect_host_isa()));
  const double dram = bench_stream();
  bench_load_width();

  std::vector<KernelVariant> vars;
  for (const auto& v : kernel_variants()) {
    if (v.op == KernelOp::Row || !host_supports(v.isa)) continue;
    if (!matches(filter, variant_name(v))) continue;
    vars.push_back(v);
  }
  std::vector<KernelSource> srcs;
  for (const auto& v : vars)
    for (const Shape& sh : kShapes) srcs.push_back(emit_variant(v, sh.M, sh.K, "b_"));
  // Quantised kernels include "quant/smolc_quant.h" from runtime/.
  const std::string compiler = env_or("SMOLC_BENCH_CXX", "clang++-19");
  const std::string opt = env_or("SMOLC_BENCH_OPT", "-O2");
  std::printf("kernels compiled by: %s %s\n\n", compiler.c_str(), opt.c_str());
  const std::string cxx = compiler + " -I" + SMOLC_SOURCE_DIR + "/runtime";
  test::JitResult jr = test::jit_compile(srcs, "/tmp/smolc-bench-kernels", cxx, opt);
  if (!jr.lib) {
    std::fprintf(stderr, "compiling kernels failed:\n%s\n", jr.log.c_str());
    return 1;
  }

  std::mt19937 rng(1);
  std::normal_distribution<float> nd(0.0f, 0.05f);
  std::printf("## gemv (decode), 1 thread: GB/s of packed weights\n\n");
  std::printf("| variant | matrix | MxK | MiB | hot GB/s | cold GB/s | cold %% of DRAM read | cold us/call |\n"
              "|---|---|---|---|---|---|---|---|\n");
  size_t si = 0;
  for (const auto& v : vars) {
    for (const Shape& sh : kShapes) {
      const KernelSource& src = srcs[si++];
      if (v.op != KernelOp::Gemv) continue;
      void* fn = jr.lib->symbol(src.function_name);
      const KernelSpec s = variant_spec(v, sh.M, sh.K);
      std::vector<float> W(size_t(sh.M * sh.K));
      for (auto& w : W) w = nd(rng);
      const size_t bytes = packed_weight_bytes(s);
      const size_t copies = std::max<size_t>(1, (size_t(512) << 20) / bytes + 1);
      AlignedBuf packed(bytes * copies);
      pack_weights(s, W.data(), packed.p);
      for (size_t c = 1; c < copies; ++c) std::memcpy(packed.p + c * bytes, packed.p, bytes);
      std::vector<float> x(size_t(sh.K)), y(size_t(sh.M));
      for (auto& xv : x) xv = nd(rng) * 20.0f;
      const KernelInput in = kernel_input(v.fmt, x, 1, sh.K);
      const double hot = best_time([&] { call_gemv(fn, v.fmt, packed.p, in.p, y.data(), 0, int(sh.M)); });
      size_t c = 0;
      const double cold = best_time([&] {
        call_gemv(fn, v.fmt, packed.p + c * bytes, in.p, y.data(), 0, int(sh.M));
        c = (c + 1) % copies;
      });
      std::printf("| %s | %s | %lldx%lld | %.2f | %.1f | %.1f | %.0f %% | %.1f |\n", variant_name(v).c_str(), sh.what,
                  (long long)sh.M, (long long)sh.K, double(bytes) / 1048576.0, double(bytes) / hot / 1e9,
                  double(bytes) / cold / 1e9, 100.0 * double(bytes) / cold / 1e9 / dram, cold * 1e6);
      std::fflush(stdout);
    }
  }

  // Tokens per gemm call: 128 by default; $SMOLC_BENCH_TOKENS sets the
  // engine's prefill step instead (kPrefill of the target, e.g. 32 on avx512).
  const int env_n = std::atoi(env_or("SMOLC_BENCH_TOKENS", "128").c_str());
  const int n = env_n > 0 ? env_n : 128;
  std::printf("\n## gemm (prefill, %d tokens), 1 thread\n\n| variant | matrix | MxK | GFLOP/s |\n|---|---|---|---|\n", n);
  si = 0;
  for (const auto& v : vars) {
    for (const Shape& sh : kShapes) {
      const KernelSource& src = srcs[si++];
      if (v.op != KernelOp::Gemm || sh.M > 4096) continue;  // prefill needs lm_head for the last token only
      void* fn = jr.lib->symbol(src.function_name);
      const KernelSpec s = variant_spec(v, sh.M, sh.K);
      std::vector<float> W(size_t(sh.M * sh.K));
      for (auto& w : W) w = nd(rng);
      AlignedBuf packed(packed_weight_bytes(s));
      pack_weights(s, W.data(), packed.p);
      std::vector<float> x(size_t(n * sh.K)), y(size_t(n * sh.M));
      for (auto& xv : x) xv = nd(rng) * 20.0f;
      const KernelInput in = kernel_input(v.fmt, x, n, sh.K);
      const double t = best_time([&] { call_gemm(fn, v.fmt, packed.p, in.p, n, y.data(), int(sh.M), 0, int(sh.M)); });
      std::printf("| %s | %s | %lldx%lld | %.1f |\n", variant_name(v).c_str(), sh.what, (long long)sh.M,
                  (long long)sh.K, 2.0 * double(sh.M * sh.K) * n / t / 1e9);
      std::fflush(stdout);
    }
  }
  return 0;
}
