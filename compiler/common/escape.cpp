#include "common/escape.h"

#include <cstdint>
#include <cstdio>
#include <stdexcept>

namespace smolc {
namespace {

// Length of the valid UTF-8 sequence at s[i] (1..4), or 0 if the bytes there
// are not one (overlong forms, surrogates and code points past U+10FFFF are
// invalid). `cp` gets the code point.
size_t utf8_length(std::string_view s, size_t i, uint32_t& cp) {
  const auto b = [&](size_t k) { return static_cast<unsigned char>(s[i + k]); };
  const unsigned char c = b(0);
  if (c < 0x80) {
    cp = c;
    return 1;
  }
  size_t n;
  uint32_t min;
  if ((c & 0xE0) == 0xC0)
    n = 2, cp = c & 0x1F, min = 0x80;
  else if ((c & 0xF0) == 0xE0)
    n = 3, cp = c & 0x0F, min = 0x800;
  else if ((c & 0xF8) == 0xF0)
    n = 4, cp = c & 0x07, min = 0x10000;
  else
    return 0;
  if (i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k) {
    if ((b(k) & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (b(k) & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return n;
}

void append_hex(std::string& out, unsigned char c) {
  char b[5];
  std::snprintf(b, sizeof b, "\\x%02X", c);
  out += b;
}

void append_octal(std::string& out, unsigned char c) {
  char b[5];
  std::snprintf(b, sizeof b, "\\%03o", c);
  out += b;
}

bool printable_ascii(unsigned char c) { return c >= 0x20 && c < 0x7F; }

void no_nul(std::string_view s, const char* what) {
  if (s.find('\0') != std::string_view::npos)
    throw std::invalid_argument(std::string(what) + ": text holds a NUL byte");
}

}  // namespace

std::string printable(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    uint32_t cp = 0;
    const size_t n = utf8_length(s, i, cp);
    const bool control = cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp < 0xA0);
    if (n == 0 || control) {
      // An invalid sequence is escaped one byte at a time; a control code
      // point (C1 is two bytes in UTF-8) is escaped whole.
      for (size_t k = 0; k < (n ? n : 1); ++k) append_hex(out, static_cast<unsigned char>(s[i + k]));
      i += n ? n : 1;
    } else {
      out.append(s.substr(i, n));
      i += n;
    }
  }
  return out;
}

std::string printable_lines(std::string_view s) {
  std::string out;
  for (size_t b = 0;;) {
    const size_t e = s.find('\n', b);
    out += printable(s.substr(b, e == std::string_view::npos ? std::string_view::npos : e - b));
    if (e == std::string_view::npos) return out;
    out += '\n';
    b = e + 1;
  }
}

std::string shell_quote(std::string_view s) {
  no_nul(s, "shell_quote");
  std::string q = "'";
  for (char c : s) {
    if (c == '\'')
      q += "'\\''";
    else
      q += c;
  }
  return q + "'";
}

std::string shell_word(std::string_view s) {
  bool plain = !s.empty();
  for (char c : s)
    plain = plain && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      std::string_view("_-./+=:,@%").find(c) != std::string_view::npos);
  return plain ? std::string(s) : shell_quote(s);
}

std::string c_comment(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char ch : s) {
    const unsigned char c = static_cast<unsigned char>(ch);
    const char prev = out.empty() ? '\0' : out.back();
    if (!printable_ascii(c) || c == '\\' || (c == '/' && prev == '*') || (c == '*' && prev == '/') ||
        (c == '?' && prev == '?'))
      append_hex(out, c);
    else
      out += ch;
  }
  return out;
}

std::string c_string(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char ch : s) {
    const unsigned char c = static_cast<unsigned char>(ch);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += ch;
    } else if (!printable_ascii(c) || c == '?') {
      append_octal(out, c);
    } else {
      out += ch;
    }
  }
  return out;
}

std::string cmake_string(std::string_view s) {
  no_nul(s, "cmake_string");
  std::string out = "\"";
  for (char c : s) {
    if (c == '\\' || c == '"' || c == '$') {
      out += '\\';
      out += c;
    } else if (c == '\r')
      out += "\\r";
    else if (c == '\n')
      out += "\\n";
    else if (c == '\t')
      out += "\\t";
    else
      out += c;
  }
  return out + "\"";
}

std::string pc_value(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char ch : s) {
    const unsigned char c = static_cast<unsigned char>(ch);
    if (c == '$')
      out += "$$";
    else if (!printable_ascii(c) || c == '\\' || c == '#' || c == '"' || c == '\'')
      append_hex(out, c);
    else
      out += ch;
  }
  return out;
}

std::string json_string(std::string_view s) {
  std::string out = "\"";
  for (size_t i = 0; i < s.size();) {
    uint32_t cp = 0;
    const size_t n = utf8_length(s, i, cp);
    if (n == 0) {
      out += "\\ufffd";
      ++i;
      continue;
    }
    if (cp == '"' || cp == '\\') {
      out += '\\';
      out += static_cast<char>(cp);
    } else if (cp < 0x20 || cp == 0x7F) {
      char b[8];
      std::snprintf(b, sizeof b, "\\u%04x", static_cast<unsigned>(cp));
      out += b;
    } else {
      out.append(s.substr(i, n));
    }
    i += n;
  }
  return out + "\"";
}

}  // namespace smolc
