#!/usr/bin/env python3
"""Hostile files never crash or hang the readers: a mutation fuzzer for metasim.

Derives mutants from valid problem files (tests/data/bad/good*.h5 and a file that `metasim demo
--write-problem` writes) and from farm results files (`metasim sweep squares -o`), with a fixed
seed: dataset values, dtypes and shapes, attribute shapes and types, structure (deleted, renamed,
linked groups), raw bytes (zeroed blocks, flipped bytes), truncation and huge counts. Every
problem mutant goes through `metasim info` and `metasim eval`, every farm mutant through
`metasim sweep squares --resume`, at each rank count, under `timeout`. For every run it asserts:
exit 0 with finite results, or exit 1 with exactly one line on stderr (Open MPI's own notices
about a non-zero exit are not metasim's and are left out), no signal, no hang, and no output or
temporary file left behind.

usage: fuzz.py METASIM WORK_DIR [--problems N] [--first I] [--farms N] [--farm-kinds K,...] [--ranks 1,3]
                               [--seed S] [--timeout S] [--jobs J] [--report FILE.json]
Mutant i has mutation kind i mod (number of kinds); the first N mutants of the sequence are the
same for every N, so a quick run is a prefix of the full one (--farm-kinds keeps only the farm
mutants of those kinds). Exit status 0 when every run passed.
"""
import argparse
import concurrent.futures
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import time

import h5py
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "..", "data", "bad")
FARM_TASKS = 40
# Every rank is limited to this much address space, so a count that escapes the checks turns
# into a failed allocation (which must be a clean error) instead of exhausting the machine.
MEMORY_LIMIT = 4 << 30
# A read that takes longer than this is reported as a corrupt file by metasim itself.
READ_TIMEOUT = 10


# ---------------------------------------------------------------------------- mutations
def objects(f):
    """(datasets, groups) of an open file, by path."""
    dsets, groups = [], ["/"]

    def visit(name, obj):
        (dsets if isinstance(obj, h5py.Dataset) else groups).append("/" + name)
    f.visititems(visit)
    return dsets, groups


def attributes(f):
    """Every (object path, attribute name) of an open file."""
    dsets, groups = objects(f)
    return [(p, a) for p in groups + dsets for a in f[p].attrs]


def replace_dataset(f, path, data):
    del f[path]
    f[path] = data


def mut_values(f, rng):
    dsets, _ = objects(f)
    path = rng.choice(dsets)
    d = f[path]
    if d.size == 0:
        return "values of empty " + path
    flat = d[...].reshape(-1)
    k = rng.randrange(flat.size)
    if d.dtype.kind == "f":
        flat[k] = rng.choice([np.nan, np.inf, -np.inf, 1e308, -1e308, 0.0, 5e-324, -1.0])
    elif d.dtype.kind in "iu":
        flat[k] = rng.choice([-1, -(2 ** 62), 2 ** 62, 2 ** 31, 2 ** 31 - 1, 0, flat[k] + 1, 10 ** 9])
    d[...] = flat.reshape(d.shape)
    return "value %d of %s = %r" % (k, path, flat[k])


def mut_dtype(f, rng):
    dsets, _ = objects(f)
    path = rng.choice(dsets)
    data = f[path][...]
    target = rng.choice(["f4", "i4", "u8", "i1", "f2", "S8", "bool", "c16"])
    if target == "S8":
        new = np.array([b"x" * 8] * max(data.size, 1), dtype="S8")
    else:
        with np.errstate(all="ignore"):
            new = data.astype(target)
    replace_dataset(f, path, new)
    return "dtype of %s -> %s" % (path, target)


def mut_shape(f, rng):
    dsets, _ = objects(f)
    path = rng.choice(dsets)
    data = f[path][...]
    how = rng.choice(["shorter", "longer", "transpose", "scalar", "3d", "empty", "flat"])
    if how == "shorter" and data.shape and data.shape[0] > 1:
        new = data[:-1]
    elif how == "longer" and data.shape:
        new = np.concatenate([data, data[:1]])
    elif how == "transpose" and data.ndim == 2:
        new = data.T.copy()
    elif how == "scalar":
        new = data.reshape(-1)[0] if data.size else np.float64(1)
    elif how == "3d":
        new = data.reshape((1,) + data.shape + (1,))
    elif how == "empty":
        new = data[:0]
    else:
        new = data.reshape(-1)
    replace_dataset(f, path, new)
    return "shape of %s -> %s %s" % (path, how, np.shape(new))


ATTR_VALUES = [
    lambda v: np.array([v, v]),
    lambda v: np.array(["stack", "sum"], dtype=h5py.string_dtype()),
    lambda v: np.array([b"linear", b"linear"], dtype="S6"),
    lambda v: np.bytes_(b"stack" + b"\0" * 3),
    lambda v: 3.5,
    lambda v: -1,
    lambda v: np.int64(2 ** 31 - 2),
    lambda v: np.int64(2 ** 62),
    lambda v: np.uint64(2 ** 64 - 1),
    lambda v: "line one\nline two",
    lambda v: "x" * 5000,
    lambda v: True,
    lambda v: np.zeros((2, 2)),
    lambda v: h5py.Empty("i8"),
    lambda v: np.array([], dtype=np.int64),
]


def mut_attribute(f, rng):
    path, name = rng.choice(attributes(f))
    value = rng.choice(ATTR_VALUES)(f[path].attrs[name])
    if isinstance(value, np.ndarray) and value.dtype.kind == "U":
        value = value.astype(h5py.string_dtype())
    f[path].attrs[name] = value
    return "attribute %s@%s = %s" % (path, name, type(value).__name__)


def mut_structure(f, rng):
    dsets, groups = objects(f)
    how = rng.choice(["delete", "rename", "hardlink", "softlink", "extlink", "delete"])
    path = rng.choice([p for p in dsets + groups if p != "/"])
    parent = path.rsplit("/", 1)[0] or "/"
    if how == "delete":
        del f[path]
    elif how == "rename":
        f.move(path, path + "_renamed")
    elif how == "hardlink":
        other = rng.choice(dsets + groups)
        if other != path:
            del f[path]
            f[path] = f[other]
    elif how == "softlink":
        del f[path]
        f[path] = h5py.SoftLink(rng.choice([parent, "/nowhere", path]))
    else:
        del f[path]
        f[path] = h5py.ExternalLink(rng.choice(["/dev/zero", "missing.h5", os.path.abspath(f.filename)]), "/")
    return "%s %s" % (how, path)


COUNTS = ["n_sims", "n_steps", "n_terms", "n_sources", "n_receivers", "n_rows", "n_cols", "n_model",
          "n_data", "n_in", "n_out", "n_tasks", "out_size"]


def mut_count(f, rng):
    found = [(p, a) for p, a in attributes(f) if a in COUNTS]
    if not found:
        return mut_attribute(f, rng)
    path, name = rng.choice(found)
    value = rng.choice([2 ** 31 - 2, 2 ** 31 - 1, 10 ** 9, 2 ** 40, 0, -5, int(f[path].attrs[name]) * 1000 + 1])
    f[path].attrs[name] = np.int64(value)
    return "count %s@%s = %d" % (path, name, value)


def mut_farm_failures(f, rng):
    """A crafted /failures group (resume reads it)."""
    if "failures" in f:
        del f["failures"]
    g = f.create_group("failures")
    n = rng.choice([1, 3, 100])
    g["index"] = np.array([rng.choice([-1, 0, 5, 2 ** 40, FARM_TASKS]) for _ in range(n)], dtype=np.int64)
    g["message"] = np.array([b"boom\nline"] * rng.choice([n, max(n - 1, 1), n + 5]), dtype="S%d" % rng.choice([8, 256, 300]))
    return "crafted /failures (%d entries)" % n


def mut_bytes(path, rng):
    data = bytearray(open(path, "rb").read())
    how = rng.choice(["zero", "flip", "zero", "flip", "truncate"])
    if how == "zero":
        at = rng.randrange(0, len(data) - 64) & ~63
        data[at:at + 64] = bytes(64)
        what = "zeroed 64 bytes at %d" % at
    elif how == "flip":
        spots = [rng.randrange(len(data)) for _ in range(rng.choice([1, 2, 8]))]
        for at in spots:
            data[at] ^= 1 << rng.randrange(8)
        what = "flipped bits at %s" % spots
    else:
        at = rng.randrange(len(data))
        del data[at:]
        what = "truncated to %d bytes" % at
    open(path, "wb").write(data)
    return what


H5_MUTATIONS = [mut_values, mut_dtype, mut_shape, mut_attribute, mut_structure, mut_count]
KINDS = ["values", "dtype", "shape", "attribute", "structure", "count", "bytes"]


def make_mutant(base, dest, index, seed, farm):
    """Mutant `index` of base into dest; returns a description."""
    rng = random.Random(seed * 1000003 + index * 7919 + (1 if farm else 0))
    shutil.copyfile(base, dest)
    kinds = KINDS + (["failures"] if farm else [])
    kind = kinds[index % len(kinds)]
    if kind == "bytes":
        return kind, mut_bytes(dest, rng)
    try:
        with h5py.File(dest, "r+") as f:
            if kind == "failures":
                return kind, mut_farm_failures(f, rng)
            return kind, H5_MUTATIONS[KINDS.index(kind)](f, rng)
    except (TypeError, ValueError, KeyError, OSError) as e:  # a change h5py cannot express
        shutil.copyfile(base, dest)
        return "bytes", "(%s: %s) %s" % (kind, e, mut_bytes(dest, rng))


# ---------------------------------------------------------------------------- running
def limit_memory():
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def metasim_lines(stderr):
    """stderr without Open MPI's notices: its boxed messages and setpgid warnings."""
    lines, boxed = [], False
    for line in stderr.splitlines():
        if set(line.strip()) == {"-"} and len(line.strip()) > 20:
            boxed = not boxed
            continue
        if boxed or "plm:rsh: Warning: setpgid" in line or not line.strip():
            continue
        lines.append(line)
    return lines


def finite_file(path, datasets=None):
    with h5py.File(path, "r") as f:
        for name in datasets or list(f):
            if isinstance(f[name], h5py.Dataset) and f[name].dtype.kind == "f" and not np.all(np.isfinite(f[name][...])):
                return "%s holds NaN or Inf" % name
    return None


def run(cmd, np_, timeout, cwd):
    full = ["timeout", "-s", "KILL", str(timeout), os.environ.get("MPIEXEC", "mpiexec"), "-n", str(np_), "--oversubscribe",
            "--mca", "mpi_yield_when_idle", "1"] + cmd
    start = time.time()
    p = subprocess.run(full, cwd=cwd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       preexec_fn=limit_memory, text=True, errors="replace")
    return p.returncode, p.stdout, p.stderr, time.time() - start


def check_run(args, label, cmd, np_, cwd, before, output=None, farm=None):
    """One run and its verdict: ("ok" | "clean" | "FAIL", detail)."""
    rc, out, err, secs = run(cmd, np_, args.timeout, cwd)
    lines = metasim_lines(err)
    left = sorted(set(os.listdir(cwd)) - before)
    verdict, detail = "ok", ""
    if rc in (124, 137, -9):
        verdict, detail = "FAIL", "hang (killed after %d s)" % args.timeout
    elif rc == 0:
        if lines:
            verdict, detail = "FAIL", "exit 0 with stderr: %s" % " | ".join(lines[:3])
        elif output:
            if not os.path.exists(os.path.join(cwd, output)):
                verdict, detail = "FAIL", "exit 0 but no output file"
            else:
                bad = finite_file(os.path.join(cwd, output))
                if bad:
                    verdict, detail = "FAIL", "exit 0 but " + bad
        elif farm:
            bad = finite_file(os.path.join(cwd, farm), ["results"])
            if bad:
                verdict, detail = "FAIL", "exit 0 but " + bad
    elif rc == 1:
        verdict, detail = "clean", lines[0] if lines else ""
        if len(lines) != 1:
            verdict, detail = "FAIL", "exit 1 with %d stderr lines: %s" % (len(lines), " | ".join(lines[:4]))
    else:
        verdict, detail = "FAIL", "exit status %d (signal or crash): %s" % (rc, " | ".join(lines[:3]))
    stray = [x for x in left if x != output] if verdict == "ok" else left
    if stray and verdict != "FAIL":
        verdict, detail = "FAIL", "left behind: %s (%s)" % (stray, detail)
    for name in left:
        full = os.path.join(cwd, name)
        (shutil.rmtree if os.path.isdir(full) else os.remove)(full)
    return {"run": label, "np": np_, "verdict": verdict, "detail": detail, "seconds": round(secs, 1)}


def problem_runs(args, mutant, cwd):
    before = set(os.listdir(cwd))
    name = os.path.basename(mutant)
    runs = []
    for np_ in args.ranks:
        timeout = ["-problem_read_timeout", str(READ_TIMEOUT)]
        runs.append(check_run(args, "info", [args.metasim, "info", name] + timeout, np_, cwd, before))
        runs.append(check_run(args, "eval", [args.metasim, "eval", name, "-o", "out.h5", "--ops", "dpred,jvec,jtvec,jtjdiag"] + timeout,
                              np_, cwd, before, output="out.h5"))
    return runs


def farm_runs(args, mutant, cwd):
    name = os.path.basename(mutant)
    pristine = mutant + ".orig"
    shutil.copyfile(mutant, pristine)
    runs = []
    for np_ in args.ranks:
        shutil.copyfile(pristine, mutant)  # resume may complete the file: start from the mutant
        before = set(os.listdir(cwd))
        runs.append(check_run(args, "sweep --resume", [args.metasim, "sweep", "squares", "-n", str(FARM_TASKS), "-o", name, "--resume"],
                              np_, cwd, before, farm=name))
    os.remove(pristine)
    return runs


def prepare_bases(args, work):
    """The valid files mutants derive from."""
    bases = {"problem": [os.path.join(DATA, "good.h5"), os.path.join(DATA, "good_dcr.h5")], "farm": []}
    env_np = ["timeout", "120", os.environ.get("MPIEXEC", "mpiexec"), "-n", "1"]
    demo = os.path.join(work, "base_demo.h5")
    if not os.path.exists(demo):
        subprocess.run(env_np + [args.metasim, "demo", "--tiles", "2", "--write-problem", demo, "-o", os.path.join(work, "base_demo_out.h5")],
                       check=True, stdout=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
    bases["problem"].append(demo)
    complete = os.path.join(work, "base_farm.h5")
    if not os.path.exists(complete):
        subprocess.run(env_np + [args.metasim, "sweep", "squares", "-n", str(FARM_TASKS), "-o", complete],
                       check=True, stdout=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
    half = os.path.join(work, "base_farm_half.h5")
    shutil.copyfile(complete, half)
    with h5py.File(half, "r+") as f:  # half the tasks still to run on resume
        f["status"][FARM_TASKS // 2:] = 0
        f["results"][FARM_TASKS // 2:] = np.nan
    bases["farm"] = [complete, half]
    return bases


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("metasim")
    ap.add_argument("work")
    ap.add_argument("--problems", type=int, default=240)
    ap.add_argument("--farms", type=int, default=60)
    ap.add_argument("--first", type=int, default=0, help="first problem mutant (to continue a run)")
    ap.add_argument("--farm-kinds", help="only farm mutants of these kinds (comma-separated)")
    ap.add_argument("--ranks", default="1,3")
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--timeout", type=int, default=60)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--report")
    args = ap.parse_args()
    args.ranks = [int(r) for r in args.ranks.split(",")]
    args.metasim = os.path.abspath(args.metasim)
    work = os.path.abspath(args.work)
    os.makedirs(work, exist_ok=True)
    bases = prepare_bases(args, work)

    jobs = [("problem", i, bases["problem"][i % len(bases["problem"])]) for i in range(args.first, args.problems)]
    farm_kinds = KINDS + ["failures"]
    wanted = set(args.farm_kinds.split(",")) if args.farm_kinds else set(farm_kinds)
    farm_indices = [i for i in range(100 * (args.farms + 1)) if farm_kinds[i % len(farm_kinds)] in wanted][:args.farms]
    jobs += [("farm", i, bases["farm"][i % len(bases["farm"])]) for i in farm_indices]

    def one(job):
        kind, i, base = job
        cwd = os.path.join(work, "%s_%04d" % (kind, i))
        shutil.rmtree(cwd, ignore_errors=True)
        os.makedirs(cwd)
        mutant = os.path.join(cwd, "mutant.h5")
        mkind, what = make_mutant(base, mutant, i, args.seed, kind == "farm")
        runs = (farm_runs if kind == "farm" else problem_runs)(args, mutant, cwd)
        failed = any(r["verdict"] == "FAIL" for r in runs)
        if not failed:
            shutil.rmtree(cwd)
        return {"file": kind, "index": i, "base": os.path.basename(base), "kind": mkind, "mutation": what, "runs": runs, "failed": failed}

    results = []
    with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
        for r in pool.map(one, jobs):
            results.append(r)
            tag = "FAIL" if r["failed"] else "pass"
            print("%s %s %3d %-9s %-22s %s" % (tag, r["file"], r["index"], r["kind"], " ".join(x["verdict"] for x in r["runs"]), r["mutation"]), flush=True)
            for run_ in r["runs"]:
                if run_["verdict"] == "FAIL" or r["failed"]:
                    print("     np=%d %-14s %-5s %s" % (run_["np"], run_["run"], run_["verdict"], run_["detail"]), flush=True)

    runs = [x for r in results for x in r["runs"]]
    summary = {
        "seed": args.seed, "ranks": args.ranks,
        "mutants": len(results), "problem_mutants": args.problems, "farm_mutants": len(farm_indices),
        "runs": len(runs),
        "runs_ok": sum(x["verdict"] == "ok" for x in runs),
        "runs_clean_error": sum(x["verdict"] == "clean" for x in runs),
        "runs_failed": sum(x["verdict"] == "FAIL" for x in runs),
        "mutants_failed": sum(r["failed"] for r in results),
        "by_kind": {k: {"mutants": sum(r["kind"] == k for r in results), "failed": sum(r["kind"] == k and r["failed"] for r in results)}
                    for k in sorted({r["kind"] for r in results})},
    }
    print(json.dumps(summary, indent=1))
    if args.report:
        with open(args.report, "w") as fh:
            json.dump({"summary": summary, "mutants": results}, fh, indent=1)
    return 1 if summary["runs_failed"] else 0


if __name__ == "__main__":
    sys.exit(main())
