#!/usr/bin/env python3
"""metasim_invert end to end at NP ranks: TAO through MSMeta recovers the model.

usage: check_invert.py METASIM_INVERT NP

- noise-free data, BLMVM (the gradient path) and NLS + CG + Jacobi (the Gauss-Newton path):
  converged, data misfit reduced by more than 1e6, model error below 1e-3, Gauss-Newton in a
  tenth of BLMVM's iterations;
- noisy data: the Gauss-Newton final misfit at NP ranks equals the one at 1 rank to 1e-8
  relative, BLMVM's equals Gauss-Newton's to 1e-6 (its stopping tolerance), chi^2 plausible;
- a TAO that stops early and bad options exit non-zero with a message that names the cause.
"""
import os
import subprocess
import sys

exe, nranks = sys.argv[1], int(sys.argv[2])
mpiexec = os.environ.get("MPIEXEC", "mpiexec")
failures = 0

GAUSS_NEWTON = ["-tao_type", "nls", "-tao_ksp_type", "cg"]
NOISY = ["-noise", "1", "-beta", "1"]


def run(n, args):
    cmd = [mpiexec, "-n", str(n), "--oversubscribe", exe, "-invert_monitor", "0"] + args
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    return r.returncode, r.stdout + r.stderr, " ".join(cmd)


def summary(n, args):
    code, out, cmd = run(n, args)
    if code != 0:
        sys.exit("FAIL: %s exited %d\n%s" % (cmd, code, out))
    s = {}
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[0] == "summary":
            s[parts[1]] = parts[2]
    for key in ("ranks", "iterations", "initial_misfit", "final_misfit", "chi2", "model_error"):
        s[key] = float(s[key])
    return s


def check(ok, what):
    global failures
    failures += not ok
    print("%s %s" % ("ok  " if ok else "FAIL", what))


def rel(a, b):
    return abs(a - b) / max(abs(a), abs(b), 1e-300)


# Noise-free data: both paths recover the model.
runs = {"blmvm": summary(nranks, []), "gauss-newton": summary(nranks, GAUSS_NEWTON)}
for name, s in runs.items():
    check(s["ranks"] == nranks, "%s: ran on %d rank(s)" % (name, s["ranks"]))
    check(s["converged"] == "yes" and s["reason"].startswith("CONVERGED"), "%s: %s in %d iterations" % (name, s["reason"], s["iterations"]))
    reduction = s["initial_misfit"] / s["final_misfit"]
    check(reduction > 1e6, "%s: misfit %.4g -> %.4g, reduced %.3g times (> 1e6)" % (name, s["initial_misfit"], s["final_misfit"], reduction))
    check(s["model_error"] < 1e-3, "%s: model error %.3g (< 1e-3)" % (name, s["model_error"]))
check(runs["gauss-newton"]["iterations"] * 10 <= runs["blmvm"]["iterations"],
      "Gauss-Newton iterations %d <= a tenth of BLMVM's %d" % (runs["gauss-newton"]["iterations"], runs["blmvm"]["iterations"]))

# Noisy data: the same answer at any rank count and from either solver.
gn = summary(nranks, NOISY + GAUSS_NEWTON + ["-tao_gttol", "1e-9"])
gn1 = summary(1, NOISY + GAUSS_NEWTON + ["-tao_gttol", "1e-9"]) if nranks > 1 else gn
lm = summary(nranks, NOISY + ["-tao_gttol", "1e-8"])
check(gn["converged"] == "yes" and lm["converged"] == "yes", "noisy data: both solvers converged (%s, %s)" % (gn["reason"], lm["reason"]))
if nranks > 1:
    check(rel(gn["final_misfit"], gn1["final_misfit"]) < 1e-8,
          "noisy Gauss-Newton misfit at %d ranks %.12g vs 1 rank %.12g: rel diff %.2e (< 1e-8)" % (nranks, gn["final_misfit"], gn1["final_misfit"], rel(gn["final_misfit"], gn1["final_misfit"])))
check(rel(lm["final_misfit"], gn["final_misfit"]) < 1e-6,
      "noisy BLMVM misfit %.12g vs Gauss-Newton %.12g: rel diff %.2e (< 1e-6)" % (lm["final_misfit"], gn["final_misfit"], rel(lm["final_misfit"], gn["final_misfit"])))
check(0.3 < gn["chi2"] < 1.2, "noisy data: chi2 %.4g in (0.3, 1.2)" % gn["chi2"])

# Failures exit non-zero and say why.
for args, needle in ((["-tao_max_it", "3"], "TAO did not converge"),
                     (["-tiles", "0"], "-tiles 0"),
                     (["-tile_step", "50"], "-tile_step 50"),
                     (["-noise", "-1"], "-noise -1"),
                     (["-rel_std", "0", "-floor_std", "0"], "uncertainties must be positive"),
                     (["-beta", "-1"], "-beta -1")):
    code, out, cmd = run(nranks, args)
    check(code != 0 and needle in out, "%s: exit %d, message names '%s'" % (" ".join(args), code, needle))

print("%d failure(s)" % failures)
sys.exit(1 if failures else 0)
