#!/usr/bin/env python3
"""`metasim invert` end to end at NP ranks on a problem written with msformat (tests/data).

usage: check_invert_command.py METASIM NP WORKDIR

- BLMVM and Gauss-Newton (NLS + CG + Jacobi) reach the target misfit (chi^2 <= 1) through beta
  stages (beta falls by the cooling factor per stage), and recover the true model to 0.3 relative;
  OUT holds /m and one /history row per iteration;
- at NP ranks the Gauss-Newton model equals the 1-rank one to 1e-6 relative;
- --cooling-rate 2 limits each stage to 2 TAO iterations;
- --regularization R (the file's own operator) reproduces the mesh's smoothness;
- a run stopped after 2 stages (exit 1, target not reached) and continued with --resume ends
  bitwise at the model of the run that was not interrupted, with the same history;
- bad inputs exit 1 with one line naming the cause and leave no OUT: no /data/dobs, a mesh that
  does not fit the model, bad option values, an existing OUT without --force, --resume of nothing.
"""
import os
import subprocess
import sys

import h5py
import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "data"))
import invert_problem  # noqa: E402
import msformat  # noqa: E402

exe, nranks, work = sys.argv[1], int(sys.argv[2]), sys.argv[3]
mpiexec = os.environ.get("MPIEXEC", "mpiexec")
os.makedirs(work, exist_ok=True)
failures = 0
SCHEDULE = ["--beta0", "1000", "--cooling-factor", "4"]
GAUSS_NEWTON = ["-tao_type", "nls", "-tao_ksp_type", "cg"]


def check(ok, what):
    global failures
    failures += not ok
    print("%s %s" % ("ok  " if ok else "FAIL", what), flush=True)


def path(name):
    return os.path.join(work, name)


def invert(n, problem, out, args):
    if os.path.exists(out) and "--resume" not in args and "--force" not in args:
        os.remove(out)
    cmd = [mpiexec, "-n", str(n), "--oversubscribe", exe, "invert", problem, "-o", out] + args
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    return r


def result(out):
    with h5py.File(out, "r") as f:
        return {"m": f["m"][...], "history": f["history"][...], **{k: f.attrs[k] for k in f.attrs}}


p = invert_problem.problem()
problem = path("problem.h5")
msformat.write_problem(problem, p)
m_true = p["vectors"]["models/m_true"]

# Both solver paths reach the target and recover the model.
runs = {}
for name, args in (("blmvm", []), ("gauss-newton", GAUSS_NEWTON)):
    out = path("%s_np%d.h5" % (name, nranks))
    r = invert(nranks, problem, out, SCHEDULE + args)
    check(r.returncode == 0, "%s: exit 0 (%s)" % (name, r.stderr.strip()[-300:]))
    if r.returncode:
        continue
    s = runs[name] = result(out)
    error = np.linalg.norm(s["m"] - m_true) / np.linalg.norm(m_true - invert_problem.BACKGROUND)
    h = s["history"]
    check(s["target_reached"] == 1 and s["chi2"] <= 1.0, "%s: chi2 %.3f <= 1 after %d stages" % (name, s["chi2"], s["stages_done"]))
    check(error < 0.3, "%s: model error %.3f < 0.3" % (name, error))
    check(s["n_ranks"] == nranks and h.shape[1] == 6 and h.shape[0] >= s["iterations"], "%s: %d history rows for %d iterations" % (name, h.shape[0], s["iterations"]))
    betas = [h[h[:, 0] == st][0, 4] for st in range(int(s["stages_done"]))]
    check(s["stages_done"] >= 2 and np.allclose(betas, 1000.0 / 4.0 ** np.arange(len(betas)), rtol=1e-12), "%s: beta per stage %s" % (name, betas))
    check(abs(h[-1, 2] - s["phi_d"]) <= 1e-12 * s["phi_d"] and h[-1, 2] < h[0, 2] / 10, "%s: phi_d %.4g -> %.4g" % (name, h[0, 2], h[-1, 2]))
    check("stage" in r.stdout and "phi_d" in r.stdout and len(r.stdout.splitlines()) >= h.shape[0] + 2, "%s: the iteration table is printed" % name)

# --cooling-rate K: at most K TAO iterations per stage, so more stages reach the target.
out = path("rate_np%d.h5" % nranks)
r = invert(nranks, problem, out, SCHEDULE + ["--cooling-rate", "2", "-q"])
if r.returncode == 0 and "blmvm" in runs:
    s = result(out)
    h = s["history"]
    per_stage = [h[h[:, 0] == st][:, 1].max() - h[h[:, 0] == st][:, 1].min() for st in range(int(s["stages_done"]))]
    check(max(per_stage) == 2 and s["iterations"] < runs["blmvm"]["iterations"] and s["target_reached"] == 1,
          "--cooling-rate 2: iterations per stage %s (%d in all, %d without a limit)" % ([int(x) for x in per_stage], s["iterations"], runs["blmvm"]["iterations"]))
else:
    check(False, "--cooling-rate 2: exit 0 (%s)" % r.stderr.strip()[-300:])

# --regularization NAME: the file's own R (here the mesh's operator, as CSR, in a file without
# /mesh/shape) gives the mesh run's model.
if "gauss-newton" in runs:
    q = dict(p)
    del q["mesh"]
    msformat.write_problem(path("user_R.h5"), q)
    with h5py.File(path("user_R.h5"), "a") as f:
        msformat.write_matrix(f.create_group("regularization"), "R", invert_problem.smooth_operator(16, 12))
    out = path("user_R_np%d.h5" % nranks)
    r = invert(nranks, path("user_R.h5"), out, SCHEDULE + GAUSS_NEWTON + ["--regularization", "R", "-q"])
    if r.returncode == 0:
        s = result(out)
        rel = np.abs(s["m"] - runs["gauss-newton"]["m"]).max() / np.abs(s["m"]).max()
        check(rel < 1e-8 and s["phi_m"] > 0, "--regularization R: the model of the mesh's operator to %.1e" % rel)
    else:
        check(False, "--regularization R: exit 0 (%s)" % r.stderr.strip()[-300:])

# Rank independence of the Gauss-Newton model.
if nranks > 1 and "gauss-newton" in runs:
    out = path("gauss-newton_np1_ref%d.h5" % nranks)
    r = invert(1, problem, out, SCHEDULE + GAUSS_NEWTON)
    if r.returncode == 0:
        m1 = result(out)["m"]
        rel = np.abs(runs["gauss-newton"]["m"] - m1).max() / np.abs(m1).max()
        check(rel < 1e-6, "gauss-newton: %d ranks vs 1 rank, models agree to %.2e" % (nranks, rel))
    else:
        check(False, "gauss-newton at 1 rank: exit 0")

# Resume: 2 stages, then --resume, equals the uninterrupted run.
if "blmvm" in runs:
    out = path("resume_np%d.h5" % nranks)
    r = invert(nranks, problem, out, SCHEDULE + ["--stages", "2", "-q"])
    first = result(out) if os.path.exists(out) else None
    check(r.returncode == 1 and "not reached" in r.stderr and first is not None and first["stages_done"] == 2,
          "2 stages: exit 1, target not reached, OUT holds 2 stages")
    r = invert(nranks, problem, out, SCHEDULE + ["--resume", "-q"])
    check(r.returncode == 0, "--resume: exit 0 (%s)" % r.stderr.strip()[-200:])
    if r.returncode == 0:
        s = result(out)
        check(np.array_equal(s["m"], runs["blmvm"]["m"]) and np.array_equal(s["history"], runs["blmvm"]["history"]),
              "--resume ends bitwise at the uninterrupted model and history (%d stages)" % s["stages_done"])
    r = invert(nranks, problem, out, SCHEDULE + ["--resume", "-q"])
    check(r.returncode == 0 and np.array_equal(result(out)["m"], s["m"]), "--resume of a finished run: exit 0, model unchanged")


# Bad inputs: one line, exit 1, no OUT.
def bad(name, problem_file, args, expect):
    out = path("bad.h5")
    if os.path.exists(out):
        os.remove(out)
    r = invert(nranks, problem_file, out, args)
    log = r.stdout + r.stderr
    lines = [l for l in log.splitlines() if l.startswith("metasim invert: ")]
    left = [f for f in os.listdir(work) if f.startswith("bad.h5")]
    ok = r.returncode == 1 and len(lines) == 1 and expect in lines[0] and "PETSC ERROR" not in log and not left
    check(ok, "%s: exit %d, %s" % (name, r.returncode, lines[0] if len(lines) == 1 else log.strip()[-300:]))


q = dict(p, vectors={k: v for k, v in p["vectors"].items() if k != "data/dobs"})
msformat.write_problem(path("no_dobs.h5"), q)
bad("no /data/dobs", path("no_dobs.h5"), [], "/data/dobs")
msformat.write_problem(path("bad_mesh.h5"), dict(p, mesh=[16, 11]))
bad("mesh of the wrong size", path("bad_mesh.h5"), [], "/mesh/shape")
bad("--regularization of a missing matrix", problem, ["--regularization", "nope"], "/regularization/nope")
bad("--beta0 -1", problem, ["--beta0", "-1"], "--beta0")
bad("--cooling-factor x", problem, ["--cooling-factor", "x"], "--cooling-factor")
bad("--stages 0", problem, ["--stages", "0"], "--stages")
bad("--resume without OUT", problem, ["--resume"], "does not exist")
bad("missing -o", problem, ["-o"], "-o")
if "blmvm" in runs:
    out = path("blmvm_np%d.h5" % nranks)
    before = open(out, "rb").read()
    r = invert(nranks, problem, out, ["--resume", "--force"])
    r2 = subprocess.run([mpiexec, "-n", str(nranks), "--oversubscribe", exe, "invert", problem, "-o", out],
                        capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    line = [l for l in r2.stderr.splitlines() if l.startswith("metasim invert: ")]
    check(r.returncode == 1 and r2.returncode == 1 and len(line) == 1 and "--force" in line[0] and open(out, "rb").read() == before,
          "existing OUT refused without --force, unchanged (%s)" % line)

sys.exit(1 if failures else 0)
