#!/usr/bin/env python3
"""Turns a tied HF checkpoint directory (e.g. `smolc synth` output) into an
untied one: adds `lm_head.weight` (normal, std 0.02, numpy seed SEED, in the
embedding's dtype), gives `model.norm.weight` non-trivial values, and sets
"tie_word_embeddings": false. Used by tests/compiler to exercise the untied
lm_head path (separate embedding table, final-norm gain folded into lm_head).

    untie_lm_head.py SRC_DIR DST_DIR SEED
"""
import json
import shutil
import struct
import sys

import numpy as np


def to_bf16_bytes(a):
    u = a.astype(np.float32).view(np.uint32)
    u = (u + 0x7FFF + ((u >> 16) & 1)) >> 16  # round to nearest even
    return u.astype(np.uint16).tobytes()


def main(src, dst, seed):
    rng = np.random.default_rng(seed)
    data = open(f"{src}/model.safetensors", "rb").read()
    n = struct.unpack("<Q", data[:8])[0]
    header = json.loads(data[8 : 8 + n])
    body = data[8 + n :]
    meta = header.pop("__metadata__", None)
    tensors = {}
    for name, info in header.items():
        b, e = info["data_offsets"]
        tensors[name] = (info["dtype"], info["shape"], body[b:e])
    dtype, shape, _ = tensors["model.embed_tokens.weight"]
    lm = rng.normal(0.0, 0.02, size=shape).astype(np.float32)
    norm = rng.uniform(0.5, 1.5, size=[shape[1]]).astype(np.float32)
    enc = {"F32": lambda a: a.astype("<f4").tobytes(), "BF16": to_bf16_bytes,
           "F16": lambda a: a.astype("<f2").tobytes()}[dtype]
    tensors["lm_head.weight"] = (dtype, shape, enc(lm))
    tensors["model.norm.weight"] = (dtype, [shape[1]], enc(norm))
    out_header, blobs, off = {}, [], 0
    if meta is not None:
        out_header["__metadata__"] = meta
    for name in sorted(tensors):
        dt, sh, raw = tensors[name]
        out_header[name] = {"dtype": dt, "shape": sh, "data_offsets": [off, off + len(raw)]}
        blobs.append(raw)
        off += len(raw)
    hj = json.dumps(out_header).encode()
    hj += b" " * ((8 - len(hj) % 8) % 8)
    shutil.rmtree(dst, ignore_errors=True)
    shutil.copytree(src, dst)
    with open(f"{dst}/model.safetensors", "wb") as f:
        f.write(struct.pack("<Q", len(hj)) + hj + b"".join(blobs))
    cfg = json.load(open(f"{src}/config.json"))
    cfg["tie_word_embeddings"] = False
    json.dump(cfg, open(f"{dst}/config.json", "w"), indent=2)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]))
