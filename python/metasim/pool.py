"""metasim.Pool: multiprocessing.Pool's map, starmap, imap and imap_unordered over MPI ranks.

Every rank runs the script (SPMD) and calls the same Pool methods in the same order; rank 0 reads
the iterable and hands out chunks of tasks to whichever rank asks next (dynamic scheduling),
a thread of rank 0 answering requests while rank 0 works on chunks too. Every rank returns the full, ordered results.
A task that raises is recorded in `pool.failures` (its result is None) and the others go on.
With `seed`, task i is called with `rng=numpy.random.Generator(Philox(key=(seed, i)))`: a stream
of its own, keyed like the farm's streams by (seed, task index), so the values do not depend on
the rank count or the schedule.
"""
import pickle
import threading
import time
import traceback

import numpy as np

from . import _lib

_TASK, _STOP = 1, 2  # message tags: a chunk or a request carrying results / the end
_POLL = 2e-4  # seconds between the dispatcher's probes for requests


class TaskFailure:
    """One failed task: its index, arguments' repr, exception text, traceback text and rank."""

    def __init__(self, index, args, error, traceback_text, rank):
        self.index, self.args, self.error, self.traceback, self.rank = index, args, error, traceback_text, rank

    def __repr__(self):
        return "TaskFailure(index=%d, rank=%d, error=%r)" % (self.index, self.rank, self.error)


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
    def map(self, fn, iterable, chunksize=None):
        """[fn(x) for x in iterable], in order, on every rank."""
        return self._run(fn, iterable, chunksize, star=False)[0]

    def starmap(self, fn, iterable, chunksize=None):
        """[fn(*args) for args in iterable], in order, on every rank."""
        return self._run(fn, iterable, chunksize, star=True)[0]

    def imap(self, fn, iterable, chunksize=1):
        """An iterator over map's results, in order (computed collectively first)."""
        return iter(self.map(fn, iterable, chunksize))

    def imap_unordered(self, fn, iterable, chunksize=1):
        """An iterator over the results in the order the tasks finished (the same on every rank)."""
        results, order = self._run(fn, iterable, chunksize, star=False)
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
        """(start, pickled list of the chunk's results, [TaskFailure]): one pickle per chunk; a
        task whose result cannot be pickled becomes a failure."""
        values, failures, seed = [], [], self.seed
        for i, x in enumerate(items, start):
            try:
                if seed is None:
                    values.append(fn(*x) if star else fn(x))
                else:
                    rng = _stream(seed, i)
                    values.append(fn(*x, rng=rng) if star else fn(x, rng=rng))
            except Exception as e:  # noqa: B902 - captured per task, the others go on
                values.append(None)
                failures.append(self._failure(i, x, e))
        try:
            blob = pickle.dumps(values, pickle.HIGHEST_PROTOCOL)
        except Exception:
            for k, value in enumerate(values):
                try:
                    pickle.dumps(value, pickle.HIGHEST_PROTOCOL)
                except Exception as e:  # noqa: B902
                    values[k] = None
                    failures.append(self._failure(start + k, items[k], e))
            blob = pickle.dumps(values, pickle.HIGHEST_PROTOCOL)
        return start, blob, failures

    def _failure(self, index, args, exc):
        return TaskFailure(index, repr(args)[:200], "%s: %s" % (type(exc).__name__, exc), traceback.format_exc(),
                           self.comm.rank)

    def _run(self, fn, iterable, chunksize, star):
        comm = self.comm
        if comm.rank == 0:
            items = list(iterable)
            if chunksize is None:  # multiprocessing's default: about 4 chunks per worker
                chunksize = max(1, -(-len(items) // (4 * comm.size)))
            chunks = [(s, items[s:s + chunksize]) for s in range(0, len(items), chunksize)]
            payload = (len(items), self._master(fn, star, chunks))
        else:
            self._worker(fn, star)
            payload = None
        n, done = comm.bcast(payload, root=0)  # chunks in completion order
        results, order, failures = [None] * n, [], []
        for start, blob, chunk_failures in done:
            values = pickle.loads(blob)
            results[start:start + len(values)] = values
            order.extend(range(start, start + len(values)))
            failures.extend(chunk_failures)
        self.failures = sorted(failures, key=lambda f: f.index)
        self.completion_order = order
        return results, order

    def _master(self, fn, star, chunks):
        """Rank 0: a thread answers the other ranks' requests while this thread works on chunks
        too, both taking from one queue; returns every finished chunk, in completion order."""
        done, queue, lock = [], list(reversed(chunks)), threading.Lock()

        def take():
            with lock:
                return queue.pop() if queue else None

        dispatcher = threading.Thread(target=self._dispatch, args=(take, done))
        dispatcher.start()
        try:
            for chunk in iter(take, None):
                done.append(self._run_chunk(fn, star, *chunk))
        finally:
            dispatcher.join()
        return done

    def _dispatch(self, take, done):
        comm, MPI = self.comm, _lib.MPI
        status, active = MPI.Status(), comm.size - 1
        while active:
            if not comm.Iprobe(source=MPI.ANY_SOURCE, tag=_TASK, status=status):
                time.sleep(_POLL)  # lets the working thread have the interpreter
                continue
            source = status.Get_source()
            done.extend(comm.recv(source=source, tag=_TASK))  # [] or [a finished chunk]
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
