// Packing of [M, K] weights into tile_m-row panels (layouts documented at
// PackedLayout in kernel_api.h): element panels for f32/bf16/f16, block-group
// panels for the quantised formats.
#include <cstring>
#include <stdexcept>
#include <string>

#include "emit/kernel_api.h"
#include "emit/kernel_emit.h"
#include "frontend/dequant.h"
#include "quant/quantize.h"

namespace smolc {
namespace {

size_t round64(size_t n) { return (n + 63) / 64 * 64; }

}  // namespace

quant::QFormat block_format(WFormat f) {
  switch (f) {
    case WFormat::Q8: return quant::QFormat::Q8;
    case WFormat::Q4: return quant::QFormat::Q4;
    case WFormat::Q16: return quant::QFormat::Q16;
    default: break;
  }
  throw std::invalid_argument(std::string(wformat_name(f)) + " is not a block format");
}

PackedLayout packed_layout(const KernelSpec& s) {
  kernel_detail::validate_spec(s, "pack");
  PackedLayout l;
  l.panels = (s.M + s.tile_m - 1) / s.tile_m;
  if (is_quantized(s.fmt)) {
    const int64_t kb = (s.K + SMOLC_QBLOCK - 1) / SMOLC_QBLOCK;
    l.elem_bytes = 0;
    l.k_pack = SMOLC_QBLOCK;
    l.k_padded = kb * SMOLC_QBLOCK;
    l.group_bytes = size_t(s.tile_m) * size_t(kernel_detail::quant_scale_bytes(s.fmt) + kernel_detail::quant_payload_bytes(s.fmt));
    l.panel_bytes = round64(size_t(kb) * l.group_bytes);
    l.interleave = kernel_detail::quant_interleave(s);
    l.interleave_unit = kernel_detail::quant_interleave_unit(s);
    return l;
  }
  l.elem_bytes = s.fmt == WFormat::F32 ? 4 : 2;
  l.k_pack = s.fmt == WFormat::BF16 ? 2 : 1;
  l.k_padded = (s.K + l.k_pack - 1) / l.k_pack * l.k_pack;
  l.panel_bytes = round64(size_t(s.tile_m) * size_t(l.k_padded) * size_t(l.elem_bytes));
  return l;
}

size_t packed_weight_bytes(const KernelSpec& s) {
  PackedLayout l = packed_layout(s);
  return size_t(l.panels) * l.panel_bytes;
}

void pack_quant_weights(const KernelSpec& s, const quant::QuantMatrix& q, uint8_t* out) {
  const quant::QFormat want = block_format(s.fmt);
  // Q4_0 blocks (GGUF) have exactly the q4 bytes and meaning.
  const bool fmt_ok = q.fmt == want || (want == quant::QFormat::Q4 && q.fmt == quant::QFormat::Q4_0);
  if (!fmt_ok)
    throw std::invalid_argument(std::string("pack: ") + quant::qformat_name(q.fmt) + " matrix for a " +
                                wformat_name(s.fmt) + " kernel");
  if (q.rows != s.M || q.cols != s.K)
    throw std::invalid_argument("pack: matrix is " + std::to_string(q.rows) + "x" + std::to_string(q.cols) +
                                ", kernel spec is " + std::to_string(s.M) + "x" + std::to_string(s.K));
  // Measurement-only f32 scales have no place in the f16-scale block bytes.
  if (!q.f32_scales.empty()) throw std::invalid_argument("pack: matrix was quantised with f32_scale (measurement only)");
  const PackedLayout l = packed_layout(s);
  const size_t sb = size_t(kernel_detail::quant_scale_bytes(s.fmt));
  const size_t pb = size_t(kernel_detail::quant_payload_bytes(s.fmt));
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
          payloads[kernel_detail::quant_payload_offset(s.fmt, l.interleave, l.interleave_unit, int(rr), int(j))] = blk[sb + j];
      }
    }
  }
}

void pack_weights(const KernelSpec& s, const float* W, uint8_t* out) {
  if (is_quantized(s.fmt)) {
    const quant::QuantMatrix q = quant::quantize_matrix(block_format(s.fmt), W, s.M, s.K, "weights");
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
      if (s.fmt == WFormat::F32) {
        std::memcpy(panel + idx * 4, &v, 4);
      } else {
        const uint16_t h = s.fmt == WFormat::BF16 ? f32_to_bf16(v) : f32_to_f16(v);
        std::memcpy(panel + idx * 2, &h, 2);
      }
    }
  }
}

}  // namespace smolc
