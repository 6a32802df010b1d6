// ChatML rendering against renderings of SmolLM2-Instruct's real chat_template
// by the jinja2 engine (tools/chat_golden/render_chatml.py), buffer-size
// semantics, and the stop tokens against the real tokenizer.json / config.json.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <cstring>
#include <string>
#include <vector>

#include "chat/chatml.h"
#include "support/test_support.h"

namespace {

struct Conversation {
  std::vector<std::string> roles, contents;  // own the bytes
  std::vector<smolc_chat_message> msgs;
  explicit Conversation(const nlohmann::json& messages) {
    for (const auto& m : messages) {
      roles.push_back(m["role"].get<std::string>());
      contents.push_back(m["content"].get<std::string>());
    }
    for (size_t i = 0; i < roles.size(); ++i)
      msgs.push_back({roles[i].data(), roles[i].size(), contents[i].data(), contents[i].size()});
  }
};

std::string render(const std::vector<smolc_chat_message>& msgs, bool gen) {
  size_t need = smolc_chatml_render(msgs.data(), msgs.size(), gen ? 1 : 0, nullptr, 0);
  if (need == SIZE_MAX) return "<error>";
  std::string out(need + 1, '\x7f');
  size_t again = smolc_chatml_render(msgs.data(), msgs.size(), gen ? 1 : 0, out.data(), out.size());
  if (again != need || out[need] != '\0') return "<inconsistent>";
  out.resize(need);
  return out;
}

nlohmann::json golden() {
  return nlohmann::json::parse(
      smolc::test::read_file(smolc::test::source_dir() + "/tests/chat/golden/chatml.json"));
}

}  // namespace

TEST_CASE("ChatML rendering equals the jinja2 rendering of the SmolLM2 template") {
  auto g = golden();
  REQUIRE(g["cases"].size() >= 10);
  int i = 0;
  for (const auto& c : g["cases"]) {
    Conversation conv(c["messages"]);
    INFO("case " << i++ << ": " << c["messages"].dump());
    CHECK(render(conv.msgs, c["add_generation_prompt"].get<bool>()) == c["text"].get<std::string>());
  }
}

TEST_CASE("the golden template is the one documented in chatml.h") {
  // Guards against the golden being regenerated from a different template.
  const std::string t = golden()["template"];
  CHECK(t.find("loop.first and messages[0]['role'] != 'system'") != std::string::npos);
  CHECK(t.find(SMOLC_CHATML_DEFAULT_SYSTEM) != std::string::npos);
  CHECK(t.find("{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}") != std::string::npos);
}

TEST_CASE("a too-small buffer gets a prefix and the needed size, never an overrun") {
  std::string role = "user", content = "Hello";
  smolc_chat_message m{role.data(), role.size(), content.data(), content.size()};
  const std::string full = render({m}, true);
  REQUIRE(full.size() > 100);
  for (size_t cap : {size_t(1), size_t(7), full.size() - 1, full.size()}) {
    std::vector<char> buf(cap + 8, '#');
    size_t need = smolc_chatml_render(&m, 1, 1, buf.data(), cap);
    INFO("cap " << cap);
    CHECK(need == full.size());
    CHECK(std::string(buf.data(), cap) == full.substr(0, cap));  // prefix, no NUL inside
    for (size_t j = cap; j < buf.size(); ++j) REQUIRE(buf[j] == '#');  // nothing past cap
  }
  std::vector<char> exact(full.size() + 1);
  CHECK(smolc_chatml_render(&m, 1, 1, exact.data(), exact.size()) == full.size());
  CHECK(std::strcmp(exact.data(), full.c_str()) == 0);
}

TEST_CASE("invalid arguments return SIZE_MAX") {
  char buf[16];
  smolc_chat_message null_content{"user", 4, nullptr, 3};
  smolc_chat_message null_role{nullptr, 1, "x", 1};
  smolc_chat_message empty_ok{nullptr, 0, nullptr, 0};
  CHECK(smolc_chatml_render(nullptr, 1, 1, buf, sizeof buf) == SIZE_MAX);
  CHECK(smolc_chatml_render(&null_content, 1, 1, buf, sizeof buf) == SIZE_MAX);
  CHECK(smolc_chatml_render(&null_role, 1, 1, buf, sizeof buf) == SIZE_MAX);
  CHECK(smolc_chatml_render(&empty_ok, 1, 0, nullptr, 5) == SIZE_MAX);
  // An empty role and content are legal: default system + "<|im_start|>\n<|im_end|>\n".
  CHECK(render({empty_ok}, false) ==
        std::string("<|im_start|>system\n") + SMOLC_CHATML_DEFAULT_SYSTEM + "<|im_end|>\n<|im_start|>\n<|im_end|>\n");
  CHECK(smolc_chatml_render(nullptr, 0, 1, nullptr, 0) == std::strlen("<|im_start|>assistant\n"));
}

TEST_CASE("stop tokens are <|im_end|> and <|endoftext|> with the ids of the real tokenizer") {
  auto tok = nlohmann::json::parse(smolc::test::read_file(smolc::test::smollm2_dir() + "/tokenizer.json"));
  auto cfg = nlohmann::json::parse(smolc::test::read_file(smolc::test::smollm2_dir() + "/config.json"));
  int32_t im_end = -1, eot = -1, im_start = -1;
  for (const auto& t : tok["added_tokens"]) {
    if (t["content"] == SMOLC_CHATML_IM_END) im_end = t["id"];
    if (t["content"] == SMOLC_CHATML_ENDOFTEXT) eot = t["id"];
    if (t["content"] == SMOLC_CHATML_IM_START) im_start = t["id"];
  }
  REQUIRE(im_end >= 0);
  REQUIRE(eot >= 0);
  REQUIRE(im_start >= 0);
  CHECK(cfg["eos_token_id"].get<int32_t>() == im_end);  // the instruct model ends turns with it
  CHECK(smolc_chatml_is_stop(im_end, im_end, eot) == 1);
  CHECK(smolc_chatml_is_stop(eot, im_end, eot) == 1);
  CHECK(smolc_chatml_is_stop(im_start, im_end, eot) == 0);
  CHECK(smolc_chatml_is_stop(1000, im_end, eot) == 0);
  // An absent stop token (-1) never matches, not even a -1 token.
  CHECK(smolc_chatml_is_stop(eot, im_end, -1) == 0);
  CHECK(smolc_chatml_is_stop(-1, -1, -1) == 0);
}
