// Errors raised while reading untrusted model files and user input.
// InputError means "the input is bad" (CLI exit code 2); anything else that
// escapes to main() is an internal error (exit code 1).
#pragma once
#include <stdexcept>
#include <string>

namespace smolc {

class InputError : public std::runtime_error {
 public:
  // file: the path the user can open; where: the JSON field, tensor name or
  // "offset N"; what: what was found and what was expected.
  InputError(const std::string& file, const std::string& where, const std::string& what)
      : std::runtime_error(file + ": " + (where.empty() ? "" : where + ": ") + what), file_(file), where_(where) {}
  const std::string& file() const { return file_; }
  const std::string& where() const { return where_; }

 private:
  std::string file_, where_;
};

}  // namespace smolc
