#!/usr/bin/env python3
"""llvm-mca model of the aarch64 kernels' hot loops (a model, not a measurement).

For each kernel below, `smolc kernel` writes the generated source, a compiler
turns it into aarch64 assembly (clang-19 --target=aarch64-linux-gnu and
aarch64-linux-gnu-g++, both -O2 as `smolc compile` builds), the innermost
loop is cut out (the label a backward branch returns to, up to that branch,
containing no other such loop) and llvm-mca-19 simulates 200 iterations of it
on a CPU model. MACs per iteration are counted from the loop's own
instructions (fmla .4s = 4, smull/smull2/smlal .8h = 8, sdot .4s = 16,
smmla .4s = 32), so "cycles per 32 MACs" = (total cycles / iterations) / (MACs / 32).

  tools/kernels/mca_neon.py SMOLC [--kernels REGEX] [CPU ...]   (default CPUs: cortex-a76 neoverse-v1)

--kernels keeps the kernels whose name (e.g. q8-gemm-i8mm) matches REGEX.

Prints a markdown table. Needs clang-19, llvm-mca-19, aarch64-linux-gnu-g++.
"""
import os
import re
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# (format, op, isa, M, K): SmolLM2-135M's 576 x 576 projection.
KERNELS = [(f, op, isa, 576, 576) for f in ("f32", "bf16", "f16", "q8", "q4")
           for isa in ("neon", "neondot", "i8mm") for op in ("gemv", "gemm")
           if not (isa in ("neondot", "i8mm") and f not in ("q8", "q4"))]
COMPILERS = {"clang": ["clang++-19", "--target=aarch64-linux-gnu"], "gcc": ["aarch64-linux-gnu-g++"]}
MACS = [(re.compile(r"^\s*fmla\s+v\d+\.4s"), 4), (re.compile(r"^\s*(smull2?|smlal2?)\s+v\d+\.8h"), 8),
        (re.compile(r"^\s*sdot\s+v\d+\.4s"), 16), (re.compile(r"^\s*smmla\s+v\d+\.4s"), 32)]
LABEL = re.compile(r"^(\.?L\w+):")
# b, b.cond (clang), bcond (gcc), cbz/cbnz, tbz/tbnz; not bl (a call).
BRANCH = re.compile(r"^\s*(b|b\.?(?:eq|ne|lt|le|gt|ge|hi|hs|lo|ls|mi|pl|cc|cs|vs|vc)|cbn?z|tbn?z)\s+.*?(\.?L\w+)\s*$")


def innermost_loop(asm_lines):
    """The body (label line .. backward branch) of the innermost loop with the most MACs."""
    labels = {}
    loops = []
    for i, line in enumerate(asm_lines):
        m = LABEL.match(line)
        if m:
            labels[m.group(1)] = i
        b = BRANCH.match(line)
        if b and b.group(2) in labels and labels[b.group(2)] < i:
            loops.append((labels[b.group(2)], i))
    inner = [(s, e) for (s, e) in loops if not any(s < s2 and e2 <= e for (s2, e2) in loops if (s2, e2) != (s, e))]
    best = None
    for s, e in inner:
        body = asm_lines[s:e + 1]
        macs = sum(n for line in body for rx, n in MACS if rx.match(line))
        if macs and (best is None or macs > best[1]):
            best = (body, macs)
    return best


def mca(body, cpu, tmp):
    path = os.path.join(tmp, "loop.s")
    with open(path, "w") as f:
        f.write("\n".join(l for l in body if not l.strip().startswith((".p2align", ".loc", "//", "@", ".cfi"))) + "\n")
    out = subprocess.run(["llvm-mca-19", "-mtriple=aarch64", "-mcpu=" + cpu, "-iterations=200", path],
                         capture_output=True, text=True, check=True).stdout
    it = int(re.search(r"Iterations:\s+(\d+)", out).group(1))
    cyc = int(re.search(r"Total Cycles:\s+(\d+)", out).group(1))
    n = int(re.search(r"Instructions:\s+(\d+)", out).group(1)) // it
    return cyc / it, n


def main():
    smolc = sys.argv[1]
    args = sys.argv[2:]
    only = None
    if args[:1] == ["--kernels"]:
        only = re.compile(args[1])
        args = args[2:]
    cpus = args or ["cortex-a76", "neoverse-v1"]
    print("| kernel (576x576) | compiler | insns/iter | MACs/iter | " +
          " | ".join("%s cycles/iter | %s cycles per 32 MACs" % (c, c) for c in cpus) + " |")
    print("|---|---|---|---|" + "---|---|" * len(cpus))
    with tempfile.TemporaryDirectory() as tmp:
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
                loop = innermost_loop(open(asm).read().splitlines())
                if loop is None:
                    print("| %s-%s-%s | %s | no loop found | | %s |" % (fmt, op, isa, cname, " | " * len(cpus)))
                    continue
                body, macs = loop
                cells = []
                insns = 0
                for cpu in cpus:
                    per_iter, insns = mca(body, cpu, tmp)
                    cells += ["%.1f" % per_iter, "%.2f" % (per_iter / (macs / 32))]
                print("| %s-%s-%s | %s | %d | %d | %s |" % (fmt, op, isa, cname, insns, macs, " | ".join(cells)))


if __name__ == "__main__":
    main()
