#include "tok_unicode.h"

namespace smolc {
namespace rt {

namespace {
#include "unicode_tables.inc"

constexpr size_t kNumRanges = sizeof(kTokClassRanges) / sizeof(kTokClassRanges[0]);

struct AsciiClasses {
  TokClass c[128];
  constexpr AsciiClasses() : c() {
    for (int i = 0; i < 128; ++i) {
      c[i] = (i >= 'a' && i <= 'z') || (i >= 'A' && i <= 'Z') ? kTokClassLetter
             : (i >= '0' && i <= '9')                         ? kTokClassNumber
             : (i == ' ' || (i >= 9 && i <= 13))              ? kTokClassSpace
                                                              : kTokClassOther;
    }
  }
};
constexpr AsciiClasses kAscii;
}  // namespace

const TokClass kTokAsciiClass[128] = {
#define C(i) kAscii.c[i], kAscii.c[i + 1], kAscii.c[i + 2], kAscii.c[i + 3]
    C(0),  C(4),  C(8),  C(12),  C(16),  C(20),  C(24),  C(28),  C(32),  C(36),  C(40),
    C(44), C(48), C(52), C(56),  C(60),  C(64),  C(68),  C(72),  C(76),  C(80),  C(84),
    C(88), C(92), C(96), C(100), C(104), C(108), C(112), C(116), C(120), C(124),
#undef C
};

TokClass tok_codepoint_class(uint32_t cp) {
  if (cp < 128) return kAscii.c[cp];
  size_t lo = 0, hi = kNumRanges;
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    if (kTokClassRanges[mid].last < cp)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo < kNumRanges && kTokClassRanges[lo].first <= cp ? kTokClassRanges[lo].cls : kTokClassOther;
}

size_t tok_utf8_decode(const char* s, size_t n, size_t i, uint32_t* cp) {
  const uint8_t c = static_cast<uint8_t>(s[i]);
  if (c < 0x80) {
    *cp = c;
    return 1;
  }
  size_t len;
  uint32_t v, min;
  if (c >= 0xC2 && c <= 0xDF)
    len = 2, v = c & 0x1F, min = 0x80;
  else if (c >= 0xE0 && c <= 0xEF)
    len = 3, v = c & 0x0F, min = 0x800;
  else if (c >= 0xF0 && c <= 0xF4)
    len = 4, v = c & 0x07, min = 0x10000;
  else
    return 0;
  if (len > n - i) return 0;
  for (size_t k = 1; k < len; ++k) {
    const uint8_t d = static_cast<uint8_t>(s[i + k]);
    if ((d & 0xC0) != 0x80) return 0;
    v = (v << 6) | (d & 0x3F);
  }
  // Overlong forms, surrogates and values above U+10FFFF are not valid UTF-8.
  if (v < min || (v >= 0xD800 && v <= 0xDFFF) || v > 0x10FFFF) return 0;
  *cp = v;
  return len;
}

TokClass tok_unit_at_slow(const char* s, size_t n, size_t i, size_t* len) {
  uint32_t cp;
  size_t l = tok_utf8_decode(s, n, i, &cp);
  if (l == 0) {
    *len = 1;
    return kTokClassOther;
  }
  *len = l;
  return tok_codepoint_class(cp);
}

}  // namespace rt
}  // namespace smolc
