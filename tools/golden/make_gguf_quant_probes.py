#!/usr/bin/env python3
"""Writes small llama GGUF files whose token embedding is stored in a GGUF
block format (Q4_K, Q5_0, Q6_K, Q8_0, Q4_0) filled with random blocks, and
everything else in F32. llama.cpp (bench/llama_cpp/logits.mjs) turns them into
golden logits: its embedding lookup decodes those blocks exactly (ggml's
get_rows dequantises to f32), so comparing smolc's reference engine on the same
file checks smolc's block decoders against llama.cpp's.

This is a GGUF writer of its own (numpy only), written from the GGUF spec, so
it is also independent of smolc's writer.

  make_gguf_quant_probes.py OUT_DIR
"""
import struct
import sys

import numpy as np

DIM, HEADS, HEAD_DIM, HIDDEN, VOCAB, LAYERS = 256, 1, 8, 8, 32, 1
TYPES = {"Q4_0": (2, 32, 18), "Q5_0": (6, 32, 22), "Q8_0": (8, 32, 34), "Q4_K": (12, 256, 144), "Q6_K": (14, 256, 210)}


def f16_bytes(x):
    return np.asarray(x, dtype="<f2").tobytes()


def random_block(kind, rng):
    """One block of random quantised values with a sane f16 scale."""
    d = rng.uniform(0.002, 0.02) * rng.choice([-1, 1])
    if kind == "Q4_0":
        return f16_bytes(d) + rng.integers(0, 256, 16, dtype=np.uint8).tobytes()
    if kind == "Q5_0":
        return f16_bytes(d) + rng.integers(0, 256, 20, dtype=np.uint8).tobytes()
    if kind == "Q8_0":
        return f16_bytes(d) + rng.integers(0, 256, 32, dtype=np.uint8).tobytes()
    if kind == "Q4_K":
        dmin = rng.uniform(0.0005, 0.005)
        return f16_bytes(abs(d) / 8) + f16_bytes(dmin) + rng.integers(0, 256, 12 + 128, dtype=np.uint8).tobytes()
    if kind == "Q6_K":
        return rng.integers(0, 256, 128 + 64 + 16, dtype=np.uint8).tobytes() + f16_bytes(d / 16)
    raise ValueError(kind)


class Gguf:
    def __init__(self):
        self.kv = []
        self.tensors = []  # (name, ne (innermost first), ggml type, bytes)

    def s(self, x):
        b = x.encode()
        return struct.pack("<Q", len(b)) + b

    def add(self, key, vtype, payload):
        self.kv.append(self.s(key) + struct.pack("<I", vtype) + payload)

    def u32(self, key, v):
        self.add(key, 4, struct.pack("<I", v))

    def f32(self, key, v):
        self.add(key, 6, struct.pack("<f", v))

    def string(self, key, v):
        self.add(key, 8, self.s(v))

    def array(self, key, elem_type, items):
        body = struct.pack("<IQ", elem_type, len(items))
        if elem_type == 8:
            body += b"".join(self.s(x) for x in items)
        elif elem_type == 5:
            body += struct.pack("<%di" % len(items), *items)
        self.add(key, 9, body)

    def tensor(self, name, ne, ggml_type, data):
        self.tensors.append((name, ne, ggml_type, data))

    def write(self, path, align=32):
        out = b"GGUF" + struct.pack("<IQQ", 3, len(self.tensors), len(self.kv)) + b"".join(self.kv)
        offset, infos = 0, b""
        for name, ne, t, data in self.tensors:
            infos += self.s(name) + struct.pack("<I", len(ne)) + struct.pack("<%dQ" % len(ne), *ne)
            infos += struct.pack("<IQ", t, offset)
            offset += (len(data) + align - 1) // align * align
        out += infos
        out += b"\0" * (-len(out) % align)
        for _, _, _, data in self.tensors:
            out += data + b"\0" * (-len(data) % align)
        with open(path, "wb") as f:
            f.write(out)


def probe(kind, path, seed):
    rng = np.random.default_rng(seed)
    g = Gguf()
    g.string("general.architecture", "llama")
    g.string("general.name", "probe-" + kind)
    for k, v in [("context_length", 64), ("embedding_length", DIM), ("block_count", LAYERS),
                 ("feed_forward_length", HIDDEN), ("attention.head_count", HEADS), ("attention.head_count_kv", HEADS),
                 ("attention.key_length", HEAD_DIM), ("attention.value_length", HEAD_DIM),
                 ("rope.dimension_count", HEAD_DIM), ("vocab_size", VOCAB)]:
        g.u32("llama." + k, v)
    g.f32("llama.attention.layer_norm_rms_epsilon", 1e-5)
    g.f32("llama.rope.freq_base", 10000.0)
    # A byte-level vocabulary of single printable characters, no merges.
    g.string("tokenizer.ggml.model", "gpt2")
    g.string("tokenizer.ggml.pre", "gpt-2")
    g.array("tokenizer.ggml.tokens", 8, [chr(ord("a") + i) if i < 26 else chr(ord("0") + i - 26) for i in range(VOCAB)])
    g.array("tokenizer.ggml.token_type", 5, [1] * VOCAB)
    g.array("tokenizer.ggml.merges", 8, [])
    g.u32("tokenizer.ggml.bos_token_id", 0)
    g.u32("tokenizer.ggml.eos_token_id", 1)

    ggml_type, block, _ = TYPES[kind]
    embd = b"".join(random_block(kind, rng) for _ in range(VOCAB * DIM // block))
    g.tensor("token_embd.weight", [DIM, VOCAB], ggml_type, embd)

    def f32(rows, cols, std):
        return [cols, rows], 0, (rng.standard_normal((rows, cols)) * std).astype("<f4").tobytes()

    def norm(n):
        return [n], 0, (1 + 0.1 * rng.standard_normal(n)).astype("<f4").tobytes()

    q = HEADS * HEAD_DIM
    for name, spec in [("attn_norm", norm(DIM)), ("attn_q", f32(q, DIM, 0.3)), ("attn_k", f32(q, DIM, 0.3)),
                       ("attn_v", f32(q, DIM, 0.3)), ("attn_output", f32(DIM, q, 0.3)), ("ffn_norm", norm(DIM)),
                       ("ffn_gate", f32(HIDDEN, DIM, 0.3)), ("ffn_up", f32(HIDDEN, DIM, 0.3)),
                       ("ffn_down", f32(DIM, HIDDEN, 0.3))]:
        g.tensor("blk.0.%s.weight" % name, *spec)
    g.tensor("output_norm.weight", *norm(DIM))
    g.tensor("output.weight", *f32(VOCAB, DIM, 0.1))
    g.write(path)


if __name__ == "__main__":
    out = sys.argv[1]
    for i, kind in enumerate(TYPES):
        probe(kind, "%s/probe_%s.gguf" % (out, kind.lower()), 1000 + i)
