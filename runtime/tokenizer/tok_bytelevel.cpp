// Byte-level BPE encode, equal to HuggingFace `tokenizers`:
//   1. added tokens are cut out of the text first (leftmost, then longest);
//   2. each remaining piece is split before/after every ASCII digit if
//      split_digits (HF's Digits(individual_digits=true));
//   3. the GPT-2 regex splits it into pre-tokens (tok_pretokenize.h);
//   4. each pre-token starts as one symbol per byte (GPT-2 byte-to-unicode
//      tokens) and merges the lowest-rank adjacent pair, leftmost first,
//      until no pair has a merge — a heap keeps this O(n log n).
#include <string.h>

#include "tok_internal.h"
#include "tok_pretokenize.h"

namespace smolc {
namespace rt {

namespace {

// Heap key: rank in the high half, left position in the low half, so the
// smallest key is the lowest rank and, among equal ranks, the leftmost pair.
struct MinKey {
  bool operator()(uint64_t a, uint64_t b) const { return a < b; }
};

const TokMerge* find_merge(const TokTables* t, int32_t left, int32_t right) {
  const uint32_t mask = t->merge_hash_size - 1;
  for (uint32_t i = tok_hash_pair(left, right) & mask;; i = (i + 1) & mask) {
    const TokMerge* m = &t->merges[i];
    if (m->left < 0) return nullptr;
    if (m->left == left && m->right == right) return m;
  }
}

// Direct-mapped cache of short pre-tokens -> ids, in the optional part of
// the scratch buffer (long texts repeat the same words over and over).
struct WordCacheEntry {
  uint8_t len;  // 0: empty
  uint8_t n_ids;
  char bytes[22];
  int32_t ids[10];
};
static_assert(sizeof(WordCacheEntry) == 64, "cache entry layout");
constexpr size_t kWordCacheEntries = kTokWordCacheBytes / sizeof(WordCacheEntry);
// Below this many bytes clearing the cache costs more than it saves.
constexpr size_t kWordCacheMinText = kTokWordCacheMinText;

struct Encoder {
  const TokTables* t;
  int32_t* out;
  size_t out_cap;
  size_t count;
  void* scratch;
  WordCacheEntry* cache;  // null: no cache

  bool emit(int32_t id) {
    if (id < 0) return true;  // a byte without a token is dropped, as HF does (no unk token)
    if (count == out_cap) return false;
    out[count++] = id;
    return true;
  }

  void push_pair(TokHeap<uint64_t, MinKey>* heap, const TokSym* sym, int32_t pos) {
    if (pos < 0 || sym[pos].next < 0) return;
    const TokMerge* m = find_merge(t, sym[pos].id, sym[sym[pos].next].id);
    if (m != nullptr)
      heap->push((static_cast<uint64_t>(static_cast<uint32_t>(m->rank)) << 32) | static_cast<uint32_t>(pos));
  }

  bool bpe(const char* s, size_t n) {
    if (n == 1) return emit(t->byte_token[static_cast<uint8_t>(s[0])]);
    WordCacheEntry* e = nullptr;
    if (cache != nullptr && n <= sizeof(e->bytes)) {
      e = &cache[tok_hash_bytes(s, n, nullptr, 0) & (kWordCacheEntries - 1)];
      if (e->len == n && memcmp(e->bytes, s, n) == 0) {
        for (uint8_t k = 0; k < e->n_ids; ++k)
          if (!emit(e->ids[k])) return false;
        return true;
      }
    }
    const size_t first_out = count;
    if (!bpe_merge(s, n)) return false;
    if (e != nullptr && count - first_out <= sizeof(e->ids) / sizeof(e->ids[0])) {
      e->len = static_cast<uint8_t>(n);
      e->n_ids = static_cast<uint8_t>(count - first_out);
      memcpy(e->bytes, s, n);
      memcpy(e->ids, out + first_out, (count - first_out) * sizeof(int32_t));
    }
    return true;
  }

  bool bpe_merge(const char* s, size_t n) {
    TokSym* sym = static_cast<TokSym*>(scratch);
    for (size_t i = 0; i < n; ++i) {
      sym[i].id = t->byte_token[static_cast<uint8_t>(s[i])];
      sym[i].prev = static_cast<int32_t>(i) - 1;
      sym[i].next = i + 1 < n ? static_cast<int32_t>(i + 1) : -1;
    }
    TokHeap<uint64_t, MinKey> heap{reinterpret_cast<uint64_t*>(static_cast<char*>(scratch) + tok_sym_bytes(n)), 0};
    for (size_t i = 0; i + 1 < n; ++i) push_pair(&heap, sym, static_cast<int32_t>(i));
    while (heap.size > 0) {
      const uint64_t key = heap.pop();
      const int32_t pos = static_cast<int32_t>(key & 0xffffffffu);
      const int32_t rank = static_cast<int32_t>(key >> 32);
      TokSym& left = sym[pos];
      if (left.id == kTokSymDead || left.next < 0) continue;
      const TokMerge* m = find_merge(t, left.id, sym[left.next].id);
      // Ranks are unique per pair, so an equal rank means the same pair.
      if (m == nullptr || m->rank != rank) continue;
      TokSym& right = sym[left.next];
      left.id = m->merged;
      left.next = right.next;
      if (right.next >= 0) sym[right.next].prev = pos;
      right.id = kTokSymDead;
      push_pair(&heap, sym, left.prev);
      push_pair(&heap, sym, pos);
    }
    for (int32_t i = 0; i >= 0; i = sym[i].next)
      if (!emit(sym[i].id)) return false;
    return true;
  }

  bool regex_pieces(const char* s, size_t n) {
    for (size_t i = 0; i < n;) {
      size_t e = tok_gpt2_match_end(s, n, i);
      if (!bpe(s + i, e - i)) return false;
      i = e;
    }
    return true;
  }

  bool segment(const char* s, size_t n) {
    if (!t->split_digits) return regex_pieces(s, n);
    size_t start = 0;
    for (size_t i = 0; i < n; ++i) {
      if (s[i] >= '0' && s[i] <= '9') {
        if (!regex_pieces(s + start, i - start) || !regex_pieces(s + i, 1)) return false;
        start = i + 1;
      }
    }
    return regex_pieces(s + start, n - start);
  }
};

}  // namespace

int64_t tok_encode_bytelevel(const TokTables* t, const char* text, size_t len, int32_t* out, size_t out_cap,
                             void* scratch, size_t scratch_bytes) {
  if (t->merge_hash_size == 0 || t->merges == nullptr || t->byte_token == nullptr) return kTokErrTables;
  // tok_encode checked the symbol + heap part (a pre-token is never longer
  // than the text); the word cache sits after it if there is room.
  WordCacheEntry* cache = nullptr;
  const size_t base = tok_encode_min_scratch_bytes(len);
  if (len >= kWordCacheMinText && scratch_bytes >= base + kTokWordCacheBytes) {
    cache = reinterpret_cast<WordCacheEntry*>(static_cast<char*>(scratch) + base);
    memset(cache, 0, kTokWordCacheBytes);
  }
  Encoder enc{t, out, out_cap, 0, scratch, cache};
  // First bytes of the added tokens, to skip most positions with one test.
  uint8_t first[32] = {0};
  for (int32_t k = 0; k < t->n_added; ++k) {
    const int32_t id = t->added_ids[k];
    if (t->token_offsets[id + 1] > t->token_offsets[id]) {
      const uint8_t b = static_cast<uint8_t>(t->token_bytes[t->token_offsets[id]]);
      first[b >> 3] = static_cast<uint8_t>(first[b >> 3] | (1u << (b & 7)));
    }
  }
  size_t start = 0;
  for (size_t i = 0; i < len;) {
    const uint8_t b = static_cast<uint8_t>(text[i]);
    int32_t best = -1;
    size_t best_len = 0;
    if (first[b >> 3] & (1u << (b & 7))) {
      for (int32_t k = 0; k < t->n_added; ++k) {
        size_t n;
        const char* p = tok_text(t, t->added_ids[k], &n);
        if (n > best_len && n <= len - i && memcmp(p, text + i, n) == 0) {
          best = t->added_ids[k];
          best_len = n;
        }
      }
    }
    if (best < 0) {
      ++i;
      continue;
    }
    if (!enc.segment(text + start, i - start) || !enc.emit(best)) return kTokErrOutputFull;
    i += best_len;
    start = i;
  }
  if (!enc.segment(text + start, len - start)) return kTokErrOutputFull;
  return static_cast<int64_t>(enc.count);
}

}  // namespace rt
}  // namespace smolc
