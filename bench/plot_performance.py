#!/usr/bin/python3
"""Summarises bench/compare_llama_cpp.sh results (JSON lines) as a markdown
table and/or a plot.

  plot_performance.py RESULTS.jsonl [--run RUN_ID[,RUN_ID...]|all] [--table] [--png docs/performance.png]

Without --run the latest run in the file is used; with several runs, rounds
of every run are pooled per (format, threads). For each (format, threads):
tokens/s of smolc and llama.cpp are medians over every timed repetition of
every round (range min..max), the ratio is smolc / llama.cpp of those medians
(with the range of the per-round ratios, each from an interleaved pair), and
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

FORMAT_ORDER = ["f32", "bf16", "f16", "q16", "q8", "q4", "q4all"]


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


def summarise(rows):
    groups = defaultdict(lambda: defaultdict(list))
    for r in rows:
        groups[(r["format"], r["threads"])][r["engine"]].append(r)
    out = []
    for (fmt, threads), g in groups.items():
        if not g["smolc"]:
            print(f"note: {fmt}, {threads} thread(s): no smolc result, left out", file=sys.stderr)
            continue
        # q16 has no llama.cpp counterpart: its rows show smolc and the ceiling only.
        peer = bool(g["llama.cpp"])
        s = {"format": fmt, "threads": threads, "rounds": len(g["smolc"]), "peer": peer}
        keys = [k for k in KEYS if all(k in r["runs"] for r in g["smolc"]) and
                all(k + "_tok_s" in r for r in g["llama.cpp"])]
        s["keys"] = keys
        nan = float("nan")
        for key in keys:
            for eng, tag in (("smolc", "smolc"), ("llama.cpp", "llama")):
                xs = [x for row in g[eng] for x in runs_of(row, key)]
                s[f"{tag}_{key}"] = statistics.median(xs) if xs else nan
                s[f"{tag}_{key}_range"] = (min(xs), max(xs)) if xs else (nan, nan)
            s[f"ratio_{key}"] = s[f"smolc_{key}"] / s[f"llama_{key}"] if peer else nan
            order = lambda r: (r["run"], r["round"])
            per_round = [statistics.median(runs_of(a, key)) / statistics.median(runs_of(b, key))
                         for a, b in zip(sorted(g["smolc"], key=order), sorted(g["llama.cpp"], key=order))]
            s[f"ratio_{key}_range"] = (min(per_round), max(per_round)) if per_round else (nan, nan)
        weights_bytes = statistics.median(r["weights_mb"] for r in g["smolc"]) * 1e6
        bw = statistics.median(r["read_gb_s"] for r in g["read_bw"]) if g["read_bw"] else nan
        s["weights_mb"] = weights_bytes / 1e6
        s["read_gb_s"] = bw
        s["kv"] = g["smolc"][0].get("kv", "f32")
        for key in DECODE_KEYS:
            if key not in keys:
                continue
            kv = [r[f"kv_read_mb_{key}"] for r in g["smolc"] if f"kv_read_mb_{key}" in r]
            s[f"kv_read_mb_{key}"] = statistics.median(kv) if kv else nan
            s[f"ceiling_{key}"] = bw * 1e9 / (weights_bytes + s[f"kv_read_mb_{key}"] * 1e6)
            for tag in ("smolc", "llama"):
                s[f"{tag}_{key}_frac"] = s[f"{tag}_{key}"] / s[f"ceiling_{key}"]
        s["target"] = g["smolc"][0]["target"]
        s["loadavg"] = [r["loadavg"] for r in g["smolc"]]
        out.append(s)
    out.sort(key=lambda s: (FORMAT_ORDER.index(s["format"]) if s["format"] in FORMAT_ORDER else 99, s["threads"]))
    return out


def table(run, rows, summary):
    r0 = rows[0]
    llama = next((r.get("engine_detail", "llama.cpp") for r in rows if r["engine"] == "llama.cpp"), "llama.cpp")
    print(f"run {run}: {r0['preset']}, {r0['cpu']} (flags: {' '.join(r0['cpu_flags'])}), "
          f"smolc target {summary[0]['target'] if summary else '?'}, KV cache {summary[0]['kv'] if summary else '?'}; "
          f"{llama}")
    print()
    names = {"pp512": "pp512", "tg128": "tg128", "tg128_d512": "tg128 @ d512"}
    head, rule = ["format", "threads"], ["---", "---"]
    keys = [k for k in KEYS if any(k in s["keys"] for s in summary)]
    for k in keys:
        head += [f"smolc {names[k]}", f"llama.cpp {names[k]}", f"ratio {names[k]}"]
    head += ["read GB/s", "weights MB"]
    for k in keys:
        if k in DECODE_KEYS:
            head += [f"{names[k]} ceiling (w+KV)", "smolc / ceiling", "llama.cpp / ceiling"]
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    rng = lambda t: f"{t[0]:.1f}..{t[1]:.1f}"
    rr = lambda t: f"{t[0]:.2f}..{t[1]:.2f}"
    pct = lambda x: "n/a" if x != x else f"{100 * x:.0f}%"
    num = lambda x: "n/a" if x != x else f"{x:.1f}"
    for s in summary:
        cells = [s["format"], str(s["threads"])]
        for k in keys:
            if k not in s["keys"]:
                cells += ["", "", ""]
                continue
            cells += [f"{s[f'smolc_{k}']:.1f} ({rng(s[f'smolc_{k}_range'])})"]
            cells += ([f"{s[f'llama_{k}']:.1f} ({rng(s[f'llama_{k}_range'])})",
                       f"**{s[f'ratio_{k}']:.2f}** ({rr(s[f'ratio_{k}_range'])})"] if s["peer"] else ["none", "-"])
        cells += [num(s["read_gb_s"]), f"{s['weights_mb']:.1f}"]
        for k in keys:
            if k not in DECODE_KEYS:
                continue
            if k not in s["keys"]:
                cells += ["", "", ""]
                continue
            cells += [f"{num(s[f'ceiling_{k}'])} (KV {num(s[f'kv_read_mb_{k}'])} MB)", pct(s[f"smolc_{k}_frac"]),
                      pct(s[f"llama_{k}_frac"]) if s["peer"] else "-"]
        print("| " + " | ".join(cells) + " |")
    loads = sorted({l for s in summary for l in s["loadavg"]})
    if loads:
        print(f"\nload average (1/5/15 min) when smolc ran: {loads[0]} .. {loads[-1]}")


def plot(summary, path, run):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

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
