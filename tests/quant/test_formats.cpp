// Block formats, quantise/dequantise bounds, NaN/Inf refusal and the scalar
// reference products (compiler/quantize/, runtime/quant/smolc_quant.h).
#include <catch2/catch.hpp>
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include "frontend/error.h"
#include "frontend/gguf/gguf_quant.h"
#include "quantize/quant_matmul.h"
#include "quantize/quantize.h"

using namespace smolc;
using namespace smolc::quant;

namespace {

// Normal(0, 0.02) weights with a few outliers, as in trained LLaMA layers.
std::vector<float> random_matrix(int64_t rows, int64_t cols, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> nd(0.0f, 0.02f);
  std::vector<float> w(static_cast<size_t>(rows * cols));
  for (float& v : w) v = nd(rng);
  for (size_t i = 0; i < w.size(); i += 97) w[i] *= 6.0f;
  return w;
}

}  // namespace

TEST_CASE("quant blocks have the documented sizes and bits per weight") {
  CHECK(SMOLC_QBLOCK == 32);
  CHECK(sizeof(smolc_block_q8) == 34);   // 8.5 bits per weight, GGUF Q8_0's layout
  CHECK(sizeof(smolc_block_q4) == 18);   // 4.5 bits per weight, GGUF Q4_0's layout
  CHECK(sizeof(smolc_block_q16) == 68);  // 17 bits per weight
  CHECK(sizeof(smolc_block_a8) == 40);
  CHECK(block_bytes(Format::Q8) * 8.0 / 32 == 8.5);
  CHECK(block_bytes(Format::Q4) * 8.0 / 32 == 4.5);
  CHECK(block_bytes(Format::Q16) * 8.0 / 32 == 17.0);
  CHECK(offsetof(smolc_block_q8, qs) == 2);
  CHECK(offsetof(smolc_block_q4, qs) == 2);
  CHECK(offsetof(smolc_block_q16, qs) == 4);
  // A row of 70 columns pads to 3 blocks.
  const std::vector<float> w = random_matrix(5, 70, 1);
  for (Format f : {Format::Q16, Format::Q8, Format::Q4}) {
    QuantMatrix m = quantize_matrix(f, w.data(), 5, 70, "t");
    CHECK(m.blocks_per_row == 3);
    CHECK(static_cast<int64_t>(m.data.size()) == 5 * 3 * block_bytes(f));
  }
}

TEST_CASE("round-to-nearest: every weight is within half a step of its dequantised value") {
  const int64_t rows = 37, cols = 100;  // odd shapes: padded last block
  const std::vector<float> w = random_matrix(rows, cols, 7);
  for (auto [f, q4_0] : {std::pair{Format::Q16, false}, {Format::Q8, false}, {Format::Q4, false}, {Format::Q4, true}}) {
    INFO(quant_name(f, q4_0));
    QuantOptions opt;
    opt.q4_0 = q4_0;
    QuantMatrix m = quantize_matrix(f, w.data(), rows, cols, "t", opt);
    const std::vector<float> d = dequantize(m);
    const int lo = f == Format::Q16 ? -32767 : f == Format::Q8 ? -127 : -8;
    const int hi = -lo - (f == Format::Q4 ? 1 : 0);
    int64_t checked = 0;
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t c = 0; c < cols; ++c) {
        const float s = m.scale(r, c / 32);
        const float x = w[static_cast<size_t>(r * cols + c)], y = d[static_cast<size_t>(r * cols + c)];
        // Inside the representable range, round-to-nearest is within scale/2;
        // outside it the value saturates to the end of the range.
        const double u = static_cast<double>(x) / s;
        if (u >= lo - 0.5 && u <= hi + 0.5) {
          // Q4_0 picks its integers with the scale before f16 rounding (as ggml does).
          const double tol = q4_0 ? 0.51 : 0.5 * (1 + 1e-5);
          CHECK(std::fabs(static_cast<double>(x) - y) <= std::fabs(s) * tol + 1e-6 * std::fabs(x));  // + f32 rounding of d * q
          ++checked;
        } else {
          CHECK(y == (u < 0 ? s * static_cast<float>(lo) : s * static_cast<float>(hi)));
        }
      }
    // q16 never clips. The q8 and q4 searches may clip a block's largest
    // value when that lowers the block's error, and Q4_0 maps the largest
    // value to -8, so values above 7.5 d on the other side saturate.
    if (f == Format::Q16) CHECK(checked == rows * cols);
    else CHECK(checked > rows * cols * 99 / 100);
  }
}

TEST_CASE("q4's searched scale has lower squared error than Q4_0's max-abs scale") {
  const std::vector<float> w = random_matrix(64, 576, 3);
  QuantOptions q4_0_opt;
  q4_0_opt.q4_0 = true;
  auto sse = [&](const QuantOptions& opt) {
    const std::vector<float> d = dequantize(quantize_matrix(Format::Q4, w.data(), 64, 576, "t", opt));
    double e = 0;
    for (size_t i = 0; i < w.size(); ++i) e += (static_cast<double>(w[i]) - d[i]) * (static_cast<double>(w[i]) - d[i]);
    return e;
  };
  const double q4 = sse({}), q4_0 = sse(q4_0_opt);
  INFO("q4 " << q4 << " q4_0 " << q4_0);
  CHECK(q4 < q4_0);
  // The Q4_0 baseline is byte-for-byte the GGUF writer's quantiser.
  QuantMatrix m = quantize_matrix(Format::Q4, w.data(), 64, 576, "t", q4_0_opt);
  std::vector<uint8_t> gguf(m.data.size());
  gguf::quantize_row_q4_0(w.data(), gguf.data(), 64 * 576);
  CHECK(gguf == m.data);
}

TEST_CASE("q8's searched scale never has more block error than the max-abs scale, and less overall") {
  const int64_t rows = 64, cols = 576;
  const std::vector<float> w = random_matrix(rows, cols, 4);
  // Importance per column, as the squared RMSNorm gains of a trained model vary.
  std::vector<float> h(static_cast<size_t>(cols));
  for (size_t k = 0; k < h.size(); ++k) h[k] = 0.2f + static_cast<float>((k * 37) % 11);
  for (bool weighted : {false, true}) {
    INFO("weighted " << weighted);
    QuantOptions opt;
    if (weighted) opt.col_importance = h;
    const QuantMatrix m = quantize_matrix(Format::Q8, w.data(), rows, cols, "t", opt);
    const std::vector<float> d = dequantize(m);
    double total_search = 0, total_maxabs = 0;
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t b = 0; b < cols / 32; ++b) {
        // The max-abs baseline, written out: d = f16(max|x| / 127), q = rne(x / d).
        const float* x = w.data() + r * cols + b * 32;
        float amax = 0;
        for (int i = 0; i < 32; ++i) amax = std::max(amax, std::fabs(x[i]));
        const float d0 = round_to_f16(amax / 127.0f);
        double e_search = 0, e_maxabs = 0;
        for (int i = 0; i < 32; ++i) {
          const double hi = weighted ? h[static_cast<size_t>(b * 32 + i)] : 1.0;
          const double q0 = std::clamp(std::nearbyint(x[i] * (1.0f / d0)), -127.0f, 127.0f);
          e_maxabs += hi * std::pow(x[i] - static_cast<double>(d0) * q0, 2);
          e_search += hi * std::pow(x[i] - static_cast<double>(d[static_cast<size_t>(r * cols + b * 32 + i)]), 2);
        }
        CHECK(e_search <= e_maxabs * (1 + 1e-9));
        total_search += e_search;
        total_maxabs += e_maxabs;
      }
    INFO("search " << total_search << " max-abs " << total_maxabs);
    CHECK(total_search < 0.9 * total_maxabs);
  }
}

TEST_CASE("q4's importance-weighted search lowers the weighted error") {
  const int64_t rows = 64, cols = 576;
  const std::vector<float> w = random_matrix(rows, cols, 5);
  std::vector<float> h(static_cast<size_t>(cols));
  for (size_t k = 0; k < h.size(); ++k) h[k] = 0.05f + static_cast<float>((k * 53) % 17);
  QuantOptions weighted;
  weighted.col_importance = h;
  auto weighted_sse = [&](const QuantMatrix& m) {
    const std::vector<float> d = dequantize(m);
    double e = 0;
    for (size_t i = 0; i < w.size(); ++i) e += h[i % static_cast<size_t>(cols)] * std::pow(w[i] - static_cast<double>(d[i]), 2);
    return e;
  };
  const double plain = weighted_sse(quantize_matrix(Format::Q4, w.data(), rows, cols, "t"));
  const double with_h = weighted_sse(quantize_matrix(Format::Q4, w.data(), rows, cols, "t", weighted));
  INFO("plain " << plain << " weighted " << with_h);
  CHECK(with_h < plain);
}

TEST_CASE("an all-zero block quantises to zero with scale 0") {
  std::vector<float> w(64, 0.0f);
  for (Format f : {Format::Q16, Format::Q8, Format::Q4}) {
    QuantMatrix m = quantize_matrix(f, w.data(), 2, 32, "t");
    CHECK(m.scale(0, 0) == 0.0f);
    for (float v : dequantize(m)) CHECK(v == 0.0f);
  }
}

TEST_CASE("NaN and Inf weights are refused with the tensor name, or quantised as 0 when allowed") {
  std::vector<float> w = random_matrix(3, 40, 5);
  for (float bad : {std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity(),
                    -std::numeric_limits<float>::infinity()}) {
    w[1 * 40 + 33] = bad;
    for (Format f : {Format::Q16, Format::Q8, Format::Q4}) {
      INFO(format_name(f) << " " << bad);
      try {
        quantize_matrix(f, w.data(), 3, 40, "model.layers.2.mlp.up_proj.weight");
        FAIL("expected an InputError");
      } catch (const InputError& e) {
        const std::string msg = e.what();
        CHECK(msg.find("model.layers.2.mlp.up_proj.weight") != std::string::npos);
        CHECK(msg.find("row 1, column 33") != std::string::npos);
        CHECK(msg.find(std::isnan(bad) ? "NaN" : "Inf") != std::string::npos);
        CHECK(msg.find("--allow-nonfinite") != std::string::npos);
      }
      QuantOptions opt;
      opt.allow_nonfinite = true;
      QuantMatrix m = quantize_matrix(f, w.data(), 3, 40, "t", opt);
      const std::vector<float> d = dequantize(m);
      CHECK(d[1 * 40 + 33] == 0.0f);
      for (float v : d) CHECK(std::isfinite(v));
      CHECK(std::isfinite(m.scale(1, 1)));
    }
  }
}

TEST_CASE("activation blocks: int8 within half a step, zero padding, block sums") {
  std::vector<float> x = random_matrix(1, 75, 11);
  x[40] = 0.5f;  // an outlier sets block 1's scale
  const std::vector<smolc_block_a8> a = quantize_activations(x.data(), 75);
  REQUIRE(a.size() == 3);
  for (size_t b = 0; b < 3; ++b) {
    int32_t sum = 0;
    for (int i = 0; i < 32; ++i) {
      const size_t k = b * 32 + static_cast<size_t>(i);
      const float v = k < 75 ? x[k] : 0.0f;
      CHECK(std::fabs(v - a[b].d * a[b].qs[i]) <= a[b].d * 0.5f * (1 + 1e-5f));
      CHECK(a[b].qs[i] >= -127);
      sum += a[b].qs[i];
    }
    CHECK(sum == a[b].sum);
  }
  CHECK(a[1].d == 0.5f / 127.0f);
}

TEST_CASE("quantised products equal the dequantised weights times the dequantised activations") {
  // Odd sizes: rows not a multiple of anything, K with a partial last block.
  const int64_t rows = 13, cols = 83;
  const int n = 3;
  const std::vector<float> w = random_matrix(rows, cols, 21);
  std::vector<float> x = random_matrix(n, cols, 22);
  for (float& v : x) v *= 50.0f;  // activations O(1)
  for (Format f : {Format::Q16, Format::Q8, Format::Q4}) {
    INFO(format_name(f));
    QuantMatrix m = quantize_matrix(f, w.data(), rows, cols, "t");
    const std::vector<float> dw = dequantize(m);
    std::vector<float> y(static_cast<size_t>(n * rows));
    quant_matmul(m, x.data(), n, y.data());
    for (int t = 0; t < n; ++t) {
      // Activations as the kernel sees them: f32 for q16, int8 blocks otherwise.
      std::vector<double> xa(static_cast<size_t>(cols));
      const std::vector<smolc_block_a8> a = quantize_activations(x.data() + t * cols, cols);
      for (int64_t k = 0; k < cols; ++k)
        xa[static_cast<size_t>(k)] = f == Format::Q16 ? x[static_cast<size_t>(t * cols + k)]
                                                       : static_cast<double>(a[static_cast<size_t>(k / 32)].d) *
                                                             a[static_cast<size_t>(k / 32)].qs[k % 32];
      for (int64_t r = 0; r < rows; ++r) {
        double want = 0, mag = 0;
        for (int64_t k = 0; k < cols; ++k) {
          want += static_cast<double>(dw[static_cast<size_t>(r * cols + k)]) * xa[static_cast<size_t>(k)];
          mag += std::fabs(static_cast<double>(dw[static_cast<size_t>(r * cols + k)]) * xa[static_cast<size_t>(k)]);
        }
        // f32 rounding only: a few ulps of the sum of magnitudes.
        CHECK(std::fabs(y[static_cast<size_t>(t * rows + r)] - want) <= 1e-6 * mag + 1e-30);
      }
    }
  }
}
