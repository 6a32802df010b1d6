// reference_gemm: the kernels' computation done the obvious way on the packed
// bytes, for the kernel tests. Float formats accumulate in double; block
// formats compute exactly what compiler/quantize/quant_matmul.cpp computes
// (exact int32 block dots, f32 block sums in block order), read from the
// block-group panels.
#include <algorithm>
#include <cstring>
#include <vector>

#include "emit/kernel_api.h"
#include "emit/kernel_emit.h"
#include "frontend/dequant.h"
#include "runtime/quant/smolc_quant_act.h"

namespace smolc {
namespace {

constexpr int kB = SMOLC_QBLOCK;

// Block b of row r: its scale and its 32 integer weights (q4 offset removed).
struct RowBlock {
  float d = 0;
  int32_t q[kB] = {};
};

RowBlock read_block(const KernelSpec& s, const PackedLayout& l, const uint8_t* packed, int64_t r, int64_t b) {
  const size_t sb = size_t(layout::quant_scale_bytes(s.fmt));
  const size_t pb = size_t(layout::quant_payload_bytes(s.fmt));
  const size_t rr = size_t(r % s.tile_m);
  const uint8_t* group = packed + size_t(r / s.tile_m) * l.panel_bytes + size_t(b) * l.group_bytes;
  uint8_t payload[2 * kB];  // the row's payload bytes gathered from the (possibly interleaved) payload area
  for (size_t j = 0; j < pb; ++j)
    payload[j] = group[size_t(s.tile_m) * sb +
                       layout::quant_payload_offset(s.fmt, l.interleave, l.interleave_unit, int(rr), int(j))];
  RowBlock out;
  if (s.fmt == Format::Q16) {
    std::memcpy(&out.d, group + rr * sb, sizeof out.d);
    int16_t q[kB];
    std::memcpy(q, payload, sizeof q);
    for (int i = 0; i < kB; ++i) out.q[i] = q[i];
    return out;
  }
  uint16_t h;
  std::memcpy(&h, group + rr * sb, sizeof h);
  out.d = f16_to_f32(h);
  if (s.fmt == Format::Q8) {
    int8_t q[kB];
    std::memcpy(q, payload, sizeof q);
    for (int i = 0; i < kB; ++i) out.q[i] = q[i];
  } else {
    for (int i = 0; i < kB / 2; ++i) {
      out.q[i] = (payload[i] & 15) - 8;
      out.q[i + kB / 2] = (payload[i] >> 4) - 8;
    }
  }
  return out;
}

void reference_quant(const KernelSpec& s, const uint8_t* packed, const float* x, int n, float* y, int ldy) {
  const PackedLayout l = packed_layout(s);
  const int64_t kb = l.k_padded / kB;
  std::vector<smolc_block_a8> a(static_cast<size_t>(kb));  // [KB] one token's activation blocks
  for (int t = 0; t < n; ++t) {
    const float* xt = x + int64_t(t) * s.K;
    if (uses_a8_input(s.fmt)) smolc_quantize_a8(xt, int(s.K), a.data());
    for (int64_t r = 0; r < s.M; ++r) {
      float acc = 0;
      for (int64_t b = 0; b < kb; ++b) {
        const RowBlock w = read_block(s, l, packed, r, b);
        if (s.fmt == Format::Q16) {
          const int64_t cols = std::min<int64_t>(kB, s.K - b * kB);
          float sum = 0;
          for (int64_t i = 0; i < cols; ++i) sum += static_cast<float>(w.q[i]) * xt[b * kB + i];
          acc += w.d * sum;
        } else {
          int32_t isum = 0;
          for (int i = 0; i < kB; ++i) isum += w.q[i] * a[size_t(b)].qs[i];
          acc += static_cast<float>(isum) * (w.d * a[size_t(b)].d);
        }
      }
      y[size_t(t) * size_t(ldy) + size_t(r)] = acc;
    }
  }
}

}  // namespace

void reference_gemm(const KernelSpec& s, const uint8_t* packed, const float* x, int n, float* y, int ldy) {
  if (s.x_bf16) {  // --bf16-activations: the product of W and x rounded to bf16 once
    std::vector<float> xr(size_t(n) * size_t(s.K));
    for (size_t i = 0; i < xr.size(); ++i) xr[i] = bf16_to_f32(f32_to_bf16(x[i]));
    KernelSpec plain = s;
    plain.x_bf16 = false;
    reference_gemm(plain, packed, xr.data(), n, y, ldy);
    return;
  }
  if (is_quantized(s.fmt)) {
    reference_quant(s, packed, x, n, y, ldy);
    return;
  }
  const PackedLayout l = packed_layout(s);
  std::vector<float> row(size_t(s.K));  // [K]
  for (int64_t r = 0; r < s.M; ++r) {
    const uint8_t* panel = packed + size_t(r / s.tile_m) * l.panel_bytes;
    for (int64_t k = 0; k < s.K; ++k) {
      const size_t idx = size_t(((k / l.k_pack) * s.tile_m + r % s.tile_m) * l.k_pack + k % l.k_pack);
      if (s.fmt == Format::F32) {
        std::memcpy(&row[size_t(k)], panel + idx * 4, 4);
      } else {
        uint16_t h;
        std::memcpy(&h, panel + idx * 2, 2);
        row[size_t(k)] = s.fmt == Format::BF16 ? bf16_to_f32(h) : f16_to_f32(h);
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
