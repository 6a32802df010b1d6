// `smolc inspect MODEL`: what the compiler would see — shapes, exact
// parameter count, storage per weight format, KV cache cost, tokenizer.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "cli/command.h"
#include "common/escape.h"
#include "frontend/checkpoint.h"
#include "frontend/format_sizes.h"

namespace {

using smolc::Checkpoint;
using smolc::TokenizerData;

const char* kind_name(TokenizerData::Kind k) {
  switch (k) {
    case TokenizerData::Kind::None: return "none";
    case TokenizerData::Kind::ByteLevelBPE: return "byte-level BPE";
    case TokenizerData::Kind::SentencePieceBPE: return "SentencePiece BPE";
  }
  return "?";
}

std::string token_text(const TokenizerData& t, int64_t id) {
  if (id < 0 || id >= static_cast<int64_t>(t.vocab.size())) return "";
  return t.vocab[static_cast<size_t>(id)];
}

nlohmann::ordered_json describe(const Checkpoint& ck) {
  const smolc::ModelConfig& c = ck.cfg;
  nlohmann::ordered_json j;
  j["name"] = ck.name;
  j["path"] = ck.path;
  j["format"] = ck.format;
  j["architecture"] = c.model_type;
  j["hidden_size"] = c.dim;
  j["intermediate_size"] = c.hidden_dim;
  j["num_hidden_layers"] = c.n_layers;
  j["num_attention_heads"] = c.n_heads;
  j["num_key_value_heads"] = c.n_kv_heads;
  j["head_dim"] = c.head_dim;
  j["q_dim"] = c.q_dim();
  j["kv_dim"] = c.kv_dim();
  j["vocab_size"] = c.vocab_size;
  j["max_position_embeddings"] = c.max_seq_len;
  j["rms_norm_eps"] = c.rms_eps;
  j["rope_theta"] = c.rope_theta;
  j["tie_word_embeddings"] = c.tie_embeddings;
  j["bos_token_id"] = c.bos_id;
  j["eos_token_id"] = c.eos_id;
  j["parameters"] = c.param_count();
  nlohmann::ordered_json wb;
  for (const auto& f : smolc::kWeightFormats) wb[f.name] = smolc::model_weight_bytes(c, f);
  j["weight_bytes"] = wb;
  j["kv_bytes_per_position"] = {{"f32", c.kv_floats_per_pos() * 4}, {"f16", c.kv_floats_per_pos() * 2}};
  std::map<std::string, int64_t> dt;
  for (const auto& [name, t] : ck.tensors) dt[smolc::dtype_name(t.dtype)]++;
  j["tensors"] = ck.tensors.size();
  j["source_dtypes"] = dt;
  const TokenizerData& t = ck.tokenizer;
  int64_t special = 0;
  for (const auto& a : t.added) special += a.special ? 1 : 0;
  j["tokenizer"] = {{"kind", kind_name(t.kind)},
                    {"source", t.source},
                    {"vocab", t.vocab.size()},
                    {"merges", t.merges.size()},
                    {"added_tokens", t.added.size()},
                    {"special_tokens", special},
                    {"bos_id", t.bos_id},
                    {"bos", token_text(t, t.bos_id)},
                    {"eos_id", t.eos_id},
                    {"eos", token_text(t, t.eos_id)}};
  return j;
}

// A JSON value as one line of text; bytes that are not UTF-8 become U+FFFD
// (dump() would throw on them) and control characters \uXXXX escapes.
std::string json_text(const nlohmann::ordered_json& v) {
  return v.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

std::string human(int64_t bytes) {
  char buf[64];
  if (bytes >= (int64_t{1} << 30))
    std::snprintf(buf, sizeof buf, "%.2f GiB", bytes / 1073741824.0);
  else if (bytes >= (1 << 20))
    std::snprintf(buf, sizeof buf, "%.2f MiB", bytes / 1048576.0);
  else
    std::snprintf(buf, sizeof buf, "%.2f KiB", bytes / 1024.0);
  return buf;
}

void print_text(const nlohmann::ordered_json& j) {
  auto i = [&](const char* k) { return j.at(k).get<int64_t>(); };
  // Names come from the model file: printable() keeps them on one line.
  std::printf("model          %s (%s, %s)\n", smolc::printable(j["name"].get<std::string>()).c_str(),
              smolc::printable(j["format"].get<std::string>()).c_str(), j["path"].get<std::string>().c_str());
  std::printf("architecture   %s decoder (RMSNorm, RoPE, GQA attention, SwiGLU FFN)\n",
              j["architecture"].get<std::string>().c_str());
  std::printf("layers         %lld\n", static_cast<long long>(i("num_hidden_layers")));
  std::printf("hidden         %lld\n", static_cast<long long>(i("hidden_size")));
  std::printf("ffn            %lld\n", static_cast<long long>(i("intermediate_size")));
  std::printf("heads          %lld query, %lld key/value, head dim %lld (q %lld, kv %lld)\n",
              static_cast<long long>(i("num_attention_heads")), static_cast<long long>(i("num_key_value_heads")),
              static_cast<long long>(i("head_dim")), static_cast<long long>(i("q_dim")),
              static_cast<long long>(i("kv_dim")));
  std::printf("vocab          %lld\n", static_cast<long long>(i("vocab_size")));
  std::printf("max positions  %lld\n", static_cast<long long>(i("max_position_embeddings")));
  std::printf("rms eps        %g\n", j["rms_norm_eps"].get<double>());
  std::printf("rope theta     %g\n", j["rope_theta"].get<double>());
  std::printf("embeddings     %s\n", j["tie_word_embeddings"].get<bool>() ? "tied (lm_head = embed_tokens)" : "untied");
  std::printf("parameters     %lld\n", static_cast<long long>(i("parameters")));
  std::printf("weight bytes  ");
  for (const auto& [k, v] : j["weight_bytes"].items())
    std::printf(" %s %lld (%s);", k.c_str(), static_cast<long long>(v.get<int64_t>()), human(v.get<int64_t>()).c_str());
  std::printf("\n");
  const auto& kv = j["kv_bytes_per_position"];
  std::printf("kv cache       %lld B/position f32, %lld B/position f16\n",
              static_cast<long long>(kv["f32"].get<int64_t>()), static_cast<long long>(kv["f16"].get<int64_t>()));
  std::printf("tensors        %lld:", static_cast<long long>(i("tensors")));
  for (const auto& [k, v] : j["source_dtypes"].items())
    std::printf(" %s %lld", k.c_str(), static_cast<long long>(v.get<int64_t>()));
  std::printf("\n");
  const auto& t = j["tokenizer"];
  std::printf("tokenizer      %s, %lld tokens, %lld merges, %lld added (%lld special)\n",
              t["kind"].get<std::string>().c_str(), static_cast<long long>(t["vocab"].get<int64_t>()),
              static_cast<long long>(t["merges"].get<int64_t>()),
              static_cast<long long>(t["added_tokens"].get<int64_t>()),
              static_cast<long long>(t["special_tokens"].get<int64_t>()));
  std::printf("bos / eos      %lld %s / %lld %s\n", static_cast<long long>(t["bos_id"].get<int64_t>()),
              json_text(t["bos"]).c_str(), static_cast<long long>(t["eos_id"].get<int64_t>()),
              json_text(t["eos"]).c_str());
}

struct InspectArgs {
  std::string model, tokenizer;
  bool json = false;
};

smolc::cli::Register reg({"inspect", "Show a model's shapes, parameter count, sizes and tokenizer", [](CLI::App& sub) {
                            auto a = std::make_shared<InspectArgs>();
                            sub.add_option("MODEL", a->model, "Model path or name")->required();
                            sub.add_option("--tokenizer", a->tokenizer, "Tokenizer file (llama2.c models)");
                            sub.add_flag("--json", a->json, "Machine-readable output");
                            return std::function<int()>([a] {
                              const Checkpoint ck = smolc::load_checkpoint(a->model, a->tokenizer);
                              const auto j = describe(ck);
                              if (a->json)
                                std::printf("%s\n",
                                            j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
                              else
                                print_text(j);
                              return 0;
                            });
                          }});

}  // namespace
