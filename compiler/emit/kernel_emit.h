// Internal to the kernel emitters: spec validation, names and the template
// variables every kernel template sees.
#pragma once
#include <cstddef>
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
// Rows per payload interleave group of a spec (PackedLayout::interleave): 8
// where the spec's kernels dot 8 rows at once from interleaved units (q8, q4
// on AVX2; 4 on NEON), tile_m where they read element k of the whole panel at
// once (q16 on AVX2 and NEON), else 1.
int quant_interleave(const KernelSpec& s);
// Bytes of one row in one interleave unit (4: q8's 4 elements or q4's 8, one
// int32 lane; 2: one q16 element, one f32 lane once widened; 8 on NEON_I8MM
// q8/q4: one row of smmla's 2x8 operand).
int quant_interleave_unit(const KernelSpec& s);
// Byte offset, inside a block group's payload area, of payload byte j of panel
// row r (the row-major offset r * payload + j when the interleave is 1).
size_t quant_payload_offset(WFormat f, int interleave, int unit, int r, int j);

// Renders the spec's template into a KernelSource: templates/<op>/<op>-<isa>.cpp.in
// (float formats; AVX2 and AVX-512 share <op>-x86) or templates/<op>/q-<op>-<isa>.cpp.in
// (block formats; NEON, NEON_DOT and NEON_I8MM share <op>-neon and q-<op>-neon, except
// the NEON_I8MM q8/q4 gemm, q-gemm-i8mm, and its bf16 gemm, gemm-i8mm);
// row kernels always use the scalar template.
KernelSource emit_kernel(const KernelSpec& s, const std::string& prefix, const char* op);

}  // namespace smolc::kernel_detail
