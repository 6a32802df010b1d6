#!/usr/bin/python3
"""Summarises bench/compare_llama_cpp.sh results (JSON lines) as a markdown
table and/or a plot.

  plot_performance.py RESULTS.jsonl [--run RUN_ID[,RUN_ID...]|all] [--table] [--png docs/performance.png]

Without --run the latest run in the file is used; with several runs, rounds
of every run are pooled per (format, threads). Each (format, threads) has one
row per engine: every smolc build (target, compiler) and every llama.cpp peer
(llama-bench built natively, the prebuilt library, node). Tokens/s are medians
over every timed repetition of every round (range min..max); the ratio divides
by the primary peer (llama-bench built natively where it ran, else the first
peer found), with the range of the per-round ratios, each from an interleaved
pair; and
the decode ceiling is read bandwidth (same threads, same run) / the bytes a
decoded token must read: the packed weights plus the KV cache (K and V of
every earlier position, element type --kv, the same for both engines), whose
mean is small for tg128 (from an empty context) and large for tg128 @ d512
(after the 512-token prompt). Rows written before tg128 from an empty context
was measured only have the d512 decode (then called tg128), and no KV bytes
(ceiling n/a).
"""
import argparse
import json
import statistics
import sys
from collections import defaultdict

FORMAT_ORDER = ["f32", "bf16", "bf16a", "f16", "q16", "q8", "q4", "q4all"]
# bf16a (smolc --bf16 --bf16-activations) reads the bf16 GGUF's weights:
# when the run also measured bf16, compare_llama_cpp.sh times the peers once,
# in the bf16 rows, and the bf16a rows divide by those.
SAME_PEER = {"bf16a": "bf16"}


def load(path, run):
    rows = [json.loads(line) for line in open(path) if line.strip()]
    if not rows:
        sys.exit(f"{path}: no results")
    run = run or rows[-1]["run"]
    wanted = {r["run"] for r in rows} if run == "all" else set(run.split(","))
    rows = [normalise(r) for r in rows if r["run"] in wanted]
    if not rows:
        sys.exit(f"{path}: no results for run {run}")
    return run, rows


def runs_of(row, key):
    if row["engine"] == "smolc":
        return row["runs"][key]
    return row[key + "_tok_s"]["runs"]  # bench/llama_cpp/speed.mjs


def normalise(row):
    """Rows written before tg128 from an empty context was measured have one
    decode measurement, "tg128", taken after the 512-token prompt: that is
    tg128_d512 now."""
    if row["engine"] == "smolc" and "tg128_d512" not in row["runs"]:
        row["runs"]["tg128_d512"] = row["runs"].pop("tg128")
        row["kv_read_mb_tg128_d512"] = row.pop("kv_read_mb_tg128", float("nan"))
    if row["engine"] == "llama.cpp" and "tg128_d512_tok_s" not in row:
        row["tg128_d512_tok_s"] = row.pop("tg128_tok_s")
    return row


KEYS = ("pp512", "tg128", "tg128_d512")
DECODE_KEYS = ("tg128", "tg128_d512")


PEER_ORDER = ["bench", "prebuilt", "node"]


def variant(row):
    """The engine a row measures: 'smolc TARGET CXX' or 'llama.cpp PEER'.
    Rows written before --target/--cxx/--peers have no cxx (clang++-19 was the
    only compiler) and no peer (engine_detail tells the driver)."""
    if row["engine"] == "smolc":
        return f"smolc {row['target']} {row.get('cxx', 'clang++-19')}"
    if row["engine"] == "llama.cpp":
        peer = row.get("peer") or ("node" if "node-llama-cpp " in row.get("engine_detail", "") else "prebuilt")
        return f"llama.cpp {peer}"
    return row["engine"]


def summarise(rows):
    out = []
    groups = defaultdict(lambda: defaultdict(list))
    for r in rows:
        groups[(r["format"], r["threads"])][r["engine"]].append(r)
    for (fmt, threads), g in list(groups.items()):
        by = defaultdict(list)
        peer_rows = g["llama.cpp"]
        if not peer_rows and (SAME_PEER.get(fmt), threads) in groups:
            peer_rows = groups[(SAME_PEER[fmt], threads)]["llama.cpp"]
        for r in g["smolc"] + peer_rows:
            by[variant(r)].append(r)
        peers = sorted((v for v in by if v.startswith("llama.cpp ")),
                       key=lambda v: PEER_ORDER.index(v.split()[1]) if v.split()[1] in PEER_ORDER else 99)
        primary = by[peers[0]] if peers else []
        names = sorted(v for v in by if v.startswith("smolc ")) + peers
        ref = g["smolc"][0] if g["smolc"] else None
        for name in names:
            s = summarise_one(fmt, threads, {"smolc": by[name], "llama.cpp": primary, "read_bw": g["read_bw"]}, ref)
            if s:
                s["engine"] = name
                s["peer_name"] = peers[0] if peers else "none"
                out.append(s)
    out.sort(key=lambda s: (FORMAT_ORDER.index(s["format"]) if s["format"] in FORMAT_ORDER else 99, s["threads"]))
    return out


def has_key(row, key):
    return key in row["runs"] if row["engine"] == "smolc" else key + "_tok_s" in row


def summarise_one(fmt, threads, g, ref):
    """g["smolc"]: the rows of one engine (a smolc build or a peer);
    g["llama.cpp"]: the primary peer's; g["read_bw"]: the probe's; ref: a
    smolc row of this (format, threads) for the weight bytes and KV type."""
    nan = float("nan")
    rows, peer_rows = g["smolc"], g["llama.cpp"]
    peer = bool(peer_rows)
    s = {"format": fmt, "threads": threads, "rounds": len(rows), "peer": peer}
    s["keys"] = keys = [k for k in KEYS if all(has_key(r, k) for r in rows + peer_rows)]
    order = lambda r: (r["run"], r["round"])
    for key in keys:
        for eng, tag in ((rows, "smolc"), (peer_rows, "llama")):
            xs = [x for row in eng for x in runs_of(row, key)]
            s[f"{tag}_{key}"] = statistics.median(xs) if xs else nan
            s[f"{tag}_{key}_range"] = (min(xs), max(xs)) if xs else (nan, nan)
        s[f"ratio_{key}"] = s[f"smolc_{key}"] / s[f"llama_{key}"] if peer else nan
        per_round = [statistics.median(runs_of(a, key)) / statistics.median(runs_of(b, key))
                     for a, b in zip(sorted(rows, key=order), sorted(peer_rows, key=order))]
        s[f"ratio_{key}_range"] = (min(per_round), max(per_round)) if per_round else (nan, nan)
    weights_bytes = ref["weights_mb"] * 1e6 if ref else nan
    bw = statistics.median(r["read_gb_s"] for r in g["read_bw"]) if g["read_bw"] else nan
    s["weights_mb"] = weights_bytes / 1e6
    s["read_gb_s"] = bw
    s["kv"] = ref.get("kv", "f32") if ref else "?"
    for key in DECODE_KEYS:
        if key not in keys:
            continue
        kv = ref.get(f"kv_read_mb_{key}", nan) if ref else nan
        s[f"kv_read_mb_{key}"] = kv
        s[f"ceiling_{key}"] = bw * 1e9 / (weights_bytes + kv * 1e6)
        for tag in ("smolc", "llama"):
            s[f"{tag}_{key}_frac"] = s[f"{tag}_{key}"] / s[f"ceiling_{key}"]
    s["target"] = rows[0].get("target", "-")
    s["loadavg"] = [r["loadavg"] for r in rows]
    return s


def table(run, rows, summary):
    r0 = rows[0]
    details = sorted({f"{variant(r)}: {r['engine_detail']}" for r in rows if r["engine"] == "llama.cpp" and
                      "engine_detail" in r})
    peer = summary[0]["peer_name"] if summary else "none"
    print(f"run {run}: {r0['preset']}, {r0['cpu']} (flags: {' '.join(r0['cpu_flags'])}), "
          f"KV cache {summary[0]['kv'] if summary else '?'}; ratios divide by {peer}")
    for d in details:
        print(f"- {d}")
    print()
    names = {"pp512": "pp512", "tg128": "tg128", "tg128_d512": "tg128 @ d512"}
    head = ["format", "threads", "engine"]
    keys = [k for k in KEYS if any(k in s["keys"] for s in summary)]
    for k in keys:
        head += [f"{names[k]} tok/s", f"ratio {names[k]}"]
    head += ["read GB/s", "weights MB"]
    for k in keys:
        if k in DECODE_KEYS:
            head += [f"{names[k]} ceiling (w+KV)", "/ ceiling"]
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    rng = lambda t: f"{t[0]:.1f}..{t[1]:.1f}"
    rr = lambda t: f"{t[0]:.2f}..{t[1]:.2f}"
    pct = lambda x: "n/a" if x != x else f"{100 * x:.0f}%"
    num = lambda x: "n/a" if x != x else f"{x:.1f}"
    for s in summary:
        cells = [s["format"], str(s["threads"]), s["engine"]]
        for k in keys:
            if k not in s["keys"]:
                cells += ["", ""]
                continue
            cells += [f"{s[f'smolc_{k}']:.1f} ({rng(s[f'smolc_{k}_range'])})",
                      f"**{s[f'ratio_{k}']:.2f}** ({rr(s[f'ratio_{k}_range'])})" if s["peer"] else "-"]
        cells += [num(s["read_gb_s"]), num(s["weights_mb"])]
        for k in keys:
            if k not in DECODE_KEYS:
                continue
            if k not in s["keys"]:
                cells += ["", ""]
                continue
            cells += [f"{num(s[f'ceiling_{k}'])} (KV {num(s[f'kv_read_mb_{k}'])} MB)", pct(s[f"smolc_{k}_frac"])]
        print("| " + " | ".join(cells) + " |")
    loads = sorted({l for s in summary for l in s["loadavg"]})
    if loads:
        print(f"\nload average (1/5/15 min) when the engines ran: {loads[0]} .. {loads[-1]}")


def plot(summary, path, run):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    # One bar pair per (format, threads): the first smolc build against the primary peer.
    seen, first = set(), []
    for s in summary:
        if s["engine"].startswith("smolc ") and (s["format"], s["threads"]) not in seen:
            seen.add((s["format"], s["threads"]))
            first.append(s)
    summary = first
    labels = [f"{s['format']}\n{s['threads']} thr" for s in summary]
    titles = {"tg128": "decode tg128, empty context (tokens/s)", "tg128_d512": "decode tg128 @ d512 (tokens/s)",
              "pp512": "prefill pp512 (tokens/s)"}
    keys = [k for k in ("tg128", "tg128_d512", "pp512") if all(k in s["keys"] for s in summary)]
    xs = range(len(summary))
    w = 0.38
    fig, axes = plt.subplots(1, len(keys), figsize=(5.5 * len(keys), 4.2), squeeze=False)
    for ax, key in zip(axes[0], keys):
        for off, tag, name, color in ((-w / 2, "smolc", "smolc", "#1f77b4"), (w / 2, "llama", "llama.cpp", "#ff7f0e")):
            have = [(x, s) for x, s in zip(xs, summary) if tag == "smolc" or s["peer"]]
            med = [s[f"{tag}_{key}"] for _, s in have]
            lo = [m - s[f"{tag}_{key}_range"][0] for m, (_, s) in zip(med, have)]
            hi = [s[f"{tag}_{key}_range"][1] - m for m, (_, s) in zip(med, have)]
            ax.bar([x + off for x, _ in have], med, w, yerr=[lo, hi], capsize=3, label=name, color=color)
        decode = key in DECODE_KEYS
        if decode:
            ax.scatter(list(xs), [s[f"ceiling_{key}"] for s in summary], marker="_", s=900, color="k",
                       label="DRAM ceiling (weights + KV)", zorder=3)
        for x, s in zip(xs, summary):
            top = max(s[f"smolc_{key}_range"][1], s[f"llama_{key}_range"][1] if s["peer"] else 0,
                      s[f"ceiling_{key}"] if decode else 0)
            ax.annotate(f"{s[f'ratio_{key}']:.2f}x" if s["peer"] else "no peer", (x, top),
                        ha="center", va="bottom", fontsize=8, xytext=(0, 3), textcoords="offset points")
        ax.set_xticks(list(xs))
        ax.set_xticklabels(labels, fontsize=7)
        ax.set_title(titles[key], fontsize=9)
        ax.legend(fontsize=7)
    fig.suptitle(f"SmolLM2-135M shapes (synthetic weights), median and range; labels: smolc / llama.cpp; runs {run}",
                 fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    print(f"wrote {path}", file=sys.stderr)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("results")
    ap.add_argument("--run")
    ap.add_argument("--table", action="store_true")
    ap.add_argument("--png")
    ap.add_argument("--json", action="store_true", help="print the summary as JSON")
    a = ap.parse_args()
    run, rows = load(a.results, a.run)
    summary = summarise(rows)
    if a.table:
        table(run, rows, summary)
    if a.json:
        print(json.dumps(summary, indent=1))
    if a.png:
        plot(summary, a.png, ", ".join(sorted({r['run'] for r in rows})))


if __name__ == "__main__":
    main()
