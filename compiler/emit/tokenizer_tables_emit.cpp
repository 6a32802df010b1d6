#include "emit/tokenizer_tables_emit.h"

#include <cmath>
#include <cstdio>
#include <stdexcept>

#include "emit/template_engine.h"
#include "frontend/error.h"
#include "text/tokenizer_tables.h"

namespace smolc {

namespace {

bool is_identifier(const std::string& s) {
  if (s.empty() || s.size() > 64 || (s[0] >= '0' && s[0] <= '9')) return false;
  for (char c : s)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_')) return false;
  return true;
}

// Bytes as string-literal pieces: letters, digits and a few safe punctuation
// characters stay; everything else is a 3-digit octal escape, so no quote,
// backslash, trigraph, newline or comment marker from the file survives.
void append_literal(std::string& out, const std::string& bytes) {
  out += "    \"";
  size_t line = 0;
  for (unsigned char c : bytes) {
    if (line >= 96) {
      out += "\"\n    \"";
      line = 0;
    }
    const bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == ' ' ||
                       c == '_' || c == '.' || c == ',' || c == '-' || c == '<' || c == '>' || c == '|';
    if (plain) {
      out += static_cast<char>(c);
      ++line;
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\%03o", c);
      out += buf;
      line += 4;
    }
  }
  out += "\"";
}

template <typename T, typename F>
void append_array(std::string& out, const char* type, const std::string& name, const std::vector<T>& v, F fmt) {
  out += "const " + std::string(type) + " " + name + "[" + std::to_string(v.empty() ? 1 : v.size()) + "] = {";
  if (v.empty()) out += "0";
  for (size_t i = 0; i < v.size(); ++i) {
    if (i % 16 == 0) out += "\n   ";
    out += " " + fmt(v[i]) + ",";
  }
  out += "\n};\n";
}

std::string int_str(int64_t v) { return std::to_string(v); }

}  // namespace

std::string emit_tokenizer_tables_cpp(const TokenizerData& data, const std::string& prefix) {
  if (!is_identifier(prefix)) throw std::invalid_argument("tokenizer table prefix is not an identifier: " + prefix);
  const TokenizerTableData t = build_tokenizer_tables(data);
  for (size_t i = 0; i < t.scores.size(); ++i)
    if (!std::isfinite(t.scores[i]))
      throw InputError(data.source, "scores[" + std::to_string(i) + "]", "score is not a finite number");
  const std::string p = prefix + "_tok_";
  std::string arrays = "const char " + p + "bytes[] =\n";
  append_literal(arrays, t.token_bytes);
  arrays += ";\n";
  append_array(arrays, "uint32_t", p + "offsets", t.token_offsets, [](uint32_t v) { return std::to_string(v) + "u"; });
  append_array(arrays, "uint8_t", p + "flags", t.token_flags, [](uint8_t v) { return std::to_string(v); });
  append_array(arrays, "int32_t", p + "hash", t.token_hash, [](int32_t v) { return int_str(v); });
  append_array(arrays, "int32_t", p + "byte_token", t.byte_token, [](int32_t v) { return int_str(v); });
  append_array(arrays, "int32_t", p + "added", t.added_ids, [](int32_t v) { return int_str(v); });
  if (!t.scores.empty())
    append_array(arrays, "float", p + "scores", t.scores, [](float v) {
      char buf[48];
      std::snprintf(buf, sizeof buf, "%af", static_cast<double>(v));  // hex float: exact
      return std::string(buf);
    });
  if (!t.merges.empty()) {
    arrays += "const smolc::rt::TokMerge " + p + "merges[" + std::to_string(t.merges.size()) + "] = {";
    for (size_t i = 0; i < t.merges.size(); ++i) {
      const rt::TokMerge& m = t.merges[i];
      if (i % 4 == 0) arrays += "\n   ";
      arrays +=
          " {" + int_str(m.left) + ", " + int_str(m.right) + ", " + int_str(m.rank) + ", " + int_str(m.merged) + "},";
    }
    arrays += "\n};\n";
  }
  arrays.pop_back();  // the template's line ends it
  const TemplateVars v{{"PREFIX", prefix},
                       {"P", p},
                       {"ARRAYS", arrays},
                       {"KIND", int64_t(t.kind)},
                       {"VOCAB", int64_t(t.vocab_size)},
                       {"BOS", int64_t(t.bos_id)},
                       {"EOS", int64_t(t.eos_id)},
                       {"SPACE", int64_t(t.space_id)},
                       {"SPLIT_DIGITS", int64_t(t.split_digits)},
                       {"HASH_SIZE", int64_t(t.token_hash.size())},
                       {"SCORES", int64_t(!t.scores.empty())},
                       {"MERGES", int64_t(t.merges.size())},
                       {"ADDED", int64_t(t.added_ids.size())}};
  return render_embedded("engine/tokenizer-tables.inc.in", v);
}

}  // namespace smolc
