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

namespace smolc::test {

inline Tokenizer smollm2_tokenizer() {
  return Tokenizer(load_hf_tokenizer_json(smollm2_dir() + "/tokenizer.json"));
}

inline bool valid_utf8(const std::string& s) {
  for (size_t i = 0; i < s.size();) {
    uint8_t c = static_cast<uint8_t>(s[i]);
    size_t n = c < 0x80 ? 1 : (c >= 0xC2 && c <= 0xDF) ? 2 : (c >= 0xE0 && c <= 0xEF) ? 3 : (c >= 0xF0 && c <= 0xF4) ? 4 : 0;
    if (n == 0 || i + n > s.size()) return false;
    uint32_t v = n == 1 ? c : n == 2 ? (c & 0x1F) : n == 3 ? (c & 0x0F) : (c & 0x07);
    for (size_t k = 1; k < n; ++k) {
      if ((static_cast<uint8_t>(s[i + k]) & 0xC0) != 0x80) return false;
      v = (v << 6) | (static_cast<uint8_t>(s[i + k]) & 0x3F);
    }
    if ((n == 3 && v < 0x800) || (n == 4 && (v < 0x10000 || v > 0x10FFFF)) || (v >= 0xD800 && v <= 0xDFFF)) return false;
    i += n;
  }
  return true;
}

}  // namespace smolc::test
