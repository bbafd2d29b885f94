#!/usr/bin/env python3
"""`metasim eval` against numpy: writes problems with h5py (tests/data/msformat.py, independent of
the C library), runs the command at NP ranks, reads its results with h5py and compares them to
a dense numpy evaluation.  usage: check_eval.py METASIM NP WORKDIR
"""
import glob
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

for kind, n_sims in (("stack", 6), ("sum", 5), ("stack", 1)):
    problem = msformat.random_problem(kind=kind, n_sims=n_sims, seed=n_sims)
    path = os.path.join(work, "eval-%s-%d-np%s.h5" % (kind, n_sims, np_ranks))
    out = path.replace(".h5", "-out.h5")
    msformat.write_problem(path, problem)
    if os.path.exists(out):
        os.remove(out)
    cmd = [mpiexec, "-n", np_ranks, "--oversubscribe", metasim, "eval", path, "--force", "-o", out,
           "--ops", "dpred,jvec,jtvec,jtjdiag", "-meta_jtjdiag", "exact"]
    run = subprocess.run(cmd, capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    if run.returncode != 0:
        print("FAIL: %s\n%s%s" % (" ".join(cmd), run.stdout, run.stderr))
        failures += 1
        continue
    ref = msformat.evaluate(problem)
    with h5py.File(out, "r") as f:
        attrs = dict(f.attrs)
        for key, want in ref.items():
            got = f[key][...]
            err = np.max(np.abs(got - want)) / np.max(np.abs(want))
            ok = got.shape == want.shape and err <= 1e-12
            failures += not ok
            print("%s %s n_sims=%d np=%s %-9s rel err %.2e" % ("ok  " if ok else "FAIL", kind, n_sims, np_ranks, key, err))
    expect = {"format": "metasim-results", "format_version": 1, "kind": kind, "n_ranks": int(np_ranks),
              "n_sims": n_sims, "jtjdiag_exact": 1}
    for key, want in expect.items():
        if attrs.get(key) != want:
            print("FAIL: attribute %s = %r, expected %r" % (key, attrs.get(key), want))
            failures += 1
    if "-meta_jtjdiag exact" not in attrs.get("options", ""):
        print("FAIL: the options attribute does not record -meta_jtjdiag: %r" % attrs.get("options"))
        failures += 1
    if glob.glob(out + ".tmp-*"):
        print("FAIL: temporary files left: %s" % glob.glob(out + ".tmp-*"))
        failures += 1

print("%d failure(s)" % failures)
sys.exit(1 if failures else 0)
