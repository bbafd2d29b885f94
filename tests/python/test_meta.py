"""metasim.MetaSimulation / SumMetaSimulation / RepeatedSimulation from Python, run with
`mpiexec -n N python3 test_meta.py`: every kind with Python and with C linear simulations against
plain numpy, adjoint and Taylor checks, the factory building each simulation on one rank only,
options, and an exception on one rank raised on every rank."""
import os
import sys

import numpy as np
from mpi4py import MPI

import metasim

comm = MPI.COMM_WORLD
rank = comm.rank
N_MODEL = 12


class TanhSim:
    """d = G tanh(u): a nonlinear Python simulation with SimPEG's protocol and fields."""

    def __init__(self, G):
        self.G, self.n_data = G, G.shape[0]
        self.n_fields = 0

    def fields(self, u):
        self.n_fields += 1
        return np.tanh(u)

    def dpred(self, u, f=None):
        return self.G @ (np.tanh(u) if f is None else f)

    def Jvec(self, u, v, f=None):
        return self.G @ ((1 - np.tanh(u) ** 2) * v)

    def Jtvec(self, u, w, f=None):
        return (1 - np.tanh(u) ** 2) * (self.G.T @ w)

    def getJtJdiag(self, u, W=None, f=None):
        J = self.G * (1 - np.tanh(u) ** 2)
        if W is not None:
            J = W[:, None] * J
        return (J ** 2).sum(axis=0)


def problem(n_sims, n_data=None, seed=1):
    rng = np.random.default_rng(seed)
    Gs = [rng.standard_normal((n_data or 2 + i % 3, 5)) for i in range(n_sims)]
    idx = [np.sort(rng.choice(N_MODEL, 5, replace=False)) for _ in range(n_sims)]
    return Gs, idx


def dense_jacobian(Gs, idx, m, kind, nonlinear):
    """The meta Jacobian assembled in numpy."""
    blocks = []
    for G, ix in zip(Gs, idx):
        d = (1 - np.tanh(m[ix]) ** 2) if nonlinear else np.exp(m[ix])
        B = np.zeros((G.shape[0], N_MODEL))
        B[:, ix] = G * d
        blocks.append(B)
    return sum(blocks) if kind == "sum" else np.vstack(blocks)


def forward(Gs, idx, m, kind, nonlinear):
    parts = [G @ (np.tanh(m[ix]) if nonlinear else np.exp(m[ix])) for G, ix in zip(Gs, idx)]
    return sum(parts) if kind == "sum" else np.concatenate(parts)


def check_close(name, got, want, tol=1e-12):
    err = np.abs(got - want).max() / max(1.0, np.abs(want).max())
    assert err < tol, "%s: relative error %g" % (name, err)


def check_against_numpy(meta, Gs, idx, kind, nonlinear):
    rng = np.random.default_rng(7)
    m = rng.standard_normal(N_MODEL) * 0.5
    v = rng.standard_normal(N_MODEL)
    J = dense_jacobian(Gs, idx, m, kind, nonlinear)
    w = rng.standard_normal(J.shape[0])
    W = rng.uniform(0.5, 2.0, J.shape[0])
    check_close("dpred", meta.dpred(m), forward(Gs, idx, m, kind, nonlinear))
    check_close("Jvec", meta.Jvec(m, v), J @ v)
    check_close("Jtvec", meta.Jtvec(m, w), J.T @ w)
    if kind != "sum":  # compose is exact for projections of stacked simulations
        check_close("getJtJdiag", meta.getJtJdiag(m, W=W), ((W[:, None] * J) ** 2).sum(axis=0))
        check_close("getJtJdiag, W a diagonal matrix", meta.getJtJdiag(m, W=np.diag(W)), ((W[:, None] * J) ** 2).sum(axis=0))
    d_obs = rng.standard_normal(J.shape[0])
    phi, grad = meta.misfit(m, d_obs, W=W)
    r = W * (forward(Gs, idx, m, kind, nonlinear) - d_obs)
    check_close("misfit", phi, 0.5 * r @ r)
    check_close("misfit gradient", grad, J.T @ (W * r))
    # adjoint: <J v, w> = <v, J^T w>; Taylor: second order decrease of the remainder
    assert abs(meta.Jvec(m, v) @ w - v @ meta.Jtvec(m, w)) < 1e-10 * (1 + abs(v @ meta.Jtvec(m, w)))
    d0, jv = meta.dpred(m), meta.Jvec(m, v)
    r1 = [np.linalg.norm(meta.dpred(m + h * v) - d0 - h * jv) for h in (1e-2, 1e-3)]
    if nonlinear or r1[0] > 1e-13:
        assert r1[1] < r1[0] / 50, "Taylor remainder %s not second order" % r1


def test_kinds():
    for kind, cls in (("stack", metasim.MetaSimulation), ("sum", metasim.SumMetaSimulation)):
        Gs, idx = problem(7, n_data=3 if kind == "sum" else None)
        maps = [metasim.ProjectionMap(N_MODEL, ix) for ix in idx]
        with cls([TanhSim(G) for G in Gs], maps) as meta:
            check_against_numpy(meta, Gs, idx, kind, True)
        lin = [metasim.LinearSimulation(G) for G in Gs]
        with cls(lin, [metasim.ExpMap(5) * mp for mp in maps]) as meta:
            check_against_numpy(meta, Gs, idx, kind, False)


def test_repeat():
    Gs, idx = problem(6)
    G = Gs[0]
    maps = [metasim.ProjectionMap(N_MODEL, ix) for ix in idx]
    with metasim.RepeatedSimulation(TanhSim(G), maps) as meta:
        check_against_numpy(meta, [G] * 6, idx, "stack", True)
    with metasim.RepeatedSimulation(metasim.LinearSimulation(G), factory=lambda i: metasim.ExpMap(5) * maps[i],
                                    n_sims=6) as meta:
        check_against_numpy(meta, [G] * 6, idx, "stack", False)


def test_linear_and_compose_maps():
    rng = np.random.default_rng(3)
    A, b = rng.standard_normal((5, N_MODEL)), rng.standard_normal(5)
    G = rng.standard_normal((4, 5))
    mp = metasim.ExpMap(5) * metasim.LinearMap(A, b)
    with metasim.MetaSimulation([metasim.LinearSimulation(G)] * 2, [mp, metasim.LinearMap(A)]) as meta:
        m = rng.standard_normal(N_MODEL) * 0.1
        check_close("linear/compose maps", meta.dpred(m), np.r_[G @ np.exp(A @ m + b), G @ (A @ m)])
        v = rng.standard_normal(N_MODEL)
        J = np.vstack([G @ (np.exp(A @ m + b)[:, None] * A), G @ A])
        check_close("linear/compose Jvec", meta.Jvec(m, v), J @ v)


def test_sum_and_inject_maps():
    rng = np.random.default_rng(5)
    active = np.array([0, 2, 3, 6, 7])
    G = rng.standard_normal((3, 8))
    inject = metasim.InjectActiveMap(8, active, value=-1.0) * metasim.ProjectionMap(N_MODEL, np.arange(5))
    summed = metasim.ExpMap(5) * metasim.ProjectionMap(N_MODEL, np.arange(5)) + metasim.ProjectionMap(N_MODEL, np.arange(5, 10))
    m = rng.standard_normal(N_MODEL) * 0.3
    u = np.full(8, -1.0)
    u[active] = m[:5]
    want = np.r_[G @ u, G[:, :5] @ (np.exp(m[:5]) + m[5:10])]
    with metasim.MetaSimulation([metasim.LinearSimulation(G), metasim.LinearSimulation(G[:, :5])], [inject, summed]) as meta:
        check_close("inject-active and sum maps", meta.dpred(m), want)
        J = np.zeros((6, N_MODEL))
        J[:3, :5] = G[:, active]
        J[3:, :5], J[3:, 5:10] = G[:, :5] * np.exp(m[:5]), G[:, :5]
        v, w = rng.standard_normal(N_MODEL), rng.standard_normal(6)
        check_close("inject-active and sum Jvec", meta.Jvec(m, v), J @ v)
        check_close("inject-active and sum Jtvec", meta.Jtvec(m, w), J.T @ w)


def test_tile_map():
    """A 1-D tile of 3 cells over a global grid of 12: the overlap-volume averages."""
    g = np.linspace(0.0, 12.0, N_MODEL + 1)
    t = np.array([1.5, 3.5, 4.0, 8.0])
    tile = metasim.TileMap((g, None, None), (t, None, None))
    assert tile.shape == (3, N_MODEL)
    P = np.zeros((3, N_MODEL))
    for a in range(3):
        for c in range(N_MODEL):
            P[a, c] = max(0.0, min(t[a + 1], g[c + 1]) - max(t[a], g[c])) / (t[a + 1] - t[a])
    G = np.arange(6.0).reshape(2, 3)
    m = np.cos(np.arange(N_MODEL))
    with metasim.MetaSimulation([metasim.LinearSimulation(G)], [tile]) as meta:
        check_close("tile map dpred", meta.dpred(m), G @ P @ m)
        check_close("tile map Jtvec", meta.Jtvec(m, np.ones(2)), (G @ P).T @ np.ones(2))


class SquaredProjection:
    """A map with SimPEG's protocol only (not a metasim map): u = m[idx]**2."""

    def __init__(self, n, idx):
        self.idx, self.shape = idx, (len(idx), n)

    def __mul__(self, m):
        return m[self.idx] ** 2

    def deriv(self, m):
        D = np.zeros(self.shape)
        D[np.arange(len(self.idx)), self.idx] = 2 * m[self.idx]
        return D


def test_simpeg_map_protocol():
    Gs, idx = problem(5)
    with metasim.MetaSimulation([TanhSim(G) for G in Gs], [SquaredProjection(N_MODEL, ix) for ix in idx]) as meta:
        m, v = np.linspace(-1, 1, N_MODEL), np.linspace(0, 2, N_MODEL)
        w = np.cos(np.arange(meta.n_data))
        rows = []
        for G, ix in zip(Gs, idx):
            B = np.zeros((G.shape[0], N_MODEL))
            B[:, ix] = G * (1 - np.tanh(m[ix] ** 2) ** 2) * 2 * m[ix]
            rows.append(B)
        J = np.vstack(rows)
        check_close("SimPEG map dpred", meta.dpred(m), np.concatenate([G @ np.tanh(m[ix] ** 2) for G, ix in zip(Gs, idx)]))
        check_close("SimPEG map Jvec", meta.Jvec(m, v), J @ v)
        check_close("SimPEG map Jtvec", meta.Jtvec(m, w), J.T @ w)
        check_close("SimPEG map JtJ diagonal", meta.getJtJdiag(m), (J ** 2).sum(axis=0))


def test_dcr_simulations():
    """metasim's C DC-resistivity simulation from Python: the pole-pole potential over a
    homogeneous half-space against I / (2 pi sigma r), the adjoint and the Taylor check."""
    x = np.linspace(-200, 200, 21)
    z = np.linspace(-200, 0, 11)
    sims = []
    for k in range(3):
        sim = metasim.DCRSimulation((x, x, z))
        src = sim.add_source([20.0 * (k - 1), 0, -1e-9])
        for r in (40, 60):
            sim.add_receiver(src, [20.0 * (k - 1) + r, 0, -1e-9])
        sim.add_receiver(src, [0, 40, -1e-9], [0, 60, -1e-9])
        sims.append(sim)
    sigma = 0.01
    m = np.full(sims[0].n_model, np.log(sigma))
    with metasim.MetaSimulation(sims, [metasim.IdentityMap(sims[0].n_model)] * 3) as meta:
        d = meta.dpred(m)
        for k in range(3):
            analytic = [1 / (2 * np.pi * sigma * r) for r in (40, 60)]
            assert np.allclose(d[3 * k:3 * k + 2], analytic, rtol=0.02), (d[3 * k:3 * k + 2], analytic)
        rng = np.random.default_rng(11)
        v, w = rng.standard_normal(m.size), rng.standard_normal(meta.n_data)
        jv, jtw = meta.Jvec(m, v), meta.Jtvec(m, w)
        assert abs(jv @ w - v @ jtw) < 1e-10 * abs(v @ jtw), (jv @ w, v @ jtw)
        r = [np.linalg.norm(meta.dpred(m + h * v) - d - h * jv) for h in (1e-2, 1e-3)]
        assert r[1] < r[0] / 50, r


def test_factory_builds_owned_only():
    Gs, idx = problem(9)
    built = []

    def factory(i):
        built.append(i)
        return TanhSim(Gs[i]), metasim.ProjectionMap(N_MODEL, idx[i])

    with metasim.MetaSimulation(factory=factory, n_sims=9) as meta:
        assert built == list(meta.owned), (built, meta.owned)
        every = sorted(i for part in comm.allgather(built) for i in part)
        assert every == list(range(9)), every
        check_against_numpy(meta, Gs, idx, "stack", True)


def test_fields_cached():
    Gs, idx = problem(3)
    sims = [TanhSim(G) for G in Gs]
    with metasim.MetaSimulation(sims, [metasim.ProjectionMap(N_MODEL, ix) for ix in idx]) as meta:
        m, v = np.linspace(0, 1, N_MODEL), np.ones(N_MODEL)
        meta.dpred(m), meta.Jvec(m, v), meta.Jtvec(m, meta.dpred(m))
        mine = [sims[i].n_fields for i in meta.owned]
        assert all(n == 1 for n in mine), mine
        meta.dpred(m + 1)
        assert all(sims[i].n_fields == 2 for i in meta.owned)


def test_options():
    Gs, idx = problem(4, n_data=3)
    maps = [metasim.ProjectionMap(N_MODEL, ix) for ix in idx]
    m = np.linspace(-1, 1, N_MODEL)
    with metasim.SumMetaSimulation([TanhSim(G) for G in Gs], maps, jtjdiag="exact",
                                   options={"meta_reproducible": None}) as meta:
        J = dense_jacobian(Gs, idx, m, "sum", True)
        check_close("exact JtJ diagonal", meta.getJtJdiag(m), (J ** 2).sum(axis=0))
        assert meta.jtjdiag_exact
        # reproducible sums: the same bits over all ranks and on one rank alone
        d, g = meta.dpred(m), meta.Jtvec(m, np.ones(3))
    sims = [TanhSim(G) for G in Gs]
    with metasim.SumMetaSimulation(sims, maps, comm=MPI.COMM_SELF, reproducible=True) as alone:
        assert alone.dpred(m).tobytes() == d.tobytes()
        assert alone.Jtvec(m, np.ones(3)).tobytes() == g.tobytes()


def c_stdout(fn):
    """What fn() prints on this process's C stdout (PETSc's viewers)."""
    import ctypes
    import tempfile
    libc = ctypes.CDLL(None)
    sys.stdout.flush()
    saved = os.dup(1)
    with tempfile.TemporaryFile() as tmp:
        os.dup2(tmp.fileno(), 1)
        try:
            result = fn()
        finally:
            libc.fflush(None)
            os.dup2(saved, 1)
            os.close(saved)
        tmp.seek(0)
        return result, tmp.read().decode()


def test_meta_view_option():
    Gs, idx = problem(4)
    maps = [metasim.ProjectionMap(N_MODEL, ix) for ix in idx]
    meta, shown = c_stdout(lambda: metasim.MetaSimulation([TanhSim(G) for G in Gs], maps, options={"meta_view": None}))
    meta.close()
    if rank == 0:
        assert "simulations 4, model length 12" in shown and "partition over %d rank(s)" % comm.size in shown, shown
    meta, shown = c_stdout(lambda: metasim.MetaSimulation([TanhSim(G) for G in Gs], maps))
    meta.close()
    assert "partition" not in shown, shown  # the keyword's option does not outlive its object


class FailingSim(TanhSim):
    def dpred(self, u, f=None):
        raise ZeroDivisionError("simulation cannot divide")


def test_exception_on_one_rank():
    Gs, idx = problem(5)
    bad = 3

    def factory(i):
        return (FailingSim if i == bad else TanhSim)(Gs[i]), metasim.ProjectionMap(N_MODEL, idx[i])

    with metasim.MetaSimulation(factory=factory, n_sims=5) as meta:
        owner = comm.allreduce(rank if bad in meta.owned else 0, op=MPI.MAX)
        try:
            meta.dpred(np.zeros(N_MODEL))
        except ZeroDivisionError as e:
            assert e.__cause__.index == bad and e.__cause__.rank == owner, (e.__cause__.index, e.__cause__.rank)
            assert "simulation cannot divide" in e.__cause__.traceback
            assert "FailingSim" not in str(e) and "in dpred" in e.__cause__.traceback
        else:
            raise AssertionError("no exception on rank %d" % rank)
        # the meta simulation still works after a failure (Jvec does not call dpred)
        meta.Jvec(np.zeros(N_MODEL), np.ones(N_MODEL))

    def bad_factory(i):
        if i == 1:
            raise OSError("cannot read simulation 1")
        return TanhSim(Gs[i]), metasim.ProjectionMap(N_MODEL, idx[i])

    try:
        metasim.MetaSimulation(factory=bad_factory, n_sims=5)
    except OSError as e:
        assert e.__cause__.index == 1
    else:
        raise AssertionError("factory failure not raised on rank %d" % rank)


class FailingShared(TanhSim):
    def Jtvec(self, u, w, f=None):
        if u[0] > 0.5:
            raise FloatingPointError("shared simulation fails for u[0] > 0.5")
        return super().Jtvec(u, w, f)


def test_exception_in_repeated_simulation():
    """The shared simulation of a repeat fails under map 2 only: every rank names simulation 2."""
    G = np.ones((2, 5))
    idx = [np.arange(k, k + 5) for k in range(4)]
    with metasim.RepeatedSimulation(FailingShared(G), [metasim.ProjectionMap(N_MODEL, ix) for ix in idx]) as meta:
        m = np.zeros(N_MODEL)
        m[2] = 1.0  # read as u[0] by map 2 only
        try:
            meta.Jtvec(m, np.ones(meta.n_data))
        except FloatingPointError as e:
            owner = comm.allreduce(rank if 2 in meta.owned else 0, op=MPI.MAX)
            assert (e.__cause__.index, e.__cause__.rank) == (2, owner), (e.__cause__.index, e.__cause__.rank)
        else:
            raise AssertionError("no exception on rank %d" % rank)


class WrongLength(TanhSim):
    def Jvec(self, u, v, f=None):
        return np.zeros(self.n_data + 1)


def test_wrong_result_length():
    Gs, idx = problem(4)

    def factory(i):
        return (WrongLength if i == 2 else TanhSim)(Gs[i]), metasim.ProjectionMap(N_MODEL, idx[i])

    with metasim.MetaSimulation(factory=factory, n_sims=4) as meta:
        try:
            meta.Jvec(np.zeros(N_MODEL), np.ones(N_MODEL))
        except ValueError as e:
            assert "Jvec returned %d values, expected %d" % (Gs[2].shape[0] + 1, Gs[2].shape[0]) in str(e), str(e)
            assert e.__cause__.index == 2
        else:
            raise AssertionError("a wrong result length was accepted")


def test_bad_input():
    Gs, idx = problem(2)
    with metasim.MetaSimulation([TanhSim(G) for G in Gs], [metasim.ProjectionMap(N_MODEL, ix) for ix in idx]) as meta:
        try:
            meta.dpred(np.zeros(N_MODEL + 1))
        except ValueError as e:
            assert "the model has 13 entries, expected 12" in str(e), str(e)
        else:
            raise AssertionError("wrong model length accepted")
        try:
            meta.Jvec(np.zeros(N_MODEL), np.zeros(N_MODEL - 1))
        except ValueError as e:
            assert "v has 11 entries, expected 12" in str(e), str(e)
        else:
            raise AssertionError("wrong Jvec vector length accepted")
        try:
            metasim.MetaSimulation([TanhSim(Gs[0])], [metasim.IdentityMap(5)], jtjdiag="approximate")
        except ValueError as e:
            assert "jtjdiag must be one of" in str(e)
        else:
            raise AssertionError("unknown jtjdiag accepted")
        try:
            meta.dpred(np.full(N_MODEL, np.nan))
        except metasim.Error as e:
            assert "NaN" in str(e) or "finite" in str(e), str(e)
        else:
            raise AssertionError("NaN model accepted")


if __name__ == "__main__":
    tests = [(k, v) for k, v in sorted(globals().items()) if k.startswith("test_")]
    for name, fn in tests:
        if len(sys.argv) > 1 and name not in sys.argv[1:]:
            continue
        fn()
        if rank == 0:
            print("ok", name, flush=True)
