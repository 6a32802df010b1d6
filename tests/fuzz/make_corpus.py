#!/usr/bin/env python3
"""Writes the libFuzzer seed corpora, tests/fuzz/corpus/<target>/, from the
bundled models and small synthetic ones (kept under 2 MB in all):

    tests/fuzz/make_corpus.py SMOLC [OUT_DIR]

SMOLC is a built smolc (it converts the synthetic llama2.c model to GGUF).
Every seed is a file the loader accepts, so the fuzzers start from the deep
paths; tools/fuzz.sh reruns the targets on these directories."""
import json
import pathlib
import shutil
import struct
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parents[2]
# The fixed config of fuzz_safetensors.cpp (keep in step with tiny_config()).
TINY = dict(vocab=32, dim=8, hidden=16, layers=1, heads=2, kv_heads=1, head_dim=4, max_seq=64)


def values(n, k=0):
    """n small deterministic floats, all finite and f16-storable."""
    return [((i * 37 + k * 11) % 97 - 48) / 64.0 for i in range(n)]


def tiny_tensors():
    t = TINY
    kv = t["kv_heads"] * t["head_dim"]
    out = {"model.embed_tokens.weight": [t["vocab"], t["dim"]], "model.norm.weight": [t["dim"]]}
    for l in range(t["layers"]):
        p = f"model.layers.{l}."
        out.update({p + "input_layernorm.weight": [t["dim"]], p + "post_attention_layernorm.weight": [t["dim"]],
                    p + "self_attn.q_proj.weight": [t["heads"] * t["head_dim"], t["dim"]],
                    p + "self_attn.k_proj.weight": [kv, t["dim"]], p + "self_attn.v_proj.weight": [kv, t["dim"]],
                    p + "self_attn.o_proj.weight": [t["dim"], t["heads"] * t["head_dim"]],
                    p + "mlp.gate_proj.weight": [t["hidden"], t["dim"]], p + "mlp.up_proj.weight": [t["hidden"], t["dim"]],
                    p + "mlp.down_proj.weight": [t["dim"], t["hidden"]]})
    return out


def encode(vals, dtype):
    if dtype == "F32":
        return struct.pack(f"<{len(vals)}f", *vals)
    if dtype == "F16":
        return struct.pack(f"<{len(vals)}e", *vals)
    return b"".join(struct.pack("<f", v)[2:] for v in vals)  # BF16: the top half (values are exact)


def safetensors(dtype, metadata=False):
    header, blobs, off = {}, [], 0
    for k, (name, shape) in enumerate(sorted(tiny_tensors().items())):
        n = 1
        for d in shape:
            n *= d
        b = encode(values(n, k), dtype)
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    if metadata:
        header["__metadata__"] = {"format": "pt"}
    h = json.dumps(header).encode()
    h += b" " * (-len(h) % 8)
    return struct.pack("<Q", len(h)) + h + b"".join(blobs)


def tiny_config(**extra):
    t = TINY
    c = {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "vocab_size": t["vocab"],
         "hidden_size": t["dim"], "intermediate_size": t["hidden"], "num_hidden_layers": t["layers"],
         "num_attention_heads": t["heads"], "num_key_value_heads": t["kv_heads"], "head_dim": t["head_dim"],
         "max_position_embeddings": t["max_seq"], "rms_norm_eps": 1e-5, "rope_theta": 10000.0,
         "tie_word_embeddings": True, "bos_token_id": 1, "eos_token_id": 2, "hidden_act": "silu"}
    c.update(extra)
    return json.dumps(c, indent=1).encode()


def small_tokenizer_json(n=384):
    """The bundled SmolLM2 tokenizer.json cut to its first n ids (and the merges among them)."""
    j = json.loads((ROOT / "models/smollm2-135m-instruct/tokenizer.json").read_text(encoding="utf-8"))
    vocab = {k: v for k, v in j["model"]["vocab"].items() if v < n}
    merges = []
    for m in j["model"]["merges"]:
        a, b = m.split(" ") if isinstance(m, str) else m
        if a in vocab and b in vocab and a + b in vocab:
            merges.append(m)
    j["model"]["vocab"] = vocab
    j["model"]["merges"] = merges
    j["added_tokens"] = [t for t in j.get("added_tokens", []) if t["id"] < n]
    return json.dumps(j, ensure_ascii=False).encode()


def llama2c_model(shared=True):
    """A llama2.c v0 model for tok512.bin: dim 8, 1 layer, vocab 512, seq_len 32."""
    dim, hidden, layers, heads, kv_heads, vocab, seq = 8, 16, 1, 2, 1, 512, 32
    hs = dim // heads
    kvd = kv_heads * hs
    sizes = [vocab * dim, layers * dim, layers * dim * dim, layers * dim * kvd, layers * dim * kvd,
             layers * dim * dim, layers * dim, layers * hidden * dim, layers * dim * hidden, layers * hidden * dim,
             dim, seq * hs // 2, seq * hs // 2]
    if not shared:
        sizes.append(vocab * dim)
    body = b"".join(struct.pack(f"<{n}f", *values(n, k)) for k, n in enumerate(sizes))
    return struct.pack("<7i", dim, hidden, layers, heads, kv_heads, vocab if shared else -vocab, seq) + body


def main():
    smolc = sys.argv[1]
    out = pathlib.Path(sys.argv[2]) if len(sys.argv) > 2 else ROOT / "tests/fuzz/corpus"
    if out.exists():
        shutil.rmtree(out)
    seeds = {}

    def seed(target, name, data):
        d = out / target
        d.mkdir(parents=True, exist_ok=True)
        (d / name).write_bytes(data)

    for dt in ("F32", "F16", "BF16"):
        seed("safetensors", f"tiny_{dt.lower()}.safetensors", safetensors(dt))
    seed("safetensors", "tiny_metadata.safetensors", safetensors("F32", metadata=True))

    seed("config", "smollm2_135m.json", (ROOT / "models/smollm2-135m-instruct/config.json").read_bytes())
    seed("config", "tiny.json", tiny_config())
    seed("config", "tiny_untied_nulls.json", tiny_config(tie_word_embeddings=False, rope_scaling=None, head_dim=None))

    seed("tokenizer_json", "smollm2_first384.json", small_tokenizer_json())

    tok512 = (ROOT / "models/stories260K/tok512.bin").read_bytes()
    seed("llama2c", "model_shared.bin", b"\x00" + llama2c_model(True))
    seed("llama2c", "model_unshared.bin", b"\x00" + llama2c_model(False))
    seed("llama2c", "tok512.bin", b"\x01\x7f" + tok512)

    with tempfile.TemporaryDirectory() as tmp:
        model = pathlib.Path(tmp) / "tiny.bin"
        model.write_bytes(llama2c_model(True))
        for ty in ("f32", "f16"):
            g = pathlib.Path(tmp) / f"tiny_{ty}.gguf"
            subprocess.run([smolc, "convert", str(model), "--tokenizer", str(ROOT / "models/stories260K/tok512.bin"),
                            "--type", ty, "-o", str(g)], check=True, stdout=subprocess.DEVNULL)
            seed("gguf", g.name, g.read_bytes())
    seed("gguf", "probe_q8_0.gguf", (ROOT / "tests/data/gguf/probe_q8_0.gguf").read_bytes())

    # fuzz_capi reads op bytes (tests/fuzz/fuzz_capi.cpp: op % 9, then its
    # arguments): one seed per call, and a session that fills the context.
    capi = {
        "prefill_decode": bytes([0, 4, 10, 20, 30, 40, 1, 7, 1, 8]),
        "prefill_rows": bytes([2, 6, 1, 2, 3, 4, 5, 6]),
        "rewind": bytes([0, 5, 1, 2, 3, 4, 5, 3, 5, 1, 9]),
        "threads_text": bytes([5, 1, 0, 3, 1, 2, 6, 5]) + b"Once " + bytes([10, 100, 101]),
        "generate": bytes([7, 2, 1, 50, 8, 10, 1, 7, 0, 6, 5, 0]),
        "fill_context": bytes([0, 8] + list(range(10, 18)) + [0, 8] + list(range(20, 28)) + [2, 8] + list(range(30, 38)) + [1, 3]),
        "bad_calls": bytes([0, 2, 250, 251, 1, 252, 2, 17, 3, 60, 5, 3, 8]),
    }
    for name, data in capi.items():
        seed("capi", name, data)

    total = sum(f.stat().st_size for f in out.rglob("*") if f.is_file())
    print(f"wrote {sum(1 for f in out.rglob('*') if f.is_file())} seeds, {total} bytes, to {out}")
    if total > 2_000_000:
        sys.exit("the corpus is over 2 MB")


if __name__ == "__main__":
    main()
