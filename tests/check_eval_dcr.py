#!/usr/bin/env python3
"""`metasim info` and `metasim eval` on a problem of dcr simulations written with h5py
(tests/data/msformat.py): pole and dipole sources, pole and difference receivers, identity and
sum maps. Checks at NP ranks, without a numpy model of the PDE:
  - info prints each simulation's type, grid, sources and data count;
  - J 1 = -dpred: shifting every log conductivity by t scales every potential by exp(-t), and
    the maps keep a uniform shift uniform;
  - w' J v = v' J' w (the adjoint test, from eval's outputs);
  - the results equal those of eval on one rank.
usage: check_eval_dcr.py METASIM NP WORKDIR
"""
import os
import subprocess
import sys

import h5py
import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "data"))
import msformat  # noqa: E402

metasim, np_ranks, work = sys.argv[1], sys.argv[2], sys.argv[3]
os.makedirs(work, exist_ok=True)
mpiexec = os.environ.get("MPIEXEC", "mpiexec")
failures = 0


def check(ok, what):
    global failures
    failures += not ok
    print("%s %s" % ("ok  " if ok else "FAIL", what))


def problem():
    rng = np.random.default_rng(3)
    sims = [msformat.dcr_survey(n_sources=2, n_rx=3), msformat.dcr_survey(n_sources=1, n_rx=4),
            msformat.dcr_survey(n_sources=3, n_rx=2)]
    # simulation 1: a dipole source and a difference receiver
    s = sims[1]
    s["sources"]["b"], s["sources"]["dipole"] = np.array([[0.3, -0.2, 0.0]]), np.array([1])
    s["receivers"]["n"] = s["receivers"]["m"] + [0.2, 0.1, 0.0]
    s["receivers"]["difference"] = np.array([0, 1, 0, 1])
    # simulation 2: the sum of two halves of the model, one through a projection
    n = sims[2]["steps"][0]["n_in"]
    half = {"type": "linear", "n_in": n, "n_out": n, "A": 0.5 * np.eye(n), "b": np.zeros(n)}
    perm = {"type": "projection", "n_in": n, "n_out": n, "indices": np.arange(n, dtype=np.int64)}
    sims[2]["steps"] = [{"type": "sum", "n_in": n, "n_out": n, "terms": [[half], [perm, half]]}]
    n_data = sum(len(s["receivers"]["source"]) for s in sims)
    x = np.arange(n) % 6 - 2.5
    vectors = {"models/m": np.log(0.01) + 0.3 * np.tanh(x), "models/ones": np.ones(n),
               "models/v": rng.standard_normal(n), "data/w": rng.standard_normal(n_data)}
    return {"kind": "stack", "n_model": n, "n_data": n_data, "sims": sims, "vectors": vectors}


def run(args, ranks):
    cmd = [mpiexec, "-n", str(ranks), "--oversubscribe", metasim] + args
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    if out.returncode != 0:
        print("FAIL: %s\n%s%s" % (" ".join(cmd), out.stdout, out.stderr))
    return out


def evaluate(path, ranks, vector):
    out = os.path.join(work, "dcr-np%s-np%s-%s-out.h5" % (np_ranks, ranks, vector))
    if run(["eval", path, "--force", "-o", out, "--ops", "dpred,jvec,jtvec", "--vector", vector], ranks).returncode:
        return None
    with h5py.File(out, "r") as f:
        return {key: f[key][...] for key in ("dpred", "Jvec", "Jtvec")}


p = problem()
path = os.path.join(work, "dcr-np%s.h5" % np_ranks)
msformat.write_problem(path, p)
back = msformat.read_problem(path)
check(back["sims"][1]["receivers"]["difference"].tolist() == [0, 1, 0, 1] and back["sims"][2]["steps"][0]["type"] == "sum",
      "msformat reads the dcr groups and the sum step back")
try:
    msformat.evaluate(back)
    check(False, "msformat.evaluate refuses dcr simulations")
except NotImplementedError:
    check(True, "msformat.evaluate refuses dcr simulations")

info = run(["info", path], np_ranks)
check(info.returncode == 0 and "dcr" in info.stdout and "6 x 6 x 4" in info.stdout and "3 sources" in info.stdout,
      "metasim info describes the dcr simulations:\n" + info.stdout)

ones, rand = evaluate(path, np_ranks, "ones"), evaluate(path, np_ranks, "v")
if ones and rand:
    d = ones["dpred"]
    err = np.max(np.abs(ones["Jvec"] + d)) / np.max(np.abs(d))
    check(err <= 1e-9, "np=%s J 1 = -dpred, rel err %.2e" % (np_ranks, err))
    lhs, rhs = p["vectors"]["data/w"] @ rand["Jvec"], p["vectors"]["models/v"] @ rand["Jtvec"]
    err = abs(lhs - rhs) / max(abs(lhs), abs(rhs))
    check(err <= 1e-9, "np=%s w'Jv = %.6e, v'J'w = %.6e, rel err %.2e" % (np_ranks, lhs, rhs, err))
    check(np.all(np.isfinite(d)) and np.all(d[:6] > 0), "np=%s pole-pole potentials of simulation 0 are positive" % np_ranks)
    serial = evaluate(path, 1, "v") if np_ranks != "1" else rand
    for key in ("dpred", "Jvec", "Jtvec"):
        err = np.max(np.abs(rand[key] - serial[key])) / np.max(np.abs(serial[key]))
        check(err <= 1e-12, "np=%s %s against one rank, rel err %.2e" % (np_ranks, key, err))
else:
    failures += 1

print("%d failure(s)" % failures)
sys.exit(1 if failures else 0)
