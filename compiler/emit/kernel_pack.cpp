// Packing of [M, K] f32 weights into tile_m-row panels (layout documented at
// PackedLayout in kernel_api.h).
#include <cstring>

#include "emit/kernel_api.h"
#include "emit/kernel_emit.h"
#include "frontend/dequant.h"

namespace smolc {

PackedLayout packed_layout(const KernelSpec& s) {
  kernel_detail::validate_spec(s, "pack");
  PackedLayout l;
  l.elem_bytes = s.fmt == WFormat::F32 ? 4 : 2;
  l.k_pack = s.fmt == WFormat::BF16 ? 2 : 1;
  l.k_padded = (s.K + l.k_pack - 1) / l.k_pack * l.k_pack;
  l.panels = (s.M + s.tile_m - 1) / s.tile_m;
  size_t bytes = size_t(s.tile_m) * size_t(l.k_padded) * size_t(l.elem_bytes);
  l.panel_bytes = (bytes + 63) / 64 * 64;
  return l;
}

size_t packed_weight_bytes(const KernelSpec& s) {
  PackedLayout l = packed_layout(s);
  return size_t(l.panels) * l.panel_bytes;
}

void pack_weights(const KernelSpec& s, const float* W, uint8_t* out) {
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
