// Internal to the kernel emitters: names and the template variables every
// kernel template sees (spec validation and the packed layout:
// lower/packed_layout.h).
#pragma once
#include <cstddef>
#include <string>

#include "emit/kernel_api.h"
#include "emit/template_engine.h"

namespace smolc::kernel_detail {

// "bf16-gemv-576x1536-32r-avx512" (gemm adds the token tile: "-32r8t-").
std::string kernel_stem(const KernelSpec& s, const char* op);

// Renders the spec's template into a KernelSource: templates/<op>/<op>-<isa>.cpp.in
// (float formats; AVX2 and AVX-512 share <op>-x86) or templates/<op>/q-<op>-<isa>.cpp.in
// (block formats; NEON, NEON_DOT and NEON_I8MM share <op>-neon and q-<op>-neon, except
// the NEON_I8MM q8/q4 gemm, q-gemm-i8mm, and its bf16 gemm, gemm-i8mm);
// row kernels always use the scalar template.
KernelSource emit_kernel(const KernelSpec& s, const std::string& prefix, KernelOp op);

}  // namespace smolc::kernel_detail
