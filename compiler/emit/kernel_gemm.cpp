// emit_gemm: the prefill kernel (tile_n tokens x tile_m rows register tile,
// compute-bound). Templates: templates/gemm/gemm-<isa>.cpp.in.
#include "emit/kernel_api.h"
#include "emit/kernel_emit.h"

namespace smolc {

KernelSource emit_gemm(const KernelSpec& s, const std::string& prefix) {
  return kernel_detail::emit_kernel(s, prefix, KernelOp::Gemm);
}

}  // namespace smolc
