// Building command lines for the C++ compiler and other tools run through the
// shell: shell_quote() (common/escape.h) quotes every word that is not fixed.
#pragma once
#include <string>

#include "common/escape.h"

namespace smolc {

// ASCII upper case: engine names (C identifiers) turned into macro prefixes.
inline std::string ascii_upper(std::string s) {
  for (char& c : s)
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  return s;
}

}  // namespace smolc
