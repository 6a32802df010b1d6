// ChatML rendering of chatml.h into a caller-provided buffer.
#include "chat/chatml.h"

#include <string.h>

namespace {

// Appends to a bounded buffer, counting the full length even past the end so
// one pass both renders and measures.
struct Writer {
  char* out;
  size_t cap;
  size_t len = 0;
  bool overflow = false;

  void put(const char* bytes, size_t n) {
    if (n > SIZE_MAX - len) {
      overflow = true;
      return;
    }
    if (len < cap && n > 0) {
      size_t room = cap - len;
      memcpy(out + len, bytes, n < room ? n : room);
    }
    len += n;
  }
  void put(const char* cstr) { put(cstr, strlen(cstr)); }
};

bool is_system(const smolc_chat_message& m) { return m.role_len == 6 && memcmp(m.role, "system", 6) == 0; }

}  // namespace

extern "C" {

size_t smolc_chatml_render(const smolc_chat_message* msgs, size_t n, int add_generation_prompt, char* out,
                           size_t out_cap) {
  if (n > 0 && !msgs) return SIZE_MAX;
  if (out_cap > 0 && !out) return SIZE_MAX;
  for (size_t i = 0; i < n; ++i)
    if ((!msgs[i].role && msgs[i].role_len) || (!msgs[i].content && msgs[i].content_len)) return SIZE_MAX;

  Writer w{out, out_cap};
  for (size_t i = 0; i < n; ++i) {
    if (i == 0 && !is_system(msgs[0]))
      w.put(SMOLC_CHATML_IM_START "system\n" SMOLC_CHATML_DEFAULT_SYSTEM SMOLC_CHATML_IM_END "\n");
    w.put(SMOLC_CHATML_IM_START);
    w.put(msgs[i].role, msgs[i].role_len);
    w.put("\n");
    w.put(msgs[i].content, msgs[i].content_len);
    w.put(SMOLC_CHATML_IM_END "\n");
  }
  if (add_generation_prompt) w.put(SMOLC_CHATML_IM_START "assistant\n");
  if (w.overflow || w.len == SIZE_MAX) return SIZE_MAX;
  if (w.len < out_cap) out[w.len] = '\0';
  return w.len;
}

int smolc_chatml_is_stop(int32_t token, int32_t im_end_id, int32_t endoftext_id) {
  if (token < 0) return 0;
  return (token == im_end_id || token == endoftext_id) ? 1 : 0;
}

}  // extern "C"
