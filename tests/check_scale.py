#!/usr/bin/env python3
"""metasim scale: the report computes speedup and efficiency right from known timings (strong and
weak), its model and projection are present; a real small study writes parseable JSON, CSV and
plots; --emit writes a job script bash accepts; bad options are one line and exit 1, and an
existing output folder is refused without --force and left as it was.

usage: check_scale.py METASIM SCRIPTDIR WORKDIR
"""
import csv
import json
import math
import os
import shutil
import subprocess
import sys

metasim, scriptdir, work = sys.argv[1:4]
report = os.path.join(scriptdir, "scale_report.py")
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)


def record(op, ranks, median, size, phases=None, hosts=1):
    r = {"benchmark": "scale", "workload": "linear", "op": op, "ranks": ranks, "hosts": hosts,
         "min_s": median * 0.9, "median_s": median, "mean_s": median, "n_sims": size, "tile_cells": 100,
         "support_max": 100 * size // ranks + 50, "latency_s": 1e-6 if ranks > 1 else 0.0,
         "bandwidth_Bps": 1e9 if ranks > 1 else 0.0, "peak_rss_mib_max": 10.0,
         "phases_s": phases or {"scatter": 0.0, "local_forward": median * 0.8, "local_adjoint": 0.0, "reduce": 0.0}}
    return r


def run_report(d, records):
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "runs.jsonl"), "w") as f:
        for r in records:
            f.write(json.dumps(r) + "\n")
    p = subprocess.run([sys.executable, report, d, "--project", "64,1024"], capture_output=True, text=True)
    check(p.returncode == 0, f"report on {d} exits 0 ({p.stderr.strip()})")
    with open(os.path.join(d, "table.csv")) as f:
        rows = list(csv.DictReader(f))
    with open(os.path.join(d, "summary.json")) as f:
        summary = json.load(f)
    return {(r["op"], int(r["ranks"])): r for r in rows}, summary


shutil.rmtree(work, ignore_errors=True)
os.makedirs(work)

# Known timings. Strong: 8 s, 5 s, 4 s at 1, 2, 4 ranks -> speedup 1.6, 2; efficiency 0.8, 0.5.
rows, summary = run_report(os.path.join(work, "strong"),
                           [record("jtvec", 1, 8.0, 16), record("jtvec", 2, 5.0, 16), record("jtvec", 4, 4.0, 16)])
for (p, s, e) in ((1, 1.0, 1.0), (2, 1.6, 0.8), (4, 2.0, 0.5)):
    r = rows[("jtvec", p)]
    check(r["mode"] == "strong", f"strong study recognised at {p} ranks")
    check(math.isclose(float(r["speedup"]), s, rel_tol=1e-12), f"strong speedup at {p}: {r['speedup']} != {s}")
    check(math.isclose(float(r["efficiency"]), e, rel_tol=1e-12), f"strong efficiency at {p}: {r['efficiency']} != {e}")
checks = summary["model"]["checks"]
check(len(checks) == 3 and all(c["predicted_s"] > 0 for c in checks), "model predicts every measured point")
check(math.isclose(checks[0]["predicted_s"], 8.0 * 0.8, rel_tol=1e-12), "model fits the one-rank local time")
proj = summary["model"]["projection"]
check([p["ranks"] for p in proj] == [64, 1024] and all(0 < p["efficiency"] <= 1 for p in proj), "projection at 64 and 1024 ranks")

# Weak: tiles grow with ranks; 2 s, 2.5 s at 1, 2 ranks -> efficiency 0.8, speedup 1.6.
rows, _ = run_report(os.path.join(work, "weak"), [record("dpred", 1, 2.0, 4), record("dpred", 2, 2.5, 8)])
r = rows[("dpred", 2)]
check(r["mode"] == "weak", "weak study recognised")
check(math.isclose(float(r["efficiency"]), 0.8, rel_tol=1e-12), f"weak efficiency {r['efficiency']} != 0.8")
check(math.isclose(float(r["speedup"]), 1.6, rel_tol=1e-12), f"weak speedup {r['speedup']} != 1.6")

# A bad record is one line naming the file and line.
bad = os.path.join(work, "bad")
os.makedirs(bad)
with open(os.path.join(bad, "runs.jsonl"), "w") as f:
    f.write('{"benchmark": "scale"}\nnot json\n')
p = subprocess.run([sys.executable, report, bad], capture_output=True, text=True)
check(p.returncode == 1 and len(p.stderr.strip().splitlines()) == 1 and "runs.jsonl:1" in p.stderr, f"bad record: one line ({p.stderr!r})")

# A real study, strong and weak, tiny problem.
env = dict(os.environ)
for mode in ("strong", "weak"):
    out = os.path.join(work, "study_" + mode)
    p = subprocess.run([metasim, "scale", "--mode", mode, "--ranks", "1,2", "--tiles", "2", "--repeat", "2", "--out", out,
                        "--", "-tile_cells", "200", "-tile_data", "20"], capture_output=True, text=True, env=env, timeout=300)
    check(p.returncode == 0, f"{mode} study exits 0 ({p.stderr.strip()[-300:]})")
    if p.returncode:
        continue
    with open(os.path.join(out, "runs.jsonl")) as f:
        recs = [json.loads(line) for line in f if line.strip()]
    check(len(recs) == 10 and {r["ranks"] for r in recs} == {1, 2}, f"{mode}: 5 operations x 2 rank counts recorded")
    check(all(r["median_s"] > 0 and r["peak_rss_mib_max"] > 0 for r in recs), f"{mode}: times and RSS recorded")
    sizes = {r["ranks"]: r["n_sims"] for r in recs}
    check(sizes == ({1: 2, 2: 2} if mode == "strong" else {1: 2, 2: 4}), f"{mode}: tiles per point {sizes}")
    with open(os.path.join(out, "table.csv")) as f:
        rows = list(csv.DictReader(f))
    check(len(rows) == 10 and all(r["mode"] == mode for r in rows), f"{mode}: table rows")
    for png in ("time.png", "efficiency.png", "phases.png"):
        path = os.path.join(out, png)
        check(os.path.exists(path) and open(path, "rb").read(8) == b"\x89PNG\r\n\x1a\n", f"{mode}: {png} written")

# The farm workload.
out = os.path.join(work, "farm")
p = subprocess.run([metasim, "scale", "--workload", "farm", "--ranks", "1,2", "--tiles", "20", "--repeat", "1", "--out", out,
                    "--", "-task_ms", "1"], capture_output=True, text=True, timeout=300)
check(p.returncode == 0, f"farm study exits 0 ({p.stderr.strip()[-300:]})")

# --emit slurm / pbs: a job script bash accepts, nothing run.
for sched, word in (("slurm", "#SBATCH"), ("pbs", "#PBS")):
    out = os.path.join(work, "emit_" + sched)
    p = subprocess.run([metasim, "scale", "--emit", sched, "--ranks", "1,4,16", "--out", out], capture_output=True, text=True)
    job = os.path.join(out, "job.sh")
    check(p.returncode == 0 and os.path.exists(job), f"--emit {sched} writes job.sh")
    if os.path.exists(job):
        text = open(job).read()
        check(word in text and "for np in 1 4 16" in text and "runs.jsonl" in text, f"--emit {sched}: header, loop, output")
        check(subprocess.run(["bash", "-n", job]).returncode == 0, f"--emit {sched}: bash -n accepts job.sh")
        check(not os.path.exists(os.path.join(out, "runs.jsonl")), f"--emit {sched} runs nothing")

# Errors: one line, exit 1; an existing folder is kept as it was.
keep = os.path.join(work, "study_strong", "table.csv")
before = open(keep).read() if os.path.exists(keep) else None
for args, needle in ((["--nope"], "--nope"), (["--ranks", "1,x"], "--ranks"), (["--mode", "wide"], "--mode"),
                     (["--workload", "file"], "--file"), (["--tiles", "0"], "--tiles"),
                     (["--out", os.path.join(work, "study_strong")], "--force"), (["--emit", "lsf"], "--emit")):
    p = subprocess.run([metasim, "scale"] + args, capture_output=True, text=True, timeout=60)
    lines = [l for l in p.stderr.splitlines() if l.strip()]
    check(p.returncode == 1 and len(lines) == 1 and needle in lines[0], f"scale {' '.join(args)}: one line naming {needle}, exit 1 (got {p.returncode}: {p.stderr!r})")
check(before is None or open(keep).read() == before, "a refused --out keeps its files")
p = subprocess.run([metasim, "scale", "--help"], capture_output=True, text=True)
check(p.returncode == 0 and "--mode" in p.stdout, "scale --help exits 0")

# Each benchmark's --help prints its own usage and exits 0 without running anything.
benchdir = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(metasim))), "benchmarks")
for name in sorted(os.listdir(benchdir)):
    prog = os.path.join(benchdir, name)
    if not name.startswith("bench_") or "." in name or not os.access(prog, os.X_OK):
        continue
    p = subprocess.run([prog, "--help"], capture_output=True, text=True, timeout=30)
    check(p.returncode == 0 and p.stdout.strip() and "{" not in p.stdout and "PETSc" not in p.stdout,
          f"{name} --help: its own usage, exit 0, nothing run ({p.returncode}, {p.stdout[:80]!r})")

if failures:
    print(f"{len(failures)} check(s) failed")
    sys.exit(1)
print("metasim scale: all checks passed")
