// The small template language that turns templates/**/*.in into C++ source
// (in the spirit of XNNPACK's xngen). A template is text plus:
//
//   ${EXPR}                      inline: replaced by the value of EXPR
//   $${                          a literal "${" (for shell, CMake and pkg-config text)
//   $if EXPR / $elif EXPR / $else / $endif
//   $for NAME in range(END) / range(BEGIN, END) / range(BEGIN, END, STEP)
//   $endfor
//   $set NAME = EXPR             binds NAME until the end of the template
//   $# comment                   dropped
//
// A directive is a line whose first non-blank character is '$' (the whole
// line is consumed). EXPR is C-like over 64-bit integers and strings:
// literals (42, "abc"), names, ( ), unary - and !, * / % + - (+ also joins
// strings), < <= > >= == != (strings compare with == and !=), && ||, and
// COND ? A : B. Integer / and % truncate like C; division by zero is an error.
// Every error names the template and line.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace smolc {

using TemplateValue = std::variant<int64_t, std::string>;
using TemplateVars = std::map<std::string, TemplateValue>;

// Expands `text` (named `name` in error messages) with `vars`.
// Throws std::runtime_error("template NAME:LINE: ...") on any error.
std::string render_template(std::string_view name, std::string_view text, const TemplateVars& vars);

// Templates compiled into the binary (generated at build time from
// templates/**/*.in by cmake/EmbedTemplates.cmake). Paths are relative to
// templates/, e.g. "gemv/q-gemv-avx512.cpp.in".
struct EmbeddedTemplate {
  const char* path;
  const char* text;
};
const std::vector<EmbeddedTemplate>& embedded_templates();
// Text of an embedded template; throws std::runtime_error if there is none.
std::string_view find_template(std::string_view path);
// Shorthand: find_template(path) rendered with vars.
std::string render_embedded(std::string_view path, const TemplateVars& vars);

}  // namespace smolc
