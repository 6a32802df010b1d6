#!/usr/bin/env python3
"""Turns a tied f32 HF checkpoint directory (e.g. `smolc synth --preset tiny`
output) into one whose greedy decoding follows a fixed cycle of token ids:
every o_proj and down_proj is zero (each layer adds nothing to the residual
stream), the final norm gain is 1, and an untied lm_head whose row next(t) is
the embedding of t, so the largest logit after token t is next(t) (the row
matches the normalised input exactly; any other row only by chance, and a
random 64-dimensional embedding makes that far smaller). Tokens outside the
cycle get all-zero lm_head rows. Used by tests/compiler/test_speculate.cpp to
put the EOS id inside a guess the engine must accept.

    cycle_model.py SRC_DIR DST_DIR ID ID ...   (next(ID_k) = ID_{k+1}, the last wraps)
"""
import json
import shutil
import struct
import sys

import numpy as np


def read_safetensors(path):
    data = open(path, "rb").read()
    n = struct.unpack("<Q", data[:8])[0]
    header = json.loads(data[8 : 8 + n])
    body = data[8 + n :]
    meta = header.pop("__metadata__", None)
    tensors = {}
    for name, info in header.items():
        if info["dtype"] != "F32":
            sys.exit(f"{path}: {name} is {info['dtype']}; cycle_model.py takes f32 checkpoints")
        b, e = info["data_offsets"]
        tensors[name] = np.frombuffer(body[b:e], dtype="<f4").reshape(info["shape"]).copy()
    return meta, tensors


def write_safetensors(path, meta, tensors):
    header, blobs, off = ({"__metadata__": meta} if meta is not None else {}), [], 0
    for name in sorted(tensors):
        raw = tensors[name].astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(tensors[name].shape), "data_offsets": [off, off + len(raw)]}
        blobs.append(raw)
        off += len(raw)
    hj = json.dumps(header).encode()
    hj += b" " * ((8 - len(hj) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(hj)) + hj + b"".join(blobs))


def main(src, dst, cycle):
    meta, t = read_safetensors(f"{src}/model.safetensors")
    for name in t:
        if name.endswith("self_attn.o_proj.weight") or name.endswith("mlp.down_proj.weight"):
            t[name][:] = 0
    t["model.norm.weight"][:] = 1
    embed = t["model.embed_tokens.weight"]
    lm = np.zeros_like(embed)
    for k, tok in enumerate(cycle):
        lm[cycle[(k + 1) % len(cycle)]] = embed[tok] * 4
    t["lm_head.weight"] = lm
    shutil.rmtree(dst, ignore_errors=True)
    shutil.copytree(src, dst)
    write_safetensors(f"{dst}/model.safetensors", meta, t)
    cfg = json.load(open(f"{src}/config.json"))
    cfg["tie_word_embeddings"] = False
    json.dump(cfg, open(f"{dst}/config.json", "w"), indent=2)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], [int(a) for a in sys.argv[3:]])
