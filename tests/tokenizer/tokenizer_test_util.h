// Helpers shared by the tokenizer tests: golden files and bundled tokenizers.
#pragma once
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "frontend/tokenizer_data.h"
#include "support/test_support.h"
#include "text/tokenizer.h"

namespace smolc::test {

struct GoldenCase {
  std::string text;  // raw bytes (from "text" or "hex")
  std::vector<int32_t> ids;
};

inline std::string from_hex(const std::string& h) {
  std::string out;
  for (size_t i = 0; i + 1 < h.size(); i += 2) out += static_cast<char>(std::stoi(h.substr(i, 2), nullptr, 16));
  return out;
}

inline std::vector<GoldenCase> read_golden(const std::string& path) {
  std::ifstream f(path);
  std::vector<GoldenCase> out;
  std::string line;
  while (std::getline(f, line)) {
    if (line.empty()) continue;
    nlohmann::json j = nlohmann::json::parse(line);
    GoldenCase c;
    c.text = j.contains("hex") ? from_hex(j["hex"].get<std::string>()) : j["text"].get<std::string>();
    c.ids = j["ids"].get<std::vector<int32_t>>();
    out.push_back(std::move(c));
  }
  return out;
}

inline Tokenizer stories_tokenizer() {
  return Tokenizer(load_llama2c_tokenizer(stories_dir() + "/tok512.bin", 512));
}

}  // namespace smolc::test
