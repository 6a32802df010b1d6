#!/usr/bin/env python3
"""llvm-mca model of the x86 float gemm kernels' hot loops (a model, not a measurement).

For each kernel spec given, `smolc kernel` writes the generated source, a
compiler turns it into x86-64 assembly (clang++-19 and g++, both -O2 plus the
kernel's own flags, as `smolc compile` builds), the innermost loop with the
most multiply-adds is cut out (the label a backward branch returns to, up to
that branch, containing no other such loop: the token tile's loop over column
groups) and llvm-mca-19 simulates 200 iterations of it on a CPU model.
Multiply-adds per iteration are counted from the loop's own instructions:
vfmadd*ps zmm = 16, ymm = 8; vdpbf16ps zmm = 32 (16 lanes x 2 columns). A
kernel that multiplies each weight pair by the hi and the lo bf16 part of x
(the default avx512 bf16 gemm) makes two vdpbf16ps per useful 32 multiply-adds,
so its useful count is half (column "useful MACs"). "cycles per 512 MACs" =
(cycles / iteration) / (useful MACs / 512), 512 being one f32 zmm FMA's
16 MACs x 32.

  tools/kernels/mca_x86.py SMOLC SPEC... [--cpu znver4] [--no-header]

SPEC is FORMAT:ISA:TILE_M:TILE_N[:a] (":a": --bf16-activations), e.g.
bf16:avx512:32:8:a. M x K is 576 x 576 (SmolLM2-135M's wo), unless
--m/--k say otherwise. Prints a markdown table. Needs clang++-19, g++,
llvm-mca-19.
"""
import argparse
import os
import re
import subprocess
import tempfile

from asm_loops import loop_with_most_macs

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
COMPILERS = {"clang": ["clang++-19"], "gcc": ["g++"]}
MACS = [(re.compile(r"^\s*vfn?m(add|sub)\d+ps\s+.*%zmm"), 16), (re.compile(r"^\s*vfn?m(add|sub)\d+ps\s+.*%ymm"), 8),
        (re.compile(r"^\s*vdpbf16ps\s+.*%zmm"), 32)]
LABEL = re.compile(r"^(\.?L\w+):")
BRANCH = re.compile(r"^\s*j[a-z]+\s+(\.?L\w+)\s*$")


def innermost_loop(asm_lines):
    """The body (label line .. backward branch) of the innermost loop with the most MACs."""
    return loop_with_most_macs(asm_lines, LABEL, BRANCH, 1,
                               lambda body: sum(n for line in body for rx, n in MACS if rx.match(line)))


def mca(body, cpu, tmp):
    path = os.path.join(tmp, "loop.s")
    with open(path, "w") as f:
        f.write("\n".join(l for l in body if not l.strip().startswith((".p2align", ".loc", "#", ".cfi"))) + "\n")
    out = subprocess.run(["llvm-mca-19", "-mtriple=x86_64", "-mcpu=" + cpu, "-iterations=200", path],
                         capture_output=True, text=True, check=True).stdout
    it = int(re.search(r"Iterations:\s+(\d+)", out).group(1))
    cyc = int(re.search(r"Total Cycles:\s+(\d+)", out).group(1))
    n = int(re.search(r"Instructions:\s+(\d+)", out).group(1)) // it
    return cyc / it, n


def main():
    ap = argparse.ArgumentParser(description="llvm-mca model of x86 gemm hot loops (not a measurement)")
    ap.add_argument("smolc")
    ap.add_argument("specs", nargs="+", help="FORMAT:ISA:TILE_M:TILE_N[:a]")
    ap.add_argument("--cpu", default="znver4")
    ap.add_argument("--m", type=int, default=576)
    ap.add_argument("--k", type=int, default=576)
    ap.add_argument("--no-header", action="store_true")
    a = ap.parse_args()
    if not a.no_header:
        print("| kernel (%dx%d) | compiler | insns/iter | vdpbf16ps or FMA/iter | useful MACs/iter | "
              "%s cycles/iter | %s cycles per 512 MACs | accumulators |" % (a.m, a.k, a.cpu, a.cpu))
        print("|---|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for spec in a.specs:
            parts = spec.split(":")
            fmt, isa, tm, tn = parts[0], parts[1], int(parts[2]), int(parts[3])
            xb = len(parts) > 4 and parts[4] == "a"
            args = [a.smolc, "kernel", "--op", "gemm", "--format", fmt, "--isa", isa, "--m", str(a.m), "--k", str(a.k),
                    "--tile-m", str(tm), "--tile-n", str(tn), "-o", tmp] + (["--bf16-activations"] if xb else [])
            line = subprocess.run(args, capture_output=True, text=True, check=True).stdout.split("\t")
            src = line[0]
            flags = line[2].strip().replace("flags:", "").split() if len(line) > 2 else []
            name = os.path.basename(src)[:-4]
            lanes = 16 if isa == "avx512" else 8
            for cname, cxx in COMPILERS.items():
                asm = os.path.join(tmp, "k.s")
                subprocess.run(cxx + ["-std=c++17", "-O2", *flags, "-S", src, "-o", asm], check=True)
                loop = innermost_loop(open(asm).read().splitlines())
                if loop is None:
                    print("| %s | %s | no loop found | | | | | |" % (name, cname))
                    continue
                body, macs = loop
                ops = sum(1 for l in body for rx, _ in MACS if rx.match(l))
                split = fmt == "bf16" and isa == "avx512" and not xb
                useful = macs // 2 if split else macs
                per_iter, insns = mca(body, a.cpu, tmp)
                print("| %s | %s | %d | %d | %d | %.1f | %.2f | %d |" %
                      (name, cname, insns, ops, useful, per_iter, per_iter / (useful / 512), tm // lanes * tn))


if __name__ == "__main__":
    main()
