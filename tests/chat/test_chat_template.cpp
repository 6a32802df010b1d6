// Chat templates matched against the published ones and rendered natively
// (compiler/text/chat_template.h). The expected strings are not produced by
// smolc: the Llama-2 one is the rendering a Jinja port's test suite publishes
// for the HF LLaMA template (system + user + assistant + user); the others
// are written by hand from the template sources quoted in docs/chat.md
// (no jinja2 on this machine to run them).
#include <catch2/catch.hpp>
#include <fstream>

#include "cli/gguf_bytes.h"
#include "frontend/error.h"
#include "support/test_support.h"
#include "text/chat_template.h"

using namespace smolc;
using namespace smolc::test;

namespace {

const char* kLlama3 =
    "{% set loop_messages = messages %}{% for message in loop_messages %}{% set content = '<|start_header_id|>' + "
    "message['role'] + '<|end_header_id|>\\n\\n'+ message['content'] | trim + '<|eot_id|>' %}{% if loop.index0 == 0 "
    "%}{% set content = bos_token + content %}{% endif %}{{ content }}{% endfor %}{% if add_generation_prompt %}{{ "
    "'<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}{% endif %}";

const char* kChatML =
    "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + "
    "'\\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

ChatTemplateSource src(const std::string& text) { return {text, "model/tokenizer_config.json", "chat_template"}; }

const std::vector<ChatTurn> kPirate = {
    {"system", "You are a friendly chatbot who always responds in the style of a pirate"},
    {"user", "Hello, how are you?"},
    {"assistant", "I'm doing great. How can I help you today?"},
    {"user", "I'd like to show off how chat templating works!"}};

}  // namespace

TEST_CASE("Llama-2 rendering equals the published rendering of the HF LLaMA template", "[chat]") {
  CHECK(render_chat(ChatStyle::Llama2, kPirate, true, "<s>", "</s>") ==
        "<s>[INST] <<SYS>>\nYou are a friendly chatbot who always responds in the style of a pirate\n<</SYS>>\n\n"
        "Hello, how are you? [/INST] I'm doing great. How can I help you today? </s><s>[INST] I'd like to show off how "
        "chat templating works! [/INST]");
  // Without a system message; contents are stripped, as content.strip() does.
  CHECK(render_chat(ChatStyle::Llama2, {{"user", "  Hi \n"}, {"assistant", " Yo "}}, false, "<s>", "</s>") ==
        "<s>[INST] Hi [/INST] Yo </s>");
  // Roles that do not alternate raise in the template: refused here.
  CHECK_THROWS_AS(render_chat(ChatStyle::Llama2, {{"user", "a"}, {"user", "b"}}, true, "<s>", "</s>"), InputError);
}

TEST_CASE("Llama-3 and plain ChatML renderings follow their templates", "[chat]") {
  CHECK(render_chat(ChatStyle::Llama3, kPirate, true, "<|begin_of_text|>", "") ==
        "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nYou are a friendly chatbot who always responds "
        "in the style of a pirate<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nHello, how are you?<|eot_id|>"
        "<|start_header_id|>assistant<|end_header_id|>\n\nI'm doing great. How can I help you today?<|eot_id|>"
        "<|start_header_id|>user<|end_header_id|>\n\nI'd like to show off how chat templating works!<|eot_id|>"
        "<|start_header_id|>assistant<|end_header_id|>\n\n");
  CHECK(render_chat(ChatStyle::Llama3, {{"user", " x\n"}}, false, "<|begin_of_text|>", "") ==
        "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nx<|eot_id|>");
  CHECK(render_chat(ChatStyle::ChatML, {{"user", "Hi"}}, true, "", "") ==
        "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n");
  // SmolLM2's ChatML adds its default system message.
  CHECK(render_chat(ChatStyle::SmolLM2, {{"user", "Hi"}}, true, "", "") ==
        "<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n"
        "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n");
}

TEST_CASE("known templates are recognised in any formatting, others refused naming file and field", "[chat]") {
  CHECK(recognise_chat_template(src(kLlama3)) == ChatStyle::Llama3);
  CHECK(recognise_chat_template(src(kChatML)) == ChatStyle::ChatML);
  // Real newlines instead of \n escapes, whitespace-control dashes, line breaks between tags.
  std::string reformatted = kChatML;
  for (size_t at; (at = reformatted.find("\\n")) != std::string::npos;) reformatted.replace(at, 2, "\n");
  reformatted.replace(reformatted.find("{% endfor %}"), 12, "{%- endfor -%}\n  ");
  CHECK(recognise_chat_template(src(reformatted)) == ChatStyle::ChatML);
  // SmolLM2's own template, as docs/chat.md quotes it.
  const std::string doc = read_file(source_dir() + "/docs/chat.md");
  const size_t a = doc.find("```jinja\n") + 9, b = doc.find("\n```", a);
  CHECK(recognise_chat_template(src(doc.substr(a, b - a))) == ChatStyle::SmolLM2);

  // A literal that differs (another default system message) is another template.
  std::string other = kChatML;
  other.replace(other.find("'<|im_start|>' + message"), 0, "'<|im_start|>system\\nYou are Qwen<|im_end|>\\n' + ");
  // Gemma's template: a family smolc does not render.
  const std::string gemma =
      "{{ bos_token }}{% for message in messages %}{% if message['role'] == 'user' %}{{ '<start_of_turn>user\\n' + "
      "message['content'] | trim + '<end_of_turn>\\n' }}{% endif %}{% endfor %}";
  for (const std::string& t : {other, gemma, std::string("{{ messages }}")}) {
    INFO(t);
    try {
      recognise_chat_template(src(t));
      FAIL("accepted");
    } catch (const InputError& e) {
      CHECK(std::string(e.what()).rfind("model/tokenizer_config.json: chat_template: is not a chat template smolc knows", 0) == 0);
    }
  }
  CHECK(chat_style_flag("llama3") == ChatStyle::Llama3);
  CHECK_THROWS_AS(chat_style_flag("gemma"), InputError);
}

TEST_CASE("run --chat reads tokenizer_config.json: an unknown template is exit 2, --chat-template overrides", "[chat]") {
  const std::string dir = temp_dir("chat_template_cli");
  REQUIRE(run_smolc("synth --preset tiny --seed 2 --dtype f32 -o '" + dir + "/m'").exit_code == 0);
  std::ofstream(dir + "/m/tokenizer_config.json")
      << R"({"chat_template": "{{ bos_token }}{% for message in messages %}{{ message['content'] }}{% endfor %}"})";
  std::ofstream(dir + "/in.txt") << "Hello\n/exit\n";
  RunResult r = run_smolc("run '" + dir + "/m' --reference --chat --temp 0 -n 4 --ctx 128", dir + "/in.txt");
  CHECK(r.exit_code == 2);
  CHECK(r.err.find(dir + "/m/tokenizer_config.json: chat_template: is not a chat template smolc knows") != std::string::npos);
  r = run_smolc("run '" + dir + "/m' --reference --chat --chat-template chatml --temp 0 -n 4 --ctx 128 -q", dir + "/in.txt");
  INFO(r.err);
  CHECK(r.exit_code == 0);
  // The Llama-3 template needs Llama-3's special tokens, which SmolLM2's tokenizer lacks.
  r = run_smolc("run '" + dir + "/m' --reference --chat --chat-template llama3 -n 4 --ctx 128", dir + "/in.txt");
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("has no <|begin_of_text|> token, which the llama3 chat template needs") != std::string::npos);
}

TEST_CASE("GGUF tokenizer.chat_template is read, recognised, and refused naming the key", "[chat]") {
  const std::string dir = temp_dir("chat_template_gguf");
  const auto gguf_with = [&](const std::string& name, uint32_t type, const std::string& payload) {
    GgufBytes g = GgufBytes::valid();
    g.kv.push_back({"tokenizer.chat_template", type, payload});
    g.write(dir + "/" + name);
    return dir + "/" + name;
  };
  // A ChatML template as llama.cpp's converter stores it: a string value.
  const std::string chatml = gguf_with("chatml.gguf", 8, GgufBytes::str(kChatML));
  const std::optional<ChatTemplateSource> t = read_chat_template("gguf", chatml);
  REQUIRE(t.has_value());
  CHECK(t->text == kChatML);
  CHECK(t->file == chatml);
  CHECK(t->field == "tokenizer.chat_template");
  CHECK(recognise_chat_template(*t) == ChatStyle::ChatML);
  // No key: no template (the caller falls back to --chat-template or refuses).
  GgufBytes none = GgufBytes::valid();
  none.write(dir + "/none.gguf");
  CHECK_FALSE(read_chat_template("gguf", dir + "/none.gguf").has_value());
  // A template smolc does not render names the GGUF file and key.
  const std::string gemma = gguf_with("gemma.gguf", 8, GgufBytes::str("{{ bos_token }}{{ messages }}"));
  try {
    recognise_chat_template(*read_chat_template("gguf", gemma));
    FAIL("accepted");
  } catch (const InputError& e) {
    CHECK(std::string(e.what()).rfind(gemma + ": tokenizer.chat_template: is not a chat template smolc knows", 0) == 0);
  }
  // A key of another type (u32 here) is bad input, not a silent default.
  const std::string num = gguf_with("num.gguf", 4, GgufBytes::raw<uint32_t>(7));
  try {
    read_chat_template("gguf", num);
    FAIL("accepted");
  } catch (const InputError& e) {
    CHECK(std::string(e.what()).find("tokenizer.chat_template: is not a string") != std::string::npos);
  }
}
