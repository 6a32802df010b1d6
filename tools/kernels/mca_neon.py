#!/usr/bin/env python3
"""llvm-mca model of the aarch64 kernels' hot loops (a model, not a measurement).

For each kernel below, `smolc kernel` writes the generated source, a compiler
turns it into aarch64 assembly (clang-19 --target=aarch64-linux-gnu and
aarch64-linux-gnu-g++, both -O2 as `smolc compile` builds), the innermost
loop is cut out (the label a backward branch returns to, up to that branch,
containing no other such loop) and llvm-mca-19 simulates 200 iterations of it
on a CPU model. MACs per iteration are counted from the loop's own
instructions (fmla .4s = 4, fmlal/fmlal2 .4s = 4, bfmmla .4s = 16,
smull/smull2/smlal .8h = 8, sdot .4s = 16, smmla .4s = 32; a loop with
integer MACs counts only those, not the fmla of its f32 block scale; a
kernel that multiplies each weight by hi and lo activation parts does half
as many useful ones), so "cycles per 32 MACs" = (total cycles / iterations) / (MACs / 32).

  tools/kernels/mca_neon.py SMOLC [--kernels REGEX] [--no-header] [CPU ...]
  tools/kernels/mca_neon.py --asm NAME=FILE.s:FUNCTION [--asm ...] [--no-header] [--mattr +EXT] [CPU ...]
                                                  (default CPUs: cortex-a76 neoverse-v1)

--kernels keeps the kernels whose name (e.g. q8-gemm-i8mm) matches REGEX.
The second form models the innermost loop of FUNCTION in an assembly file
compiled elsewhere (bench/aarch64/mca_llama_cpp.sh: llama.cpp's NEON dot
products), in the same table; NAME is "KERNEL|COMPILER". Loops are found by
compiler labels only (.LBB*, .L*), so hand-written inline asm loops are not.
Prints a markdown table. Needs clang-19, llvm-mca-19, aarch64-linux-gnu-g++.
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile

from asm_loops import loop_with_most_macs

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# (format, op, isa, M, K): SmolLM2-135M's 576 x 576 projection.
KERNELS = [(f, op, isa, 576, 576) for f in ("f32", "bf16", "f16", "q8", "q4")
           for isa in ("neon", "neondot", "i8mm") for op in ("gemv", "gemm")
           if not (isa in ("neondot", "i8mm") and f not in ("q8", "q4"))
           or (f, op, isa) in (("f16", "gemm", "neondot"), ("bf16", "gemm", "i8mm"))]
COMPILERS = {"clang": ["clang++-19", "--target=aarch64-linux-gnu"], "gcc": ["aarch64-linux-gnu-g++"]}
# (pattern, MACs, float?): f32 results; bfmmla (2x4 by 4x2 bf16) and fmlal/fmlal2 (4 f16 products) count
# every product they make, hi and lo parts of a split activation both.
MACS = [(re.compile(r"^\s*fmla\s+v\d+\.4s"), 4, True), (re.compile(r"^\s*fmlal2?\s+v\d+\.4s"), 4, True),
        (re.compile(r"^\s*bfmmla\s+v\d+\.4s"), 16, True),
        (re.compile(r"^\s*(smull2?|smlal2?)\s+v\d+\.8h"), 8, False),
        (re.compile(r"^\s*sdot\s+v\d+\.4s"), 16, False), (re.compile(r"^\s*smmla\s+v\d+\.4s"), 32, False)]
LABEL = re.compile(r"^(\.?L\w+):")
# b, b.cond (clang), bcond (gcc), cbz/cbnz, tbz/tbnz; not bl (a call).
BRANCH = re.compile(r"^\s*(b|b\.?(?:eq|ne|lt|le|gt|ge|hi|hs|lo|ls|mi|pl|cc|cs|vs|vc)|cbn?z|tbn?z)\s+.*?(\.?L\w+)\s*$")


def loop_macs(body):
    counts = [(sum(n for line in body if rx.match(line)), fl) for rx, n, fl in MACS]
    # An int8 loop's f32 scale term (fmla by the block scale) is not a
    # multiply-add of the matrix product: only float loops count fmla.
    return sum(c for c, fl in counts if not fl) or sum(c for c, fl in counts if fl)


def innermost_loop(asm_lines):
    """The body (label line .. backward branch) of the innermost loop with the most MACs."""
    return loop_with_most_macs(asm_lines, LABEL, BRANCH, 2, loop_macs)


MATTR = []  # --mattr: llvm-mca -mattr=..., for an extension the CPU model does not list (fp16fml on cortex-a76)


def mca(body, cpu, tmp):
    path = os.path.join(tmp, "loop.s")
    with open(path, "w") as f:
        f.write("\n".join(l for l in body if not l.strip().startswith((".p2align", ".loc", "//", "@", ".cfi"))) + "\n")
    out = subprocess.run(["llvm-mca-19", "-mtriple=aarch64", "-mcpu=" + cpu, "-iterations=200", *MATTR, path],
                         capture_output=True, text=True, check=True).stdout
    it = int(re.search(r"Iterations:\s+(\d+)", out).group(1))
    cyc = int(re.search(r"Total Cycles:\s+(\d+)", out).group(1))
    n = int(re.search(r"Instructions:\s+(\d+)", out).group(1)) // it
    return cyc / it, n


def header(cpus):
    print("| kernel (576x576) | compiler | insns/iter | MACs/iter | " +
          " | ".join("%s cycles/iter | %s cycles per 32 MACs" % (c, c) for c in cpus) + " |")
    print("|---|---|---|---|" + "---|---|" * len(cpus))


def row(name, cname, asm_lines, cpus, tmp):
    loop = innermost_loop(asm_lines)
    if loop is None:
        print("| %s | %s | no loop found | | %s |" % (name, cname, " | " * len(cpus)))
        return
    body, macs = loop
    cells = []
    insns = 0
    for cpu in cpus:
        per_iter, insns = mca(body, cpu, tmp)
        cells += ["%.1f" % per_iter, "%.2f" % (per_iter / (macs / 32))]
    print("| %s | %s | %d | %d | %s |" % (name, cname, insns, macs, " | ".join(cells)))


def function_lines(path, function):
    """The assembly of one function: its label up to the end of its symbol (.size / .Lfunc_end)."""
    lines = open(path).read().splitlines()
    start = next((i for i, l in enumerate(lines) if l.split("//")[0].strip() == function + ":"), None)
    if start is None:
        sys.exit("mca_neon.py: no function %s in %s" % (function, path))
    end = next((i for i in range(start + 1, len(lines))
                if lines[i].startswith(".Lfunc_end") or re.match(r"^\s*\.size\s+" + re.escape(function) + ",", lines[i])),
               len(lines))
    return lines[start:end]


def smolc_rows(smolc, only, cpus, tmp):
    for fmt, op, isa, m, k in KERNELS:
        if only and not only.search("%s-%s-%s" % (fmt, op, isa)):
            continue
        args = [smolc, "kernel", "--op", op, "--format", fmt, "--isa", isa, "--m", str(m), "--k", str(k),
                "--tile-m", "16", "--tile-n", "4", "-o", tmp]
        line = subprocess.run(args, capture_output=True, text=True, check=True).stdout.split("\t")
        src = line[0]
        flags = line[2].replace("flags:", "").split() if len(line) > 2 else []
        for cname, cxx in COMPILERS.items():
            asm = os.path.join(tmp, "k.s")
            subprocess.run(cxx + ["-std=c++17", "-O2", "-I" + os.path.join(ROOT, "runtime"), *flags, "-S", src,
                                  "-o", asm], check=True)
            row("%s-%s-%s" % (fmt, op, isa), cname, open(asm).read().splitlines(), cpus, tmp)


def main():
    ap = argparse.ArgumentParser(description="llvm-mca model of aarch64 hot loops (not a measurement)")
    ap.add_argument("--asm", action="append", default=[], metavar="NAME=FILE.s:FUNCTION",
                    help="model FUNCTION's innermost loop from FILE.s; NAME is 'kernel|compiler'")
    ap.add_argument("--kernels", default="", help="smolc kernels whose name (q8-gemm-i8mm) matches this regex only")
    ap.add_argument("--no-header", action="store_true")
    ap.add_argument("--mattr", default="", help="passed to llvm-mca as -mattr=MATTR (e.g. +fp16fml)")
    ap.add_argument("rest", nargs="*", help="SMOLC [CPU ...] (without --asm), or CPU ...")
    a = ap.parse_intermixed_args()  # SMOLC --kernels RE CPU ... as before
    rest = list(a.rest)
    if a.mattr:
        MATTR.append("-mattr=" + a.mattr)
    smolc = None if a.asm else (rest.pop(0) if rest else sys.exit("mca_neon.py: give SMOLC or --asm"))
    cpus = rest or ["cortex-a76", "neoverse-v1"]
    if not a.no_header:
        header(cpus)
    with tempfile.TemporaryDirectory() as tmp:
        for spec in a.asm:
            name, _, where = spec.partition("=")
            path, _, function = where.rpartition(":")
            kernel, _, cname = name.partition("|")
            row(kernel, cname, function_lines(path, function), cpus, tmp)
        if smolc:
            smolc_rows(smolc, re.compile(a.kernels) if a.kernels else None, cpus, tmp)


if __name__ == "__main__":
    main()
