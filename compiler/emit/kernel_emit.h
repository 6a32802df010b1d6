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

// Renders templates/<op>/<op>-<isa>.cpp.in for the spec into a KernelSource.
KernelSource emit_kernel(const KernelSpec& s, const std::string& prefix, const char* op);

}  // namespace smolc::kernel_detail
