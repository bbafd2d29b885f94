#!/usr/bin/env python3
"""Prints benchmarks/run_farm_groups.sh's JSON lines as two Markdown tables, each entry the best
(smallest overhead) over the repeats:
- one rank per task, before and after groups: per-task overhead, the ratio of the time per
  task (task plus overhead) after / before (above 1: slower after), and the processor-time
  overhead per task (less sensitive to other jobs on a shared machine);
- groups: the farm's time per task against the same parallel tasks in a plain loop on every group."""
import json
import sys

rows = [json.loads(line) for line in open(sys.argv[1] if len(sys.argv) > 1 else "benchmarks/results/farm_groups.jsonl") if line.strip()]


def best(kind, field):
    out, runs = {}, {}
    for r in rows:
        if r["kind"] != kind:
            continue
        key = (r["build"], r["ranks"], r.get("group_size", 1), r["task_us"])
        runs[key] = runs.get(key, 0) + 1
        if key not in out or r[field] < out[key][field]:
            out[key] = r
    return out, runs


single, runs = best("duration", "overhead_us_per_task")
cpu, _ = best("duration", "cpu_overhead_us_per_task")
print("| ranks | task (µs) | overhead/task before (µs) | after (µs) | time per task after / before | CPU overhead/task before (µs) | after (µs) | runs |")
print("|---|---|---|---|---|---|---|---|")
for (build, ranks, k, us), r in sorted(single.items(), key=lambda kv: (kv[0][1], kv[0][3])):
    b = single.get(("before", ranks, k, us))
    if build != "after" or k != 1 or not b:
        continue
    ratio = (us + r["overhead_us_per_task"]) / (us + b["overhead_us_per_task"])
    cb, ca = cpu[("before", ranks, k, us)], cpu[(build, ranks, k, us)]
    print(f"| {ranks} | {us:g} | {b['overhead_us_per_task']:.2f} | {r['overhead_us_per_task']:.2f} | {ratio:.3f} | "
          f"{cb['cpu_overhead_us_per_task']:.2f} | {ca['cpu_overhead_us_per_task']:.2f} | {runs[(build, ranks, k, us)]} |")
print()
groups, runs = best("group_loop", "loop_overhead_us_per_task")
print("| ranks | ranks per task | task (µs) + Allreduce | farm per task (µs) | plain loop per task (µs) | farm overhead/task (µs) | loop / farm | runs |")
print("|---|---|---|---|---|---|---|---|")
for (build, ranks, k, us), r in sorted(groups.items(), key=lambda kv: (kv[0][1], kv[0][3])):
    g = ranks // k
    print(f"| {ranks} | {k} | {us:g} | {1e6 * r['seconds'] * g / r['n_tasks']:.1f} | {1e6 * r['group_loop_seconds'] * g / r['n_tasks']:.1f} | "
          f"{r['loop_overhead_us_per_task']:.1f} | {r['efficiency_vs_loop']:.3f} | {runs[(build, ranks, k, us)]} |")
