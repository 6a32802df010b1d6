// Printable names of weight formats and instruction sets (used in file and
// function names of generated kernels, so they must stay identifier-safe).
#include "target/target.h"

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

const char* isa_name(Isa i) { return target::isa_desc(i).name; }

bool isa_is_aarch64(Isa i) { return target::isa_desc(i).family == target::IsaFamily::AArch64; }
// Scalar kernels are host code too: the x86 kernel tests run them.
bool isa_is_x86(Isa i) {
  const target::IsaFamily f = target::isa_desc(i).family;
  return f == target::IsaFamily::X86 || f == target::IsaFamily::Scalar;
}

}  // namespace smolc
