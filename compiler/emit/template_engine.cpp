// Template expansion: parse the directive lines into a tree, then render it.
#include "emit/template_engine.h"

#include <cctype>
#include <memory>
#include <optional>
#include <stdexcept>

namespace smolc {
namespace {

[[noreturn]] void fail(std::string_view name, int line, const std::string& what) {
  throw std::runtime_error("template " + std::string(name) + ":" + std::to_string(line) + ": " + what);
}

// ---- expressions ------------------------------------------------------------

class ExprEval {
 public:
  ExprEval(std::string_view src, const TemplateVars& vars, std::string_view name, int line)
      : s_(src), vars_(vars), name_(name), line_(line) {}

  TemplateValue run() {
    TemplateValue v = ternary();
    skip_ws();
    if (pos_ != s_.size()) error("unexpected '" + std::string(s_.substr(pos_)) + "'");
    return v;
  }

 private:
  [[noreturn]] void error(const std::string& what) {
    fail(name_, line_, "in expression '" + std::string(s_) + "': " + what);
  }
  void skip_ws() {
    while (pos_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[pos_]))) ++pos_;
  }
  bool eat(std::string_view op) {
    skip_ws();
    if (s_.substr(pos_, op.size()) == op) {
      pos_ += op.size();
      return true;
    }
    return false;
  }
  int64_t as_int(const TemplateValue& v, const char* ctx) {
    if (auto p = std::get_if<int64_t>(&v)) return *p;
    error(std::string("string used where ") + ctx + " needs an integer");
  }

  TemplateValue ternary() {
    TemplateValue c = logic_or();
    if (!eat("?")) return c;
    TemplateValue a = ternary();
    if (!eat(":")) error("expected ':'");
    TemplateValue b = ternary();
    return as_int(c, "?:") ? a : b;
  }
  TemplateValue logic_or() {
    TemplateValue v = logic_and();
    while (eat("||")) {
      TemplateValue r = logic_and();
      v = int64_t(as_int(v, "||") || as_int(r, "||"));
    }
    return v;
  }
  TemplateValue logic_and() {
    TemplateValue v = comparison();
    while (eat("&&")) {
      TemplateValue r = comparison();
      v = int64_t(as_int(v, "&&") && as_int(r, "&&"));
    }
    return v;
  }
  TemplateValue comparison() {
    TemplateValue v = additive();
    for (;;) {
      std::string op;
      for (const char* o : {"==", "!=", "<=", ">=", "<", ">"}) {
        if (eat(o)) {
          op = o;
          break;
        }
      }
      if (op.empty()) return v;
      TemplateValue r = additive();
      if (op == "==" || op == "!=") {
        if (v.index() != r.index()) error("comparing a string with an integer");
        bool eq = v == r;
        v = int64_t(op == "==" ? eq : !eq);
        continue;
      }
      int64_t a = as_int(v, op.c_str()), b = as_int(r, op.c_str());
      v = int64_t(op == "<" ? a < b : op == ">" ? a > b : op == "<=" ? a <= b : a >= b);
    }
  }
  TemplateValue additive() {
    TemplateValue v = multiplicative();
    for (;;) {
      if (eat("+")) {
        TemplateValue r = multiplicative();
        if (std::holds_alternative<std::string>(v) && std::holds_alternative<std::string>(r))
          v = std::get<std::string>(v) + std::get<std::string>(r);
        else
          v = as_int(v, "+") + as_int(r, "+");
      } else if (eat("-")) {
        TemplateValue r = multiplicative();
        v = as_int(v, "-") - as_int(r, "-");
      } else {
        return v;
      }
    }
  }
  TemplateValue multiplicative() {
    TemplateValue v = unary();
    for (;;) {
      char op = 0;
      skip_ws();
      if (pos_ < s_.size() && (s_[pos_] == '*' || s_[pos_] == '/' || s_[pos_] == '%')) op = s_[pos_++];
      if (!op) return v;
      int64_t a = as_int(v, "arithmetic"), b = as_int(unary(), "arithmetic");
      if (op == '*') {
        v = a * b;
      } else {
        if (b == 0) error("division by zero");
        v = op == '/' ? a / b : a % b;
      }
    }
  }
  TemplateValue unary() {
    if (eat("-")) return -as_int(unary(), "unary -");
    if (eat("!")) return int64_t(!as_int(unary(), "!"));
    return primary();
  }
  TemplateValue primary() {
    skip_ws();
    if (pos_ >= s_.size()) error("unexpected end");
    char c = s_[pos_];
    if (c == '(') {
      ++pos_;
      TemplateValue v = ternary();
      if (!eat(")")) error("expected ')'");
      return v;
    }
    if (c == '"') {
      size_t end = s_.find('"', pos_ + 1);
      if (end == std::string_view::npos) error("unterminated string");
      std::string v(s_.substr(pos_ + 1, end - pos_ - 1));
      pos_ = end + 1;
      return v;
    }
    if (std::isdigit(static_cast<unsigned char>(c))) {
      int64_t v = 0;
      while (pos_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[pos_]))) {
        if (v > (INT64_MAX - 9) / 10) error("integer literal too large");
        v = v * 10 + (s_[pos_++] - '0');
      }
      return v;
    }
    if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
      size_t b = pos_;
      while (pos_ < s_.size() && (std::isalnum(static_cast<unsigned char>(s_[pos_])) || s_[pos_] == '_')) ++pos_;
      std::string id(s_.substr(b, pos_ - b));
      auto it = vars_.find(id);
      if (it == vars_.end()) error("unknown variable '" + id + "'");
      return it->second;
    }
    error(std::string("unexpected '") + c + "'");
  }

  std::string_view s_;
  const TemplateVars& vars_;
  std::string_view name_;
  int line_;
  size_t pos_ = 0;
};

std::string to_text(const TemplateValue& v) {
  if (auto p = std::get_if<int64_t>(&v)) return std::to_string(*p);
  return std::get<std::string>(v);
}

// ---- template tree ----------------------------------------------------------

struct Node;
using Body = std::vector<std::unique_ptr<Node>>;

struct Node {
  enum Kind { Text, If, For, Set } kind = Text;
  int line = 0;
  std::string text;                                    // Text: the raw line incl. newline
  std::vector<std::pair<std::string, Body>> branches;  // If: (condition, body); "" = else
  std::string var;                                     // For / Set
  std::vector<std::string> range_args;                 // For
  std::string expr;                                    // Set
  Body body;                                           // For
};

std::string trim(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return std::string(s.substr(b, e - b));
}

struct Line {
  std::string_view raw;   // with trailing newline if any
  std::string directive;  // text after '$' if a directive line, trimmed
  bool is_directive = false;
  int number = 0;
};

// Splits the top-level commas of "a, (b, c), d".
std::vector<std::string> split_args(std::string_view s) {
  std::vector<std::string> out;
  int depth = 0;
  size_t start = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '(') ++depth;
    if (s[i] == ')') --depth;
    if (s[i] == ',' && depth == 0) {
      out.push_back(trim(s.substr(start, i - start)));
      start = i + 1;
    }
  }
  out.push_back(trim(s.substr(start)));
  return out;
}

bool starts_with_word(const std::string& d, std::string_view w) {
  if (d.compare(0, w.size(), w) != 0) return false;
  return d.size() == w.size() || std::isspace(static_cast<unsigned char>(d[w.size()]));
}

class Parser {
 public:
  Parser(std::string_view name, const std::vector<Line>& lines) : name_(name), lines_(lines) {}

  Body parse_all() {
    Body b = parse_body({});
    if (i_ < lines_.size()) fail(name_, lines_[i_].number, "unexpected $" + lines_[i_].directive);
    return b;
  }

 private:
  // Parses until a directive whose first word is in `stops` (not consumed).
  Body parse_body(std::initializer_list<std::string_view> stops) {
    Body body;
    while (i_ < lines_.size()) {
      const Line& l = lines_[i_];
      if (!l.is_directive) {
        auto n = std::make_unique<Node>();
        n->kind = Node::Text;
        n->line = l.number;
        n->text = std::string(l.raw);
        body.push_back(std::move(n));
        ++i_;
        continue;
      }
      const std::string& d = l.directive;
      for (std::string_view s : stops)
        if (starts_with_word(d, s)) return body;
      if (d.rfind("#", 0) == 0) {
        ++i_;
      } else if (starts_with_word(d, "if")) {
        body.push_back(parse_if());
      } else if (starts_with_word(d, "for")) {
        body.push_back(parse_for());
      } else if (starts_with_word(d, "set")) {
        auto n = std::make_unique<Node>();
        n->kind = Node::Set;
        n->line = l.number;
        std::string rest = trim(std::string_view(d).substr(3));
        size_t eq = rest.find('=');
        if (eq == std::string::npos || (eq + 1 < rest.size() && rest[eq + 1] == '='))
          fail(name_, l.number, "expected '$set NAME = EXPR'");
        n->var = trim(std::string_view(rest).substr(0, eq));
        n->expr = trim(std::string_view(rest).substr(eq + 1));
        if (n->var.empty() || n->expr.empty()) fail(name_, l.number, "expected '$set NAME = EXPR'");
        body.push_back(std::move(n));
        ++i_;
      } else {
        fail(name_, l.number, "unknown or misplaced directive '$" + d + "'");
      }
    }
    return body;
  }

  std::unique_ptr<Node> parse_if() {
    auto n = std::make_unique<Node>();
    n->kind = Node::If;
    n->line = lines_[i_].number;
    std::string cond = trim(std::string_view(lines_[i_].directive).substr(2));
    if (cond.empty()) fail(name_, n->line, "$if without a condition");
    ++i_;
    bool seen_else = false;
    for (;;) {
      Body b = parse_body({"elif", "else", "endif"});
      n->branches.emplace_back(cond, std::move(b));
      if (i_ >= lines_.size()) fail(name_, n->line, "$if without $endif");
      const std::string& d = lines_[i_].directive;
      int at = lines_[i_].number;
      ++i_;
      if (starts_with_word(d, "endif")) return n;
      if (seen_else) fail(name_, at, "$" + d + " after $else");
      if (starts_with_word(d, "else")) {
        seen_else = true;
        cond = "";
      } else {
        cond = trim(std::string_view(d).substr(4));
        if (cond.empty()) fail(name_, at, "$elif without a condition");
      }
    }
  }

  std::unique_ptr<Node> parse_for() {
    auto n = std::make_unique<Node>();
    n->kind = Node::For;
    n->line = lines_[i_].number;
    std::string rest = trim(std::string_view(lines_[i_].directive).substr(3));
    size_t in = rest.find(" in ");
    size_t open = rest.find("range(");
    if (in == std::string::npos || open == std::string::npos || rest.back() != ')')
      fail(name_, n->line, "expected '$for NAME in range(...)'");
    n->var = trim(std::string_view(rest).substr(0, in));
    n->range_args = split_args(std::string_view(rest).substr(open + 6, rest.size() - open - 7));
    if (n->var.empty() || n->range_args.empty() || n->range_args.size() > 3 || n->range_args[0].empty())
      fail(name_, n->line, "expected '$for NAME in range(END | BEGIN, END | BEGIN, END, STEP)'");
    ++i_;
    n->body = parse_body({"endfor"});
    if (i_ >= lines_.size()) fail(name_, n->line, "$for without $endfor");
    ++i_;
    return n;
  }

  std::string_view name_;
  const std::vector<Line>& lines_;
  size_t i_ = 0;
};

class Renderer {
 public:
  Renderer(std::string_view name, TemplateVars vars) : name_(name), vars_(std::move(vars)) {}

  void render(const Body& body, std::string& out) {
    for (const auto& n : body) render(*n, out);
  }

 private:
  TemplateValue eval(const std::string& e, int line) { return ExprEval(e, vars_, name_, line).run(); }
  int64_t eval_int(const std::string& e, int line) {
    TemplateValue v = eval(e, line);
    if (auto p = std::get_if<int64_t>(&v)) return *p;
    fail(name_, line, "'" + e + "' is a string, expected an integer");
  }

  void render(const Node& n, std::string& out) {
    switch (n.kind) {
      case Node::Text: substitute(n.text, n.line, out); break;
      case Node::Set: vars_[n.var] = eval(n.expr, n.line); break;
      case Node::If:
        for (const auto& [cond, body] : n.branches) {
          if (cond.empty() || eval_int(cond, n.line)) {
            render(body, out);
            break;
          }
        }
        break;
      case Node::For: {
        int64_t begin = 0, end = 0, step = 1;
        if (n.range_args.size() == 1) {
          end = eval_int(n.range_args[0], n.line);
        } else {
          begin = eval_int(n.range_args[0], n.line);
          end = eval_int(n.range_args[1], n.line);
          if (n.range_args.size() == 3) step = eval_int(n.range_args[2], n.line);
        }
        if (step <= 0) fail(name_, n.line, "range step must be positive");
        std::optional<TemplateValue> saved;
        if (auto it = vars_.find(n.var); it != vars_.end()) saved = it->second;
        for (int64_t i = begin; i < end; i += step) {
          vars_[n.var] = i;
          render(n.body, out);
        }
        if (saved)
          vars_[n.var] = *saved;
        else
          vars_.erase(n.var);
        break;
      }
    }
  }

  void substitute(const std::string& text, int line, std::string& out) {
    size_t pos = 0;
    for (;;) {
      size_t d = text.find("${", pos);
      if (d == std::string::npos) {
        out.append(text, pos, std::string::npos);
        return;
      }
      if (d > pos && text[d - 1] == '$') {  // "$${": a literal "${" (shell, CMake, pkg-config)
        out.append(text, pos, d - pos);
        out += '{';
        pos = d + 2;
        continue;
      }
      out.append(text, pos, d - pos);
      int depth = 1;
      size_t e = d + 2;
      for (; e < text.size() && depth > 0; ++e) {
        if (text[e] == '{') ++depth;
        if (text[e] == '}') --depth;
      }
      if (depth != 0) fail(name_, line, "unterminated ${");
      out += to_text(eval(text.substr(d + 2, e - 1 - (d + 2)), line));
      pos = e;
    }
  }

  std::string_view name_;
  TemplateVars vars_;
};

}  // namespace

std::string render_template(std::string_view name, std::string_view text, const TemplateVars& vars) {
  std::vector<Line> lines;
  int number = 1;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    size_t end = nl == std::string_view::npos ? text.size() : nl + 1;
    Line l;
    l.raw = text.substr(pos, end - pos);
    l.number = number++;
    std::string t = trim(l.raw);
    if (!t.empty() && t[0] == '$' && t.rfind("${", 0) != 0 && t.rfind("$${", 0) != 0) {
      l.is_directive = true;
      l.directive = trim(std::string_view(t).substr(1));
    }
    lines.push_back(l);
    pos = end;
  }
  Body tree = Parser(name, lines).parse_all();
  std::string out;
  Renderer(name, vars).render(tree, out);
  return out;
}

std::string_view find_template(std::string_view path) {
  for (const auto& t : embedded_templates())
    if (path == t.path) return t.text;
  throw std::runtime_error("no embedded template named '" + std::string(path) + "'");
}

std::string render_embedded(std::string_view path, const TemplateVars& vars) {
  return render_template(path, find_template(path), vars);
}

}  // namespace smolc
