"""Simulations as C `MSSim` objects: metasim's linear type from a numpy matrix, and any Python
object with SimPEG's protocol wrapped as a shell simulation whose callbacks call it.

SimPEG's protocol: `dpred(m, f=None)`, `Jvec(m, v, f=None)`, `Jtvec(m, v, f=None)`, optional
`fields(m)` (run once per model state, its result handed back as `f`) and
`getJtJdiag(m, W=None, f=None)` (W the 1-D array of the square-root data weights, or None). The
data length is `n_data`, `nD` or `survey.nD`; the model length comes from the map.
"""
import ctypes
import pickle
import traceback

import numpy as np

from . import _lib
from ._lib import lib, check


class LinearSimulation:
    """metasim's C linear simulation d = G m, G a 2-D numpy array (n_data x n_model)."""

    def __init__(self, G):
        self.G = np.array(G, dtype=float)
        if self.G.ndim != 2:
            raise ValueError("metasim: LinearSimulation needs a 2-D array, got shape %s" % (self.G.shape,))
        self.n_data, self.n_model = self.G.shape

    def dpred(self, m, f=None):
        return self.G @ m

    def Jvec(self, m, v, f=None):
        return self.G @ v

    def Jtvec(self, m, w, f=None):
        return self.G.T @ w

    def build(self, index, n_model):
        sim = ctypes.c_void_p()
        mat = _lib.dense_mat(self.G)
        try:
            check(lib.MSSimCreate(_lib.comm_self(), ctypes.byref(sim)), "MSSimCreate")
            check(lib.MSSimSetType(sim, b"linear"), "MSSimSetType")
            check(lib.MSSimLinearSetOperator(sim, mat), "MSSimLinearSetOperator")
        finally:
            lib.MatDestroy(ctypes.byref(mat))
        return sim


class DCRSimulation:
    """metasim's C DC-resistivity simulation (docs/dcr.md): model log(sigma) per cell of the
    tensor grid with the given cell edges (x, y, z; z up, the top edge the ground surface), cell
    (i, j, k) at i + nx (j + ny k). Sources and receivers are recorded here and the C simulation
    is built on the rank that owns it; data are the receivers of source 0 in order added, then
    those of source 1, ..."""

    def __init__(self, edges):
        self.edges = [np.array(e, dtype=float) for e in edges]
        if len(self.edges) != 3 or any(e.ndim != 1 or e.size < 3 for e in self.edges):
            raise ValueError("metasim: DCRSimulation needs 3 arrays of cell edges, each of 3 or more entries")
        self.cells = [e.size - 1 for e in self.edges]
        self.n_model = int(np.prod(self.cells))
        self.sources, self.receivers = [], []

    @property
    def n_data(self):
        return len(self.receivers)

    def add_source(self, a, b=None, current=1.0):
        """A pole at a (b None) or a dipole a-b injecting `current`; returns its index."""
        self.sources.append((_point(a), None if b is None else _point(b), float(current)))
        return len(self.sources) - 1

    def add_receiver(self, source, m, n=None):
        """The potential at m, or phi(m) - phi(n), of source `source`."""
        if not 0 <= source < len(self.sources):
            raise ValueError("metasim: no source %d (have %d)" % (source, len(self.sources)))
        self.receivers.append((int(source), _point(m), None if n is None else _point(n)))

    def build(self, index, n_model):
        if n_model != self.n_model:
            raise ValueError("metasim: simulation %d has %d cells, its map gives %d" % (index, self.n_model, n_model))
        sim = ctypes.c_void_p()
        cells = (_lib.PetscInt * 3)(*self.cells)
        edges = (ctypes.c_void_p * 3)(*[e.ctypes.data for e in self.edges])
        check(lib.MSSimCreate(_lib.comm_self(), ctypes.byref(sim)), "MSSimCreate")
        check(lib.MSSimSetType(sim, b"dcr"), "MSSimSetType")
        check(lib.MSSimDCRSetGrid(sim, cells, edges), "MSSimDCRSetGrid")
        for a, b, current in self.sources:
            check(lib.MSSimDCRAddSource(sim, a, b, current, None), "MSSimDCRAddSource")
        # receivers are stored per source in the order added: the data order documented above
        for s in range(len(self.sources)):
            for source, m, n in self.receivers:
                if source == s:
                    check(lib.MSSimDCRAddReceiver(sim, source, m, n), "MSSimDCRAddReceiver")
        return sim


def _point(p):
    p = np.array(p, dtype=float).ravel()
    if p.size != 3:
        raise ValueError("metasim: a position has 3 coordinates, got %d" % p.size)
    return (ctypes.c_double * 3)(*p)


class MappedSimulation:
    """sim(mapping(m)) for a mapping with SimPEG's map protocol (`mapping * m` or `mapping(m)`,
    `deriv(m)` returning something with `@` and `.T`, `shape`): the pair becomes one Python
    simulation of the whole model read through an identity map. The mapping and its derivative
    are evaluated once per model state, with the simulation's own fields."""

    class _Fields:
        def __init__(self, u, D, f):
            self.u, self.D, self.f = u, D, f

    def __init__(self, sim, mapping):
        self.sim, self.mapping = sim, mapping
        self.n_data = n_data_of(sim)

    def fields(self, m):
        u = self.mapping(m) if callable(self.mapping) else self.mapping * m
        u = np.asarray(u, dtype=float)
        f = self.sim.fields(u) if hasattr(self.sim, "fields") else None
        return self._Fields(u, self.mapping.deriv(m), f)

    def dpred(self, m, f=None):
        f = f or self.fields(m)
        return self.sim.dpred(f.u, f=f.f)

    def Jvec(self, m, v, f=None):
        f = f or self.fields(m)
        return self.sim.Jvec(f.u, f.D @ v, f=f.f)

    def Jtvec(self, m, w, f=None):
        f = f or self.fields(m)
        return f.D.T @ self.sim.Jtvec(f.u, w, f=f.f)


def n_data_of(sim):
    """The data length of a simulation object (n_data, nD or survey.nD)."""
    for get in (lambda s: s.n_data, lambda s: s.nD, lambda s: s.survey.nD):
        try:
            return int(get(sim))
        except AttributeError:
            pass
    raise ValueError("metasim: simulation %r has no data length: give it n_data, nD or survey.nD" % (sim,))


class _Shell:
    """The Python side of one shell simulation: the user object, its fields, index and sizes."""

    def __init__(self, obj, index, n_model, n_data):
        self.obj, self.index, self.n_model, self.n_data = obj, index, n_model, n_data
        self.fields = None


_shells = {}  # C MSSim address -> _Shell, for the callbacks
_failures = []  # (simulation index, pickled exception or None, text, traceback) of this rank
_get_read, _restore_read = lib.VecGetArrayRead, lib.VecRestoreArrayRead
_get_write, _restore_write = lib.VecGetArray, lib.VecRestoreArray


def _array(vec, n):
    """A copy of the n entries of a sequential Vec (the callbacks' fast path: no size query)."""
    ptr = ctypes.c_void_p()
    _get_read(vec, ctypes.byref(ptr))
    out = np.empty(n)
    ctypes.memmove(out.ctypes.data, ptr, 8 * n)
    _restore_read(vec, ctypes.byref(ptr))
    return out


def _store(vec, values, n, what):
    values = np.ascontiguousarray(values, dtype=float)
    if values.size != n:
        raise ValueError("%s returned %d values, expected %d" % (what, values.size, n))
    ptr = ctypes.c_void_p()
    _get_write(vec, ctypes.byref(ptr))
    ctypes.memmove(ptr, values.ctypes.data, 8 * n)
    _restore_write(vec, ctypes.byref(ptr))


def _guarded(body):
    """Runs body(shell, *vecs) as a C callback: a Python exception is recorded and becomes a
    PETSc error (so the meta simulation fails on every rank together)."""

    def callback(sim, *vecs):
        shell = None
        try:
            shell = _shells[sim]
            body(shell, *vecs)
            return 0
        except BaseException as e:  # noqa: B902 - every exception must reach all ranks
            return record_failure(shell.index if shell else -1, e)

    return callback


def record_failure(index, exc):
    """Called in an `except` block of a C callback: keeps the exception of simulation `index`
    (pickled if it can be) and its traceback text for `take_failures`, and returns the PETSc
    error code the callback returns."""
    try:
        blob = pickle.dumps(exc)
    except Exception:
        blob = None
    text = "%s: %s" % (type(exc).__name__, exc)
    _failures.append((index, blob, text, traceback.format_exc()))
    return _lib.set_error(text)


def _fields(shell, m):
    shell.fields = shell.obj.fields(_array(m, shell.n_model))


def _dpred(shell, m, d):
    _store(d, shell.obj.dpred(_array(m, shell.n_model), f=shell.fields), shell.n_data, "dpred")


def _jvec(shell, m, v, jv):
    nm = shell.n_model
    _store(jv, shell.obj.Jvec(_array(m, nm), _array(v, nm), f=shell.fields), shell.n_data, "Jvec")


def _jtvec(shell, m, w, jtw):
    nm = shell.n_model
    _store(jtw, shell.obj.Jtvec(_array(m, nm), _array(w, shell.n_data), f=shell.fields), nm, "Jtvec")


def _jtjdiag(shell, m, W, diag):
    nm = shell.n_model
    weights = _array(W, shell.n_data) if W else None
    _store(diag, shell.obj.getJtJdiag(_array(m, nm), W=weights, f=shell.fields), nm, "getJtJdiag")


_Fn3 = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p)
_Fn4 = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p)
_Fn2 = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p)
_CALLBACKS = {
    "fields": _Fn2(_guarded(_fields)),
    "dpred": _Fn3(_guarded(_dpred)),
    "jvec": _Fn4(_guarded(_jvec)),
    "jtvec": _Fn4(_guarded(_jtvec)),
    "jtjdiag": _Fn4(_guarded(_jtjdiag)),
}


def build_shell(obj, index, n_model):
    """A C shell MSSim calling the Python simulation `obj` (simulation `index` of its meta)."""
    sim = ctypes.c_void_p()
    n_data = n_data_of(obj)
    check(lib.MSSimCreate(_lib.comm_self(), ctypes.byref(sim)), "MSSimCreate")
    _shells[sim.value] = _Shell(obj, index, n_model, n_data)
    check(lib.MSSimSetType(sim, b"shell"), "MSSimSetType")
    check(lib.MSSimSetSizes(sim, n_model, n_data), "MSSimSetSizes")
    setters = [("dpred", lib.MSSimShellSetDpred), ("jvec", lib.MSSimShellSetJvec), ("jtvec", lib.MSSimShellSetJtvec)]
    if hasattr(obj, "fields"):
        setters.append(("fields", lib.MSSimShellSetFields))
    if hasattr(obj, "getJtJdiag"):
        setters.append(("jtjdiag", lib.MSSimShellSetJtJDiagonal))
    for name, setter in setters:
        check(setter(sim, ctypes.cast(_CALLBACKS[name], ctypes.c_void_p)), setter.__name__)
    return sim, sim.value


def release_shells(keys):
    for key in keys:
        _shells.pop(key, None)


def build(obj, index, n_model):
    """(C MSSim, shell key or None) for a LinearSimulation, a DCRSimulation or a Python
    simulation object."""
    if isinstance(obj, DCRSimulation):
        return obj.build(index, n_model), None
    if isinstance(obj, LinearSimulation):
        if obj.n_model != n_model:
            raise ValueError("metasim: simulation %d reads %d model entries, its map gives %d"
                             % (index, obj.n_model, n_model))
        return obj.build(index, n_model), None
    return build_shell(obj, index, n_model)


def take_failures():
    """This rank's recorded Python failures since the last call (and forgets them)."""
    out = list(_failures)
    del _failures[:]
    return out
