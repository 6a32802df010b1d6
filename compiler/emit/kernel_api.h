// The contract between the kernel templates (templates/, emit/kernel_*.cpp)
// and the engine emitter: what a matrix kernel is, how its weights are packed
// and the signature of the C++ function it generates.
//
// Every matrix product in the model is  y[t, r] = sum_k W[r, k] * x[t, k]
// with W of shape [M, K] (HF Linear layout, rows = output features).
// The schedule picks a KernelSpec per product; emit_* turns it into source
// text, pack_weights() into the exact byte stream that source reads.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "target/target.h"

namespace smolc {

// WFormat, Isa and KernelSpec: target/target.h.

struct KernelSource {
  std::string file_name;      // e.g. "bf16-gemv-576x1536-16r-avx512.cpp" (op, format, shape, tile, ISA)
  std::string function_name;  // C identifier, unique per spec, given a prefix
  std::string code;           // a complete translation unit, header comment naming template + "do not edit"
  std::vector<std::string> cxx_flags;  // extra flags this file needs, e.g. {"-mavx512f", ...}; empty for scalar
};

// Packed weight layout: ceil(M/tile_m) panels of tile_m rows (rows past M are
// zero). Inside a panel, K is cut into groups of k_pack consecutive columns
// (K padded with zero columns to a multiple of k_pack); a group stores, for
// each of the tile_m rows, its k_pack values:
//   element (r, k) at panel (r / tile_m), offset ((k / k_pack) * tile_m + r % tile_m) * k_pack + k % k_pack
// Each panel starts at a multiple of panel_bytes (a multiple of 64), so with a
// 64-byte aligned base every panel is 64-byte aligned.
//
// Quantised formats (Q8, Q4, Q16) use a block layout instead: a row is
// KB = ceil(K / 32) blocks (the tail block zero-padded). A panel of tile_m rows
// stores KB block groups in order; block group b is
//   tile_m scales of block b (f16 bits for Q8/Q4, f32 for Q16), row order, then
//   tile_m payloads of block b (Q8: 32 int8; Q4: 16 bytes, the nibble order of
//   smolc_block_q4; Q16: 32 int16), row order; with interleave R > 1 (AVX2:
//   R = 8 for Q8 and Q4, R = tile_m for Q16; NEON: R = 4 for Q8 and Q4,
//   R = tile_m for Q16) the payloads of each R
//   consecutive rows are interleaved in U-byte units instead (U = 4 for Q8
//   and Q4, 2 for Q16):
//   payload byte j of panel row r sits at
//     (r / R) * R * payload_bytes + (j / U) * R * U + (r % R) * U + j % U
//   in the payload area (R = 1: r * payload_bytes + j), so one 32-byte load
//   holds payload bytes 4u..4u+3 of 8 rows, row r in int32 lane r (Q8:
//   elements 4u..4u+3; Q4: low nibbles 4u..4u+3, high nibbles 16+4u..16+4u+3),
//   and one 16-byte load holds Q16 element k of 8 rows, row r in int16 lane r.
//   On NEON one 16-byte load holds 4-byte unit u of 4 rows, row r in int32
//   lane r: the operand order of `sdot` by lane and of smull + sadalp.
//   NEON_I8MM q8/q4: R = 2, U = 8: one 16-byte load holds 8-byte unit u of a
//   row pair (row 0 in bytes 0..7, row 1 in 8..15), the 2x8 int8 matrix
//   `smmla` multiplies (gemm); the gemv dots it by `sdot` against the
//   activation's 8 bytes in both halves.
// Rows past M have scale 0 and zero payload. k_pack = 32, k_padded = 32 * KB,
// elem_bytes = 0 and group_bytes is the size of one block group. The layout
// depends on the spec's ISA only through interleave; gemv, gemm and row
// kernels of one spec share it.
struct PackedLayout {
  int elem_bytes = 4;     // 4 f32, 2 bf16/f16, 0 for block formats
  int k_pack = 1;         // 1 f32/f16, 2 bf16 (pairs feed vdpbf16ps)
  int64_t k_padded = 0;   // K rounded up to k_pack
  int64_t panels = 0;     // ceil(M / tile_m)
  size_t panel_bytes = 0; // tile_m * k_padded * elem_bytes (block formats: KB * group_bytes) rounded up to 64
  size_t group_bytes = 0; // block formats only: tile_m * (scale + payload bytes)
  int interleave = 1;     // block formats only: rows per payload interleave group (1, 2, 4, 8, 16, or tile_m for Q16)
  int interleave_unit = 4;  // block formats only: bytes of one row per interleave unit (U above)
};
PackedLayout packed_layout(const KernelSpec& s);

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

// Packing: W is [M, K] row-major f32 (already in the model's final numbers,
// e.g. with RMSNorm gains folded in); the result is what the kernels stream.
size_t packed_weight_bytes(const KernelSpec& s);
void pack_weights(const KernelSpec& s, const float* W, uint8_t* out);
// Block formats: packs an already-quantised matrix (its QFormat must match
// s.fmt, rows == M, cols == K); GGUF Q8_0/Q4_0 blocks reach the engine this way
// bit for bit. pack_weights() on a block format quantises W with
// quant::quantize_matrix (default options) and calls this.
namespace quant {
struct QuantMatrix;
enum class QFormat;
}  // namespace quant
void pack_quant_weights(const KernelSpec& s, const quant::QuantMatrix& q, uint8_t* out);
// The quantiser's format of a block WFormat (Q8, Q4, Q16); std::invalid_argument otherwise.
quant::QFormat block_format(WFormat f);

// Host-side execution of the same computation on packed weights, used by the
// kernel tests as the reference (scalar, straightforward).
// For Q8/Q4 it quantises each token of x with smolc_quantize_a8 first and
// then computes exactly as quant::quant_matmul does.
void reference_gemm(const KernelSpec& s, const uint8_t* packed, const float* x, int n, float* y, int ldy);

}  // namespace smolc
