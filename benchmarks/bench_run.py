#!/usr/bin/python3
"""Per-task overhead of `metasim run` and its efficiency, with the Python baseline in the same run:
multiprocessing.Pool(P).map over subprocess.run(shell=True), the way a sweep of programs is
usually farmed from Python. Prints one JSON line per measurement.

  overhead:   N `true` tasks and 1 `true` task; per task = (wall(N) - wall(1)) / (N - 1), so the
              start-up (mpiexec, MPI and PETSc; the Pool's worker processes) is reported apart
              as startup_s = wall(1); the same for the Pool
  efficiency: N tasks of `sleep S` at P ranks; efficiency = N * S / (P * wall)

usage: bench_run.py METASIM [--ranks 1 2] [--true-tasks 2000] [--sleep-tasks 100] [--sleep 0.05]
       [--mpiexec mpiexec] [--work DIR]
"""
import argparse
import json
import multiprocessing as mp
import os
import shutil
import subprocess
import sys
import tempfile
import time


def shell(cmd):
    return subprocess.run(cmd, shell=True).returncode


def pool_wall(commands, processes):
    t0 = time.perf_counter()
    with mp.Pool(processes) as pool:
        codes = pool.map(shell, commands, chunksize=1)
    wall = time.perf_counter() - t0
    assert not any(codes), "a baseline task failed"
    return wall


def metasim_wall(args, commands, processes, work, tag):
    tasks = os.path.join(work, f"{tag}.txt")
    out = os.path.join(work, f"{tag}.h5")
    with open(tasks, "w") as f:
        f.write("\n".join(commands) + "\n")
    if os.path.exists(out):
        os.remove(out)
    cmd = [args.mpiexec, "-n", str(processes), "--oversubscribe", "--bind-to", "none", args.metasim, "run", tasks, "-o", out, "-q"]
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True)
    return time.perf_counter() - t0


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("metasim")
    ap.add_argument("--ranks", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--true-tasks", type=int, default=2000)
    ap.add_argument("--sleep-tasks", type=int, default=100)
    ap.add_argument("--sleep", type=float, default=0.05)
    ap.add_argument("--mpiexec", default="mpiexec")
    ap.add_argument("--work", default=None)
    args = ap.parse_args()
    work = args.work or tempfile.mkdtemp(prefix="bench_run.")
    os.makedirs(work, exist_ok=True)
    env = {"cores": os.cpu_count(), "load_avg_1min": os.getloadavg()[0]}
    for p in args.ranks:
        true_cmds = ["true"] * args.true_tasks
        m1, m = metasim_wall(args, ["true"], p, work, f"one{p}"), metasim_wall(args, true_cmds, p, work, f"true{p}")
        b1, b = pool_wall(["true"], p), pool_wall(true_cmds, p)
        for tool, one, wall in (("metasim run", m1, m), ("multiprocessing.Pool + subprocess.run", b1, b)):
            print(json.dumps({"bench": "run_overhead", "tool": tool, "ranks": p, "tasks": args.true_tasks, "wall_s": wall, "startup_s": one,
                              "per_task_ms": 1e3 * (wall - one) / (args.true_tasks - 1), **env}), flush=True)
        sleep_cmds = [f"sleep {args.sleep}"] * args.sleep_tasks
        ideal = args.sleep_tasks * args.sleep / p
        m = metasim_wall(args, sleep_cmds, p, work, f"sleep{p}")
        b = pool_wall(sleep_cmds, p)
        for tool, one, wall in (("metasim run", m1, m), ("multiprocessing.Pool + subprocess.run", b1, b)):
            print(json.dumps({"bench": "run_efficiency", "tool": tool, "ranks": p, "tasks": args.sleep_tasks, "task_s": args.sleep, "wall_s": wall, "ideal_s": ideal,
                              "efficiency": ideal / wall, "efficiency_after_startup": ideal / max(wall - one, 1e-9), **env}), flush=True)
    if not args.work:
        shutil.rmtree(work)


if __name__ == "__main__":
    sys.exit(main())
