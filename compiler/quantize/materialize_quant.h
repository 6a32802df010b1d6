// The quantised form of a packed weight (ir::WeightRecipe): GGUF blocks reused
// bit for bit when the file already holds the target format, otherwise the f32
// weight quantised by smolc's own rules (quantize/quantize.h).
#pragma once
#include "frontend/checkpoint.h"
#include "frontend/storable.h"
#include "ir/graph.h"
#include "quantize/calibrate.h"
#include "quantize/quantize.h"

namespace smolc::quant {

// True when materialize_quant copies w's blocks from the file instead of
// quantising: f is Q8 and every part is GGUF Q8_0 (or f is Q4 and every part
// is Q4_0), w has no col_gains, and every part's rows are whole blocks.
bool reuses_gguf_blocks(const Checkpoint& ck, const ir::WeightRecipe& w, Format f);

// w's matrix [w.rows, w.cols] in format f. Reused blocks follow each part's
// row_perm and the recipe's concatenation / row interleaving; a reused block
// whose scale is NaN or Inf is refused (InputError naming the tensor, row and
// block) unless opt.allow_nonfinite, which zeroes it. Otherwise the weight is
// materialised in f32 and quantised with opt; NaN/Inf and values whose block
// scale overflows f16 are refused (check_recipe_storable) unless
// opt.allow_nonfinite.
QuantMatrix materialize_quant(const Checkpoint& ck, const ir::WeightRecipe& w, Format f, const QuantOptions& opt = {});

// The storage bound of format f's values: a float format's element type, or
// a block format's scale type.
StoredAs stored_as(Format f);

// check_storable for a materialised recipe W [w.rows, w.cols]: every col_gain
// finite, then every value of W storable as s; the InputError names the part
// tensor, its flat index, row and column.
void check_recipe_storable(const Checkpoint& ck, const ir::WeightRecipe& w, const std::vector<float>& W, StoredAs s);

// QuantOptions::col_importance for a projection that reads the output of the
// RMSNorm with gain tensor `gain` (applied at run time, not folded): gain^2
// per column. A non-finite gain counts as 1 (it only steers the scale
// choice; the gain itself is the engine's to refuse or carry).
std::vector<float> gain_importance(const Checkpoint& ck, const std::string& gain);

// The RMSNorm gain tensor whose output the weight of g.ops[op] multiplies at
// run time: the producing RmsNorm's gain for a MatMul (empty when its input
// is not a norm, e.g. wo, w2, or when the gain was folded), the fused final
// norm's gain for the LmHead; empty for other ops.
std::string reading_norm_gain(const ir::Graph& g, int op);

// base with col_importance = gain_importance of reading_norm_gain(g, op)
// (unchanged when there is none): the options to quantise g.ops[op]'s
// weight with, so that the compiled engine and quant_eval agree.
QuantOptions options_for_op(const Checkpoint& ck, const ir::Graph& g, int op, QuantOptions base);
// The same, with the column importance taken from the self-calibration
// (Calibration::importance of the product g.ops[op]'s weight feeds; fused
// parts read the same input) when cal is given and has it; otherwise as
// above. A weight with folded gains (col_gains) keeps the gain rule.
QuantOptions options_for_op(const Checkpoint& ck, const ir::Graph& g, int op, QuantOptions base,
                            const Calibration* cal);

// The self-calibration of ck's model (calibrate() on its f32 weights with
// the default token count and seed), for the compiled engine's q8/q4 weights.
Calibration calibrate_checkpoint(const Checkpoint& ck, const CalibrationProgress& progress = {});

}  // namespace smolc::quant
