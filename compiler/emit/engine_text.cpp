#include "emit/engine_text.h"

#include <cstdio>
#include <cstring>

#include "text/tokenizer_tables.h"

namespace smolc {
namespace {

// Emits `const TYPE NAME[] = {...};` and returns NAME, or "nullptr" for an empty table.
template <typename T, typename F>
std::string array(std::string& out, const char* type, const char* name, const std::vector<T>& v, F fmt) {
  if (v.empty()) return "nullptr";
  out += "const " + std::string(type) + " " + name + "[" + std::to_string(v.size()) + "] = {";
  for (size_t i = 0; i < v.size(); ++i) {
    if (i % 16 == 0) out += "\n ";
    out += " " + fmt(v[i]) + ",";
  }
  out += "\n};\n";
  return name;
}

std::string hexf(float f) {
  char b[48];
  std::snprintf(b, sizeof b, "%af", static_cast<double>(f));
  return b;
}

}  // namespace

std::string emit_engine_tokenizer_tables(const TokenizerData& data, const std::string& symbol,
                                         const std::string& header_comment) {
  const TokenizerTableData t = build_tokenizer_tables(data);
  std::string o = header_comment;
  o += "#include <stdint.h>\n\n#include \"tokenizer/smolc_tokenizer.h\"\n\nnamespace {\n\n";
  std::vector<int> bytes(t.token_bytes.begin(), t.token_bytes.end());
  for (int& b : bytes) b = static_cast<unsigned char>(b);
  const std::string a_bytes = array(o, "char", "kTokenBytes", bytes, [](int b) { return "'\\x" + [&] { char s[8]; std::snprintf(s, sizeof s, "%02x", b); return std::string(s); }() + "'"; });
  const std::string a_offsets = array(o, "uint32_t", "kTokenOffsets", t.token_offsets, [](uint32_t v) { return std::to_string(v) + "u"; });
  const std::string a_flags = array(o, "uint8_t", "kTokenFlags", t.token_flags, [](uint8_t v) { return std::to_string(v); });
  const std::string a_hash = array(o, "int32_t", "kTokenHash", t.token_hash, [](int32_t v) { return std::to_string(v); });
  const std::string a_scores = array(o, "float", "kScores", t.scores, hexf);
  const std::string a_merges = array(o, "smolc::rt::TokMerge", "kMerges", t.merges, [](const rt::TokMerge& m) {
    return "{" + std::to_string(m.left) + ", " + std::to_string(m.right) + ", " + std::to_string(m.rank) + ", " +
           std::to_string(m.merged) + "}";
  });
  const std::string a_byte = array(o, "int32_t", "kByteToken", t.byte_token, [](int32_t v) { return std::to_string(v); });
  const std::string a_added = array(o, "int32_t", "kAddedIds", t.added_ids, [](int32_t v) { return std::to_string(v); });
  o += "\n}  // namespace\n\n";
  o += "extern const smolc::rt::TokTables " + symbol + ";\n";
  o += "const smolc::rt::TokTables " + symbol + " = {\n";
  o += "    " + std::to_string(t.kind) + ", " + std::to_string(t.vocab_size) + ", " + std::to_string(t.bos_id) + ", " +
       std::to_string(t.eos_id) + ", " + std::to_string(t.space_id) + ", " + std::to_string(t.split_digits) + ",\n";
  o += "    " + a_bytes + ", " + a_offsets + ", " + a_flags + ", " + a_hash + ", " + std::to_string(t.token_hash.size()) + "u,\n";
  o += "    " + a_scores + ", " + a_merges + ", " + std::to_string(t.merges.size()) + "u,\n";
  o += "    " + a_byte + ", " + a_added + ", " + std::to_string(t.added_ids.size()) + "};\n";
  return o;
}

}  // namespace smolc
