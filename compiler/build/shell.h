// Building command lines for the C++ compiler and other tools run through the shell.
#pragma once
#include <string>

namespace smolc {

// `s` as one single-quoted shell word, safe for any bytes but NUL.
inline std::string shell_quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

// ASCII upper case: engine names (C identifiers) turned into macro prefixes.
inline std::string ascii_upper(std::string s) {
  for (char& c : s)
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  return s;
}

}  // namespace smolc
