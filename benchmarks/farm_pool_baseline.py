#!/usr/bin/python3
"""The baseline of bench_farm: Python's multiprocessing.Pool.map doing the same synthetic work
(busy-spinning for a given time per task), printing the same JSON fields.

usage: farm_pool_baseline.py PROCESSES [--work 0.2] [--task-us 50,1000] [--spin wall|cpu]
  --task-us: time only these task durations (microseconds), no count series
  --spin cpu: a task spins for its duration of processor time (default: wall-clock time)
"""
import argparse
import json
import multiprocessing as mp
import time

DURATIONS_US = [1, 10, 50, 100, 1000, 10000]
COUNTS = [1, 10, 100, 1000, 10000, 100000]


def spin(args):
    index, us, clock = args
    end = clock() + 1e-6 * us
    while clock() < end:
        pass
    return float(index)


CLOCKS = {"wall": time.perf_counter, "cpu": time.thread_time}
SPIN = "wall"


def time_loop(n, us):
    t0 = time.perf_counter()
    for k in range(n):
        spin((k, us, CLOCKS[SPIN]))
    return time.perf_counter() - t0


def time_pool(pool, n, us):
    t0 = time.perf_counter()
    pool.map(spin, [(k, us, CLOCKS[SPIN]) for k in range(n)])
    return time.perf_counter() - t0


def report(kind, procs, us, n, pool_s, loop_s):
    print(json.dumps({"bench": "farm", "kind": kind, "impl": "multiprocessing.Pool", "spin": SPIN, "ranks": procs, "task_us": us,
                      "n_tasks": n, "seconds": pool_s, "serial_seconds": loop_s,
                      "overhead_us_per_task": 1e6 * pool_s * procs / n - us,
                      "efficiency": 1e-6 * us * n / (procs * pool_s)}), flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("processes", type=int)
    ap.add_argument("--work", type=float, default=0.2)
    ap.add_argument("--task-us", type=lambda s: [float(x) for x in s.split(",")])
    ap.add_argument("--spin", choices=sorted(CLOCKS), default="wall")
    args = ap.parse_args()
    global SPIN
    SPIN = args.spin
    with mp.Pool(args.processes) as pool:
        for us in args.task_us or DURATIONS_US:
            n = max(20 * args.processes, int(args.work / (1e-6 * us)))
            report("duration", args.processes, us, n, time_pool(pool, n, us), time_loop(n, us))
        for n in [] if args.task_us else COUNTS:
            report("count", args.processes, 10, n, time_pool(pool, n, 10), time_loop(n, 10))


if __name__ == "__main__":
    main()
