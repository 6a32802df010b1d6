// `smolc tune`'s search: the candidate kernels of every matrix shape of a
// schedule (from the kernel list), one probe program that times them
// (templates/tune/probe.cpp.in), and the choice per shape.
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "frontend/config.h"
#include "schedule/kernel_list.h"
#include "schedule/schedule.h"
#include "tune/tuning.h"

namespace smolc::tune {

struct Candidate {
  size_t shape = 0;  // index into Search::shapes
  KernelVariant variant;
  double ns = 0;  // measured median per call
  // A prefill-step candidate: the shape's default gemm at `step` tokens per
  // call over cold weights (a forward step reads every layer's weights from
  // DRAM once, whatever its token count). 0: a tile candidate (gemv: one
  // token, cold; gemm: Search::tokens tokens, hot).
  int step = 0;
  // An attention candidate (attn_rows > 0; shape and variant unused): the
  // engine's attention with blocks of attn_rows cache rows and tiles of
  // attn_tokens query tokens, one layer, attn_n tokens at attn_pos. Decode:
  // 1 token at Search::attn_decode_pos, each call on another copy of one
  // layer's KV cache in the cold buffer (a decode step finds every layer's
  // cache evicted by the weights read since its last visit); prefill:
  // Search::tokens tokens at attn_prefill_pos, each call on the next layer's
  // cache (a prefill step's tiles reread the blocks from cache).
  int attn_rows = 0, attn_tokens = 0, attn_n = 0, attn_pos = 0;
};

// "gemv", "gemm" (kernel_op_name) or "attention": the OP of a probe line.
std::string candidate_op(const Candidate& c);

struct Search {
  std::vector<ShapeChoice> shapes;    // defaults filled in, times not yet
  std::vector<Candidate> candidates;  // the defaults of every shape first
  int threads = 1, tokens = 0;
  // Prefill steps: per shape, how many projections of a prefill step have it
  // (the lm_head is 0: prefill computes the last row's logits only); the
  // steps timed (the default, tokens, always) and the choice.
  std::vector<int> prefill_uses;
  std::vector<int> steps;
  int step = 0;
  std::vector<PrefillStep> step_times;
  // The attention: the model's dimensions (the probe's attention unit), where
  // it is timed, and the choice (default first in attn_times).
  int dim = 0, heads = 0, kv_heads = 0, head_dim = 0, layers = 0;
  int attn_decode_pos = 0, attn_prefill_pos = 0;
  int attn_rows = 0, attn_tokens = 0, attn_decode_rows = 0;
  std::vector<AttentionTime> attn_times;
};

// The shapes of `s` (one per distinct format x M x K) and their candidates:
// every panel height with a gemv and a gemm kernel in the kernel list (only
// the default one for a tied lm_head whose panels the embedding also reads),
// every token tile of a gemm at that height; and the prefill steps (half,
// one and a half and twice the target's, each the default gemm of every
// prefill shape, cold). Alternatives are dropped, largest shapes first, until
// the estimated time fits budget_s (prefill steps, which compile nothing,
// first in); the defaults always stay.
// And the attention blocks (8, 16, 32, 64 cache rows x 1, 2, 4, 8 query
// tokens; decode once per row count), after the prefill steps.
Search plan_search(const schedule::Schedule& s, const ModelConfig& cfg, int threads, double budget_s);

// Writes the probe's sources into dir, compiles and links dir/tune-probe for
// the target (cxx, its unit flags, --target=TRIPLE for clang on a cross
// target). progress(done, total) per compiled unit. Returns the probe's path.
std::string build_probe(const Search& search, const schedule::TargetDesc& t, const std::string& cxx,
                        const std::string& dir, const std::string& model, const std::string& format,
                        const std::function<void(size_t, size_t)>& progress);

// The probe's command line arguments: cold-buffer MiB and repetitions.
std::string probe_args(int64_t l3_bytes);

// Reads the probe's output (CPU lines and one time per candidate) into the
// search; throws InputError(source, "line N", ...) for anything else.
void read_probe_output(Search& search, const std::string& text, const std::string& source, CpuInfo& cpu);

// The noise margin: a choice other than the default must be at least this
// much faster than the default where it changes the engine.
constexpr double kMargin = 0.02;

// Picks every choice from the candidate times; the default stays unless an
// alternative is kMargin faster in every setting it changes and no slower
// in any, so a prefill gain never pays for a slower decode:
// - a shape's tiles: tile_n alone changes only the prefill gemm; a tile_m
//   (panel height) also changes the decode gemv, so it must be kMargin faster
//   in the gemv and no slower in the gemm. Among the pairs that qualify, the
//   least sum of gemv and gemm time relative to the default's.
// - the prefill step: the least time per token of a step's projections (sum
//   over shapes of uses x time per call, over the step's tokens).
// - the prefill attention block (rows x tokens): the least prefill time; the
//   decode attention block (rows): the least cold decode time.
void choose(Search& search);

}  // namespace smolc::tune
