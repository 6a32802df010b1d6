// Names and text that reach generated code come from untrusted model files
// and command lines: these make them safe (C identifiers, one-line comments).
#pragma once
#include <string>

namespace smolc {

// "SmolLM2-135M-Instruct" + "bf16" -> "smollm2_135m_instruct_bf16": lower
// case, every run of other characters becomes '_', never starts with a digit,
// at most 48 characters.
std::string sanitize_c_identifier(const std::string& text);
// Throws InputError("--name", ...) unless `name` is [a-z_][a-z0-9_]* (C
// identifier, lower case so NAME and the upper-case macro prefix agree),
// 1..48 characters, with no leading or trailing '_' and no "__" (reserved
// identifiers), and neither "smolc" nor "smolc_*" (the runtime's prefix).
void validate_engine_name(const std::string& name);
// Printable ASCII only, one line, no "*/" (so it can sit in any comment):
// c_comment() of common/escape.h.
std::string comment_safe(const std::string& text);

}  // namespace smolc
