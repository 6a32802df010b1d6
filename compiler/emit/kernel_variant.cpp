#include "emit/kernel_variant.h"

namespace smolc {

KernelSource emit_variant(const KernelVariant& v, int64_t M, int64_t K, const std::string& prefix) {
  const KernelSpec s = variant_spec(v, M, K);
  switch (v.op) {
    case KernelOp::Gemv: return emit_gemv(s, prefix);
    case KernelOp::Gemm: return emit_gemm(s, prefix);
    case KernelOp::Row: return emit_row_unpack(s, prefix);
  }
  return {};
}

}  // namespace smolc
