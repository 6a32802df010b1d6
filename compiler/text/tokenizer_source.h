// Where `smolc tokenize`/`detokenize` get a tokenizer from: a tokenizer.json
// file, a model directory with config.json + tokenizer.json but no weights
// (only those two are read), or any checkpoint load_checkpoint() accepts.
#pragma once
#include <string>

#include "frontend/tokenizer_data.h"

namespace smolc {

// Throws InputError naming the path and what is missing.
TokenizerData load_tokenizer_only(const std::string& model);

}  // namespace smolc
