#include "text/chat_template.h"

#include <array>
#include <cstdint>
#include <filesystem>
#include <stdexcept>

#include "chat/chatml.h"
#include "frontend/error.h"
#include "frontend/gguf/gguf_format.h"
#include "frontend/gguf/gguf_reader.h"
#include "frontend/json_file.h"

namespace smolc {
namespace {

namespace fs = std::filesystem;

// The published templates, byte for byte as their models ship them (sources
// in docs/chat.md). Two Llama-2 variants circulate: Meta's Llama-2-chat, and
// the same with a branch for a system message inside the loop (HF's default
// LLaMA template); they render every conversation smolc sends alike.
struct Known {
  ChatStyle style;
  const char* source;
};
const std::array<Known, 5> kKnown = {{
    {ChatStyle::SmolLM2,
     "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}{{ '<|im_start|>system\n"
     "You are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n"
     "' }}{% endif %}{{'<|im_start|>' + message['role'] + '\n"
     "' + message['content'] + '<|im_end|>' + '\n"
     "'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n"
     "' }}{% endif %}"},
    {ChatStyle::ChatML,
     "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + "
     "'\\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"},
    {ChatStyle::Llama3,
     "{% set loop_messages = messages %}{% for message in loop_messages %}{% set content = '<|start_header_id|>' + "
     "message['role'] + '<|end_header_id|>\\n\\n'+ message['content'] | trim + '<|eot_id|>' %}{% if loop.index0 == 0 "
     "%}{% set content = bos_token + content %}{% endif %}{{ content }}{% endfor %}{% if add_generation_prompt %}{{ "
     "'<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}{% endif %}"},
    {ChatStyle::Llama2,
     "{% if messages[0]['role'] == 'system' %}{% set loop_messages = messages[1:] %}{% set system_message = "
     "messages[0]['content'] %}{% else %}{% set loop_messages = messages %}{% set system_message = false %}{% endif "
     "%}{% for message in loop_messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}{{ "
     "raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}{% if "
     "loop.index0 == 0 and system_message != false %}{% set content = '<<SYS>>\\n' + system_message + "
     "'\\n<</SYS>>\\n\\n' + message['content'] %}{% else %}{% set content = message['content'] %}{% endif %}{% if "
     "message['role'] == 'user' %}{{ bos_token + '[INST] ' + content.strip() + ' [/INST]' }}{% elif message['role'] "
     "== 'assistant' %}{{ ' '  + content.strip() + ' ' + eos_token }}{% endif %}{% endfor %}"},
    {ChatStyle::Llama2,
     "{% if messages[0]['role'] == 'system' %}{% set loop_messages = messages[1:] %}{% set system_message = "
     "messages[0]['content'] %}{% else %}{% set loop_messages = messages %}{% set system_message = false %}{% endif "
     "%}{% for message in loop_messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}{{ "
     "raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}{% if "
     "loop.index0 == 0 and system_message != false %}{% set content = '<<SYS>>\\n' + system_message + "
     "'\\n<</SYS>>\\n\\n' + message['content'] %}{% else %}{% set content = message['content'] %}{% endif %}{% if "
     "message['role'] == 'user' %}{{ bos_token + '[INST] ' + content.strip() + ' [/INST]' }}{% elif message['role'] "
     "== 'system' %}{{ '<<SYS>>\\n' + content.strip() + '\\n<</SYS>>\\n\\n' }}{% elif message['role'] == "
     "'assistant' %}{{ ' '  + content.strip() + ' ' + eos_token }}{% endif %}{% endfor %}"},
}};

bool blank(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

// The template with whitespace and whitespace-control dashes dropped outside
// string literals, and "\n" escapes inside them made newlines: formatting
// differences between copies vanish, a different literal does not.
std::string canonical(const std::string& t) {
  std::string out;
  char quote = 0;
  for (size_t i = 0; i < t.size(); ++i) {
    const char c = t[i];
    if (quote) {
      if (c == '\\' && i + 1 < t.size() && t[i + 1] == 'n') {
        out += '\n';
        ++i;
        continue;
      }
      out += c;
      if (c == quote) quote = 0;
      continue;
    }
    if (c == '\'' || c == '"') quote = c;
    if (blank(c)) continue;
    const bool open_dash =
        c == '-' && out.size() >= 2 && out[out.size() - 2] == '{' && (out.back() == '%' || out.back() == '{');
    const bool close_dash = c == '-' && i + 2 < t.size() && (t[i + 1] == '%' || t[i + 1] == '}') && t[i + 2] == '}';
    if (open_dash || close_dash) continue;
    out += c;
  }
  return out;
}

std::string strip(const std::string& s) {
  size_t a = 0, b = s.size();
  while (a < b && blank(s[a])) ++a;
  while (b > a && blank(s[b - 1])) --b;
  return s.substr(a, b - a);
}

std::string render_smollm2(const std::vector<ChatTurn>& turns, bool gen) {
  std::vector<smolc_chat_message> msgs;
  for (const ChatTurn& t : turns) msgs.push_back({t.role.data(), t.role.size(), t.content.data(), t.content.size()});
  const size_t len = smolc_chatml_render(msgs.data(), msgs.size(), gen, nullptr, 0);
  if (len == SIZE_MAX) throw std::logic_error("ChatML rendering failed");
  std::string s(len + 1, '\0');
  smolc_chatml_render(msgs.data(), msgs.size(), gen, s.data(), s.size());
  s.resize(len);
  return s;
}

std::string render_chatml(const std::vector<ChatTurn>& turns, bool gen) {
  std::string s;
  for (const ChatTurn& t : turns) s += "<|im_start|>" + t.role + "\n" + t.content + "<|im_end|>\n";
  return gen ? s + "<|im_start|>assistant\n" : s;
}

std::string render_llama3(const std::vector<ChatTurn>& turns, bool gen, const std::string& bos) {
  std::string s;
  for (size_t i = 0; i < turns.size(); ++i)
    s += (i == 0 ? bos : "") + "<|start_header_id|>" + turns[i].role + "<|end_header_id|>\n\n" +
         strip(turns[i].content) + "<|eot_id|>";
  return gen ? s + "<|start_header_id|>assistant<|end_header_id|>\n\n" : s;
}

std::string render_llama2(const std::vector<ChatTurn>& turns, const std::string& bos, const std::string& eos) {
  const bool has_system = !turns.empty() && turns[0].role == "system";
  std::string s;
  for (size_t i = has_system ? 1 : 0, k = 0; i < turns.size(); ++i, ++k) {
    const ChatTurn& t = turns[i];
    if ((t.role == "user") != (k % 2 == 0))
      throw InputError("--chat", "llama2 template",
                       "conversation roles must alternate user/assistant/user/assistant/...");
    const std::string content =
        k == 0 && has_system ? "<<SYS>>\n" + turns[0].content + "\n<</SYS>>\n\n" + t.content : t.content;
    if (t.role == "user")
      s += bos + "[INST] " + strip(content) + " [/INST]";
    else if (t.role == "assistant")
      s += " " + strip(content) + " " + eos;
  }
  return s;
}

}  // namespace

const char* chat_style_name(ChatStyle s) {
  switch (s) {
    case ChatStyle::SmolLM2: return "chatml";
    case ChatStyle::ChatML: return "chatml-plain";
    case ChatStyle::Llama2: return "llama2";
    case ChatStyle::Llama3: return "llama3";
  }
  return "?";
}

ChatStyle chat_style_flag(const std::string& name) {
  for (ChatStyle s : {ChatStyle::SmolLM2, ChatStyle::ChatML, ChatStyle::Llama2, ChatStyle::Llama3})
    if (name == chat_style_name(s)) return s;
  throw InputError("command line", "--chat-template", "'" + name + "' is not chatml, chatml-plain, llama2 or llama3");
}

std::optional<ChatTemplateSource> read_chat_template(const std::string& format, const std::string& path) {
  if (format == "hf") {
    const std::string file = (fs::path(path) / "tokenizer_config.json").string();
    if (!fs::is_regular_file(file)) return std::nullopt;
    const Json j = read_json_file(file, size_t(64) << 20);
    if (!j.is_object() || !j.contains("chat_template")) return std::nullopt;
    const Json& t = j["chat_template"];
    if (t.is_string()) return ChatTemplateSource{t.get<std::string>(), file, "chat_template"};
    // A list of named templates: the chat one is "default".
    if (t.is_array())
      for (const Json& e : t)
        if (e.is_object() && e.value("name", "") == "default" && e.contains("template") && e["template"].is_string())
          return ChatTemplateSource{e["template"].get<std::string>(), file, "chat_template[name=default]"};
    throw InputError(file, "chat_template",
                     "is " + json_brief(t) + " (expected a string, or a list with a \"default\" entry)");
  }
  if (format == "gguf") {
    const gguf::File f = gguf::parse(path);
    const auto it = f.kv.find("tokenizer.chat_template");
    if (it == f.kv.end()) return std::nullopt;
    if (it->second.type != static_cast<uint32_t>(gguf::ValueType::STRING))
      throw InputError(path, "tokenizer.chat_template", "is not a string");
    return ChatTemplateSource{it->second.s, path, "tokenizer.chat_template"};
  }
  return std::nullopt;
}

ChatStyle recognise_chat_template(const ChatTemplateSource& src) {
  const std::string c = canonical(src.text);
  for (const Known& k : kKnown)
    if (c == canonical(k.source)) return k.style;
  throw InputError(src.file, src.field,
                   "is not a chat template smolc knows (SmolLM2 or plain ChatML, Llama-2-chat, Llama-3-Instruct; "
                   "docs/chat.md), and smolc renders no other; give --chat-template chatml|chatml-plain|llama2|llama3 "
                   "to choose one");
}

std::string render_chat(ChatStyle s, const std::vector<ChatTurn>& turns, bool add_generation_prompt,
                        const std::string& bos, const std::string& eos) {
  switch (s) {
    case ChatStyle::SmolLM2: return render_smollm2(turns, add_generation_prompt);
    case ChatStyle::ChatML: return render_chatml(turns, add_generation_prompt);
    case ChatStyle::Llama3: return render_llama3(turns, add_generation_prompt, bos);
    case ChatStyle::Llama2: return render_llama2(turns, bos, eos);
  }
  return {};
}

}  // namespace smolc
