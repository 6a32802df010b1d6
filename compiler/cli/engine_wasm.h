// `smolc run --target wasm32|wasm32-simd128`: the compiled engine runs in node
// (engine_wasm.cpp).
#pragma once
#include <memory>

#include "cli/engine.h"

namespace smolc::cli {

// A wasm engine from the engine cache, linked into a WASI module and run by
// node as a child process. ctx 0: min(2048, max_seq_len).
std::unique_ptr<Engine> make_wasm_engine(const EngineRequest& req, int ctx);

}  // namespace smolc::cli
