// The reference engine behind the cli::Engine interface.
#include <cstdio>

#include "cli/engine.h"
#include "reference/reference_engine.h"

namespace smolc::cli {
namespace {

class ReferenceBackend final : public Engine {
 public:
  ReferenceBackend(const Checkpoint& ck, int ctx) : e_(ck.cfg, RefWeights::from_checkpoint(ck), ctx) {}
  std::vector<float> prefill(const int32_t* tokens, int n) override { return e_.prefill(tokens, n); }
  const std::vector<float>& decode(int32_t token) override { return e_.decode(token); }
  int position() const override { return e_.position(); }
  int ctx() const override { return e_.ctx(); }
  const char* name() const override { return "reference"; }

 private:
  ReferenceEngine e_;
};

}  // namespace

std::unique_ptr<Engine> make_reference_engine(const Checkpoint& ck, int ctx) {
  return std::make_unique<ReferenceBackend>(ck, ctx);
}

std::unique_ptr<Engine> make_engine(const Checkpoint& ck, int ctx, bool reference) {
  // Compiled engines plug in here once the compiler can build and load them.
  if (!reference)
    std::fprintf(stderr, "smolc: note: no compiled engine for %s yet; using the reference engine\n", ck.name.c_str());
  return make_reference_engine(ck, ctx);
}

}  // namespace smolc::cli
