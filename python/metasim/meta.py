"""Meta simulations: SimPEG's MetaSimulation, SumMetaSimulation and RepeatedSimulation over
metasim's MSMeta, run SPMD over MPI ranks with numpy arrays of the global model and data on every
rank."""
import ctypes
import pickle
import re

import numpy as np

from . import _lib, maps, simulations
from ._lib import lib, check, PetscInt, PetscReal, PetscBool, MPI

STACK, SUM, REPEAT = 0, 1, 2
_JTJDIAG = {"compose": 0, "exact": 1}


class SimulationError(RuntimeError):
    """A simulation raised on one rank; raised on every rank with the simulation index, the rank
    and the original traceback text (the original exception, when it could be pickled, is raised
    instead, with this error as its cause)."""

    def __init__(self, message, index=-1, rank=-1, traceback_text=""):
        super().__init__(message)
        self.index, self.rank, self.traceback = index, rank, traceback_text


_Factory = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, PetscInt, ctypes.POINTER(ctypes.c_void_p),
                            ctypes.POINTER(ctypes.c_void_p), ctypes.c_void_p)


class _Base:
    """Common machinery; use `MetaSimulation`, `SumMetaSimulation` or `RepeatedSimulation`."""

    _kind = STACK

    def __init__(self, simulations_=None, mappings=None, *, factory=None, n_sims=None, costs=None,
                 comm=None, reproducible=None, jtjdiag=None, options=None, repeat_simulation=None):
        _lib.initialize()
        self._comm = comm if comm is not None else (MPI.COMM_WORLD if MPI else None)
        handle = MPI._handleof(comm) if comm is not None else _lib.comm_world()
        self._meta = ctypes.c_void_p()
        self._vecs = []
        self._keys = []
        self._last_model = None
        self._gathers = {}
        if factory is None:
            if mappings is None or len(mappings) != len(simulations_):
                raise ValueError("metasim: give as many mappings as simulations")
            sims, mappings = list(simulations_), list(mappings)
            factory = lambda i: (sims[i], mappings[i])  # noqa: E731
            n_sims = len(sims)
            if costs is None:
                costs = [float(maps.n_out_of(mp)) * simulations.n_data_of(s) for s, mp in zip(sims, mappings)]
        elif n_sims is None:
            raise ValueError("metasim: a factory needs n_sims")
        self._factory = factory
        self.n_sims = int(n_sims)
        check(lib.MSMetaCreate(handle, ctypes.byref(self._meta)), "MSMetaCreate")
        _lib.register(self)
        check(lib.MSMetaSetKind(self._meta, self._kind), "MSMetaSetKind")
        if repeat_simulation is not None:
            self._set_repeat(repeat_simulation)
        self._factory_c = _Factory(self._build)
        check(lib.MSMetaSetFactory(self._meta, self.n_sims, ctypes.cast(self._factory_c, ctypes.c_void_p), None),
              "MSMetaSetFactory")
        if costs is not None:
            c = np.ascontiguousarray(costs, dtype=float)
            check(lib.MSMetaSetCosts(self._meta, c.size, c.ctypes.data_as(ctypes.c_void_p)), "MSMetaSetCosts")
        if reproducible is not None:
            check(lib.MSMetaSetReproducible(self._meta, bool(reproducible)), "MSMetaSetReproducible")
        if jtjdiag is not None:
            if jtjdiag not in _JTJDIAG:
                raise ValueError("metasim: jtjdiag must be one of %s, got %r" % (sorted(_JTJDIAG), jtjdiag))
            check(lib.MSMetaSetJtJDiagonalMethod(self._meta, _JTJDIAG[jtjdiag]), "MSMetaSetJtJDiagonalMethod")
        names = _lib.set_options(options)  # read by SetFromOptions and SetUp (-meta_view)
        try:
            check(lib.MSMetaSetFromOptions(self._meta), "MSMetaSetFromOptions")
            self._call(lib.MSMetaSetUp, "set-up", self._meta)
        finally:
            _lib.clear_options(names)
        m, d = ctypes.c_void_p(), ctypes.c_void_p()
        check(lib.MSMetaCreateVecs(self._meta, ctypes.byref(m), ctypes.byref(d)), "MSMetaCreateVecs")
        self._m, self._d = m, d
        self._v, self._w, self._y = (self._dup(x) for x in (m, d, m))
        self._vecs = [m, d, self._v, self._w, self._y]
        n_model, n_data = PetscInt(), PetscInt()
        check(lib.MSMetaGetSizes(self._meta, None, ctypes.byref(n_model), ctypes.byref(n_data)), "MSMetaGetSizes")
        self.n_model, self.n_data = n_model.value, n_data.value
        lo, hi = PetscInt(), PetscInt()
        check(lib.MSMetaGetOwnershipRange(self._meta, ctypes.byref(lo), ctypes.byref(hi)), "MSMetaGetOwnershipRange")
        self.owned = range(lo.value, hi.value)

    def _set_repeat(self, sim):
        n_model = self._factory(0).n_out
        csim, key = simulations.build(sim, -1, n_model)
        if key:
            self._keys.append(key)
        try:
            check(lib.MSMetaSetRepeatSimulation(self._meta, csim), "MSMetaSetRepeatSimulation")
        finally:
            lib.MSSimDestroy(ctypes.byref(csim))

    def _dup(self, x):
        y = ctypes.c_void_p()
        check(lib.VecDuplicate(x, ctypes.byref(y)), "VecDuplicate")
        return y

    def _build(self, comm, index, psim, pmap, ctx):
        """The C factory: builds simulation `index` and its map on the rank that owns it. Python
        simulations run on one rank (MPI_COMM_SELF): the meta simulation's groups must have one
        rank each, which MSMetaSetUp() checks; `comm` is not used."""
        try:
            made = self._factory(index)
            if self._kind == REPEAT:
                mp = made
                if not isinstance(mp, maps.Map):
                    raise TypeError("RepeatedSimulation takes metasim maps; for a map with SimPEG's protocol "
                                    "use MetaSimulation with the same simulation for every index")
            else:
                sim, mp = made
                if not isinstance(mp, maps.Map):  # SimPEG's map protocol: evaluated in Python
                    sim, mp = simulations.MappedSimulation(sim, mp), maps.IdentityMap(mp.shape[1])
                csim, key = simulations.build(sim, index, mp.n_out)
                if key:
                    self._keys.append(key)
                psim[0] = csim.value
            pmap[0] = mp.build().value
            return 0
        except BaseException as e:  # noqa: B902 - reaches every rank through set-up's agreement
            return simulations.record_failure(index, e)

    def _call(self, fn, what, *args):
        code = fn(*args)
        if code:
            self._raise(code, what)

    def _raise(self, code, what):
        """Raises on every rank: the first failing simulation's Python exception, or the C error."""
        message = "metasim %s: %s" % (what, _lib.error_text(code))
        local = simulations.take_failures()[:1]
        if self._comm is not None:
            gathered = [f + (r,) for r, fs in enumerate(self._comm.allgather(local)) for f in fs]
        else:
            gathered = [f + (0,) for f in local]
        if not gathered:
            raise _lib.Error(message)
        index, blob, text, tb, rank = min(gathered, key=lambda f: (f[0], f[4]))
        agreed = re.search(r"in simulation (\d+) on rank (\d+)", message)
        if agreed:  # the C library's agreement names the simulation (a repeat's shared one has no index)
            index, rank = int(agreed.group(1)), int(agreed.group(2))
            _, blob, text, tb, _ = next((f for f in gathered if f[4] == rank), gathered[0])
        detail = SimulationError("simulation %d raised on rank %d: %s\n%s" % (index, rank, text, tb),
                                 index, rank, tb)
        original = None
        if blob is not None:
            try:
                original = pickle.loads(blob)
            except Exception:
                original = None
        if isinstance(original, BaseException):
            original.add_note("metasim: raised in simulation %d on rank %d; original traceback:\n%s"
                              % (index, rank, tb))
            raise original from detail
        raise detail

    def _model(self, m):
        m = np.asarray(m, dtype=float).ravel()
        if self._last_model is None or not np.array_equal(m, self._last_model):
            self._vector(self._m, m, self.n_model, "the model")  # a new model state: new fields
            self._last_model = m.copy()
        return self._m

    def _vector(self, vec, values, n, what):
        """Copies the global array `values` (length n) into `vec`; ValueError on another length."""
        values = np.asarray(values, dtype=float).ravel()
        if values.size != n:
            raise ValueError("metasim: %s has %d entries, expected %d" % (what, values.size, n))
        _lib.vec_from_array(vec, values)
        return vec

    def _data(self, vec, values, what):
        return self._vector(vec, values, self.n_data, what)

    def _weights(self, W):
        """The weights Vec for W: None, a 1-D array or a diagonal matrix (SimPEG's sdiag(w),
        dense or scipy.sparse)."""
        if W is None:
            return None
        if getattr(W, "ndim", 1) == 2:
            W = W.diagonal()
        return self._data(self._w, W, "W")

    def _gather(self, vec):
        key = "data" if vec.value in (self._d.value, self._w.value) else "model"
        if key not in self._gathers:
            self._gathers[key] = _lib.Gather(vec)
        return self._gathers[key](vec)

    def dpred(self, m, f=None):
        """Predicted data of all simulations at the global model m (collective)."""
        self._call(lib.MSMetaDpred, "dpred", self._meta, self._model(m), self._d)
        return self._gather(self._d)

    def Jvec(self, m, v, f=None):
        """J v (collective)."""
        x = self._model(m)
        self._call(lib.MSMetaJvec, "Jvec", self._meta, x, self._vector(self._v, v, self.n_model, "v"), self._d)
        return self._gather(self._d)

    def Jtvec(self, m, v, f=None):
        """J^T v, v of data length (collective)."""
        x = self._model(m)
        self._call(lib.MSMetaJtvec, "Jtvec", self._meta, x, self._data(self._w, v, "v"), self._y)
        return self._gather(self._y)

    def getJtJdiag(self, m, W=None, f=None):
        """diag(J^T W^T W J), W the square-root data weights (1-D, or a diagonal matrix as in
        SimPEG) or None (collective)."""
        x = self._model(m)
        weights = self._weights(W)
        exact = PetscBool()
        self._call(lib.MSMetaGetJtJDiagonal, "getJtJdiag", self._meta, x, weights, self._y, ctypes.byref(exact))
        self.jtjdiag_exact = bool(exact.value)
        return self._gather(self._y)

    def misfit(self, m, d_obs, W=None):
        """(phi, gradient): phi = 1/2 ||W (d - d_obs)||^2, W as in `getJtJdiag` (collective)."""
        x = self._model(m)
        obs = self._data(self._d, d_obs, "d_obs")
        weights = self._weights(W)
        phi = PetscReal()
        self._call(lib.MSMetaMisfit, "misfit", self._meta, x, obs, weights, ctypes.byref(phi), self._y)
        return phi.value, self._gather(self._y)

    def close(self):
        """Releases the C objects (collective). Also done at exit and by `with`."""
        if not self._meta:
            return
        for g in self._gathers.values():
            g.close()
        for v in self._vecs:
            lib.VecDestroy(ctypes.byref(v))
        lib.MSMetaDestroy(ctypes.byref(self._meta))
        simulations.release_shells(self._keys)
        self._gathers, self._vecs, self._keys = {}, [], []
        _lib.unregister(self)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class MetaSimulation(_Base):
    """Stacked data [d_0; d_1; ...], d_i = sims[i](maps[i](m)) (SimPEG's MetaSimulation).

    MetaSimulation(simulations, mappings) or MetaSimulation(factory=lambda i: (sim, map),
    n_sims=n): the factory runs only on the rank that owns simulation i. Keywords: comm (an
    mpi4py communicator), costs, reproducible, jtjdiag ("compose" or "exact"), options (a dict of
    PETSc options such as {"meta_view": None}); PETSC_OPTIONS and the command line apply too.
    """

    _kind = STACK


class SumMetaSimulation(_Base):
    """d = sum_i sims[i](maps[i](m)), equal data lengths (SimPEG's SumMetaSimulation)."""

    _kind = SUM


class RepeatedSimulation(_Base):
    """One simulation under n maps, data stacked (SimPEG's RepeatedSimulation):
    RepeatedSimulation(simulation, mappings) or RepeatedSimulation(simulation,
    factory=lambda i: map, n_sims=n)."""

    _kind = REPEAT

    def __init__(self, simulation, mappings=None, *, factory=None, n_sims=None, **kw):
        if factory is None:
            given = list(mappings)
            factory, n_sims = (lambda i: given[i]), len(given)
            kw.setdefault("costs", [float(mp.n_out) for mp in given])
        self._factory = factory
        super().__init__(None, None, factory=factory, n_sims=n_sims, repeat_simulation=simulation, **kw)
