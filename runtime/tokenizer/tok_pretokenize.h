// The GPT-2 pre-tokenizer regex, by hand:
//   's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
// (alternatives tried in order at each position, as a backtracking regex
// engine does). Its matches tile the text, so the caller walks from 0 to n.
#pragma once
#include <stddef.h>

namespace smolc {
namespace rt {

// End of the match that starts at s[i] (i < n) within the piece [0, n).
size_t tok_gpt2_match_end(const char* s, size_t n, size_t i);

}  // namespace rt
}  // namespace smolc
