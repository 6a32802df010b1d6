#include "emit/tokenizer_tables_emit.h"

#include <cmath>
#include <cstring>
#include <stdexcept>

#include "common/escape.h"
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

// Appends each table to the blob in little-endian order and renders its
// slice of the .S.
class Blob {
 public:
  Blob(std::string prefix, std::string blob_name, bool wasm)
      : prefix_(std::move(prefix)), name_(std::move(blob_name)), wasm_(wasm) {}

  void add_bytes(const std::string& table, const std::string& bytes) {
    slice(table, bytes.size());
    bytes_ += bytes;
  }
  // Every table element is 1 or 4 bytes wide (uint8, int32, uint32, float,
  // TokMerge's four int32).
  template <typename T>
  void add(const std::string& table, const std::vector<T>& v) {
    static_assert(sizeof(T) % 4 == 0 || sizeof(T) == 1, "tables hold bytes and 32-bit words");
    slice(table, v.size() * sizeof(T));
    for (const T& e : v) {
      unsigned char raw[sizeof(T)];
      std::memcpy(raw, &e, sizeof(T));
      for (size_t w = 0; w + 4 <= sizeof(T); w += 4) put_le32(raw + w);
      if (sizeof(T) == 1) bytes_ += static_cast<char>(raw[0]);
    }
  }
  const std::string& bytes() const { return bytes_; }
  const std::string& slices() const { return slices_; }

 private:
  void put_le32(const unsigned char* p) {
    uint32_t x;
    std::memcpy(&x, p, 4);
    for (int b = 0; b < 4; ++b) bytes_ += static_cast<char>((x >> (8 * b)) & 0xff);
  }
  void slice(const std::string& table, size_t n) {
    slices_ += render_embedded("engine/tokenizer-slice.S.inc.in", {{"SYMBOL", prefix_ + table},
                                                                   {"BLOB_STRING", c_string(name_)},
                                                                   {"OFFSET", static_cast<int64_t>(bytes_.size())},
                                                                   {"BYTES", static_cast<int64_t>(n)},
                                                                   {"WASM", static_cast<int64_t>(wasm_)}});
  }
  std::string prefix_, name_, bytes_, slices_;
  bool wasm_;
};

}  // namespace

TokenizerTableFiles emit_tokenizer_tables(const TokenizerData& data, const std::string& prefix,
                                          const std::string& blob_name, bool wasm, TemplateVars header) {
  if (!is_identifier(prefix)) throw std::invalid_argument("tokenizer table prefix is not an identifier: " + prefix);
  const TokenizerTableData t = build_tokenizer_tables(data);
  for (size_t i = 0; i < t.scores.size(); ++i)
    if (!std::isfinite(t.scores[i]))
      throw InputError(data.source, "scores[" + std::to_string(i) + "]", "score is not a finite number");
  const std::string p = prefix + "_tok_";
  Blob blob(p, blob_name, wasm);
  blob.add_bytes("bytes", t.token_bytes);
  blob.add("offsets", t.token_offsets);
  blob.add("flags", t.token_flags);
  blob.add("hash", t.token_hash);
  blob.add("byte_token", t.byte_token);
  blob.add("added", t.added_ids);
  if (!t.scores.empty()) blob.add("scores", t.scores);
  if (!t.merges.empty()) blob.add("merges", t.merges);

  const std::string blob_comment = c_comment(blob_name);
  TokenizerTableFiles out;
  out.cpp = render_embedded("engine/tokenizer-tables.inc.in", {{"PREFIX", prefix},
                                                               {"P", p},
                                                               {"BLOB", blob_comment},
                                                               {"KIND", int64_t(t.kind)},
                                                               {"VOCAB", int64_t(t.vocab_size)},
                                                               {"BOS", int64_t(t.bos_id)},
                                                               {"EOS", int64_t(t.eos_id)},
                                                               {"SPACE", int64_t(t.space_id)},
                                                               {"SPLIT_DIGITS", int64_t(t.split_digits)},
                                                               {"HASH_SIZE", int64_t(t.token_hash.size())},
                                                               {"SCORES", int64_t(!t.scores.empty())},
                                                               {"MERGES", int64_t(t.merges.size())},
                                                               {"ADDED", int64_t(t.added_ids.size())}});
  std::string slices = blob.slices();
  if (!slices.empty() && slices.back() == '\n') slices.pop_back();  // the template's line ends it
  header["SLICES"] = slices;
  header["BLOB"] = blob_comment;
  header["BLOB_BYTES"] = static_cast<int64_t>(blob.bytes().size());
  header["WASM"] = static_cast<int64_t>(wasm);
  out.asm_ = render_embedded("engine/tokenizer.S.in", header);
  out.blob = blob.bytes();
  return out;
}

}  // namespace smolc
