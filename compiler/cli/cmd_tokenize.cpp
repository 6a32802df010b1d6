// `smolc tokenize MODEL [--chat] TEXT`: the ids of TEXT as one JSON array.
// `smolc detokenize MODEL ID...`: the exact bytes of the ids.
// MODEL may also be a tokenizer.json or a model directory without weights.
#include <CLI/CLI.hpp>
#include <climits>
#include <cstdio>
#include <string>
#include <vector>

#include "chat/chatml.h"
#include "cli/command.h"
#include "frontend/error.h"
#include "text/tokenizer.h"
#include "text/tokenizer_source.h"

namespace {

std::string render_chat(const std::string& user) {
  const smolc_chat_message msg{"user", 4, user.data(), user.size()};
  size_t n = smolc_chatml_render(&msg, 1, 1, nullptr, 0);
  if (n == SIZE_MAX) throw std::runtime_error("chat prompt is too large");
  std::string out(n + 1, '\0');
  smolc_chatml_render(&msg, 1, 1, out.data(), out.size());
  out.resize(n);
  return out;
}

struct TokenizeArgs {
  std::string model, text;
  bool chat = false;
};

smolc::cli::Register reg_tokenize(
    {"tokenize", "Print the token ids of TEXT as a JSON array", [](CLI::App& sub) {
       auto a = std::make_shared<TokenizeArgs>();
       sub.add_option("MODEL", a->model, "Model (path or name), tokenizer.json, or model dir without weights")
           ->required();
       sub.add_option("TEXT", a->text, "Text to encode (no BOS/EOS added)")->required();
       sub.add_flag("--chat", a->chat,
                    "Wrap TEXT as one user turn with the default system message and the generation prompt");
       return std::function<int()>([a] {
         smolc::Tokenizer tok(smolc::load_tokenizer_only(a->model));
         std::vector<int32_t> ids = tok.encode(a->chat ? render_chat(a->text) : a->text);
         std::string out = "[";
         for (size_t i = 0; i < ids.size(); ++i) out += (i ? "," : "") + std::to_string(ids[i]);
         out += "]\n";
         std::fwrite(out.data(), 1, out.size(), stdout);
         return 0;
       });
     }});

struct DetokenizeArgs {
  std::string model;
  std::vector<std::string> ids;
};

int32_t parse_id(const std::string& s) {
  size_t pos = 0;
  long long v = 0;
  try {
    v = std::stoll(s, &pos);
  } catch (const std::exception&) {
    pos = 0;
  }
  if (pos == 0 || pos != s.size() || v < INT32_MIN || v > INT32_MAX)
    throw smolc::InputError("token id", "", "\"" + s + "\" is not an integer");
  return static_cast<int32_t>(v);
}

smolc::cli::Register reg_detokenize({"detokenize", "Print the exact text of token ids", [](CLI::App& sub) {
                                       auto a = std::make_shared<DetokenizeArgs>();
                                       sub.add_option(
                                              "MODEL", a->model,
                                              "Model (path or name), tokenizer.json, or model dir without weights")
                                           ->required();
                                       sub.add_option("ID", a->ids, "Token ids")->required();
                                       return std::function<int()>([a] {
                                         smolc::Tokenizer tok(smolc::load_tokenizer_only(a->model));
                                         std::vector<int32_t> ids;
                                         for (const std::string& s : a->ids) ids.push_back(parse_id(s));
                                         std::string text = tok.decode(ids);
                                         std::fwrite(text.data(), 1, text.size(), stdout);
                                         return 0;
                                       });
                                     }});

}  // namespace
