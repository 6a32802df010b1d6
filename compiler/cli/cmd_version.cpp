// `smolc version`: prints the version (also `smolc --version`).
#include <CLI/CLI.hpp>
#include <cstdio>

#include "cli/command.h"

namespace {
smolc::cli::Register reg({"version", "Print the smolc version", [](CLI::App&) {
                            return std::function<int()>([] {
                              std::printf("smolc %s\n", SMOLC_VERSION);
                              return 0;
                            });
                          }});
}  // namespace
