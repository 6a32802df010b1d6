// Chat templates without a Jinja engine: a model's `chat_template` (HF
// tokenizer_config.json, GGUF tokenizer.chat_template) is matched against the
// published templates smolc knows, and the match is rendered natively. An
// unknown template is refused (InputError naming the file and field), never
// rendered as something else. docs/chat.md lists the known sources.
#pragma once
#include <optional>
#include <string>
#include <vector>

namespace smolc {

enum class ChatStyle {
  SmolLM2,  // ChatML with SmolLM2-Instruct's default system message (runtime/chat/chatml.h)
  ChatML,   // plain ChatML (no default system message)
  Llama2,   // Llama-2-chat: <s>[INST] <<SYS>>...<</SYS>> ... [/INST] answer </s>
  Llama3,   // Llama-3-Instruct: <|start_header_id|>role<|end_header_id|>\n\n...<|eot_id|>
};

const char* chat_style_name(ChatStyle s);

// --chat-template NAME: chatml (SmolLM2's), chatml-plain, llama2, llama3.
ChatStyle chat_style_flag(const std::string& name);

// The template text and where it was found ("DIR/tokenizer_config.json",
// field "chat_template"), if the model has one.
struct ChatTemplateSource {
  std::string text, file, field;
};
// format: Checkpoint::format ("hf", "gguf", "llama2c"); path: Checkpoint::path.
std::optional<ChatTemplateSource> read_chat_template(const std::string& format, const std::string& path);

// The known template the source is (compared after dropping whitespace and
// Jinja's whitespace-control dashes); InputError(file, field, ...) otherwise.
ChatStyle recognise_chat_template(const ChatTemplateSource& src);

struct ChatTurn {
  std::string role, content;
};

// The prompt text the template renders for `turns`, with the assistant
// header when add_generation_prompt. bos/eos: the tokenizer's BOS and EOS
// token text (Llama-2 and Llama-3 write them as text). Llama-2 requires
// user/assistant turns to alternate (the template raises otherwise):
// InputError("--chat", ...).
std::string render_chat(ChatStyle s, const std::vector<ChatTurn>& turns, bool add_generation_prompt,
                        const std::string& bos, const std::string& eos);

}  // namespace smolc
