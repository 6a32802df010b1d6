// The packed weight layout: the byte stream every matrix kernel reads,
// written by the weight lowering (lower/lower_weights.h) and read by the
// kernel templates (emit/). Both sides include this header, so the packer
// and the kernels cannot disagree on a layout.
#pragma once
#include <cstddef>
#include <cstdint>

#include "target/target.h"

namespace smolc {

// Throws std::invalid_argument naming the bad field (specs come from the
// schedule, so a bad one is an internal error, not bad user input); `op`
// names the caller in the message.
void validate_spec(const KernelSpec& s, const char* op);

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
  int elem_bytes = 4;       // 4 f32, 2 bf16/f16, 0 for block formats
  int k_pack = 1;           // 1 f32/f16, 2 bf16 (pairs feed vdpbf16ps)
  int64_t k_padded = 0;     // K rounded up to k_pack
  int64_t panels = 0;       // ceil(M / tile_m)
  size_t panel_bytes = 0;   // tile_m * k_padded * elem_bytes (block formats: KB * group_bytes) rounded up to 64
  size_t group_bytes = 0;   // block formats only: tile_m * (scale + payload bytes)
  int interleave = 1;       // block formats only: rows per payload interleave group (1, 2, 4, 8, 16, or tile_m for Q16)
  int interleave_unit = 4;  // block formats only: bytes of one row per interleave unit (U above)
};
PackedLayout packed_layout(const KernelSpec& s);

// Packing: W is [M, K] row-major f32 (already in the model's final numbers,
// e.g. with RMSNorm gains folded in); the result is what the kernels stream.
size_t packed_weight_bytes(const KernelSpec& s);
void pack_weights(const KernelSpec& s, const float* W, uint8_t* out);
// Block formats: packs an already-quantised matrix (its format must be
// s.fmt, rows == M, cols == K); GGUF Q8_0/Q4_0 blocks reach the engine this way
// bit for bit. pack_weights() on a block format quantises W with
// quant::quantize_matrix (default options) and calls this.
namespace quant {
struct QuantMatrix;
}  // namespace quant
void pack_quant_weights(const KernelSpec& s, const quant::QuantMatrix& q, uint8_t* out);

namespace layout {

// Block formats (Q8, Q4, Q16): bytes of one block's scale (f16 or f32) and of
// its payload (32 int8, 16 nibble bytes, 32 int16) in the packed block groups.
int quant_scale_bytes(Format f);
int quant_payload_bytes(Format f);
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
size_t quant_payload_offset(Format f, int interleave, int unit, int r, int j);

}  // namespace layout
}  // namespace smolc
