// libFuzzer target: the compiled engine's C API under random call sequences.
// The engine (stories260K, f32, scalar target, --ctx 24, name fzcapi) is
// emitted by `smolc compile` and built with the sanitizers by tools/fuzz.sh;
// the oracle is the reference engine on the same checkpoint, kept in step
// with the engine's context. Findings are: a sanitizer report, a crash, a
// logits row that differs from the reference, a call with bad arguments that
// does not return an error or that changes the context, and a text call whose
// result disagrees with itself or with the host tokenizer.
// Built by -DSMOLC_FUZZ=ON -DSMOLC_FUZZ_CAPI_ENGINE=DIR; run with tools/fuzz.sh.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "frontend/checkpoint.h"
#include "frontend/tokenizer_data.h"
#include "reference/reference_engine.h"
#include "text/tokenizer.h"
#include "fzcapi.h"

namespace {

constexpr const char* kModel = SMOLC_SOURCE_DIR "/models/stories260K/stories260K.bin";
constexpr const char* kTok = SMOLC_SOURCE_DIR "/models/stories260K/tok512.bin";
constexpr int kVocab = FZCAPI_VOCAB_SIZE;
constexpr int kCtx = FZCAPI_CTX_MAX;

[[noreturn]] void finding(const char* what, long long a = 0, long long b = 0) {
  std::fprintf(stderr, "fuzz_capi: %s (%lld, %lld)\n", what, a, b);
  std::abort();
}

// Reads the fuzz input one byte at a time; zeros once it runs out.
struct Bytes {
  const uint8_t* p;
  size_t n;
  uint8_t next() { return n ? (--n, *p++) : 0; }
  bool empty() const { return n == 0; }
};

// Mostly valid ids, sometimes the edges and outside [0, vocab).
int32_t token_from(Bytes& in) {
  const uint8_t b = in.next();
  switch (b) {
    case 250: return -1;
    case 251: return kVocab;
    case 252: return INT32_MIN;
    case 253: return INT32_MAX;
    case 254: return kVocab - 1;
    case 255: return 0;
    default: return static_cast<int32_t>((b * 2 + in.next() % 2) % kVocab);
  }
}

bool valid(int32_t t) { return t >= 0 && t < kVocab; }

struct Oracle {
  std::unique_ptr<smolc::Checkpoint> ck;
  std::unique_ptr<smolc::ReferenceEngine> ref;
  std::unique_ptr<smolc::Tokenizer> tok;
  std::vector<int32_t> ctx;               // tokens in the engine's context
  std::vector<std::vector<float>> rows;   // reference logits after ctx[i]

  void reset() {
    ref->reset();
    ctx.clear();
    rows.clear();
  }
  void rewind(int pos) {
    ref->rewind(pos);
    ctx.resize(static_cast<size_t>(pos));
    rows.resize(static_cast<size_t>(pos));
  }
  void append(int32_t t) {
    ctx.push_back(t);
    rows.push_back(ref->decode(t));
  }
};

Oracle* oracle = nullptr;
void* state = nullptr;
void* scratch = nullptr;
size_t scratch_cap = 0;

// Engine logits against the reference row: the f32 scalar engine sums in a
// different order, so equal within NMSE 1e-6 (the engine tests' bound).
void check_row(const float* got, const std::vector<float>& want, const char* what) {
  if (!got) finding(what);
  double num = 0, den = 0;
  for (int i = 0; i < kVocab; ++i) {
    if (!std::isfinite(got[i])) finding("non-finite logit", i);
    const double d = static_cast<double>(got[i]) - want[static_cast<size_t>(i)];
    num += d * d;
    den += static_cast<double>(want[static_cast<size_t>(i)]) * want[static_cast<size_t>(i)];
  }
  if (num > 1e-6 * den) finding(what, static_cast<long long>(oracle->ctx.size()));
}

// After every call: the position and tokens match the shadow context, and
// the latest logits (when the engine still holds them) match the reference.
void check_state() {
  const int pos = fzcapi_position(state);
  if (pos != static_cast<int>(oracle->ctx.size())) finding("position differs", pos, static_cast<long long>(oracle->ctx.size()));
  const int32_t* toks = fzcapi_tokens(state);
  if (pos > 0 && (!toks || std::memcmp(toks, oracle->ctx.data(), oracle->ctx.size() * sizeof(int32_t)) != 0))
    finding("tokens differ from the calls made", pos);
  const float* l = fzcapi_logits(state);
  if (l && pos == 0) finding("logits with an empty context");
  if (l) check_row(l, oracle->rows.back(), "logits differ from the reference");
}

// A refused call must leave the context as it was.
void expect_refused(int rc, const char* what) {
  if (rc >= 0) finding(what, rc);
}

void op_prefill(Bytes& in) {
  const int n = in.next() % 9;
  std::vector<int32_t> t(static_cast<size_t>(n));
  bool ok = true;
  for (int32_t& x : t) ok &= valid(x = token_from(in));
  const bool fits = n <= kCtx - static_cast<int>(oracle->ctx.size());
  const int rc = fzcapi_prefill(state, n ? t.data() : nullptr, n);
  if (!(ok && fits)) return expect_refused(rc, "prefill accepted a bad token or a full context");
  if (rc != 0) finding("prefill refused valid tokens", rc, n);
  for (int32_t x : t) oracle->append(x);
}

void op_decode(Bytes& in) {
  const int32_t t = token_from(in);
  const bool fits = static_cast<int>(oracle->ctx.size()) < kCtx;
  const int rc = fzcapi_decode(state, t);
  if (!(valid(t) && fits)) return expect_refused(rc, "decode accepted a bad token or a full context");
  if (rc != 0) finding("decode refused a valid token", rc, t);
  oracle->append(t);
}

void op_prefill_rows(Bytes& in) {
  const int n = in.next() % (FZCAPI_SPEC_ROWS + 2);
  std::vector<int32_t> t(static_cast<size_t>(n) + 1);
  bool ok = n >= 1;
  for (int i = 0; i < n; ++i) ok &= valid(t[static_cast<size_t>(i)] = token_from(in));
  ok &= n <= FZCAPI_SPEC_ROWS && n <= kCtx - static_cast<int>(oracle->ctx.size());
  const int rc = fzcapi_prefill_rows(state, t.data(), n);
  if (!ok) return expect_refused(rc, "prefill_rows accepted bad arguments");
  if (rc != 0) finding("prefill_rows refused valid tokens", rc, n);
  for (int i = 0; i < n; ++i) oracle->append(t[static_cast<size_t>(i)]);
  const size_t first = oracle->rows.size() - static_cast<size_t>(n);
  for (int i = 0; i < n; ++i) check_row(fzcapi_logits_row(state, i), oracle->rows[first + static_cast<size_t>(i)], "logits_row differs");
  if (fzcapi_logits_row(state, n) || fzcapi_logits_row(state, -1)) finding("logits_row past the step", n);
}

void op_rewind(Bytes& in) {
  const int pos = static_cast<int>(in.next() % (kCtx + 4)) - 2;
  const int rc = fzcapi_rewind(state, pos);
  if (pos < 0 || pos > static_cast<int>(oracle->ctx.size())) return expect_refused(rc, "rewind accepted a bad position");
  if (rc != 0) finding("rewind refused a valid position", rc, pos);
  oracle->rewind(pos);
}

void op_threads(Bytes& in) {
  static const int kCounts[] = {1, 2, 0, -1, FZCAPI_MAX_THREADS + 1, 1000, INT32_MIN};
  const int n = kCounts[in.next() % 7];
  const int rc = fzcapi_set_threads(state, n);
  if ((n < 0 || n > FZCAPI_MAX_THREADS) != (rc < 0)) finding("set_threads result", n, rc);
}

// encode must agree with itself across buffer sizes and with the host
// tokenizer; token_text must give the bytes of every id it returns.
void op_text(Bytes& in) {
  const size_t len = in.next() % 33;
  std::string text;
  for (size_t i = 0; i < len; ++i) text.push_back(static_cast<char>(in.next()));
  const size_t need = fzcapi_encode_scratch_bytes(len);
  if (need > scratch_cap) finding("encode_scratch_bytes grew past its bound", static_cast<long long>(need));
  int32_t out[64];
  const int64_t n = fzcapi_encode(text.data(), len, out, 64, scratch, need);
  if (n < 0) finding("encode refused text with ample buffers", n);
  const std::vector<int32_t> host = oracle->tok->encode(text);
  if (host.size() != static_cast<size_t>(n) || std::memcmp(out, host.data(), static_cast<size_t>(n) * 4) != 0)
    finding("encode differs from the host tokenizer", n, static_cast<long long>(host.size()));
  const size_t cap = in.next() % 40;
  int32_t small[40];
  const int64_t m = fzcapi_encode(text.data(), len, small, cap, scratch, need);
  if ((static_cast<int64_t>(cap) >= n) ? (m != n || std::memcmp(small, out, static_cast<size_t>(n) * 4) != 0) : (m >= 0))
    finding("encode with a small out buffer", m, static_cast<long long>(cap));
  // Less scratch than encode_scratch_bytes (which includes an optional
  // cache): refused, or the same ids without a byte written past the buffer
  // (an exact-size heap block, so ASan sees any overflow).
  const size_t less = need - std::min(need, static_cast<size_t>(in.next()) * (need / 255 + 1));
  std::unique_ptr<unsigned char[]> tight(new unsigned char[less ? less : 1]);
  int32_t again[64];
  const int64_t t = fzcapi_encode(text.data(), len, again, 64, less ? tight.get() : nullptr, less);
  if (t >= 0 && (t != n || std::memcmp(again, out, static_cast<size_t>(n) * 4) != 0))
    finding("encode with less scratch gave other ids", t, static_cast<long long>(less));
  const int32_t prev = token_from(in), id = token_from(in);
  const char* bytes = nullptr;
  const size_t k = fzcapi_token_text(prev, id, &bytes);
  if (!valid(id)) {
    if (k != 0) finding("token_text of a bad id", id, static_cast<long long>(k));
  } else if (valid(prev) && std::string(bytes ? bytes : "", k) != oracle->tok->token_bytes(prev, id)) {
    finding("token_text differs from the host tokenizer", prev, id);
  }
}

// Greedy generation, with or without speculation: every new token is the
// reference's argmax (or within 1e-4 of it, for near-ties).
int count_emit(void* user, const char*, size_t n) {
  *static_cast<size_t*>(user) += n;
  return 0;
}

void op_generate(Bytes& in) {
  const int n_prompt = in.next() % 5;
  std::vector<int32_t> prompt(static_cast<size_t>(n_prompt) + 1);
  bool ok = true;
  for (int i = 0; i < n_prompt; ++i) ok &= valid(prompt[static_cast<size_t>(i)] = token_from(in));
  const int max_tokens = in.next() % 12;
  smolc_speculation spec{static_cast<int32_t>(in.next() % 20) - 2, nullptr};
  const bool speculate = in.next() % 2;
  size_t emitted = 0;
  const size_t before = oracle->ctx.size();
  const int rc = fzcapi_generate_ex(state, prompt.data(), n_prompt, max_tokens, nullptr, count_emit, &emitted,
                                    speculate ? &spec : nullptr);
  if (!ok) return expect_refused(rc, "generate accepted a bad prompt token");
  if (n_prompt > kCtx - static_cast<int>(before)) return expect_refused(rc, "generate accepted a prompt past the context");
  if (rc < 0) finding("generate failed", rc);
  for (int i = 0; i < n_prompt; ++i) oracle->append(prompt[static_cast<size_t>(i)]);
  const int pos = fzcapi_position(state);
  if (pos < static_cast<int>(oracle->ctx.size()) || rc > max_tokens) finding("generate position", pos, rc);
  const int32_t* toks = fzcapi_tokens(state);
  for (int i = static_cast<int>(oracle->ctx.size()); i < pos; ++i) {
    const std::vector<float>& l = oracle->rows.back();
    const int32_t t = toks[i];
    float best = l[0];
    for (float v : l) best = v > best ? v : best;
    if (!valid(t) || l[static_cast<size_t>(t)] < best - 1e-4f) finding("generate picked a non-argmax token", i, t);
    oracle->append(t);
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  oracle = new Oracle;
  oracle->ck = std::make_unique<smolc::Checkpoint>(smolc::load_llama2c(kModel, kTok));
  oracle->ref = std::make_unique<smolc::ReferenceEngine>(oracle->ck->cfg, smolc::RefWeights::from_checkpoint(*oracle->ck), kCtx);
  oracle->tok = std::make_unique<smolc::Tokenizer>(smolc::load_llama2c_tokenizer(kTok, kVocab));
  state = std::aligned_alloc(FZCAPI_STATE_ALIGN, (FZCAPI_STATE_BYTES + FZCAPI_STATE_ALIGN - 1) / FZCAPI_STATE_ALIGN * FZCAPI_STATE_ALIGN);
  scratch_cap = fzcapi_encode_scratch_bytes(32);
  scratch = std::malloc(scratch_cap);
  if (!state || !scratch) std::abort();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Bytes in{data, size};
  if (fzcapi_init(state, FZCAPI_STATE_BYTES) != 0) finding("init");
  // One thread unless the input asks for more (op_threads): a parallel
  // region's hand-off costs more than this tiny model's whole layer.
  if (fzcapi_set_threads(state, 1) != 0) finding("set_threads(1)");
  oracle->reset();
  for (int ops = 0; ops < 64 && !in.empty(); ++ops) {
    switch (in.next() % 9) {
      case 0: op_prefill(in); break;
      case 1: op_decode(in); break;
      case 2: op_prefill_rows(in); break;
      case 3: op_rewind(in); break;
      case 4: fzcapi_reset(state); oracle->reset(); break;
      case 5: op_threads(in); break;
      case 6: op_text(in); break;
      case 7: op_generate(in); break;
      default: if (fzcapi_init(state, FZCAPI_STATE_BYTES - 1) == 0) finding("init accepted a short state"); break;
    }
    check_state();
  }
  return 0;
}
