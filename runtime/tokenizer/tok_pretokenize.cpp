#include "tok_pretokenize.h"

#include "tok_unicode.h"

namespace smolc {
namespace rt {

namespace {
size_t run_end(const char* s, size_t n, size_t i, TokClass cls) {
  while (i < n) {
    size_t len;
    if (tok_unit_at(s, n, i, &len) != cls) break;
    i += len;
  }
  return i;
}
}  // namespace

size_t tok_gpt2_match_end(const char* s, size_t n, size_t i) {
  const char c = s[i];
  if (c == '\'' && i + 1 < n) {
    const char a = s[i + 1];
    if (a == 's' || a == 't' || a == 'm' || a == 'd') return i + 2;
    if (i + 2 < n) {
      const char b = s[i + 2];
      if ((a == 'r' && b == 'e') || (a == 'v' && b == 'e') || (a == 'l' && b == 'l')) return i + 3;
    }
  }
  if (c == ' ' && i + 1 < n) {
    size_t len;
    TokClass next = tok_unit_at(s, n, i + 1, &len);
    if (next != kTokClassSpace) return run_end(s, n, i + 1 + len, next);
  }
  size_t len;
  TokClass cls = tok_unit_at(s, n, i, &len);
  if (cls != kTokClassSpace) return run_end(s, n, i + len, cls);
  // \s+(?!\S): the whitespace run, minus its last character unless the run
  // reaches the end (so that character can prefix the next word); a run of
  // one character not at the end falls through to \s+.
  size_t last = i, j = i + len;
  while (j < n) {
    size_t l;
    if (tok_unit_at(s, n, j, &l) != kTokClassSpace) break;
    last = j;
    j += l;
  }
  if (j == n || last == i) return j;
  return last;
}

}  // namespace rt
}  // namespace smolc
