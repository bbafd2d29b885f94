"""Model maps u = M(m) from the global model onto a simulation's sub-model, built from numpy.

A map here is a description (sizes and numpy data); the C `MSMap` is built from it only on the
rank that owns the simulation using it. `a * b` is the composition a(b(m)), as in SimPEG.
"""
import ctypes

import numpy as np

from . import _lib
from ._lib import lib, check


class Map:
    """Base class: `n_in` (global model length read) and `n_out` (sub-model length)."""

    n_in = n_out = 0

    @property
    def shape(self):
        """(n_out, n_in), SimPEG's convention."""
        return (self.n_out, self.n_in)

    def __mul__(self, other):
        if not isinstance(other, Map):
            return NotImplemented
        if other.n_out != self.n_in:
            raise ValueError("metasim: cannot compose a map reading %d entries with one giving %d"
                             % (self.n_in, other.n_out))
        return ComposeMap(other, self)

    def __add__(self, other):
        if not isinstance(other, Map):
            return NotImplemented
        return SumMap(self, other)

    def build(self):
        """A new C MSMap (a handle the caller owns) on MPI_COMM_SELF."""
        raise NotImplementedError

    @staticmethod
    def _create(mtype, n_in, n_out):
        m = ctypes.c_void_p()
        check(lib.MSMapCreate(_lib.comm_self(), ctypes.byref(m)), "MSMapCreate")
        check(lib.MSMapSetType(m, mtype), "MSMapSetType")
        check(lib.MSMapSetSizes(m, n_in, n_out), "MSMapSetSizes")
        return m


class IdentityMap(Map):
    """u = m, length n."""

    def __init__(self, n):
        self.n_in = self.n_out = int(n)

    def build(self):
        m = ctypes.c_void_p()
        check(lib.MSMapCreateIdentity(_lib.comm_self(), self.n_in, ctypes.byref(m)), "MSMapCreateIdentity")
        return m


class ProjectionMap(Map):
    """u = m[indices] from a model of length n_in."""

    def __init__(self, n_in, indices):
        self.indices = np.ascontiguousarray(indices, dtype=np.int32)
        self.n_in, self.n_out = int(n_in), int(self.indices.size)

    def build(self):
        m = ctypes.c_void_p()
        ptr = self.indices.ctypes.data_as(ctypes.c_void_p)
        check(lib.MSMapCreateProjection(_lib.comm_self(), self.n_in, self.n_out, ptr, ctypes.byref(m)),
              "MSMapCreateProjection")
        return m


class ExpMap(Map):
    """u = exp(m) entry by entry, length n (SimPEG's ExpMap)."""

    def __init__(self, n):
        self.n_in = self.n_out = int(n)

    def build(self):
        return self._create(b"exp", self.n_in, self.n_out)


class LinearMap(Map):
    """u = A m + b, A a 2-D numpy array (n_out x n_in), b optional."""

    def __init__(self, A, b=None):
        self.A = np.array(A, dtype=float)
        if self.A.ndim != 2:
            raise ValueError("metasim: LinearMap needs a 2-D array, got shape %s" % (self.A.shape,))
        self.b = None if b is None else np.array(b, dtype=float).ravel()
        if self.b is not None and self.b.size != self.A.shape[0]:
            raise ValueError("metasim: LinearMap offset has %d entries, A has %d rows" % (self.b.size, self.A.shape[0]))
        self.n_out, self.n_in = self.A.shape

    def build(self):
        m = self._create(b"linear", self.n_in, self.n_out)
        mat = _lib.dense_mat(self.A)
        off = _lib.seq_vec(self.b) if self.b is not None else ctypes.c_void_p()
        try:
            check(lib.MSMapLinearSetOperator(m, mat, off), "MSMapLinearSetOperator")
        finally:
            lib.MatDestroy(ctypes.byref(mat))
            if off:
                lib.VecDestroy(ctypes.byref(off))
        return m


def _build_chain(mtype, setter, maps):
    """A C map of type `mtype` over the built `maps` (compose and sum take references)."""
    built = [mp.build() for mp in maps]
    arr = (ctypes.c_void_p * len(built))(*[b.value for b in built])
    m = ctypes.c_void_p()
    try:
        check(lib.MSMapCreate(_lib.comm_self(), ctypes.byref(m)), "MSMapCreate")
        check(lib.MSMapSetType(m, mtype), "MSMapSetType")
        check(setter(m, len(built), arr), setter.__name__)
    finally:
        for b in built:
            lib.MSMapDestroy(ctypes.byref(b))
    return m


class ComposeMap(Map):
    """maps applied in order: u = maps[-1](...maps[0](m)); written a * b * c in Python."""

    def __init__(self, *maps):
        flat = []
        for mp in maps:
            flat.extend(mp.maps if isinstance(mp, ComposeMap) else [mp])
        self.maps = flat
        self.n_in, self.n_out = flat[0].n_in, flat[-1].n_out

    def build(self):
        return _build_chain(b"compose", lib.MSMapComposeSetMaps, self.maps)


class SumMap(Map):
    """u = sum_k maps[k](m), equal sizes; written a + b in Python (SimPEG's SumMap)."""

    def __init__(self, *maps):
        flat = []
        for mp in maps:
            flat.extend(mp.maps if isinstance(mp, SumMap) else [mp])
        if len({mp.shape for mp in flat}) != 1:
            raise ValueError("metasim: summed maps need equal shapes, got %s" % [mp.shape for mp in flat])
        self.maps = flat
        self.n_out, self.n_in = flat[0].shape

    def build(self):
        return _build_chain(b"sum", lib.MSMapSumSetMaps, self.maps)


class InjectActiveMap(Map):
    """u[active[k]] = m[k], every other entry of u (length n_out) = value: SimPEG's
    InjectActiveCells (e.g. the air cells' conductivity as value)."""

    def __init__(self, n_out, active, value=0.0):
        self.active = np.ascontiguousarray(active, dtype=np.int32)
        self.n_in, self.n_out, self.value = int(self.active.size), int(n_out), float(value)

    def build(self):
        m, active = ctypes.c_void_p(), ctypes.c_void_p()
        check(lib.MSMapCreate(_lib.comm_self(), ctypes.byref(m)), "MSMapCreate")
        check(lib.MSMapSetType(m, b"injectactive"), "MSMapSetType")
        check(lib.ISCreateGeneral(_lib.comm_self(), self.n_in, self.active.ctypes.data_as(ctypes.c_void_p),
                                  _lib.PETSC_COPY_VALUES, ctypes.byref(active)), "ISCreateGeneral")
        try:
            check(lib.MSMapInjectActiveSetActive(m, self.n_out, active, self.value), "MSMapInjectActiveSetActive")
        finally:
            lib.ISDestroy(ctypes.byref(active))
        return m


class TileMap(Map):
    """The overlap-volume average of a model on the global tensor grid onto a tile's tensor grid
    (SimPEG's TileMap): global_edges and tile_edges are three arrays of cell edges each (x, y, z;
    None on both for an unused axis of one cell); cells numbered x fastest."""

    def __init__(self, global_edges, tile_edges):
        self.global_edges = [None if e is None else np.array(e, dtype=float) for e in global_edges]
        self.tile_edges = [None if e is None else np.array(e, dtype=float) for e in tile_edges]
        self._global_cells = [1 if e is None else e.size - 1 for e in self.global_edges]
        self._tile_cells = [1 if e is None else e.size - 1 for e in self.tile_edges]
        self.n_in, self.n_out = int(np.prod(self._global_cells)), int(np.prod(self._tile_cells))

    def build(self):
        def grid(cells, edges):
            return ((_lib.PetscInt * 3)(*cells),
                    (ctypes.c_void_p * 3)(*[None if e is None else e.ctypes.data for e in edges]))

        m = ctypes.c_void_p()
        ng, eg = grid(self._global_cells, self.global_edges)
        nt, et = grid(self._tile_cells, self.tile_edges)
        check(lib.MSMapCreateTileFromGrids(_lib.comm_self(), ng, eg, nt, et, ctypes.byref(m)), "MSMapCreateTileFromGrids")
        return m


def n_out_of(mapping):
    """The output length of a metasim map or of an object with SimPEG's map protocol (shape)."""
    return mapping.n_out if isinstance(mapping, Map) else int(mapping.shape[0])
