// What `smolc run` needs from an inference engine, so the reference engine and
// (later) compiled engines are interchangeable behind the same generation loop.
#pragma once
#include <cstdint>
#include <memory>
#include <vector>

#include "frontend/checkpoint.h"

namespace smolc::cli {

class Engine {
 public:
  virtual ~Engine() = default;
  // Appends n tokens; returns the logits of every one of them, [n, vocab].
  virtual std::vector<float> prefill(const int32_t* tokens, int n) = 0;
  // Appends one token; returns its logits [vocab] (valid until the next call).
  virtual const std::vector<float>& decode(int32_t token) = 0;
  virtual int position() const = 0;  // tokens in the KV cache
  virtual int ctx() const = 0;       // KV cache capacity in tokens
  virtual const char* name() const = 0;
};

// The scalar reference engine (compiler/reference/) over a loaded checkpoint.
std::unique_ptr<Engine> make_reference_engine(const Checkpoint& ck, int ctx);

// The engine `smolc run` uses: the reference engine when asked for (or when no
// compiled engine exists for this model yet; a note on stderr says so).
std::unique_ptr<Engine> make_engine(const Checkpoint& ck, int ctx, bool reference);

}  // namespace smolc::cli
