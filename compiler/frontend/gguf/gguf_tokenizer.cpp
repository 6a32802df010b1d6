// tokenizer.ggml.* metadata -> TokenizerData. Token types CONTROL and
// USER_DEFINED are what llama.cpp's converter writes for HF added tokens
// (special and not special), so they become added tokens again here.
#include <cmath>

#include "frontend/error.h"
#include "frontend/gguf/gguf_format.h"
#include "frontend/gguf/gguf_reader.h"
#include "frontend/tokenizer_data.h"

namespace smolc::gguf {
namespace {

const Value* find(const File& f, const std::string& key) {
  auto it = f.kv.find(key);
  return it == f.kv.end() ? nullptr : &it->second;
}

[[noreturn]] void bad(const File& f, const std::string& key, const Value* v, const std::string& what) {
  throw InputError(f.map->path(), key + (v ? " (offset " + std::to_string(v->offset) + ")" : std::string()), what);
}

const Value* array_of(const File& f, const std::string& key, bool strings, bool required) {
  const Value* v = find(f, key);
  if (!v) {
    if (required) bad(f, key, nullptr, "is missing");
    return nullptr;
  }
  const bool is_str_array =
      v->type == static_cast<uint32_t>(ValueType::ARRAY) && v->elem_type == static_cast<uint32_t>(ValueType::STRING);
  const bool is_num_array = v->type == static_cast<uint32_t>(ValueType::ARRAY) && !is_str_array;
  if (strings ? !is_str_array : !is_num_array)
    bad(f, key, v,
        std::string("has type ") + value_type_name(v->type) + " (expected an array of " +
            (strings ? "strings" : "numbers") + ")");
  return v;
}

int32_t token_id(const File& f, const std::string& key, size_t n_tokens) {
  const Value* v = find(f, key);
  if (!v) return -1;
  if (v->type != static_cast<uint32_t>(ValueType::U32) && v->type != static_cast<uint32_t>(ValueType::I32))
    bad(f, key, v, std::string("has type ") + value_type_name(v->type) + " (expected uint32)");
  if (v->i < 0 || static_cast<uint64_t>(v->i) >= n_tokens)
    bad(f, key, v, std::to_string(v->i) + " is not a token id (the vocabulary has " + std::to_string(n_tokens) + ")");
  return static_cast<int32_t>(v->i);
}

}  // namespace

TokenizerData tokenizer_from_gguf(const File& f) {
  TokenizerData t;
  t.source = f.map->path();
  const Value* model = find(f, "tokenizer.ggml.model");
  if (!model) return t;
  if (model->type != static_cast<uint32_t>(ValueType::STRING))
    bad(f, "tokenizer.ggml.model", model,
        std::string("has type ") + value_type_name(model->type) + " (expected string)");
  if (model->s == "gpt2")
    t.kind = TokenizerData::Kind::ByteLevelBPE;
  else if (model->s == "llama")
    t.kind = TokenizerData::Kind::SentencePieceBPE;
  else
    bad(f, "tokenizer.ggml.model", model, "\"" + model->s + "\" is not supported (expected \"gpt2\" or \"llama\")");

  const Value* tokens = array_of(f, "tokenizer.ggml.tokens", true, true);
  if (tokens->strs.empty()) bad(f, "tokenizer.ggml.tokens", tokens, "is empty");
  t.vocab = tokens->strs;
  const size_t n = t.vocab.size();

  if (const Value* types = array_of(f, "tokenizer.ggml.token_type", false, false)) {
    if (types->nums.size() != n)
      bad(f, "tokenizer.ggml.token_type", types,
          std::to_string(types->nums.size()) + " entries (expected one per token, " + std::to_string(n) + ")");
    for (size_t id = 0; id < n; ++id) {
      const double ty = types->nums[id];
      if (ty != std::floor(ty) || ty < 0 || ty > static_cast<double>(kByte))
        bad(f, "tokenizer.ggml.token_type", types,
            "entry " + std::to_string(id) + " is " + std::to_string(ty) + " (expected 0..6)");
      const int type = static_cast<int>(ty);
      if (type == kControl || type == kUserDefined)
        t.added.push_back(AddedToken{static_cast<int32_t>(id), t.vocab[id], type == kControl});
    }
  }

  if (t.kind == TokenizerData::Kind::ByteLevelBPE) {
    const Value* merges = array_of(f, "tokenizer.ggml.merges", true, true);
    t.merges.reserve(merges->strs.size());
    for (size_t r = 0; r < merges->strs.size(); ++r) {
      const std::string& m = merges->strs[r];
      // Byte-level tokens never contain a space (it is spelled U+0120), so
      // the single space separates the pair.
      const size_t sp = m.find(' ');
      if (sp == std::string::npos || sp == 0 || sp + 1 == m.size() || m.find(' ', sp + 1) != std::string::npos)
        bad(f, "tokenizer.ggml.merges", merges, "entry " + std::to_string(r) + " \"" + m + "\" is not \"LEFT RIGHT\"");
      t.merges.emplace_back(m.substr(0, sp), m.substr(sp + 1));
    }
    // SmolLM2's pre-tokenizer isolates digits; llama.cpp names it "smollm".
    // "gpt-2" is the plain GPT-2 split; a file without the key is read as that.
    if (const Value* pre = find(f, "tokenizer.ggml.pre")) {
      if (pre->type != static_cast<uint32_t>(ValueType::STRING))
        bad(f, "tokenizer.ggml.pre", pre, std::string("has type ") + value_type_name(pre->type) + " (expected string)");
      if (pre->s == "smollm")
        t.split_digits = true;
      else if (pre->s != "gpt-2")
        bad(f, "tokenizer.ggml.pre", pre,
            "pre-tokenizer \"" + pre->s + "\" is not supported (expected \"smollm\" or \"gpt-2\")");
    }
  } else {
    const Value* scores = array_of(f, "tokenizer.ggml.scores", false, true);
    if (scores->nums.size() != n)
      bad(f, "tokenizer.ggml.scores", scores,
          std::to_string(scores->nums.size()) + " entries (expected one per token, " + std::to_string(n) + ")");
    t.scores.reserve(n);
    for (size_t id = 0; id < n; ++id) {
      if (!std::isfinite(scores->nums[id]))
        bad(f, "tokenizer.ggml.scores", scores, "entry " + std::to_string(id) + " is not finite");
      t.scores.push_back(static_cast<float>(scores->nums[id]));
    }
  }
  t.bos_id = token_id(f, "tokenizer.ggml.bos_token_id", n);
  t.eos_id = token_id(f, "tokenizer.ggml.eos_token_id", n);
  return t;
}

}  // namespace smolc::gguf
