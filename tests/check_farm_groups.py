#!/usr/bin/env python3
"""MSFarm on groups of ranks through programs: the Monte Carlo example (apps/examples/farm_groups.c,
each sample a distributed solve) gives the same means on single ranks and on groups of 2 and 3
ranks, to the solver tolerance; `metasim sweep` on groups writes a file byte-identical to the
one-rank run.
usage: check_farm_groups.py EXAMPLE METASIM MPIEXEC WORKDIR"""
import os
import re
import subprocess
import sys

example, metasim, mpiexec, work = sys.argv[1:5]
os.makedirs(work, exist_ok=True)
failures = 0


def check(ok, what):
    global failures
    print(("ok   " if ok else "FAIL ") + what, flush=True)
    failures += not ok


def run(np, *args):
    p = subprocess.run([mpiexec, "-n", str(np), "--oversubscribe", *args], cwd=work, capture_output=True, text=True, timeout=240)
    return p.returncode, p.stdout, p.stderr


def means(out):
    return [float(m) for m in re.findall(r"^(?:mean|max) u:\s+(\S+)", out, re.M)]


rc, out, err = run(1, example, "-samples", "12", "-cells", "4000")
check(rc == 0 and "1 group of 1 rank" in out, "example on one rank")
ref = means(out)
check(len(ref) == 2, f"example prints two means: {ref}")
for np, k in [(4, 2), (3, 3), (4, 4)]:
    rc, out, err = run(np, example, "-samples", "12", "-cells", "4000", "-farm_group_size", str(k))
    got = means(out)
    close = rc == 0 and len(got) == 2 and all(abs(a - b) <= 1e-8 * abs(b) for a, b in zip(got, ref))
    check(close and f"{np // k} group" in out and f"of {k} ranks" in out, f"example at {np} ranks in groups of {k}: {got} against {ref}")
    if not close:
        print(out, err)

for f in ("one.h5", "groups.h5"):
    if os.path.exists(os.path.join(work, f)):
        os.remove(os.path.join(work, f))
rc1, _, _ = run(1, metasim, "sweep", "lif", "-n", "8", "-o", "one.h5")
rc2, _, err = run(4, metasim, "sweep", "lif", "-n", "8", "-o", "groups.h5", "-farm_group_size", "2")
same = rc1 == 0 and rc2 == 0 and open(os.path.join(work, "one.h5"), "rb").read() == open(os.path.join(work, "groups.h5"), "rb").read()
check(same, "sweep lif on groups of 2 at 4 ranks: file byte-identical to one rank")
sys.exit(1 if failures else 0)
