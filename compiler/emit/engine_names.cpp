#include "emit/engine_names.h"

#include <cctype>

#include "common/escape.h"
#include "frontend/error.h"

namespace smolc {

std::string sanitize_c_identifier(const std::string& text) {
  std::string out;
  for (char ch : text) {
    const unsigned char c = static_cast<unsigned char>(ch);
    if (c < 128 && std::isalnum(c))
      out += static_cast<char>(std::tolower(c));
    else if (!out.empty() && out.back() != '_')
      out += '_';
  }
  while (!out.empty() && out.back() == '_') out.pop_back();
  if (out.empty() || std::isdigit(static_cast<unsigned char>(out[0]))) out = "m_" + out;
  if (out.size() > 48) out.resize(48);
  while (out.back() == '_') out.pop_back();
  // The runtime owns smolc_*: a model called "smolc" still gets a valid name.
  if (out == "smolc" || out.rfind("smolc_", 0) == 0) out = ("m_" + out).substr(0, 48);
  while (out.back() == '_') out.pop_back();
  return out;
}

void validate_engine_name(const std::string& name) {
  bool ok = !name.empty() && name.size() <= 48 && !std::isdigit(static_cast<unsigned char>(name[0]));
  for (char c : name) ok = ok && ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_');
  if (!ok)
    throw InputError(
        "--name", name,
        "is not a valid engine name (expected 1-48 characters of a-z, 0-9 and _, not starting with a digit)");
  // Every engine symbol is NAME_x and every macro NAME_X: a leading or trailing
  // '_' or a "__" makes identifiers C and C++ reserve (_X..., x__init).
  if (name.front() == '_' || name.back() == '_' || name.find("__") != std::string::npos)
    throw InputError("--name", name, "would make reserved C identifiers (no leading or trailing '_', no \"__\")");
  // The runtime linked into every engine owns the smolc_ prefix (smolc_sampler_*, smolc_platform_*, ...).
  if (name == "smolc" || name.rfind("smolc_", 0) == 0)
    throw InputError("--name", name, "clashes with the runtime's symbols (names smolc and smolc_* are reserved)");
}

std::string comment_safe(const std::string& text) { return c_comment(text); }

}  // namespace smolc
