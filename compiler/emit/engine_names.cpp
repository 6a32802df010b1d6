#include "emit/engine_names.h"

#include <cctype>

#include "frontend/error.h"

namespace smolc {

std::string sanitize_c_identifier(const std::string& text) {
  std::string out;
  for (char ch : text) {
    const unsigned char c = static_cast<unsigned char>(ch);
    if (c < 128 && std::isalnum(c)) out += static_cast<char>(std::tolower(c));
    else if (!out.empty() && out.back() != '_') out += '_';
  }
  while (!out.empty() && out.back() == '_') out.pop_back();
  if (out.empty() || std::isdigit(static_cast<unsigned char>(out[0]))) out = "m_" + out;
  if (out.size() > 48) out.resize(48);
  while (out.back() == '_') out.pop_back();
  return out;
}

void validate_engine_name(const std::string& name) {
  bool ok = !name.empty() && name.size() <= 48 && !std::isdigit(static_cast<unsigned char>(name[0]));
  for (char c : name) ok = ok && ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_');
  if (!ok)
    throw InputError("--name", name,
                     "is not a valid engine name (expected 1-48 characters of a-z, 0-9 and _, not starting with a digit)");
}

std::string comment_safe(const std::string& text) {
  std::string out;
  for (char ch : text) {
    const unsigned char c = static_cast<unsigned char>(ch);
    if (c == '/' && !out.empty() && out.back() == '*') out += ' ';
    out += (c >= 32 && c < 127 && c != '\\') ? ch : '?';
  }
  return out;
}

}  // namespace smolc
