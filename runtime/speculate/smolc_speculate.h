/* Prompt-lookup drafting for speculative decoding (docs/speculative.md).
 *
 * Header-only, heap-free C: the n-gram index is a table the caller owns (a
 * compiled engine keeps it in its state). Two drafters guess the next tokens
 * of a sequence from the sequence itself:
 *  - the repeating-pattern drafter: when the last tokens repeat with a period
 *    p (1 <= p <= SMOLC_DRAFT_PERIOD_MAX, over at least max(p, 6) tokens), it
 *    proposes the period's continuation, as many periods as the draft length
 *    asks (the n-gram drafter below cannot see past the current end, so a loop
 *    of period p gave it drafts of at most p tokens);
 *  - the n-gram drafter: the latest earlier occurrence of the last
 *    SMOLC_DRAFT_NGRAM_MAX..MIN tokens (3 now: 2-grams matched by chance often
 *    enough to cost 4-5 % on free text, bench/speculate), proposing what
 *    followed there.
 *
 * Draft length from cost. A verify step of n rows costs c(n) decode steps;
 * with a per-token acceptance a (the chance a guess is confirmed given the
 * ones before it were), a draft of k tokens yields 1 + a + ... + a^k tokens on
 * average, so the drafter takes the k <= k_max that maximises
 * (1 + a + ... + a^k) / c(k + 1). a is a decayed count of confirmed and
 * refuted guesses; c(n) = 1 + s (n - 1) with a per-row slope s that the caller
 * measures (smolc_drafter_timing: step times from the platform clock) or, with
 * no clock, the prior SMOLC_DRAFT_ROW_COST. A draft with no guess confirmed,
 * or a best k that does not beat a plain decode, makes the drafter sit out the
 * next 1, 2, 4 ... 64 lookups (doubling while that goes on, reset by a
 * profitable confirmed draft): on text where earlier tokens do not predict the
 * next one, a verify step costs more than the plain decode it replaces, and
 * the back-off bounds how often that happens.
 *
 * The index is a direct-mapped hash table of n-gram -> end position; a later
 * n-gram with the same slot replaces an earlier one, and every hit is checked
 * against the sequence itself, so a collision only costs a missed draft.
 * Drafts never change what is generated: the engine verifies them. */
#ifndef SMOLC_SPECULATE_H
#define SMOLC_SPECULATE_H
#include <stdint.h>
#include <string.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SMOLC_DRAFT_NGRAM_MAX 3      /* longest n-gram looked up */
#define SMOLC_DRAFT_NGRAM_MIN 3      /* shortest: shorter n-grams repeat by chance too often (bench/speculate) */
#define SMOLC_DRAFT_PERIOD_MAX 32    /* longest period the repeating-pattern drafter looks for */
#define SMOLC_DRAFT_PERIOD_MIN_RUN 6 /* a period p must hold over the last max(p, this) tokens */
#define SMOLC_DRAFT_BACKOFF_MAX 64   /* most lookups skipped after a run of missed drafts */
/* Prior per-row cost of a verify step in decode steps, until measured: a
 * verify of n rows costs 1 + s (n - 1). Batched int8 rows cost about a
 * quarter of a bandwidth-bound decode step on the x86 engines; measured
 * values replace it within a few steps where there is a clock. */
#define SMOLC_DRAFT_ROW_COST 0.25f
#define SMOLC_DRAFT_DECAY 0.875f /* weight of the acceptance counts per verify step (about 8 steps' memory) */
#define SMOLC_DRAFT_REMEASURE 64 /* verify steps before a plain decode step re-measures the decode time */

typedef struct smolc_drafter {
  int32_t* table;  /* mask + 1 entries: 0 empty, else the end e of an n-gram seq[e-n, e) (e >= 2) */
  uint32_t mask;   /* table entries - 1, entries a power of two */
  int32_t indexed; /* n-grams ending before this position are in the table */
  int32_t k;       /* length of the next draft (the cost rule's choice) */
  int32_t k_max;
  int32_t skip;         /* lookups still to sit out */
  int32_t backoff;      /* lookups the last miss made it sit out; 0 after a profitable confirmed draft */
  float hits;           /* decayed count of confirmed guesses */
  float misses;         /* decayed count of refuted guesses (at most one per draft: the first wrong one) */
  float row_cost;       /* s: extra cost of a verify row, in decode steps */
  float decode_ns;      /* decayed mean time of a plain decode step; 0 until measured */
  int32_t since_decode; /* verify steps since decode_ns was measured */
  int32_t timed;        /* the caller reports step times (smolc_drafter_timing) */
} smolc_drafter;

/* Table entries for a context of ctx tokens: a power of two >= 4 ctx (two
 * n-gram sizes per position, kept at most half full). */
#define SMOLC_DRAFT_TABLE_ENTRIES(ctx) smolc_draft_pow2((uint32_t)(ctx) * 4u)
static inline uint32_t smolc_draft_pow2(uint32_t v) {
  uint32_t p = 16u;
  while (p < v) p <<= 1;
  return p;
}

/* The k in [0, k_max] maximising expected tokens per unit of cost,
 * (1 + a + ... + a^k) / (1 + s k); 0 when no draft beats a plain decode. */
static inline int32_t smolc_drafter_best_k(const smolc_drafter* d) {
  const float a = (d->hits + 1.0f) / (d->hits + d->misses + 2.0f); /* Laplace: 1/2 with no evidence */
  float sum = 1.0f, pw = 1.0f, best = 1.0f;
  int32_t best_k = 0;
  for (int32_t k = 1; k <= d->k_max; ++k) {
    pw *= a;
    sum += pw;
    const float v = sum / (1.0f + d->row_cost * (float)k);
    if (v > best) {
      best = v;
      best_k = k;
    }
  }
  return best_k;
}

/* Empties the table (entries a power of two) and sets the draft lengths. */
static inline void smolc_drafter_init(smolc_drafter* d, int32_t* table, uint32_t entries, int32_t k_max) {
  d->table = table;
  d->mask = entries - 1u;
  d->indexed = 0;
  d->k_max = k_max < 0 ? 0 : k_max;
  d->skip = 0;
  d->backoff = 0;
  d->hits = 3.0f; /* prior: a = 2/3 (a repeat seen once is likely to go on) */
  d->misses = 1.0f;
  d->row_cost = SMOLC_DRAFT_ROW_COST;
  d->decode_ns = 0.0f;
  d->since_decode = 0;
  d->timed = 0;
  d->k = smolc_drafter_best_k(d);
  if (d->k == 0 && d->k_max > 0) d->k = 1;
  memset(table, 0, sizeof(int32_t) * (size_t)entries);
}

static inline uint32_t smolc_draft_slot(const smolc_drafter* d, const int32_t* seq, int32_t end, int n) {
  uint32_t h = 2166136261u ^ (uint32_t)n;
  for (int i = end - n; i < end; ++i) h = (h ^ (uint32_t)seq[i]) * 16777619u;
  return (h ^ (h >> 15)) & d->mask;
}

/* The smallest period p of seq's last max(p, SMOLC_DRAFT_PERIOD_MIN_RUN)
 * tokens (each equals the one p before it), 0 if none up to the maximum. */
static inline int32_t smolc_draft_period(const int32_t* seq, int32_t len) {
  for (int32_t p = 1; p <= SMOLC_DRAFT_PERIOD_MAX; ++p) {
    const int32_t run = p > SMOLC_DRAFT_PERIOD_MIN_RUN ? p : SMOLC_DRAFT_PERIOD_MIN_RUN;
    if (len < run + p) return 0;
    int32_t j = 1;
    while (j <= run && seq[len - j] == seq[len - j - p]) ++j;
    if (j > run) return p;
  }
  return 0;
}

/* Up to min(d->k, max_out) guessed continuations of seq[0, len) into out;
 * returns how many (0: no guess, or a plain step to time). seq must only
 * grow between calls (after a shorter seq, call smolc_drafter_init again). */
static inline int smolc_drafter_draft(smolc_drafter* d, const int32_t* seq, int32_t len, int32_t* out, int max_out) {
  /* Index every n-gram that has a continuation; the suffix itself stays out. */
  for (int32_t e = d->indexed > SMOLC_DRAFT_NGRAM_MIN ? d->indexed : SMOLC_DRAFT_NGRAM_MIN; e < len; ++e)
    for (int n = SMOLC_DRAFT_NGRAM_MIN; n <= SMOLC_DRAFT_NGRAM_MAX && n <= e; ++n)
      d->table[smolc_draft_slot(d, seq, e, n)] = e;
  if (len > d->indexed) d->indexed = len;
  const int want = d->k < max_out ? d->k : max_out;
  if (want <= 0) return 0;
  if (d->skip > 0) {
    --d->skip;
    return 0;
  }
  /* A timed caller gets a plain step now and then to know what a verify
   * step's rows cost against it. */
  if (d->timed && (d->decode_ns <= 0.0f || d->since_decode >= SMOLC_DRAFT_REMEASURE)) return 0;
  const int32_t p = smolc_draft_period(seq, len);
  if (p > 0) {
    for (int i = 0; i < want; ++i) out[i] = seq[len - p + i % p];
    return want;
  }
  for (int n = SMOLC_DRAFT_NGRAM_MAX; n >= SMOLC_DRAFT_NGRAM_MIN; --n) {
    if (len < n) continue;
    const int32_t e = d->table[smolc_draft_slot(d, seq, len, n)];
    if (e < n || e >= len || memcmp(seq + e - n, seq + len - n, sizeof(int32_t) * (size_t)n) != 0) continue;
    const int m = len - e < want ? (int)(len - e) : want;
    memcpy(out, seq + e, sizeof(int32_t) * (size_t)m);
    return m;
  }
  return 0;
}

/* The time of a forward step of `rows` tokens (1: a plain decode), from the
 * caller's clock; optional (without it the prior row cost stays). */
static inline void smolc_drafter_timing(smolc_drafter* d, int rows, uint64_t ns) {
  if (ns == 0 || rows < 1) return; /* no clock */
  d->timed = 1;
  if (rows == 1) {
    d->decode_ns = d->decode_ns > 0.0f ? 0.75f * d->decode_ns + 0.25f * (float)ns : (float)ns;
    d->since_decode = 0;
    return;
  }
  ++d->since_decode;
  if (d->decode_ns <= 0.0f) return;
  float s = ((float)ns / d->decode_ns - 1.0f) / (float)(rows - 1);
  s = s < 0.02f ? 0.02f : s > 2.0f ? 2.0f : s;
  d->row_cost = 0.75f * d->row_cost + 0.25f * s;
}

/* After verifying a draft of `drafted` tokens of which the first `accepted` matched. */
static inline void smolc_drafter_feedback(smolc_drafter* d, int drafted, int accepted) {
  if (drafted <= 0) return;
  d->hits = SMOLC_DRAFT_DECAY * d->hits + (float)accepted;
  d->misses = SMOLC_DRAFT_DECAY * d->misses + (accepted < drafted ? 1.0f : 0.0f);
  d->k = smolc_drafter_best_k(d);
  if (accepted == 0 || d->k == 0) {
    /* Sit out some lookups, then probe with at least one guess. */
    d->backoff = d->backoff == 0                            ? 1
                 : 2 * d->backoff < SMOLC_DRAFT_BACKOFF_MAX ? 2 * d->backoff
                                                            : SMOLC_DRAFT_BACKOFF_MAX;
    d->skip = d->backoff;
    if (d->k == 0) d->k = 1;
  } else {
    d->backoff = 0;
  }
}

#ifdef __cplusplus
}
#endif
#endif /* SMOLC_SPECULATE_H */
