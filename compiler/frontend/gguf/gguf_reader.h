// GGUF v2/v3 container parser (little-endian files only). load_gguf()
// (checkpoint.h) is built on it; the parsed form is exposed for tests and tools.
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "frontend/mapped_file.h"
#include "frontend/tokenizer_data.h"

namespace smolc::gguf {

// One metadata value. Scalars land in the field of their kind; arrays keep
// their element type and count. Numeric arrays are widened to double (exact
// for every 32-bit type; 64-bit integers beyond 2^53 are rejected).
struct Value {
  uint32_t type = 0;              // ValueType
  uint32_t elem_type = 0;         // ARRAY only
  uint64_t offset = 0;            // file offset of the value, for messages
  uint64_t u = 0;                 // unsigned integers and bool
  int64_t i = 0;                  // signed integers
  double f = 0;                   // floats
  std::string s;                  // STRING
  std::vector<std::string> strs;  // ARRAY of STRING
  std::vector<double> nums;       // ARRAY of numbers/bools
};

struct TensorRecord {
  std::string name;          // GGUF name, e.g. "blk.0.attn_q.weight"
  std::vector<uint64_t> ne;  // GGUF order: ne[0] is the innermost (contiguous) dimension
  uint32_t ggml_type = 0;
  uint64_t rel_offset = 0;  // relative to the data section
  uint64_t abs_offset = 0;  // in the file
  uint64_t nbytes = 0;
  uint64_t info_offset = 0;  // where its tensor info starts, for messages
};

struct File {
  std::shared_ptr<MappedFile> map;
  uint32_t version = 0;
  uint64_t alignment = 32;
  uint64_t data_offset = 0;
  std::map<std::string, Value> kv;
  std::vector<TensorRecord> tensors;  // in file order
};

// Parses and validates the container: header, every metadata value, tensor
// infos, alignment and that every tensor's bytes lie inside the file without
// overlapping another. Throws InputError(path, "offset N" / key / tensor, ...),
// also for tensor types smolc cannot decode (naming the tensor and type number).
File parse(const std::string& path);

// The tokenizer stored in tokenizer.ggml.* ("gpt2" -> ByteLevelBPE, "llama" ->
// SentencePieceBPE); Kind::None when the file has no tokenizer.ggml.model.
TokenizerData tokenizer_from_gguf(const File& f);

}  // namespace smolc::gguf
