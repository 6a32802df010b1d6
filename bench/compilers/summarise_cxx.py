#!/usr/bin/env python3
"""Tables of bench/compilers/compare_cxx.sh's JSON lines.

  summarise_cxx.py FILE.jsonl [--run ID] [--label L] [--top N]
      prefill / decode tok/s medians per preset x format x target x compiler,
      with each compiler's ratio to the first compiler seen; then callgrind
      instruction counts of one prefill (total and per function) with ratios.
  summarise_cxx.py --parse-annotate ANNOTATE.txt --tokens N [--driver-output F]
      (used by compare_cxx.sh) callgrind_annotate --inclusive=no output -> one
      JSON object {"tokens", "total_ir", "functions": {name: self Ir}}.
"""
import argparse
import json
import re
import statistics
import sys

KERNEL = re.compile(r"_(gemm|gemv|row)_")  # kernel symbols: NAME_FMT_OP_SHAPE_TILE_ISA
LINE = re.compile(r"^\s*([\d,]+)\s+\(\s*[\d.]+%\)\s+(.*?)\s*$")


def function_name(where):
    """'file:ns::f(args) [binary]' -> 'ns::f'; the file and the binary go."""
    where = re.sub(r"\s+\[[^\]]*\]$", "", where)
    m = re.match(r"^([^:(]*[^:(]):(?!:)(.*)$", where)  # a 'file:' prefix (never '::')
    if m:
        where = m.group(2)
    where = where.replace("(anonymous namespace)::", "")
    return re.sub(r"\(.*$", "", where) or where


def parse_annotate(path, tokens, driver_output):
    total, functions = None, {}
    for line in open(path):
        m = LINE.match(line)
        if not m:
            continue
        ir, where = int(m.group(1).replace(",", "")), m.group(2)
        if where.startswith("PROGRAM TOTALS"):
            total = ir
            continue
        name = function_name(where)
        functions[name] = functions.get(name, 0) + ir
    if total is None:
        sys.exit(f"summarise_cxx.py: {path}: no PROGRAM TOTALS line (did callgrind run?)")
    out = {"tokens": tokens, "total_ir": total, "functions": functions}
    if driver_output:
        out["driver"] = open(driver_output).read().strip()
    return out


def key_of(r):
    return (r["preset"], r["format"], r["target"])


def timing_table(rows, cxxs):
    print("\n## Speed (tok/s: median over rounds of each bench's median; load: median 1-minute load average)\n")
    head = "| preset | format | target | " + " | ".join(f"{c} pp512 | {c} tg128" for c in cxxs)
    ratio_head = " | ".join(f"{c}/{cxxs[0]} pp512 | tg128" for c in cxxs[1:])
    print(head + (" | " + ratio_head if ratio_head else "") + " | rounds | load |")
    print("|" + "---|" * (3 + 2 * len(cxxs) + 2 * (len(cxxs) - 1) + 2))
    for key in sorted({key_of(r) for r in rows}):
        med, n = {}, 0
        loads = [r["load"] for r in rows if key_of(r) == key]
        for c in cxxs:
            sel = [r for r in rows if key_of(r) == key and r["cxx"] == c]
            n = max(n, len(sel))
            med[c] = {k: statistics.median(r[k] for r in sel) if sel else None for k in ("pp512", "tg128")}
        cells = []
        for c in cxxs:
            for k in ("pp512", "tg128"):
                cells.append("-" if med[c][k] is None else f"{med[c][k]:.0f}")
        for c in cxxs[1:]:
            for k in ("pp512", "tg128"):
                a, b = med[c][k], med[cxxs[0]][k]
                cells.append("-" if a is None or b is None else f"{a / b:.2f}")
        print(f"| {key[0]} | {key[1]} | {key[2]} | " + " | ".join(cells) + f" | {n} | {statistics.median(loads):.0f} |")


def callgrind_table(rows, cxxs, top):
    print("\n## Instructions of one prefill, or of D decode steps after it (format 'F decode'), per token "
          "(callgrind, avx2 engine, 1 thread)\n")
    for key in sorted({key_of(r) for r in rows}):
        by = {c: next((r for r in reversed(rows) if key_of(r) == key and r["cxx"] == c), None) for c in cxxs}
        base = by[cxxs[0]]
        if base is None:
            continue
        what = "decode steps" if key[1].endswith(" decode") else "-token prefill"
        print(f"### {key[0]} {key[1]}, {base['tokens']}{' ' if what[0] != '-' else ''}{what}\n")
        print("| function | " + " | ".join(f"{c} Ir/token" for c in cxxs) + " | " +
              " | ".join(f"{c}/{cxxs[0]}" for c in cxxs[1:]) + " |")
        print("|---|" + "---|" * (2 * len(cxxs) - 1))
        names = set()
        for r in by.values():
            if r:
                names |= set(r["functions"])
        def ir(c, name):
            r = by[c]
            return None if r is None else r["functions"].get(name, 0) / r["tokens"]
        ranked = sorted(names, key=lambda n: -max(ir(c, n) or 0 for c in cxxs))[:top]
        def group(c, which):  # self Ir/token of the matrix kernels, or of everything else
            r = by[c]
            if r is None:
                return None
            s = sum(v for n, v in r["functions"].items() if bool(KERNEL.search(n)) == (which == "kernels"))
            return s / r["tokens"]
        rows_out = [("**total**", lambda c: None if by[c] is None else by[c]["total_ir"] / by[c]["tokens"]),
                    ("matrix kernels (gemm/gemv/row)", lambda c: group(c, "kernels")),
                    ("everything else", lambda c: group(c, "rest"))]
        rows_out += [(f"`{n}`", lambda c, n=n: ir(c, n)) for n in ranked]
        for label, get in rows_out:
            vals = [get(c) for c in cxxs]
            cells = ["-" if v is None else f"{v:,.0f}" for v in vals]
            cells += ["-" if not vals[0] or v is None else f"{v / vals[0]:.2f}" for v in vals[1:]]
            print(f"| {label} | " + " | ".join(cells) + " |")
        print()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("file", nargs="?")
    ap.add_argument("--run")
    ap.add_argument("--label")
    ap.add_argument("--top", type=int, default=12)
    ap.add_argument("--parse-annotate")
    ap.add_argument("--tokens", type=int)
    ap.add_argument("--driver-output")
    a = ap.parse_args()
    if a.parse_annotate:
        print(json.dumps(parse_annotate(a.parse_annotate, a.tokens, a.driver_output)))
        return
    if not a.file:
        ap.error("a JSON-lines file is needed")
    rows = [json.loads(l) for l in open(a.file) if l.strip()]
    rows = [r for r in rows if (not a.run or r["run"] == a.run) and (not a.label or r["label"] == a.label)]
    cxxs = []
    for r in rows:
        if r["cxx"] not in cxxs:
            cxxs.append(r["cxx"])
    timed = [r for r in rows if r["kind"] == "time"]
    counted = [r for r in rows if r["kind"] == "callgrind"]
    if timed:
        timing_table(timed, cxxs)
    if counted:
        callgrind_table(counted, cxxs, a.top)


if __name__ == "__main__":
    main()
