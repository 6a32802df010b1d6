// Reader for HuggingFace safetensors checkpoints (single file or sharded with
// model.safetensors.index.json). Files are mapped, never copied; every header
// field, offset and size is checked against the file before it is used.
//
// Layout: u64 little-endian header length N, N bytes of JSON header
// {"__metadata__": {...}, NAME: {"dtype", "shape", "data_offsets": [b, e]}},
// then the data area; offsets are relative to the data area (file offset 8+N).
#pragma once
#include <string>

#include "frontend/checkpoint.h"

namespace smolc {

// Maps one .safetensors file, validates it and adds its tensors to ck
// (ck.files keeps the map alive). Throws InputError on any inconsistency,
// including a tensor name already present in ck.
void load_safetensors_file(const std::string& path, Checkpoint& ck);

// Loads DIR/model.safetensors.index.json and its shards if the index exists,
// else DIR/model.safetensors.
void load_safetensors_dir(const std::string& dir, Checkpoint& ck);

}  // namespace smolc
