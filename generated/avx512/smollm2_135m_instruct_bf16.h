/* smollm2_135m_instruct_bf16: SmolLM2-135M-Instruct (bf16, target avx512) compiled by smolc 0.1.0.
 * Generated from template engine/engine.h.in; do not edit.
 * Command: smolc compile SmolLM2-135M-Instruct --bf16 --target avx512 --ctx 2048 --name smollm2_135m_instruct_bf16 -o out-avx512
 *
 * Usage: allocate SMOLLM2_135M_INSTRUCT_BF16_STATE_BYTES bytes aligned to SMOLLM2_135M_INSTRUCT_BF16_STATE_ALIGN
 * (KV cache + scratch; the engine never allocates), smollm2_135m_instruct_bf16_init() it, then
 * smollm2_135m_instruct_bf16_prefill() the prompt and smollm2_135m_instruct_bf16_decode() one token at a time,
 * reading smollm2_135m_instruct_bf16_logits() after each call. */
#ifndef SMOLLM2_135M_INSTRUCT_BF16_H
#define SMOLLM2_135M_INSTRUCT_BF16_H
#include <stddef.h>
#include <stdint.h>

#include "smolc_platform.h"
#include "smolc_sampler.h"

#define SMOLLM2_135M_INSTRUCT_BF16_VOCAB_SIZE 49152
#define SMOLLM2_135M_INSTRUCT_BF16_CTX_MAX 2048
#define SMOLLM2_135M_INSTRUCT_BF16_STATE_BYTES ((size_t)104507712u)
#define SMOLLM2_135M_INSTRUCT_BF16_STATE_ALIGN 64
#define SMOLLM2_135M_INSTRUCT_BF16_WEIGHTS_BYTES ((size_t)268962048u)
#define SMOLLM2_135M_INSTRUCT_BF16_WEIGHTS_EXTERNAL 0
#define SMOLLM2_135M_INSTRUCT_BF16_DIM 576
#define SMOLLM2_135M_INSTRUCT_BF16_HIDDEN_DIM 1536
#define SMOLLM2_135M_INSTRUCT_BF16_N_LAYERS 30
#define SMOLLM2_135M_INSTRUCT_BF16_N_HEADS 9
#define SMOLLM2_135M_INSTRUCT_BF16_N_KV_HEADS 3
#define SMOLLM2_135M_INSTRUCT_BF16_HEAD_DIM 64
#define SMOLLM2_135M_INSTRUCT_BF16_BOS_ID 1
#define SMOLLM2_135M_INSTRUCT_BF16_EOS_ID 2

/* Return codes: 0 is success, every error is negative. */
#define SMOLLM2_135M_INSTRUCT_BF16_OK 0
#define SMOLLM2_135M_INSTRUCT_BF16_ERR_STATE_SIZE (-1)     /* state buffer smaller than SMOLLM2_135M_INSTRUCT_BF16_STATE_BYTES */
#define SMOLLM2_135M_INSTRUCT_BF16_ERR_STATE_ALIGN (-2)    /* state buffer not aligned to SMOLLM2_135M_INSTRUCT_BF16_STATE_ALIGN */
#define SMOLLM2_135M_INSTRUCT_BF16_ERR_NOT_INIT (-3)       /* state not initialised by this engine */
#define SMOLLM2_135M_INSTRUCT_BF16_ERR_TOKEN (-4)          /* token id outside [0, SMOLLM2_135M_INSTRUCT_BF16_VOCAB_SIZE) */
#define SMOLLM2_135M_INSTRUCT_BF16_ERR_CONTEXT_FULL (-5)   /* tokens would go past SMOLLM2_135M_INSTRUCT_BF16_CTX_MAX */
#define SMOLLM2_135M_INSTRUCT_BF16_ERR_ARGUMENT (-6)       /* null pointer or negative count */
#define SMOLLM2_135M_INSTRUCT_BF16_ERR_WEIGHTS (-7)        /* external weights: bad size, magic, version or hash */
#define SMOLLM2_135M_INSTRUCT_BF16_ERR_TEXT_OUT_FULL (-8)  /* encode: more ids than out_cap */
#define SMOLLM2_135M_INSTRUCT_BF16_ERR_TEXT_SCRATCH (-9)   /* encode: scratch too small, or text longer than SMOLLM2_135M_INSTRUCT_BF16_MAX_TEXT_BYTES */
#define SMOLLM2_135M_INSTRUCT_BF16_ERR_TEXT_TABLES (-10)   /* encode: the compiled-in tokenizer tables are inconsistent (a smolc bug) */

#ifdef __cplusplus
extern "C" {
#endif

int smollm2_135m_instruct_bf16_init(void *state, size_t bytes);                          /* 0 ok; <0 error */
int smollm2_135m_instruct_bf16_prefill(void *state, const int32_t *tokens, int n_tokens); /* appends; 0 ok, <0 error */
int smollm2_135m_instruct_bf16_decode(void *state, int32_t token);                        /* appends one token */
const float *smollm2_135m_instruct_bf16_logits(const void *state);  /* SMOLLM2_135M_INSTRUCT_BF16_VOCAB_SIZE floats after the last token; NULL before any */
int smollm2_135m_instruct_bf16_position(const void *state);         /* tokens in the context; <0 if not initialised */
void smollm2_135m_instruct_bf16_reset(void *state);                 /* empties the context */
const char *smollm2_135m_instruct_bf16_strerror(int code);
/* Threads: the platform's parallel_for runs every parallel loop (NULL: the
 * default, a pthread pool of one thread per online CPU). Results are bit-identical for
 * any platform and thread count. */
int smollm2_135m_instruct_bf16_set_platform(void *state, const smolc_platform *platform);
/* n_threads: 0 (one per online CPU, at most SMOLLM2_135M_INSTRUCT_BF16_MAX_THREADS) or
 * 1..SMOLLM2_135M_INSTRUCT_BF16_MAX_THREADS; anything else is SMOLLM2_135M_INSTRUCT_BF16_ERR_ARGUMENT. */
#define SMOLLM2_135M_INSTRUCT_BF16_MAX_THREADS 64
int smollm2_135m_instruct_bf16_set_threads(void *state, int n_threads);
/* Greedy pick: index of the largest logit (first on ties). */
int32_t smollm2_135m_instruct_bf16_argmax(const void *state);

/* Streaming generation: prefills `prompt`, then samples up to max_tokens
 * tokens (sampler NULL: greedy), feeding each back, and stops early at the
 * model's EOS or BOS id or when `emit` returns non-zero. `emit` receives the
 * text as it is generated, never split inside a UTF-8 character (NULL: text
 * is not produced, for engines without a tokenizer too). Returns the number
 * of tokens generated, or a negative error code. */
typedef int (*smollm2_135m_instruct_bf16_emit_fn)(void *user, const char *bytes, size_t n);
int smollm2_135m_instruct_bf16_generate(void *state, const int32_t *prompt, int n_prompt, int max_tokens, smolc_sampler *sampler,
                     smollm2_135m_instruct_bf16_emit_fn emit, void *user);
/* The tokens in the context, oldest first (smollm2_135m_instruct_bf16_position() of them). */
const int32_t *smollm2_135m_instruct_bf16_tokens(const void *state);

/* ---- Speculative decoding (docs/speculative.md) ----------------------------
 * smollm2_135m_instruct_bf16_generate_ex is smollm2_135m_instruct_bf16_generate with prompt-lookup speculation:
 * guesses of the next tokens, taken from n-grams earlier in the context (an
 * index kept in the state), are checked by one batched step that yields the
 * logits of every position, and the longest prefix the sampler confirms is
 * kept. Every token is sampled from the same logits (bit-identical to
 * one-at-a-time decoding), with the same history, in the same order as
 * without speculation, so the output is identical token for token, greedy
 * or sampled with the same seed; only the speed changes. spec NULL (or
 * max_draft <= 0): no speculation. */
#ifndef SMOLC_SPECULATION_DEFINED
#define SMOLC_SPECULATION_DEFINED
typedef struct smolc_speculation_stats {
  int64_t steps;     /* forward steps during generation (verify steps + single decodes) */
  int64_t drafted;   /* guessed tokens verified */
  int64_t accepted;  /* guessed tokens confirmed */
  int64_t generated; /* tokens generated */
} smolc_speculation_stats;
typedef struct smolc_speculation {
  int32_t max_draft;               /* longest guess, clamped to the engine's SPEC_MAX_DRAFT; <= 0: off */
  smolc_speculation_stats *stats;  /* added to when not NULL */
} smolc_speculation;
#endif
#define SMOLLM2_135M_INSTRUCT_BF16_SPEC_ROWS 16  /* positions one verify step checks */
#define SMOLLM2_135M_INSTRUCT_BF16_SPEC_MAX_DRAFT (SMOLLM2_135M_INSTRUCT_BF16_SPEC_ROWS - 1)
int smollm2_135m_instruct_bf16_generate_ex(void *state, const int32_t *prompt, int n_prompt, int max_tokens, smolc_sampler *sampler,
                        smollm2_135m_instruct_bf16_emit_fn emit, void *user, const smolc_speculation *spec);
/* The pieces, for callers with their own loop: smollm2_135m_instruct_bf16_prefill_rows appends
 * 1..SMOLLM2_135M_INSTRUCT_BF16_SPEC_ROWS tokens in one step and keeps the logits of each;
 * smollm2_135m_instruct_bf16_logits_row(state, i) reads row i (logits after the step's token i,
 * NULL once a later call replaced them); smollm2_135m_instruct_bf16_rewind(state, pos) drops the
 * tokens from position pos on (0 <= pos <= position): a position change, no
 * copy. smollm2_135m_instruct_bf16_logits() then holds the row of token pos - 1 if the last
 * step produced it, else it is NULL until the next token. */
int smollm2_135m_instruct_bf16_prefill_rows(void *state, const int32_t *tokens, int n_tokens);
const float *smollm2_135m_instruct_bf16_logits_row(const void *state, int i);
int smollm2_135m_instruct_bf16_rewind(void *state, int pos);

#define SMOLLM2_135M_INSTRUCT_BF16_HAS_TOKENIZER 1
/* Text: the model's tokenizer, compiled in. smollm2_135m_instruct_bf16_encode writes the ids of
 * `text` (no BOS added) to out; out_cap >= text_len + 1 always suffices and
 * scratch needs smollm2_135m_instruct_bf16_encode_scratch_bytes(text_len) bytes. Returns the
 * number of ids or a negative code of its own (SMOLLM2_135M_INSTRUCT_BF16_ERR_TEXT_OUT_FULL,
 * SMOLLM2_135M_INSTRUCT_BF16_ERR_TEXT_SCRATCH, SMOLLM2_135M_INSTRUCT_BF16_ERR_TEXT_TABLES; smollm2_135m_instruct_bf16_strerror explains
 * each), or SMOLLM2_135M_INSTRUCT_BF16_ERR_ARGUMENT for a NULL pointer with a non-zero size. Scratch bytes saturate at SIZE_MAX above
 * SMOLLM2_135M_INSTRUCT_BF16_MAX_TEXT_BYTES instead of wrapping. */
#define SMOLLM2_135M_INSTRUCT_BF16_MAX_TEXT_BYTES ((size_t)0x3fffffff)
size_t smollm2_135m_instruct_bf16_encode_scratch_bytes(size_t text_len);
int64_t smollm2_135m_instruct_bf16_encode(const char *text, size_t text_len, int32_t *out, size_t out_cap, void *scratch,
                       size_t scratch_bytes);
/* The bytes token `id` adds after token `prev` (-1: none); returns the length
 * (0 and nothing stored when `bytes` is NULL). */
size_t smollm2_135m_instruct_bf16_token_text(int32_t prev, int32_t id, const char **bytes);
/* Id of the token whose text is [text, text + len), or -1 (e.g. "<|im_end|>",
 * and for a NULL text). */
int32_t smollm2_135m_instruct_bf16_token_id(const char *text, size_t len);

#ifdef __cplusplus
}
#endif
#endif /* SMOLLM2_135M_INSTRUCT_BF16_H */
