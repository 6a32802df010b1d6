// emit_gemv: the decode kernel y = W x (memory-bound; streams each packed
// panel once). Templates: templates/gemv/gemv-<isa>.cpp.in.
#include "emit/kernel_api.h"
#include "emit/kernel_emit.h"

namespace smolc {

KernelSource emit_gemv(const KernelSpec& s, const std::string& prefix) {
  return kernel_detail::emit_kernel(s, prefix, KernelOp::Gemv);
}

}  // namespace smolc
