// reference_gemm: the kernels' computation done the obvious way on the packed
// bytes (double accumulation), for the kernel tests.
#include <cstring>
#include <vector>

#include "emit/kernel_api.h"
#include "frontend/dequant.h"

namespace smolc {

void reference_gemm(const KernelSpec& s, const uint8_t* packed, const float* x, int n, float* y, int ldy) {
  const PackedLayout l = packed_layout(s);
  std::vector<float> row(size_t(s.K));  // [K]
  for (int64_t r = 0; r < s.M; ++r) {
    const uint8_t* panel = packed + size_t(r / s.tile_m) * l.panel_bytes;
    for (int64_t k = 0; k < s.K; ++k) {
      const size_t idx = size_t(((k / l.k_pack) * s.tile_m + r % s.tile_m) * l.k_pack + k % l.k_pack);
      if (s.fmt == WFormat::F32) {
        std::memcpy(&row[size_t(k)], panel + idx * 4, 4);
      } else {
        uint16_t h;
        std::memcpy(&h, panel + idx * 2, 2);
        row[size_t(k)] = s.fmt == WFormat::BF16 ? bf16_to_f32(h) : f16_to_f32(h);
      }
    }
    for (int t = 0; t < n; ++t) {
      double acc = 0;
      for (int64_t k = 0; k < s.K; ++k) acc += double(row[size_t(k)]) * double(x[t * s.K + k]);
      y[size_t(t) * size_t(ldy) + size_t(r)] = float(acc);
    }
  }
}

}  // namespace smolc
