// Internals shared by the two encoders: the symbol list and the merge heap
// that live in the caller's scratch buffer.
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "smolc_tokenizer.h"

namespace smolc {
namespace rt {

// One symbol of the word being merged; merging keeps the left symbol and
// unlinks the right one (id = kTokSymDead), so positions keep their text order.
struct TokSym {
  int32_t id;    // -1: a byte the vocab has no token for (never merges, not emitted)
  int32_t prev;  // -1: first
  int32_t next;  // -1: last
};

constexpr int32_t kTokSymDead = -2;

// Binary heap of trivially copyable entries in caller memory; Before(a, b)
// is true when a must pop first. Capacity is checked by the caller.
template <typename T, typename Before>
struct TokHeap {
  T* items;
  size_t size;

  void push(const T& v) {
    size_t i = size++;
    while (i > 0) {
      size_t parent = (i - 1) / 2;
      if (!Before()(v, items[parent])) break;
      items[i] = items[parent];
      i = parent;
    }
    items[i] = v;
  }

  T pop() {
    T top = items[0];
    T last = items[--size];
    size_t i = 0;
    for (;;) {
      size_t child = 2 * i + 1;
      if (child >= size) break;
      if (child + 1 < size && Before()(items[child + 1], items[child])) ++child;
      if (!Before()(items[child], last)) break;
      items[i] = items[child];
      i = child;
    }
    if (size > 0) items[i] = last;
    return top;
  }
};

// Scratch layout for a word of n symbols: TokSym[n], then heap entries of at
// most 8 bytes, 3 * n of them (n - 1 initial pairs, at most 2 new pairs per
// merge, at most n - 1 merges).
inline size_t tok_sym_bytes(size_t n) { return (n * sizeof(TokSym) + 7) & ~static_cast<size_t>(7); }

inline const char* tok_text(const TokTables* t, int32_t id, size_t* len) {
  uint32_t b = t->token_offsets[id], e = t->token_offsets[id + 1];
  *len = e - b;
  return t->token_bytes + b;
}

int64_t tok_encode_sentencepiece(const TokTables* t, const char* text, size_t len, int32_t* out, size_t out_cap,
                                 void* scratch, size_t scratch_bytes);
int64_t tok_encode_bytelevel(const TokTables* t, const char* text, size_t len, int32_t* out, size_t out_cap,
                             void* scratch, size_t scratch_bytes);

}  // namespace rt
}  // namespace smolc
