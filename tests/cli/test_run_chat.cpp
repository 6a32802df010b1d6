// `smolc run --chat` on the tiny synthetic SmolLM2-shaped model (real
// SmolLM2 tokenizer, random weights), checked against an independent
// re-statement of the protocol: the ChatML renderer, the host tokenizer, the
// runtime sampler (same parameters and seed) and the reference engine driven
// directly. Sampling (not greedy) makes the answers varied text, so a wrong
// context would show.
#include <catch2/catch.hpp>
#include <algorithm>
#include <fstream>

#include "chat/chatml.h"
#include "frontend/checkpoint.h"
#include "reference/golden.h"
#include "reference/reference_engine.h"
#include "sampler/sampler.h"
#include "support/test_support.h"
#include "text/tokenizer.h"

using namespace smolc;
using namespace smolc::test;

namespace {

std::string render(const std::vector<std::pair<std::string, std::string>>& turns) {
  std::vector<smolc_chat_message> m;
  for (const auto& [role, content] : turns) m.push_back({role.data(), role.size(), content.data(), content.size()});
  std::string s(smolc_chatml_render(m.data(), m.size(), 1, nullptr, 0) + 1, '\0');
  s.resize(smolc_chatml_render(m.data(), m.size(), 1, s.data(), s.size()));
  return s;
}

}  // namespace

TEST_CASE("run --chat answers each stdin line over one KV cache, like a direct sampled ChatML run") {
  const std::string dir = make_tiny_synth("chat_tiny");
  const std::string in = dir + "/stdin.txt";
  std::ofstream(in) << "Hello there\nWhat is 2+2?\n";
  const int n = 6;
  RunResult r = run_smolc("run '" + dir + "' --reference --chat --temp 0.8 --top-p 0.95 --seed 5 -n " +
                              std::to_string(n),
                          in);
  INFO(r.err);
  REQUIRE(r.exit_code == 0);

  // The same conversation by hand.
  Checkpoint ck = load_checkpoint(dir);
  Tokenizer tok(ck.tokenizer);
  const int32_t im_end = tok.token_id("<|im_end|>"), eot = tok.token_id("<|endoftext|>");
  REQUIRE(im_end >= 0);
  ReferenceEngine e(ck.cfg, RefWeights::from_checkpoint(ck), 512);
  smolc_sampler_params p = smolc_sampler_default_params();  // the CLI's defaults: no top-k, min-p, penalty
  p.temperature = 0.8f;
  p.top_p = 0.95f;
  p.seed = 5;
  const int32_t V = static_cast<int32_t>(ck.cfg.vocab_size);
  std::vector<uint8_t> work(smolc_sampler_work_bytes(V));
  smolc_sampler s;
  REQUIRE(smolc_sampler_init(&s, &p, V, work.data(), work.size()) == SMOLC_SAMPLER_OK);
  std::vector<int32_t> history;
  std::vector<std::pair<std::string, std::string>> turns;
  std::string expected, fed;
  int32_t pending = -1;
  for (const std::string user : {"Hello there", "What is 2+2?"}) {
    turns.push_back({"user", user});
    const std::string full = render(turns);
    REQUIRE(full.compare(0, fed.size(), fed) == 0);
    std::vector<int32_t> input;
    if (pending >= 0) input.push_back(pending);
    for (int32_t id : tok.encode(full.substr(fed.size()))) input.push_back(id);
    std::vector<float> rows = e.prefill(input.data(), static_cast<int>(input.size()));
    history.insert(history.end(), input.begin(), input.end());
    std::vector<float> logits(rows.end() - ck.cfg.vocab_size, rows.end());
    std::vector<int32_t> answer;
    pending = -1;
    for (int i = 0; i < n; ++i) {
      const int32_t next = smolc_sampler_sample(&s, logits.data(), history.data(), static_cast<int32_t>(history.size()));
      REQUIRE(next >= 0);
      if (next == im_end || next == eot) break;
      answer.push_back(next);
      if (i == n - 1) {
        pending = next;
        break;
      }
      logits = e.decode(next);
      history.push_back(next);
    }
    const std::string text = tok.decode(answer);
    expected += text + "\n";
    turns.push_back({"assistant", text});
    fed = full + text;
  }
  CHECK(r.out == expected);
  CHECK(expected.size() > 20);
}

TEST_CASE("run --chat refuses a model without ChatML tokens") {
  RunResult r = run_smolc("run '" + stories_dir() + "/stories260K.bin' --reference --chat");
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("--chat needs a ChatML") != std::string::npos);
}
