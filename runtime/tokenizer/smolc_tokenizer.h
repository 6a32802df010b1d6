// Heap-free tokenizer runtime (C++17, no exceptions, no allocation).
//
// Two algorithms over one set of plain POD tables, so the tables can be built
// at run time by the host (compiler/text/tokenizer.cpp) or emitted by
// `smolc compile` as static const arrays (compiler/emit/tokenizer_tables_emit.cpp):
//   * byte-level BPE equal to HuggingFace `tokenizers` (GPT-2 pre-tokenizer
//     regex, optional individual-digit split, merges by rank);
//   * SentencePiece-BPE equal to llama2.c's encode (dummy-prefix space,
//     per-codepoint lookup with byte fallback, greedy best-score merging).
// Layout and behaviour are documented in docs/tokenizer.md.
#pragma once
#include <stddef.h>
#include <stdint.h>

namespace smolc {
namespace rt {

enum TokKind : int32_t { kTokByteLevelBPE = 1, kTokSentencePieceBPE = 2 };

// token_flags bits.
enum : uint8_t {
  kTokFlagSpecial = 1,  // an added token marked special
  kTokFlagAdded = 2,    // matched verbatim in the text before pre-tokenization
  kTokFlagByte = 4,     // SentencePiece byte-fallback piece "<0xHH>"
};

// One slot of the merge hash table (byte-level BPE): pair (left, right) of
// token ids merges into `merged` with priority `rank` (lower first).
// left == -1 marks an empty slot.
struct TokMerge {
  int32_t left, right, rank, merged;
};

struct TokTables {
  int32_t kind;  // TokKind
  int32_t vocab_size;
  int32_t bos_id, eos_id;  // -1: none
  int32_t space_id;        // SentencePiece: id of the piece " " (dummy prefix), -1: none
  int32_t split_digits;    // byte-level: 1 = Digits(individual_digits) pre-tokenizer first

  // Token text, concatenated: token i is token_bytes[token_offsets[i] ..
  // token_offsets[i + 1]). Byte-level BPE: the raw bytes the token stands
  // for. SentencePiece: the piece with U+2581 turned into ' ' (llama2.c's
  // form), so "<0x0A>" stays literal and is decoded by the runtime.
  const char* token_bytes;
  const uint32_t* token_offsets;  // [vocab_size + 1]
  const uint8_t* token_flags;     // [vocab_size]

  // Open addressing (linear probing, size a power of two) from token text to
  // the lowest id with that text; -1 marks an empty slot. Hash: tok_hash_bytes.
  const int32_t* token_hash;
  uint32_t token_hash_size;

  const float* scores;  // SentencePiece: [vocab_size]; else null

  // Byte-level BPE: open addressing from (left, right) (tok_hash_pair) to the merge.
  const TokMerge* merges;
  uint32_t merge_hash_size;  // power of two; 0 for SentencePiece

  // Byte-level BPE: id of the token for each single byte (GPT-2 byte-to-unicode),
  // -1 if the vocab has none (such bytes are dropped, as HF does without an
  // unk token). SentencePiece: id of the byte-fallback piece "<0xHH>".
  const int32_t* byte_token;  // [256]

  // Tokens matched verbatim in the text (leftmost, longest first), by id.
  const int32_t* added_ids;
  int32_t n_added;
};

// Hashes shared by the table builder and the runtime.
uint32_t tok_hash_bytes(const char* a, size_t na, const char* b, size_t nb);
inline uint32_t tok_hash_pair(int32_t left, int32_t right) {
  uint64_t x = (static_cast<uint64_t>(static_cast<uint32_t>(left)) << 32) | static_cast<uint32_t>(right);
  x *= 0x9e3779b97f4a7c15ull;  // Fibonacci hashing: the high bits mix both ids
  return static_cast<uint32_t>(x >> 32);
}

// Scratch memory encode needs for a text of `text_len` bytes, at least
//   tok_encode_min_scratch_bytes = 36 * (text_len + 1) + 64
// (symbol list 12 B/byte, merge heap 24 B/byte, alignment). Byte-level BPE
// also uses kTokWordCacheBytes more, if given, as a word cache for texts of
// kTokWordCacheMinText bytes or more; tok_encode_scratch_bytes includes it
// for those texts only, so a short text needs scratch in proportion to it.
enum : size_t { kTokWordCacheBytes = 4096 * 64, kTokWordCacheMinText = 4096 };
size_t tok_encode_min_scratch_bytes(size_t text_len);
size_t tok_encode_scratch_bytes(size_t text_len);

enum : int64_t { kTokErrOutputFull = -1, kTokErrScratch = -2, kTokErrTables = -3 };

// Encodes `text` (any bytes; see docs/tokenizer.md for invalid UTF-8) into
// `out`. out_cap >= text_len + 1 always suffices. Returns the number of ids,
// or a negative kTokErr*. No BOS/EOS is added.
int64_t tok_encode(const TokTables* t, const char* text, size_t text_len, int32_t* out, size_t out_cap, void* scratch,
                   size_t scratch_bytes);

// The bytes token `id` contributes after token `prev` (-1: none): sets *bytes
// and returns the length (0 for an id out of range). SentencePiece drops the
// leading space of the token after BOS and turns "<0xHH>" into its byte, as
// llama2.c's decode does.
size_t tok_token_bytes(const TokTables* t, int32_t prev, int32_t id, const char** bytes);

// Lowest id whose token text equals [s, s + n), or -1.
int32_t tok_lookup(const TokTables* t, const char* s, size_t n);

// Length of the longest prefix of [s, s + n) that does not end inside a UTF-8
// sequence that could still be completed by more bytes. Bytes that can never
// form a valid sequence count as complete (they are passed through).
size_t tok_utf8_complete_prefix(const char* s, size_t n);

}  // namespace rt
}  // namespace smolc
