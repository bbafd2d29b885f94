"""A SimPEG-style tiled linear inversion with metasim.MetaSimulation: a 1-D model of 120 cells,
24 overlapping tiles, each a simulation of a blurred, sampled window of the model (half of them
Python simulations with SimPEG's protocol, half metasim's C linear simulation), recovered by
conjugate gradients on the Tikhonov normal equations (J^T J + beta I) m = J^T d_obs using only
Jvec and Jtvec. Reproducible reductions make the result bitwise the same on any rank count.

    mpiexec -n 3 python3 examples/python/tiled_inversion.py
"""
import numpy as np

import metasim

N_CELLS, N_TILES, WIDTH, N_DATA = 120, 24, 15, 10


class BlurSimulation:
    """d = G u for a window u of the model: a linear simulation written in Python."""

    def __init__(self, G):
        self.G, self.n_data = G, G.shape[0]

    def dpred(self, m, f=None):
        return self.G @ m

    def Jvec(self, m, v, f=None):
        return self.G @ v

    def Jtvec(self, m, v, f=None):
        return self.G.T @ v


def tile(i):
    """Tile i: its window of cells and its sensitivity matrix (deterministic in i)."""
    first = i * (N_CELLS - WIDTH) // (N_TILES - 1)
    cells = np.arange(first, first + WIDTH)
    at = np.linspace(0, WIDTH - 1, N_DATA)
    G = np.exp(-0.5 * ((at[:, None] - np.arange(WIDTH)[None, :]) / 2.0) ** 2)
    return cells, G / G.sum(axis=1, keepdims=True)


def factory(i):
    """Built only on the rank that owns tile i."""
    cells, G = tile(i)
    sim = BlurSimulation(G) if i % 2 == 0 else metasim.LinearSimulation(G)
    return sim, metasim.ProjectionMap(N_CELLS, cells)


def true_model():
    x = np.linspace(0, 1, N_CELLS)
    return np.where(np.abs(x - 0.3) < 0.08, 1.0, 0.0) + 0.5 * np.exp(-((x - 0.7) / 0.05) ** 2)


def cg(apply, b, iterations):
    """Conjugate gradients for apply(x) = b from x = 0 (every rank computes the same numbers)."""
    x, r = np.zeros_like(b), b.copy()
    p, rr = r.copy(), r @ r
    for _ in range(iterations):
        q = apply(p)
        alpha = rr / (p @ q)
        x += alpha * p
        r -= alpha * q
        rr, rr_old = r @ r, rr
        p = r + (rr / rr_old) * p
    return x


def main():
    with metasim.MetaSimulation(factory=factory, n_sims=N_TILES, reproducible=True) as meta:
        m_true = true_model()
        d_obs = meta.dpred(m_true) + 0.01 * np.random.default_rng(0).standard_normal(meta.n_data)
        beta = 1e-2
        m0 = np.zeros(N_CELLS)
        m = cg(lambda v: meta.Jtvec(m0, meta.Jvec(m0, v)) + beta * v, meta.Jtvec(m0, d_obs), 40)
        phi, _ = meta.misfit(m, d_obs)
        if metasim.rank() == 0:
            print("tiles %d, data %d, cells %d on %d rank(s)" % (N_TILES, meta.n_data, N_CELLS, metasim.size()))
            print("data misfit 0.5||d - d_obs||^2 = %.17g (noise level %.3g)" % (phi, 0.5 * meta.n_data * 1e-4))
            print("model error ||m - m_true|| / ||m_true|| = %.17g" % (np.linalg.norm(m - m_true) / np.linalg.norm(m_true)))
            print("model checksum %.17g" % np.sum(m * np.arange(N_CELLS)))


if __name__ == "__main__":
    main()
