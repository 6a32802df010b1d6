// The one validator every numeric option of every subcommand uses: the text
// must be a whole number of the option's own type (or a finite float) inside
// [lo, hi]; anything else is a CLI11 ValidationError, which main() prints as
// "smolc: error: --temp: ..." with exit code 2. Nothing is clamped or
// wrapped: "-n -5", "--seed -1", "--seed 2^64" and "--ctx 1e30" are refused.
#pragma once
#include <CLI/CLI.hpp>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <string>
#include <type_traits>

namespace smolc::cli {

template <class T>
std::string number_text(T v) {
  if constexpr (std::is_integral_v<T>) {
    return std::to_string(v);
  } else {
    char b[32];
    std::snprintf(b, sizeof b, "%g", static_cast<double>(v));
    return b;
  }
}

// The reason `text` is not a T in [lo, hi], or "" when it is.
template <class T>
std::string number_error(const std::string& text, T lo, T hi) {
  const std::string range = "expected " + std::string(std::is_integral_v<T> ? "an integer" : "a number") + " in " +
                            number_text(lo) + ".." + number_text(hi);
  T v{};
  if constexpr (std::is_integral_v<T>) {
    const char* end = text.data() + text.size();
    const auto [p, ec] = std::from_chars(text.data(), end, v);
    const bool negative_unsigned = std::is_unsigned_v<T> && !text.empty() && text[0] == '-';
    if (ec == std::errc::result_out_of_range || negative_unsigned) return "'" + text + "' is out of range, " + range;
    if (text.empty() || ec != std::errc() || p != end) return "'" + text + "' is not a whole number, " + range;
  } else {
    errno = 0;
    char* end = nullptr;
    const double d = std::strtod(text.c_str(), &end);
    if (text.empty() || end != text.c_str() + text.size() || std::isspace(static_cast<unsigned char>(text[0])))
      return "'" + text + "' is not a number, " + range;
    if (!std::isfinite(d) || errno == ERANGE) return "'" + text + "' is not a finite number, " + range;
    v = static_cast<T>(d);
  }
  if (v < lo || v > hi) return "'" + text + "' is out of range, " + range;
  return "";
}

template <class T>
CLI::Validator number_in(T lo, T hi) {
  return CLI::Validator([lo, hi](std::string& text) { return number_error<T>(text, lo, hi); },
                        number_text(lo) + ".." + number_text(hi));
}

// app.add_option(flags, value, help) whose text must pass number_in(lo, hi).
template <class T>
CLI::Option* add_number(CLI::App& app, const std::string& flags, T& value, const std::string& help, T lo, T hi) {
  return app.add_option(flags, value, help)->check(number_in<T>(lo, hi));
}

constexpr int kIntMax = std::numeric_limits<int>::max();

}  // namespace smolc::cli
