// The tuning file `smolc tune` writes and `smolc compile --tune` reads: per
// matrix shape of one model, the panel rows (tile_m, shared by the decode gemv
// and the prefill gemm of that matrix, one packed copy) and the gemm token
// tile (tile_n) that measured fastest on one CPU; for the whole engine, the
// prefill step (tokens per forward step), the prefill attention block (cache
// rows per block, query tokens per work item) and the decode attention block;
// with the times behind each choice. docs/compiler.md ("Tuning") documents
// the file (version 3; older versions are refused: their rules let a prefill
// gain pay for a slower decode).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "emit/kernel_api.h"
#include "ir/graph.h"
#include "schedule/schedule.h"

namespace smolc::tune {

// What /proc/cpuinfo and /sys say about the CPU the times were taken on.
struct CpuInfo {
  std::string model;                                  // "AMD EPYC 9654 96-Core Processor"
  std::string flags;                                  // the cpuinfo flags line
  int64_t l1d_bytes = 0, l2_bytes = 0, l3_bytes = 0;  // 0: unknown
};
CpuInfo host_cpu_info();

struct ShapeChoice {
  Format fmt = Format::F32;
  int64_t M = 0, K = 0;
  int tile_m = 0, tile_n = 0;  // the choice
  int default_tile_m = 0, default_tile_n = 0;
  double gemv_default_ns = 0, gemv_ns = 0;  // decode: one call, cold weights
  double gemm_default_ns = 0, gemm_ns = 0;  // prefill: one call over `tokens` tokens, hot weights
};

// One timed prefill step: the model's prefill projections (default tiles) at
// `tokens` tokens per call, cold weights, per token.
struct PrefillStep {
  int tokens = 0;
  double ns_per_token = 0;
};

// One timed attention candidate: one layer's attention on one thread, a
// decode token at Tuning::attn_decode_pos over a cold KV cache (decode_ns,
// the time of blocks of `rows` rows whatever `tokens`: a decode tile is one
// token) and a prefill step of attn_prefill_tokens tokens at attn_prefill_pos.
struct AttentionTime {
  int rows = 0, tokens = 0;
  double decode_ns = 0, prefill_ns = 0;
};

// One `smolc bench` run of the end-to-end verification (tokens/s): the
// default or the tuned engine, at `threads` threads, in round `round` of
// stage `stage` (1: every choice of the search; 2: the phases stage 1 kept).
struct VerifyRun {
  int stage = 1, round = 1, threads = 1;
  bool tuned = false;
  double pp512 = 0, tg128 = 0, tg128_d512 = 0;
};

// Tuned / default of one stage, the worst over the thread counts of the
// per-thread-count medians over the rounds: prefill = pp512, decode = the
// lesser of tg128 and tg128 @ d512.
struct PhaseRatios {
  double prefill = 0, decode = 0;
};

// What `smolc tune` measured of the whole engines after the kernel search
// (docs/compiler.md, "Tuning"): ran = false with a note when it did not run
// (--no-verify, --from-probe, an emulator, every choice the default).
// prefill / decode: "default" (the search kept every choice of that phase),
// "kept" or "reverted".
struct Verification {
  bool ran = false;
  std::string note;
  int rounds = 0;
  std::vector<int> threads;
  std::vector<VerifyRun> runs;
  std::vector<PhaseRatios> stages;
  std::string prefill = "default", decode = "default";
};

struct Tuning {
  std::string target;  // TargetDesc::name the times were taken for
  CpuInfo cpu;
  std::string smolc_version;
  std::string model, format;  // what was tuned (informative)
  int threads = 1;            // rows per timed call were M / threads
  int tokens = 0;             // prefill tokens per timed gemm call (the target's prefill step)
  std::string runner;         // --runner prefix, "" on the host
  bool emulated = false;      // times taken under an emulator: not speeds
  std::vector<ShapeChoice> shapes;
  // The prefill step: 0 in a version 1 file (the target's default stays).
  int prefill_tokens = 0, default_prefill_tokens = 0;
  std::vector<PrefillStep> prefill_steps;  // every step timed, the default among them
  // The attention blocks: prefill (rows x tokens) and decode (rows), each
  // chosen by its own times.
  int attn_rows = 0, attn_tokens = 0, default_attn_rows = 0, default_attn_tokens = 0;
  int attn_decode_rows = 0, default_attn_decode_rows = 0;
  int attn_decode_pos = 0, attn_prefill_pos = 0, attn_prefill_tokens = 0;
  std::vector<AttentionTime> attn_times;  // every candidate timed, the default first
  // Optional in the file (absent: not verified).
  Verification verification;
};

constexpr int kTuningVersion = 3;
constexpr int kMaxPrefillTokens = 256;  // the state holds [step, ...] scratch, scores [step x heads, ctx]
// The attention keeps a block's f32 copy and a tile's query rows on the stack.
constexpr int kMaxAttnRows = 256, kMaxAttnTokens = 32;

// Throws InputError(path, field, ...) for a file that is not a tuning file.
Tuning read_tuning(const std::string& path);
void write_tuning(const Tuning& t, const std::string& path);
std::string tuning_json(const Tuning& t);
Tuning parse_tuning(const std::string& text, const std::string& path);

// The file's hex SHA-256 (manifest, engine cache key).
std::string tuning_hash(const std::string& path);

// Refuses (InputError, exit 2) a file made for another target; warns on
// stderr when it was measured on another CPU model of the same target.
void check_tuning_target(const Tuning& t, const schedule::TargetDesc& target, const std::string& path);

// The one hook into the schedule: after make_schedule built the default,
// every projection whose (format, M, K) the file names gets the file's
// tile_m / tile_n, each checked against the kernel list (a gemv and a gemm
// variant with those tiles for the op's format and ISA, and a row variant
// where the tied embedding reads the lm_head panels); the thread grains follow
// the new panels. It also sets the prefill step and the prefill and decode
// attention blocks. Throws InputError(path, "shapes[i]...") for a choice the
// kernel list lacks.
void apply_tuning(schedule::Schedule& s, const ir::Graph& g, const Tuning& t, const std::string& path);

// --tune FILE for compile / bench / run: reads, checks against the target and
// returns it ("" path: nullopt-like empty Tuning with target "").
Tuning load_for_target(const std::string& path, const schedule::TargetDesc& target);

}  // namespace smolc::tune
