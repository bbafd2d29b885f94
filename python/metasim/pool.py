"""metasim.Pool: multiprocessing.Pool's map, starmap, imap and imap_unordered over MPI ranks.

Every rank runs the script (SPMD) and calls the same Pool methods in the same order; rank 0 reads
the iterable and hands out chunks of tasks to whichever rank asks next (dynamic scheduling), a
thread of rank 0 answering requests while rank 0 works on chunks too. Every rank returns the
full, ordered results. A task that raises is recorded in `pool.failures` (its result is None)
and the others go on; `results=` keeps numeric results in an HDF5 file with resume (poolfile.py).
With `seed`, task i is called with `rng=numpy.random.Generator(Philox(key=(seed, i)))`: a stream
of its own, keyed like the farm's streams by (seed, task index), so the values do not depend on
the rank count or the schedule.
"""
import pickle
import sys
import threading
import time
import traceback

import numpy as np

from . import _lib, poolfile

_TASK, _STOP = 1, 2  # message tags: a chunk or a request carrying results / the end
_POLL = 2e-4  # seconds between the dispatcher's probes for requests


class TaskFailure:
    """One failed task: its index, arguments' repr, exception text, traceback text and rank."""

    def __init__(self, index, args, error, traceback_text, rank):
        self.index, self.args, self.error, self.traceback, self.rank = index, args, error, traceback_text, rank

    def __repr__(self):
        return "TaskFailure(index=%d, rank=%d, error=%r)" % (self.index, self.rank, self.error)


def _chunks(items, chunksize, skip):
    """(start, [(offset, item)]) chunks of at most `chunksize` tasks not in `skip`."""
    pending = [i for i in range(len(items)) if i not in skip]
    return [(pending[s], [(i - pending[s], items[i]) for i in pending[s:s + chunksize]])
            for s in range(0, len(pending), chunksize)]


class _Sink:
    """Rank 0's collector of finished chunks (from both of its threads): keeps them in completion
    order, writes the results file and prints progress."""

    def __init__(self, n, path, progress):
        self.n, self.done, self.error = n, [], None
        self.file = poolfile.ResultsFile(path, n) if path else None
        self.resumed = self.file.resumed() if self.file else {}
        self.count, self.progress, self.last = len(self.resumed), progress, time.monotonic()
        self.lock = threading.Lock()

    def resumed_chunk(self):
        if not self.resumed:
            return []
        return [(0, pickle.dumps(sorted(self.resumed.items()), pickle.HIGHEST_PROTOCOL), [])]

    def add(self, chunks):
        with self.lock:
            for chunk in chunks:
                self.done.append(chunk)
                if not (self.file or self.progress):
                    continue
                start, blob, failures = chunk
                values = pickle.loads(blob)
                self.count += len(values)
                if self.file and not self.error:
                    try:
                        self.file.write_pairs(start, values, {f.index for f in failures})
                    except Exception as e:  # noqa: B902 - reported on every rank after the run
                        self.error = "metasim.Pool: %s" % e
            now = time.monotonic()
            if self.progress and chunks and (now - self.last >= 1 or self.count == self.n):
                self.last = now
                sys.stderr.write("metasim.Pool: %d/%d tasks done (%.0f%%)\n"
                                 % (self.count, self.n, 100.0 * self.count / max(1, self.n)))
                sys.stderr.flush()

    def close(self):
        if self.file:
            self.file.close()


def _stream(seed, index):
    return np.random.Generator(np.random.Philox(key=(int(seed) << 64) | int(index)))


class Pool:
    """with metasim.Pool(seed=None, comm=None) as pool: pool.map(fn, iterable, chunksize=None).

    Collective: every rank of `comm` (mpi4py, default COMM_WORLD) makes the same calls. The
    tasks run on the ranks mpiexec started; `processes` is accepted for multiprocessing's
    signature and ignored. `fn` is not pickled (every rank has it), so lambdas work."""

    def __init__(self, processes=None, seed=None, comm=None):
        if _lib.MPI is None:
            raise ImportError("metasim.Pool needs mpi4py (Debian: python3-mpi4py)")
        _lib.initialize()
        self.comm = (comm or _lib.MPI.COMM_WORLD).Dup()
        self.seed = seed
        self.failures = []
        self.completion_order = []

    # -- the public API, as multiprocessing.Pool --------------------------------------------
    def map(self, fn, iterable, chunksize=None, *, results=None, progress=False):
        """[fn(x) for x in iterable], in order, on every rank. `results`: an HDF5 file for
        numeric results, resumed when it exists; `progress`: a line on stderr about every second."""
        return self._run(fn, iterable, chunksize, False, results, progress)[0]

    def starmap(self, fn, iterable, chunksize=None, *, results=None, progress=False):
        """[fn(*args) for args in iterable], in order, on every rank; keywords as `map`."""
        return self._run(fn, iterable, chunksize, True, results, progress)[0]

    def imap(self, fn, iterable, chunksize=1):
        """An iterator over map's results, in order (computed collectively first)."""
        return iter(self.map(fn, iterable, chunksize))

    def imap_unordered(self, fn, iterable, chunksize=1):
        """An iterator over the results in the order the tasks finished (the same on every rank)."""
        results, order = self._run(fn, iterable, chunksize, False, None, False)
        return (results[i] for i in order)

    def close(self):
        if self.comm is not None:
            self.comm.Free()
            self.comm = None

    def terminate(self):
        self.close()

    def join(self):
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # -- the machinery ----------------------------------------------------------------------
    def _run_chunk(self, fn, star, start, items):
        """(start, pickled [(offset, result)], [TaskFailure]) for the tasks start + offset: one
        pickle per chunk; a task whose result cannot be pickled becomes a failure."""
        values, failures, seed = [], [], self.seed
        for k, x in items:
            i = start + k
            try:
                if seed is None:
                    values.append((k, fn(*x) if star else fn(x)))
                else:
                    rng = _stream(seed, i)
                    values.append((k, fn(*x, rng=rng) if star else fn(x, rng=rng)))
            except (Exception, SystemExit) as e:  # noqa: B902 - captured per task, the others go on
                values.append((k, None))
                failures.append(self._failure(i, x, e))
        try:
            blob = pickle.dumps(values, pickle.HIGHEST_PROTOCOL)
        except Exception:
            for j, (k, value) in enumerate(values):
                try:
                    pickle.dumps(value, pickle.HIGHEST_PROTOCOL)
                except Exception as e:  # noqa: B902
                    values[j] = (k, None)
                    failures.append(self._failure(start + k, items[j][1], e))
            blob = pickle.dumps(values, pickle.HIGHEST_PROTOCOL)
        return start, blob, failures

    def _failure(self, index, args, exc):
        return TaskFailure(index, repr(args)[:200], "%s: %s" % (type(exc).__name__, exc), traceback.format_exc(),
                           self.comm.rank)

    def _run(self, fn, iterable, chunksize, star, path, progress):
        comm = self.comm
        if comm.rank == 0:
            items = list(iterable)
            if chunksize is None:  # multiprocessing's default: about 4 chunks per worker
                chunksize = max(1, -(-len(items) // (4 * comm.size)))
            sink, error = None, None
            try:
                sink = _Sink(len(items), path, progress)
            except (OSError, ValueError) as e:
                error = "metasim.Pool: %s" % e
            comm.bcast(error, root=0)
            if error:
                raise ValueError(error)
            chunks = _chunks(items, chunksize, sink.resumed)
            try:
                self._master(fn, star, chunks, sink)
            finally:
                sink.close()
            payload = (len(items), sink.resumed_chunk() + sink.done, sink.error)
        else:
            error = comm.bcast(None, root=0)
            if error:
                raise ValueError(error)
            self._worker(fn, star)
            payload = None
        n, done, error = comm.bcast(payload, root=0)  # chunks in completion order
        if error:
            raise ValueError(error)
        results, order, failures = [None] * n, [], []
        for start, blob, chunk_failures in done:
            values = pickle.loads(blob)
            for k, value in values:
                results[start + k] = value
                order.append(start + k)
            failures.extend(chunk_failures)
        self.failures = sorted(failures, key=lambda f: f.index)
        self.completion_order = order
        return results, order

    def _master(self, fn, star, chunks, sink):
        """Rank 0: a thread answers the other ranks' requests while this thread works on chunks
        too, both taking from one queue; every finished chunk goes to `sink`."""
        queue, lock = list(reversed(chunks)), threading.Lock()

        def take():
            with lock:
                return queue.pop() if queue else None

        dispatcher = threading.Thread(target=self._dispatch, args=(take, sink))
        dispatcher.start()
        try:
            for chunk in iter(take, None):
                sink.add([self._run_chunk(fn, star, *chunk)])
        finally:
            dispatcher.join()

    def _dispatch(self, take, sink):
        comm, MPI = self.comm, _lib.MPI
        status, active = MPI.Status(), comm.size - 1
        while active:
            if not comm.Iprobe(source=MPI.ANY_SOURCE, tag=_TASK, status=status):
                time.sleep(_POLL)  # lets the working thread have the interpreter
                continue
            source = status.Get_source()
            sink.add(comm.recv(source=source, tag=_TASK))  # [] or [a finished chunk]
            chunk = take()
            if chunk is None:
                comm.send(None, dest=source, tag=_STOP)
                active -= 1
            else:
                comm.send(chunk, dest=source, tag=_TASK)

    def _worker(self, fn, star):
        comm, MPI = self.comm, _lib.MPI
        finished, status = [], MPI.Status()
        while True:
            comm.send(finished, dest=0, tag=_TASK)
            chunk = comm.recv(source=0, tag=MPI.ANY_TAG, status=status)
            if status.Get_tag() == _STOP:
                return
            finished = [self._run_chunk(fn, star, *chunk)]
