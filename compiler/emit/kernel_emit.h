// Internal to the kernel emitters: spec validation, names and the template
// variables every kernel template sees.
#pragma once
#include <string>

#include "emit/kernel_api.h"
#include "emit/template_engine.h"

namespace smolc::kernel_detail {

// Throws std::invalid_argument naming the bad field (specs come from the
// schedule, so a bad one is an internal error, not bad user input).
void validate_spec(const KernelSpec& s, const char* op);

// "bf16-gemv-576x1536-32r-avx512" (gemm adds the token tile: "-32r8t-").
std::string kernel_stem(const KernelSpec& s, const char* op);

// Block formats (Q8, Q4, Q16): bytes of one block's scale (f16 or f32) and of
// its payload (32 int8, 16 nibble bytes, 32 int16) in the packed block groups.
int quant_scale_bytes(WFormat f);
int quant_payload_bytes(WFormat f);

// Renders the spec's template into a KernelSource: templates/<op>/<op>-<isa>.cpp.in
// (float formats; AVX2 and AVX-512 share <op>-x86) or templates/<op>/q-<op>-<isa>.cpp.in
// (block formats); row kernels always use the scalar template.
KernelSource emit_kernel(const KernelSpec& s, const std::string& prefix, const char* op);

}  // namespace smolc::kernel_detail
