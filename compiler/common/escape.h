// One escaper per output syntax. Text from model files (GGUF general.name,
// tensor names, directory names), paths and command-line options is
// untrusted: it reaches a generated file or a terminal only through one of
// these, so a newline, quote or `$(...)` in it stays data and never becomes a
// new line, field or command (see docs/security.md).
#pragma once
#include <string>
#include <string_view>

namespace smolc {

// One line for a terminal, an error message or a `#` comment: valid UTF-8 is
// kept, control bytes (C0, DEL, C1 code points) and bytes that are not valid
// UTF-8 become \xNN.
std::string printable(std::string_view s);
// printable() of each line, keeping the '\n' between lines (a compiler's log
// quoted in an error keeps its lines, and still cannot move the cursor).
std::string printable_lines(std::string_view s);

// `s` as one single-quoted POSIX shell word, for any bytes. Throws
// std::invalid_argument on a NUL byte (no shell word can hold one).
std::string shell_quote(std::string_view s);

// `s` unchanged if it is a plain shell word (letters, digits and _ - . / + = :
// , @ %), else shell_quote(s): command lines that read as typed.
std::string shell_word(std::string_view s);

// Text inside a C/C++ or assembler comment (`/* */` or `//`): printable ASCII
// only, on one line; '\\' and every other byte become \xNN, and "*/", "/*"
// and "??" (trigraphs) are broken up.
std::string c_comment(std::string_view s);

// The body of a C/C++ string literal, also valid in a GNU as .ascii/.incbin
// string: '"' and '\\' escaped, '?' and every byte outside printable ASCII
// as a three-digit octal escape. The caller adds the quotes.
std::string c_string(std::string_view s);

// A CMake quoted argument ("...") holding exactly `s`: '\\', '"' and '$'
// escaped, CR, LF and tab as \r, \n, \t, so it stays on one line. (Not a
// bracket argument: CMake reads "\r\n" inside one as "\n".) Throws
// std::invalid_argument on a NUL byte.
std::string cmake_string(std::string_view s);

// A pkg-config (.pc) field or variable value: printable ASCII only; '$' as
// "$$", and '\\', '#', quotes and every other byte as \xNN, so the value is
// one line, starts no comment, expands no variable and splits no word.
std::string pc_value(std::string_view s);

// A JSON string with its quotes. Valid UTF-8 is kept; '"', '\\' and control
// characters are escaped; a byte that is not valid UTF-8 becomes U+FFFD
// (JSON cannot hold raw bytes).
std::string json_string(std::string_view s);

}  // namespace smolc
