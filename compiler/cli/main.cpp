// smolc: the command-line front door. Commands register themselves (command.h).
#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <exception>
#include <memory>

#include "common/escape.h"
#include "cli/command.h"
#include "frontend/error.h"

namespace smolc::cli {
std::vector<Command>& registry() {
  static std::vector<Command> r;
  return r;
}
}  // namespace smolc::cli

int main(int argc, char** argv) {
  using namespace smolc::cli;
  CLI::App app{"smolc: ahead-of-time compiler for SmolLM2 and other LLaMA-shaped models"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string(SMOLC_VERSION));
  auto& cmds = registry();
  std::sort(cmds.begin(), cmds.end(), [](const Command& a, const Command& b) { return a.name < b.name; });
  std::function<int()> action;
  for (auto& c : cmds) {
    CLI::App* sub = app.add_subcommand(c.name, c.help);
    auto act = std::make_shared<std::function<int()>>();
    *act = c.setup(*sub);
    sub->callback([act, &action] { action = *act; });
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : 2;
  }
  try {
    return action ? action() : 1;
  } catch (const smolc::InputError& e) {
    // Names in the message come from model files: one line, no terminal escapes.
    std::fprintf(stderr, "smolc: error: %s\n", smolc::printable(e.what()).c_str());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "smolc: internal error: %s\n", smolc::printable_lines(e.what()).c_str());
    return 1;
  }
}
