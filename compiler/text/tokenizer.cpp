#include "text/tokenizer.h"

#include "frontend/error.h"
#include "text/tokenizer_tables.h"

namespace smolc {

struct Tokenizer::Impl {
  TokenizerTableData data;
  rt::TokTables tables;
  std::string source;
};

Tokenizer::Tokenizer(const TokenizerData& data) : impl_(std::make_unique<Impl>()) {
  impl_->data = build_tokenizer_tables(data);
  impl_->tables = impl_->data.view();
  impl_->source = data.source;
}
Tokenizer::~Tokenizer() = default;
Tokenizer::Tokenizer(Tokenizer&&) noexcept = default;
Tokenizer& Tokenizer::operator=(Tokenizer&&) noexcept = default;

std::vector<int32_t> Tokenizer::encode(std::string_view text) const {
  std::vector<uint64_t> scratch((rt::tok_encode_scratch_bytes(text.size()) + 7) / 8);
  std::vector<int32_t> ids(text.size() + 1);
  int64_t n = rt::tok_encode(&impl_->tables, text.data(), text.size(), ids.data(), ids.size(), scratch.data(),
                             scratch.size() * 8);
  if (n == rt::kTokErrScratch)
    throw InputError("text", "", "input of " + std::to_string(text.size()) + " bytes is too long to encode");
  if (n < 0) throw std::logic_error("tokenizer runtime failed with code " + std::to_string(n));
  ids.resize(static_cast<size_t>(n));
  return ids;
}

static void check_id(const rt::TokTables& t, int32_t id) {
  if (id < 0 || id >= t.vocab_size)
    throw InputError("token id", "", std::to_string(id) + " is out of range 0.." + std::to_string(t.vocab_size - 1));
}

std::string Tokenizer::decode(const std::vector<int32_t>& ids) const {
  std::string out;
  int32_t prev = -1;
  for (int32_t id : ids) {
    out += token_bytes(prev, id);
    prev = id;
  }
  return out;
}

std::string Tokenizer::token_bytes(int32_t prev, int32_t id) const {
  check_id(impl_->tables, id);
  const char* p;
  size_t n = rt::tok_token_bytes(&impl_->tables, prev, id, &p);
  return std::string(p, n);
}

int32_t Tokenizer::vocab_size() const { return impl_->tables.vocab_size; }
int32_t Tokenizer::bos_id() const { return impl_->tables.bos_id; }
int32_t Tokenizer::eos_id() const { return impl_->tables.eos_id; }
bool Tokenizer::is_special(int32_t id) const {
  return id >= 0 && id < impl_->tables.vocab_size && (impl_->tables.token_flags[id] & rt::kTokFlagSpecial) != 0;
}
int32_t Tokenizer::token_id(std::string_view token_text) const {
  return rt::tok_lookup(&impl_->tables, token_text.data(), token_text.size());
}

std::string StreamDecoder::push(int32_t id) {
  pending_ += tok_.token_bytes(prev_, id);
  prev_ = id;
  size_t k = rt::tok_utf8_complete_prefix(pending_.data(), pending_.size());
  std::string out = pending_.substr(0, k);
  pending_.erase(0, k);
  return out;
}

std::string StreamDecoder::flush() {
  std::string out;
  out.swap(pending_);
  return out;
}

}  // namespace smolc
