#!/usr/bin/env python3
"""`metasim eval` on the SimPEG reference problems (tests/data/reference), converted with
scripts/convert_simpeg_reference.py: dpred, Jvec, Jtvec against SimPEG's /ref; the JtJ diagonal
with the default (SimPEG's composition) against /ref, and with -meta_jtjdiag exact against /exact.
usage: check_simpeg_reference.py METASIM NP WORKDIR
"""
import os
import subprocess
import sys

import h5py
import numpy as np

here = os.path.dirname(os.path.abspath(__file__))
metasim, np_ranks, work = sys.argv[1:4]
os.makedirs(work, exist_ok=True)
mpiexec = os.environ.get("MPIEXEC", "mpiexec")
failures = 0

for name in ("simpeg_meta_projection", "simpeg_sum_identity"):
    src = os.path.join(here, "data", "reference", name + ".h5")
    problem = os.path.join(work, "%s-np%s.h5" % (name, np_ranks))
    subprocess.run([sys.executable, os.path.join(here, "..", "scripts", "convert_simpeg_reference.py"), src, problem], check=True)
    for method, group in (("compose", "ref"), ("exact", "exact")):
        out = problem.replace(".h5", "-%s-out.h5" % method)
        cmd = [mpiexec, "-n", np_ranks, "--oversubscribe", metasim, "eval", problem, "--force", "-o", out,
               "--ops", "dpred,jvec,jtvec,jtjdiag", "-meta_jtjdiag", method]
        run = subprocess.run(cmd, capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
        if run.returncode:
            print("FAIL: %s\n%s%s" % (" ".join(cmd), run.stdout, run.stderr))
            failures += 1
            continue
        with h5py.File(src, "r") as ref, h5py.File(out, "r") as got:
            keys = ["JtJdiag", "JtJdiag_W"] + (["dpred", "Jvec", "Jtvec"] if method == "compose" else [])
            for key in keys:
                want = ref["%s/%s" % (group, key)][...]
                err = np.max(np.abs(got[key][...] - want)) / np.max(np.abs(want))
                ok = err <= 1e-12
                failures += not ok
                print("%s %s np=%s %-9s vs /%s/%s: rel err %.2e" % ("ok  " if ok else "FAIL", name, np_ranks, key, group, key, err))

print("%d failure(s)" % failures)
sys.exit(1 if failures else 0)
