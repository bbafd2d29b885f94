"""A binned simulation swept over overlapping parameter bins with Pool.map and joined into one
curve (as `metasim sweep bins`): bin b measures y(x) = sin(3 x) exp(-x / 4) with noise of sigma
0.05 at 64 points x in [b h, b h + 64 dx), hop h = 32 dx (50% overlap); each bin's noise comes
from the pool's stream for its task (seed=), so the curve is the same on any rank count. The
bins are joined with a Tukey window (alpha 0.5) by weighted sums.

    mpiexec -n 3 python3 examples/python/bins_join.py [n_bins]
"""
import sys

import numpy as np

import metasim

LEN, HOP, DX = 64, 32, 0.01


def exact(x):
    return np.sin(3 * x) * np.exp(-x / 4)


def measure(b, rng):
    x = (b * HOP + np.arange(LEN)) * DX
    return exact(x) + 0.05 * rng.standard_normal(LEN)


def tukey(n, alpha):
    """The Tukey (tapered cosine) window of n points."""
    t = np.linspace(0.0, 1.0, n)
    w = np.ones(n)
    edge = t < alpha / 2
    w[edge] = 0.5 * (1 + np.cos(np.pi * (2 * t[edge] / alpha - 1)))
    edge = t > 1 - alpha / 2
    w[edge] = 0.5 * (1 + np.cos(np.pi * (2 * t[edge] / alpha - 2 / alpha + 1)))
    return w


def main():
    n_bins = int(sys.argv[1]) if len(sys.argv) > 1 else 40
    with metasim.Pool(seed=4) as pool:
        bins = pool.map(measure, range(n_bins))
    n_points = (n_bins - 1) * HOP + LEN
    w = tukey(LEN, 0.5) + 1e-12  # the end points keep a tiny weight: every point is covered
    wy, sw = np.zeros(n_points), np.zeros(n_points)
    for b, y in enumerate(bins):
        wy[b * HOP:b * HOP + LEN] += w * y
        sw[b * HOP:b * HOP + LEN] += w
    curve = wy / sw
    err = np.abs(curve - exact(np.arange(n_points) * DX)).max()
    if metasim.rank() == 0:
        print("bins: %d bins of %d points joined into %d points; max |curve - exact| = %.6f (noise sigma 0.05)"
              % (n_bins, LEN, n_points, err))
        print("curve checksum %.17g" % curve.sum())


if __name__ == "__main__":
    main()
