// Strict JSON reading for untrusted model files (config.json, tokenizer.json,
// safetensors headers and index files): size-capped, UTF-8 checked, duplicate
// keys refused, and every parse failure turned into an InputError naming the
// file and byte offset (or key).
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

namespace smolc {

using Json = nlohmann::json;

// Returns the offset of the first byte that is not part of a valid UTF-8
// sequence (overlongs, surrogates and code points past U+10FFFF are invalid),
// or `size` if the whole buffer is valid.
size_t find_invalid_utf8(const uint8_t* data, size_t size);

// Parses `size` bytes of JSON text. `base_offset` is where the text starts
// inside `file`, so that error offsets are file offsets.
Json parse_json_text(const uint8_t* data, size_t size, const std::string& file, uint64_t base_offset = 0);

// Maps and parses a whole JSON file of at most max_bytes bytes.
Json read_json_file(const std::string& path, size_t max_bytes);

// Short, one-line rendering of a JSON value for error messages.
std::string json_brief(const Json& v);

}  // namespace smolc
