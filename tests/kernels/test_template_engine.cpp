// The template language of compiler/emit/template_engine.h, and the embedded
// template table.
#include <catch2/catch.hpp>

#include "emit/template_engine.h"

using smolc::render_template;
using smolc::TemplateVars;

TEST_CASE("template substitutes expressions") {
  TemplateVars v{{"N", int64_t(6)}, {"NAME", std::string("gemv")}};
  CHECK(render_template("t", "a ${N * 2 + 1} ${NAME + \"_x\"} ${N / 4} ${N % 4} ${-N}\n", v) ==
        "a 13 gemv_x 1 2 -6\n");
  CHECK(render_template("t", "${N > 5 && NAME == \"gemv\" ? 1 : 2} ${(N - 1) * (N + 1)} ${!N}", v) == "1 35 0");
  CHECK(render_template("t", "${7 / -2} ${-7 % 2}", v) == "-3 -1");  // C truncation
  // "$${" is a literal "${" (shell, CMake and pkg-config text).
  CHECK(render_template("t", "$${X} $${_${NAME}_root} x$${pcfiledir}\n", v) == "${X} ${_gemv_root} x${pcfiledir}\n");
}

TEST_CASE("template loops and conditionals") {
  TemplateVars v{{"N", int64_t(3)}, {"FMT", std::string("bf16")}};
  const char* t =
      "$for i in range(N)\n"
      "  $if i == 0\n"
      "first${i}\n"
      "  $elif FMT == \"bf16\"\n"
      "b${i}\n"
      "  $else\n"
      "other\n"
      "  $endif\n"
      "$endfor\n"
      "$for j in range(2, 9, 3)\n"
      "${j},\n"
      "$endfor\n"
      "$# a comment\n"
      "$set Z = N * 10\n"
      "z=${Z}\n";
  CHECK(render_template("t", t, v) == "first0\nb1\nb2\n2,\n5,\n8,\nz=30\n");
  // Empty range renders nothing; the loop variable does not leak.
  CHECK(render_template("t", "$for i in range(0)\nx\n$endfor\n", v) == "");
  CHECK_THROWS_WITH(render_template("t", "$for i in range(1)\n$endfor\n${i}", v),
                    Catch::Contains("unknown variable 'i'"));
}

TEST_CASE("template errors name the template and line") {
  TemplateVars v{{"N", int64_t(1)}};
  CHECK_THROWS_WITH(render_template("x.in", "ok\n${M}\n", v), Catch::Contains("template x.in:2:") &&
                                                                 Catch::Contains("unknown variable 'M'"));
  CHECK_THROWS_WITH(render_template("x.in", "$if N\nfoo\n", v), Catch::Contains("x.in:1: $if without $endif"));
  CHECK_THROWS_WITH(render_template("x.in", "a\n$endfor\n", v), Catch::Contains("x.in:2:"));
  CHECK_THROWS_WITH(render_template("x.in", "${N / 0}", v), Catch::Contains("division by zero"));
  CHECK_THROWS_WITH(render_template("x.in", "${N + \"s\"}", v), Catch::Contains("needs an integer"));
  CHECK_THROWS_WITH(render_template("x.in", "${(N}", v), Catch::Contains("expected ')'"));
  CHECK_THROWS_WITH(render_template("x.in", "${N", v), Catch::Contains("unterminated ${"));
  CHECK_THROWS_WITH(render_template("x.in", "$if N\n$else\n$else\n$endif\n", v), Catch::Contains("after $else"));
  CHECK_THROWS_WITH(render_template("x.in", "$frobnicate\n", v), Catch::Contains("unknown or misplaced directive"));
}

TEST_CASE("kernel templates are embedded in the binary") {
  CHECK_FALSE(smolc::find_template("gemv/gemv-scalar.cpp.in").empty());
  CHECK_FALSE(smolc::find_template("gemm/gemm-scalar.cpp.in").empty());
  CHECK_FALSE(smolc::find_template("row/row-scalar.cpp.in").empty());
  CHECK_THROWS_WITH(smolc::find_template("nope.in"), Catch::Contains("no embedded template named 'nope.in'"));
}
