// Packing of [M, K] weights into tile_m-row panels (layouts documented at
// PackedLayout in packed_layout.h): element panels for f32/bf16/f16, block-group
// panels for the quantised formats.
#include <cstring>
#include <stdexcept>
#include <string>

#include "frontend/dequant.h"
#include "lower/packed_layout.h"
#include "quantize/quantize.h"
#include "runtime/quant/smolc_quant.h"

namespace smolc {
namespace {

size_t round64(size_t n) { return (n + 63) / 64 * 64; }

}  // namespace

namespace layout {

int quant_scale_bytes(Format f) { return f == Format::Q16 ? 4 : 2; }

int quant_payload_bytes(Format f) {
  switch (f) {
    case Format::Q8: return SMOLC_QBLOCK;
    case Format::Q4: return SMOLC_QBLOCK / 2;
    case Format::Q16: return 2 * SMOLC_QBLOCK;
    default: break;
  }
  throw std::invalid_argument(std::string(format_name(f)) + " is not a block format");
}

// Interleave unit: 4 bytes for q8 and q4 (4 or 8 elements; one int32 lane),
// 2 bytes for q16 (one element, widened to one f32 lane). NEON_I8MM q8/q4:
// 8 bytes, one row of the 2x8 int8 operand of `smmla` (see quant_interleave).
int quant_interleave_unit(const KernelSpec& s) {
  if (s.fmt == Format::Q16) return 2;
  return s.isa == Isa::NEON_I8MM ? 8 : 4;
}

// q16 AVX2 interleaves the whole panel: its gemv reads element k of all the
// panel's rows at once, and with groups of 8 rows those reads hop between
// 512-byte row groups or repeat the broadcast of x per group, both slower
// cold (docs/performance-notes.md, "Tile measurements behind target_table").
// NEON: 4 rows x 4-byte units for q8/q4 (one q register = the 4 x 4 bytes
// `sdot` by lane reduces into 4 row lanes, and that smull + sadalp + one addp
// per block reduce the same way), the whole panel for q16 (as AVX2: element k
// of every row at once, no reduction).
// AVX-512 q8: 16 rows x 4-byte units, so one 64-byte load is unit u of 16
// rows, row r in int32 lane r: the operand vpdpbusd with a broadcast
// activation quad needs. The row-major layout cost the gemv a 4-round
// vpermt2d reduction and the gemm a transpose per block (docs/kernels.md).
// NEON_I8MM q8/q4: row pairs x 8-byte units, so one 16-byte load is the
// 2x8 int8 matrix `smmla` takes (row 0 bytes 8u..8u+7, then row 1's): the
// gemm feeds it straight from memory, where NEON's 4 x 4-byte units would
// need a zip1/zip2 per weight register (docs/kernels.md).
int quant_interleave(const KernelSpec& s) {
  if (s.isa == Isa::NEON_I8MM && (s.fmt == Format::Q8 || s.fmt == Format::Q4)) return 2;
  // wasm SIMD128 takes NEON's layout: 4 rows x 4-byte units for q8/q4 (two
  // rows' units widen into one int16 vector for i32x4.dot_i16x8_s), the
  // whole panel for q16.
  if (isa_is_aarch64(s.isa) || s.isa == Isa::WASM_SIMD128) {
    if (s.fmt == Format::Q16) return s.tile_m;
    return s.fmt == Format::Q8 || s.fmt == Format::Q4 ? 4 : 1;
  }
  if (s.isa == Isa::AVX512 && s.fmt == Format::Q8 && s.tile_m % 16 == 0) return 16;
  if (s.isa != Isa::AVX2 || s.tile_m % 8 != 0) return 1;
  if (s.fmt == Format::Q16) return s.tile_m;
  return s.fmt == Format::Q8 || s.fmt == Format::Q4 ? 8 : 1;
}

size_t quant_payload_offset(Format f, int interleave, int unit, int r, int j) {
  const size_t pb = size_t(quant_payload_bytes(f)), R = size_t(interleave), U = size_t(unit);
  if (R == 1) return size_t(r) * pb + size_t(j);
  return size_t(r) / R * R * pb + size_t(j) / U * R * U + size_t(r) % R * U + size_t(j) % U;
}

}  // namespace layout

void validate_spec(const KernelSpec& s, const char* op) {
  auto bad = [&](const std::string& what) { throw std::invalid_argument(std::string(op) + " kernel spec: " + what); };
  if (s.M < 1 || s.M > (int64_t(1) << 24)) bad("M=" + std::to_string(s.M) + " outside [1, 2^24]");
  if (s.K < 1 || s.K > (int64_t(1) << 20)) bad("K=" + std::to_string(s.K) + " outside [1, 2^20]");
  if (s.tile_m < 1 || s.tile_m > 256) bad("tile_m=" + std::to_string(s.tile_m) + " outside [1, 256]");
  const int lanes = target::isa_desc(s.isa).lanes;  // panels hold whole vectors of rows
  if (s.tile_m % lanes != 0)
    bad("tile_m=" + std::to_string(s.tile_m) + " is not a multiple of " + std::to_string(lanes) + " for " +
        isa_name(s.isa));
  if (s.tile_n < 1 || s.tile_n > 16) bad("tile_n=" + std::to_string(s.tile_n) + " outside [1, 16]");
  // Panel offsets are computed in 64-bit, but rows are ints in the signatures.
  if (s.M * s.K > (int64_t(1) << 34)) bad("M*K too large");
}

PackedLayout packed_layout(const KernelSpec& s) {
  validate_spec(s, "pack");
  PackedLayout l;
  l.panels = (s.M + s.tile_m - 1) / s.tile_m;
  if (is_quantized(s.fmt)) {
    const int64_t kb = (s.K + SMOLC_QBLOCK - 1) / SMOLC_QBLOCK;
    l.elem_bytes = 0;
    l.k_pack = SMOLC_QBLOCK;
    l.k_padded = kb * SMOLC_QBLOCK;
    l.group_bytes = size_t(s.tile_m) * size_t(layout::quant_scale_bytes(s.fmt) + layout::quant_payload_bytes(s.fmt));
    l.panel_bytes = round64(size_t(kb) * l.group_bytes);
    l.interleave = layout::quant_interleave(s);
    l.interleave_unit = layout::quant_interleave_unit(s);
    return l;
  }
  l.elem_bytes = s.fmt == Format::F32 ? 4 : 2;
  l.k_pack = s.fmt == Format::BF16 ? 2 : 1;
  l.k_padded = (s.K + l.k_pack - 1) / l.k_pack * l.k_pack;
  l.panel_bytes = round64(size_t(s.tile_m) * size_t(l.k_padded) * size_t(l.elem_bytes));
  return l;
}

size_t packed_weight_bytes(const KernelSpec& s) {
  PackedLayout l = packed_layout(s);
  return size_t(l.panels) * l.panel_bytes;
}

void pack_quant_weights(const KernelSpec& s, const quant::QuantMatrix& q, uint8_t* out) {
  if (!is_quantized(s.fmt) || q.fmt != s.fmt)
    throw std::invalid_argument(std::string("pack: ") + format_name(q.fmt) + " matrix for a " + format_name(s.fmt) +
                                " kernel");
  if (q.rows != s.M || q.cols != s.K)
    throw std::invalid_argument("pack: matrix is " + std::to_string(q.rows) + "x" + std::to_string(q.cols) +
                                ", kernel spec is " + std::to_string(s.M) + "x" + std::to_string(s.K));
  // Measurement-only f32 scales have no place in the f16-scale block bytes.
  if (!q.f32_scales.empty())
    throw std::invalid_argument("pack: matrix was quantised with f32_scale (measurement only)");
  const PackedLayout l = packed_layout(s);
  const size_t sb = size_t(layout::quant_scale_bytes(s.fmt));
  const size_t pb = size_t(layout::quant_payload_bytes(s.fmt));
  const size_t tm = size_t(s.tile_m);
  std::memset(out, 0, size_t(l.panels) * l.panel_bytes);  // rows past M: scale 0, zero payload
  for (int64_t r = 0; r < s.M; ++r) {
    uint8_t* panel = out + size_t(r / s.tile_m) * l.panel_bytes;
    const size_t rr = size_t(r % s.tile_m);
    for (int64_t b = 0; b < q.blocks_per_row; ++b) {
      uint8_t* group = panel + size_t(b) * l.group_bytes;
      const uint8_t* blk = q.block(r, b);  // scale first, then payload, in every block struct
      std::memcpy(group + rr * sb, blk, sb);
      uint8_t* payloads = group + tm * sb;
      if (l.interleave == 1) {
        std::memcpy(payloads + rr * pb, blk + sb, pb);
      } else {
        for (size_t j = 0; j < pb; ++j)
          payloads[layout::quant_payload_offset(s.fmt, l.interleave, l.interleave_unit, int(rr), int(j))] = blk[sb + j];
      }
    }
  }
}

void pack_weights(const KernelSpec& s, const float* W, uint8_t* out) {
  if (is_quantized(s.fmt)) {
    const quant::QuantMatrix q = quant::quantize_matrix(s.fmt, W, s.M, s.K, "weights");
    pack_quant_weights(s, q, out);
    return;
  }
  const PackedLayout l = packed_layout(s);
  std::memset(out, 0, size_t(l.panels) * l.panel_bytes);  // padding rows/columns are zero
  for (int64_t r = 0; r < s.M; ++r) {
    uint8_t* panel = out + size_t(r / s.tile_m) * l.panel_bytes;
    const int64_t rr = r % s.tile_m;
    for (int64_t k = 0; k < s.K; ++k) {
      const size_t idx = size_t(((k / l.k_pack) * s.tile_m + rr) * l.k_pack + k % l.k_pack);
      const float v = W[r * s.K + k];
      if (s.fmt == Format::F32) {
        std::memcpy(panel + idx * 4, &v, 4);
      } else {
        const uint16_t h = s.fmt == Format::BF16 ? f32_to_bf16(v) : f32_to_f16(v);
        std::memcpy(panel + idx * 2, &h, 2);
      }
    }
  }
}

}  // namespace smolc
