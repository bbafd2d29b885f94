#!/usr/bin/python3
"""Plots bench_farm's JSON lines: time against number of 10 us tasks (serial work, MSFarm and
multiprocessing.Pool at 1 and 2 ranks), and efficiency against task duration.

usage: plot_farm_bench.py BENCH.jsonl OUT.png
"""
import json
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def main():
    rows = [json.loads(line) for line in open(sys.argv[1]) if line.startswith("{")]
    fig, (a, b) = plt.subplots(1, 2, figsize=(11, 4.2), dpi=110)
    counts = sorted({r["n_tasks"] for r in rows if r["kind"] == "count"})
    a.plot(counts, [1e-5 * n for n in counts], "k--", label="serial work (n x 10 us)")
    for impl, style in (("MSFarm", "-o"), ("multiprocessing.Pool", "-s")):
        for p in (1, 2):
            sel = sorted((r["n_tasks"], r["seconds"]) for r in rows if r["kind"] == "count" and r["impl"] == impl and r["ranks"] == p)
            if sel:
                a.plot(*zip(*sel), style, label=f"{impl}, {p} rank(s)")
            sel = sorted((r["task_us"], r["efficiency"]) for r in rows if r["kind"] == "duration" and r["impl"] == impl and r["ranks"] == p)
            if sel:
                b.plot(*zip(*sel), style, label=f"{impl}, {p} rank(s)")
    a.set(xscale="log", yscale="log", xlabel="number of 10 us tasks", ylabel="seconds", title="time against number of tasks")
    b.set(xscale="log", xlabel="task duration (us)", ylabel="efficiency (ideal time / time)", title="parallel efficiency", ylim=(0, 1.1))
    for ax in (a, b):
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(sys.argv[2])
    print(f"wrote {sys.argv[2]}")


if __name__ == "__main__":
    main()
