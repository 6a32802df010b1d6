// `smolc run` as people use llama.cpp's tools: --stop strings, the speed line
// and --quiet, and in --chat the slash commands, --system, the per-reply
// token limit and Ctrl-C (through a pseudo-terminal, tests/cli/chat_pty.py).
// Truths: the same run without the option, the host tokenizer and ChatML
// renderer, and the context position the engine reports.
#include <catch2/catch.hpp>
#include <fstream>
#include <regex>

#include "chat/chatml.h"
#include "frontend/checkpoint.h"
#include "reference/golden.h"
#include "support/test_support.h"
#include "text/tokenizer.h"

using namespace smolc;
using namespace smolc::test;

namespace {

const std::string kStories = "'" + stories_dir() + "/stories260K.bin'";

std::string stdin_file(const std::string& dir, const std::string& name, const std::string& text) {
  const std::string p = dir + "/" + name;
  std::ofstream(p) << text;
  return p;
}

// The "context N/C" numbers of every stats line on stderr, in order.
std::vector<int> contexts(const std::string& err) {
  std::vector<int> v;
  const std::regex re("context ([0-9]+)/[0-9]+");
  for (auto it = std::sregex_iterator(err.begin(), err.end(), re); it != std::sregex_iterator(); ++it)
    v.push_back(std::stoi((*it)[1]));
  return v;
}

size_t chatml_tokens(const Tokenizer& tok, const std::vector<std::pair<std::string, std::string>>& turns) {
  std::vector<smolc_chat_message> m;
  for (const auto& [role, content] : turns) m.push_back({role.data(), role.size(), content.data(), content.size()});
  std::string s(smolc_chatml_render(m.data(), m.size(), 1, nullptr, 0) + 1, '\0');
  s.resize(smolc_chatml_render(m.data(), m.size(), 1, s.data(), s.size()));
  return tok.encode(s).size();
}

}  // namespace

TEST_CASE("run --stop ends the output before the first stop string, and the speed line and --quiet") {
  const std::string base = "run " + kStories + " --reference --temp 0 -n 60 -p 'Once upon a time'";
  const RunResult full = run_smolc(base);
  REQUIRE(full.exit_code == 0);
  // One line on stderr with the speed, none with --quiet.
  CHECK(std::regex_search(full.err, std::regex("^smolc: 60 tokens generated, [0-9.]+ tokens/s")));
  const RunResult quiet = run_smolc(base + " -q");
  CHECK(quiet.err.empty());
  CHECK(quiet.out == full.out);
  // The earliest of two stops wins; the prompt's own text is not searched.
  const std::string gen = full.out.substr(std::string("Once upon a time").size());
  const size_t lily = gen.find("Lily"), park = gen.find("park");
  REQUIRE(lily != std::string::npos);
  REQUIRE(park != std::string::npos);
  const RunResult cut = run_smolc(base + " -q --stop park --stop Lily");
  REQUIRE(cut.exit_code == 0);
  CHECK(cut.out == "Once upon a time" + gen.substr(0, std::min(lily, park)) + "\n");
  const RunResult once = run_smolc(base + " -q --stop Once");  // only in the prompt: no effect
  CHECK(once.out == full.out);
  CHECK(run_smolc(base + " --stop ''").exit_code == 2);
  CHECK(run_smolc(base + " --system hi").exit_code == 2);  // --system is for --chat
}

TEST_CASE("chat commands never reach the model: /help /stats /reset /exit and unknown ones") {
  const std::string dir = make_tiny_synth("chat_commands");
  const std::string args = "run '" + dir + "' --reference --chat --temp 0.8 --top-p 0.95 --seed 5 -n 6";
  const RunResult plain = run_smolc(args, stdin_file(dir, "a.txt", "Hello there\nWhat is 2+2?\n"));
  REQUIRE(plain.exit_code == 0);
  const RunResult cmds = run_smolc(
      args, stdin_file(dir, "b.txt", "/help\nHello there\n/stats\n/nope\nWhat is 2+2?\n/exit\nnever read\n"));
  INFO(cmds.err);
  REQUIRE(cmds.exit_code == 0);
  CHECK(cmds.out == plain.out);  // the same two answers: no command was a turn
  CHECK(cmds.err.find("/reset  forget the conversation") != std::string::npos);
  CHECK(cmds.err.find("[last reply: 6 tokens") != std::string::npos);
  CHECK(cmds.err.find("unknown command /nope") != std::string::npos);
  // Stats lines: after each reply and for /stats; /reset empties the context,
  // so the same first turn after it ends at the same position.
  const RunResult reset =
      run_smolc("run '" + dir + "' --reference --chat --temp 0 -n 6", stdin_file(dir, "c.txt", "Hello there\nWhat is 2+2?\n/reset\nHello there\n"));
  INFO(reset.err);
  REQUIRE(reset.exit_code == 0);
  const std::vector<int> pos = contexts(reset.err);
  REQUIRE(pos.size() == 3);
  CHECK(pos[1] > pos[0]);
  CHECK(pos[2] == pos[0]);
}

TEST_CASE("chat --system adds the system turn to the context and replies stop at 512 tokens by default") {
  const std::string dir = make_tiny_synth("chat_system");
  const std::string in = stdin_file(dir, "in.txt", "Hello there\n");
  const std::string args = "run '" + dir + "' --reference --chat --temp 0";
  const RunResult bare = run_smolc(args + " -n 4", in);
  const RunResult sys = run_smolc(args + " -n 4 --system 'You are terse.'", in);
  REQUIRE(bare.exit_code == 0);
  REQUIRE(sys.exit_code == 0);
  Checkpoint ck = load_checkpoint(dir);
  Tokenizer tok(ck.tokenizer);
  const size_t with = chatml_tokens(tok, {{"system", "You are terse."}, {"user", "Hello there"}});
  const size_t without = chatml_tokens(tok, {{"user", "Hello there"}});
  const std::vector<int> a = contexts(bare.err), b = contexts(sys.err);
  REQUIRE(a.size() == 1);
  REQUIRE(b.size() == 1);
  CHECK(b[0] - a[0] == static_cast<int>(with - without));
  // No -n: the tiny model never ends its reply, so the default limit does.
  const RunResult unlimited = run_smolc(args, in);
  REQUIRE(unlimited.exit_code == 0);
  CHECK(unlimited.err.find("[512 tokens,") != std::string::npos);
}

TEST_CASE("Ctrl-C in a chat ends the reply and keeps the session (pseudo-terminal)") {
  const std::string dir = make_tiny_synth("chat_pty");
  const RunResult r = run_shell("/usr/bin/python3 '" + source_dir() + "/tests/cli/chat_pty.py' '" + smolc_bin() +
                                "' '" + dir + "'");
  INFO(r.out << r.err);
  CHECK(r.exit_code == 0);  // smolc exited normally after /exit, not killed by SIGINT
  CHECK(r.out.find("interrupted, ") != std::string::npos);
  CHECK(r.out.find("last reply: ") != std::string::npos);
}

TEST_CASE("q8 calibration shows a progress bar on a terminal, and nothing when stderr is not one") {
  const std::string dir = make_tiny_synth("calibration_progress");
  const std::string compile = "compile '" + dir + "' --q8 --target scalar --emit-only -o '" + dir + "_out";
  const RunResult tty = run_shell("/usr/bin/python3 '" + source_dir() + "/tests/cli/on_tty.py' 600 '" + smolc_bin() +
                                  "' " + compile + "_tty'");
  INFO(tty.out << tty.err);
  CHECK(tty.exit_code == 0);
  CHECK(tty.out.find("calibrating") != std::string::npos);
  CHECK(tty.out.find("100%") != std::string::npos);
  const RunResult piped = run_smolc(compile + "_pipe'");
  INFO(piped.err);
  CHECK(piped.exit_code == 0);
  CHECK(piped.err.find("calibrating") == std::string::npos);
}
