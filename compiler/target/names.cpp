// Printable names of instruction sets (used in file and
// function names of generated kernels, so they must stay identifier-safe).
#include "target/target.h"

namespace smolc {

const char* isa_name(Isa i) { return target::isa_desc(i).name; }

bool isa_is_aarch64(Isa i) { return target::isa_desc(i).family == target::IsaFamily::AArch64; }
// Scalar kernels are host code too: the x86 kernel tests run them.
bool isa_is_x86(Isa i) {
  const target::IsaFamily f = target::isa_desc(i).family;
  return f == target::IsaFamily::X86 || f == target::IsaFamily::Scalar;
}

}  // namespace smolc
