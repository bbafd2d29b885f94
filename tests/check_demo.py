#!/usr/bin/env python3
"""`metasim demo` end to end: the demo at NP_DEMO ranks writes its results and its problem;
`metasim eval` on that problem at NP_EVAL ranks must give the same numbers, and both must match
numpy on the problem file read with h5py; EVAL_OPTIONS (e.g. -meta_group_size 2: the
simulations on groups of ranks) go to eval.  usage: check_demo.py METASIM NP_DEMO NP_EVAL WORKDIR
[EVAL_OPTIONS...]
"""
import os
import subprocess
import sys

import h5py
import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "data"))
import msformat  # noqa: E402

metasim, np_demo, np_eval, work = sys.argv[1:5]
eval_options = sys.argv[5:]
os.makedirs(work, exist_ok=True)
mpiexec = os.environ.get("MPIEXEC", "mpiexec")
tag = "demo%s-eval%s%s" % (np_demo, np_eval, "".join(eval_options))
problem, demo_out, eval_out = (os.path.join(work, "%s-%s.h5" % (tag, s)) for s in ("problem", "results", "eval"))
for path in (problem, demo_out, eval_out):
    if os.path.exists(path):
        os.remove(path)


def run(n, *args):
    cmd = [mpiexec, "-n", str(n), "--oversubscribe", metasim] + list(args)
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    if r.returncode != 0:
        sys.exit("FAIL: %s\n%s%s" % (" ".join(cmd), r.stdout, r.stderr))
    return r.stdout


log = run(np_demo, "demo", "--tiles", "6", "-o", demo_out, "--write-problem", problem)
assert "passed" in log and "JtJ diagonal: exact" in log, log
view = run(np_eval, "eval", problem, "-o", eval_out, "--ops", "dpred,jvec,jtvec,jtjdiag", *eval_options, "-meta_view")
if eval_options:
    groups = [l for l in view.splitlines() if "group(s)" in l]
    print("partition: %s" % groups)
    assert groups and not groups[0].strip().endswith("in %s group(s):" % np_eval), view
ref = msformat.evaluate(msformat.read_problem(problem))
failures = 0
with h5py.File(demo_out, "r") as demo, h5py.File(eval_out, "r") as ev:
    for key, want in ref.items():
        for name, f in (("demo", demo), ("eval", ev)):
            err = np.max(np.abs(f[key][...] - want)) / np.max(np.abs(want))
            ok = err <= 1e-12
            failures += not ok
            print("%s %s %-9s vs numpy: rel err %.2e" % ("ok  " if ok else "FAIL", name, key, err))
    if demo.attrs["n_ranks"] != int(np_demo) or ev.attrs["n_ranks"] != int(np_eval):
        print("FAIL: n_ranks attributes %s, %s" % (demo.attrs["n_ranks"], ev.attrs["n_ranks"]))
        failures += 1
# The overwrite rule: an existing output is refused in one line and kept; --force replaces it.
with open(eval_out, "rb") as f:
    before = f.read()
for args in (["eval", problem, "-o", eval_out], ["demo", "--tiles", "2", "-o", demo_out]):
    r = subprocess.run([mpiexec, "-n", str(np_eval), "--oversubscribe", metasim] + args, capture_output=True, text=True, timeout=120)
    lines = [l for l in r.stderr.splitlines() if l.startswith("metasim")]
    ok = r.returncode == 1 and len(lines) == 1 and "exists: pass --force" in lines[0]
    failures += not ok
    print("%s %s onto an existing file: exit %d, %r" % ("ok  " if ok else "FAIL", args[0], r.returncode, lines))
with open(eval_out, "rb") as f:
    kept = f.read() == before
failures += not kept
print("%s the refused output is unchanged" % ("ok  " if kept else "FAIL"))
run(np_eval, "eval", problem, "-o", eval_out, "--force", "--ops", "dpred")
print("%d failure(s)" % failures)
sys.exit(1 if failures else 0)
