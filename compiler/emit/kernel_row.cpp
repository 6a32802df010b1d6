// emit_row_unpack: embedding lookup out = W[row, :] from the packed (tied)
// lm_head. Template: templates/row/row-scalar.cpp.in (any ISA).
#include "emit/kernel_api.h"
#include "emit/kernel_emit.h"

namespace smolc {

KernelSource emit_row_unpack(const KernelSpec& s, const std::string& prefix) {
  return kernel_detail::emit_kernel(s, prefix, KernelOp::Row);
}

}  // namespace smolc
