#include "lower/lower_weights.h"

#include <cstring>
#include <optional>
#include <stdexcept>

#include "frontend/error.h"
#include "frontend/storable.h"
#include "lower/packed_layout.h"
#include "quantize/materialize_quant.h"

namespace smolc {

size_t WeightOffsets::at(const std::string& key) const {
  auto it = by_key.find(key);
  if (it == by_key.end()) throw std::logic_error("weights: nothing was lowered for " + key);
  return it->second;
}

namespace {

size_t align64(size_t n) { return (n + 63) & ~static_cast<size_t>(63); }

class Lowering {
 public:
  Lowering(const Checkpoint& ck, const ir::Graph& g, const schedule::Schedule& s, const WeightOptions& opt,
           const ProgressFn& progress)
      : ck_(ck), g_(g), s_(s), opt_(opt), progress_(progress) {
    for (const auto& [op_name, spec] : s.matmul) total_ += packed_weight_bytes(spec);
  }

  LoweredWeights run() {
    for (size_t i = 0; i < g_.ops.size(); ++i) {
      const ir::Op& op = g_.ops[i];
      const int idx = static_cast<int>(i);
      if (op.kind == ir::OpKind::MatMul || op.kind == ir::OpKind::LmHead)
        pack(op.name, s_.matmul.at(op.name), op.weight, idx);
      if (op.kind == ir::OpKind::Embedding && !s_.embedding_tied) pack("embed", s_.embedding, op.weight, idx);
      if (!op.gain.empty()) add_gain(op.gain);
    }
    if (out_.blob.empty()) add(64);
    out_.offsets.bytes = out_.blob.size();
    out_.offsets.hash = weights_hash(out_.blob.data(), out_.blob.size());
    return std::move(out_);
  }

 private:
  size_t add(size_t bytes) {
    const size_t off = align64(out_.blob.size());
    out_.blob.resize(off + bytes, 0);
    return off;
  }

  // The self-calibration (docs/quant-formats.md, "Importance"), run once when
  // the first q8/q4 weight is quantised rather than copied from a GGUF file.
  const quant::Calibration* calibration_for(const KernelSpec& spec, const ir::WeightRecipe& recipe) {
    const Format f = spec.fmt;
    if (!s_.calibrate || (f != Format::Q8 && f != Format::Q4) || quant::reuses_gguf_blocks(ck_, recipe, f))
      return nullptr;
    if (!calibration_) calibration_ = quant::calibrate_checkpoint(ck_, opt_.calibration_progress);
    return &*calibration_;
  }

  void pack(const std::string& key, const KernelSpec& spec, const ir::WeightRecipe& recipe, int op_index) {
    const size_t off = add(packed_weight_bytes(spec));
    if (is_quantized(spec.fmt)) {
      // Quantised from the checkpoint's weights (the scale search weighs each
      // column by the self-calibration's activation statistics, or with
      // --no-calibrate by the run-time norm gain it meets, as quant_eval
      // does), or GGUF blocks of the same format reused as they are.
      quant::QuantOptions base;
      base.allow_nonfinite = opt_.allow_nonfinite;
      const quant::QuantMatrix q = quant::materialize_quant(
          ck_, recipe, spec.fmt, quant::options_for_op(ck_, g_, op_index, base, calibration_for(spec, recipe)));
      pack_quant_weights(spec, q, out_.blob.data() + off);
    } else {
      std::vector<float> W = ir::materialize(ck_, recipe);
      if (!opt_.allow_nonfinite) quant::check_recipe_storable(ck_, recipe, W, quant::stored_as(spec.fmt));
      pack_weights(spec, W.data(), out_.blob.data() + off);
    }
    out_.offsets.by_key[key] = off;
    packed_ += packed_weight_bytes(spec);
    if (progress_) progress_(packed_, total_);
  }

  // A gain the engine applies at run time (not folded into a projection).
  void add_gain(const std::string& tensor) {
    if (out_.offsets.by_key.count(tensor)) return;
    std::vector<float> gain = ck_.load_f32(tensor);
    const int64_t dim = g_.cfg.dim;
    if (static_cast<int64_t>(gain.size()) != dim)
      throw InputError(ck_.path, tensor, "expected " + std::to_string(dim) + " values");
    if (!opt_.allow_nonfinite) check_storable(ck_.get(tensor).file, tensor, gain.data(), gain.size(), 0, StoredAs::F32);
    const size_t off = add(gain.size() * sizeof(float));
    std::memcpy(out_.blob.data() + off, gain.data(), gain.size() * sizeof(float));
    out_.offsets.by_key[tensor] = off;
  }

  const Checkpoint& ck_;
  const ir::Graph& g_;
  const schedule::Schedule& s_;
  const WeightOptions& opt_;
  const ProgressFn& progress_;
  LoweredWeights out_;
  size_t total_ = 0, packed_ = 0;
  std::optional<quant::Calibration> calibration_;
};

}  // namespace

LoweredWeights lower_weights(const Checkpoint& ck, const ir::Graph& g, const schedule::Schedule& s,
                             const WeightOptions& opt, const ProgressFn& progress) {
  return Lowering(ck, g, s, opt, progress).run();
}

}  // namespace smolc
