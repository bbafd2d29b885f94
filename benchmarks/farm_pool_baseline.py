#!/usr/bin/python3
"""The baseline of bench_farm: Python's multiprocessing.Pool.map doing the same synthetic work
(busy-spinning for a given time per task), printing the same JSON fields.

usage: farm_pool_baseline.py PROCESSES [--work 0.2]
"""
import argparse
import json
import multiprocessing as mp
import time

DURATIONS_US = [1, 10, 50, 100, 1000, 10000]
COUNTS = [1, 10, 100, 1000, 10000, 100000]


def spin(args):
    index, us = args
    end = time.perf_counter() + 1e-6 * us
    while time.perf_counter() < end:
        pass
    return float(index)


def time_loop(n, us):
    t0 = time.perf_counter()
    for k in range(n):
        spin((k, us))
    return time.perf_counter() - t0


def time_pool(pool, n, us):
    t0 = time.perf_counter()
    pool.map(spin, [(k, us) for k in range(n)])
    return time.perf_counter() - t0


def report(kind, procs, us, n, pool_s, loop_s):
    print(json.dumps({"bench": "farm", "kind": kind, "impl": "multiprocessing.Pool", "ranks": procs, "task_us": us,
                      "n_tasks": n, "seconds": pool_s, "serial_seconds": loop_s,
                      "overhead_us_per_task": 1e6 * pool_s * procs / n - us,
                      "efficiency": 1e-6 * us * n / (procs * pool_s)}), flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("processes", type=int)
    ap.add_argument("--work", type=float, default=0.2)
    args = ap.parse_args()
    with mp.Pool(args.processes) as pool:
        for us in DURATIONS_US:
            n = max(20 * args.processes, int(args.work / (1e-6 * us)))
            report("duration", args.processes, us, n, time_pool(pool, n, us), time_loop(n, us))
        for n in COUNTS:
            report("count", args.processes, 10, n, time_pool(pool, n, 10), time_loop(n, 10))


if __name__ == "__main__":
    main()
