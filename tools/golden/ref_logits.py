#!/usr/bin/python3
"""Golden logits from an independent numpy LLaMA forward pass.

Reads a checkpoint with nothing but numpy and the standard library, runs the
whole token sequence through the model at once (causal attention) in
float64, and writes the logits as float32 .npy of shape [len(ids), vocab].

It shares no code with smolc, and for llama2.c files it does not reuse
smolc's idea of them: it reads the file in llama2.c's own tensor order and
applies llama2.c's own RoPE (rotation of interleaved pairs x[2i], x[2i+1]),
so agreement with smolc's reference engine (which turns llama2.c's Q/K rows
into HF's rotate_half layout by a row permutation) checks that permutation.

Supported inputs:
  * a HF directory (config.json + model.safetensors or sharded
    model.safetensors.index.json), F32 / F16 / BF16 tensors;
  * a llama2.c checkpoint (.bin), legacy v0 or v1 ("ak42").

Usage:
  tools/golden/ref_logits.py MODEL --ids 1,403,407 -o out.npy
  tools/golden/ref_logits.py MODEL --ids 1 --greedy 199 --ids-out ids.txt -o out.npy
    (--greedy N first extends the ids by N argmax tokens of this same forward
    pass; the logits then cover the whole extended sequence)
"""
import argparse
import json
import os
import struct
import sys

import numpy as np


# ---------------------------------------------------------------- safetensors
def read_safetensors(path):
    with open(path, "rb") as f:
        raw = f.read()
    (hlen,) = struct.unpack_from("<Q", raw, 0)
    header = json.loads(raw[8:8 + hlen])
    base = 8 + hlen
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        start, end = info["data_offsets"]
        buf = raw[base + start:base + end]
        dt = info["dtype"]
        if dt == "F32":
            a = np.frombuffer(buf, dtype="<f4")
        elif dt == "F16":
            a = np.frombuffer(buf, dtype="<f2").astype(np.float32)
        elif dt == "BF16":
            # bfloat16 is the top half of a float32.
            a = (np.frombuffer(buf, dtype="<u2").astype(np.uint32) << 16).view(np.float32)
        else:
            raise SystemExit(f"{path}: {name}: dtype {dt} not supported")
        out[name] = a.reshape(info["shape"]).astype(np.float64)
    return out


def load_hf(model_dir):
    with open(os.path.join(model_dir, "config.json")) as f:
        c = json.load(f)
    tensors = {}
    index = os.path.join(model_dir, "model.safetensors.index.json")
    if os.path.exists(index):
        with open(index) as f:
            files = sorted(set(json.load(f)["weight_map"].values()))
    else:
        files = ["model.safetensors"]
    for fn in files:
        tensors.update(read_safetensors(os.path.join(model_dir, fn)))
    n_heads = c["num_attention_heads"]
    cfg = dict(
        dim=c["hidden_size"], n_layers=c["num_hidden_layers"], n_heads=n_heads,
        n_kv_heads=c.get("num_key_value_heads", n_heads),
        head_dim=c.get("head_dim", c["hidden_size"] // n_heads),
        vocab=c["vocab_size"], eps=c.get("rms_norm_eps", 1e-6), theta=c.get("rope_theta", 10000.0),
        rope="halves")
    t = tensors
    layers = []
    for l in range(cfg["n_layers"]):
        p = f"model.layers.{l}."
        layers.append(dict(
            attn_norm=t[p + "input_layernorm.weight"],
            wq=t[p + "self_attn.q_proj.weight"], wk=t[p + "self_attn.k_proj.weight"],
            wv=t[p + "self_attn.v_proj.weight"], wo=t[p + "self_attn.o_proj.weight"],
            ffn_norm=t[p + "post_attention_layernorm.weight"],
            w1=t[p + "mlp.gate_proj.weight"], w2=t[p + "mlp.down_proj.weight"], w3=t[p + "mlp.up_proj.weight"]))
    embed = t["model.embed_tokens.weight"]
    lm_head = t["lm_head.weight"] if "lm_head.weight" in t and not c.get("tie_word_embeddings", False) else embed
    return cfg, dict(embed=embed, layers=layers, final_norm=t["model.norm.weight"], lm_head=lm_head)


# ------------------------------------------------------------------ llama2.c
def load_llama2c(path):
    raw = open(path, "rb").read()
    (magic,) = struct.unpack_from("<I", raw, 0)
    if magic == 0x616B3432:
        version, = struct.unpack_from("<i", raw, 4)
        assert version == 1, f"llama2.c version {version} not supported"
        dim, hidden, n_layers, n_heads, n_kv, vocab, seq_len = struct.unpack_from("<7i", raw, 8)
        shared = raw[36] == 1
        off = 256
    else:
        version = 0
        dim, hidden, n_layers, n_heads, n_kv, vocab, seq_len = struct.unpack_from("<7i", raw, 0)
        shared = vocab > 0
        vocab = abs(vocab)
        off = 28
    hs = dim // n_heads
    data = np.frombuffer(raw, dtype="<f4", offset=off).astype(np.float64)
    pos = 0

    def take(*shape):
        nonlocal pos
        n = int(np.prod(shape))
        a = data[pos:pos + n].reshape(shape)
        pos += n
        return a

    kv_dim = n_kv * hs
    if version == 0:
        embed = take(vocab, dim)
        attn_norm = take(n_layers, dim)
        wq, wk = take(n_layers, dim, dim), take(n_layers, kv_dim, dim)
        wv, wo = take(n_layers, kv_dim, dim), take(n_layers, dim, dim)
        ffn_norm = take(n_layers, dim)
        w1, w2, w3 = take(n_layers, hidden, dim), take(n_layers, dim, hidden), take(n_layers, hidden, dim)
        final_norm = take(dim)
        take(seq_len, hs // 2)  # freq_cis_real
        take(seq_len, hs // 2)  # freq_cis_imag
    else:
        attn_norm, ffn_norm, final_norm = take(n_layers, dim), take(n_layers, dim), take(dim)
        embed = take(vocab, dim)
        wq, wk = take(n_layers, dim, dim), take(n_layers, kv_dim, dim)
        wv, wo = take(n_layers, kv_dim, dim), take(n_layers, dim, dim)
        w1, w2, w3 = take(n_layers, hidden, dim), take(n_layers, dim, hidden), take(n_layers, hidden, dim)
    lm_head = embed if shared else take(vocab, dim)
    assert pos == data.size, "file size does not match the header"
    cfg = dict(dim=dim, n_layers=n_layers, n_heads=n_heads, n_kv_heads=n_kv, head_dim=hs, vocab=vocab,
               eps=1e-5, theta=10000.0, rope="interleaved")
    layers = [dict(attn_norm=attn_norm[l], wq=wq[l], wk=wk[l], wv=wv[l], wo=wo[l], ffn_norm=ffn_norm[l],
                   w1=w1[l], w2=w2[l], w3=w3[l]) for l in range(n_layers)]
    return cfg, dict(embed=embed, layers=layers, final_norm=final_norm, lm_head=lm_head)


# ------------------------------------------------------------------- forward
def rmsnorm(x, w, eps):
    return x / np.sqrt(np.mean(x * x, axis=-1, keepdims=True) + eps) * w


def rope(x, theta, style):
    """x: [T, heads, hd] at positions 0..T-1."""
    T, _, hd = x.shape
    inv_freq = 1.0 / theta ** (np.arange(0, hd, 2, dtype=np.float64) / hd)  # [hd/2]
    ang = np.arange(T, dtype=np.float64)[:, None] * inv_freq[None, :]      # [T, hd/2]
    cos, sin = np.cos(ang)[:, None, :], np.sin(ang)[:, None, :]
    if style == "halves":  # HF rotate_half: pairs (i, i + hd/2)
        a, b = x[..., :hd // 2], x[..., hd // 2:]
        return np.concatenate([a * cos - b * sin, b * cos + a * sin], axis=-1)
    # llama2.c: pairs (2i, 2i+1) as complex numbers
    a, b = x[..., 0::2], x[..., 1::2]
    out = np.empty_like(x)
    out[..., 0::2] = a * cos - b * sin
    out[..., 1::2] = a * sin + b * cos
    return out


def forward(cfg, w, ids):
    T = len(ids)
    H, KV, hd = cfg["n_heads"], cfg["n_kv_heads"], cfg["head_dim"]
    x = w["embed"][ids]                                    # [T, dim]
    mask = np.triu(np.full((T, T), -np.inf), k=1)          # causal
    for L in w["layers"]:
        h = rmsnorm(x, L["attn_norm"], cfg["eps"])
        q = rope((h @ L["wq"].T).reshape(T, H, hd), cfg["theta"], cfg["rope"])
        k = rope((h @ L["wk"].T).reshape(T, KV, hd), cfg["theta"], cfg["rope"])
        v = (h @ L["wv"].T).reshape(T, KV, hd)
        k = np.repeat(k, H // KV, axis=1)                  # query head j uses kv head j // (H/KV)
        v = np.repeat(v, H // KV, axis=1)
        s = np.einsum("thd,shd->hts", q, k) / np.sqrt(hd) + mask
        p = np.exp(s - s.max(axis=-1, keepdims=True))
        p /= p.sum(axis=-1, keepdims=True)
        att = np.einsum("hts,shd->thd", p, v).reshape(T, H * hd)
        x = x + att @ L["wo"].T
        h = rmsnorm(x, L["ffn_norm"], cfg["eps"])
        g = h @ L["w1"].T
        x = x + ((g / (1.0 + np.exp(-g))) * (h @ L["w3"].T)) @ L["w2"].T
    return rmsnorm(x, w["final_norm"], cfg["eps"]) @ w["lm_head"].T   # [T, vocab]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("model", help="HF directory or llama2.c .bin")
    ap.add_argument("--ids", required=True, help="comma-separated token ids, e.g. 1,403,407")
    ap.add_argument("--greedy", type=int, default=0, help="first append N greedy (argmax) tokens")
    ap.add_argument("--ids-out", help="write the final comma-separated ids here")
    ap.add_argument("-o", "--out", required=True, help="output .npy (float32 [len(ids), vocab])")
    a = ap.parse_args()
    ids = [int(s) for s in a.ids.split(",")]
    cfg, w = load_hf(a.model) if os.path.isdir(a.model) else load_llama2c(a.model)
    assert all(0 <= i < cfg["vocab"] for i in ids), "token id out of range"
    for _ in range(a.greedy):
        ids.append(int(np.argmax(forward(cfg, w, np.array(ids))[-1])))
    logits = forward(cfg, w, np.array(ids))
    if a.ids_out:
        with open(a.ids_out, "w") as f:
            f.write(",".join(map(str, ids)) + "\n")
    np.save(a.out, logits.astype(np.float32))
    print(f"{a.out}: {logits.shape[0]} x {logits.shape[1]} logits", file=sys.stderr)


if __name__ == "__main__":
    main()
