// Source-independent description of a tokenizer, as read from tokenizer.json,
// a GGUF's tokenizer.ggml.* metadata or a llama2.c tokenizer file. The text
// runtime builds its static tables from this.
#pragma once
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace smolc {

struct AddedToken {
  int32_t id = 0;
  std::string content;
  bool special = false;
};

struct TokenizerData {
  enum class Kind { None, ByteLevelBPE, SentencePieceBPE };
  Kind kind = Kind::None;
  std::string source;  // file it came from, for error messages
  // Token strings exactly as stored: GPT-2 byte-to-unicode form for
  // ByteLevelBPE, SentencePiece pieces ("<0x0A>", "\u2581the" or llama2.c's raw bytes) otherwise.
  std::vector<std::string> vocab;
  std::vector<float> scores;                                // SentencePieceBPE: merge priority per token
  std::vector<std::pair<std::string, std::string>> merges;  // ByteLevelBPE, by rank
  std::vector<AddedToken> added;                            // matched verbatim in text before BPE
  // ByteLevelBPE: the pre-tokenizer first isolates every digit (HF
  // Sequence[Digits(individual_digits=true), ByteLevel], as SmolLM2 does);
  // false for a plain ByteLevel pre-tokenizer.
  bool split_digits = false;
  int32_t bos_id = -1, eos_id = -1;
};

// Loaders (each throws InputError naming the file and field/offset).
TokenizerData load_hf_tokenizer_json(const std::string& path);
TokenizerData load_llama2c_tokenizer(const std::string& path, int64_t vocab_size);

}  // namespace smolc
