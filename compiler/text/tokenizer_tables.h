// Builds the runtime's POD tokenizer tables (runtime/tokenizer/smolc_tokenizer.h)
// from a TokenizerData, validating it. The host Tokenizer runs over these,
// and emit_tokenizer_tables_cpp() (emit/tokenizer_tables_emit.h) prints the
// same arrays as C++ source.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "frontend/tokenizer_data.h"
#include "tokenizer/smolc_tokenizer.h"

namespace smolc {

struct TokenizerTableData {
  int32_t kind = 0;
  int32_t vocab_size = 0;
  int32_t bos_id = -1, eos_id = -1, space_id = -1;
  int32_t split_digits = 0;
  std::string token_bytes;
  std::vector<uint32_t> token_offsets;  // [vocab_size + 1]
  std::vector<uint8_t> token_flags;     // [vocab_size]
  std::vector<int32_t> token_hash;      // power of two
  std::vector<float> scores;            // SentencePiece only
  std::vector<rt::TokMerge> merges;     // byte-level only, power of two
  std::vector<int32_t> byte_token;      // [256]
  std::vector<int32_t> added_ids;

  // A view for the runtime; valid while *this is alive and unchanged.
  rt::TokTables view() const;
};

// Throws InputError(data.source, field, ...) for inconsistent data.
TokenizerTableData build_tokenizer_tables(const TokenizerData& data);

// GPT-2's byte-to-unicode map: the code point that stands for byte b.
uint32_t gpt2_byte_to_codepoint(uint8_t b);

}  // namespace smolc
