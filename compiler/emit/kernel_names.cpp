// Printable names of weight formats and instruction sets (used in file and
// function names of generated kernels, so they must stay identifier-safe).
#include "emit/kernel_api.h"

namespace smolc {

const char* wformat_name(WFormat f) {
  switch (f) {
    case WFormat::F32: return "f32";
    case WFormat::BF16: return "bf16";
    case WFormat::F16: return "f16";
    case WFormat::Q8: return "q8";
    case WFormat::Q4: return "q4";
    case WFormat::Q16: return "q16";
  }
  return "?";
}

bool is_quantized(WFormat f) { return f == WFormat::Q8 || f == WFormat::Q4 || f == WFormat::Q16; }

bool uses_a8_input(WFormat f) { return f == WFormat::Q8 || f == WFormat::Q4; }

const char* isa_name(Isa i) {
  switch (i) {
    case Isa::Scalar: return "scalar";
    case Isa::AVX2: return "avx2";
    case Isa::AVX512: return "avx512";
    case Isa::NEON: return "neon";
    case Isa::NEON_DOT: return "neondot";
    case Isa::WASM_SIMD128: return "simd128";
    case Isa::NEON_I8MM: return "i8mm";
  }
  return "?";
}

bool isa_is_aarch64(Isa i) { return i == Isa::NEON || i == Isa::NEON_DOT || i == Isa::NEON_I8MM; }
bool isa_is_x86(Isa i) { return i == Isa::Scalar || i == Isa::AVX2 || i == Isa::AVX512; }

}  // namespace smolc
