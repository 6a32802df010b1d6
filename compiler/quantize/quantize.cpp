// Quantisers: round-to-nearest integers under a per-block scale. q16 takes
// the max-abs scale (65535 levels: the choice does not matter). q8 and q4
// search the stored scale that minimises the block's squared error: for q4
// because with 16 levels max-abs wastes most of them on one outlier, for q8
// because it measurably lowers the error too (-23 % weight NMSE, -9..-31 %
// logits NMSE, docs/quant-formats.md).
#include "quantize/quantize.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <stdexcept>

#include "frontend/dequant.h"
#include "frontend/error.h"
#include "frontend/gguf/gguf_quant.h"

namespace smolc::quant {
namespace {

constexpr int kB = SMOLC_QBLOCK;

// Nearest integer, ties to even (what cvtps2dq does under the default MXCSR).
// Adding and subtracting 1.5 * 2^23 rounds exactly that way for |v| < 2^22
// and, unlike nearbyint, inlines (the scale searches call this ~1000 times
// per block); larger values (and NaN, which never gets here) saturate.
int rne(float v) {
  if (!(std::fabs(v) < 4194304.0f)) return v < 0 ? -4194304 : 4194304;
  return static_cast<int>((v + 12582912.0f) - 12582912.0f);  // not folded: no -ffast-math anywhere
}

// Absolute maximum of a block, and the signed value that has it (first one).
float signed_max(const float* x, float* amax_out) {
  float amax = 0, m = 0;
  for (int i = 0; i < kB; ++i)
    if (std::fabs(x[i]) > amax) {
      amax = std::fabs(x[i]);
      m = x[i];
    }
  *amax_out = amax;
  return m;
}

// The q4 scale search: candidate scales map the largest-magnitude value m to
// t in [-9, -6.5] or [6.5, 9] (t = -8 is Q4_0's choice); each candidate's
// integers get their least-squares scale sum(h x q) / sum(h q^2), and the
// candidate with the smallest squared error sum(h (x - d q)^2) wins.
// h[32]: importance of each element (nullptr: all 1).
float search_q4_scale(const float* x, const float* h) {
  float amax = 0;
  const float m = signed_max(x, &amax);
  if (amax == 0) return 0;
  auto hw = [h](int i) { return h ? static_cast<double>(h[i]) : 1.0; };
  double sxx = 0;
  for (int i = 0; i < kB; ++i) sxx += hw(i) * x[i] * x[i];
  double best_err = INFINITY;
  float best_d = m / -8.0f;
  for (int side = -1; side <= 1; side += 2)
    for (int step = 0; step <= 20; ++step) {
      const float t = static_cast<float>(side) * (6.5f + 0.125f * static_cast<float>(step));
      const float id = t / m;
      double sxq = 0, sqq = 0;
      for (int i = 0; i < kB; ++i) {
        const int q = std::clamp(rne(x[i] * id), -8, 7);
        sxq += hw(i) * x[i] * q;
        sqq += hw(i) * q * q;
      }
      if (sqq == 0) continue;
      const double err = sxx - sxq * sxq / sqq;  // error at the least-squares scale
      if (err < best_err) {
        best_err = err;
        best_d = static_cast<float>(sxq / sqq);
      }
    }
  return best_d;
}

float stored_scale(float d, bool f32_scale) { return f32_scale ? d : round_to_f16(d); }

// Squared error sum(h (x - d q)^2) of a q8 block x[32] quantised with the
// (stored) scale d; h: importance per element (all 1 when the caller has
// none). In f32 with a fixed summation order, so it vectorises; its rounding
// (~1e-6 relative) only decides between candidates that are equally good.
float q8_block_error(const float* x, const float* h, float d) {
  const float id = d != 0 ? 1.0f / d : 0.0f;
  float acc[8] = {};  // 8 lanes, summed in a fixed order below
  for (int i0 = 0; i0 < kB; i0 += 8)
    for (int j = 0; j < 8; ++j) {
      float q = x[i0 + j] * id;
      q = std::min(127.0f, std::max(-127.0f, q));
      q = (q + 12582912.0f) - 12582912.0f;  // round to nearest even, |q| <= 127
      const float r = x[i0 + j] - d * q;
      acc[j] += h[i0 + j] * r * r;
    }
  return ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]));
}

// The q8 scale search, over stored scales (the integers are always chosen
// for the scale the block will hold): amax / t for t in [120, 127.5] in
// steps of 1/4 (t = 127 is the max-abs scale; t > 127 clips the largest
// value by up to half a step), then the least-squares scale of the best
// candidate's integers, then the three f16 neighbours on each side of the
// best. The smallest squared error wins; ties keep the earlier candidate, so
// the max-abs scale is kept unless something is strictly better.
float search_q8_scale(const float* x, const float* h_or_null, bool f32_scale) {
  static constexpr float kOnes[kB] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
                                      1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
  const float* h = h_or_null ? h_or_null : kOnes;
  float amax = 0;
  signed_max(x, &amax);
  if (amax == 0) return 0;
  float best = stored_scale(amax / 127.0f, f32_scale);
  float best_err = q8_block_error(x, h, best);
  auto consider = [&](float d) {
    if (!(d > 0) || !std::isfinite(d)) return;
    const float err = q8_block_error(x, h, d);
    if (err < best_err) {
      best_err = err;
      best = d;
    }
  };
  for (int step = 0; step <= 30; ++step)
    consider(stored_scale(amax / (127.5f - 0.25f * static_cast<float>(step)), f32_scale));
  const float id = 1.0f / best;
  double sxq = 0, sqq = 0;
  for (int i = 0; i < kB; ++i) {
    const int q = std::clamp(rne(x[i] * id), -127, 127);
    sxq += static_cast<double>(h[i]) * x[i] * q;
    sqq += static_cast<double>(h[i]) * q * q;
  }
  if (sqq > 0) consider(stored_scale(static_cast<float>(sxq / sqq), f32_scale));
  if (!f32_scale) {
    // Positive f16 values are ordered like their bit patterns.
    const uint16_t bits = f32_to_f16(best);
    for (int k = 1; k <= 3; ++k) {
      consider(f16_to_f32(static_cast<uint16_t>(bits + k)));
      if (bits > k) consider(f16_to_f32(static_cast<uint16_t>(bits - k)));
    }
  }
  return best;
}

// Copies row r of W into a zero-padded buffer of whole blocks, refusing (or
// zeroing, when allowed) non-finite values.
void load_row(const float* W, int64_t r, int64_t cols, int64_t padded, const std::string& tensor,
              const QuantOptions& opt, std::vector<float>& buf) {
  buf.assign(static_cast<size_t>(padded), 0.0f);
  const float* row = W + r * cols;
  for (int64_t c = 0; c < cols; ++c) {
    if (!std::isfinite(row[c])) {
      if (!opt.allow_nonfinite)
        throw InputError(tensor, "row " + std::to_string(r) + ", column " + std::to_string(c),
                         std::string(std::isnan(row[c]) ? "NaN" : "Inf") +
                             " weight cannot be quantised, expected finite values (--allow-nonfinite quantises "
                             "non-finite weights as 0)");
      continue;
    }
    buf[static_cast<size_t>(c)] = row[c];
  }
}

void put_f16(uint16_t* dst, float d) { *dst = f32_to_f16(d); }

}  // namespace

const char* quant_name(Format f, bool q4_0) { return f == Format::Q4 && q4_0 ? "q4_0" : format_name(f); }

int64_t block_bytes(Format f) {
  switch (f) {
    case Format::Q16: return sizeof(smolc_block_q16);
    case Format::Q8: return sizeof(smolc_block_q8);
    case Format::Q4: return sizeof(smolc_block_q4);
    default: break;
  }
  throw std::invalid_argument(std::string(format_name(f)) + " is not a block format");
}

float round_to_f16(float d) { return f16_to_f32(f32_to_f16(d)); }

float QuantMatrix::scale(int64_t r, int64_t b) const {
  if (!f32_scales.empty()) return f32_scales[static_cast<size_t>(r * blocks_per_row + b)];
  const uint8_t* p = block(r, b);
  if (fmt == Format::Q16) {
    float d;
    std::memcpy(&d, p, sizeof d);
    return d;
  }
  uint16_t h;
  std::memcpy(&h, p, sizeof h);
  return f16_to_f32(h);
}

namespace {

// x[32] as a q4 block with scale d: nibbles round(x / d) + 8, clamped to [0, 15].
smolc_block_q4 q4_block(const float* x, float d) {
  smolc_block_q4 blk;
  put_f16(&blk.d, d);
  const float id = d != 0 ? 1.0f / d : 0.0f;
  for (int i = 0; i < kB / 2; ++i) {
    const int lo = std::clamp(rne(x[i] * id), -8, 7) + 8;
    const int hi = std::clamp(rne(x[i + kB / 2] * id), -8, 7) + 8;
    blk.qs[i] = static_cast<uint8_t>(lo | (hi << 4));
  }
  return blk;
}

}  // namespace

smolc_block_q4 quantize_block_q4(const float* x) { return q4_block(x, round_to_f16(search_q4_scale(x, nullptr))); }

QuantMatrix quantize_matrix(Format f, const float* W, int64_t rows, int64_t cols, const std::string& tensor,
                            const QuantOptions& opt) {
  if (rows < 0 || cols <= 0) throw InputError(tensor, "shape", "expected a non-empty matrix");
  QuantMatrix m;
  m.fmt = f;
  m.rows = rows;
  m.cols = cols;
  m.blocks_per_row = (cols + kB - 1) / kB;
  const int64_t padded = m.blocks_per_row * kB;
  m.data.assign(static_cast<size_t>(rows * m.blocks_per_row * block_bytes(f)), 0);
  if (opt.f32_scale) m.f32_scales.assign(static_cast<size_t>(rows * m.blocks_per_row), 0.0f);
  // Column importance padded like the rows (padding weights are 0 anyway).
  std::vector<float> importance;
  if (!opt.col_importance.empty()) {
    if (static_cast<int64_t>(opt.col_importance.size()) != cols)
      throw std::logic_error("quantize_matrix: col_importance has " + std::to_string(opt.col_importance.size()) +
                             " values for " + std::to_string(cols) + " columns of " + tensor);
    importance.assign(static_cast<size_t>(padded), 1.0f);
    std::copy(opt.col_importance.begin(), opt.col_importance.end(), importance.begin());
  }
  std::vector<float> buf;
  for (int64_t r = 0; r < rows; ++r) {
    load_row(W, r, cols, padded, tensor, opt, buf);
    for (int64_t b = 0; b < m.blocks_per_row; ++b) {
      const float* x = buf.data() + b * kB;
      const float* h = importance.empty() ? nullptr : importance.data() + b * kB;
      uint8_t* dst = m.data.data() + (r * m.blocks_per_row + b) * block_bytes(f);
      float amax = 0;
      signed_max(x, &amax);
      float d = 0;
      switch (f) {
        case Format::Q8: {
          smolc_block_q8 blk;
          d = search_q8_scale(x, h, opt.f32_scale);
          put_f16(&blk.d, d);
          const float id = d != 0 ? 1.0f / d : 0.0f;
          for (int i = 0; i < kB; ++i) blk.qs[i] = static_cast<int8_t>(std::clamp(rne(x[i] * id), -127, 127));
          std::memcpy(dst, &blk, sizeof blk);
          break;
        }
        case Format::Q16: {
          smolc_block_q16 blk;
          d = amax / 32767.0f;
          blk.d = d;
          const float id = d != 0 ? 1.0f / d : 0.0f;
          for (int i = 0; i < kB; ++i) blk.qs[i] = static_cast<int16_t>(std::clamp(rne(x[i] * id), -32767, 32767));
          std::memcpy(dst, &blk, sizeof blk);
          break;
        }
        case Format::Q4: {
          if (opt.q4_0) {
            gguf::quantize_row_q4_0(x, dst, kB);
            if (opt.f32_scale) {
              // Same integers, with the unrounded max-abs scale.
              const float m0 = signed_max(x, &amax);
              d = m0 / -8.0f;
            }
            break;
          }
          d = stored_scale(search_q4_scale(x, h), opt.f32_scale);
          const smolc_block_q4 blk = q4_block(x, d);
          std::memcpy(dst, &blk, sizeof blk);
          break;
        }
        default: throw std::logic_error("quantize_matrix: checked above");
      }
      if (opt.f32_scale) m.f32_scales[static_cast<size_t>(r * m.blocks_per_row + b)] = d;
    }
  }
  return m;
}

void dequantize_row(const QuantMatrix& m, int64_t r, float* out) {
  float blk[kB];
  for (int64_t b = 0; b < m.blocks_per_row; ++b) {
    const uint8_t* p = m.block(r, b);
    const float d = m.scale(r, b);
    switch (m.fmt) {
      case Format::Q8: {
        smolc_block_q8 q;
        std::memcpy(&q, p, sizeof q);
        for (int i = 0; i < kB; ++i) blk[i] = d * static_cast<float>(q.qs[i]);
        break;
      }
      case Format::Q16: {
        smolc_block_q16 q;
        std::memcpy(&q, p, sizeof q);
        for (int i = 0; i < kB; ++i) blk[i] = d * static_cast<float>(q.qs[i]);
        break;
      }
      case Format::Q4: {
        smolc_block_q4 q;
        std::memcpy(&q, p, sizeof q);
        for (int i = 0; i < kB / 2; ++i) {
          blk[i] = d * static_cast<float>((q.qs[i] & 15) - 8);
          blk[i + kB / 2] = d * static_cast<float>((q.qs[i] >> 4) - 8);
        }
        break;
      }
      default:
        throw std::invalid_argument(std::string("dequantize_row: ") + format_name(m.fmt) + " is not a block format");
    }
    const int64_t n = std::min<int64_t>(kB, m.cols - b * kB);
    std::copy_n(blk, n, out + b * kB);
  }
}

std::vector<float> dequantize(const QuantMatrix& m) {
  std::vector<float> w(static_cast<size_t>(m.rows * m.cols));
  for (int64_t r = 0; r < m.rows; ++r) dequantize_row(m, r, w.data() + r * m.cols);
  return w;
}

}  // namespace smolc::quant
