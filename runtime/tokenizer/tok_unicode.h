// Character classes for the GPT-2 pre-tokenizer regex, over UTF-8 text that
// may be invalid: every byte that is not part of a valid UTF-8 sequence is a
// one-byte unit of class "other" (so it is encoded through byte-level BPE).
#pragma once
#include <stddef.h>
#include <stdint.h>

namespace smolc {
namespace rt {

enum TokClass : uint8_t { kTokClassOther = 0, kTokClassLetter = 1, kTokClassNumber = 2, kTokClassSpace = 3 };

struct TokClassRange {
  uint32_t first, last;
  TokClass cls;
};

// Class of code point cp.
TokClass tok_codepoint_class(uint32_t cp);

// Non-ASCII part of tok_unit_at.
TokClass tok_unit_at_slow(const char* s, size_t n, size_t i, size_t* len);

extern const TokClass kTokAsciiClass[128];

// The unit at s[i] (i < n): sets *len to its byte length (1..4) and returns its class.
inline TokClass tok_unit_at(const char* s, size_t n, size_t i, size_t* len) {
  const uint8_t c = static_cast<uint8_t>(s[i]);
  if (c < 0x80) {
    *len = 1;
    return kTokAsciiClass[c];
  }
  return tok_unit_at_slow(s, n, i, len);
}

// Decodes the valid UTF-8 sequence at s[i], or returns 0 (invalid/truncated).
size_t tok_utf8_decode(const char* s, size_t n, size_t i, uint32_t* cp);

}  // namespace rt
}  // namespace smolc
