#!/usr/bin/env python3
"""metasim run end to end: task files and templates over 1-4 ranks, bad input, faults of tasks,
kill -9 and resume. usage: check_run.py PART METASIM MPIEXEC WORKDIR (PART: ranks, bad, faults, resume)."""
import os
import resource
import shutil
import signal
import subprocess
import sys
import time

import h5py
import numpy as np

PART, METASIM, MPIEXEC, WORK = sys.argv[1:5]
shutil.rmtree(WORK, ignore_errors=True)
os.makedirs(WORK)
os.chdir(WORK)


def run(args, np_=1, ok=True, timeout=120):
    cmd = [MPIEXEC, "-n", str(np_), "--oversubscribe", METASIM, "run"] + args
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    if ok and p.returncode != 0:
        sys.exit(f"FAIL: {' '.join(args)} at {np_} ranks exited {p.returncode}\n{p.stdout}\n{p.stderr}")
    if not ok and p.returncode == 0:
        sys.exit(f"FAIL: {' '.join(args)} at {np_} ranks exited 0\n{p.stdout}\n{p.stderr}")
    return p


def metasim_lines(p):
    """The lines metasim itself wrote on stderr (mpiexec adds its own banner on a non-zero exit)."""
    return [l for l in p.stderr.splitlines() if l.startswith("metasim run:")]


def one_line_error(args, needle, np_=2, files=()):
    before = {f: open(f, "rb").read() for f in files}
    p = run(args, np_, ok=False)
    lines = metasim_lines(p)
    assert len(lines) == 1 and needle in lines[0], f"{args}: expected one line with {needle!r}, got {p.stderr!r}"
    assert "Traceback" not in p.stderr and "PETSC ERROR" not in p.stderr, p.stderr
    for f, b in before.items():
        assert open(f, "rb").read() == b, f"{args} changed {f}"
    print(f"ok: {lines[0]}")


def deterministic(path):
    """Everything in a run file that must not depend on ranks, schedule or time."""
    f = h5py.File(path, "r")
    r = f["records"][()]
    keep = {k: r[k] for k in ("exit_status", "signal", "timed_out", "attempts", "history", "stdout", "stderr")}
    return f["status"][()], f["results"][()], f["labels"][()], keep, dict(f.attrs)


def same(a, b, what):
    sa, ra, la, ka, aa = a
    sb, rb, lb, kb, ab = b
    assert sa.tobytes() == sb.tobytes(), f"{what}: /status differs"
    assert ra.tobytes() == rb.tobytes(), f"{what}: /results differs"
    assert list(la) == list(lb), f"{what}: /labels differ"
    for k in ka:
        assert ka[k].tobytes() == kb[k].tobytes(), f"{what}: /records {k} differs"
    assert aa.keys() == ab.keys() and all(np.array_equal(aa[k], ab[k]) for k in aa), f"{what}: attributes differ"


def part_ranks():
    with open("params.csv", "w") as f:
        f.write("x,name\n")
        for k in range(40):
            f.write(f"{k * 0.5},\"p,{k}\"\n")
    tmpl = "echo {index} {x} {seed} $METASIM_TASK_SEED $((METASIM_TASK_INDEX * 2)); echo '{{{name}}}' >&2; [ {index} -ne 13 ]"
    with open("tasks.txt", "w") as f:
        f.write("# a task file\n\n")
        for k in range(30):
            f.write(f"echo {k} $(( {k} * {k} ))\n" if k != 7 else "exit 4\n")
    ref_t = ref_p = None
    for np_ in (1, 2, 3, 4):
        for sched in (["--schedule", "dynamic", "--chunk", "3"], ["--schedule", "cyclic"]):
            out_t, out_p = f"t{np_}{sched[1]}.h5", f"p{np_}{sched[1]}.h5"
            p = run(["tasks.txt", "-o", out_t, "--results-from-stdout", "2", "-q"] + sched, np_, ok=False)
            assert "1 of 30 tasks failed" in p.stderr, p.stderr
            run(["--command", tmpl, "--params", "params.csv", "-o", out_p, "--seed", "11", "--results-from-stdout", "5", "-q"] + sched, np_, ok=False)
            t, q = deterministic(out_t), deterministic(out_p)
            if ref_t is None:
                ref_t, ref_p = t, q
            same(ref_t, t, f"task file at {np_} ranks {sched[1]}")
            same(ref_p, q, f"template at {np_} ranks {sched[1]}")
    status, results, labels, rec, _ = ref_t
    assert list(status) == [1] * 7 + [2] + [1] * 22
    assert np.array_equal(results[:7], [[k, k * k] for k in range(7)]) and np.isnan(results[7]).all()
    assert labels[3] == b"echo 3 $(( 3 * 3 ))" and rec["exit_status"][7] == 4
    status, results, labels, rec, _ = ref_p
    assert list(status) == [1] * 13 + [2] + [1] * 26
    f = h5py.File("p1dynamic.h5", "r")
    seeds = results[:, 2]
    ok = status == 1
    assert np.array_equal(results[ok, 0], np.arange(40)[ok]) and np.array_equal(results[ok, 1], np.arange(40)[ok] * 0.5)
    assert np.array_equal(results[ok, 2], results[ok, 3]), "{seed} and METASIM_TASK_SEED differ"
    assert np.array_equal(results[ok, 4], 2 * np.arange(40)[ok]), "METASIM_TASK_INDEX"
    assert len(set(seeds[ok])) == ok.sum(), "task seeds repeat"
    assert rec["stderr"][5] == b"{p,5}\n", rec["stderr"][5]
    assert labels[2].startswith(b"echo 2 1.0 ") and "$METASIM_TASK_SEED" in labels[2].decode()
    hosts = f["records"]["host"]
    assert all(h for h in hosts), "a record without its host"
    # a rerun with the same seed gives the same seeds; another seed other seeds
    run(["--command", "echo {seed}", "--params", "params.csv", "-o", "s1.h5", "--seed", "11", "--results-from-stdout", "1", "-q"], 2)
    run(["--command", "echo {seed}", "--params", "params.csv", "-o", "s2.h5", "--seed", "12", "--results-from-stdout", "1", "-q"], 2)
    s1, s2 = h5py.File("s1.h5", "r")["results"][:, 0], h5py.File("s2.h5", "r")["results"][:, 0]
    assert np.array_equal(s1[ok], results[ok, 2]) and not np.array_equal(s1, s2)
    # the environment: no launcher variables, the task's own index
    with open("env.txt", "w") as f:
        f.write("env | grep -E '^(OMPI_|PMIX_|PMI_)'; test $? = 1 && test $METASIM_TASK_INDEX = 0\n")
    run(["env.txt", "-o", "env.h5", "-q"], 2)  # grep finds nothing (exit 1) and prints nothing
    rec = h5py.File("env.h5", "r")["records"][0]
    assert rec["stdout"] == b"" and rec["exit_status"] == 0, rec
    p = run(["--status", "t1dynamic.h5"], 1, ok=True)
    assert "30 tasks: 29 done, 1 failed, 0 missing" in p.stdout and "task 7: exit 4" in p.stdout, p.stdout
    print("PASS ranks")


def part_bad():
    open("tasks.txt", "w").write("true\ntrue\n")
    open("empty.txt", "w").write("# only a comment\n\n")
    open("params.csv", "w").write("x,y\n1,2\n3,4\n")
    run(["tasks.txt", "-o", "done.h5", "-q"], 2)
    one_line_error(["missing.txt", "-o", "a.h5"], "cannot open the task file missing.txt")
    one_line_error(["empty.txt", "-o", "a.h5"], "task file empty.txt has no tasks")
    one_line_error(["--command", "echo {z}", "--params", "params.csv", "-o", "a.h5"], "has no column z")
    for name, text, needle in (("ragged.csv", "x,y\n1,2\n3\n", "line 3 has 1 fields"), ("quote.csv", "x\n\"1\n", "quoted field is not closed"),
                               ("header.csv", "x,x\n1,2\n", "appears twice"), ("norows.csv", "x,y\n", "no rows"), ("blank.csv", "", "is empty")):
        open(name, "w").write(text)
        one_line_error(["--command", "echo {x}", "--params", name, "-o", "a.h5"], needle)
    # an HDF5 table: one dataset per column (numbers, fixed and variable-length strings)
    with h5py.File("table.h5", "w") as f:
        f["x"] = np.array([0.1, 2.5])
        f["n"] = np.array([3, 4])
        f["s"] = np.array([b"a", b"b c"])
        f["v"] = np.array(["u", "w"], dtype=h5py.string_dtype())
    run(["--command", "echo {x} {n} {s} {v}", "--params", "table.h5", "-o", "table_run.h5", "-q"], 2)
    rec = h5py.File("table_run.h5", "r")["records"]["stdout"]
    assert list(rec) == [b"0.10000000000000001 3 a u\n", b"2.5 4 b c w\n"], rec
    with h5py.File("ragged.h5", "w") as f:
        f["x"], f["y"] = np.arange(3), np.arange(2)
    one_line_error(["--command", "echo {x}", "--params", "ragged.h5", "-o", "a.h5"], "the column y has 2 rows, the others 3")
    one_line_error(["--command", "echo {x", "--params", "params.csv", "-o", "a.h5"], "is not closed")
    os.makedirs("sub")
    open("pwd.txt", "w").write("pwd\n")
    run(["pwd.txt", "-o", "pwd.h5", "--workdir", "sub", "-q"], 2)
    assert h5py.File("pwd.h5", "r")["records"]["stdout"][0] == (os.path.realpath("sub") + "\n").encode()
    one_line_error(["pwd.txt", "-o", "a.h5", "--workdir", "nosuchdir"], "--workdir nosuchdir: No such file or directory")
    one_line_error(["--command", "echo {x}", "-o", "a.h5"], "--command needs --params")
    one_line_error(["tasks.txt", "-o", "done.h5"], "done.h5 exists", files=["done.h5"])
    one_line_error(["tasks.txt"], "-o FILE.h5 is required")
    one_line_error(["tasks.txt", "-o", "a.h5", "--timeout", "-1"], "--timeout -1")
    one_line_error(["tasks.txt", "-o", "a.h5", "--schedule", "fast"], "--schedule fast")
    one_line_error(["tasks.txt", "-o", "a.h5", "--retries", "x"], "--retries x")
    one_line_error(["tasks.txt", "-o", "a.h5", "--timeuot", "1"], "did you mean --timeout")
    one_line_error(["--status", "nothere.h5"], "cannot read nothere.h5")
    open("other.txt", "w").write("true\nfalse\n")
    one_line_error(["other.txt", "-o", "done.h5", "--resume"], "task 1 is \"true\" in the file, \"false\" here", files=["done.h5"])
    one_line_error(["tasks.txt", "-o", "new.h5", "--resume"], "cannot resume new.h5")
    assert not os.path.exists("a.h5") and not os.path.exists("new.h5"), "a failed run left a file"
    print("PASS bad")


def records(path):
    f = h5py.File(path, "r")
    return f["status"][()], f["results"][()], f["records"][()]


def part_faults():
    tasks = [
        "sleep 30 & echo $!; sleep 30",                                              # 0: hangs: --timeout kills the group
        "n=$(cat count 2>/dev/null || echo 0); echo $((n + 1)) > count; [ $n -ge 2 ] && echo 5",  # 1: fails twice, then passes
        "nosuchcommand_metasim",                                                      # 2: not found
        "kill -SEGV $$",                                                              # 3: a signal
        "echo 7",                                                                     # 4: fine
        "echo not a number",                                                          # 5: bad result line
        "echo 1.5e3",                                                                 # 6: fine
    ]
    open("tasks.txt", "w").write("\n".join(tasks) + "\n")
    t0 = time.time()
    p = run(["tasks.txt", "-o", "f.h5", "--timeout", "2", "--retries", "2", "--keep-output", "100", "--results-from-stdout", "1", "-q"], 2, ok=False)
    assert time.time() - t0 < 25, "the timeout did not stop the hanging task"
    lines = metasim_lines(p)
    assert len(lines) == 1 and "4 of 7 tasks failed" in lines[0], p.stderr
    status, results, rec = records("f.h5")
    assert list(status) == [2, 1, 2, 2, 1, 2, 1], status
    assert rec["timed_out"][0] == 1 and rec["attempts"][0] == 3 and rec["history"][0] == b"timeout, timeout, timeout"
    bg = int(rec["stdout"][0].split()[0])
    time.sleep(0.5)
    assert not os.path.exists(f"/proc/{bg}") or open(f"/proc/{bg}/stat").read().split()[2] == "Z", "the background sleep of a timed-out task survived"
    assert rec["attempts"][1] == 3 and rec["history"][1] == b"exit 1, exit 1, exit 0" and results[1, 0] == 5
    assert rec["exit_status"][2] == 127 and b"not found" in rec["stderr"][2]
    assert rec["signal"][3] == signal.SIGSEGV and rec["exit_status"][3] == -1
    assert rec["stdout"][4] == b"7\n" and results[4, 0] == 7
    assert rec["history"][5] == b"exit 0 (bad results), exit 0 (bad results), exit 0 (bad results)" and np.isnan(results[5, 0])
    assert results[6, 0] == 1500.0
    # a task that writes 400 MB: its tail is kept, no process grows
    open("big.txt", "w").write("head -c 400000000 /dev/zero | tr '\\0' x; echo; echo 7\n")
    run(["big.txt", "-o", "big.h5", "--keep-output", "100", "--results-from-stdout", "1", "-q"], 1)
    _, results_big, rec_big = records("big.h5")
    assert len(rec_big["stdout"][0]) == 100 and rec_big["stdout"][0].endswith(b"x\n7\n") and results_big[0, 0] == 7
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # MB, the largest process so far
    assert peak < 300, f"a process grew to {peak:.0f} MB while a task wrote 400 MB: the output is not cut to its tail"
    st = run(["--status", "f.h5"]).stdout
    assert "7 tasks: 3 done, 4 failed, 0 missing" in st and "task 5: echo not a number" in st, st
    # --retry-failed runs only the failed ones again (the passing task 1 is not re-run: count stays 3)
    run(["tasks.txt", "-o", "f.h5", "--timeout", "1", "--keep-output", "100", "--results-from-stdout", "1", "-q", "--retry-failed"], 2, ok=False)
    assert open("count").read().strip() == "3"
    status2, results2, rec2 = records("f.h5")
    assert list(status2) == list(status) and rec2["start"][1] == rec["start"][1] and rec2["start"][0] != rec["start"][0]
    # --max-fails: the run stops early, the rest stays missing for --resume
    open("fails.txt", "w").write("sleep 0.2; exit 1\n" * 40)
    p = run(["fails.txt", "-o", "m.h5", "--max-fails", "3", "--chunk", "1", "-q"], 2, ok=False)
    lines = metasim_lines(p)
    assert len(lines) == 1 and "--max-fails 3" in lines[0], p.stderr
    status, _, _ = records("m.h5")
    failed, missing = int((status == 2).sum()), int((status == 0).sum())
    assert 3 <= failed <= 3 * 2 + 2 and failed + missing == 40, status  # each rank learns of the limit between its tasks
    print(f"PASS faults (max-fails: {failed} failed, {missing} not run)")


def part_resume():
    n = 200
    open("p.csv", "w").write("x\n" + "".join(f"{k / 4}\n" for k in range(n)))
    tmpl = "sleep 0.05; echo {index} >> ran/{index}; echo {x} {seed}"
    common = ["--command", tmpl, "--params", "p.csv", "--seed", "5", "--results-from-stdout", "2", "-q"]
    os.makedirs("ran")
    run(common + ["-o", "ref.h5"], 2)
    shutil.rmtree("ran")
    os.makedirs("ran")
    cmd = [MPIEXEC, "-n", "3", "--oversubscribe", METASIM, "run"] + common + ["-o", "run.h5", "--chunk", "2"]
    mpiexec = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(600):
        if len(os.listdir("ran")) >= 60:
            break
        time.sleep(0.1)
    ranks = subprocess.run(["pgrep", "-P", str(mpiexec.pid)], capture_output=True, text=True).stdout.split()
    assert ranks, "no rank process under mpiexec"
    os.kill(int(ranks[-1]), signal.SIGKILL)
    assert mpiexec.wait(timeout=60) != 0, "the killed run exited 0"
    time.sleep(0.5)  # the tasks the killed ranks left running finish
    status, _, rec = records("run.h5")
    done = status == 1
    assert 0 < done.sum() < n, f"the kill must leave a partial file ({done.sum()} done)"
    st = run(["--status", "run.h5"]).stdout
    assert f"{n} tasks: {int(done.sum())} done, 0 failed, {n - int(done.sum())} missing" in st and "missing (the first few):" in st and "--resume" in st, st
    before = {k: open(f"ran/{k}").read() for k in range(n) if done[k]}
    starts = rec["start"][done]
    p = run(common + ["-o", "run.h5", "--resume", "--schedule", "cyclic"], 2)
    status, _, rec = records("run.h5")
    assert (status == 1).all(), status
    for k, text in before.items():
        assert open(f"ran/{k}").read() == text, f"task {k} finished before the kill and ran again"
    assert np.array_equal(rec["start"][done], starts), "records of finished tasks changed"
    assert all(os.path.exists(f"ran/{k}") for k in range(n))
    same(deterministic("ref.h5"), deterministic("run.h5"), "resumed run")
    # a resume with another task list is refused, naming the first differing task; nothing changes
    other = common[:]
    other[1] = tmpl.replace("0.05", "0.06")
    one_line_error(other + ["-o", "run.h5", "--resume"], "task 0 is", files=["run.h5"])
    print(f"PASS resume ({int(done.sum())} tasks done before the kill were not re-run; final file equals the uninterrupted run)")


{"ranks": part_ranks, "bad": part_bad, "faults": part_faults, "resume": part_resume}[PART]()
