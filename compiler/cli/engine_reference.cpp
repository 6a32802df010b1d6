// The reference engine behind the cli::Engine interface.
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <new>

#include "cli/engine.h"
#include "frontend/error.h"
#include "frontend/storable.h"
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

// The reference engine computes in f32, so the shared check (the one
// `compile` and `convert` apply) asks only that every parameter be finite.
void refuse_nonfinite(const Checkpoint& ck) {
  for (const auto& [name, t] : ck.tensors) {
    const std::vector<float> v = ck.load_f32(name);
    check_storable(t.file, name, v.data(), v.size(), t.shape.size() == 2 ? t.shape[1] : 0, StoredAs::F32);
  }
}

}  // namespace

void refuse_unallocatable(const std::string& what, uint64_t bytes, int ctx) {
  const long pages = ::sysconf(_SC_PHYS_PAGES), page = ::sysconf(_SC_PAGESIZE);
  const uint64_t phys = pages > 0 && page > 0 ? static_cast<uint64_t>(pages) * static_cast<uint64_t>(page) : UINT64_MAX;
  if (bytes > phys)
    throw InputError("--ctx", std::to_string(ctx),
                     what + " needs " + std::to_string(bytes) + " bytes, more than this machine's " +
                         std::to_string(phys) + " bytes of memory (lower --ctx, or -n)");
}

std::unique_ptr<Engine> make_reference_engine(const Checkpoint& ck, int ctx, bool allow_nonfinite) {
  if (!allow_nonfinite) refuse_nonfinite(ck);
  const uint64_t kv_bytes = 2 * static_cast<uint64_t>(ck.cfg.n_layers) * static_cast<uint64_t>(std::max(ctx, 0)) *
                            static_cast<uint64_t>(ck.cfg.kv_dim()) * sizeof(float);
  refuse_unallocatable("the reference engine's KV cache", kv_bytes, ctx);
  try {
    return std::make_unique<ReferenceBackend>(ck, ctx);
  } catch (const std::bad_alloc&) {
    throw InputError("--ctx", std::to_string(ctx),
                     "the reference engine's KV cache needs " + std::to_string(kv_bytes) +
                         " bytes (plus the f32 weights), which could not be allocated (lower --ctx)");
  }
}

std::vector<float> Engine::prefill_last(const int32_t* tokens, int n) {
  std::vector<float> rows = prefill(tokens, n);  // [n, vocab]
  const size_t vocab = rows.size() / static_cast<size_t>(n);
  return std::vector<float>(rows.end() - static_cast<std::ptrdiff_t>(vocab), rows.end());
}

std::vector<float> Engine::prefill_by_decode(const int32_t* tokens, int n) {
  std::vector<float> rows;
  for (int i = 0; i < n; ++i) {
    const std::vector<float>& r = decode(tokens[i]);
    if (i == 0) rows.reserve(static_cast<size_t>(n) * r.size());
    rows.insert(rows.end(), r.begin(), r.end());
  }
  return rows;
}

std::unique_ptr<Engine> make_engine(const Checkpoint& ck, const EngineRequest& req, int needed, int explicit_ctx) {
  if (!req.reference && !req.engine_dir.empty()) return make_compiled_engine(req, 0);
  if (!req.reference && req.format) {
    const int ctx = explicit_ctx > 0
                        ? explicit_ctx
                        : static_cast<int>(std::min<int64_t>(ck.cfg.max_seq_len, std::max<int64_t>(needed, 2048)));
    return make_compiled_engine(req, ctx);
  }
  if (!req.reference)
    std::fprintf(stderr,
                 "smolc: note: using the reference engine for %s; give a format (--f32, --bf16, --f16, --q8, --q4, "
                 "--q16) to run a compiled engine\n",
                 ck.name.c_str());
  return make_reference_engine(ck, explicit_ctx > 0 ? explicit_ctx : needed, req.allow_nonfinite);
}

}  // namespace smolc::cli
