// The contract between the kernel templates (templates/, emit/kernel_*.cpp)
// and the engine emitter: what a matrix kernel is and the signature of the
// C++ function it generates. How its weights are packed:
// lower/packed_layout.h.
//
// Every matrix product in the model is  y[t, r] = sum_k W[r, k] * x[t, k]
// with W of shape [M, K] (HF Linear layout, rows = output features).
// The schedule picks a KernelSpec per product; emit_* turns it into source
// text, pack_weights() (lower/) into the exact byte stream that source reads.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "lower/packed_layout.h"
#include "schedule/kernel_list.h"
#include "target/target.h"

namespace smolc {

// Format, Isa and KernelSpec: target/target.h.

struct KernelSource {
  std::string file_name;               // e.g. "bf16-gemv-576x1536-16r-avx512.cpp" (op, format, shape, tile, ISA)
  std::string function_name;           // C identifier, unique per spec, given a prefix
  std::string code;                    // a complete translation unit, header comment naming template + "do not edit"
  std::vector<std::string> cxx_flags;  // extra flags this file needs, e.g. {"-mavx512f", ...}; empty for scalar
  KernelOp op = KernelOp::Gemv;        // the kernel list's op: picks the signature below
  bool a8_input = false;               // gemv/gemm of q8/q4: reads int8 activation blocks
};

// Generated signatures, all extern "C" (prefix makes names unique per engine, e.g. "smollm2_135m_bf16_"):
//   gemv: void F(const void* w, const float* x, float* y, int row_begin, int row_end);
//         y[r] = W[r,:] . x  for r in [row_begin, row_end)
//   gemm: void F(const void* w, const float* x, int n, float* y, int ldy, int row_begin, int row_end);
//         y[t*ldy + r] = W[r,:] . x[t*K : t*K+K]  for t < n, r in [row_begin, row_end)
//   Q8/Q4 (uses_a8_input): x is `const void* xa`, the input as smolc_block_a8
//         blocks: KB blocks per token, token t at block t * KB.
//   row:  void F(const void* w, int row, float* out);   out[0..K) = W[row, :]  (embedding lookup
//         from a tied, packed lm_head)
KernelSource emit_gemv(const KernelSpec& s, const std::string& prefix);
KernelSource emit_gemm(const KernelSpec& s, const std::string& prefix);
KernelSource emit_row_unpack(const KernelSpec& s, const std::string& prefix);

// The C declaration of a generated kernel (the signatures above), for the
// engine that calls it: "void F(...);".
std::string kernel_declaration(const KernelSource& k);

// Host-side execution of the same computation on packed weights, used by the
// kernel tests as the reference (scalar, straightforward).
// For Q8/Q4 it quantises each token of x with smolc_quantize_a8 first and
// then computes exactly as quant::quant_matmul does.
void reference_gemm(const KernelSpec& s, const uint8_t* packed, const float* x, int n, float* y, int ldy);

}  // namespace smolc
