#include "text/tokenizer_tables.h"

#include <algorithm>
#include <cstring>
#include <unordered_map>

#include "frontend/error.h"

namespace smolc {

namespace {

constexpr int64_t kMaxVocab = 1 << 24;  // far above any real vocab; keeps ids and hashes in range

void append_utf8(std::string& s, uint32_t cp) {
  if (cp < 0x80) {
    s += static_cast<char>(cp);
  } else if (cp < 0x800) {
    s += static_cast<char>(0xC0 | (cp >> 6));
    s += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    s += static_cast<char>(0xE0 | (cp >> 12));
    s += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    s += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    s += static_cast<char>(0xF0 | (cp >> 18));
    s += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    s += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    s += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// Decodes one valid UTF-8 code point at s[i]; returns its length or 0.
size_t next_codepoint(const std::string& s, size_t i, uint32_t* cp) {
  uint8_t c = static_cast<uint8_t>(s[i]);
  size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
  if (n == 0 || i + n > s.size()) return 0;
  uint32_t v = n == 1 ? c : n == 2 ? (c & 0x1F) : n == 3 ? (c & 0x0F) : (c & 0x07);
  for (size_t k = 1; k < n; ++k) {
    uint8_t d = static_cast<uint8_t>(s[i + k]);
    if ((d & 0xC0) != 0x80) return 0;
    v = (v << 6) | (d & 0x3F);
  }
  *cp = v;
  return n;
}

// The raw bytes a GPT-2-form token stands for; HF falls back to the token's
// own UTF-8 bytes when a character is outside the byte map.
std::string bytelevel_to_bytes(const std::string& tok, const std::unordered_map<uint32_t, uint8_t>& inv) {
  std::string out;
  for (size_t i = 0; i < tok.size();) {
    uint32_t cp;
    size_t n = next_codepoint(tok, i, &cp);
    auto it = n ? inv.find(cp) : inv.end();
    if (it == inv.end()) return tok;
    out += static_cast<char>(it->second);
    i += n;
  }
  return out;
}

std::string sentencepiece_to_text(const std::string& piece) {
  std::string out;
  for (size_t i = 0; i < piece.size();) {
    if (piece.compare(i, 3, "\xE2\x96\x81") == 0) {  // U+2581 stands for a space
      out += ' ';
      i += 3;
    } else {
      out += piece[i++];
    }
  }
  return out;
}

bool is_byte_piece(const std::string& p) {
  auto hex = [](char c) { return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F') || (c >= 'a' && c <= 'f'); };
  return p.size() == 6 && p.compare(0, 3, "<0x") == 0 && hex(p[3]) && hex(p[4]) && p[5] == '>';
}

uint32_t pow2_at_least(size_t n) {
  uint32_t s = 16;
  while (s < n) s *= 2;
  return s;
}

}  // namespace

uint32_t gpt2_byte_to_codepoint(uint8_t b) {
  // Printable Latin-1 bytes stand for themselves; the others are moved to
  // 256.. in byte order, so every byte is a visible character.
  if ((b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174)) return b;
  uint32_t n = 0;
  for (uint32_t x = 0; x < b; ++x)
    if (!((x >= 33 && x <= 126) || (x >= 161 && x <= 172) || (x >= 174))) ++n;
  return 256 + n;
}

rt::TokTables TokenizerTableData::view() const {
  rt::TokTables t{};
  t.kind = kind;
  t.vocab_size = vocab_size;
  t.bos_id = bos_id;
  t.eos_id = eos_id;
  t.space_id = space_id;
  t.split_digits = split_digits;
  t.token_bytes = token_bytes.data();
  t.token_offsets = token_offsets.data();
  t.token_flags = token_flags.data();
  t.token_hash = token_hash.data();
  t.token_hash_size = static_cast<uint32_t>(token_hash.size());
  t.scores = scores.empty() ? nullptr : scores.data();
  t.merges = merges.empty() ? nullptr : merges.data();
  t.merge_hash_size = static_cast<uint32_t>(merges.size());
  t.byte_token = byte_token.data();
  t.added_ids = added_ids.data();
  t.n_added = static_cast<int32_t>(added_ids.size());
  return t;
}

TokenizerTableData build_tokenizer_tables(const TokenizerData& data) {
  const std::string& src = data.source;
  const bool sp = data.kind == TokenizerData::Kind::SentencePieceBPE;
  if (!sp && data.kind != TokenizerData::Kind::ByteLevelBPE)
    throw InputError(src, "model", "no tokenizer (expected byte-level BPE or SentencePiece BPE)");
  int64_t vocab_size = static_cast<int64_t>(data.vocab.size());
  for (const AddedToken& a : data.added) {
    if (a.id < 0 || a.id >= kMaxVocab)
      throw InputError(src, "added_tokens", "id " + std::to_string(a.id) + " is out of range");
    if (a.content.empty())
      throw InputError(src, "added_tokens", "token " + std::to_string(a.id) + " has empty content");
    vocab_size = std::max<int64_t>(vocab_size, int64_t{a.id} + 1);
  }
  if (vocab_size < 1 || vocab_size > kMaxVocab)
    throw InputError(src, "vocab",
                     "size " + std::to_string(vocab_size) + " is out of range 1.." + std::to_string(kMaxVocab));
  if (sp && data.scores.size() != data.vocab.size())
    throw InputError(
        src, "scores",
        std::to_string(data.scores.size()) + " scores for " + std::to_string(data.vocab.size()) + " tokens");
  for (int32_t id : {data.bos_id, data.eos_id})
    if (id < -1 || id >= vocab_size)
      throw InputError(src, "bos/eos", "token id " + std::to_string(id) + " is outside the vocab");

  TokenizerTableData t;
  t.kind = sp ? rt::kTokSentencePieceBPE : rt::kTokByteLevelBPE;
  t.vocab_size = static_cast<int32_t>(vocab_size);
  t.bos_id = data.bos_id;
  t.eos_id = data.eos_id;
  t.split_digits = !sp && data.split_digits ? 1 : 0;
  t.token_flags.assign(static_cast<size_t>(vocab_size), 0);

  std::vector<std::string> text(static_cast<size_t>(vocab_size));
  std::unordered_map<uint32_t, uint8_t> inv;
  for (int b = 0; b < 256; ++b) inv[gpt2_byte_to_codepoint(static_cast<uint8_t>(b))] = static_cast<uint8_t>(b);
  for (size_t i = 0; i < data.vocab.size(); ++i) {
    if (sp) {
      text[i] = sentencepiece_to_text(data.vocab[i]);
      if (is_byte_piece(data.vocab[i])) t.token_flags[i] |= rt::kTokFlagByte;
    } else {
      text[i] = bytelevel_to_bytes(data.vocab[i], inv);
    }
  }
  for (const AddedToken& a : data.added) {
    text[static_cast<size_t>(a.id)] = a.content;
    t.token_flags[static_cast<size_t>(a.id)] |= (a.special ? rt::kTokFlagSpecial : 0);
    if (!sp) {
      t.token_flags[static_cast<size_t>(a.id)] |= rt::kTokFlagAdded;
      t.added_ids.push_back(a.id);
    }
  }
  std::sort(t.added_ids.begin(), t.added_ids.end());
  t.added_ids.erase(std::unique(t.added_ids.begin(), t.added_ids.end()), t.added_ids.end());

  t.token_offsets.reserve(static_cast<size_t>(vocab_size) + 1);
  t.token_offsets.push_back(0);
  for (const std::string& s : text) {
    if (t.token_bytes.size() + s.size() > 0xFFFFFFFFu)
      throw InputError(src, "vocab", "token text exceeds 4 GiB in total");
    t.token_bytes += s;
    t.token_offsets.push_back(static_cast<uint32_t>(t.token_bytes.size()));
  }

  // Text -> lowest id.
  t.token_hash.assign(pow2_at_least(static_cast<size_t>(vocab_size) * 2), -1);
  const uint32_t mask = static_cast<uint32_t>(t.token_hash.size()) - 1;
  for (int32_t id = 0; id < vocab_size; ++id) {
    const std::string& s = text[static_cast<size_t>(id)];
    for (uint32_t i = rt::tok_hash_bytes(s.data(), s.size(), nullptr, 0) & mask;; i = (i + 1) & mask) {
      int32_t other = t.token_hash[i];
      if (other < 0) {
        t.token_hash[i] = id;
        break;
      }
      if (text[static_cast<size_t>(other)] == s) break;
    }
  }
  auto lookup = [&](const std::string& s) {
    rt::TokTables v = t.view();
    return rt::tok_lookup(&v, s.data(), s.size());
  };

  t.byte_token.assign(256, -1);
  if (sp) {
    t.scores = data.scores;
    t.space_id = lookup(" ");
    static const char* hex = "0123456789ABCDEF";
    for (int b = 0; b < 256; ++b) {
      std::string piece = std::string("<0x") + hex[b >> 4] + hex[b & 15] + ">";
      int32_t id = lookup(piece);
      // llama2.c hard-codes byte b as id b + 3 (after <unk>, <s>, </s>).
      if (id < 0 && b + 3 < vocab_size) id = b + 3;
      if (id < 0)
        throw InputError(
            src, "vocab",
            "no byte-fallback piece " + piece + " (and the vocab is too small for id " + std::to_string(b + 3) + ")");
      t.byte_token[static_cast<size_t>(b)] = id;
    }
    return t;
  }

  // Byte-level BPE: the single-byte tokens and the merges, by GPT-2 form.
  std::unordered_map<std::string, int32_t> by_form;
  for (size_t i = 0; i < data.vocab.size(); ++i) by_form.emplace(data.vocab[i], static_cast<int32_t>(i));
  for (int b = 0; b < 256; ++b) {
    std::string form;
    append_utf8(form, gpt2_byte_to_codepoint(static_cast<uint8_t>(b)));
    // A byte without a token (SmolLM2 has none for C0, C1, F5..FF and a few
    // controls) stays -1: HF drops it, having no unk token.
    auto it = by_form.find(form);
    if (it != by_form.end()) t.byte_token[static_cast<size_t>(b)] = it->second;
  }
  if (data.merges.size() >= static_cast<size_t>(kMaxVocab))
    throw InputError(src, "model.merges", std::to_string(data.merges.size()) + " merges is too many");
  t.merges.assign(pow2_at_least(data.merges.size() * 2), rt::TokMerge{-1, -1, -1, -1});
  const uint32_t mmask = static_cast<uint32_t>(t.merges.size()) - 1;
  for (size_t r = 0; r < data.merges.size(); ++r) {
    const auto& [a, b] = data.merges[r];
    auto ia = by_form.find(a), ib = by_form.find(b), im = by_form.find(a + b);
    if (ia == by_form.end() || ib == by_form.end() || im == by_form.end())
      throw InputError(src, "model.merges[" + std::to_string(r) + "]",
                       "\"" + a + " " + b + "\" uses a token that is not in the vocab");
    // A repeated pair keeps its last rank, as HF's map construction does.
    for (uint32_t i = rt::tok_hash_pair(ia->second, ib->second) & mmask;; i = (i + 1) & mmask) {
      rt::TokMerge& m = t.merges[i];
      if (m.left < 0 || (m.left == ia->second && m.right == ib->second)) {
        m = rt::TokMerge{ia->second, ib->second, static_cast<int32_t>(r), im->second};
        break;
      }
    }
  }
  return t;
}

}  // namespace smolc
