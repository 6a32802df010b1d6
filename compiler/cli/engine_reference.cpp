// The reference engine behind the cli::Engine interface.
#include <algorithm>
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
  int max_verify() const override { return 16; }
  void rewind(int pos) override { e_.rewind(pos); }
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

std::vector<float> Engine::prefill_last(const int32_t* tokens, int n) {
  std::vector<float> rows = prefill(tokens, n);  // [n, vocab]
  const size_t vocab = rows.size() / static_cast<size_t>(n);
  return std::vector<float>(rows.end() - static_cast<std::ptrdiff_t>(vocab), rows.end());
}

std::unique_ptr<Engine> make_engine(const Checkpoint& ck, const EngineRequest& req, int needed, int explicit_ctx) {
  if (!req.reference && req.format) {
    const int ctx = explicit_ctx > 0 ? explicit_ctx
                                     : static_cast<int>(std::min<int64_t>(
                                           ck.cfg.max_seq_len, std::max<int64_t>(needed, 2048)));
    return make_compiled_engine(req, ctx);
  }
  if (!req.reference)
    std::fprintf(stderr,
                 "smolc: note: using the reference engine for %s; give a format (--f32, --bf16, --f16, --q8, --q4, --q16) to run a compiled engine\n",
                 ck.name.c_str());
  return make_reference_engine(ck, explicit_ctx > 0 ? explicit_ctx : needed);
}

}  // namespace smolc::cli
