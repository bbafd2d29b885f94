"""metasim.Pool, run with `mpiexec -n N python3 test_pool.py`: ordering identical to the builtin
map, starmap and imap/imap_unordered semantics, chunk sizes, any picklable result, per-task
failures, seeded streams whose values do not depend on the rank count, dynamic scheduling."""
import os
import shutil
import sys
import tempfile
import time

import numpy as np
from mpi4py import MPI

import metasim

comm = MPI.COMM_WORLD


def square(x):
    return x * x


def test_map_order():
    data = list(range(37))
    with metasim.Pool() as pool:
        for chunksize in (None, 1, 4, 100):
            assert pool.map(square, data, chunksize=chunksize) == list(map(square, data))
        assert pool.map(square, []) == []
        # the iterable is read on rank 0 only: a generator works
        assert pool.map(square, (x for x in range(5))) == [0, 1, 4, 9, 16]
        assert list(pool.imap(square, data)) == list(map(square, data))


def test_starmap_and_unordered():
    pairs = [(i, j) for i in range(6) for j in range(5)]
    with metasim.Pool() as pool:
        assert pool.starmap(pow, pairs) == [pow(i, j) for i, j in pairs]
        got = list(pool.imap_unordered(square, range(25), chunksize=2))
        assert sorted(got) == [x * x for x in range(25)]
        assert sorted(pool.completion_order) == list(range(25))
        # the same completion order on every rank
        orders = comm.allgather(pool.completion_order)
        assert all(o == orders[0] for o in orders)


class Result:
    def __init__(self, x):
        self.x, self.rank = x, comm.rank


def test_any_picklable_result():
    with metasim.Pool() as pool:
        out = pool.map(lambda x: {"x": x, "a": np.arange(x), "obj": Result(x)}, range(9))
        assert [o["x"] for o in out] == list(range(9))
        assert all(np.array_equal(o["a"], np.arange(i)) for i, o in enumerate(out))
        assert all(isinstance(o["obj"], Result) for o in out)


def may_fail(x):
    if x % 7 == 3:
        raise ValueError("task %d fails" % x)
    return -x


def test_failures_captured():
    with metasim.Pool() as pool:
        out = pool.map(may_fail, range(30), chunksize=2)
        bad = [x for x in range(30) if x % 7 == 3]
        assert [f.index for f in pool.failures] == bad
        assert all("ValueError: task %d fails" % f.index == f.error for f in pool.failures)
        assert all("may_fail" in f.traceback for f in pool.failures)
        assert out == [None if x in bad else -x for x in range(30)]
        # an unpicklable result is a failure of that task only
        out = pool.map(lambda x: (lambda: x) if x == 2 else x, range(4))
        assert out == [0, 1, None, 3] and [f.index for f in pool.failures] == [2]
        # sys.exit in a task is that task's failure, not the end of a rank
        out = pool.map(lambda x: sys.exit(3) if x == 1 else x, range(3))
        assert out == [0, None, 2] and [f.index for f in pool.failures] == [1]
        pool.map(square, range(3))
        assert pool.failures == []


def draw(x, rng):
    return float(rng.standard_normal()) + x


def test_seeded_streams():
    with metasim.Pool(seed=2024) as pool:
        got = pool.map(draw, range(20), chunksize=3)
    want = [draw(i, np.random.Generator(np.random.Philox(key=(2024 << 64) | i))) for i in range(20)]
    assert got == want  # the serial values, bit for bit, at every rank count
    assert len(set(got)) == 20


def test_dynamic_scheduling():
    """Task 0 waits until every other task has run: only a dynamic schedule gets past it, with
    the other tasks all run by the ranks not holding task 0."""
    if comm.size == 1:
        return
    folder = comm.bcast(tempfile.mkdtemp(dir=".") if comm.rank == 0 else None)

    def task(x):
        if x == 0:
            deadline = time.monotonic() + 60
            while len(os.listdir(folder)) < 39 and time.monotonic() < deadline:
                time.sleep(0.01)
            return comm.rank, len(os.listdir(folder))
        open(os.path.join(folder, str(x)), "w").close()
        return comm.rank, None

    with metasim.Pool() as pool:
        out = pool.map(task, range(40), chunksize=1)
    assert out[0][1] == 39, out[0]
    assert all(r != out[0][0] for r, _ in out[1:]), out
    if comm.rank == 0:
        shutil.rmtree(folder)


def test_results_file_resume_progress():
    import hashlib
    import io
    folder = comm.bcast(tempfile.mkdtemp(dir=".") if comm.rank == 0 else None)
    path = os.path.join(folder, "results.h5")
    ran = []

    def task(x):
        ran.append(x)
        if x == 5 and not os.path.exists(path + ".fixed"):
            raise RuntimeError("task 5 fails the first time")
        return [x, x * x]

    want = [[x, x * x] for x in range(30)]
    with metasim.Pool() as pool:
        stderr, sys.stderr = sys.stderr, io.StringIO()
        try:
            out = pool.map(task, range(30), chunksize=4, results=path, progress=True)
            shown = sys.stderr.getvalue()
        finally:
            sys.stderr = stderr
        assert out == [None if x == 5 else want[x] for x in range(30)]
        if comm.rank == 0:
            assert "metasim.Pool: 30/30 tasks done (100%)" in shown, shown
            import h5py
            with h5py.File(path, "a") as f:
                assert f["status"][...].tolist() == [2 if x == 5 else 1 for x in range(30)]
                assert np.array_equal(f["results"][10], [10, 100])
                f["status"][10:20] = 0  # as if interrupted before tasks 10..19 finished
            open(path + ".fixed", "w").close()
        comm.Barrier()
        del ran[:]
        out = pool.map(task, range(30), chunksize=4, results=path)
        assert sorted(x for part in comm.allgather(ran) for x in part) == [5] + list(range(10, 20))
        assert [list(map(float, r)) for r in out] == [list(map(float, r)) for r in want]
        assert pool.failures == []
        # another task count: refused on every rank, the file untouched
        digest = hashlib.sha256(open(path, "rb").read()).hexdigest() if comm.rank == 0 else None
        try:
            pool.map(task, range(31), results=path)
        except ValueError as e:
            assert "holds 30 tasks, this map has 31" in str(e), str(e)
        else:
            raise AssertionError("a file of another task count was accepted")
        if comm.rank == 0:
            assert hashlib.sha256(open(path, "rb").read()).hexdigest() == digest
        # a result that is not numeric: an error on every rank
        try:
            pool.map(lambda x: "text", range(3), results=os.path.join(folder, "text.h5"))
        except ValueError as e:
            assert "metasim.Pool" in str(e)
        else:
            raise AssertionError("a non-numeric result was written")
    comm.Barrier()
    if comm.rank == 0:
        shutil.rmtree(folder)


if __name__ == "__main__":
    for name, fn in sorted(globals().items()):
        if name.startswith("test_") and (len(sys.argv) == 1 or name in sys.argv[1:]):
            fn()
            if comm.rank == 0:
                print("ok", name, flush=True)
