#include "quantize/materialize_quant.h"

#include <cmath>
#include <cstring>
#include <stdexcept>

#include "frontend/dequant.h"
#include "frontend/error.h"
#include "frontend/storable.h"

namespace smolc::quant {
namespace {

constexpr int64_t kB = SMOLC_QBLOCK;

DType gguf_twin(Format f) { return f == Format::Q8 ? DType::Q8_0 : DType::Q4_0; }

// Logical row `r` of the fused matrix: which part and which of its rows.
struct SourceRow {
  size_t part;
  int64_t row;
};

// The recipe's row order (as ir::materialize builds it): parts one after the
// other, or two parts interleaved in blocks of interleave_block rows.
std::vector<SourceRow> row_sources(const Checkpoint& ck, const ir::WeightRecipe& w) {
  std::vector<SourceRow> out;
  out.reserve(static_cast<size_t>(std::max<int64_t>(w.rows, 0)));
  if (w.interleave_block > 0) {
    if (w.parts.size() != 2 || ck.get(w.parts[0]).rows() != ck.get(w.parts[1]).rows())
      throw std::logic_error("materialize_quant: interleaving needs two parts of equal shape");
    const int64_t half = ck.get(w.parts[0]).rows(), B = w.interleave_block;
    for (int64_t b0 = 0; b0 < half; b0 += B)
      for (size_t p = 0; p < 2; ++p)
        for (int64_t r = b0; r < std::min(b0 + B, half); ++r) out.push_back({p, r});
  } else {
    for (size_t p = 0; p < w.parts.size(); ++p)
      for (int64_t r = 0; r < ck.get(w.parts[p]).rows(); ++r) out.push_back({p, r});
  }
  return out;
}

// Every part is a [rows_i, w.cols] matrix and the rows add up to w.rows.
void check_shapes(const Checkpoint& ck, const ir::WeightRecipe& w) {
  if (w.parts.empty()) throw std::logic_error("materialize_quant: a recipe without parts");
  int64_t rows = 0;
  for (const std::string& name : w.parts) {
    const TensorInfo& t = ck.get(name);
    if (t.shape.size() != 2 || t.shape[1] != w.cols)
      throw InputError(t.file, name, "expected a matrix with " + std::to_string(w.cols) + " columns");
    rows += t.shape[0];
  }
  if (rows != w.rows)
    throw InputError(ck.path, w.parts[0],
                     "rows add up to " + std::to_string(rows) + ", expected " + std::to_string(w.rows));
}

QuantMatrix copy_blocks(const Checkpoint& ck, const ir::WeightRecipe& w, Format f, const QuantOptions& opt) {
  QuantMatrix m;
  m.fmt = f;
  m.rows = w.rows;
  m.cols = w.cols;
  m.blocks_per_row = w.cols / kB;
  const size_t bb = static_cast<size_t>(block_bytes(f));
  const size_t row_bytes = static_cast<size_t>(m.blocks_per_row) * bb;
  m.data.resize(static_cast<size_t>(w.rows) * row_bytes);
  std::vector<const TensorInfo*> parts;
  for (const std::string& name : w.parts) {
    const TensorInfo& t = ck.get(name);
    // The loader checked this; a short tensor here would read past the map.
    if (t.data == nullptr || t.nbytes / row_bytes < static_cast<size_t>(t.rows()))
      throw InputError(t.file, name,
                       "holds " + std::to_string(t.nbytes) + " bytes, expected " + std::to_string(t.rows()) +
                           " rows of " + std::to_string(row_bytes));
    if (!t.row_perm.empty() && static_cast<int64_t>(t.row_perm.size()) != t.rows())
      throw std::logic_error("materialize_quant: " + name + " has a row permutation of the wrong length");
    parts.push_back(&t);
  }
  const std::vector<SourceRow> src = row_sources(ck, w);
  for (size_t r = 0; r < src.size(); ++r) {
    const TensorInfo& t = *parts[src[r].part];
    const int64_t stored = t.row_perm.empty() ? src[r].row : t.row_perm[static_cast<size_t>(src[r].row)];
    if (stored < 0 || stored >= t.rows())
      throw std::logic_error("materialize_quant: " + t.name + " row permutation out of range");
    uint8_t* dst = m.data.data() + r * row_bytes;
    std::memcpy(dst, t.data + static_cast<size_t>(stored) * row_bytes, row_bytes);
    for (int64_t b = 0; b < m.blocks_per_row; ++b) {
      uint16_t h;
      std::memcpy(&h, dst + static_cast<size_t>(b) * bb, sizeof h);
      if (std::isfinite(f16_to_f32(h))) continue;
      if (!opt.allow_nonfinite)
        throw InputError(t.file, t.name + ": row " + std::to_string(src[r].row) + ", block " + std::to_string(b),
                         std::string(std::isnan(f16_to_f32(h)) ? "NaN" : "Inf") +
                             " block scale, expected a finite f16 (--allow-nonfinite zeroes such blocks)");
      std::memset(dst + static_cast<size_t>(b) * bb, 0, bb);
    }
  }
  return m;
}

}  // namespace

StoredAs stored_as(Format f) {
  switch (f) {
    case Format::BF16: return StoredAs::BF16;
    case Format::F16: return StoredAs::F16;
    case Format::Q8: return StoredAs::F16Scale127;
    case Format::Q4: return StoredAs::F16Scale8;
    case Format::F32:
    case Format::Q16: break;  // f32 scale: any finite block fits
  }
  return StoredAs::F32;
}

void check_recipe_storable(const Checkpoint& ck, const ir::WeightRecipe& w, const std::vector<float>& W, StoredAs s) {
  for (const std::string& g : w.col_gains) {
    const std::vector<float> v = ck.load_f32(g);
    check_storable(ck.get(g).file, g, v.data(), v.size(), 0, StoredAs::F32);
  }
  const size_t i = first_unstorable(W.data(), W.size(), s);
  if (i == W.size()) return;
  const size_t cols = static_cast<size_t>(w.cols), r = i / cols, c = i % cols;
  const SourceRow src = row_sources(ck, w).at(r);
  const std::string& name = w.parts[src.part];
  const size_t flat = static_cast<size_t>(src.row) * cols + c;
  throw InputError(
      ck.get(name).file,
      name + "[" + std::to_string(flat) + "] (row " + std::to_string(src.row) + ", column " + std::to_string(c) + ")",
      unstorable_reason(W[i], s) + (w.col_gains.empty() ? " " : " (after folding the norm gain) ") +
          kAllowNonfiniteHint);
}

std::vector<float> gain_importance(const Checkpoint& ck, const std::string& gain) {
  std::vector<float> h = ck.load_f32(gain);
  for (float& v : h) v = std::isfinite(v) ? v * v : 1.0f;
  return h;
}

std::string reading_norm_gain(const ir::Graph& g, int op) {
  const ir::Op& o = g.ops.at(static_cast<size_t>(op));
  if (o.kind == ir::OpKind::LmHead && o.normalize) return o.gain;  // final norm fused into the head
  if ((o.kind != ir::OpKind::MatMul && o.kind != ir::OpKind::LmHead) || o.inputs.empty()) return {};
  const int p = g.producer(o.inputs[0]);
  if (p < 0 || g.ops[static_cast<size_t>(p)].kind != ir::OpKind::RmsNorm) return {};
  return g.ops[static_cast<size_t>(p)].gain;
}

QuantOptions options_for_op(const Checkpoint& ck, const ir::Graph& g, int op, QuantOptions base) {
  const std::string gain = reading_norm_gain(g, op);
  if (!gain.empty()) base.col_importance = gain_importance(ck, gain);
  return base;
}

QuantOptions options_for_op(const Checkpoint& ck, const ir::Graph& g, int op, QuantOptions base,
                            const Calibration* cal) {
  const ir::Op& o = g.ops.at(static_cast<size_t>(op));
  // Only products: embedding rows are looked up, no column meets an input.
  const bool product = o.kind == ir::OpKind::MatMul || o.kind == ir::OpKind::LmHead;
  if (cal != nullptr && product && o.weight.col_gains.empty()) {
    std::vector<float> h = cal->importance(o.kind == ir::OpKind::LmHead ? -1 : o.layer, o.product);
    if (static_cast<int64_t>(h.size()) == o.weight.cols) {
      base.col_importance = std::move(h);
      return base;
    }
  }
  return options_for_op(ck, g, op, std::move(base));
}

Calibration calibrate_checkpoint(const Checkpoint& ck, const CalibrationProgress& progress) {
  return calibrate(ck.cfg, RefWeights::from_checkpoint(ck), kCalibrationTokens, kCalibrationSeed, progress);
}

bool reuses_gguf_blocks(const Checkpoint& ck, const ir::WeightRecipe& w, Format f) {
  if ((f != Format::Q8 && f != Format::Q4) || !w.col_gains.empty() || w.parts.empty() || w.cols <= 0 ||
      w.cols % kB != 0)
    return false;
  for (const std::string& name : w.parts)
    if (ck.get(name).dtype != gguf_twin(f)) return false;
  return true;
}

QuantMatrix materialize_quant(const Checkpoint& ck, const ir::WeightRecipe& w, Format f, const QuantOptions& opt) {
  check_shapes(ck, w);
  if (reuses_gguf_blocks(ck, w, f)) return copy_blocks(ck, w, f, opt);
  const std::vector<float> W = ir::materialize(ck, w);
  if (!opt.allow_nonfinite) check_recipe_storable(ck, w, W, stored_as(f));
  std::string tensor;
  for (const std::string& p : w.parts) tensor += (tensor.empty() ? "" : "+") + p;
  return quantize_matrix(f, W.data(), w.rows, w.cols, tensor, opt);
}

}  // namespace smolc::quant
