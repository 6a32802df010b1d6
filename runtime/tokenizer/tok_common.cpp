// Table lookups, decoding and the encode entry point shared by both tokenizers.
#include <string.h>

#include "smolc_tokenizer.h"
#include "tok_internal.h"

namespace smolc {
namespace rt {

namespace {
// All 256 byte values, so a byte-fallback piece can point at its byte.
struct ByteValues {
  char v[256];
  constexpr ByteValues() : v() {
    for (int i = 0; i < 256; ++i) v[i] = static_cast<char>(i);
  }
};
constexpr ByteValues kByteValues;

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}
}  // namespace

uint32_t tok_hash_bytes(const char* a, size_t na, const char* b, size_t nb) {
  uint32_t h = 2166136261u;  // FNV-1a over the concatenation a ++ b
  for (size_t i = 0; i < na; ++i) h = (h ^ static_cast<uint8_t>(a[i])) * 16777619u;
  for (size_t i = 0; i < nb; ++i) h = (h ^ static_cast<uint8_t>(b[i])) * 16777619u;
  return h;
}

int32_t tok_lookup(const TokTables* t, const char* s, size_t n) {
  if (t->token_hash_size == 0) return -1;
  uint32_t mask = t->token_hash_size - 1;
  for (uint32_t i = tok_hash_bytes(s, n, nullptr, 0) & mask;; i = (i + 1) & mask) {
    int32_t id = t->token_hash[i];
    if (id < 0) return -1;
    size_t len;
    const char* p = tok_text(t, id, &len);
    if (len == n && (n == 0 || memcmp(p, s, n) == 0)) return id;
  }
}

size_t tok_token_bytes(const TokTables* t, int32_t prev, int32_t id, const char** bytes) {
  *bytes = "";
  if (id < 0 || id >= t->vocab_size) return 0;
  size_t len;
  const char* p = tok_text(t, id, &len);
  if (t->kind == kTokSentencePieceBPE) {
    // SentencePiece's decoder strips the dummy-prefix space after BOS.
    if (prev >= 0 && prev == t->bos_id && len > 0 && p[0] == ' ') {
      ++p;
      --len;
    }
    if ((t->token_flags[id] & kTokFlagByte) != 0 && len == 6) {
      int hi = hex_value(p[3]), lo = hex_value(p[4]);
      if (hi >= 0 && lo >= 0) {
        *bytes = &kByteValues.v[hi * 16 + lo];
        return 1;
      }
    }
  }
  *bytes = p;
  return len;
}

size_t tok_utf8_complete_prefix(const char* s, size_t n) {
  // Only the last (up to 3) bytes can be an unfinished sequence.
  size_t start = n > 3 ? n - 3 : 0;
  for (size_t i = n; i > start; --i) {
    uint8_t c = static_cast<uint8_t>(s[i - 1]);
    if ((c & 0xC0) == 0x80) continue;  // continuation: keep looking for its lead
    size_t need = c >= 0xF0 && c <= 0xF4 ? 4 : c >= 0xE0 && c <= 0xEF ? 3 : c >= 0xC2 && c <= 0xDF ? 2 : 1;
    size_t have = n - (i - 1);
    if (need <= have) return n;  // complete (or never valid): nothing to hold back
    // Hold back only if the bytes so far can still become a valid sequence.
    uint8_t c1 = have >= 2 ? static_cast<uint8_t>(s[i]) : 0;
    if (have >= 2) {
      if (c == 0xE0 && c1 < 0xA0) return n;
      if (c == 0xED && c1 > 0x9F) return n;
      if (c == 0xF0 && c1 < 0x90) return n;
      if (c == 0xF4 && c1 > 0x8F) return n;
    }
    return i - 1;
  }
  return n;
}

size_t tok_encode_min_scratch_bytes(size_t text_len) { return 36 * (text_len + 1) + 64; }
size_t tok_encode_scratch_bytes(size_t text_len) {
  return tok_encode_min_scratch_bytes(text_len) +
         (text_len >= kTokWordCacheMinText ? size_t{kTokWordCacheBytes} : size_t{0});
}

int64_t tok_encode(const TokTables* t, const char* text, size_t text_len, int32_t* out, size_t out_cap, void* scratch,
                   size_t scratch_bytes) {
  if (t == nullptr || t->vocab_size <= 0) return kTokErrTables;
  if (text_len > 0x3fffffffu) return kTokErrScratch;  // positions are int32
  if (scratch_bytes < tok_encode_min_scratch_bytes(text_len)) return kTokErrScratch;
  if (t->kind == kTokSentencePieceBPE)
    return tok_encode_sentencepiece(t, text, text_len, out, out_cap, scratch, scratch_bytes);
  if (t->kind == kTokByteLevelBPE) return tok_encode_bytelevel(t, text, text_len, out, out_cap, scratch, scratch_bytes);
  return kTokErrTables;
}

}  // namespace rt
}  // namespace smolc
