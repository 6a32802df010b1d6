#include "emit/engine_emitter.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <map>
#include <optional>
#include <stdexcept>

#include "common/escape.h"
#include "common/hex.h"
#include "emit/engine_names.h"
#include "emit/template_engine.h"
#include "quant/materialize_quant.h"
#include "schedule/kernel_list.h"
#include "speculate/smolc_speculate.h"
#include "text/tokenizer_tables_emit.h"
#include "frontend/error.h"
#include "frontend/storable.h"

namespace smolc {

namespace {

size_t align64(size_t n) { return (n + 63) & ~static_cast<size_t>(63); }

// The bound on an unquantised packed weight's values.
StoredAs stored_as(WFormat f) {
  return f == WFormat::BF16 ? StoredAs::BF16 : f == WFormat::F16 ? StoredAs::F16 : StoredAs::F32;
}

std::string hex_float(float f) {
  char b[64];
  std::snprintf(b, sizeof b, "%af", static_cast<double>(f));
  return b;
}

std::string ident(const std::string& op_name) { return sanitize_c_identifier(op_name); }

// Byte layout of the caller's state buffer; each entry is emitted as a constant.
struct StateLayout {
  struct Entry {
    std::string name, comment;
    size_t offset, bytes;
  };
  std::vector<Entry> entries;
  size_t end = 64;  // the header
  void add(const std::string& name, size_t floats, const std::string& comment, size_t elem_bytes = sizeof(float)) {
    entries.push_back({name, comment, end, floats * elem_bytes});
    end += align64(floats * elem_bytes);
  }
  std::string code() const {
    std::string s = "constexpr size_t kHeaderBytes = 64;\nstatic_assert(sizeof(Header) <= kHeaderBytes, \"the header fits\");\n";
    for (const Entry& e : entries)
      s += "constexpr size_t " + e.name + " = " + std::to_string(e.offset) + ";  // " +
           (e.comment.rfind("(int32)", 0) == 0   ? e.comment.substr(8) + " (int32)"
            : e.comment.rfind("(f16)", 0) == 0 ? "f16 " + e.comment.substr(6)
            : e.comment.rfind("(bytes)", 0) == 0 ? e.comment.substr(8)
                                               : "float " + e.comment) + "\n";
    s += "constexpr size_t kStateBytes = " + std::to_string(end) + ";";
    return s;
  }
};

struct WeightsBuilder {
  std::vector<uint8_t> blob;
  size_t add(size_t bytes) {
    const size_t off = align64(blob.size());
    blob.resize(off + bytes, 0);
    return off;
  }
};

}  // namespace

namespace {

// An include's text for a ${NAME} line of its own: without its last newline,
// which the line supplies.
std::string include_text(const std::string& path, const TemplateVars& v) {
  std::string t = render_embedded(path, v);
  if (!t.empty() && t.back() == '\n') t.pop_back();
  return t;
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
  v["ELEMENTWISE"] = render_embedded("engine/elementwise-" + flavour + ".inc.in", v);
}

std::string render_attention(TemplateVars v, int rows, int tokens) {
  v["ATTN_ROWS"] = static_cast<int64_t>(rows);
  v["ATTN_TOKENS"] = static_cast<int64_t>(tokens);
  return include_text("engine/attention.inc.in", v);
}

EngineSources emit_engine(const Checkpoint& ck, const ir::Graph& g, const schedule::Schedule& s,
                          const EngineOptions& opt, const ProgressFn& progress) {
  validate_engine_name(opt.name);
  const ModelConfig& c = g.cfg;
  if (opt.ctx < 1 || opt.ctx > c.max_seq_len)
    throw InputError("--ctx", std::to_string(opt.ctx),
                     "is out of range, expected 1.." + std::to_string(c.max_seq_len) + " (the model's max_seq_len)");
  const std::string prefix = opt.name + "_";
  const int P = s.target.prefill_tokens;
  EngineSources out;
  out.name = opt.name;

  // ---- weights: every projection packed as its kernel streams it -------
  size_t total_weight_bytes = 0;
  for (const auto& [op_name, spec] : s.matmul) total_weight_bytes += packed_weight_bytes(spec);
  WeightsBuilder wb;
  std::map<std::string, size_t> offset;  // by op name; "embed" for an untied embedding, gain tensors by name
  size_t packed = 0;
  quant::QuantOptions qopt;
  qopt.allow_nonfinite = opt.allow_nonfinite;
  // The self-calibration (docs/quant-formats.md, "Importance"), run once when
  // the first q8/q4 weight is quantised rather than copied from a GGUF file.
  std::optional<quant::Calibration> calibration;
  auto calibration_for = [&](const KernelSpec& spec, const ir::WeightRecipe& recipe) -> const quant::Calibration* {
    const quant::QFormat f = block_format(spec.fmt);
    if (!s.calibrate || (f != quant::QFormat::Q8 && f != quant::QFormat::Q4) ||
        quant::reuses_gguf_blocks(ck, recipe, f))
      return nullptr;
    if (!calibration) calibration = quant::calibrate_checkpoint(ck, opt.calibration_progress);
    return &*calibration;
  };
  auto pack = [&](const std::string& key, const KernelSpec& spec, const ir::WeightRecipe& recipe, int op_index) {
    const size_t off = wb.add(packed_weight_bytes(spec));
    if (is_quantized(spec.fmt)) {
      // Quantised from the checkpoint's weights (the scale search weighs each
      // column by the self-calibration's activation statistics, or with
      // --no-calibrate by the run-time norm gain it meets, as quant_eval
      // does), or GGUF blocks of the same format reused as they are.
      const quant::QuantMatrix q = quant::materialize_quant(ck, recipe, block_format(spec.fmt),
                                                            quant::options_for_op(ck, g, op_index, qopt,
                                                                                  calibration_for(spec, recipe)));
      pack_quant_weights(spec, q, wb.blob.data() + off);
    } else {
      std::vector<float> W = ir::materialize(ck, recipe);
      if (!opt.allow_nonfinite) quant::check_recipe_storable(ck, recipe, W, stored_as(spec.fmt));
      pack_weights(spec, W.data(), wb.blob.data() + off);
    }
    offset[key] = off;
    packed += packed_weight_bytes(spec);
    if (progress) progress(packed, total_weight_bytes);
  };
  auto add_gain = [&](const std::string& tensor) {
    if (offset.count(tensor)) return;
    std::vector<float> gain = ck.load_f32(tensor);
    if (static_cast<int64_t>(gain.size()) != c.dim) throw InputError(ck.path, tensor, "expected " + std::to_string(c.dim) + " values");
    if (!opt.allow_nonfinite) check_storable(ck.get(tensor).file, tensor, gain.data(), gain.size(), 0, StoredAs::F32);
    const size_t off = wb.add(gain.size() * sizeof(float));
    std::memcpy(wb.blob.data() + off, gain.data(), gain.size() * sizeof(float));
    offset[tensor] = off;
  };
  for (size_t i = 0; i < g.ops.size(); ++i) {
    const ir::Op& op = g.ops[i];
    const int idx = static_cast<int>(i);
    if (op.kind == ir::OpKind::MatMul || op.kind == ir::OpKind::LmHead) pack(op.name, s.matmul.at(op.name), op.weight, idx);
    if (op.kind == ir::OpKind::Embedding && !s.embedding_tied) pack("embed", s.embedding, op.weight, idx);
    if (!op.gain.empty()) add_gain(op.gain);
  }
  if (wb.blob.empty()) wb.add(64);

  // ---- kernels: one translation unit per distinct spec and op -------------
  std::map<std::string, KernelSource> kernels;  // by function name
  auto kernel = [&](KernelSource k) {
    const std::string fn = k.function_name;
    kernels.emplace(fn, std::move(k));
    return fn;
  };
  bool any_a8 = false;
  for (const auto& [op_name, spec] : s.matmul) any_a8 = any_a8 || uses_a8_input(spec.fmt);
  std::map<std::string, bool> a8_kernel;  // function name -> reads int8 activation blocks
  std::string projections;
  for (const ir::Op& op : g.ops) {
    if (op.kind != ir::OpKind::MatMul && op.kind != ir::OpKind::LmHead) continue;
    const KernelSpec& spec = s.matmul.at(op.name);
    const bool a8 = uses_a8_input(spec.fmt);
    const std::string gemv = kernel(emit_gemv(spec, prefix));
    const std::string gemm = kernel(emit_gemm(spec, prefix));  // lm_head's too: speculative verify steps
    a8_kernel[gemv] = a8;
    if (gemm != "nullptr") a8_kernel[gemm] = a8;
    std::string fns = a8 ? "nullptr, nullptr, " + gemv + ", " + gemm : gemv + ", " + gemm + (any_a8 ? ", nullptr, nullptr" : "");
    projections += "const Proj kP_" + ident(op.name) + " = {" + fns + ", " +
                   std::to_string(offset.at(op.name)) + ", " + std::to_string(spec.M) + ", " + std::to_string(spec.K) +
                   ", " + std::to_string(spec.tile_m) +
                   (s.bf16_activations ? std::string(", ") + (reads_bf16_x(KernelOp::Gemm, spec) ? "true" : "false") : "") +
                   "};  // " + op.name + " [" + std::to_string(spec.M) + " x " +
                   std::to_string(spec.K) + "] " + wformat_name(spec.fmt) +
                   (op.weight.col_gains.empty() ? "" : ", norm gain folded in") + "\n";
  }
  const std::string row_fn = kernel(emit_row_unpack(s.embedding, prefix));
  std::string kernel_decls;
  for (const auto& [fn, k] : kernels) {
    const std::string x = a8_kernel.count(fn) && a8_kernel.at(fn) ? "const void* xa" : "const float* x";
    if (k.file_name.find("gemv") != std::string::npos)
      kernel_decls += "void " + fn + "(const void* w, " + x + ", float* y, int row_begin, int row_end);\n";
    else if (k.file_name.find("gemm") != std::string::npos)
      kernel_decls += "void " + fn + "(const void* w, " + x + ", int n, float* y, int ldy, int row_begin, int row_end);\n";
    else
      kernel_decls += "void " + fn + "(const void* w, int row, float* out);\n";
  }
  if (!kernel_decls.empty()) kernel_decls.pop_back();

  // ---- state layout -------------------------------------------------------
  const int64_t D = c.dim, H = c.hidden_dim, Q = c.q_dim(), KV = c.kv_dim(), V = c.vocab_size;
  const int64_t QKV = Q + 2 * KV, L = c.n_layers, half = c.head_dim / 2;
  const std::string Ps = std::to_string(P), Ds = std::to_string(D);
  StateLayout st;
  auto sz = [](int64_t v) { return static_cast<size_t>(v); };
  const size_t kv_bytes = opt.kv_f16 ? 2 : 4;
  const std::string kv_type = opt.kv_f16 ? "(f16) " : "";
  st.add("kKCache", sz(L * opt.ctx * KV), kv_type + "[layers " + std::to_string(L) + ", kv_heads " + std::to_string(c.n_kv_heads) + ", ctx " + std::to_string(opt.ctx) + ", head_dim " + std::to_string(c.head_dim) + "] keys after RoPE", kv_bytes);
  st.add("kVCache", sz(L * opt.ctx * KV), kv_type + "[layers, kv_heads, ctx, head_dim] values", kv_bytes);
  st.add("kX", sz(P * D), "[" + Ps + ", " + Ds + "] residual stream");
  st.add("kXn", sz(P * D), "[" + Ps + ", " + Ds + "] normalised residual");
  st.add("kQkv", sz(P * QKV), "[" + Ps + ", " + std::to_string(QKV) + "] q | k | v");
  st.add("kAtt", sz(P * Q), "[" + Ps + ", " + std::to_string(Q) + "] attention output");
  st.add("kProjOut", sz(P * D), "[" + Ps + ", " + Ds + "] wo / w2 output before the residual add");
  st.add("kGateUp", sz(P * 2 * H), "[" + Ps + ", " + std::to_string(2 * H) + "] gate/up interleaved");
  st.add("kH", sz(P * H), "[" + Ps + ", " + std::to_string(H) + "] silu(gate) * up");
  st.add("kScores", sz(P * c.n_heads * opt.ctx), "[" + Ps + " x " + std::to_string(c.n_heads) + " heads, ctx] attention scores");
  st.add("kRopeCos", sz(P * half), "[" + Ps + ", " + std::to_string(half) + "] cos of this step's angles");
  st.add("kRopeSin", sz(P * half), "[" + Ps + ", " + std::to_string(half) + "] sin of this step's angles");
  st.add("kLastNorm", sz(D), "[" + Ds + "] last token, normalised for lm_head");
  st.add("kLogits", sz(V), "[" + std::to_string(V) + "] logits of the last token");
  st.add("kTokens", sz(opt.ctx), "(int32) [" + std::to_string(opt.ctx) + "] tokens in the context");
  // Speculative decoding: one step's logits of every row, and the prompt-lookup n-gram index.
  const int64_t spec_rows = std::min<int64_t>(P, 16);
  const int64_t draft_entries = SMOLC_DRAFT_TABLE_ENTRIES(opt.ctx);
  st.add("kLogitsRows", sz(spec_rows * V), "[" + std::to_string(spec_rows) + ", " + std::to_string(V) + "] logits of every row of a verify step");
  st.add("kDraftIndex", sz(draft_entries), "(int32) [" + std::to_string(draft_entries) + "] n-gram index of the drafter");
  if (any_a8) {
    int64_t max_k = 0;
    for (const auto& [op_name, spec] : s.matmul)
      if (uses_a8_input(spec.fmt)) max_k = std::max(max_k, spec.K);
    const int64_t kb = (max_k + 31) / 32;
    st.add("kActQ", sz(P * kb), "(bytes) [" + Ps + ", " + std::to_string(kb) + " blocks] int8 activation blocks of a q8/q4 product's input",
           sizeof(smolc_block_a8));
  }
  if (s.bf16_activations) {
    int64_t max_k = 0;
    for (const auto& [op_name, spec] : s.matmul) max_k = std::max(max_k, spec.K);
    st.add("kActB", sz(P * max_k), "[" + Ps + ", " + std::to_string(max_k) + "] a product's input rounded to bf16 (--bf16-activations)");
  }
  out.state_bytes = st.end;

  // ---- the forward pass, one line per step of the model ---------------
  std::map<int, std::string> buffer;  // value id -> local buffer name
  std::string fwd;
  fwd += "// One forward step: tokens [s.n] at positions [s.pos, s.pos + s.n); logits of the last one if asked.\n";
  fwd += "void forward(const Step& s, const int32_t* tokens, bool want_logits) {\n";
  fwd += "  float* x = buf(s, kX);        // [n, " + Ds + "] residual stream\n";
  fwd += "  float* xn = buf(s, kXn);      // [n, " + Ds + "] x / rms(x)\n";
  fwd += "  float* qkv = buf(s, kQkv);    // [n, " + std::to_string(QKV) + "] q | k | v\n";
  fwd += "  float* att = buf(s, kAtt);    // [n, " + std::to_string(Q) + "] attention output\n";
  fwd += "  float* h = buf(s, kH);        // [n, " + std::to_string(H) + "] silu(gate) * up\n";
  fwd += "  rope_angles(s);\n";
  auto in = [&](const ir::Op& op, size_t i) {
    auto it = buffer.find(op.inputs.at(i));
    if (it == buffer.end()) throw std::logic_error("emit: " + op.name + " reads a value no earlier step produced");
    return it->second;
  };
  auto gain_ptr = [&](const std::string& tensor) {
    return tensor.empty() ? std::string("nullptr")
                          : "reinterpret_cast<const float*>(s.w + " + std::to_string(offset.at(tensor)) + ")";
  };
  int layer = -2;
  for (const ir::Op& op : g.ops) {
    if (op.layer != layer && op.layer >= 0) fwd += "\n  // ---- layer " + std::to_string(op.layer) + "\n";
    if (op.layer < 0 && layer >= 0) fwd += "\n";
    layer = op.layer;
    const std::string L_s = std::to_string(op.layer);
    if (op.kind == ir::OpKind::Embedding) {
      const size_t off = s.embedding_tied ? offset.at("lm_head") : offset.at("embed");
      fwd += "  embed(s, " + row_fn + ", " + std::to_string(off) + ", tokens, x);  // x = embed[tokens]" +
             (s.embedding_tied ? " (rows of the tied lm_head)" : "") + "  [n, " + Ds + "]\n";
      buffer[op.output] = "x";
    } else if (op.kind == ir::OpKind::RmsNorm) {
      fwd += "  rms_norm(" + in(op, 0) + ", xn, s.n, " + gain_ptr(op.gain) + ");  // " + op.name +
             ": xn = x / rms(x)" + (op.gain.empty() ? " (gain folded into the next projection)" : " * gain") +
             "  [n, " + Ds + "]\n";
      buffer[op.output] = "xn";
    } else if (op.kind == ir::OpKind::MatMul && op.epilogue == ir::Epilogue::RopeKvWrite) {
      fwd += "  qkv_rope_kv(s, kP_" + ident(op.name) + ", " + L_s + ", " + in(op, 0) +
             ", qkv);  // qkv = xn . Wqkv^T; RoPE(q, k); k, v -> cache  [n, " + std::to_string(QKV) + "]\n";
      buffer[op.output] = "qkv";
    } else if (op.kind == ir::OpKind::Attention && op.inputs.size() == 1) {
      fwd += "  attention(s, " + L_s + ", " + in(op, 0) + ", att);  // att = softmax(q k^T / sqrt(" +
             std::to_string(c.head_dim) + ")) v; " + std::to_string(c.n_heads) + " heads over " +
             std::to_string(c.n_kv_heads) + " KV heads  [n, " + std::to_string(Q) + "]\n";
      buffer[op.output] = "att";
    } else if (op.kind == ir::OpKind::MatMul && op.epilogue == ir::Epilogue::ResidualAdd) {
      const std::string resid = in(op, 1);
      if (resid != "x") throw std::logic_error("emit: " + op.name + " adds into a value other than the residual stream");
      const std::string w = op.name.substr(op.name.rfind('.') + 1);
      fwd += "  residual_proj(s, kP_" + ident(op.name) + ", " + in(op, 0) + ", x);  // x += " + in(op, 0) + " . " +
             w + "^T  [n, " + Ds + "]\n";
      buffer[op.output] = "x";
    } else if (op.kind == ir::OpKind::MatMul && op.epilogue == ir::Epilogue::SwiGLU) {
      if (op.weight.interleave_block != s.target.gate_up_block)
        throw std::logic_error("emit: " + op.name + " is interleaved by a block the engine does not use");
      fwd += "  swiglu_proj(s, kP_" + ident(op.name) + ", " + in(op, 0) +
             ", h);  // h = silu(xn . W1^T) * (xn . W3^T)  [n, " + std::to_string(H) + "]\n";
      buffer[op.output] = "h";
    } else if (op.kind == ir::OpKind::LmHead && op.normalize) {
      fwd += "  if (want_logits) lm_head(s, kP_" + ident(op.name) + ", " + in(op, 0) + ", " + gain_ptr(op.gain) +
             ");  // logits = final_norm(x[n-1]) . " + (s.embedding_tied ? "embed" : "lm_head") + "^T  [" +
             std::to_string(V) + "]\n";
    } else {
      throw std::logic_error(std::string("emit: no lowering for ") + ir::op_kind_name(op.kind) + " op " + op.name +
                             " (epilogue " + ir::epilogue_name(op.epilogue) + "); run passes::run_all first");
    }
  }
  fwd += "}";

  // ---- template variables --------------------------------------------------
  std::string uname = opt.name;
  for (char& ch : uname) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  std::string inv_freq;
  for (int64_t i = 0; i < half; ++i) {
    const float f = 1.0f / std::pow(static_cast<float>(c.rope_theta), static_cast<float>(2 * i) / static_cast<float>(c.head_dim));
    inv_freq += (i ? ", " : "") + hex_float(f);
  }
  out.weights = std::move(wb.blob);
  out.weights_hash = weights_hash(out.weights.data(), out.weights.size());
  char eps[64];
  std::snprintf(eps, sizeof eps, "%.17g", c.rms_eps);
  TemplateVars v;
  v["NAME"] = opt.name;
  v["UNAME"] = uname;
  v["MODEL"] = comment_safe(ck.name);
  v["FORMAT"] = comment_safe(opt.format_text.empty() ? std::string(wformat_name(s.format)) : opt.format_text);
  v["A8"] = static_cast<int64_t>(any_a8);
  v["BF16_ACT"] = static_cast<int64_t>(s.bf16_activations);
  v["TARGET"] = s.target.name;
  v["VERSION"] = std::string(SMOLC_VERSION);
  v["COMMAND"] = comment_safe(opt.command);
  v["VOCAB"] = V;
  v["CTX"] = static_cast<int64_t>(opt.ctx);
  v["STATE_BYTES"] = static_cast<int64_t>(out.state_bytes);
  v["WEIGHTS_BYTES"] = static_cast<int64_t>(out.weights.size());
  v["EXTERNAL"] = static_cast<int64_t>(opt.external_weights);
  v["DIM"] = D;
  v["HIDDEN"] = H;
  v["LAYERS"] = L;
  v["HEADS"] = c.n_heads;
  v["KV_HEADS"] = c.n_kv_heads;
  v["HEAD_DIM"] = c.head_dim;
  v["BOS"] = c.bos_id;
  v["EOS"] = c.eos_id;
  v["THREADS"] = static_cast<int64_t>(opt.threads);
  v["THREADS_TEXT"] = opt.threads > 0 ? std::to_string(opt.threads) + " threads" : std::string("one thread per online CPU");
  v["KERNEL_DECLS"] = kernel_decls;
  v["PREFILL"] = static_cast<int64_t>(P);
  v["SPEC_ROWS"] = spec_rows;
  v["DRAFT_ENTRIES"] = draft_entries;
  v["QKV_GRAIN"] = static_cast<int64_t>(s.qkv_grain_heads);
  v["SWIGLU_GRAIN"] = static_cast<int64_t>(s.swiglu_grain_blocks);
  v["GATE_UP_BLOCK"] = static_cast<int64_t>(s.target.gate_up_block);
  v["RMS_EPS"] = std::string(eps);
  v["ATTN_SCALE"] = hex_float(static_cast<float>(1.0 / std::sqrt(static_cast<double>(c.head_dim))));
  v["MAGIC"] = "0x" + hex64(weights_hash(reinterpret_cast<const uint8_t*>(opt.name.data()), opt.name.size()) | 1);
  v["WEIGHTS_HASH"] = "0x" + hex64(out.weights_hash);
  v["INV_FREQ"] = inv_freq;
  v["STATE_LAYOUT"] = st.code();
  v["PROJECTIONS"] = projections;
  v["FORWARD"] = fwd;
  const bool text = ck.tokenizer.kind != TokenizerData::Kind::None;
  v["TOKENIZER"] = static_cast<int64_t>(text);
  v["KV_F16"] = static_cast<int64_t>(opt.kv_f16);
  set_attention_includes(v, s.target.isa);
  v["ATTENTION"] = render_attention(v, s.attn_rows, s.attn_tokens);

  out.header = {opt.name + ".h", render_embedded("engine/engine.h.in", v), {}};
  out.sources.push_back({opt.name + "-engine-" + s.target.name + ".cpp", render_embedded("engine/engine.cpp.in", v),
                         s.target.cxx_flags()});
  for (auto& [fn, k] : kernels) out.sources.push_back({k.file_name, std::move(k.code), k.cxx_flags});
  if (text) {
    const std::string comment = "// " + opt.name + ": tokenizer tables of " + comment_safe(ck.name) + " (" +
                                comment_safe(ck.tokenizer.source) + ").\n// Generated by smolc " + SMOLC_VERSION +
                                "; do not edit.\n// Command: " + comment_safe(opt.command) + "\n";
    out.sources.push_back({opt.name + "-tokenizer.cpp", comment + emit_tokenizer_tables_cpp(ck.tokenizer, opt.name), {}});
  }
  out.code_files = out.sources.size();
  if (!opt.external_weights) {
    v["WEIGHTS_BIN"] = c_string(opt.name + ".weights.bin");
    const std::string a = render_embedded("engine/weights.S.in", v);
    out.sources.push_back({opt.name + "_weights.S", a, {}});
  }
  return out;
}

}  // namespace smolc
