#!/usr/bin/python3
"""Overheads of `import metasim`, as JSON lines (benchmarks/run_python.sh runs every part and the
baselines side by side).

  bench_python.py meta [--sims 200] [--reps 30]
      per-simulation per-operation time of tiny Python simulations (SimPEG protocol) through
      metasim.MetaSimulation vs a plain Python loop over the same simulations and projections,
      at a new model for every repetition; overhead = metasim * ranks - loop, per simulation;
      and the same meta simulation of C linear simulations (the C framework's own share).
  bench_python.py pool [--multiprocessing P]
      per-task overhead of metasim.Pool.map (run it under mpiexec -n P) or of
      multiprocessing.Pool(P).map for busy-spin tasks of 1 us and 1 ms: P * T / n - d.
"""
import argparse
import json
import time

import numpy as np

TASKS = [(1, 20000), (1000, 400)]  # (task microseconds, number of tasks)


class Tiny:
    """A SimPEG-protocol simulation doing almost nothing, so the framework's cost shows."""

    def __init__(self, G):
        self.G, self.n_data = G, G.shape[0]

    def dpred(self, m, f=None):
        return self.G @ m

    def Jvec(self, m, v, f=None):
        return self.G @ v

    def Jtvec(self, m, w, f=None):
        return self.G.T @ w


def bench_meta(n_sims, reps):
    import metasim
    n_model, width = 4 * n_sims, 8
    rng = np.random.default_rng(0)
    sims = [Tiny(rng.standard_normal((4, width))) for _ in range(n_sims)]
    idx = [np.sort(rng.choice(n_model, width, replace=False)) for _ in range(n_sims)]
    maps = [metasim.ProjectionMap(n_model, ix) for ix in idx]
    models = [rng.standard_normal(n_model) for _ in range(reps)]
    v, w = rng.standard_normal(n_model), rng.standard_normal(4 * n_sims)
    blocks = np.split(w, n_sims)

    def loop_jtvec(m):
        out = np.zeros(n_model)
        for s, ix, wi in zip(sims, idx, blocks):
            out[ix] += s.Jtvec(m[ix], wi)
        return out

    loop = {"dpred": lambda m: np.concatenate([s.dpred(m[ix]) for s, ix in zip(sims, idx)]),
            "Jvec": lambda m: np.concatenate([s.Jvec(m[ix], v[ix]) for s, ix in zip(sims, idx)]),
            "Jtvec": loop_jtvec}
    def best_of_3(fn):
        best = []
        for _ in range(3):  # the best of 3 sweeps over the models
            t0 = time.perf_counter()
            for m in models:
                fn(m)
            best.append((time.perf_counter() - t0) / reps)
        return min(best)

    def operations(meta):
        return {"dpred": meta.dpred, "Jvec": lambda m: meta.Jvec(m, v), "Jtvec": lambda m: meta.Jtvec(m, w)}

    linear = [metasim.LinearSimulation(s.G) for s in sims]
    with metasim.MetaSimulation(sims, maps) as meta, metasim.MetaSimulation(linear, maps) as cmeta:
        ops, cops = operations(meta), operations(cmeta)
        for op in ops:
            assert np.allclose(ops[op](models[0]), loop[op](models[0]))
            t_meta, t_loop, t_c = best_of_3(ops[op]), best_of_3(loop[op]), best_of_3(cops[op])
            if metasim.rank() == 0:
                print(json.dumps({"bench": "python_meta", "op": op, "ranks": metasim.size(), "n_sims": n_sims,
                                  "reps": reps, "metasim_us_per_sim": 1e6 * t_meta / n_sims,
                                  "loop_us_per_sim": 1e6 * t_loop / n_sims,
                                  "overhead_us_per_sim": 1e6 * (t_meta * metasim.size() - t_loop) / n_sims,
                                  "c_linear_metasim_us_per_sim": 1e6 * t_c / n_sims}), flush=True)


def spin(us):
    end = time.perf_counter() + 1e-6 * us
    while time.perf_counter() < end:
        pass
    return us


def report(impl, ranks, us, n, seconds):
    print(json.dumps({"bench": "python_pool", "impl": impl, "ranks": ranks, "task_us": us, "n_tasks": n,
                      "seconds": seconds, "overhead_us_per_task": 1e6 * seconds * ranks / n - us,
                      "efficiency": 1e-6 * us * n / (ranks * seconds)}), flush=True)


def bench_pool(processes):
    if processes:
        import multiprocessing
        with multiprocessing.Pool(processes) as pool:
            pool.map(spin, [0] * 100)  # start the workers
            for us, n in TASKS:
                t0 = time.perf_counter()
                pool.map(spin, [us] * n)
                report("multiprocessing.Pool", processes, us, n, time.perf_counter() - t0)
        return
    import metasim
    with metasim.Pool() as pool:
        pool.map(spin, [0] * 100)
        for us, n in TASKS:
            pool.comm.Barrier()
            t0 = time.perf_counter()
            pool.map(spin, [us] * n)
            seconds = time.perf_counter() - t0
            if metasim.rank() == 0:
                report("metasim.Pool", metasim.size(), us, n, seconds)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("part", choices=["meta", "pool"])
    ap.add_argument("--sims", type=int, default=200)
    ap.add_argument("--reps", type=int, default=30)
    ap.add_argument("--multiprocessing", type=int, default=0, metavar="P")
    args = ap.parse_args()
    if args.part == "meta":
        bench_meta(args.sims, args.reps)
    else:
        bench_pool(args.multiprocessing)


if __name__ == "__main__":
    main()
