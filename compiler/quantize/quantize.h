// Compile-time quantisers for smolc's weight formats (runtime/quant/smolc_quant.h)
// and their exact inverses. A QuantMatrix is a weight [rows, cols] as whole
// blocks per row (cols padded with zeros to a multiple of 32), row-major.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "runtime/quant/smolc_quant.h"
#include "target/format.h"

namespace smolc::quant {

// The block formats (Q8, Q4, Q16) are the quantisers' formats; another
// Format is std::invalid_argument.
int64_t block_bytes(Format f);  // sizeof the block struct

struct QuantOptions {
  // Refuse NaN/Inf (InputError naming the tensor and element) unless set;
  // when set, non-finite weights are quantised as 0.
  bool allow_nonfinite = false;
  // Measurement only: keep the scale's f32 value when choosing the integers
  // and dequantising, i.e. what the format would give with an f32 scale.
  bool f32_scale = false;
  // Empty, or [cols]: how much an error in each column costs, for the q8 and
  // q4 scale searches (which minimise sum over the block of h (w - d q)^2).
  // The engine applies RMSNorm gains at run time, so a projection reading a
  // norm's output sees column k scaled by gain[k]: its importance is gain^2.
  std::vector<float> col_importance;
  // Measurement only: q4 blocks take llama.cpp's Q4_0 scale (max-abs / -8, the
  // block bytes of gguf::quantize_row_q4_0) instead of smolc's search. Same
  // q4 layout and meaning; the baseline `smolc quant-eval` measures against,
  // never compiled. Other formats ignore it.
  bool q4_0 = false;
};
// "q4_0" for q4 with QuantOptions::q4_0, else format_name(f): the quantiser's
// name in `smolc quant-eval` tables.
const char* quant_name(Format f, bool q4_0);

struct QuantMatrix {
  Format fmt = Format::Q8;
  int64_t rows = 0, cols = 0;
  int64_t blocks_per_row = 0;  // ceil(cols / 32)
  std::vector<uint8_t> data;   // rows * blocks_per_row blocks
  // Float scales when quantised with f32_scale (measurement), one per block.
  std::vector<float> f32_scales;
  const uint8_t* block(int64_t r, int64_t b) const { return data.data() + (r * blocks_per_row + b) * block_bytes(fmt); }
  float scale(int64_t r, int64_t b) const;  // d of block b of row r, as f32
};

// W: [rows, cols] row-major f32. tensor: the name errors report.
QuantMatrix quantize_matrix(Format f, const float* W, int64_t rows, int64_t cols, const std::string& tensor,
                            const QuantOptions& opt = {});
// out: [cols] (the padding is dropped).
void dequantize_row(const QuantMatrix& m, int64_t r, float* out);
std::vector<float> dequantize(const QuantMatrix& m);  // [rows, cols]

// One q4 block by the error-minimising search (exposed for the tests): x[32].
smolc_block_q4 quantize_block_q4(const float* x);

// IEEE binary16 rounding of a positive scale (round to nearest even).
float round_to_f16(float d);

}  // namespace smolc::quant
