/* ChatML prompt rendering, exactly as SmolLM2-Instruct's chat_template
 * (docs/chat.md quotes the template and where it comes from):
 *
 *   for each message m:
 *     if m is the first message and messages[0].role != "system":
 *       "<|im_start|>system\nYou are a helpful AI assistant named SmolLM,
 *        trained by Hugging Face<|im_end|>\n"          (one line, no break)
 *     "<|im_start|>" + m.role + "\n" + m.content + "<|im_end|>\n"
 *   if add_generation_prompt:
 *     "<|im_start|>assistant\n"
 *
 * Zero messages render no default system prompt (the template's check sits
 * inside the loop). Roles and contents are copied byte for byte: no escaping,
 * no trimming, no validation of the role name (the template does none).
 *
 * Plain C, no heap, no stdio: the caller provides the output buffer.
 */
#ifndef SMOLC_CHATML_H
#define SMOLC_CHATML_H
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SMOLC_CHATML_IM_START "<|im_start|>"
#define SMOLC_CHATML_IM_END "<|im_end|>"
#define SMOLC_CHATML_ENDOFTEXT "<|endoftext|>"
#define SMOLC_CHATML_DEFAULT_SYSTEM "You are a helpful AI assistant named SmolLM, trained by Hugging Face"

/* One turn. Bytes are (pointer, length): not NUL-terminated, may be empty
 * (a NULL pointer is allowed only with length 0). */
typedef struct smolc_chat_message {
  const char* role;
  size_t role_len;
  const char* content;
  size_t content_len;
} smolc_chat_message;

/* Renders `n` messages (multi-turn, in order) and, if add_generation_prompt
 * is non-zero, the "<|im_start|>assistant\n" that asks the model to answer.
 *
 * Returns the number of bytes of the full rendering (without a terminating
 * NUL), like snprintf: if it is < out_cap, `out` holds the whole text followed
 * by a NUL; otherwise `out` holds the first out_cap bytes at most (no NUL) and
 * the caller retries with a buffer of (return value + 1). `out` may be NULL
 * when out_cap is 0 (size query). Returns SIZE_MAX if `out` is NULL with
 * out_cap > 0, `msgs` is NULL with n > 0, a message has a NULL pointer with
 * a non-zero length, or the size overflows size_t. */
size_t smolc_chatml_render(const smolc_chat_message* msgs, size_t n, int add_generation_prompt, char* out,
                           size_t out_cap);

/* Generation stops at <|im_end|> (end of the assistant turn) or at
 * <|endoftext|> (end of document). Their ids come from the tokenizer/config
 * (SmolLM2: 2 and 0); pass -1 for one that does not exist. Returns 1 if
 * `token` is one of them, else 0. */
int smolc_chatml_is_stop(int32_t token, int32_t im_end_id, int32_t endoftext_id);

#ifdef __cplusplus
}
#endif
#endif /* SMOLC_CHATML_H */
