"""The tables of a bench/wasm/run.sh results file (JSON lines), in markdown:
one row per model, format and test (pp128, tg128), tok/s per target and
runtime, then the ratios simd128/scalar (node, Chromium), Chromium/node
(simd128) and avx2/simd128 (node).

  1. by CPU time (the process's, so time other processes had the CPU is left
     out), median of the timed repetitions: native and node only (a page has
     no CPU clock);
  2. by the wall clock, best of the timed repetitions (on a loaded machine the
     run least disturbed by other processes): every runtime, Chromium
     included.
"""
import json
import statistics
import sys

COLS = [("avx2", "native"), ("wasm32", "node"), ("wasm32-simd128", "node"), ("wasm32", "chromium"),
        ("wasm32-simd128", "chromium")]
RATIOS = [("simd128/scalar node", ("wasm32-simd128", "node"), ("wasm32", "node")),
          ("simd128/scalar Chromium", ("wasm32-simd128", "chromium"), ("wasm32", "chromium")),
          ("Chromium/node simd128", ("wasm32-simd128", "chromium"), ("wasm32-simd128", "node")),
          ("avx2/simd128 node", ("avx2", "native"), ("wasm32-simd128", "node"))]


def table(rows, title, key_prefix, reduce):
    vals, order = {}, []
    for r in rows:
        if (r["model"], r["format"]) not in order:
            order.append((r["model"], r["format"]))
        for k in ("pp128", "tg128"):
            runs = r["runs"].get(key_prefix + k) or []
            if runs:
                vals[(r["model"], r["format"], r["target"], r["runtime"], k)] = reduce(runs)
    print(f"\n{title}\n")
    head = ["model", "format", "test"] + [f"{t} {rt}" for t, rt in COLS] + [name for name, _, _ in RATIOS]
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for model, fmt in order:
        for k in ("pp128", "tg128"):
            v = lambda col: vals.get((model, fmt, col[0], col[1], k))
            cells = [model, fmt, k] + [f"{v(col):.0f}" if v(col) else "-" for col in COLS]
            cells += [f"{v(a) / v(b):.2f}x" if v(a) and v(b) else "-" for _, a, b in RATIOS]
            print("| " + " | ".join(cells) + " |")


def main(path):
    rows = [json.loads(line) for line in open(path) if line.strip()]
    table(rows, "tok/s by CPU time, median (native and node; a page has no CPU clock)", "cpu_", statistics.median)
    table(rows, "tok/s by the wall clock, best of the repetitions (every runtime)", "", max)


if __name__ == "__main__":
    main(sys.argv[1])
