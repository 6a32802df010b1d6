// The greedy (temperature 0) story published with stories260K: the code block
// after "temperature 0.0" in models/stories260K/stories260K.md, without its
// first line (the `$ ./run ...` command). The end-to-end truth on real weights.
#pragma once
#include <catch2/catch.hpp>
#include <string>

#include "support/test_support.h"

namespace smolc::test {

inline std::string published_story() {
  const std::string md = read_file(stories_dir() + "/stories260K.md");
  const size_t at = md.find("temperature 0.0");
  REQUIRE(at != std::string::npos);
  const size_t block = md.find("```", at);
  REQUIRE(block != std::string::npos);
  const size_t text = md.find('\n', md.find('\n', block) + 1) + 1;  // skip "```" and the "$ ./run" line
  const size_t end = md.find("\n```", text);
  REQUIRE(end != std::string::npos);
  return md.substr(text, end - text);
}

}  // namespace smolc::test
