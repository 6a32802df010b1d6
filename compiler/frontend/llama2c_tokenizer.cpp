// llama2.c tokenizer files (tokenizer.bin, tok512.bin, ...):
//   int32 max_token_length, then per token: f32 score, int32 len, len bytes.
// Pieces are raw bytes (" the", "<0x0A>"); scores rank merges. The token count
// is not stored: it is the model's vocab_size, so we require the file to hold
// exactly that many tokens and nothing after them.
#include <cmath>
#include <cstring>

#include "frontend/error.h"
#include "frontend/mapped_file.h"
#include "frontend/tokenizer_data.h"

namespace smolc {

TokenizerData load_llama2c_tokenizer(const std::string& path, int64_t vocab_size) {
  std::shared_ptr<MappedFile> f = MappedFile::open(path);
  const uint8_t* p = f->data();
  const size_t size = f->size();
  // Tokenizers are tiny next to any model; 1<<22 bounds the reservations below.
  if (vocab_size < 1 || vocab_size > (1 << 22))
    throw InputError(path, "vocab_size", "model vocab_size " + std::to_string(vocab_size) + " is out of range");
  auto i32_at = [&](size_t off, const char* field) {
    if (size < 4 || off > size - 4)
      throw InputError(path, "offset " + std::to_string(off),
                       std::string("file is truncated: expected ") + field + " (4 bytes)");
    int32_t v;
    std::memcpy(&v, p + off, 4);
    return v;
  };

  const int32_t max_len = i32_at(0, "max_token_length");
  if (max_len < 1 || max_len > 4096)
    throw InputError(path, "max_token_length (offset 0)",
                     "value " + std::to_string(max_len) + " is out of range, expected 1..4096");

  TokenizerData t;
  t.kind = TokenizerData::Kind::SentencePieceBPE;
  t.source = path;
  t.bos_id = 1;
  t.eos_id = 2;
  t.vocab.reserve(static_cast<size_t>(vocab_size));
  t.scores.reserve(static_cast<size_t>(vocab_size));
  size_t off = 4;
  for (int64_t id = 0; id < vocab_size; ++id) {
    const std::string tok = "token " + std::to_string(id);
    float score;
    const int32_t score_bits = i32_at(off, (tok + " score").c_str());
    std::memcpy(&score, &score_bits, 4);
    if (!std::isfinite(score))
      throw InputError(path, tok + " score (offset " + std::to_string(off) + ")", "score is not a finite number");
    const int32_t len = i32_at(off + 4, (tok + " length").c_str());
    if (len < 0 || len > max_len)
      throw InputError(path, tok + " length (offset " + std::to_string(off + 4) + ")",
                       "value " + std::to_string(len) + " is out of range, expected 0.." + std::to_string(max_len) +
                           " (max_token_length)");
    off += 8;
    if (static_cast<size_t>(len) > size - off)
      throw InputError(path, "offset " + std::to_string(off),
                       "file is truncated: " + tok + " needs " + std::to_string(len) + " bytes, only " +
                           std::to_string(size - off) + " remain");
    t.vocab.emplace_back(reinterpret_cast<const char*>(p + off), static_cast<size_t>(len));
    t.scores.push_back(score);
    off += static_cast<size_t>(len);
  }
  if (off != size)
    throw InputError(path, "offset " + std::to_string(off),
                     std::to_string(size - off) + " trailing bytes after token " + std::to_string(vocab_size - 1) +
                         ": the tokenizer has more tokens than the model's vocab_size " + std::to_string(vocab_size));
  return t;
}

}  // namespace smolc
