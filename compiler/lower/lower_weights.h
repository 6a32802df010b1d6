// Weight lowering, the stage between the schedule and the emitter: every
// weight the engine reads is materialised from the checkpoint (fused and
// gain-folded as the graph's recipes say), self-calibrated and quantised
// (q8/q4) or checked storable (float formats), and packed as the schedule's
// kernel streams it, into one blob. The emitter sees only the offsets.
#pragma once
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "frontend/checkpoint.h"
#include "ir/graph.h"
#include "runtime/weights/smolc_weights.h"
#include "schedule/schedule.h"

namespace smolc {

// FNV-1a over 64-bit little-endian words plus the byte tail: the function the
// engine checks external weights with (runtime/weights/smolc_weights.h), also
// used for cache keys.
inline uint64_t weights_hash(const uint8_t* p, size_t n) { return smolc_weights_hash(p, n); }

// Where each weight sits in the blob, and what the engine checks the blob by.
struct WeightOffsets {
  // Keys: the op name of every MatMul and LmHead, "embed" for an untied
  // embedding, the tensor name of every gain the engine applies at run time.
  std::map<std::string, size_t> by_key;
  size_t bytes = 0;   // the blob's size
  uint64_t hash = 0;  // weights_hash of the blob
  // Throws std::logic_error for a key the lowering did not place.
  size_t at(const std::string& key) const;
};

struct LoweredWeights {
  std::vector<uint8_t> blob;  // every entry 64-byte aligned; at least 64 bytes
  WeightOffsets offsets;
};

struct WeightOptions {
  // Quantised formats: NaN/Inf weights are quantised as 0 instead of refused.
  bool allow_nonfinite = false;
  // q8/q4 self-calibration steps done of total (empty: silent).
  std::function<void(size_t done, size_t total)> calibration_progress;
};

// (done, total) in bytes of weights packed so far.
using ProgressFn = std::function<void(size_t, size_t)>;

// `g` must be the output of passes::run_all() and `s` its schedule. Throws
// InputError for bad model data (a gain of the wrong length, a value the
// format cannot hold).
LoweredWeights lower_weights(const Checkpoint& ck, const ir::Graph& g, const schedule::Schedule& s,
                             const WeightOptions& opt, const ProgressFn& progress = {});

}  // namespace smolc
