// SentencePiece-BPE encode with llama2.c's semantics: a dummy-prefix " ",
// one symbol per UTF-8 character (byte-fallback pieces for characters not in
// the vocab), then repeatedly merge the adjacent pair whose concatenation is
// the highest-scoring piece (ties: leftmost). llama2.c rescans all pairs per
// merge (quadratic); a heap gives the same merges in O(n log n).
#include <string.h>

#include "tok_internal.h"

namespace smolc {
namespace rt {

namespace {

struct SpCand {
  float score;
  int32_t pos;  // left symbol
};
struct SpBefore {
  bool operator()(const SpCand& a, const SpCand& b) const {
    return a.score > b.score || (a.score == b.score && a.pos < b.pos);
  }
};

// llama2.c starts its best score at -1e10, so worse merges never happen.
constexpr float kMinScore = -1e10f;

// Id of the piece text(left) ++ text(right), or -1.
int32_t lookup_pair(const TokTables* t, int32_t left, int32_t right) {
  size_t na, nb;
  const char* a = tok_text(t, left, &na);
  const char* b = tok_text(t, right, &nb);
  uint32_t mask = t->token_hash_size - 1;
  for (uint32_t i = tok_hash_bytes(a, na, b, nb) & mask;; i = (i + 1) & mask) {
    int32_t id = t->token_hash[i];
    if (id < 0) return -1;
    size_t len;
    const char* p = tok_text(t, id, &len);
    if (len == na + nb && memcmp(p, a, na) == 0 && memcmp(p + na, b, nb) == 0) return id;
  }
}

void push_pair(const TokTables* t, TokHeap<SpCand, SpBefore>* heap, const TokSym* sym, int32_t pos) {
  if (pos < 0 || sym[pos].next < 0) return;
  int32_t id = lookup_pair(t, sym[pos].id, sym[sym[pos].next].id);
  if (id < 0 || !(t->scores[id] > kMinScore)) return;
  heap->push(SpCand{t->scores[id], pos});
}

}  // namespace

int64_t tok_encode_sentencepiece(const TokTables* t, const char* text, size_t len, int32_t* out, size_t out_cap,
                                 void* scratch, size_t scratch_bytes) {
  if (t->token_hash_size == 0 || t->scores == nullptr || t->byte_token == nullptr) return kTokErrTables;
  if (len == 0) return 0;
  TokSym* sym = static_cast<TokSym*>(scratch);
  size_t n = 0;
  if (t->space_id >= 0) sym[n++].id = t->space_id;
  // Characters as llama2.c groups them: a byte plus up to 3 following
  // continuation bytes (so invalid UTF-8 still makes groups of 1..4 bytes).
  for (size_t i = 0; i < len;) {
    size_t g = 1;
    while (g < 4 && i + g < len && (static_cast<uint8_t>(text[i + g]) & 0xC0) == 0x80) ++g;
    int32_t id = tok_lookup(t, text + i, g);
    if (id >= 0) {
      sym[n++].id = id;
    } else {
      for (size_t k = 0; k < g; ++k) sym[n++].id = t->byte_token[static_cast<uint8_t>(text[i + k])];
    }
    i += g;
  }
  for (size_t i = 0; i < n; ++i) {
    sym[i].prev = static_cast<int32_t>(i) - 1;
    sym[i].next = i + 1 < n ? static_cast<int32_t>(i + 1) : -1;
  }
  size_t heap_cap = 3 * n;
  if (tok_sym_bytes(n) + heap_cap * sizeof(SpCand) > scratch_bytes) return kTokErrScratch;
  TokHeap<SpCand, SpBefore> heap{reinterpret_cast<SpCand*>(static_cast<char*>(scratch) + tok_sym_bytes(n)), 0};
  for (size_t i = 0; i + 1 < n; ++i) push_pair(t, &heap, sym, static_cast<int32_t>(i));
  while (heap.size > 0) {
    SpCand c = heap.pop();
    TokSym& left = sym[c.pos];
    if (left.id == kTokSymDead || left.next < 0) continue;
    int32_t merged = lookup_pair(t, left.id, sym[left.next].id);
    // Stale entry: the pair at this position changed since it was pushed.
    if (merged < 0 || t->scores[merged] != c.score) continue;
    TokSym& right = sym[left.next];
    left.id = merged;
    left.next = right.next;
    if (right.next >= 0) sym[right.next].prev = c.pos;
    right.id = kTokSymDead;
    push_pair(t, &heap, sym, left.prev);
    push_pair(t, &heap, sym, c.pos);
  }
  size_t count = 0;
  for (int32_t i = 0; i >= 0; i = sym[i].next) {
    if (count == out_cap) return kTokErrOutputFull;
    out[count++] = sym[i].id;
  }
  return static_cast<int64_t>(count);
}

}  // namespace rt
}  // namespace smolc
