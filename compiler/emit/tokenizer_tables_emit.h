// C++ source for a tokenizer's runtime tables, for `smolc compile`: the
// arrays printed here, the file around them from
// templates/engine/tokenizer-tables.inc.in.
//
// The tokenizer file is untrusted: only numbers and escaped bytes from it
// reach the generated code. The source defines
//   extern const smolc::rt::TokTables <prefix>_tokenizer;
// (runtime/tokenizer/smolc_tokenizer.h) and needs nothing but that header.
#pragma once
#include <string>

#include "frontend/tokenizer_data.h"

namespace smolc {

// prefix must be a C identifier (chosen by the compiler, checked here).
// Throws InputError for inconsistent tokenizer data.
std::string emit_tokenizer_tables_cpp(const TokenizerData& data, const std::string& prefix);

}  // namespace smolc
