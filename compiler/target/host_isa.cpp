// Host ISA detection for `--target native`. The cpuid code is x86-only and
// compiled only there, the HWCAP code aarch64-only; every other architecture
// reports Scalar.
#include "target/target.h"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>

namespace smolc {
namespace {

struct X86Features {
  bool avx2_fma_f16c = false;
  bool avx512 = false;  // F + BW + VL + DQ + BF16 + VNNI (the q8/q4 kernels), with the OS saving zmm state
};

X86Features probe() {
  X86Features f;
  unsigned a, b, c, d;
  if (!__get_cpuid(1, &a, &b, &c, &d)) return f;
  const bool fma = c & (1u << 12), osxsave = c & (1u << 27), avx = c & (1u << 28), f16c = c & (1u << 29);
  if (!osxsave || !avx) return f;
  unsigned xcr0_lo, xcr0_hi;
  __asm__("xgetbv" : "=a"(xcr0_lo), "=d"(xcr0_hi) : "c"(0));
  const bool os_ymm = (xcr0_lo & 0x6u) == 0x6u;
  const bool os_zmm = (xcr0_lo & 0xe6u) == 0xe6u;
  if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return f;
  const bool avx2 = b & (1u << 5), vnni = c & (1u << 11);
  const bool f512 = b & (1u << 16), dq = b & (1u << 17), bw = b & (1u << 30), vl = b & (1u << 31);
  unsigned a1 = 0, b1, c1, d1;
  __get_cpuid_count(7, 1, &a1, &b1, &c1, &d1);
  const bool bf16 = a1 & (1u << 5);
  f.avx2_fma_f16c = os_ymm && avx2 && fma && f16c;
  f.avx512 = f.avx2_fma_f16c && os_zmm && f512 && dq && bw && vl && bf16 && vnni;
  return f;
}

}  // namespace

bool host_supports(Isa i) {
  static const X86Features f = probe();
  switch (i) {
    case Isa::Scalar: return true;
    case Isa::AVX2: return f.avx2_fma_f16c;
    case Isa::AVX512: return f.avx512;
    case Isa::NEON:
    case Isa::NEON_DOT:
    case Isa::NEON_I8MM:
    case Isa::WASM_SIMD128: return false;
  }
  return false;
}

}  // namespace smolc
#elif defined(__aarch64__)
#include <sys/auxv.h>

namespace smolc {
bool host_supports(Isa i) {
  // Advanced SIMD is part of every aarch64 CPU; dotprod and fp16 arithmetic are optional.
  static const unsigned long hw = getauxval(AT_HWCAP);
  static const unsigned long hw2 = getauxval(AT_HWCAP2);
  switch (i) {
    case Isa::Scalar:
    case Isa::NEON: return true;
    case Isa::NEON_DOT: return (hw & (1ul << 20)) && (hw & (1ul << 10));  // HWCAP_ASIMDDP, HWCAP_ASIMDHP
    case Isa::NEON_I8MM:                                                  // and HWCAP2_I8MM, HWCAP2_BF16
      return host_supports(Isa::NEON_DOT) && (hw2 & (1ul << 13)) && (hw2 & (1ul << 14));
    case Isa::WASM_SIMD128: return false;
    default: return false;
  }
}
}  // namespace smolc
#else
namespace smolc {
bool host_supports(Isa i) { return i == Isa::Scalar; }
}  // namespace smolc
#endif

namespace smolc {
Isa detect_host_isa() {
  if (host_supports(Isa::NEON_I8MM)) return Isa::NEON_I8MM;
  if (host_supports(Isa::NEON_DOT)) return Isa::NEON_DOT;
  if (host_supports(Isa::NEON)) return Isa::NEON;
  if (host_supports(Isa::AVX512)) return Isa::AVX512;
  if (host_supports(Isa::AVX2)) return Isa::AVX2;
  return Isa::Scalar;
}
}  // namespace smolc
