#include "tune/verify.h"

#include <algorithm>
#include <filesystem>

#include "common/median.h"
#include "tune/search.h"

namespace smolc::tune {

namespace {

bool panel_changed(const ShapeChoice& s) { return s.tile_m != s.default_tile_m; }

// The rule for one stage that keeps the phases marked: each kept phase the
// margin faster, the other no slower than the margin.
bool accepted(const PhaseRatios& r, bool keep_prefill, bool keep_decode) {
  const auto ok = [](double ratio, bool kept) { return kept ? ratio >= 1 + kMargin : ratio >= 1 - kMargin; };
  return ok(r.prefill, keep_prefill) && ok(r.decode, keep_decode);
}

}  // namespace

bool changes_prefill(const Tuning& t) {
  if (t.prefill_tokens != t.default_prefill_tokens || t.attn_rows != t.default_attn_rows ||
      t.attn_tokens != t.default_attn_tokens)
    return true;
  for (const ShapeChoice& s : t.shapes)
    if (panel_changed(s) || s.tile_n != s.default_tile_n) return true;
  return false;
}

bool changes_decode(const Tuning& t) {
  if (t.attn_decode_rows != t.default_attn_decode_rows) return true;
  for (const ShapeChoice& s : t.shapes)
    if (panel_changed(s)) return true;
  return false;
}

void revert_phases(Tuning& t, bool prefill, bool decode) {
  for (ShapeChoice& s : t.shapes) {
    // A panel height is both phases' choice; a token tile alone is prefill's.
    const bool back = panel_changed(s) ? prefill || decode : prefill && s.tile_n != s.default_tile_n;
    if (!back) continue;
    s.tile_m = s.default_tile_m;
    s.tile_n = s.default_tile_n;
    s.gemv_ns = s.gemv_default_ns;
    s.gemm_ns = s.gemm_default_ns;
  }
  if (prefill) {
    t.prefill_tokens = t.default_prefill_tokens;
    t.attn_rows = t.default_attn_rows;
    t.attn_tokens = t.default_attn_tokens;
  }
  if (decode) t.attn_decode_rows = t.default_attn_decode_rows;
}

PhaseRatios stage_ratios(const std::vector<VerifyRun>& runs, int stage) {
  std::vector<int> threads;
  for (const VerifyRun& r : runs)
    if (r.stage == stage && std::find(threads.begin(), threads.end(), r.threads) == threads.end())
      threads.push_back(r.threads);
  PhaseRatios worst{0, 0};
  bool first = true;
  for (int n : threads) {
    // Per round, the tuned run against the default run of the same round:
    // they ran back to back, under the same load.
    std::vector<double> pp, tg, tgd;
    for (const VerifyRun& d : runs) {
      if (d.stage != stage || d.threads != n || d.tuned) continue;
      for (const VerifyRun& u : runs) {
        if (u.stage != stage || u.threads != n || !u.tuned || u.round != d.round) continue;
        if (d.pp512 > 0) pp.push_back(u.pp512 / d.pp512);
        if (d.tg128 > 0) tg.push_back(u.tg128 / d.tg128);
        if (d.tg128_d512 > 0) tgd.push_back(u.tg128_d512 / d.tg128_d512);
      }
    }
    const PhaseRatios r{median(pp), std::min(median(tg), median(tgd))};
    worst.prefill = first ? r.prefill : std::min(worst.prefill, r.prefill);
    worst.decode = first ? r.decode : std::min(worst.decode, r.decode);
    first = false;
  }
  return worst;
}

void verify(Tuning& t, const std::string& dir, int rounds, const std::vector<int>& threads, const BenchFn& bench,
            const std::function<void(size_t, size_t)>& progress) {
  Verification& v = t.verification;
  v = Verification{};
  v.rounds = rounds;
  v.threads = threads;
  const bool cp = changes_prefill(t), cd = changes_decode(t);
  if (!cp && !cd) {
    v.note = "every choice is the default's: the tuned engine is the default engine";
    return;
  }
  v.ran = true;
  std::filesystem::create_directories(dir);
  const size_t per_stage = size_t(rounds) * threads.size() * 2;
  auto measure = [&](int stage) {
    const std::string file = dir + "/verify-stage" + std::to_string(stage) + ".json";
    write_tuning(t, file);
    size_t done = 0;
    for (int round = 1; round <= rounds; ++round)
      for (int n : threads)
        for (int k = 0; k < 2; ++k) {
          // Odd rounds default first, even rounds tuned first: neither
          // engine always runs second (a warm page cache, a load building up).
          const bool tuned = (k == 1) == (round % 2 == 1);
          VerifyRun r = bench(tuned ? file : "", n);
          r.stage = stage;
          r.round = round;
          r.threads = n;
          r.tuned = tuned;
          v.runs.push_back(r);
          progress(++done, per_stage);
        }
    v.stages.push_back(stage_ratios(v.runs, stage));
    return v.stages.back();
  };
  const PhaseRatios r1 = measure(1);
  const bool kp = cp && r1.prefill >= 1 + kMargin, kd = cd && r1.decode >= 1 + kMargin;
  bool keep_p = kp, keep_d = kd;
  if (kp == cp && kd == cd) {
    if (!accepted(r1, kp, kd)) keep_p = keep_d = false;
  } else if (kp || kd) {
    revert_phases(t, !kp, !kd);
    if (!accepted(measure(2), kp, kd)) keep_p = keep_d = false;
  } else {
    keep_p = keep_d = false;
  }
  revert_phases(t, !keep_p, !keep_d);
  v.prefill = !cp ? "default" : keep_p ? "kept" : "reverted";
  v.decode = !cd ? "default" : keep_d ? "kept" : "reverted";
}

}  // namespace smolc::tune
