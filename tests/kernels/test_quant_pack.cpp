// Block-format packing (q8, q4, q16) and the quantised reference_gemm:
// packed bytes unpacked by an independent reading of the layout documented at
// PackedLayout (compiler/emit/kernel_api.h) equal the QuantMatrix blocks bit for
// bit, and reference_gemm on packed weights computes what quant::quant_matmul
// computes on the QuantMatrix.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <stdexcept>
#include <vector>

#include "emit/kernel_api.h"
#include "quantize/quant_matmul.h"
#include "quantize/quantize.h"
#include "tests/support/test_support.h"

using namespace smolc;
using namespace smolc::quant;

namespace {

uint32_t test_seed() { return smolc::test::test_seed("quant packing tests"); }

std::vector<float> random_vec(std::mt19937& rng, size_t n, float sd) {
  std::normal_distribution<float> d(0.0f, sd);
  std::vector<float> v(n);
  for (auto& x : v) x = d(rng);
  return v;
}


// Sizes straight from the block structs of runtime/quant/smolc_quant.h.
size_t scale_bytes(Format f) { return f == Format::Q16 ? sizeof(float) : sizeof(uint16_t); }
size_t payload_bytes(Format f) {
  return f == Format::Q8 ? sizeof(smolc_block_q8{}.qs) : f == Format::Q4 ? sizeof(smolc_block_q4{}.qs)
                                                                          : sizeof(smolc_block_q16{}.qs);
}

struct Shape {
  int64_t M, K;
};
// M tails, M below one panel, K not a multiple of 32, K < 32, K = 1, whole blocks.
const Shape kShapes[] = {{69, 37}, {5, 48}, {40, 1}, {17, 29}, {33, 96}, {9, 300}};

KernelSpec spec(Format f, const Shape& sh, int tile_m, Isa isa = Isa::Scalar) {
  KernelSpec s;
  s.fmt = f;
  s.isa = isa;
  s.M = sh.M;
  s.K = sh.K;
  s.tile_m = tile_m;
  return s;
}

// The (spec, tile_m) pairs the layout tests cover: every interleave the
// packer knows (q8/q4/q16 AVX2 and q8 AVX-512 panels are interleaved, the rest
// row-major).
struct LayoutCase {
  Isa isa;
  int tile_m;
};
const LayoutCase kLayoutCases[] = {{Isa::Scalar, 1},  {Isa::Scalar, 8},  {Isa::Scalar, 16},    {Isa::Scalar, 32},
                                   {Isa::AVX2, 8},    {Isa::AVX2, 16},   {Isa::AVX2, 32},      {Isa::AVX512, 16},
                                   {Isa::AVX512, 32}, {Isa::NEON, 16},   {Isa::NEON_I8MM, 16}, {Isa::NEON_I8MM, 4}};

// kernel_api.h, PackedLayout: AVX2 panels interleave q8 and q4 rows in groups
// of 8 by 4-byte units (byte j of row r at unit j / 4, slot r % 8) and q16
// rows over the whole panel by 2-byte units (element j / 2 of row r at
// 2 * tile_m * (j / 2) + 2 * r); AVX-512 interleaves q8 rows in groups of 16
// by 4-byte units (byte j of row r at unit j / 4, slot r % 16); NEON
// interleaves q8 and q4 rows in groups of 4 by 4-byte units and q16 over the
// panel; NEON_I8MM q8 and q4 rows in pairs by 8-byte units (byte j of row r
// at unit j / 8, slot r % 2: smmla's 2x8 operand) and q16 as NEON; every
// other spec stores each row's payload contiguously.
int interleave_rows(Format f, Isa isa, int tile_m) {
  if (isa == Isa::AVX512) return f == Format::Q8 ? 16 : 1;
  if (isa == Isa::NEON || isa == Isa::NEON_I8MM)
    return f == Format::Q16 ? tile_m : isa == Isa::NEON ? 4 : 2;
  if (isa != Isa::AVX2) return 1;
  return f == Format::Q16 ? tile_m : 8;
}
size_t payload_at(Format f, Isa isa, size_t tile_m, size_t rr, size_t j) {
  const size_t pb = payload_bytes(f);
  const size_t R = size_t(interleave_rows(f, isa, int(tile_m)));
  if (R == 1) return rr * pb + j;
  if (f == Format::Q16) return (j / 2) * 2 * tile_m + rr * 2 + j % 2;
  const size_t U = isa == Isa::NEON_I8MM ? 8 : 4;
  return (rr / R) * R * pb + (j / U) * U * R + (rr % R) * U + j % U;
}

}  // namespace

TEST_CASE("block-format layout: panels of block groups, 64-byte panel stride") {
  for (Format f : {Format::Q8, Format::Q4, Format::Q16}) {
    const KernelSpec s = spec(f, {37, 70}, 16);
    const PackedLayout l = packed_layout(s);
    INFO(format_name(f));
    CHECK(l.elem_bytes == 0);
    CHECK(l.k_pack == 32);
    CHECK(l.k_padded == 96);
    CHECK(l.panels == 3);
    CHECK(l.group_bytes == 16 * (scale_bytes(f) + payload_bytes(f)));
    CHECK(l.panel_bytes % 64 == 0);
    CHECK(l.panel_bytes >= 3 * l.group_bytes);
    CHECK(l.panel_bytes < 3 * l.group_bytes + 64);
    CHECK(packed_weight_bytes(s) == 3 * l.panel_bytes);
  }
}

TEST_CASE("pack_quant_weights then unpacking equals the QuantMatrix blocks bit for bit") {
  std::mt19937 rng(test_seed());
  for (Format f : {Format::Q8, Format::Q4, Format::Q16}) {
    for (const LayoutCase& c : kLayoutCases) {
      for (const Shape& sh : kShapes) {
        const KernelSpec s = spec(f, sh, c.tile_m, c.isa);
        INFO(format_name(f) << " " << isa_name(c.isa) << " tile_m " << c.tile_m << " M " << sh.M << " K " << sh.K);
        const auto W = random_vec(rng, size_t(sh.M * sh.K), 0.05f);
        const QuantMatrix q = quantize_matrix(f, W.data(), sh.M, sh.K, "W");
        const PackedLayout l = packed_layout(s);
        REQUIRE(l.interleave == interleave_rows(f, c.isa, c.tile_m));
        std::vector<uint8_t> out(packed_weight_bytes(s), 0xAB);
        pack_quant_weights(s, q, out.data());
        // Every byte is either a block byte (visited below) or zero padding.
        std::vector<bool> visited(out.size(), false);
        const size_t sb = scale_bytes(f), pb = payload_bytes(f), tm = size_t(c.tile_m);
        for (int64_t p = 0; p < l.panels; ++p) {
          for (int64_t b = 0; b < q.blocks_per_row; ++b) {
            const size_t group = size_t(p) * l.panel_bytes + size_t(b) * l.group_bytes;
            for (size_t rr = 0; rr < tm; ++rr) {
              const int64_t r = p * c.tile_m + int64_t(rr);
              const size_t sat = group + rr * sb;
              if (r < sh.M) {
                REQUIRE(std::memcmp(out.data() + sat, q.block(r, b), sb) == 0);
                for (size_t i = 0; i < sb; ++i) visited[sat + i] = true;
                for (size_t j = 0; j < pb; ++j) {
                  const size_t at = group + tm * sb + payload_at(f, c.isa, tm, rr, j);
                  REQUIRE(out[at] == q.block(r, b)[sb + j]);
                  REQUIRE(!visited[at]);
                  visited[at] = true;
                }
              }
            }
          }
        }
        for (size_t i = 0; i < out.size(); ++i)
          if (!visited[i]) REQUIRE(out[i] == 0);  // rows past M: scale 0, zero payload; panel padding zero
        // pack_weights quantises with quantize_matrix's defaults and packs the same bytes.
        std::vector<uint8_t> direct(out.size(), 0xCD);
        pack_weights(s, W.data(), direct.data());
        REQUIRE(direct == out);
      }
    }
  }
}

TEST_CASE("pack_quant_weights accepts GGUF Q4_0 blocks for q4 and refuses mismatched matrices") {
  std::mt19937 rng(test_seed());
  const auto W = random_vec(rng, 20 * 40, 0.05f);
  const KernelSpec s = spec(Format::Q4, {20, 40}, 8);
  QuantOptions q4_0;
  q4_0.q4_0 = true;
  const QuantMatrix q40 = quantize_matrix(Format::Q4, W.data(), 20, 40, "W", q4_0);
  std::vector<uint8_t> out(packed_weight_bytes(s));
  pack_quant_weights(s, q40, out.data());
  CHECK(std::memcmp(out.data() + 8 * 2, q40.block(0, 0) + 2, 16) == 0);  // row 0's first payload, bit for bit
  // AVX2 panels: the same bytes, row 0's in 4-byte units 32 bytes apart (8 rows interleaved).
  const KernelSpec s2 = spec(Format::Q4, {20, 40}, 8, Isa::AVX2);
  std::vector<uint8_t> out2(packed_weight_bytes(s2));
  pack_quant_weights(s2, q40, out2.data());
  for (int u = 0; u < 4; ++u) CHECK(std::memcmp(out2.data() + 8 * 2 + 32 * u, q40.block(0, 0) + 2 + 4 * u, 4) == 0);
  const QuantMatrix q8 = quantize_matrix(Format::Q8, W.data(), 20, 40, "W");
  CHECK_THROWS_AS(pack_quant_weights(s, q8, out.data()), std::invalid_argument);
  const QuantMatrix small = quantize_matrix(Format::Q4, W.data(), 10, 40, "W");
  CHECK_THROWS_WITH(pack_quant_weights(s, small, out.data()), Catch::Contains("10x40"));
  QuantOptions o;
  o.f32_scale = true;
  const QuantMatrix f32s = quantize_matrix(Format::Q4, W.data(), 20, 40, "W", o);
  CHECK_THROWS_AS(pack_quant_weights(s, f32s, out.data()), std::invalid_argument);
}

TEST_CASE("q16 AVX2 panels: one 16-byte load holds element k of 8 consecutive rows") {
  std::mt19937 rng(test_seed());
  const Shape sh{40, 70};
  const auto W = random_vec(rng, size_t(sh.M * sh.K), 0.05f);
  const QuantMatrix q = quantize_matrix(Format::Q16, W.data(), sh.M, sh.K, "W");
  for (int tm : {8, 16, 32}) {
    INFO("tile_m " << tm);
    const KernelSpec s = spec(Format::Q16, sh, tm, Isa::AVX2);
    const PackedLayout l = packed_layout(s);
    std::vector<uint8_t> out(packed_weight_bytes(s));
    pack_quant_weights(s, q, out.data());
    for (int64_t r0 = 0; r0 + 8 <= sh.M; r0 += 8) {
      for (int64_t b = 0; b < q.blocks_per_row; ++b) {
        const uint8_t* payloads = out.data() + size_t(r0 / tm) * l.panel_bytes + size_t(b) * l.group_bytes + size_t(tm) * 4;
        for (int k = 0; k < 32; ++k) {
          int16_t got[8];
          std::memcpy(got, payloads + size_t(2 * tm * k + 2 * (r0 % tm)), sizeof got);
          for (int r = 0; r < 8; ++r) {
            smolc_block_q16 blk;
            std::memcpy(&blk, q.block(r0 + r, b), sizeof blk);
            REQUIRE(got[r] == blk.qs[k]);
          }
        }
      }
    }
  }
}

// reference_gemm reads the packed bytes; quant_matmul reads the QuantMatrix.
// Both do the same f32 operations in the same block order (exact int32 block
// dots, then y += isum * (d_w * d_a); q16: y += d_w * sum(q * x)), so they agree
// exactly unless the compiler contracts a multiply-add into an FMA in one of
// them, which changes each of the KB block steps by at most one rounding:
// |diff| <= 2 * KB * 2^-24 * sum_b |term_b| <= KB * 2^-23 * sum_k |w_k x_k| (w, x
// as dequantised). With K <= 32 (one block, no sum), the result is one product
// of the integer dot and must match bit for bit, which checks the integer dots.
TEST_CASE("quantised reference_gemm equals quant::quant_matmul on the same QuantMatrix") {
  std::mt19937 rng(test_seed());
  for (Format f : {Format::Q8, Format::Q4, Format::Q16}) {
    for (const LayoutCase& c : kLayoutCases) {
      for (const Shape& sh : kShapes) {
        const KernelSpec s = spec(f, sh, c.tile_m, c.isa);
        INFO(format_name(f) << " " << isa_name(c.isa) << " tile_m " << c.tile_m << " M " << sh.M << " K " << sh.K);
        const int n = 3;
        const auto W = random_vec(rng, size_t(sh.M * sh.K), 0.05f);
        const auto x = random_vec(rng, size_t(n * sh.K), 1.0f);
        const QuantMatrix q = quantize_matrix(f, W.data(), sh.M, sh.K, "W");
        std::vector<uint8_t> packed(packed_weight_bytes(s));
        pack_quant_weights(s, q, packed.data());
        const int ldy = int(sh.M) + 1;
        std::vector<float> got(size_t(n * ldy), -5.0f), want(size_t(n * sh.M));
        reference_gemm(s, packed.data(), x.data(), n, got.data(), ldy);
        quant_matmul(q, x.data(), n, want.data());
        const std::vector<float> wd = dequantize(q);
        for (int t = 0; t < n; ++t) {
          // x as the kernels see it: int8 blocks for q8/q4, f32 for q16.
          std::vector<float> xs(x.begin() + t * sh.K, x.begin() + (t + 1) * sh.K);
          if (f != Format::Q16) {
            const auto a = quantize_activations(xs.data(), sh.K);
            for (int64_t k = 0; k < sh.K; ++k) xs[size_t(k)] = a[size_t(k / 32)].d * float(a[size_t(k / 32)].qs[k % 32]);
          }
          for (int64_t r = 0; r < sh.M; ++r) {
            const float g = got[size_t(t * ldy + r)], w = want[size_t(t * sh.M + r)];
            INFO("token " << t << " row " << r << " got " << g << " want " << w);
            if (sh.K <= 32) {
              REQUIRE(g == w);
            } else {
              double mag = 0;
              for (int64_t k = 0; k < sh.K; ++k) mag += std::fabs(double(wd[size_t(r * sh.K + k)]) * xs[size_t(k)]);
              REQUIRE(std::fabs(double(g) - double(w)) <= double((sh.K + 31) / 32) * 0x1p-23 * mag);
            }
          }
          REQUIRE(got[size_t(t * ldy + sh.M)] == -5.0f);  // ldy padding untouched
        }
      }
    }
  }
}
