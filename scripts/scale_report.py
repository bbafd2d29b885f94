#!/usr/bin/env python3
"""The report of a `metasim scale` study: reads DIR/runs.jsonl (records of bench_scale), writes
DIR/table.csv, DIR/summary.json, DIR/time.png, DIR/efficiency.png, DIR/phases.png, prints the
table, checks a latency-bandwidth model against every measured point and projects the
operations to larger rank counts (see docs/scaling.md for the model and its assumptions).

usage: scale_report.py DIR [--project 64,1024,10000]
"""
import argparse
import csv
import json
import math
import os
import sys

PHASES = ("scatter", "local_forward", "local_adjoint", "reduce")
# The projected problem (docs/scaling.md): 10^4 tiles of 10^5 cells on a 10^7-cell model.
PROJECTED = {"tiles": 10_000, "tile_cells": 100_000, "n_model": 10_000_000}
# MSMeta's agreement reductions per operation (MPI_Allreduce of a few bytes): the model's count.
AGREEMENTS_PER_OP = 3


def fail(msg):
    print(f"scale_report: {msg}", file=sys.stderr)
    sys.exit(1)


def read_runs(path):
    """The records of runs.jsonl; a line that is not a JSON object is an error naming it."""
    records = []
    try:
        with open(path) as f:
            for k, line in enumerate(f, 1):
                if not line.strip():
                    continue
                try:
                    r = json.loads(line)
                except json.JSONDecodeError as e:
                    fail(f"{path}:{k}: not a JSON record ({e.msg})")
                if not isinstance(r, dict) or r.get("benchmark") != "scale":
                    fail(f"{path}:{k}: not a metasim scale record")
                for key in ("workload", "op", "ranks", "min_s", "median_s"):
                    if key not in r:
                        fail(f"{path}:{k}: the record has no \"{key}\"")
                records.append(r)
    except OSError as e:
        fail(f"{path}: {e.strerror}")
    if not records:
        fail(f"{path}: no records")
    return records


def size_of(r):
    """What the problem's size is: tiles (simulations) or tasks."""
    return r.get("n_sims", r.get("n_tasks", 0))


def efficiency_rows(records):
    """One row per (workload, op, ranks): speedup and efficiency against the smallest rank count.

    Strong scaling (same size at every rank count): S = T0 / T, E = S P0 / P.
    Weak scaling (size grows with ranks): E = T0 / T, S = E P / P0. Times are medians."""
    groups = {}
    for r in records:
        groups.setdefault((r["workload"], r["op"], r.get("hosts", 1) > 1), []).append(r)
    rows = []
    for (workload, op, _), rs in sorted(groups.items()):
        rs = sorted(rs, key=lambda r: r["ranks"])
        base = rs[0]
        weak = len({size_of(r) for r in rs}) > 1
        for r in rs:
            p0, p = base["ranks"], r["ranks"]
            ratio = base["median_s"] / r["median_s"] if r["median_s"] > 0 else float("nan")
            if weak:
                eff, speedup = ratio, ratio * p / p0
            else:
                speedup, eff = ratio, ratio * p0 / p
            phases = r.get("phases_s", {})
            row = {"workload": workload, "op": op, "mode": "weak" if weak else "strong",
                   "ranks": p, "hosts": r.get("hosts", 1), "size": size_of(r),
                   "min_s": r["min_s"], "median_s": r["median_s"],
                   "speedup": speedup, "efficiency": eff,
                   "peak_rss_mib_max": r.get("peak_rss_mib_max", float("nan"))}
            for ph in PHASES:
                row[ph + "_s"] = phases.get(ph, 0.0)
            # phases are means over the repeats: the rest of the mean time is "other"
            row["mean_s"] = r.get("mean_s", r["median_s"])
            row["other_s"] = max(0.0, row["mean_s"] - sum(phases.get(ph, 0.0) for ph in PHASES))
            rows.append(row)
    return rows


def network(records):
    """Latency and bandwidth: the slowest pair measured (between hosts if any run spans hosts)."""
    pts = [r for r in records if r.get("latency_s", 0) > 0 and r.get("bandwidth_Bps", 0) > 0]
    if not pts:
        return None
    multi = [r for r in pts if r.get("hosts", 1) > 1]
    use = multi or pts
    return {"alpha_s": max(r["latency_s"] for r in use), "beta_Bps": min(r["bandwidth_Bps"] for r in use),
            "between_hosts": bool(multi)}


def model_time(t_sim, tiles, ranks, support_max, net):
    """alpha-beta model of one MSMeta operation at `ranks` ranks:
    local work of the busiest rank + the scatter in and reduction out of its support (one
    neighbour message each way) + the agreement reductions (log2 P rounds of latency)."""
    t = t_sim * math.ceil(tiles / ranks)
    if ranks > 1 and net:
        t += 2 * (net["alpha_s"] + 8.0 * support_max / net["beta_Bps"])
        t += AGREEMENTS_PER_OP * math.ceil(math.log2(ranks)) * net["alpha_s"]
    return t


def check_and_project(records, project, net):
    """Per (workload, op) of the meta workloads: fit the per-simulation time on the one-rank (or
    smallest) run, predict every measured point, then project the stated problem."""
    out = {"network": net, "assumptions": {
        "projected_problem": PROJECTED, "agreements_per_op": AGREEMENTS_PER_OP,
        "local_time": "per simulation, scaled by tile cells (the measured tile -> 10^5 cells)",
        "communication": "two neighbour messages of 8 bytes x the busiest rank's support, plus "
                         "ceil(log2 P) latencies per agreement",
        "support_projected": "tiles per rank x (model / tiles) + one tile (contiguous ownership)"},
        "checks": [], "projection": []}
    groups = {}
    for r in records:
        if "n_sims" in r and r.get("support_max", 0) > 0:
            groups.setdefault((r["workload"], r["op"]), []).append(r)
    for (workload, op), rs in sorted(groups.items()):
        rs = sorted(rs, key=lambda r: (r["ranks"], r.get("hosts", 1)))
        base = rs[0]
        local = sum(base.get("phases_s", {}).get(ph, 0.0) for ph in ("local_forward", "local_adjoint"))
        per_rank_tiles = math.ceil(base["n_sims"] / base["ranks"])
        t_sim = (local if local > 0 else base["median_s"]) / per_rank_tiles
        for r in rs:
            pred = model_time(t_sim, r["n_sims"], r["ranks"], r["support_max"], net)
            out["checks"].append({"workload": workload, "op": op, "ranks": r["ranks"], "hosts": r.get("hosts", 1),
                                  "measured_s": r["median_s"], "predicted_s": pred,
                                  "predicted_over_measured": pred / r["median_s"] if r["median_s"] > 0 else None})
        cells = base.get("tile_cells", 0)
        if cells and cells > 0:
            t_sim_big = t_sim * PROJECTED["tile_cells"] / cells
            t1 = model_time(t_sim_big, PROJECTED["tiles"], 1, PROJECTED["n_model"], net)
            for p in project:
                tiles_per_rank = math.ceil(PROJECTED["tiles"] / p)
                support = min(PROJECTED["n_model"], tiles_per_rank * PROJECTED["n_model"] // PROJECTED["tiles"] + PROJECTED["tile_cells"])
                tp = model_time(t_sim_big, PROJECTED["tiles"], p, support, net)
                out["projection"].append({"workload": workload, "op": op, "ranks": p, "predicted_s": tp,
                                          "efficiency": t1 / (p * tp)})
    return out


def write_csv(rows, path):
    keys = list(rows[0].keys())
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=keys)
        w.writeheader()
        for row in rows:
            w.writerow(row)


def plot(rows, outdir):
    """time.png, efficiency.png, phases.png; skipped with a note without matplotlib."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("scale_report: python3-matplotlib is missing, no plots", file=sys.stderr)
        return []
    series = {}
    for row in rows:
        series.setdefault((row["workload"], row["op"], row["hosts"] > 1), []).append(row)
    made = []
    for name, key, ylabel, logy in (("time.png", "median_s", "median time per operation (s)", True),
                                    ("efficiency.png", "efficiency", "parallel efficiency", False)):
        fig, ax = plt.subplots(figsize=(6.4, 4.2))
        for (workload, op, multi), rs in sorted(series.items()):
            ax.plot([r["ranks"] for r in rs], [r[key] for r in rs], marker="o",
                    label=f"{workload} {op}" + (" (hosts)" if multi else ""))
        ax.set_xscale("log", base=2)
        if logy:
            ax.set_yscale("log")
        else:
            ax.axhline(1.0, color="grey", lw=0.8)
            ax.set_ylim(0, 1.3)
        ax.set_xlabel("ranks")
        ax.set_ylabel(ylabel)
        ax.legend(fontsize=7)
        fig.tight_layout()
        fig.savefig(os.path.join(outdir, name), dpi=110)
        plt.close(fig)
        made.append(name)
    meta = [(k, rs) for k, rs in sorted(series.items()) if any(r[ph + "_s"] for r in rs for ph in PHASES)]
    if meta:
        fig, axes = plt.subplots(1, len(meta), figsize=(2.6 * len(meta) + 1, 3.8), squeeze=False)
        for ax, ((workload, op, multi), rs) in zip(axes[0], meta):
            x = [str(r["ranks"]) for r in rs]
            bottom = [0.0] * len(rs)
            for ph in PHASES + ("other",):
                h = [r[ph + "_s"] for r in rs]
                ax.bar(x, h, bottom=bottom, label=ph.replace("_", " "))
                bottom = [b + v for b, v in zip(bottom, h)]
            ax.set_title(f"{workload} {op}", fontsize=8)
            ax.set_xlabel("ranks")
        axes[0][0].set_ylabel("seconds per operation (slowest rank)")
        axes[0][-1].legend(fontsize=7)
        fig.tight_layout()
        fig.savefig(os.path.join(outdir, "phases.png"), dpi=110)
        plt.close(fig)
        made.append("phases.png")
    return made


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("dir")
    ap.add_argument("--project", default="64,1024,10000")
    a = ap.parse_args()
    try:
        project = [int(p) for p in a.project.split(",")]
        assert all(p >= 1 for p in project)
    except (ValueError, AssertionError):
        fail(f"--project {a.project}: expected rank counts separated by commas")
    records = read_runs(os.path.join(a.dir, "runs.jsonl"))
    rows = efficiency_rows(records)
    write_csv(rows, os.path.join(a.dir, "table.csv"))
    net = network(records)
    model = check_and_project(records, project, net)
    plots = plot(rows, a.dir)
    with open(os.path.join(a.dir, "summary.json"), "w") as f:
        json.dump({"rows": rows, "model": model, "plots": plots}, f, indent=1)
    print(f"{'workload':8} {'op':8} {'mode':6} {'ranks':>5} {'hosts':>5} {'median s':>10} {'speedup':>7} {'eff':>5}"
          f" {'scatter':>8} {'fwd':>8} {'adj':>8} {'reduce':>8} {'RSS MiB':>7}")
    for r in rows:
        print(f"{r['workload']:8} {r['op']:8} {r['mode']:6} {r['ranks']:5d} {r['hosts']:5d} {r['median_s']:10.3e}"
              f" {r['speedup']:7.2f} {r['efficiency']:5.2f} {r['scatter_s']:8.1e} {r['local_forward_s']:8.1e}"
              f" {r['local_adjoint_s']:8.1e} {r['reduce_s']:8.1e} {r['peak_rss_mib_max']:7.1f}")
    if model["checks"]:
        print("model check (predicted / measured):", " ".join(
            f"{c['op']}@{c['ranks']}:{c['predicted_over_measured']:.2f}" for c in model["checks"] if c["predicted_over_measured"]))
    for p in model["projection"]:
        print(f"projection {p['workload']} {p['op']} at {p['ranks']} ranks: {p['predicted_s']:.3e} s, efficiency {p['efficiency']:.2f}")
    print(f"wrote {a.dir}/table.csv, summary.json" + "".join(", " + p for p in plots))


if __name__ == "__main__":
    main()
