"""Loading libmetasim, PETSc/MPI start-up and shutdown, errors and Vec <-> numpy copies.

The library is found, in this order, at $METASIM_LIBRARY, beside an installed package (the path
written at install time), in the build tree next to the source tree (build/src) and on the
loader's path. MPI is started by mpi4py when it can be imported (so mpi4py and metasim share one
MPI), then PETSc by PetscInitialize with sys.argv, which also reads PETSC_OPTIONS; both are
finalized at interpreter exit, PETSc first.
"""
import atexit
import ctypes
import ctypes.util
import os
import sys

import numpy as np

try:
    from mpi4py import MPI
except ImportError:  # metasim works without mpi4py; Pool and exception texts need it
    MPI = None

c_int = ctypes.c_int
c_void_p = ctypes.c_void_p
c_char_p = ctypes.c_char_p
PetscInt = ctypes.c_int32
PetscScalar = ctypes.c_double
PetscReal = ctypes.c_double
PetscBool = ctypes.c_int
INSERT_VALUES = 1
SCATTER_FORWARD = 0
PETSC_ERR_USER = 83
PETSC_ERROR_INITIAL = 1
PETSC_COPY_VALUES = 0


class Error(RuntimeError):
    """A metasim or PETSc error, raised on every rank of the call."""


def _candidates():
    env = os.environ.get("METASIM_LIBRARY")
    if env:
        yield env
    here = os.path.dirname(os.path.abspath(__file__))
    try:
        from . import _installed  # written by `cmake --install`
        yield os.path.normpath(os.path.join(here, _installed.LIBRARY))
    except ImportError:
        pass
    yield os.path.normpath(os.path.join(here, "..", "..", "build", "src", "libmetasim.so"))
    found = ctypes.util.find_library("metasim")
    if found:
        yield found


def _load():
    tried = []
    for path in _candidates():
        if os.path.isabs(path) and not os.path.exists(path):
            tried.append(path)
            continue
        try:
            return ctypes.CDLL(path, mode=ctypes.RTLD_GLOBAL)
        except OSError as e:
            tried.append("%s (%s)" % (path, e))
    raise ImportError("metasim: cannot find libmetasim; set METASIM_LIBRARY. Tried: " + ", ".join(tried))


lib = _load()

# Prototypes: name -> argument types; every function returns a PetscErrorCode.
_P, _I, _R, _B = c_void_p, PetscInt, PetscReal, PetscBool
_pP, _pI, _pR, _pB = (ctypes.POINTER(t) for t in (c_void_p, PetscInt, PetscReal, PetscBool))
_PROTOTYPES = {
    "PetscInitialize": [ctypes.POINTER(c_int), ctypes.POINTER(ctypes.POINTER(c_char_p)), c_char_p, c_char_p],
    "PetscFinalize": [],
    "PetscPushErrorHandler": [_P, _P],
    "PetscErrorMessage": [c_int, ctypes.POINTER(c_char_p), ctypes.POINTER(c_char_p)],
    "PetscOptionsSetValue": [_P, c_char_p, c_char_p],
    "PetscOptionsClearValue": [_P, c_char_p],
    "VecGetOwnershipRange": [_P, _pI, _pI],
    "VecGetLocalSize": [_P, _pI],
    "VecGetSize": [_P, _pI],
    "VecGetArray": [_P, _pP],
    "VecRestoreArray": [_P, _pP],
    "VecGetArrayRead": [_P, _pP],
    "VecRestoreArrayRead": [_P, _pP],
    "VecDestroy": [_pP],
    "VecDuplicate": [_P, _pP],
    "VecScatterCreateToAll": [_P, _pP, _pP],
    "VecScatterBegin": [_P, _P, _P, c_int, c_int],
    "VecScatterEnd": [_P, _P, _P, c_int, c_int],
    "VecScatterDestroy": [_pP],
    "MatCreateSeqDense": [_P, _I, _I, _P, _pP],
    "MatDenseGetArray": [_P, _pP],
    "MatDenseRestoreArray": [_P, _pP],
    "MatAssemblyBegin": [_P, c_int],
    "MatAssemblyEnd": [_P, c_int],
    "MatDestroy": [_pP],
    "VecCreateSeq": [_P, _I, _pP],
    "MSSimCreate": [_P, _pP],
    "MSSimSetType": [_P, c_char_p],
    "MSSimSetSizes": [_P, _I, _I],
    "MSSimGetSizes": [_P, _pI, _pI],
    "MSSimDestroy": [_pP],
    "MSSimLinearSetOperator": [_P, _P],
    "MSSimDCRSetGrid": [_P, _P, _P],
    "MSSimDCRAddSource": [_P, _P, _P, PetscReal, _P],
    "MSSimDCRAddReceiver": [_P, _I, _P, _P],
    "MSSimShellSetFields": [_P, _P],
    "MSSimShellSetDpred": [_P, _P],
    "MSSimShellSetJvec": [_P, _P],
    "MSSimShellSetJtvec": [_P, _P],
    "MSSimShellSetJtJDiagonal": [_P, _P],
    "MSMapCreate": [_P, _pP],
    "MSMapSetType": [_P, c_char_p],
    "MSMapSetSizes": [_P, _I, _I],
    "MSMapDestroy": [_pP],
    "MSMapCreateIdentity": [_P, _I, _pP],
    "MSMapCreateProjection": [_P, _I, _I, _P, _pP],
    "MSMapLinearSetOperator": [_P, _P, _P],
    "MSMapComposeSetMaps": [_P, _I, _P],
    "MSMapSumSetMaps": [_P, _I, _P],
    "MSMapCreateTileFromGrids": [_P, _P, _P, _P, _P, _pP],
    "MSMapInjectActiveSetActive": [_P, _I, _P, PetscScalar],
    "ISCreateGeneral": [_P, _I, _P, c_int, _pP],
    "ISDestroy": [_pP],
    "MSMetaCreate": [_P, _pP],
    "MSMetaSetKind": [_P, c_int],
    "MSMetaSetFromOptions": [_P],
    "MSMetaSetRepeatSimulation": [_P, _P],
    "MSMetaSetFactory": [_P, _I, _P, _P],
    "MSMetaSetCosts": [_P, _I, _P],
    "MSMetaSetReproducible": [_P, _B],
    "MSMetaSetJtJDiagonalMethod": [_P, c_int],
    "MSMetaSetUp": [_P],
    "MSMetaDestroy": [_pP],
    "MSMetaGetSizes": [_P, _pI, _pI, _pI],
    "MSMetaGetOwnershipRange": [_P, _pI, _pI],
    "MSMetaCreateVecs": [_P, _pP, _pP],
    "MSMetaDpred": [_P, _P, _P],
    "MSMetaJvec": [_P, _P, _P, _P],
    "MSMetaJtvec": [_P, _P, _P, _P],
    "MSMetaGetJtJDiagonal": [_P, _P, _P, _P, _pB],
    "MSMetaMisfit": [_P, _P, _P, _P, _pR, _P],
}
for _name, _args in _PROTOTYPES.items():
    _fn = getattr(lib, _name)
    _fn.argtypes = _args
    _fn.restype = c_int


def comm_self():
    """MPI_COMM_SELF as a C handle (Open MPI: the address of ompi_mpi_comm_self)."""
    return ctypes.addressof(ctypes.c_char.in_dll(lib, "ompi_mpi_comm_self"))


def comm_world():
    """PETSC_COMM_WORLD as a C handle."""
    return c_void_p.in_dll(lib, "PETSC_COMM_WORLD").value


def rank():
    """This process's rank in PETSC_COMM_WORLD (0 for a serial run)."""
    r = c_int()
    lib.MPI_Comm_rank(c_void_p(comm_world()), ctypes.byref(r))
    return r.value


def size():
    """The number of ranks in PETSC_COMM_WORLD."""
    n = c_int()
    lib.MPI_Comm_size(c_void_p(comm_world()), ctypes.byref(n))
    return n.value


def error_text(code):
    """PETSc's message for the last error (its first line: the failing call's own message)."""
    text, specific = c_char_p(), c_char_p()
    lib.PetscErrorMessage(code, ctypes.byref(text), ctypes.byref(specific))
    for s in (specific.value, text.value):
        if s:
            return s.decode(errors="replace").strip()
    return "PETSc error %d" % code


def check(code, what):
    """Raises `Error` naming `what` when a C call returned a nonzero error code."""
    if code:
        raise Error("%s: %s" % (what, error_text(code)))


def set_error(message):
    """Records `message` as PETSc's current error (as SETERRQ would) and returns the error code."""
    return lib.PetscError(c_void_p(comm_self()), c_int(0), c_char_p(b"python"), c_char_p(b"metasim"),
                          c_int(PETSC_ERR_USER), c_int(PETSC_ERROR_INITIAL), c_char_p(b"%s"),
                          c_char_p(message.encode(errors="replace")[:200]))


_state = {"initialized": False, "finalized": False}
_live = []  # objects holding C handles, released before PetscFinalize


def register(obj):
    """Keeps `obj` (with a close() method) to be closed before PETSc is finalized."""
    _live.append(obj)


def unregister(obj):
    if obj in _live:
        _live.remove(obj)


def _finalize():
    if not _state["initialized"] or _state["finalized"]:
        return
    for obj in list(_live):
        obj.close()
    _state["finalized"] = True
    lib.PetscFinalize()


def initialize():
    """Starts PETSc (and MPI, if mpi4py has not) once, with sys.argv and PETSC_OPTIONS."""
    if _state["initialized"]:
        return
    args = [a.encode() for a in (sys.argv if sys.argv and sys.argv[0] else ["python"])]
    argc = c_int(len(args))
    argv = (c_char_p * (len(args) + 1))(*args, None)
    pargv = ctypes.cast(argv, ctypes.POINTER(c_char_p))
    check(lib.PetscInitialize(ctypes.byref(argc), ctypes.byref(pargv), None, None), "PetscInitialize")
    _state["argv"] = argv  # PETSc keeps pointers into it
    # Errors become Python exceptions with PETSc's message; no traceback printed on stderr.
    lib.PetscPushErrorHandler(ctypes.cast(lib.PetscReturnErrorHandler, c_void_p), None)
    _state["initialized"] = True
    atexit.register(_finalize)  # after mpi4py's, so it runs before MPI_Finalize
    sys.excepthook = _abort_on_uncaught(sys.excepthook)


def _abort_on_uncaught(hook):
    """An exception no rank catches would leave the other ranks waiting in their next collective
    call (and this one in MPI_Finalize): print it, then end the whole run with MPI_Abort, as
    `python -m mpi4py` does. Serial runs exit as usual."""

    def excepthook(kind, value, tb):
        hook(kind, value, tb)
        if size() > 1:
            sys.stderr.flush()
            sys.stdout.flush()
            lib.MPI_Abort(c_void_p(comm_world()), c_int(1))

    return excepthook


def vec_from_array(vec, array):
    """Copies the owned part of the global numpy `array` into the (maybe distributed) `vec`."""
    lo, hi = PetscInt(), PetscInt()
    check(lib.VecGetOwnershipRange(vec, ctypes.byref(lo), ctypes.byref(hi)), "VecGetOwnershipRange")
    ptr = c_void_p()
    check(lib.VecGetArray(vec, ctypes.byref(ptr)), "VecGetArray")
    n = hi.value - lo.value
    if n:
        np.ctypeslib.as_array(ctypes.cast(ptr, ctypes.POINTER(PetscScalar)), (n,))[:] = array[lo.value:hi.value]
    check(lib.VecRestoreArray(vec, ctypes.byref(ptr)), "VecRestoreArray")


def local_view(vec, write=False):
    """(numpy view of the local part, pointer) of `vec`; give both back with `restore`."""
    n, ptr = PetscInt(), c_void_p()
    lib.VecGetLocalSize(vec, ctypes.byref(n))
    (lib.VecGetArray if write else lib.VecGetArrayRead)(vec, ctypes.byref(ptr))
    if n.value == 0:
        return np.empty(0), ptr
    return np.ctypeslib.as_array(ctypes.cast(ptr, ctypes.POINTER(PetscScalar)), (n.value,)), ptr


def restore(vec, ptr, write=False):
    (lib.VecRestoreArray if write else lib.VecRestoreArrayRead)(vec, ctypes.byref(ptr))


class Gather:
    """Copies a distributed Vec to a numpy array of its global values on every rank."""

    def __init__(self, vec):
        self.scatter, self.full = c_void_p(), c_void_p()
        check(lib.VecScatterCreateToAll(vec, ctypes.byref(self.scatter), ctypes.byref(self.full)),
              "VecScatterCreateToAll")

    def __call__(self, vec):
        check(lib.VecScatterBegin(self.scatter, vec, self.full, INSERT_VALUES, SCATTER_FORWARD), "VecScatterBegin")
        check(lib.VecScatterEnd(self.scatter, vec, self.full, INSERT_VALUES, SCATTER_FORWARD), "VecScatterEnd")
        view, ptr = local_view(self.full)
        out = view.copy()
        restore(self.full, ptr)
        return out

    def close(self):
        lib.VecScatterDestroy(ctypes.byref(self.scatter))
        lib.VecDestroy(ctypes.byref(self.full))


def dense_mat(array):
    """A sequential dense PETSc Mat holding a copy of the 2-D numpy `array` (caller destroys)."""
    a = np.asarray(array, dtype=float)
    if a.ndim != 2:
        raise ValueError("metasim: a linear operator must be a 2-D array, got shape %s" % (a.shape,))
    mat, ptr = c_void_p(), c_void_p()
    check(lib.MatCreateSeqDense(comm_self(), a.shape[0], a.shape[1], None, ctypes.byref(mat)), "MatCreateSeqDense")
    check(lib.MatDenseGetArray(mat, ctypes.byref(ptr)), "MatDenseGetArray")
    if a.size:
        buf = np.ctypeslib.as_array(ctypes.cast(ptr, ctypes.POINTER(PetscScalar)), (a.size,))
        buf[:] = a.ravel(order="F")  # column-major
    check(lib.MatDenseRestoreArray(mat, ctypes.byref(ptr)), "MatDenseRestoreArray")
    check(lib.MatAssemblyBegin(mat, 0), "MatAssemblyBegin")
    check(lib.MatAssemblyEnd(mat, 0), "MatAssemblyEnd")
    return mat


def seq_vec(array):
    """A sequential PETSc Vec holding a copy of the 1-D numpy `array` (caller destroys)."""
    a = np.asarray(array, dtype=float).ravel()
    vec = c_void_p()
    check(lib.VecCreateSeq(comm_self(), a.size, ctypes.byref(vec)), "VecCreateSeq")
    vec_from_array(vec, a)
    return vec


def set_options(options):
    """Puts {name: value} (name with or without '-', value None/True/str/number) in PETSc's
    database; returns the names, for `clear_options`."""
    names = []
    for key, value in (options or {}).items():
        name = ("-" + key.lstrip("-")).encode()
        if value is None or value is True:
            text = None if value is None else b"true"
        elif value is False:
            text = b"false"
        else:
            text = str(value).encode()
        check(lib.PetscOptionsSetValue(None, name, text), "option %s" % key)
        names.append(name)
    return names


def clear_options(names):
    for name in names:
        lib.PetscOptionsClearValue(None, name)
