// Host-side tokenizer: builds the runtime's static tables from a
// TokenizerData (tokenizer.json, GGUF metadata or a llama2.c tokenizer file)
// and runs the same heap-free runtime code the compiled engines use.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "frontend/tokenizer_data.h"

namespace smolc {

class Tokenizer {
 public:
  // Throws InputError(data.source, ...) if the data is inconsistent.
  explicit Tokenizer(const TokenizerData& data);
  ~Tokenizer();
  Tokenizer(Tokenizer&&) noexcept;
  Tokenizer& operator=(Tokenizer&&) noexcept;

  // Ids for `text` exactly as the reference tokenizer gives them (HF
  // `tokenizers` for byte-level BPE, llama2.c's encode for SentencePiece-BPE,
  // without BOS/EOS). Added/special tokens in the text are matched verbatim.
  std::vector<int32_t> encode(std::string_view text) const;
  // The exact bytes of `ids`. Throws InputError("token id", ...) for an id out of range.
  std::string decode(const std::vector<int32_t>& ids) const;
  // The bytes token `id` contributes when it follows `prev` (llama2.c drops
  // the leading space of the token after BOS).
  std::string token_bytes(int32_t prev, int32_t id) const;

  int32_t vocab_size() const;
  int32_t bos_id() const;
  int32_t eos_id() const;
  bool is_special(int32_t id) const;
  int32_t token_id(std::string_view token_text) const;  // -1 if absent (e.g. "<|im_end|>")

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Streams text token by token without ever emitting a broken UTF-8 sequence:
// bytes of an incomplete character are held back until it completes; flush()
// returns whatever is left (invalid bytes included, unchanged).
class StreamDecoder {
 public:
  explicit StreamDecoder(const Tokenizer& tok) : tok_(tok) {}
  std::string push(int32_t id);
  std::string flush();

 private:
  const Tokenizer& tok_;
  int32_t prev_ = -1;
  std::string pending_;
};

}  // namespace smolc
