"""The innermost loops of a compiler's assembly listing, for the llvm-mca scripts.

A loop is a label and the backward branch that returns to it; an innermost
loop contains no other. mca_x86.py and mca_neon.py differ only in their
branch syntax and in how they count a loop's multiply-adds.
"""


def innermost_loops(asm_lines, label_rx, branch_rx, branch_group):
    """(start, end) line indices of every loop that contains no other loop."""
    labels = {}
    loops = []
    for i, line in enumerate(asm_lines):
        m = label_rx.match(line)
        if m:
            labels[m.group(1)] = i
        b = branch_rx.match(line)
        if b and b.group(branch_group) in labels and labels[b.group(branch_group)] < i:
            loops.append((labels[b.group(branch_group)], i))
    return [(s, e) for (s, e) in loops if not any(s < s2 and e2 <= e for (s2, e2) in loops if (s2, e2) != (s, e))]


def loop_with_most_macs(asm_lines, label_rx, branch_rx, branch_group, macs_of):
    """(body lines, MACs) of the innermost loop whose macs_of(body) is largest, or None."""
    best = None
    for s, e in innermost_loops(asm_lines, label_rx, branch_rx, branch_group):
        body = asm_lines[s:e + 1]
        macs = macs_of(body)
        if macs and (best is None or macs > best[1]):
            best = (body, macs)
    return best
