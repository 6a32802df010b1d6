#include "emit/engine_emitter.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <map>
#include <optional>
#include <stdexcept>

#include "common/escape.h"
#include "common/hex.h"
#include "emit/engine_names.h"
#include "emit/template_engine.h"
#include "emit/tokenizer_tables_emit.h"
#include "frontend/error.h"
#include "runtime/quant/smolc_quant.h"
#include "schedule/kernel_list.h"
#include "speculate/smolc_speculate.h"

namespace smolc {

namespace {

size_t align64(size_t n) { return (n + 63) & ~static_cast<size_t>(63); }

std::string hex_float(float f) {
  char b[64];
  std::snprintf(b, sizeof b, "%af", static_cast<double>(f));
  return b;
}

std::string ident(const std::string& op_name) { return sanitize_c_identifier(op_name); }

// An include's text for a ${NAME} line of its own: without its last newline,
// which the line supplies.
std::string include_text(const std::string& path, const TemplateVars& v) {
  std::string t = render_embedded(path, v);
  if (!t.empty() && t.back() == '\n') t.pop_back();
  return t;
}

std::string without_last_newline(std::string t) {
  if (!t.empty() && t.back() == '\n') t.pop_back();
  return t;
}

// ---- state layout -----------------------------------------------------------

// What one state buffer holds, for its size and its comment.
enum class Elem { F32, F16, I32, A8Block };

size_t elem_bytes(Elem e) {
  switch (e) {
    case Elem::F32: return sizeof(float);
    case Elem::F16: return 2;
    case Elem::I32: return sizeof(int32_t);
    case Elem::A8Block: return sizeof(smolc_block_a8);
  }
  throw std::logic_error("emit: unknown state element");
}

// Byte layout of the caller's state buffer; each entry is emitted as a constant.
struct StateLayout {
  struct Entry {
    std::string name, shape;  // shape: "[dims] what it holds"
    Elem elem;
    size_t offset, bytes;
  };
  std::vector<Entry> entries;
  size_t end = 64;  // the header
  void add(const std::string& name, size_t count, Elem elem, const std::string& shape) {
    const size_t bytes = count * elem_bytes(elem);
    entries.push_back({name, shape, elem, end, bytes});
    end += align64(bytes);
  }
  // The constant's comment: the element type, then the shape (int32 after it).
  static std::string comment(const Entry& e) {
    switch (e.elem) {
      case Elem::F32: return "float " + e.shape;
      case Elem::F16: return "f16 " + e.shape;
      case Elem::I32: return e.shape + " (int32)";
      case Elem::A8Block: return e.shape;  // the shape names the int8 blocks
    }
    throw std::logic_error("emit: unknown state element");
  }
  std::string code() const {
    std::string s =
        "constexpr size_t kHeaderBytes = 64;\nstatic_assert(sizeof(Header) <= kHeaderBytes, \"the header fits\");\n";
    for (const Entry& e : entries)
      s += "constexpr size_t " + e.name + " = " + std::to_string(e.offset) + ";  // " + comment(e) + "\n";
    s += "constexpr size_t kStateBytes = " + std::to_string(end) + ";";
    return s;
  }
};

std::string dims(std::initializer_list<int64_t> d) {
  std::string s;
  for (int64_t v : d) s += (s.empty() ? "[" : ", ") + std::to_string(v);
  return s + "]";
}

// The K of the widest q8/q4 product: its int8 activation blocks share one buffer.
int64_t max_a8_k(const schedule::Schedule& s) {
  int64_t max_k = 0;
  for (const auto& [op_name, spec] : s.matmul)
    if (uses_a8_input(spec.fmt)) max_k = std::max(max_k, spec.K);
  return max_k;
}

StateLayout state_layout(const ModelConfig& c, const schedule::Schedule& s, const EngineOptions& opt, bool any_a8) {
  const int64_t P = s.target.prefill_tokens, D = c.dim, H = c.hidden_dim, Q = c.q_dim(), KV = c.kv_dim();
  const int64_t V = c.vocab_size, L = c.n_layers, half = c.head_dim / 2, ctx = opt.ctx;
  auto n = [](int64_t v) { return static_cast<size_t>(v); };
  const Elem kv = opt.kv_f16 ? Elem::F16 : Elem::F32;
  StateLayout st;
  st.add("kKCache", n(L * ctx * KV), kv,
         "[layers " + std::to_string(L) + ", kv_heads " + std::to_string(c.n_kv_heads) + ", ctx " +
             std::to_string(ctx) + ", head_dim " + std::to_string(c.head_dim) + "] keys after RoPE");
  st.add("kVCache", n(L * ctx * KV), kv, "[layers, kv_heads, ctx, head_dim] values");
  st.add("kX", n(P * D), Elem::F32, dims({P, D}) + " residual stream");
  st.add("kXn", n(P * D), Elem::F32, dims({P, D}) + " normalised residual");
  st.add("kQkv", n(P * (Q + 2 * KV)), Elem::F32, dims({P, Q + 2 * KV}) + " q | k | v");
  st.add("kAtt", n(P * Q), Elem::F32, dims({P, Q}) + " attention output");
  st.add("kProjOut", n(P * D), Elem::F32, dims({P, D}) + " wo / w2 output before the residual add");
  st.add("kGateUp", n(P * 2 * H), Elem::F32, dims({P, 2 * H}) + " gate/up interleaved");
  st.add("kH", n(P * H), Elem::F32, dims({P, H}) + " silu(gate) * up");
  st.add("kScores", n(P * c.n_heads * ctx), Elem::F32,
         "[" + std::to_string(P) + " x " + std::to_string(c.n_heads) + " heads, ctx] attention scores");
  st.add("kRopeCos", n(P * half), Elem::F32, dims({P, half}) + " cos of this step's angles");
  st.add("kRopeSin", n(P * half), Elem::F32, dims({P, half}) + " sin of this step's angles");
  st.add("kLastNorm", n(D), Elem::F32, dims({D}) + " last token, normalised for lm_head");
  st.add("kLogits", n(V), Elem::F32, dims({V}) + " logits of the last token");
  st.add("kTokens", n(ctx), Elem::I32, dims({ctx}) + " tokens in the context");
  // Speculative decoding: one step's logits of every row, and the prompt-lookup n-gram index.
  const int64_t spec_rows = std::min<int64_t>(P, 16), draft_entries = SMOLC_DRAFT_TABLE_ENTRIES(ctx);
  st.add("kLogitsRows", n(spec_rows * V), Elem::F32, dims({spec_rows, V}) + " logits of every row of a verify step");
  st.add("kDraftIndex", n(draft_entries), Elem::I32, dims({draft_entries}) + " n-gram index of the drafter");
  if (any_a8) {
    const int64_t kb = (max_a8_k(s) + 31) / 32;
    st.add("kActQ", n(P * kb), Elem::A8Block,
           "[" + std::to_string(P) + ", " + std::to_string(kb) +
               " blocks] int8 activation blocks of a q8/q4 product's input");
  }
  if (s.bf16_activations) {
    int64_t max_k = 0;
    for (const auto& [op_name, spec] : s.matmul) max_k = std::max(max_k, spec.K);
    st.add("kActB", n(P * max_k), Elem::F32,
           dims({P, max_k}) + " a product's input rounded to bf16 (--bf16-activations)");
  }
  return st;
}

// ---- kernels and projections -------------------------------------------------

// One translation unit per distinct kernel, and the Proj constant of every
// projection naming its kernels.
struct KernelSet {
  std::map<std::string, KernelSource> by_function;
  std::string projections;   // one "const Proj kP_..." line each
  std::string row_function;  // the embedding lookup
  bool any_a8 = false;

  std::string add(KernelSource k) {
    const std::string fn = k.function_name;
    by_function.emplace(fn, std::move(k));
    return fn;
  }
  std::string declarations() const {
    std::string d;
    for (const auto& [fn, k] : by_function) d += (d.empty() ? "" : "\n") + kernel_declaration(k);
    return d;
  }
};

KernelSet emit_kernels(const ir::Graph& g, const schedule::Schedule& s, const WeightOffsets& w,
                       const std::string& prefix) {
  KernelSet ks;
  for (const auto& [op_name, spec] : s.matmul) ks.any_a8 = ks.any_a8 || uses_a8_input(spec.fmt);
  for (const ir::Op& op : g.ops) {
    if (op.kind != ir::OpKind::MatMul && op.kind != ir::OpKind::LmHead) continue;
    const KernelSpec& spec = s.matmul.at(op.name);
    const std::string gemv = ks.add(emit_gemv(spec, prefix));
    const std::string gemm = ks.add(emit_gemm(spec, prefix));  // lm_head's too: speculative verify steps
    // The Proj's kernel slots: float input (gemv, gemm), then int8 activation
    // blocks (gemv, gemm) when the engine has any q8/q4 product.
    const std::string kernels = uses_a8_input(spec.fmt) ? "nullptr, nullptr, " + gemv + ", " + gemm
                                                        : gemv + ", " + gemm + (ks.any_a8 ? ", nullptr, nullptr" : "");
    const TemplateVars v{{"PROJ", "kP_" + ident(op.name)},
                         {"KERNELS", kernels},
                         {"OFFSET", std::to_string(w.at(op.name))},
                         {"M", spec.M},
                         {"K", spec.K},
                         {"TILE_M", int64_t(spec.tile_m)},
                         {"OP", op.name},
                         {"FMT", std::string(format_name(spec.fmt))},
                         {"FOLDED", int64_t(!op.weight.col_gains.empty())},
                         {"BF16_ACT", int64_t(s.bf16_activations)},
                         {"GEMM_ROUNDS_X", int64_t(reads_bf16_x(KernelOp::Gemm, spec))}};
    ks.projections += render_embedded("engine/projection.inc.in", v);
  }
  ks.row_function = ks.add(emit_row_unpack(s.embedding, prefix));
  return ks;
}

// ---- the forward pass ----------------------------------------------------------

struct Forward;

// How one op of the fused graph becomes one line of forward(): the step
// template that writes it (templates/engine/step/), the buffer it leaves its
// value in, and the values only that step reads (and checks).
struct StepLowering {
  ir::OpKind kind;
  std::optional<ir::Epilogue> epilogue;                        // nullopt: any
  bool (*applies)(const ir::Op&);                              // nullptr: always
  const char* step;                                            // templates/engine/step/<step>.inc.in
  const char* output;                                          // "": none (lm_head writes the logits)
  void (*vars)(const Forward&, const ir::Op&, TemplateVars&);  // nullptr: the common ones only
};

struct Forward {
  const ir::Graph& g;
  const schedule::Schedule& s;
  const WeightOffsets& w;
  const std::string& row_function;
  std::map<int, std::string> buffer;  // value id -> the forward pass's buffer holding it

  std::string input(const ir::Op& op, size_t i) const {
    auto it = buffer.find(op.inputs.at(i));
    if (it == buffer.end()) throw std::logic_error("emit: " + op.name + " reads a value no earlier step produced");
    return it->second;
  }
  std::string gain(const std::string& tensor) const {
    return tensor.empty() ? std::string("nullptr")
                          : "reinterpret_cast<const float*>(s.w + " + std::to_string(w.at(tensor)) + ")";
  }
};

void embed_vars(const Forward& f, const ir::Op&, TemplateVars& v) {
  v["ROW_FN"] = f.row_function;
  v["OFFSET"] = std::to_string(f.s.embedding_tied ? f.w.at("lm_head") : f.w.at("embed"));
}
void rms_norm_vars(const Forward& f, const ir::Op& op, TemplateVars& v) {
  v["GAIN"] = f.gain(op.gain);
  v["FOLDED"] = int64_t(op.gain.empty());
}
void residual_vars(const Forward& f, const ir::Op& op, TemplateVars& v) {
  if (f.input(op, 1) != "x")
    throw std::logic_error("emit: " + op.name + " adds into a value other than the residual stream");
  v["WEIGHT"] = op.name.substr(op.name.rfind('.') + 1);
}
void swiglu_vars(const Forward& f, const ir::Op& op, TemplateVars&) {
  if (op.weight.interleave_block != f.s.target.gate_up_block)
    throw std::logic_error("emit: " + op.name + " is interleaved by a block the engine does not use");
}
void lm_head_vars(const Forward& f, const ir::Op& op, TemplateVars& v) { v["GAIN"] = f.gain(op.gain); }

using ir::Epilogue;
using ir::OpKind;
const StepLowering kSteps[] = {
    {OpKind::Embedding, std::nullopt, nullptr, "embed", "x", embed_vars},
    {OpKind::RmsNorm, std::nullopt, nullptr, "rms_norm", "xn", rms_norm_vars},
    {OpKind::MatMul, Epilogue::RopeKvWrite, nullptr, "qkv_rope_kv", "qkv", nullptr},
    {OpKind::Attention, std::nullopt, [](const ir::Op& op) { return op.inputs.size() == 1; }, "attention", "att",
     nullptr},
    {OpKind::MatMul, Epilogue::ResidualAdd, nullptr, "residual_proj", "x", residual_vars},
    {OpKind::MatMul, Epilogue::SwiGLU, nullptr, "swiglu_proj", "h", swiglu_vars},
    {OpKind::LmHead, std::nullopt, [](const ir::Op& op) { return op.normalize; }, "lm_head", "", lm_head_vars},
};

const StepLowering& lowering_of(const ir::Op& op) {
  for (const StepLowering& l : kSteps)
    if (l.kind == op.kind && (!l.epilogue || *l.epilogue == op.epilogue) && (!l.applies || l.applies(op))) return l;
  throw std::logic_error(std::string("emit: no lowering for ") + ir::op_kind_name(op.kind) + " op " + op.name +
                         " (epilogue " + ir::epilogue_name(op.epilogue) + "); run passes::run_all first");
}

// forward(): templates/engine/forward.inc.in around one step line per op.
// `model` holds the model constants the step templates print.
std::string forward_pass(const ir::Graph& g, const schedule::Schedule& s, const WeightOffsets& w,
                         const std::string& row_function, TemplateVars model) {
  Forward f{g, s, w, row_function, {}};
  model["TIED"] = int64_t(s.embedding_tied);
  std::string steps;
  int layer = -2;
  for (const ir::Op& op : g.ops) {
    TemplateVars v = model;
    v["LAYER"] = int64_t(op.layer);
    if (op.layer != layer && op.layer >= 0) steps += render_embedded("engine/step/layer.inc.in", v);
    if (op.layer < 0 && layer >= 0) steps += "\n";
    layer = op.layer;
    const StepLowering& l = lowering_of(op);
    v["OP"] = op.name;
    v["PROJ"] = "kP_" + ident(op.name);
    if (op.kind != OpKind::Embedding) v["IN"] = f.input(op, 0);
    if (l.vars) l.vars(f, op, v);
    steps += render_embedded(std::string("engine/step/") + l.step + ".inc.in", v);
    if (*l.output) f.buffer[op.output] = l.output;
  }
  model["STEPS"] = without_last_newline(steps);
  return include_text("engine/forward.inc.in", model);
}

// ---- the engine's template variables ---------------------------------------------

// The model's shape as the engine and the step templates print it.
TemplateVars model_vars(const ModelConfig& c) {
  return {{"VOCAB", c.vocab_size},
          {"DIM", c.dim},
          {"HIDDEN", c.hidden_dim},
          {"LAYERS", c.n_layers},
          {"HEADS", c.n_heads},
          {"KV_HEADS", c.n_kv_heads},
          {"HEAD_DIM", c.head_dim},
          {"BOS", c.bos_id},
          {"EOS", c.eos_id},
          {"Q_DIM", c.q_dim()},
          {"QKV_DIM", c.q_dim() + 2 * c.kv_dim()}};
}

std::string inv_freq(const ModelConfig& c) {
  std::string s;
  for (int64_t i = 0; i < c.head_dim / 2; ++i) {
    const float f =
        1.0f / std::pow(static_cast<float>(c.rope_theta), static_cast<float>(2 * i) / static_cast<float>(c.head_dim));
    s += (i ? ", " : "") + hex_float(f);
  }
  return s;
}

std::string upper(std::string s) {
  for (char& ch : s) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  return s;
}

void set_option_vars(TemplateVars& v, const schedule::Schedule& s, const EngineOptions& opt, const EngineModel& m) {
  v["NAME"] = opt.name;
  v["UNAME"] = upper(opt.name);
  v["MODEL"] = comment_safe(m.name);
  v["FORMAT"] = comment_safe(opt.format_text.empty() ? std::string(format_name(s.format)) : opt.format_text);
  v["TARGET"] = s.target.name;
  v["VERSION"] = std::string(SMOLC_VERSION);
  v["COMMAND"] = comment_safe(opt.command);
  v["CTX"] = static_cast<int64_t>(opt.ctx);
  v["EXTERNAL"] = static_cast<int64_t>(opt.external_weights);
  v["THREADS"] = static_cast<int64_t>(opt.threads);
  v["THREADS_TEXT"] =
      opt.threads > 0 ? std::to_string(opt.threads) + " threads" : std::string("one thread per online CPU");
  v["KV_F16"] = static_cast<int64_t>(opt.kv_f16);
  v["MAGIC"] = "0x" + hex64(weights_hash(reinterpret_cast<const uint8_t*>(opt.name.data()), opt.name.size()) | 1);
}

void set_schedule_vars(TemplateVars& v, const ModelConfig& c, const schedule::Schedule& s) {
  char eps[64];
  std::snprintf(eps, sizeof eps, "%.17g", c.rms_eps);
  const int64_t P = s.target.prefill_tokens;
  v["PREFILL"] = P;
  v["SPEC_ROWS"] = std::min<int64_t>(P, 16);
  v["QKV_GRAIN"] = static_cast<int64_t>(s.qkv_grain_heads);
  v["SWIGLU_GRAIN"] = static_cast<int64_t>(s.swiglu_grain_blocks);
  v["GATE_UP_BLOCK"] = static_cast<int64_t>(s.target.gate_up_block);
  v["RMS_EPS"] = std::string(eps);
  v["ATTN_SCALE"] = hex_float(static_cast<float>(1.0 / std::sqrt(static_cast<double>(c.head_dim))));
  v["INV_FREQ"] = inv_freq(c);
}

// The tokenizer's C++ (its TokTables), its .S and the tables' bytes.
void add_tokenizer(const EngineModel& m, const EngineOptions& opt, bool wasm, EngineSources& out) {
  const TemplateVars header{{"NAME", opt.name},
                            {"MODEL", comment_safe(m.name)},
                            {"SOURCE", comment_safe(m.tokenizer->source)},
                            {"VERSION", std::string(SMOLC_VERSION)},
                            {"COMMAND", comment_safe(opt.command)}};
  const std::string blob = opt.name + ".tokenizer.bin";
  TokenizerTableFiles t = emit_tokenizer_tables(*m.tokenizer, opt.name, blob, wasm, header);
  TemplateVars v = header;
  v["TABLES"] = without_last_newline(t.cpp);
  out.sources.push_back({opt.name + "-tokenizer.cpp", render_embedded("engine/tokenizer.cpp.in", v), {}});
  out.sources.push_back({opt.name + "_tokenizer.S", std::move(t.asm_), {}});
  out.data.push_back({blob, std::move(t.blob)});
}

}  // namespace

void set_attention_includes(TemplateVars& v, Isa isa) {
  // The attention's q.k: per-ISA code lives in templates, never in the
  // generic engine; the ISA's row of the target table names the flavour.
  const std::string flavour = target::isa_desc(isa).engine_flavour;
  v["X86"] = static_cast<int64_t>(flavour == "x86");
  v["DOT_HEAD"] = render_embedded("engine/dot-head-" + flavour + ".inc.in", v);
  v["EXP"] = include_text("engine/exp.inc.in", v);
  // The elementwise loops (softmax exp, SwiGLU, RoPE, RMS scaling, residual
  // add): explicit vectors on x86, where g++ -O2 left the portable loops scalar.
  v.emplace("BF16_ACT", int64_t(0));  // callers without the option (the tune probe): no round_bf16
  v["ELEMENTWISE"] = render_embedded("engine/elementwise-" + flavour + ".inc.in", v);
}

std::string render_attention(TemplateVars v, int rows, int tokens, int decode_rows) {
  v["ATTN_ROWS"] = static_cast<int64_t>(rows);
  v["ATTN_TOKENS"] = static_cast<int64_t>(tokens);
  v["ATTN_DECODE_ROWS"] = static_cast<int64_t>(decode_rows);
  return include_text("engine/attention.inc.in", v);
}

void check_engine_options(const ModelConfig& c, const EngineOptions& opt) {
  validate_engine_name(opt.name);
  if (opt.ctx < 1 || opt.ctx > c.max_seq_len)
    throw InputError("--ctx", std::to_string(opt.ctx),
                     "is out of range, expected 1.." + std::to_string(c.max_seq_len) + " (the model's max_seq_len)");
}

EngineSources emit_engine(const ir::Graph& g, const schedule::Schedule& s, const WeightOffsets& w, const EngineModel& m,
                          const EngineOptions& opt) {
  const ModelConfig& c = g.cfg;
  check_engine_options(c, opt);
  EngineSources out;
  out.name = opt.name;
  KernelSet kernels = emit_kernels(g, s, w, opt.name + "_");
  const StateLayout st = state_layout(c, s, opt, kernels.any_a8);
  out.state_bytes = st.end;

  TemplateVars v = model_vars(c);
  const std::string forward = forward_pass(g, s, w, kernels.row_function, v);
  set_option_vars(v, s, opt, m);
  set_schedule_vars(v, c, s);
  const bool text = m.tokenizer && m.tokenizer->kind != TokenizerData::Kind::None;
  v["TOKENIZER"] = static_cast<int64_t>(text);
  v["A8"] = static_cast<int64_t>(kernels.any_a8);
  v["BF16_ACT"] = static_cast<int64_t>(s.bf16_activations);
  v["KERNEL_DECLS"] = kernels.declarations();
  v["STATE_BYTES"] = static_cast<int64_t>(out.state_bytes);
  v["STATE_LAYOUT"] = st.code();
  v["DRAFT_ENTRIES"] = static_cast<int64_t>(SMOLC_DRAFT_TABLE_ENTRIES(opt.ctx));
  v["WEIGHTS_BYTES"] = static_cast<int64_t>(w.bytes);
  v["WEIGHTS_HASH"] = "0x" + hex64(w.hash);
  v["PROJECTIONS"] = kernels.projections;
  v["FORWARD"] = forward;
  set_attention_includes(v, s.target.isa);
  v["ATTENTION"] = render_attention(v, s.attn_rows, s.attn_tokens, s.attn_decode_rows);

  out.header = {opt.name + ".h", render_embedded("engine/engine.h.in", v), {}};
  out.sources.push_back({opt.name + "-engine-" + s.target.name + ".cpp", render_embedded("engine/engine.cpp.in", v),
                         s.target.cxx_flags()});
  for (auto& [fn, k] : kernels.by_function) out.sources.push_back({k.file_name, std::move(k.code), k.cxx_flags});
  if (text) add_tokenizer(m, opt, s.target.wasm(), out);
  out.code_files = out.sources.size();
  if (!opt.external_weights) {
    v["WEIGHTS_BIN"] = c_string(opt.name + ".weights.bin");
    out.sources.push_back({opt.name + "_weights.S", render_embedded("engine/weights.S.in", v), {}});
  }
  return out;
}

}  // namespace smolc
