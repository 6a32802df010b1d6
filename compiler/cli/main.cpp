// smolc: the command-line front door. Commands register themselves (command.h).
#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <exception>
#include <memory>
#include <new>
#include <string>

#include "cli/command.h"
#include "common/escape.h"
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
  // CLI11 reads an unknown first word as a missing subcommand; name it.
  if (argc > 1 && argv[1][0] != '-' &&
      std::none_of(cmds.begin(), cmds.end(), [&](const Command& c) { return c.name == argv[1]; })) {
    std::string names;
    for (const auto& c : cmds) names += (names.empty() ? "" : ", ") + c.name;
    std::fprintf(stderr, "smolc: error: unknown command '%s' (commands: %s)\n", smolc::printable(argv[1]).c_str(),
                 names.c_str());
    return 2;
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help, --version
    // A bad command line is bad input like any other: one "smolc: error:" line, exit 2.
    std::fprintf(stderr, "smolc: error: %s (see smolc --help)\n", e.what());
    return 2;
  }
  // Exit codes: 0 success, 2 bad input of any kind (files, paths, options,
  // prompts, a model whose numbers break, memory the input asks for that the
  // machine lacks), 1 only for a smolc bug.
  try {
    return action ? action() : 1;
  } catch (const smolc::InputError& e) {
    // Names in the message come from model files: one line, no terminal escapes.
    std::fprintf(stderr, "smolc: error: %s\n", smolc::printable(e.what()).c_str());
    return 2;
  } catch (const std::bad_alloc&) {
    std::fprintf(stderr,
                 "smolc: error: out of memory (the model, or the context it was given, needs more memory than "
                 "this machine can allocate)\n");
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "smolc: internal error: %s\n", smolc::printable_lines(e.what()).c_str());
    return 1;
  }
}
