// A tokenizer's runtime tables for `smolc compile`: one binary file with
// every table (little-endian), an assembly file that embeds each table as a
// labelled slice of it (.incbin, from templates/engine/tokenizer.S.in), and
// the C++ that points the runtime's TokTables at those symbols
// (templates/engine/tokenizer-tables.inc.in).
//
// Binary rather than C++ arrays: a 49152-token vocabulary is about 770,000
// numbers, which clang took 3-5 s to parse for every engine build; the
// assembler copies the bytes.
//
// The tokenizer file is untrusted: only numbers reach the generated text,
// its bytes only the binary file. The C++ defines
//   extern const smolc::rt::TokTables <prefix>_tokenizer;
// (runtime/tokenizer/smolc_tokenizer.h) and needs nothing but that header.
#pragma once
#include <string>

#include "emit/template_engine.h"
#include "frontend/tokenizer_data.h"

namespace smolc {

struct TokenizerTableFiles {
  std::string cpp;   // the TokTables definition and the tables' declarations
  std::string asm_;  // the .S: the tables' symbols, slices of blob_name
  std::string blob;  // the tables' bytes, written beside the .S as blob_name
};

// prefix must be a C identifier (chosen by the compiler, checked here);
// blob_name is the binary file's name as the assembler finds it (beside the
// .S). wasm: the .S is for the wasm object format, else ELF. `header` holds
// the .S header's NAME, MODEL, SOURCE, VERSION and COMMAND (comment-safe).
// Throws InputError for inconsistent tokenizer data.
TokenizerTableFiles emit_tokenizer_tables(const TokenizerData& data, const std::string& prefix,
                                          const std::string& blob_name, bool wasm, TemplateVars header);

}  // namespace smolc
