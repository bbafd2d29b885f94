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


def n_data_of(sim):
    """The data length of a simulation object (n_data, nD or survey.nD)."""
    for get in (lambda s: s.n_data, lambda s: s.nD, lambda s: s.survey.nD):
        try:
            return int(get(sim))
        except AttributeError:
            pass
    raise ValueError("metasim: simulation %r has no data length: give it n_data, nD or survey.nD" % (sim,))


class _Shell:
    """The Python side of one shell simulation: the user object, its fields and its index."""

    def __init__(self, obj, index, n_model):
        self.obj, self.index, self.n_model = obj, index, n_model
        self.fields = None


_shells = {}  # context key -> _Shell, for the callbacks
_failures = []  # (simulation index, pickled exception or None, text, traceback) of this rank
_next_key = [1]


def _shell_of(sim):
    key = ctypes.c_void_p()
    lib.MSSimShellGetContext(sim, ctypes.byref(key))
    return _shells[key.value]


def _array(vec):
    view, ptr = _lib.local_view(vec)
    out = view.copy()
    _lib.restore(vec, ptr)
    return out


def _store(vec, values, what):
    view, ptr = _lib.local_view(vec, write=True)
    try:
        values = np.asarray(values, dtype=float).ravel()
        if values.size != view.size:
            raise ValueError("%s returned %d values, expected %d" % (what, values.size, view.size))
        view[:] = values
    finally:
        _lib.restore(vec, ptr, write=True)


def _guarded(body):
    """Runs body(shell, *vecs) as a C callback: a Python exception is recorded and becomes a
    PETSc error (so the meta simulation fails on every rank together)."""

    def callback(sim, *vecs):
        shell = None
        try:
            shell = _shell_of(sim)
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
    shell.fields = shell.obj.fields(_array(m))


def _dpred(shell, m, d):
    _store(d, shell.obj.dpred(_array(m), f=shell.fields), "dpred")


def _jvec(shell, m, v, jv):
    _store(jv, shell.obj.Jvec(_array(m), _array(v), f=shell.fields), "Jvec")


def _jtvec(shell, m, w, jtw):
    _store(jtw, shell.obj.Jtvec(_array(m), _array(w), f=shell.fields), "Jtvec")


def _jtjdiag(shell, m, W, diag):
    weights = _array(W) if W else None
    _store(diag, shell.obj.getJtJdiag(_array(m), W=weights, f=shell.fields), "getJtJdiag")


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
    key = _next_key[0]
    _next_key[0] += 1
    _shells[key] = _Shell(obj, index, n_model)
    check(lib.MSSimCreate(_lib.comm_self(), ctypes.byref(sim)), "MSSimCreate")
    check(lib.MSSimSetType(sim, b"shell"), "MSSimSetType")
    check(lib.MSSimSetSizes(sim, n_model, n_data_of(obj)), "MSSimSetSizes")
    check(lib.MSSimShellSetContext(sim, ctypes.c_void_p(key)), "MSSimShellSetContext")
    cb = _CALLBACKS
    if hasattr(obj, "fields"):
        check(lib.MSSimShellSetFields(sim, ctypes.cast(cb["fields"], ctypes.c_void_p)), "MSSimShellSetFields")
    check(lib.MSSimShellSetDpred(sim, ctypes.cast(cb["dpred"], ctypes.c_void_p)), "MSSimShellSetDpred")
    check(lib.MSSimShellSetJvec(sim, ctypes.cast(cb["jvec"], ctypes.c_void_p)), "MSSimShellSetJvec")
    check(lib.MSSimShellSetJtvec(sim, ctypes.cast(cb["jtvec"], ctypes.c_void_p)), "MSSimShellSetJtvec")
    if hasattr(obj, "getJtJdiag"):
        check(lib.MSSimShellSetJtJDiagonal(sim, ctypes.cast(cb["jtjdiag"], ctypes.c_void_p)),
              "MSSimShellSetJtJDiagonal")
    return sim, key


def release_shells(keys):
    for key in keys:
        _shells.pop(key, None)


def build(obj, index, n_model):
    """(C MSSim, shell key or None) for a LinearSimulation or a Python simulation object."""
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
