#!/usr/bin/env python3
"""Golden files for tests/sampler, from an independent implementation.

Writes tests/sampler/golden/pcg32.json and tests/sampler/golden/draws.json.

pcg32.json: PCG32 outputs for several (initstate, initseq) pairs, computed
here from the PCG paper's definition (64-bit LCG, XSH-RR output, the
pcg32_srandom_r seeding). The (42, 54) row must equal the published demo
values 0xa15c02b7 0x7b47f409 ... (pcg-random.org, "Using pcg-c-basic"),
which this script asserts.

draws.json: sequences of sampled token ids for fixed logits and settings.
The pipeline is re-implemented here in double precision with plain full
sorts (the documented semantics of runtime/sampler/sampler.h, none of its
tricks: no quickselect, no chunked top-p, libm exp). Every draw records how
far u*total was from the nearest cumulative boundary and how far top-p's
target was from its nearest prefix sum; the script refuses to write a case
whose margin is below 1.5e-6 (relative; the C++ sums are compensated, a few ulp), so float-vs-double rounding in the
C++ code cannot flip an expected id.

Usage: /usr/bin/python3 tools/sampler_golden/make_golden.py   (from the repo root)
"""
import json
import math
import os

MASK64 = (1 << 64) - 1
STREAM = 0x736D6F6C63  # SMOLC_SAMPLER_PCG_STREAM ("smolc")
MIN_MARGIN = 1.5e-6


class Pcg32:
    def __init__(self, initstate, initseq):
        self.state = 0
        self.inc = ((initseq << 1) | 1) & MASK64
        self.next()
        self.state = (self.state + initstate) & MASK64
        self.next()

    def next(self):
        old = self.state
        self.state = (old * 6364136223846793005 + self.inc) & MASK64
        xorshifted = (((old >> 18) ^ old) >> 27) & 0xFFFFFFFF
        rot = old >> 59
        return ((xorshifted >> rot) | (xorshifted << ((-rot) & 31))) & 0xFFFFFFFF

    def uniform(self):
        return (self.next() >> 8) / 16777216.0


def logits_for(spec):
    # Exactly representable in float32: integers divided by a power of two.
    v, a, b, m, scale, offset = (spec[k] for k in ("vocab", "a", "b", "m", "scale", "offset"))
    return [((i * a + b) % m) / scale - offset for i in range(v)]


def reference_sample(logits, p, history, u):
    """Returns (id, margin). margin: smallest relative distance of any
    decision threshold from the value it was compared with."""
    l = list(logits)
    v = len(l)
    margin = math.inf
    rp, last_n = p["repeat_penalty"], p["repeat_last_n"]
    if rp != 1.0 and last_n != 0 and history:
        window = history if last_n < 0 else history[-last_n:]
        for t in set(window):
            l[t] = l[t] / rp if l[t] > 0 else l[t] * rp
    if p["temperature"] <= 0:
        best = max(range(v), key=lambda i: (l[i], -i))
        return best, margin
    lmax = max(l)
    order = sorted(range(v), key=lambda i: (-l[i], i))
    cand = list(range(v))
    is_sorted = False
    k = p["top_k"]
    if 0 < k < v:
        cand = order[:k]
        is_sorted = True
    if p["top_p"] < 1.0:
        base = cand if is_sorted else order
        total = sum(math.exp(l[i] - lmax) for i in cand)
        target = p["top_p"] * total
        cum = 0.0
        for j, i in enumerate(base):
            cum += math.exp(l[i] - lmax)
            margin = min(margin, abs(cum - target) / total)
            if cum >= target:
                cand = base[: j + 1]
                break
    if p["min_p"] > 0:
        for i in cand:
            e = math.exp(l[i] - lmax)
            margin = min(margin, abs(e - p["min_p"]))
        cand = [i for i in cand if math.exp(l[i] - lmax) >= p["min_p"]]
    w = [math.exp((l[i] - lmax) / p["temperature"]) for i in cand]
    total = sum(w)
    target = u * total
    cum = 0.0
    chosen = None
    for i, wi in zip(cand, w):
        cum += wi
        margin = min(margin, abs(cum - target) / total)
        if chosen is None and target < cum:
            chosen = i
    return (chosen if chosen is not None else cand[-1]), margin


def params(**kw):
    p = dict(temperature=1.0, top_k=0, top_p=1.0, min_p=0.0, repeat_penalty=1.0,
             repeat_last_n=64, seed=0)
    p.update(kw)
    return p


SMALL = dict(vocab=50, a=37, b=11, m=101, scale=16.0, offset=3.0)
BIG = dict(vocab=49152, a=7919, b=3, m=4099, scale=256.0, offset=8.0)  # many exact ties
HIST_SMALL = [3, 7, 7, 12, 40, 3, 25, 49]
HIST_BIG = [17, 4097, 4097, 30000, 49151, 0, 123]

CASES = [
    ("plain_t1", SMALL, params(seed=1), []),
    ("hot_t2", SMALL, params(temperature=2.0, seed=2), []),
    ("cold_t03", SMALL, params(temperature=0.3, seed=3), []),
    ("topk5", SMALL, params(top_k=5, seed=4), []),
    ("topp07", SMALL, params(top_p=0.7, seed=5), []),
    ("minp02", SMALL, params(min_p=0.2, seed=6), []),
    ("penalty", SMALL, params(repeat_penalty=1.7, repeat_last_n=5, seed=7), HIST_SMALL),
    ("all", SMALL, params(temperature=0.8, top_k=20, top_p=0.9, min_p=0.05,
                          repeat_penalty=1.3, repeat_last_n=-1, seed=8), HIST_SMALL),
    ("greedy_penalty", SMALL, params(temperature=0.0, repeat_penalty=2.0, seed=9), HIST_SMALL),
    ("big_plain", BIG, params(temperature=0.7, seed=16), []),
    ("big_topk40", BIG, params(temperature=0.8, top_k=40, seed=11), []),
    ("big_topp09", BIG, params(top_p=0.9, seed=11), []),
    ("big_topp05_minp", BIG, params(temperature=1.2, top_p=0.5, min_p=0.3, seed=12), []),
    ("big_all", BIG, params(temperature=0.9, top_k=100, top_p=0.95, min_p=0.02,
                            repeat_penalty=1.1, repeat_last_n=64, seed=0xFFFFFFFFFFFFFFFF), HIST_BIG),
]
DRAWS = 40


def main():
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    out_dir = os.path.join(root, "tests", "sampler", "golden")
    os.makedirs(out_dir, exist_ok=True)

    demo = [Pcg32(42, 54).next() for _ in range(1)]
    g = Pcg32(42, 54)
    demo = [g.next() for _ in range(6)]
    published = [0xA15C02B7, 0x7B47F409, 0xBA1D3330, 0x83D2F293, 0xBFA4784B, 0xCBED606E]
    assert demo == published, [hex(x) for x in demo]

    pcg_rows = []
    for state, seq in [(42, 54), (0, STREAM), (1, STREAM), (0xDEADBEEFCAFEBABE, STREAM),
                       (MASK64, (1 << 63) + 5)]:
        g = Pcg32(state, seq)
        pcg_rows.append({"initstate": str(state), "initseq": str(seq),
                         "outputs": [g.next() for _ in range(16)]})
    with open(os.path.join(out_dir, "pcg32.json"), "w") as f:
        json.dump({"generator": "tools/sampler_golden/make_golden.py", "rows": pcg_rows}, f, indent=1)
        f.write("\n")

    cases = []
    for name, spec, p, history in CASES:
        logits = logits_for(spec)
        g = Pcg32(p["seed"], STREAM)
        expect, worst = [], math.inf
        for _ in range(DRAWS):
            u = g.uniform() if p["temperature"] > 0 else 0.0
            t, margin = reference_sample(logits, p, history, u)
            expect.append(t)
            worst = min(worst, margin)
        if worst < MIN_MARGIN:
            raise SystemExit(f"case {name}: margin {worst:.3g} too small, change its seed")
        cases.append({"name": name, "logits": spec, "params": {**p, "seed": str(p["seed"])},
                      "history": history, "expect": expect,
                      "min_margin": None if math.isinf(worst) else worst})
        print(f"{name:18s} margin {worst:.3g} first ids {expect[:8]}")
    with open(os.path.join(out_dir, "draws.json"), "w") as f:
        json.dump({"generator": "tools/sampler_golden/make_golden.py", "draws_per_case": DRAWS,
                   "cases": cases}, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
