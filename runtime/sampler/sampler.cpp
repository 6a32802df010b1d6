// The sampling pipeline of sampler.h: penalties -> (greedy) -> top-k -> top-p
// -> min-p -> temperature -> draw. docs/sampler.md explains the order, the
// exact formulas and the complexity.
#include "sampler/fp_strict.h"

#include "sampler/sampler.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

#include <algorithm>

#include "sampler/exp_nonpos.h"

namespace {

using smolc_rt::exp_nonpos;

struct Candidate {
  float logit;
  int32_t id;
};

// The one total order every cutoff uses: higher logit first, then lower id.
// NaN never reaches it (sanitised on copy), so it is a strict weak order and
// the kept set and its sorted order are unique, whatever the STL does inside.
inline bool better(const Candidate& a, const Candidate& b) {
  return a.logit > b.logit || (a.logit == b.logit && a.id < b.id);
}

// Whether top-k bounds the candidates: then only the k best are ever stored.
inline bool top_k_bounds(int32_t top_k, int32_t vocab) { return top_k > 0 && top_k < vocab; }

// Candidate slots the work buffer holds for these parameters: k, or vocab.
inline int32_t slots(int32_t top_k, int32_t vocab) { return top_k_bounds(top_k, vocab) ? top_k : vocab; }

// The work buffer, carved as: Candidate[slots] | float weight[slots] | seen
// bitset of the whole vocabulary (SMOLC_SAMPLER_WORK_BYTES_TOP_K).
struct Work {
  Candidate* cand;
  float* weight;
  uint32_t* seen;
};

Work carve(void* work, int32_t n_slots) {
  uintptr_t p = ((uintptr_t)work + 7u) & ~(uintptr_t)7u;
  Work w;
  w.cand = (Candidate*)p;
  w.weight = (float*)(p + (size_t)n_slots * sizeof(Candidate));
  w.seen = (uint32_t*)(p + (size_t)n_slots * (sizeof(Candidate) + sizeof(float)));
  return w;
}

bool params_valid(const smolc_sampler_params& p) {
  // Written as positive range checks so NaN fails every one of them.
  if (!(p.temperature >= -FLT_MAX && p.temperature <= FLT_MAX)) return false;
  if (!(p.top_p > 0.0f && p.top_p <= 1.0f)) return false;
  if (!(p.min_p >= 0.0f && p.min_p <= 1.0f)) return false;
  if (!(p.repeat_penalty > 0.0f && p.repeat_penalty <= FLT_MAX)) return false;
  return true;
}

// Index of the best candidate in cand[0, n) under `better` (first max, since
// ids ascend when this is called).
int32_t best_index(const Candidate* cand, int32_t n) {
  int32_t best = 0;
  for (int32_t i = 1; i < n; ++i)
    if (cand[i].logit > cand[best].logit) best = i;
  return best;
}

// Marks the ids of history[start, end) in the seen bitset: a set, so each
// distinct id is penalised once however often it repeats.
void mark_seen(uint32_t* seen, int32_t vocab, const int32_t* history, int32_t start, int32_t end) {
  memset(seen, 0, (((size_t)vocab + 31u) / 32u) * sizeof(uint32_t));
  for (int32_t j = start; j < end; ++j) seen[history[j] >> 5] |= 1u << ((uint32_t)history[j] & 31u);
}

inline bool is_seen(const uint32_t* seen, int32_t id) { return (seen[id >> 5] >> ((uint32_t)id & 31u)) & 1u; }

// Logit `i` as every later step sees it: NaN -> -inf (never chosen), +inf ->
// the largest float (so l - lmax stays finite), then the repetition penalty
// if the id is in the window.
inline float read_logit(const float* logits, int32_t i, const uint32_t* seen, float penalty) {
  const float raw = logits[i];
  const float l = raw != raw ? -INFINITY : (raw > FLT_MAX ? FLT_MAX : raw);
  if (!seen || !is_seen(seen, i)) return l;
  const float penalised = l > 0.0f ? l / penalty : l * penalty;
  // A tiny penalty can overflow l / penalty to +inf; keep l - lmax finite.
  return penalised > FLT_MAX ? FLT_MAX : penalised;
}

// Sum of w[0, n) in double, in 4 interleaved lanes combined in a fixed order:
// exact enough that float rounding never decides a cutoff (a float running
// sum over 49152 weights drifts by ~1e-5 relative), and the same bits on
// every IEEE-754 platform since nothing is reassociated.
double sum_weights(const float* w, int32_t n) {
  double a0 = 0.0, a1 = 0.0, a2 = 0.0, a3 = 0.0;
  int32_t i = 0;
  for (; i + 4 <= n; i += 4) {
    a0 += w[i];
    a1 += w[i + 1];
    a2 += w[i + 2];
    a3 += w[i + 3];
  }
  for (; i < n; ++i) a0 += w[i];
  return (a0 + a1) + (a2 + a3);
}

// weight[i] = exp((l_i - lmax) / T) for cand[0, n); a separate pass so it
// vectorises (exp_nonpos is branch-free).
void fill_weights(const Candidate* cand, float* weight, int32_t n, float lmax, float temperature) {
  for (int32_t i = 0; i < n; ++i) weight[i] = exp_nonpos((cand[i].logit - lmax) / temperature);
}

// top-k while reading the logits: the k best of all `vocab` candidates into
// cand[0, k), sorted by `better`, never storing more than k. A bounded heap
// whose root is the worst kept: O(vocab + k log k) when most candidates cost
// one comparison, O(vocab log k) at worst. The kept set and its order are
// unique under `better`, so this equals selecting from a full copy.
void stream_top_k(Candidate* cand, int32_t k, const float* logits, int32_t vocab, const uint32_t* seen, float penalty) {
  for (int32_t i = 0; i < k; ++i) cand[i] = Candidate{read_logit(logits, i, seen, penalty), i};
  std::make_heap(cand, cand + k, better);
  for (int32_t i = k; i < vocab; ++i) {
    const Candidate c{read_logit(logits, i, seen, penalty), i};
    if (!better(c, cand[0])) continue;
    std::pop_heap(cand, cand + k, better);
    cand[k - 1] = c;
    std::push_heap(cand, cand + k, better);
  }
  std::sort(cand, cand + k, better);
}

// top-p over sorted candidates: the shortest prefix whose mass reaches
// top_p * (mass of all n), the crossing token included. Returns its length.
int32_t top_p_sorted(const Candidate* cand, float* weight, int32_t n, float lmax, float top_p) {
  fill_weights(cand, weight, n, lmax, 1.0f);
  const double target = (double)top_p * sum_weights(weight, n);
  double cum = 0.0;
  for (int32_t i = 0; i < n; ++i) {
    cum += weight[i];
    if (cum >= target) return i + 1;
  }
  return n;  // rounding left cum a hair under target: keep everything
}

// Buckets of distance below the max logit for top-p without top-k: bucket b
// holds lmax - l in [b, b+1) / kBucketScale; the last one everything >= 16.
constexpr int kBuckets = 64;
constexpr float kBucketRange = 16.0f;
constexpr float kBucketScale = (float)(kBuckets - 1) / kBucketRange;  // 3.9375, exact

// Monotone in the logit, so "bucket <= b" is always a prefix of the sorted order.
inline int bucket_of(float lmax, float logit) {
  const float d = lmax - logit;
  if (!(d < kBucketRange)) return kBuckets - 1;  // also -inf logits
  return (int)(d * kBucketScale);
}

// top-p over unsorted candidates (no top-k before it) without sorting all of
// them. One O(n) pass buckets the weights by distance below the max logit;
// the bucket where the running mass reaches the target bounds the cutoff, so
// only tokens in that bucket and above are partitioned out and sorted, and
// the exact cumulative sum is taken over them in sorted order. Should rounding
// leave it short, the next bucket joins, and so on. Cost O(n + m log m) for m
// tokens in the selected buckets (worst case, a flat distribution, O(n log n)).
// Leaves cand[0, result) sorted by `better`.
int32_t top_p_unsorted(Candidate* cand, float* weight, int32_t n, float lmax, float top_p) {
  fill_weights(cand, weight, n, lmax, 1.0f);  // cand is in id order here
  const double target = (double)top_p * sum_weights(weight, n);
  double mass[kBuckets] = {};
  for (int32_t i = 0; i < n; ++i) mass[bucket_of(lmax, cand[i].logit)] += weight[i];
  int limit = kBuckets - 1;
  double bucket_cum = 0.0;
  for (int b = 0; b < kBuckets - 1; ++b) {
    bucket_cum += mass[b];
    if (bucket_cum >= target) {
      limit = b;
      break;
    }
  }
  double cum = 0.0;
  int32_t done = 0;
  while (done < n) {
    Candidate* end = std::partition(cand + done, cand + n,
                                    [lmax, limit](const Candidate& c) { return bucket_of(lmax, c.logit) <= limit; });
    const int32_t stop = (int32_t)(end - cand);
    std::sort(cand + done, end, better);
    for (int32_t i = done; i < stop; ++i) {
      cum += exp_nonpos(cand[i].logit - lmax);
      if (cum >= target) return i + 1;
    }
    done = stop;
    ++limit;
  }
  return n;
}

// min-p: keep p_i >= min_p * p_max, i.e. exp(l_i - lmax) >= min_p. Stable, so
// the order (sorted or by id) is preserved. The argmax has weight 1 >= min_p.
int32_t min_p_filter(Candidate* cand, float* weight, int32_t n, float lmax, float min_p) {
  fill_weights(cand, weight, n, lmax, 1.0f);
  int32_t kept = 0;
  for (int32_t i = 0; i < n; ++i)
    if (weight[i] >= min_p) cand[kept++] = cand[i];
  return kept;
}

// Final weights exp((l_i - lmax) / T) of cand[0, n) into weight[]; returns
// their sum (>= 1: the argmax weighs exp(0) = 1).
double temperature_weights(const Candidate* cand, float* weight, int32_t n, float lmax, float temperature) {
  fill_weights(cand, weight, n, lmax, temperature);
  return sum_weights(weight, n);
}

// Inverse-CDF draw: the first candidate, in walk order, whose cumulative
// weight exceeds u * total. Zero weights can never be chosen.
int32_t draw(const Candidate* cand, const float* weight, int32_t n, double total, float u) {
  const double target = (double)u * total;
  double cum = 0.0;
  int32_t last_positive = 0;
  for (int32_t i = 0; i < n; ++i) {
    if (weight[i] <= 0.0f) continue;
    cum += weight[i];
    last_positive = i;
    if (target < cum) return cand[i].id;
  }
  return cand[last_positive].id;  // rounding: cum ended just under target
}

// Steps 1-5 of sampler.h. Returns the number of survivors, left in
// w.cand[0, n) in walk order, or a negative error code; *lmax receives the
// largest penalised logit and *greedy whether step 2 short-circuited (then
// w.cand[0] holds the argmax).
int32_t prepare(smolc_sampler* s, const float* logits, const int32_t* history, int32_t n_history, float* lmax,
                bool* greedy) {
  if (!s || !logits || !s->work) return SMOLC_SAMPLER_E_NULL;
  if (n_history < 0) return SMOLC_SAMPLER_E_HISTORY;
  if (n_history > 0 && !history) return SMOLC_SAMPLER_E_NULL;
  const smolc_sampler_params& p = s->params;
  const int32_t vocab = s->vocab;

  // Penalty window [start, n_history): checked before anything changes.
  const bool penalise = p.repeat_penalty != 1.0f && p.repeat_last_n != 0 && n_history > 0;
  int32_t start = n_history;
  if (penalise) start = (p.repeat_last_n < 0 || p.repeat_last_n >= n_history) ? 0 : n_history - p.repeat_last_n;
  for (int32_t j = start; j < n_history; ++j)
    if (history[j] < 0 || history[j] >= vocab) return SMOLC_SAMPLER_E_HISTORY;

  if (s->work_bytes < smolc_sampler_work_bytes_for(vocab, p.top_k)) return SMOLC_SAMPLER_E_WORK;
  Work w = carve(s->work, slots(p.top_k, vocab));
  if (penalise) mark_seen(w.seen, vocab, history, start, n_history);
  const uint32_t* seen = penalise ? w.seen : nullptr;

  int32_t n = vocab;
  bool sorted = false;
  int32_t best = 0;
  if (top_k_bounds(p.top_k, vocab)) {
    // Step 3 first: it is the only thing that needs more than k slots, and
    // greedy's argmax is the best of the k kept anyway.
    stream_top_k(w.cand, p.top_k, logits, vocab, seen, p.repeat_penalty);
    n = p.top_k;
    sorted = true;
  } else {
    for (int32_t i = 0; i < vocab; ++i) w.cand[i] = Candidate{read_logit(logits, i, seen, p.repeat_penalty), i};
    best = best_index(w.cand, vocab);
  }
  *lmax = w.cand[best].logit;
  // Greedy, or every logit NaN/-inf (nothing to weigh): the argmax alone.
  if (p.temperature <= 0.0f || *lmax == -INFINITY) {
    *greedy = true;
    w.cand[0] = w.cand[best];
    return 1;
  }
  *greedy = false;
  if (p.top_p < 1.0f)
    n = sorted ? top_p_sorted(w.cand, w.weight, n, *lmax, p.top_p)
               : top_p_unsorted(w.cand, w.weight, n, *lmax, p.top_p);
  if (p.min_p > 0.0f) n = min_p_filter(w.cand, w.weight, n, *lmax, p.min_p);
  return n;
}

}  // namespace

extern "C" {

smolc_sampler_params smolc_sampler_default_params(void) {
  smolc_sampler_params p;
  p.temperature = 1.0f;
  p.top_k = 0;
  p.top_p = 1.0f;
  p.min_p = 0.0f;
  p.repeat_penalty = 1.0f;
  p.repeat_last_n = 64;
  p.seed = 0;
  return p;
}

size_t smolc_sampler_work_bytes(int32_t vocab) {
  if (vocab <= 0 || vocab > SMOLC_SAMPLER_MAX_VOCAB) return 0;
  return SMOLC_SAMPLER_WORK_BYTES(vocab);
}

size_t smolc_sampler_work_bytes_for(int32_t vocab, int32_t top_k) {
  if (vocab <= 0 || vocab > SMOLC_SAMPLER_MAX_VOCAB) return 0;
  return SMOLC_SAMPLER_WORK_BYTES_TOP_K(vocab, top_k);
}

const char* smolc_sampler_strerror(int code) {
  switch (code) {
    case SMOLC_SAMPLER_OK: return "ok";
    case SMOLC_SAMPLER_E_NULL: return "sampler: a required pointer is NULL";
    case SMOLC_SAMPLER_E_VOCAB: return "sampler: vocabulary size out of range";
    case SMOLC_SAMPLER_E_WORK: return "sampler: work buffer smaller than smolc_sampler_work_bytes_for(vocab, top_k)";
    case SMOLC_SAMPLER_E_PARAMS: return "sampler: a parameter is outside its range";
    case SMOLC_SAMPLER_E_HISTORY: return "sampler: history length or an id in the penalty window out of range";
    default: return "sampler: unknown error code";
  }
}

int smolc_sampler_init(smolc_sampler* s, const smolc_sampler_params* params, int32_t vocab, void* work,
                       size_t work_bytes) {
  if (!s || !params || !work) return SMOLC_SAMPLER_E_NULL;
  if (vocab <= 0 || vocab > SMOLC_SAMPLER_MAX_VOCAB) return SMOLC_SAMPLER_E_VOCAB;
  if (work_bytes < smolc_sampler_work_bytes_for(vocab, params->top_k)) return SMOLC_SAMPLER_E_WORK;
  if (!params_valid(*params)) return SMOLC_SAMPLER_E_PARAMS;
  s->params = *params;
  s->vocab = vocab;
  s->work = work;
  s->work_bytes = work_bytes;
  smolc_pcg32_seed(&s->rng, params->seed, SMOLC_SAMPLER_PCG_STREAM);
  return SMOLC_SAMPLER_OK;
}

void smolc_sampler_reseed(smolc_sampler* s, uint64_t seed) {
  s->params.seed = seed;
  smolc_pcg32_seed(&s->rng, seed, SMOLC_SAMPLER_PCG_STREAM);
}

int32_t smolc_sampler_sample(smolc_sampler* s, const float* logits, const int32_t* history, int32_t n_history) {
  float lmax = 0.0f;
  bool greedy = false;
  const int32_t n = prepare(s, logits, history, n_history, &lmax, &greedy);
  if (n < 0) return n;
  Work w = carve(s->work, slots(s->params.top_k, s->vocab));
  if (greedy && s->params.temperature <= 0.0f) return w.cand[0].id;  // no draw
  const float u = smolc_pcg32_uniform(&s->rng);
  if (greedy) return w.cand[0].id;
  const double total = temperature_weights(w.cand, w.weight, n, lmax, s->params.temperature);
  return draw(w.cand, w.weight, n, total, u);
}

int32_t smolc_sampler_candidates(smolc_sampler* s, const float* logits, const int32_t* history, int32_t n_history,
                                 int32_t* ids, float* probs, int32_t cap) {
  if (cap > 0 && !ids) return SMOLC_SAMPLER_E_NULL;
  float lmax = 0.0f;
  bool greedy = false;
  const int32_t n = prepare(s, logits, history, n_history, &lmax, &greedy);
  if (n < 0) return n;
  Work w = carve(s->work, slots(s->params.top_k, s->vocab));
  if (greedy) {
    if (cap > 0) {
      ids[0] = w.cand[0].id;
      if (probs) probs[0] = 1.0f;
    }
    return 1;
  }
  const double total = temperature_weights(w.cand, w.weight, n, lmax, s->params.temperature);
  for (int32_t i = 0; i < n && i < cap; ++i) {
    ids[i] = w.cand[i].id;
    if (probs) probs[i] = (float)((double)w.weight[i] / total);
  }
  return n;
}

int32_t smolc_argmax(const float* logits, int32_t n) {
  if (!logits || n <= 0) return -1;
  int32_t best = -1;
  for (int32_t i = 0; i < n; ++i) {
    if (logits[i] != logits[i]) continue;
    if (best < 0 || logits[i] > logits[best]) best = i;
  }
  return best < 0 ? 0 : best;
}

float smolc_exp_nonpos(float x) { return exp_nonpos(x); }

}  // extern "C"
