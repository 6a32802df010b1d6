// Each `smolc <command>` lives in its own cmd_<name>.cpp and registers itself
// here, so adding a command touches no shared file.
#pragma once
#include <functional>
#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace smolc::cli {

struct Command {
  std::string name;
  std::string help;
  // Adds options to `sub` and returns the action that runs after parsing.
  // The action returns the process exit code (0 ok, 2 bad input, 1 internal).
  std::function<std::function<int()>(CLI::App& sub)> setup;
};

std::vector<Command>& registry();

struct Register {
  explicit Register(Command c) { registry().push_back(std::move(c)); }
};

}  // namespace smolc::cli
