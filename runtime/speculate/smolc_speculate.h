/* Prompt-lookup drafting for speculative decoding (docs/speculative.md).
 *
 * Header-only, heap-free C: the n-gram index is a table the caller owns (a
 * compiled engine keeps it in its state). It guesses the next tokens of a
 * sequence by finding the latest earlier occurrence of its last
 * SMOLC_DRAFT_NGRAM_MAX..MIN tokens (3 now: 2-grams matched by chance often
 * enough to cost 4-5 % on free text, bench/speculate) and proposing what
 * followed there. The draft length adapts: it
 * doubles while whole drafts are accepted and falls to the accepted length
 * (at least 1) when one is cut short. A draft with no guess confirmed makes
 * the drafter sit out the next 1, 2, 4 ... 64 lookups (doubling while the
 * misses go on, reset by any confirmed guess): on text where earlier
 * n-grams do not predict the next token, a verify step costs more than the
 * plain decode it replaces, and the back-off bounds how often that happens.
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

#define SMOLC_DRAFT_NGRAM_MAX 3 /* longest n-gram looked up */
#define SMOLC_DRAFT_NGRAM_MIN 3 /* shortest: shorter n-grams repeat by chance too often (bench/speculate) */
#define SMOLC_DRAFT_START 4     /* draft length of the first draft */
#define SMOLC_DRAFT_BACKOFF_MAX 64 /* most lookups skipped after a run of missed drafts */

typedef struct smolc_drafter {
  int32_t *table;  /* mask + 1 entries: 0 empty, else the end e of an n-gram seq[e-n, e) (e >= 2) */
  uint32_t mask;   /* table entries - 1, entries a power of two */
  int32_t indexed; /* n-grams ending before this position are in the table */
  int32_t k;       /* length of the next draft */
  int32_t k_max;
  int32_t skip;    /* lookups still to sit out */
  int32_t backoff; /* lookups the last miss made it sit out; 0 after a confirmed guess */
} smolc_drafter;

/* Table entries for a context of ctx tokens: a power of two >= 4 ctx (two
 * n-gram sizes per position, kept at most half full). */
#define SMOLC_DRAFT_TABLE_ENTRIES(ctx) smolc_draft_pow2((uint32_t)(ctx)*4u)
static inline uint32_t smolc_draft_pow2(uint32_t v) {
  uint32_t p = 16u;
  while (p < v) p <<= 1;
  return p;
}

/* Empties the table (entries a power of two) and sets the draft lengths. */
static inline void smolc_drafter_init(smolc_drafter *d, int32_t *table, uint32_t entries, int32_t k_max) {
  d->table = table;
  d->mask = entries - 1u;
  d->indexed = 0;
  d->k_max = k_max < 0 ? 0 : k_max;
  d->k = SMOLC_DRAFT_START < d->k_max ? SMOLC_DRAFT_START : d->k_max;
  d->skip = 0;
  d->backoff = 0;
  memset(table, 0, sizeof(int32_t) * (size_t)entries);
}

static inline uint32_t smolc_draft_slot(const smolc_drafter *d, const int32_t *seq, int32_t end, int n) {
  uint32_t h = 2166136261u ^ (uint32_t)n;
  for (int i = end - n; i < end; ++i) h = (h ^ (uint32_t)seq[i]) * 16777619u;
  return (h ^ (h >> 15)) & d->mask;
}

/* Up to min(d->k, max_out) guessed continuations of seq[0, len) into out;
 * returns how many (0: no earlier occurrence of the suffix). seq must only
 * grow between calls (after a shorter seq, call smolc_drafter_init again). */
static inline int smolc_drafter_draft(smolc_drafter *d, const int32_t *seq, int32_t len, int32_t *out, int max_out) {
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

/* After verifying a draft of `drafted` tokens of which the first `accepted` matched. */
static inline void smolc_drafter_feedback(smolc_drafter *d, int drafted, int accepted) {
  if (drafted <= 0) return;
  if (accepted == 0) {
    d->backoff = d->backoff == 0 ? 1 : 2 * d->backoff < SMOLC_DRAFT_BACKOFF_MAX ? 2 * d->backoff : SMOLC_DRAFT_BACKOFF_MAX;
    d->skip = d->backoff;
  } else {
    d->backoff = 0;
  }
  if (accepted >= drafted)
    d->k = 2 * d->k < d->k_max ? 2 * d->k : d->k_max;
  else
    d->k = accepted > 1 ? accepted : 1;
}

#ifdef __cplusplus
}
#endif
#endif /* SMOLC_SPECULATE_H */
