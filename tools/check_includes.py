#!/usr/bin/env python3
"""Checks the include rules between compiler folders (docs/architecture.md).

A folder of compiler/ may include its own headers, those of runtime/ and
those of folders earlier in LAYERS; folders of one layer are siblings and
include none of each other. runtime/ includes nothing of compiler/.
Includes are resolved as the build resolves them: the including file's
folder, then compiler/, the repository root and runtime/.

  tools/check_includes.py [ROOT]    exit 0: clean; 1: each violation printed
"""
import os
import re
import sys

# Earliest first: the pipeline frontend -> ir -> passes -> target -> schedule
# -> lower -> emit -> package, then the drivers on top of it.
LAYERS = [
    ["common"],
    ["frontend"],
    ["reference", "synth", "text"],  # tools beside the frontend
    ["ir"],
    ["passes"],
    ["target"],  # formats (target/format.h), ISAs, the target table
    ["quantize"],  # quantisers and calibration, read by the weight lowering
    ["schedule"],
    ["lower"],  # weight lowering and the packed layout the kernels read
    ["emit"],
    ["package"],  # compiles the emitted sources, writes the engine directory
    ["tune"],
    ["driver"],  # compile_model: the one pipeline from checkpoint to engine directory
    ["bench"],
    ["cli"],
]

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def rank_of(folder):
    for i, layer in enumerate(LAYERS):
        if folder in layer:
            return i
    return None


def resolve(root, src, name):
    for base in (os.path.dirname(src), os.path.join(root, "compiler"), root, os.path.join(root, "runtime")):
        p = os.path.normpath(os.path.join(base, name))
        if os.path.isfile(p):
            return p
    return None


def sources(top):
    for d, _, files in os.walk(top):
        for f in sorted(files):
            if f.endswith((".h", ".cpp", ".hpp", ".c")):
                yield os.path.join(d, f)


def main():
    root = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), ".."))
    compiler = os.path.join(root, "compiler")
    runtime = os.path.join(root, "runtime")
    bad = []
    known = {f for layer in LAYERS for f in layer}
    for folder in sorted(os.listdir(compiler)):
        if os.path.isdir(os.path.join(compiler, folder)) and folder not in known:
            bad.append(f"compiler/{folder}/: not placed in LAYERS of tools/check_includes.py")
    for top in (compiler, runtime):
        for src in sources(top):
            rel = os.path.relpath(src, root)
            with open(src, encoding="utf-8", errors="replace") as fh:
                text = fh.read()
            for m in INCLUDE.finditer(text):
                line = text.count("\n", 0, m.start()) + 1
                target = resolve(root, src, m.group(1))
                if target is None:
                    continue  # generated at build time (embedded templates) or a system header
                if top == runtime:
                    if target.startswith(compiler + os.sep):
                        bad.append(f"{rel}:{line}: runtime includes compiler file {os.path.relpath(target, root)}")
                    continue
                if not target.startswith(compiler + os.sep):
                    continue  # runtime/ and the repository's shared headers
                have = os.path.relpath(src, compiler).split(os.sep)[0]
                want = os.path.relpath(target, compiler).split(os.sep)[0]
                if have == want:
                    continue
                hr, wr = rank_of(have), rank_of(want)
                if hr is None or wr is None:
                    continue  # reported above
                if wr >= hr:
                    why = "a sibling folder" if wr == hr else "a later folder"
                    bad.append(f"{rel}:{line}: compiler/{have} includes {os.path.relpath(target, root)}, {why} "
                               f"({' -> '.join('/'.join(layer) for layer in LAYERS)})")
    for b in bad:
        print(b)
    if bad:
        print(f"{len(bad)} include rule violation(s); see docs/architecture.md", file=sys.stderr)
        return 1
    print("include rules hold")
    return 0


if __name__ == "__main__":
    sys.exit(main())
