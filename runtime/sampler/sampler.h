/* Heap-free, deterministic token sampler of the smolc runtime.
 *
 * Plain C API so compiled engines can export it and C firmware can call it.
 * No heap, no stdio, no exceptions: the caller owns every byte of memory
 * (the sampler struct and a work buffer sized by the vocabulary).
 *
 * Pipeline, applied in this fixed order on every call (docs/sampler.md has
 * the formulas and why this order):
 *
 *   1. repetition penalty  over the last `repeat_last_n` ids of the history,
 *                          once per distinct id: logit > 0 -> logit / penalty,
 *                          else logit * penalty   (llama.cpp / HF semantics)
 *   2. temperature <= 0    -> greedy: argmax of the penalised logits, ties to
 *                          the lowest id; steps 3-6 are skipped, no random
 *                          number is drawn.
 *   3. top-k               keep the k highest logits (ties: lower id first)
 *   4. top-p               keep the smallest prefix, in (probability desc,
 *                          id asc) order, whose cumulative probability is
 *                          >= top_p; the token that crosses the threshold IS
 *                          kept (HF TopPLogitsWarper / llama.cpp semantics)
 *   5. min-p               keep tokens with p >= min_p * p_max (p_max = the
 *                          most probable token's probability)
 *   6. temperature         p_i ∝ exp((logit_i - logit_max) / temperature)
 *                          over the kept tokens, then one draw.
 *
 * Steps 3-5 see the temperature-1 distribution (as llama.cpp, unlike HF which
 * applies temperature first), so a cutoff keeps the same tokens whatever the
 * temperature. At least one token (the argmax) always survives.
 *
 * Determinism: the random numbers come from PCG32 (O'Neill's pcg32,
 * XSH-RR output, 64-bit LCG state) and the uniform is built from integer bits
 * exactly; exp() is the runtime's own (only +, -, *, with contraction into
 * FMA disabled), sums run in a fixed order. So the same logits, history,
 * parameters and seed give the same token on every platform with IEEE-754
 * binary32 floats evaluated at float precision (FLT_EVAL_METHOD == 0), at
 * any thread count (the sampler is single-threaded and keeps no hidden state
 * besides the RNG in the struct).
 *
 * NaN logits are treated as -infinity; +infinity as the largest float.
 */
#ifndef SMOLC_SAMPLER_H
#define SMOLC_SAMPLER_H
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- PCG32 random number generator ---------------------------------- */

typedef struct smolc_pcg32 {
  uint64_t state;
  uint64_t inc; /* stream selector, always odd */
} smolc_pcg32;

/* pcg32_srandom_r(initstate, initseq) of the PCG reference implementation:
 * seed 42, stream 54 gives the reference sequence 0xa15c02b7, 0x7b47f409, ... */
void smolc_pcg32_seed(smolc_pcg32* rng, uint64_t initstate, uint64_t initseq);
/* Next 32 random bits (pcg32_random_r). */
uint32_t smolc_pcg32_next(smolc_pcg32* rng);
/* Uniform float in [0, 1): the top 24 bits of one smolc_pcg32_next() times
 * 2^-24, exact (every result is a multiple of 2^-24). */
float smolc_pcg32_uniform(smolc_pcg32* rng);

/* The stream the sampler seeds PCG32 with (any odd-producing constant works;
 * fixed so a seed means the same thing everywhere). */
#define SMOLC_SAMPLER_PCG_STREAM 0x736d6f6c63ull /* "smolc" */

/* ---- Sampler ---------------------------------------------------------- */

typedef struct smolc_sampler_params {
  float temperature;     /* <= 0: greedy; must be finite */
  int32_t top_k;         /* <= 0 or >= vocab: disabled */
  float top_p;           /* 1: disabled; must be in (0, 1] */
  float min_p;           /* <= 0: disabled; must be in [0, 1] */
  float repeat_penalty;  /* 1: disabled; must be finite and > 0 */
  int32_t repeat_last_n; /* window: the last N ids of the history; 0 disables, < 0 = whole history */
  uint64_t seed;         /* PCG32 initstate (stream SMOLC_SAMPLER_PCG_STREAM) */
} smolc_sampler_params;

/* Neutral parameters: temperature 1, every cutoff and the penalty disabled,
 * repeat_last_n 64, seed 0 (plain sampling from softmax(logits)). */
smolc_sampler_params smolc_sampler_default_params(void);

/* Bytes of work buffer needed for `vocab` tokens: 12 per token (a candidate
 * id + logit and a weight) plus a bitset of seen ids, plus 16 of alignment
 * slack. A constant expression so firmware can size a static array. Enough
 * for any parameters. */
#define SMOLC_SAMPLER_WORK_BYTES(vocab) ((size_t)(vocab) * 12u + (((size_t)(vocab) + 31u) / 32u) * 4u + 16u)
/* Bytes of work buffer enough for parameters whose top_k is `k`: with
 * 0 < k < vocab only the k best candidates are ever kept (the sampler streams
 * the logits through a bounded heap), so 12 per kept token plus the seen-id
 * bitset (vocab / 8 bytes) and the slack; otherwise SMOLC_SAMPLER_WORK_BYTES.
 * 49,152 tokens at top-k 40: 6,640 B instead of 595,984 B. Constant too. */
#define SMOLC_SAMPLER_WORK_BYTES_TOP_K(vocab, k) \
  ((size_t)((k) > 0 && (k) < (vocab) ? (k) : (vocab)) * 12u + (((size_t)(vocab) + 31u) / 32u) * 4u + 16u)
/* Largest vocabulary accepted (keeps the buffer maths inside 32-bit size_t). */
#define SMOLC_SAMPLER_MAX_VOCAB (1 << 24)
/* SMOLC_SAMPLER_WORK_BYTES(vocab), or 0 if vocab is out of (0, MAX_VOCAB]. */
size_t smolc_sampler_work_bytes(int32_t vocab);
/* SMOLC_SAMPLER_WORK_BYTES_TOP_K(vocab, top_k): what smolc_sampler_init()
 * requires for parameters with this top_k; 0 if vocab is out of range. */
size_t smolc_sampler_work_bytes_for(int32_t vocab, int32_t top_k);

/* Everything the sampler owns; fill it with smolc_sampler_init(). The work
 * buffer is borrowed (not copied) and must outlive the sampler; one sampler
 * per thread. */
typedef struct smolc_sampler {
  smolc_sampler_params params;
  smolc_pcg32 rng;
  int32_t vocab;
  void* work;
  size_t work_bytes;
} smolc_sampler;

/* Error codes (negative, so a token id and an error share one int32_t). */
enum {
  SMOLC_SAMPLER_OK = 0,
  SMOLC_SAMPLER_E_NULL = -1,   /* a required pointer is NULL */
  SMOLC_SAMPLER_E_VOCAB = -2,  /* vocab <= 0 or > SMOLC_SAMPLER_MAX_VOCAB */
  SMOLC_SAMPLER_E_WORK = -3,   /* work buffer smaller than smolc_sampler_work_bytes_for(vocab, top_k) */
  SMOLC_SAMPLER_E_PARAMS = -4, /* a parameter outside its documented range */
  SMOLC_SAMPLER_E_HISTORY = -5 /* n_history < 0, or an id in the penalty window outside [0, vocab) */
};

/* Validates `params` and the buffer (at least
 * smolc_sampler_work_bytes_for(vocab, params->top_k) bytes), seeds the RNG
 * with params->seed. Returns SMOLC_SAMPLER_OK or a negative error code (then
 * *s is untouched). Changing s->params.top_k later is allowed; a sample call
 * whose top_k needs more work than was given returns SMOLC_SAMPLER_E_WORK. */
int smolc_sampler_init(smolc_sampler* s, const smolc_sampler_params* params, int32_t vocab, void* work,
                       size_t work_bytes);

/* One line of English for a SMOLC_SAMPLER_E_* code (never NULL). */
const char* smolc_sampler_strerror(int code);

/* Restarts the random sequence: same as init with a different seed. */
void smolc_sampler_reseed(smolc_sampler* s, uint64_t seed);

/* Picks the next token from `logits` [vocab] (not modified). `history` holds
 * the ids so far (prompt + generated, oldest first, n_history of them; may be
 * NULL when n_history is 0); the penalty window is its last repeat_last_n
 * entries. Returns the token id (>= 0) or a negative error code. Draws exactly
 * one PCG32 number when temperature > 0, none when greedy. */
int32_t smolc_sampler_sample(smolc_sampler* s, const float* logits, const int32_t* history, int32_t n_history);

/* What the next smolc_sampler_sample() would choose from, without drawing
 * (the RNG is not touched): runs steps 1-5 and writes the surviving ids, in
 * the order the draw walks them, to ids[] and their final probabilities
 * (step 6, summing to 1 up to rounding) to probs[] (probs may be NULL).
 * Greedy gives the one argmax with probability 1. The walk order is
 * (logit desc, id asc) when top-k or top-p ran, else ascending id.
 * Returns the number of survivors (written up to `cap`; call again with a
 * larger cap if it exceeds it) or a negative error code. For tests, tools
 * and "show the distribution" features; costs one extra sampling pass. */
int32_t smolc_sampler_candidates(smolc_sampler* s, const float* logits, const int32_t* history, int32_t n_history,
                                 int32_t* ids, float* probs, int32_t cap);

/* Greedy argmax of raw logits (no penalty): ties to the lowest id, NaN never
 * wins unless every logit is NaN (then 0). Returns -1 if n <= 0 or NULL. */
int32_t smolc_argmax(const float* logits, int32_t n);

/* The runtime's exp for x <= 0 (what the sampler uses for probabilities):
 * relative error below 4e-7 (~3 ulp), exp(0) == 1 exactly, 0 for x < -87
 * (so results are never subnormal) and for NaN, x > 0 is clamped to 0;
 * deterministic across platforms (see above). */
float smolc_exp_nonpos(float x);

#ifdef __cplusplus
}
#endif
#endif /* SMOLC_SAMPLER_H */
