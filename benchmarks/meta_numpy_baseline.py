#!/usr/bin/python3
"""The numpy baselines of bench_meta's case (a) (8 dense simulations of 2000 data x 2000 model
cells, identity maps), shaped like SimPEG's meta simulations:

  serial          MetaSimulation: one process loops over the simulations (G @ m, G.T @ w, the JtJ
                  diagonal as the column sums of G * G).
  multiprocessing MultiprocessingMetaSimulation: P persistent worker processes, each holding a
                  contiguous block of the simulations, sent the model (or its data block) through
                  a pipe per operation; the parent concatenates the data or sums the model vectors.

Each operation is timed as the median of --reps calls; one JSON line per implementation with the
same operation names as bench_meta.

usage: meta_numpy_baseline.py [--processes 1] [--reps 21] [--sims 8] [--data 2000] [--model 2000]
"""
import argparse
import json
import multiprocessing as mp
import os
import statistics
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
import numpy as np  # noqa: E402  (after the BLAS thread count is fixed)

OPS = ("dpred", "jvec", "jtvec", "jtjdiag")


def operator(index, n_data, n_model):
    """The same entries as bench_meta's simulation `index` (column-major k = row + col * n_data)."""
    k = np.arange(n_data * n_model, dtype=np.int64)
    return (1.0 / (1.0 + ((k * 7919 + index * 104729) % 1000))).reshape(n_model, n_data).T.copy()


def apply(op, mats, x):
    if op in ("dpred", "jvec"):
        return np.concatenate([G @ x for G in mats])
    if op == "jtvec":
        n = mats[0].shape[0]
        return sum(G.T @ x[k * n:(k + 1) * n] for k, G in enumerate(mats))
    return sum(np.einsum("ij,ij->j", G, G) for G in mats)


def worker(conn, first, end, n_data, n_model):
    mats = [operator(i, n_data, n_model) for i in range(first, end)]
    conn.send("ready")
    while True:
        msg = conn.recv()
        if msg is None:
            return
        op, x = msg
        conn.send(apply(op, mats, x))


class Workers:
    """P persistent processes, each with a contiguous block of the simulations."""

    def __init__(self, processes, n_sims, n_data, n_model):
        self.blocks, self.conns, self.procs = [], [], []
        for p in range(processes):
            first, end = p * n_sims // processes, (p + 1) * n_sims // processes
            parent, child = mp.Pipe()
            proc = mp.Process(target=worker, args=(child, first, end, n_data, n_model))
            proc.start()
            self.blocks.append((first, end))
            self.conns.append(parent)
            self.procs.append(proc)
        for c in self.conns:
            c.recv()
        self.n_data = n_data

    def __call__(self, op, x):
        for (first, end), c in zip(self.blocks, self.conns):
            part = x[first * self.n_data:end * self.n_data] if op == "jtvec" else x
            c.send((op, part))
        parts = [c.recv() for c in self.conns]
        return np.concatenate(parts) if op in ("dpred", "jvec") else sum(parts)

    def close(self):
        for c in self.conns:
            c.send(None)
        for p in self.procs:
            p.join()


def time_ops(call, n_sims, n_data, n_model, reps):
    m = 1.0 + np.arange(n_model) % 7
    w = np.ones(n_sims * n_data)
    out = {}
    for op in OPS:
        x = w if op == "jtvec" else m
        call(op, x)  # warm up
        t = []
        for _ in range(reps):
            t0 = time.perf_counter()
            call(op, x)
            t.append(time.perf_counter() - t0)
        out[op] = {"seconds": statistics.median(t)}
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--processes", type=int, default=1)
    ap.add_argument("--reps", type=int, default=21)
    ap.add_argument("--sims", type=int, default=8)
    ap.add_argument("--data", type=int, default=2000)
    ap.add_argument("--model", type=int, default=2000)
    a = ap.parse_args()
    if a.processes < 1 or a.reps < 1 or min(a.sims, a.data, a.model) < 1:
        ap.error("--processes, --reps, --sims, --data and --model must be positive")
    head = {"benchmark": "meta_numpy", "case": "a", "n_sims": a.sims, "n_data": a.data, "n_model": a.model}
    if a.processes == 1:
        mats = [operator(i, a.data, a.model) for i in range(a.sims)]
        ops = time_ops(lambda op, x: apply(op, mats, x), a.sims, a.data, a.model, a.reps)
        print(json.dumps({**head, "impl": "numpy serial (MetaSimulation)", "processes": 1, "ops": ops}), flush=True)
    else:
        workers = Workers(a.processes, a.sims, a.data, a.model)
        try:
            ops = time_ops(workers, a.sims, a.data, a.model, a.reps)
        finally:
            workers.close()
        print(json.dumps({**head, "impl": "numpy multiprocessing (MultiprocessingMetaSimulation)", "processes": a.processes,
                          "ops": ops}), flush=True)


if __name__ == "__main__":
    main()
