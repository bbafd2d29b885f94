#!/usr/bin/python3
"""metasim on a machine with other load: the meta case (a) at 1 and 2 ranks and the farm's 50 us
tasks at 2 ranks, each with 0 and 1 background CPU-bound processes that this benchmark starts and
stops itself, side by side with the numpy baselines (benchmarks/meta_numpy_baseline.py: SimPEG's
MetaSimulation and MultiprocessingMetaSimulation shapes) and multiprocessing.Pool
(benchmarks/farm_pool_baseline.py) in the same run.

Launch settings ("configs") are BIND/YIELD/WAIT: mpiexec --bind-to BIND, mpi_yield_when_idle
YIELD and MSMeta's -meta_wait WAIT (the farm always waits quietly). The default runs the
scripts' setting (bind none, yield 1, wait quiet); --study adds Open MPI's own defaults for two
ranks (bind core, yield 0, and MSMeta waiting in MPI_Wait), and the steps between: no binding,
then yield, then the quiet wait. Every measurement is repeated --repeat times, interleaved over
backgrounds and configs so that the machine's drift hits all of them alike.

Prints one JSON line per measurement ("kind": "raw"), then one per (background, config) with the
medians over repeats ("kind": "summary"):
  meta: seconds per operation at 1 and 2 ranks and two_over_one = t(2 ranks) / t(1 rank)
        (target: <= 1 with one background process), and the numpy baselines' times;
  farm: MSFarm's and Pool's efficiency at 2 ranks/processes and farm_over_pool (target: >= 1).

usage: bench_contention.py BUILD_DIR [--background 0,1] [--repeat 3] [--reps 11] [--study]
                                     [--spin cpu|wall] [--out FILE]
"""
import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
OPS = ("dpred", "jvec", "jtvec", "jtjdiag")
DEFAULT_CONFIG = ("none", 1, "quiet")
STUDY_CONFIGS = [("core", 0, "spin"), ("none", 0, "spin"), ("none", 1, "spin"), DEFAULT_CONFIG]


def config_name(cfg):
    return "bind-%s/yield-%d/wait-%s" % cfg


class Background:
    """n CPU-bound processes (a busy loop each), started here and stopped by PID on exit."""

    def __init__(self, n):
        self.procs = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(n)]
        time.sleep(0.5 if n else 0)  # let the scheduler see them

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        for p in self.procs:
            p.kill()
        for p in self.procs:
            p.wait()


def run_json(cmd, env):
    """Runs cmd and returns the JSON objects it printed, one per line."""
    out = subprocess.run(cmd, env=env, check=True, stdout=subprocess.PIPE, text=True).stdout
    return [json.loads(line) for line in out.splitlines() if line.startswith("{")]


def mpi_env(cfg):
    env = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1", OPENBLAS_NUM_THREADS="1")
    env["OMPI_MCA_mpi_yield_when_idle"] = str(cfg[1])
    return env


def mpiexec(np_, cfg, prog, args):
    return ["mpiexec", "-n", str(np_), "--oversubscribe", "--bind-to", cfg[0], prog] + args


def measure(build, background, cfg, args):
    """One repetition of every measurement of one (background, config); returns raw records."""
    env = mpi_env(cfg)
    rec = []
    for np_ in (1, 2):
        for obj in run_json(mpiexec(np_, cfg, os.path.join(build, "benchmarks", "bench_meta"),
                                    ["-case", "a", "-maps", "identity", "-reps", str(args.reps), "-meta_wait", cfg[2]]), env):
            rec.append({"part": "meta", "ranks": np_, "seconds": {op: obj["ops"][op]["meta_seconds"] for op in OPS},
                        "floor_seconds": obj["floor_seconds"]})
    for obj in run_json(mpiexec(2, cfg, os.path.join(build, "benchmarks", "bench_farm"),
                                ["-task_us", "50", "-counts", "false", "-spin", args.spin, "-farm_schedule", "dynamic"]), env):
        rec.append({"part": "farm", "ranks": 2, "efficiency": obj["efficiency"], "counter": obj["counter"]})
    for r in rec:
        r.update({"kind": "raw", "background": background, "config": config_name(cfg)})
    return rec


def measure_baselines(background, args):
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1")
    rec = []
    for procs in (1, 2):
        for obj in run_json([sys.executable, os.path.join(HERE, "meta_numpy_baseline.py"), "--processes", str(procs),
                             "--reps", str(args.reps)], env):
            rec.append({"part": "meta_numpy", "processes": procs, "seconds": {op: obj["ops"][op]["seconds"] for op in OPS}})
    for obj in run_json([sys.executable, os.path.join(HERE, "farm_pool_baseline.py"), "2", "--task-us", "50",
                         "--spin", args.spin], env):
        rec.append({"part": "pool", "processes": 2, "efficiency": obj["efficiency"]})
    for r in rec:
        r.update({"kind": "raw", "background": background, "config": "python"})
    return rec


def summarize(raw, backgrounds, configs, spin):
    med = statistics.median
    out = []
    for b in backgrounds:
        pool = [r["efficiency"] for r in raw if r["background"] == b and r["part"] == "pool"]
        numpy = {p: {op: med([r["seconds"][op] for r in raw if r["background"] == b and r["part"] == "meta_numpy"
                              and r["processes"] == p]) for op in OPS} for p in (1, 2)}
        for cfg in configs:
            sel = [r for r in raw if r["background"] == b and r["config"] == config_name(cfg)]
            t = {n: {op: med([r["seconds"][op] for r in sel if r["part"] == "meta" and r["ranks"] == n]) for op in OPS}
                 for n in (1, 2)}
            farm = med([r["efficiency"] for r in sel if r["part"] == "farm"])
            out.append({"kind": "summary", "background": b, "config": config_name(cfg), "repeats": len(pool),
                        "meta": {"seconds_1_rank": t[1], "seconds_2_ranks": t[2],
                                 "two_over_one": {op: t[2][op] / t[1][op] for op in OPS},
                                 "numpy_serial_seconds": numpy[1], "numpy_multiprocessing_2_seconds": numpy[2],
                                 "metasim_2_over_numpy_multiprocessing_2": {op: t[2][op] / numpy[2][op] for op in OPS}},
                        "farm": {"task_us": 50, "spin": spin, "efficiency_msfarm_2": farm, "efficiency_pool_2": med(pool),
                                 "farm_over_pool": farm / med(pool)}})
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("build")
    ap.add_argument("--background", default="0,1", type=lambda s: [int(x) for x in s.split(",")])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--reps", type=int, default=11)
    ap.add_argument("--study", action="store_true", help="every bind/yield combination, not only the default")
    ap.add_argument("--spin", choices=("cpu", "wall"), default="cpu")
    ap.add_argument("--out", help="also append every JSON line to this file")
    args = ap.parse_args()
    if args.repeat < 1 or args.reps < 1 or any(b < 0 for b in args.background):
        ap.error("--repeat and --reps must be positive, --background counts non-negative")
    for prog in ("bench_meta", "bench_farm"):
        if not os.access(os.path.join(args.build, "benchmarks", prog), os.X_OK):
            ap.error("%s: no benchmarks/%s in this build folder (build first: scripts/test or scripts/demo)" % (args.build, prog))
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # stop the background processes on kill too
    configs = STUDY_CONFIGS if args.study else [DEFAULT_CONFIG]
    sink = open(args.out, "a") if args.out else None

    def emit(obj):
        line = json.dumps(obj)
        print(line, flush=True)
        if sink:
            sink.write(line + "\n")
            sink.flush()

    raw = []
    for rep in range(args.repeat):
        for b in args.background:
            with Background(b):
                load = os.getloadavg()[0]
                for rec in measure_baselines(b, args) + [r for cfg in configs for r in measure(args.build, b, cfg, args)]:
                    rec.update({"repeat": rep, "loadavg_1min": load})
                    raw.append(rec)
                    emit(rec)
    for s in summarize(raw, args.background, configs, args.spin):
        emit(s)


if __name__ == "__main__":
    main()
