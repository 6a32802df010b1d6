#!/usr/bin/python3
"""Summarises bench/compare_llama_cpp.sh results (JSON lines) as a markdown
table and/or a plot.

  plot_performance.py RESULTS.jsonl [--run RUN_ID[,RUN_ID...]|all] [--table] [--png docs/performance.png]

Without --run the latest run in the file is used; with several runs, rounds
of every run are pooled per (format, threads). For each (format, threads):
tokens/s of smolc and llama.cpp are medians over every timed repetition of
every round (range min..max), the ratio is smolc / llama.cpp of those medians
(with the range of the per-round ratios, each from an interleaved pair), and
the DRAM ceiling is read bandwidth (same threads, same run) / weight bytes
streamed per decoded token. A decoded token also reads the KV cache (K and V
of every earlier position, both engines the same element type, --kv), so the
second ceiling, "w+KV", is read bandwidth / (weight bytes + the mean KV bytes
a tg128 token reads); it is what a decode step can at best reach. Results
from before smolc bench reported kv_read_mb_tg128 show n/a there.
"""
import argparse
import json
import statistics
import sys
from collections import defaultdict

FORMAT_ORDER = ["f32", "bf16", "f16", "q16", "q8", "q4"]


def load(path, run):
    rows = [json.loads(line) for line in open(path) if line.strip()]
    if not rows:
        sys.exit(f"{path}: no results")
    run = run or rows[-1]["run"]
    wanted = {r["run"] for r in rows} if run == "all" else set(run.split(","))
    rows = [r for r in rows if r["run"] in wanted]
    if not rows:
        sys.exit(f"{path}: no results for run {run}")
    return run, rows


def runs_of(row, key):
    if row["engine"] == "smolc":
        return row["runs"][key]
    return row[key + "_tok_s"]["runs"]  # bench/llama_cpp/speed.mjs


def summarise(rows):
    groups = defaultdict(lambda: defaultdict(list))
    for r in rows:
        groups[(r["format"], r["threads"])][r["engine"]].append(r)
    out = []
    for (fmt, threads), g in groups.items():
        if not g["smolc"] or not g["llama.cpp"]:
            print(f"note: {fmt}, {threads} thread(s): no {'llama.cpp' if g['smolc'] else 'smolc'} result, left out",
                  file=sys.stderr)
            continue
        s = {"format": fmt, "threads": threads, "rounds": len(g["smolc"])}
        for key in ("pp512", "tg128"):
            for eng, tag in (("smolc", "smolc"), ("llama.cpp", "llama")):
                xs = [x for row in g[eng] for x in runs_of(row, key)]
                s[f"{tag}_{key}"] = statistics.median(xs)
                s[f"{tag}_{key}_range"] = (min(xs), max(xs))
            s[f"ratio_{key}"] = s[f"smolc_{key}"] / s[f"llama_{key}"]
            order = lambda r: (r["run"], r["round"])
            per_round = [statistics.median(runs_of(a, key)) / statistics.median(runs_of(b, key))
                         for a, b in zip(sorted(g["smolc"], key=order), sorted(g["llama.cpp"], key=order))]
            s[f"ratio_{key}_range"] = (min(per_round), max(per_round))
        weights_bytes = statistics.median(r["weights_mb"] for r in g["smolc"]) * 1e6
        bw = statistics.median(r["read_gb_s"] for r in g["read_bw"]) if g["read_bw"] else float("nan")
        s["weights_mb"] = weights_bytes / 1e6
        s["read_gb_s"] = bw
        s["ceiling_tg"] = bw * 1e9 / weights_bytes
        kv = [r["kv_read_mb_tg128"] for r in g["smolc"] if "kv_read_mb_tg128" in r]
        s["kv"] = g["smolc"][0].get("kv", "f32")
        s["kv_read_mb"] = statistics.median(kv) if kv else float("nan")
        s["ceiling_tg_kv"] = bw * 1e9 / (weights_bytes + s["kv_read_mb"] * 1e6)
        s["smolc_ceiling_kv_frac"] = s["smolc_tg128"] / s["ceiling_tg_kv"]
        s["llama_ceiling_kv_frac"] = s["llama_tg128"] / s["ceiling_tg_kv"]
        s["smolc_ceiling_frac"] = s["smolc_tg128"] / s["ceiling_tg"]
        s["llama_ceiling_frac"] = s["llama_tg128"] / s["ceiling_tg"]
        s["target"] = g["smolc"][0]["target"]
        s["loadavg"] = [r["loadavg"] for r in g["smolc"]]
        out.append(s)
    out.sort(key=lambda s: (FORMAT_ORDER.index(s["format"]) if s["format"] in FORMAT_ORDER else 99, s["threads"]))
    return out


def table(run, rows, summary):
    r0 = rows[0]
    llama = next((r.get("engine_detail", "llama.cpp") for r in rows if r["engine"] == "llama.cpp"), "llama.cpp")
    print(f"run {run}: {r0['preset']}, {r0['cpu']} (flags: {' '.join(r0['cpu_flags'])}), "
          f"smolc target {summary[0]['target'] if summary else '?'}; {llama}")
    print()
    print("| format | threads | smolc pp512 | llama.cpp pp512 | ratio pp512 | smolc tg128 | llama.cpp tg128 | ratio tg128 "
          "| read GB/s | ceiling tg tok/s | smolc / ceiling | llama.cpp / ceiling "
          "| KV MB/token | ceiling w+KV | smolc / w+KV | llama.cpp / w+KV |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    pct = lambda x: "n/a" if x != x else f"{100 * x:.0f}%"
    num = lambda x: "n/a" if x != x else f"{x:.1f}"
    rng = lambda t: f"{t[0]:.1f}..{t[1]:.1f}"
    rr = lambda t: f"{t[0]:.2f}..{t[1]:.2f}"
    for s in summary:
        print(f"| {s['format']} | {s['threads']} "
              f"| {s['smolc_pp512']:.1f} ({rng(s['smolc_pp512_range'])}) | {s['llama_pp512']:.1f} ({rng(s['llama_pp512_range'])}) "
              f"| **{s['ratio_pp512']:.2f}** ({rr(s['ratio_pp512_range'])}) "
              f"| {s['smolc_tg128']:.1f} ({rng(s['smolc_tg128_range'])}) | {s['llama_tg128']:.1f} ({rng(s['llama_tg128_range'])}) "
              f"| **{s['ratio_tg128']:.2f}** ({rr(s['ratio_tg128_range'])}) "
              f"| {s['read_gb_s']:.1f} | {s['ceiling_tg']:.1f} | {100 * s['smolc_ceiling_frac']:.0f}% "
              f"| {100 * s['llama_ceiling_frac']:.0f}% "
              f"| {num(s['kv_read_mb'])} ({s['kv']}) | {num(s['ceiling_tg_kv'])} | {pct(s['smolc_ceiling_kv_frac'])} "
              f"| {pct(s['llama_ceiling_kv_frac'])} |")
    loads = sorted({l for s in summary for l in s["loadavg"]})
    if loads:
        print(f"\nload average (1/5/15 min) when smolc ran: {loads[0]} .. {loads[-1]}")


def plot(summary, path, run):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    labels = [f"{s['format']}\n{s['threads']} thr" for s in summary]
    xs = range(len(summary))
    w = 0.38
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2))
    for ax, key, title in ((axes[0], "tg128", "decode tg128 (tokens/s)"), (axes[1], "pp512", "prefill pp512 (tokens/s)")):
        for off, tag, name, color in ((-w / 2, "smolc", "smolc", "#1f77b4"), (w / 2, "llama", "llama.cpp", "#ff7f0e")):
            med = [s[f"{tag}_{key}"] for s in summary]
            lo = [m - s[f"{tag}_{key}_range"][0] for m, s in zip(med, summary)]
            hi = [s[f"{tag}_{key}_range"][1] - m for m, s in zip(med, summary)]
            ax.bar([x + off for x in xs], med, w, yerr=[lo, hi], capsize=3, label=name, color=color)
        if key == "tg128":
            ax.scatter(list(xs), [s["ceiling_tg"] for s in summary], marker="_", s=900, color="k",
                       label="DRAM ceiling, weights", zorder=3)
            if any(s["ceiling_tg_kv"] == s["ceiling_tg_kv"] for s in summary):
                ax.scatter(list(xs), [s["ceiling_tg_kv"] for s in summary], marker="_", s=900, color="#2ca02c",
                           label="DRAM ceiling, weights + KV", zorder=3)
        for x, s in zip(xs, summary):
            top = max(s[f"smolc_{key}_range"][1], s[f"llama_{key}_range"][1], s["ceiling_tg"] if key == "tg128" else 0)
            ax.annotate(f"{s[f'ratio_{key}']:.2f}x", (x, top),
                        ha="center", va="bottom", fontsize=8, xytext=(0, 3), textcoords="offset points")
        ax.set_xticks(list(xs))
        ax.set_xticklabels(labels)
        ax.set_title(title)
        ax.legend(fontsize=8)
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
