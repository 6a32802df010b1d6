// The text side of an engine: the tokenizer's tables as a C++ translation
// unit defining `const smolc::rt::TokTables <symbol>`, which the engine's
// NAME_encode / NAME_token_text entry points run the runtime tokenizer over.
//
// Seam: engineer "tok" owns emit_tokenizer_tables_cpp (compiler/text/); until
// it lands, this prints the same TokenizerTableData arrays. Replace the body
// of emit_engine_tokenizer_tables with a call to it, nothing else changes.
#pragma once
#include <string>

#include "frontend/tokenizer_data.h"

namespace smolc {

// Throws InputError (via build_tokenizer_tables) for inconsistent data.
std::string emit_engine_tokenizer_tables(const TokenizerData& data, const std::string& symbol,
                                         const std::string& header_comment);

}  // namespace smolc
