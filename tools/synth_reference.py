#!/usr/bin/env python3
"""Independent reimplementation of `smolc synth`'s weight generator
(docs/synthetic-checkpoints.md), used to make tests/data/synth_tiny_seed1.json.

Python floats are IEEE-754 doubles and Python never fuses a*b+c, so this gives
the exact bits the spec defines. numpy does the f32/bf16/f16 rounding.

  /usr/bin/python3 tools/synth_reference.py > tests/data/synth_tiny_seed1.json
"""
import json
import math
import sys

import numpy as np

M64 = (1 << 64) - 1


def mix64(z):
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
    return z ^ (z >> 31)


def portable_log(x):
    m, e = math.frexp(x)
    if m < 0.70710678118654752440:
        m *= 2.0
        e -= 1
    t = (m - 1.0) / (m + 1.0)
    t2 = t * t
    inv_odd = [1.0 / k for k in range(1, 24, 2)]
    s = inv_odd[11]
    for i in range(10, -1, -1):
        s = s * t2 + inv_odd[i]
    return float(e) * 0.69314718055994530942 + 2.0 * t * s


class NormalStream:
    def __init__(self, seed, index):
        self.state = mix64(seed ^ mix64((index + 0x632BE59BD9B4E019) & M64))
        self.spare = None

    def u64(self):
        self.state = (self.state + 0x9E3779B97F4A7C15) & M64
        return mix64(self.state)

    def normal(self):
        if self.spare is not None:
            v, self.spare = self.spare, None
            return v
        k = 1.0 / 9007199254740992.0
        while True:
            u = float(self.u64() >> 11) * k * 2.0 - 1.0
            v = float(self.u64() >> 11) * k * 2.0 - 1.0
            s = u * u + v * v
            if s >= 1.0 or s == 0.0:
                continue
            f = math.sqrt(-2.0 * portable_log(s) / s)
            self.spare = v * f
            return u * f


def tiny_tensor_names(layers=2):
    names = ["model.embed_tokens.weight", "model.norm.weight"]
    for l in range(layers):
        for s in ["input_layernorm", "self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj",
                  "self_attn.o_proj", "post_attention_layernorm", "mlp.gate_proj", "mlp.up_proj",
                  "mlp.down_proj"]:
            names.append(f"model.layers.{l}.{s}.weight")
    return sorted(names)


def bf16_bits(f32):
    u = f32.view(np.uint32).astype(np.uint64)
    return ((u + 0x7FFF + ((u >> 16) & 1)) >> 16).astype(np.uint16)  # round to nearest even (no NaNs here)


def main():
    seed, count = 1, 64
    # Sanity check of the portable log against libm.
    for x in [1e-300, 1e-9, 0.001, 0.3, 0.5, 0.70710678, 0.9999999]:
        assert abs(portable_log(x) - math.log(x)) <= 4e-16 * abs(math.log(x)), x
    out = {"seed": seed, "std": 0.02, "count": count, "tensors": {}}
    for index, name in enumerate(tiny_tensor_names()):
        if "layernorm" in name or name == "model.norm.weight":
            continue
        rng = NormalStream(seed, index)
        vals = np.array([0.02 * rng.normal() for _ in range(count)], dtype=np.float64)
        f32 = vals.astype(np.float32)
        out["tensors"][name] = {
            "index": index,
            "f32_bits": [int(x) for x in f32.view(np.uint32)],
            "bf16_bits": [int(x) for x in bf16_bits(f32)],
            "f16_bits": [int(x) for x in f32.astype(np.float16).view(np.uint16)],
            # what an F16 checkpoint's values are once widened back to f32
            "f16_f32_bits": [int(x) for x in f32.astype(np.float16).astype(np.float32).view(np.uint32)],
        }
    json.dump(out, sys.stdout, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
