#!/usr/bin/env python3
"""metasim across test hosts (tests/multihost/cluster.sh): 3 hosts with 1 and 2 ranks each, and
1 host with 1 rank as the reference, over TCP.
  - `metasim demo` passes its own checks;
  - `metasim eval` on a stack, a sum and a repeat problem whose simulations overlap enough that
    the default reduction differs in the last bits between rank counts: every result agrees
    with numpy, and with -meta_reproducible every result is bitwise equal to the reference;
  - a dcr problem: -meta_reproducible results bitwise equal to the reference;
  - `metasim sweep` with every farm schedule: /results and /status bitwise equal to the reference;
  - kill -9 of a rank on a remote host during a sweep, then --resume: bitwise equal;
  - `metasim run` of a task file: /status, /results, /labels bitwise equal to one host, every rank runs tasks;
  - a bad input file: one error line, exit 1 on every rank, no output file;
  - each Check suite given runs and passes on 3 hosts x 2 ranks;
  - after every run nothing is left running on any host, and `down` leaves nothing behind.
Exits 77 (skipped) when this machine cannot make network namespaces.
usage: check_multihost.py METASIM WORKDIR [SUITE...]
"""
import os
import re
import shutil
import signal
import subprocess
import sys
import time

import h5py
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "data"))
import msformat  # noqa: E402

CLUSTER = os.path.join(HERE, "cluster.sh")
BAD = os.path.join(HERE, "..", "data", "bad")
metasim, work, suites = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2]), sys.argv[3:]
NAME = "mh%d" % (os.getpid() % 10 ** 7)
CONFIGS = [(1, 1), (3, 1), (3, 2)]  # (hosts, ranks per host); the first is the reference
failures = 0


def check(ok, what):
    global failures
    failures += not ok
    print("%s %s" % ("ok  " if ok else "FAIL", what), flush=True)
    return ok


def cluster(*args, **kw):
    return subprocess.run([CLUSTER] + [str(a) for a in args], capture_output=True, text=True,
                          stdin=subprocess.DEVNULL, **kw)


def nothing_running():
    """Waits up to 5 s for every host to be empty; True when it is."""
    for _ in range(50):
        left = cluster("pids", NAME).stdout.strip()
        if not left:
            return True
        time.sleep(0.1)
    print(left)
    return False


def mpirun(config, *args, expect_ok=True, opts=(), background=False, program=None):
    hosts, per = config
    cmd = [CLUSTER, "mpirun", NAME, str(hosts), str(per)] + (list(opts) + ["--"] if opts else []) + [program or metasim] + [str(a) for a in args]
    if background:
        return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, stdin=subprocess.DEVNULL)
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    tag = "%dx%d %s" % (hosts, per, " ".join([os.path.basename(program)] if program else [str(a) for a in args[:2]]))
    if expect_ok and r.returncode != 0:
        check(False, "%s exited %d\n%s%s" % (tag, r.returncode, r.stdout, r.stderr))
    check(nothing_running(), "%s: nothing left running on any host" % tag)
    return r


def datasets(path, names):
    with h5py.File(path, "r") as f:
        return {n: f[n][()] for n in names}


def bitwise(a, b):
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


def repeat_problem(n_sims=30, n_model=24, rows=6, seed=5):
    """One linear simulation repeated under n_sims overlapping projection windows."""
    rng = np.random.default_rng(seed)
    n_sub = n_model // 2
    G = rng.standard_normal((rows, n_sub))
    sims = [{"G": G, "sparse": False,
             "steps": [{"type": "projection", "n_in": n_model, "n_out": n_sub,
                        "indices": np.arange(s, s + n_sub, dtype=np.int64)}]}
            for s in ((3 * i) % (n_model - n_sub + 1) for i in range(n_sims))]
    n_data = rows * n_sims
    vectors = {"models/m": 0.3 * rng.standard_normal(n_model), "models/v": rng.standard_normal(n_model),
               "data/w": rng.standard_normal(n_data), "data/dobs": rng.standard_normal(n_data),
               "uncertainties/std": 0.5 + rng.random(n_data)}
    return {"kind": "repeat", "n_model": n_model, "n_data": n_data, "sims": sims, "vectors": vectors}


def dcr_problem():
    sims = [msformat.dcr_survey(n_sources=2, n_rx=3), msformat.dcr_survey(n_sources=1, n_rx=4),
            msformat.dcr_survey(n_sources=3, n_rx=2), msformat.dcr_survey(n_sources=2, n_rx=2)]
    n = sims[0]["steps"][0]["n_in"]
    n_data = sum(len(s["receivers"]["source"]) for s in sims)
    rng = np.random.default_rng(3)
    vectors = {"models/m": np.log(0.01) + 0.3 * np.tanh(np.arange(n) % 6 - 2.5), "models/v": rng.standard_normal(n),
               "data/w": rng.standard_normal(n_data)}
    return {"kind": "stack", "n_model": n, "n_data": n_data, "sims": sims, "vectors": vectors}


def test_demo():
    for config in CONFIGS:
        out = os.path.join(work, "demo-%dx%d.h5" % config)
        r = mpirun(config, "demo", "--force", "--tiles", 8, "-o", out)
        check(r.returncode == 0 and "passed" in r.stdout, "%dx%d demo passes its checks" % config)
        if config != CONFIGS[0]:
            ref, got = (datasets(p, ["dpred", "Jtvec"]) for p in (os.path.join(work, "demo-1x1.h5"), out))
            err = max(np.max(np.abs(got[k] - ref[k])) / np.max(np.abs(ref[k])) for k in ref)
            check(err <= 1e-12, "%dx%d demo results match one rank (rel err %.1e)" % (config + (err,)))


def test_eval():
    keys = ["dpred", "Jvec", "Jtvec", "JtJdiag"]
    problems = {"stack": msformat.random_problem(kind="stack", n_sims=30, seed=11),
                "sum": msformat.random_problem(kind="sum", n_sims=30, seed=12),
                "repeat": repeat_problem()}
    default_differs = []
    for kind, p in problems.items():
        path = os.path.join(work, "eval-%s.h5" % kind)
        msformat.write_problem(path, p)
        want = msformat.evaluate(msformat.read_problem(path))
        results = {}
        for config in CONFIGS:
            for mode, extra in (("default", []), ("reproducible", ["-meta_reproducible"])):
                out = os.path.join(work, "eval-%s-%dx%d-%s.h5" % ((kind,) + config + (mode,)))
                r = mpirun(config, "eval", path, "--force", "-o", out, "--ops", "dpred,jvec,jtvec,jtjdiag", "-meta_jtjdiag", "exact", *extra)
                if r.returncode != 0:
                    continue
                results[config, mode] = got = datasets(out, keys)
                err = max(np.max(np.abs(got[k] - want[k])) / np.max(np.abs(want[k])) for k in keys)
                check(err <= 1e-12, "%s %dx%d %s: agrees with numpy (rel err %.1e)" % ((kind,) + config + (mode, err)))
        for config in CONFIGS[1:]:
            if (config, "reproducible") in results and (CONFIGS[0], "reproducible") in results:
                same = all(bitwise(results[config, "reproducible"][k], results[CONFIGS[0], "reproducible"][k]) for k in keys)
                check(same, "%s %dx%d -meta_reproducible: bitwise equal to one rank" % ((kind,) + config))
            if (config, "default") in results and (CONFIGS[0], "default") in results:
                diff = [k for k in keys if not bitwise(results[config, "default"][k], results[CONFIGS[0], "default"][k])]
                if diff:
                    default_differs.append("%s %dx%d %s" % ((kind,) + config + (",".join(diff),)))
    check(bool(default_differs), "the default reduction differs in the last bits between rank counts (%s), so the "
          "reproducible check is not vacuous" % "; ".join(default_differs))


def test_dcr():
    path = os.path.join(work, "dcr.h5")
    msformat.write_problem(path, dcr_problem())
    keys = ["dpred", "Jvec", "Jtvec"]
    ref = None
    for config in CONFIGS:
        out = os.path.join(work, "dcr-%dx%d.h5" % config)
        r = mpirun(config, "eval", path, "--force", "-o", out, "--ops", "dpred,jvec,jtvec", "-meta_reproducible")
        if r.returncode != 0:
            continue
        got = datasets(out, keys)
        if ref is None:
            ref = got
        else:
            check(all(bitwise(got[k], ref[k]) for k in keys), "dcr %dx%d -meta_reproducible: bitwise equal to one rank" % config)


SWEEP = ["sweep", "squares", "-n", 3000, "-farm_seed", 7]


def test_sweeps():
    ref_path = os.path.join(work, "sweep-ref.h5")
    mpirun(CONFIGS[0], *SWEEP, "-o", ref_path)
    ref = datasets(ref_path, ["results", "status"])
    for config in CONFIGS[1:]:
        for schedule in ("block", "cyclic", "dynamic", "guided"):
            out = os.path.join(work, "sweep-%dx%d-%s.h5" % (config + (schedule,)))
            r = mpirun(config, *SWEEP, "-o", out, "-farm_schedule", schedule)
            if r.returncode == 0:
                got = datasets(out, ["results", "status"])
                check(all(bitwise(got[k], ref[k]) for k in ref), "sweep %dx%d %s: bitwise equal to one rank" % (config + (schedule,)))
    return ref


def test_run():
    """metasim run across hosts: the same status, results and outputs as on one host, every rank
    (so every host) runs tasks, and no task sees the launcher's variables."""
    tasks = os.path.join(work, "run-tasks.txt")
    with open(tasks, "w") as f:
        for k in range(60):
            f.write("env | grep -c '^OMPI_' | grep -qx 0 && echo %d $((%d * 7)) $METASIM_TASK_SEED\n" % (k, k))
    outs = []
    for config, schedule in ((CONFIGS[0], "dynamic"), (CONFIGS[-1], "cyclic")):
        out = os.path.join(work, "run-%dx%d.h5" % config)
        mpirun(config, "run", tasks, "-o", out, "--results-from-stdout", 3, "--seed", 3, "--schedule", schedule, "-q")
        outs.append(out)
    if not all(os.path.exists(o) for o in outs):
        check(False, "metasim run wrote its files")
        return
    a, b = (datasets(o, ["results", "status", "labels"]) for o in outs)
    check((a["status"] == 1).all() and all(bitwise(a[k], b[k]) for k in ("results", "status")) and list(a["labels"]) == list(b["labels"]),
          "run %dx%d: /status, /results and /labels bitwise equal to one host" % CONFIGS[-1])
    with h5py.File(outs[1], "r") as f:
        ranks = set(int(r) for r in f["records"]["rank"])
    check(ranks == set(range(CONFIGS[-1][0] * CONFIGS[-1][1])), "run %dx%d: every rank ran tasks (%s)" % (CONFIGS[-1] + (sorted(ranks),)))


def test_kill_resume(ref):
    config = CONFIGS[-1]
    out, record = os.path.join(work, "killed.h5"), os.path.join(work, "killed.jsonl")
    for p in (out, record):
        if os.path.exists(p):
            os.remove(p)
    proc = mpirun(config, *SWEEP, "-o", out, "--delay-us", 6000, "-farm_chunk", 20, "-farm_record", record, background=True)
    for _ in range(600):
        if os.path.exists(record) and sum(1 for _ in open(record)) >= 300:
            break
        time.sleep(0.1)
    remote = "%s-h%d" % (NAME, config[0])
    victims = [line.split()[1] for line in cluster("pids", NAME).stdout.splitlines()
               if line.split()[0] == remote and line.split()[2] == "metasim"]
    if not check(bool(victims), "a rank of the sweep runs on the remote host %s" % remote):
        proc.kill()
        proc.wait()
        return
    try:
        os.kill(int(victims[0]), signal.SIGKILL)
    except ProcessLookupError:
        check(False, "rank process %s on %s ended before the kill (the sweep was too short)" % (victims[0], remote))
    proc.communicate(timeout=60)
    check(proc.returncode != 0, "the sweep whose rank on %s got kill -9 exits non-zero (%d)" % (remote, proc.returncode))
    check(nothing_running(), "after the kill nothing is left running on any host")
    status = datasets(out, ["status"])["status"]
    done = int((status == 1).sum())
    check(0 < done < status.size, "the killed sweep left a partial file (%d of %d done)" % (done, status.size))
    r = mpirun(config, *SWEEP, "-o", out, "--resume", "-farm_schedule", "guided")
    if r.returncode == 0:
        got = datasets(out, ["results", "status"])
        check(all(bitwise(got[k], ref[k]) for k in ref), "resumed across hosts: bitwise equal to an uninterrupted run")


def test_bad_input():
    config = CONFIGS[-1]
    out = os.path.join(work, "bad-out.h5")
    if os.path.exists(out):
        os.remove(out)
    # every rank reports its own exit status; mpirun does not kill the others at the first
    wrap = ["sh", "-c", '"$@"; rc=$?; echo "rank $OMPI_COMM_WORLD_RANK exit $rc" >&2; exit $rc', "sh"]
    hosts, per = config
    cmd = [CLUSTER, "mpirun", NAME, str(hosts), str(per), "--mca", "orte_abort_on_non_zero_status", "0", "--"] + wrap + \
          [metasim, "eval", os.path.join(BAD, "nan_model.h5"), "-o", out, "--ops", "dpred,jtvec"]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    log = r.stdout + r.stderr
    lines = [ln for ln in log.splitlines() if ln.startswith("metasim eval: ")]
    check(len(lines) == 1 and "nan_model.h5" in lines[0], "bad input: one error line naming the file: %s" % lines)
    exits = re.findall(r"^rank (\d+) exit (\d+)$", log, re.M)
    check(sorted(int(k) for k, _ in exits) == list(range(hosts * per)) and all(c == "1" for _, c in exits),
          "bad input: exit 1 on every rank %s" % exits)
    check("PETSC ERROR" not in log and not os.path.exists(out), "bad input: no PETSc banner, no output file")
    check(nothing_running(), "bad input: nothing left running on any host")


def test_suites():
    for suite in suites:
        r = mpirun(CONFIGS[-1], program=os.path.abspath(suite))
        check(r.returncode == 0, "%s passes on %dx%d" % ((os.path.basename(suite),) + CONFIGS[-1]))


def main():
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    subprocess.run([CLUSTER, "gc"], check=False)
    up = cluster("up", NAME, 3)
    if up.returncode == 77:
        print(up.stderr.strip())
        sys.exit(77)
    if up.returncode != 0:
        sys.exit("FAIL: cluster.sh up: %s" % up.stderr)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("FAIL: terminated"))
    start = time.time()
    try:
        print("hosts: %s" % " ".join(up.stdout.split()), flush=True)
        test_demo()
        test_eval()
        test_dcr()
        ref = test_sweeps()
        test_kill_resume(ref)
        test_run()
        test_bad_input()
        test_suites()
    finally:
        down = cluster("down", NAME)
        namespaces = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout.split()
        files = os.listdir("/etc/netns") if os.path.isdir("/etc/netns") else []
        left = [x for x in namespaces + files if x.startswith(NAME + "-")]
        check(down.returncode == 0 and not left, "down: no namespace or /etc/netns entry left %s" % left)
    print("%d failure(s) in %.0f s" % (failures, time.time() - start))
    if not failures:
        shutil.rmtree(work, ignore_errors=True)
    sys.exit(1 if failures else 0)


main()
