// HuggingFace tokenizer.json (byte-level BPE, GPT-2 style) -> TokenizerData.
// Only the pipeline smolc's runtime implements is accepted; anything else is
// refused by name rather than tokenized differently from HF.
#include <algorithm>
#include <string>
#include <unordered_map>
#include <vector>

#include "frontend/error.h"
#include "frontend/json_file.h"
#include "frontend/tokenizer_data.h"

namespace smolc {

namespace {

constexpr size_t kMaxTokenizerBytes = size_t{256} << 20;
constexpr int64_t kMaxVocab = int64_t{1} << 21;  // same limit as config vocab_size

bool is_null_or(const Json& j, const char* key, const Json& want) {
  return !j.contains(key) || j.at(key).is_null() || j.at(key) == want;
}

// ByteLevel(add_prefix_space=false) with the GPT-2 regex, as the runtime does.
void check_byte_level(const Json& p, const std::string& path, const std::string& where) {
  if (!is_null_or(p, "add_prefix_space", false))
    throw InputError(path, where + ".add_prefix_space",
                     json_brief(p.at("add_prefix_space")) + " is not supported (expected false)");
  if (!is_null_or(p, "use_regex", true))
    throw InputError(path, where + ".use_regex", json_brief(p.at("use_regex")) + " is not supported (expected true)");
}

bool check_pre_tokenizer(const Json& pt, const std::string& path) {
  const std::string expected =
      "expected ByteLevel or Sequence[Digits(individual_digits=true), ByteLevel(add_prefix_space=false)]";
  if (!pt.is_object() || !pt.contains("type"))
    throw InputError(path, "pre_tokenizer", json_brief(pt) + " is not supported (" + expected + ")");
  if (pt.at("type") == "ByteLevel") {
    check_byte_level(pt, path, "pre_tokenizer");
    return false;
  }
  if (pt.at("type") == "Sequence" && pt.contains("pretokenizers") && pt.at("pretokenizers").is_array() &&
      pt.at("pretokenizers").size() == 2) {
    const Json& a = pt.at("pretokenizers")[0];
    const Json& b = pt.at("pretokenizers")[1];
    if (a.is_object() && a.value("type", Json()) == "Digits" && a.value("individual_digits", Json()) == true &&
        b.is_object() && b.value("type", Json()) == "ByteLevel") {
      check_byte_level(b, path, "pre_tokenizer.pretokenizers[1]");
      return true;
    }
  }
  throw InputError(path, "pre_tokenizer", json_brief(pt) + " is not supported (" + expected + ")");
}

std::string get_string(const Json& v, const std::string& path, const std::string& where) {
  if (!v.is_string()) throw InputError(path, where, json_brief(v) + " is not a string");
  return v.get<std::string>();
}

int64_t get_id(const Json& v, const std::string& path, const std::string& where) {
  if (!v.is_number_integer() || v.get<int64_t>() < 0 || v.get<int64_t>() >= kMaxVocab)
    throw InputError(path, where,
                     "id " + json_brief(v) + " is out of range (expected 0.." + std::to_string(kMaxVocab - 1) + ")");
  return v.get<int64_t>();
}

}  // namespace

TokenizerData load_hf_tokenizer_json(const std::string& path) {
  const Json j = read_json_file(path, kMaxTokenizerBytes);
  if (!j.is_object()) throw InputError(path, "", "expected a JSON object at the top level");
  if (!j.contains("model") || !j.at("model").is_object()) throw InputError(path, "model", "missing or not an object");
  const Json& m = j.at("model");
  if (m.value("type", Json()) != "BPE")
    throw InputError(path, "model.type", json_brief(m.value("type", Json())) + " is not supported (expected \"BPE\")");
  if (!is_null_or(m, "byte_fallback", false))
    throw InputError(path, "model.byte_fallback", "true is not supported (expected false for byte-level BPE)");
  if (!is_null_or(m, "ignore_merges", false))
    throw InputError(path, "model.ignore_merges", "true is not supported (expected false)");
  for (const char* key : {"continuing_subword_prefix", "end_of_word_suffix"})
    if (!is_null_or(m, key, ""))
      throw InputError(path, std::string("model.") + key, json_brief(m.at(key)) + " is not supported (expected null)");
  if (m.contains("dropout") && !m.at("dropout").is_null() && m.at("dropout") != 0.0)
    throw InputError(path, "model.dropout", json_brief(m.at("dropout")) + " is not supported (expected null)");
  if (j.contains("normalizer") && !j.at("normalizer").is_null())
    throw InputError(path, "normalizer", json_brief(j.at("normalizer")) + " is not supported (expected null)");
  if (!j.contains("pre_tokenizer") || j.at("pre_tokenizer").is_null())
    throw InputError(path, "pre_tokenizer", "missing (expected a ByteLevel pre-tokenizer)");
  if (j.contains("decoder") && !j.at("decoder").is_null() && j.at("decoder").value("type", Json()) != "ByteLevel")
    throw InputError(path, "decoder", json_brief(j.at("decoder")) + " is not supported (expected ByteLevel)");

  TokenizerData t;
  t.kind = TokenizerData::Kind::ByteLevelBPE;
  t.source = path;
  t.split_digits = check_pre_tokenizer(j.at("pre_tokenizer"), path);

  if (!m.contains("vocab") || !m.at("vocab").is_object())
    throw InputError(path, "model.vocab", "missing or not an object");
  const Json& vocab = m.at("vocab");
  const Json added =
      j.contains("added_tokens") && !j.at("added_tokens").is_null() ? j.at("added_tokens") : Json::array();
  if (!added.is_array()) throw InputError(path, "added_tokens", "is not a list");

  // Ids must be dense: every id 0..n-1 named exactly once by vocab or
  // added_tokens (an added token may repeat its vocab entry).
  int64_t n = 0;
  for (auto it = vocab.begin(); it != vocab.end(); ++it)
    n = std::max(n, get_id(it.value(), path, "model.vocab[" + json_brief(it.key()) + "]") + 1);
  for (size_t i = 0; i < added.size(); ++i) {
    const std::string where = "added_tokens[" + std::to_string(i) + "]";
    if (!added[i].is_object() || !added[i].contains("id") || !added[i].contains("content"))
      throw InputError(path, where, "expected an object with \"id\" and \"content\"");
    n = std::max(n, get_id(added[i].at("id"), path, where + ".id") + 1);
  }
  t.vocab.assign(static_cast<size_t>(n), std::string());
  std::vector<bool> filled(static_cast<size_t>(n), false);
  std::unordered_map<std::string, int64_t> ids;
  ids.reserve(vocab.size());
  for (auto it = vocab.begin(); it != vocab.end(); ++it) {
    const int64_t id = it.value().get<int64_t>();
    if (filled[static_cast<size_t>(id)])
      throw InputError(path, "model.vocab[" + json_brief(it.key()) + "]",
                       "id " + std::to_string(id) + " is also used by " + json_brief(t.vocab[static_cast<size_t>(id)]));
    filled[static_cast<size_t>(id)] = true;
    t.vocab[static_cast<size_t>(id)] = it.key();
    ids.emplace(it.key(), id);
  }
  for (size_t i = 0; i < added.size(); ++i) {
    const std::string where = "added_tokens[" + std::to_string(i) + "]";
    AddedToken a;
    a.id = static_cast<int32_t>(added[i].at("id").get<int64_t>());
    a.content = get_string(added[i].at("content"), path, where + ".content");
    if (a.content.empty()) throw InputError(path, where + ".content", "is empty");
    if (added[i].contains("special")) {
      if (!added[i].at("special").is_boolean()) throw InputError(path, where + ".special", "is not a boolean");
      a.special = added[i].at("special").get<bool>();
    }
    const size_t id = static_cast<size_t>(a.id);
    if (filled[id] && t.vocab[id] != a.content)
      throw InputError(path, where,
                       "id " + std::to_string(id) + " is \"" + a.content + "\" here but " + json_brief(t.vocab[id]) +
                           " in model.vocab");
    filled[id] = true;
    t.vocab[id] = a.content;
    t.added.push_back(std::move(a));
  }
  for (size_t id = 0; id < filled.size(); ++id)
    if (!filled[id])
      throw InputError(path, "model.vocab",
                       "token ids are not dense: no token has id " + std::to_string(id) + " (vocab has " +
                           std::to_string(n) + " ids)");

  if (!m.contains("merges") || !m.at("merges").is_array())
    throw InputError(path, "model.merges", "missing or not a list");
  const Json& merges = m.at("merges");
  t.merges.reserve(merges.size());
  for (size_t i = 0; i < merges.size(); ++i) {
    const std::string where = "model.merges[" + std::to_string(i) + "]";
    const Json& e = merges[i];
    std::string a, b;
    if (e.is_string()) {  // legacy "a b"
      const std::string s = e.get<std::string>();
      const size_t sp = s.find(' ');
      if (sp == std::string::npos || sp == 0 || sp + 1 == s.size() || s.find(' ', sp + 1) != std::string::npos)
        throw InputError(path, where, json_brief(e) + " is not two tokens separated by one space");
      a = s.substr(0, sp);
      b = s.substr(sp + 1);
    } else if (e.is_array() && e.size() == 2) {  // ["a", "b"] since tokenizers 0.20
      a = get_string(e[0], path, where + "[0]");
      b = get_string(e[1], path, where + "[1]");
    } else {
      throw InputError(path, where, json_brief(e) + " is not \"a b\" or [\"a\", \"b\"]");
    }
    for (const std::string* s : {&a, &b})
      if (!ids.count(*s)) throw InputError(path, where, "token " + json_brief(*s) + " is not in model.vocab");
    if (!ids.count(a + b))
      throw InputError(path, where, "merged token " + json_brief(a + b) + " is not in model.vocab");
    t.merges.emplace_back(std::move(a), std::move(b));
  }
  return t;
}

}  // namespace smolc
