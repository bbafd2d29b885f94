#!/usr/bin/env python3
"""Prints benchmarks/run_farm_groups.sh's JSON lines as two Markdown tables of medians over the
repeats (the machine may be shared: medians of figures taken side by side in the same repeat):
- one rank per task, before and after groups: per-task overhead, and the ratio of the time per
  task (task plus overhead) after / before within each repeat (above 1: slower after), with its
  range; the processor-time overhead per task is less sensitive to other jobs;
- groups: the farm's time per task against the same parallel tasks in a plain loop on every group,
  both from the same run."""
import json
import statistics
import sys

rows = [json.loads(line) for line in open(sys.argv[1] if len(sys.argv) > 1 else "benchmarks/results/farm_groups.jsonl") if line.strip()]
med = statistics.median


def series(kind, build, ranks, k, us):
    return [r for r in rows if r["kind"] == kind and r["build"] == build and r["ranks"] == ranks and r.get("group_size", 1) == k and r["task_us"] == us]


keys = sorted({(r["ranks"], r.get("group_size", 1), r["task_us"]) for r in rows})
print("| ranks | task (µs) | overhead/task before (µs) | after (µs) | time per task after / before [range] | CPU overhead/task before (µs) | after (µs) | repeats |")
print("|---|---|---|---|---|---|---|---|")
for ranks, k, us in keys:
    before, after = series("duration", "before", ranks, k, us), series("duration", "after", ranks, k, us)
    n = min(len(before), len(after))
    if k != 1 or not n:
        continue
    ratios = [(us + a["overhead_us_per_task"]) / (us + b["overhead_us_per_task"]) for a, b in zip(after[:n], before[:n])]
    print(f"| {ranks} | {us:g} | {med(b['overhead_us_per_task'] for b in before):.2f} | {med(a['overhead_us_per_task'] for a in after):.2f} | "
          f"{med(ratios):.3f} [{min(ratios):.2f}, {max(ratios):.2f}] | {med(b['cpu_overhead_us_per_task'] for b in before):.2f} | "
          f"{med(a['cpu_overhead_us_per_task'] for a in after):.2f} | {n} |")
print()
print("| ranks | ranks per task | task (µs) + Allreduce | farm per task (µs) | plain loop per task (µs) | farm overhead/task (µs) | loop / farm [range] | repeats |")
print("|---|---|---|---|---|---|---|---|")
for ranks, k, us in keys:
    runs = series("group_loop", "after", ranks, k, us)
    if not runs:
        continue
    g = ranks // k
    ratio = [r["efficiency_vs_loop"] for r in runs]
    print(f"| {ranks} | {k} | {us:g} | {med(1e6 * r['seconds'] * g / r['n_tasks'] for r in runs):.1f} | "
          f"{med(1e6 * r['group_loop_seconds'] * g / r['n_tasks'] for r in runs):.1f} | {med(r['loop_overhead_us_per_task'] for r in runs):.1f} | "
          f"{med(ratio):.3f} [{min(ratio):.2f}, {max(ratio):.2f}] | {len(runs)} |")
