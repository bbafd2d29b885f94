"""A synthetic inversion problem for `metasim invert`, written with msformat.

A 2-D mesh of NX x NY cells (log-conductivity, background -2, one conductive and one resistive
blob); the simulations are horizontal bands of rows, overlapping by half, each a linear
simulation d = G exp(m[band]) with G a 2-D Gaussian kernel between data points spread over the
band and its cells. The data are d(m_true) plus seeded Gaussian noise of std = 0.05 |d| +
0.01 max |d|. The file holds /models/m0 = /models/mref = -2, /models/m_true, /data/dobs and
/uncertainties/std.
"""
import numpy as np

import msformat

BACKGROUND = -2.0


def true_model(nx, ny):
    x, y = np.meshgrid(np.arange(nx), np.arange(ny), indexing="ij")
    blob = lambda cx, cy, r: np.exp(-(((x - cx) / r) ** 2 + ((y - cy) / r) ** 2))
    m = BACKGROUND + 1.2 * blob(0.3 * nx, 0.4 * ny, 0.15 * nx) - 0.8 * blob(0.7 * nx, 0.6 * ny, 0.12 * nx)
    return m.flatten(order="F")  # cell (i, j) is entry i + nx j


def smooth_operator(nx, ny, alpha_s=1.0, alpha_x=1.0, alpha_y=1.0):
    """R of smallness and first differences on the nx x ny mesh, row by row as metasim orders it on
    one rank (each cell: smallness, x difference, y difference), as a dense array."""
    rows = []
    for c in range(nx * ny):
        i, j = c % nx, c // nx
        rows.append({c: np.sqrt(alpha_s)})
        if i + 1 < nx:
            rows.append({c: -np.sqrt(alpha_x), c + 1: np.sqrt(alpha_x)})
        if j + 1 < ny:
            rows.append({c: -np.sqrt(alpha_y), c + nx: np.sqrt(alpha_y)})
    R = np.zeros((len(rows), nx * ny))
    for r, entries in enumerate(rows):
        for c, v in entries.items():
            R[r, c] = v
    return R


def problem(nx=16, ny=12, band=4, data_per_band=48, noise=1.0, seed=7, mesh=True):
    rng = np.random.default_rng(seed)
    n_model = nx * ny
    m_true = true_model(nx, ny)
    sims, blocks = [], []
    starts = list(range(0, ny - band + 1, band // 2))
    for t, j0 in enumerate(starts):
        cells = np.array([i + nx * j for j in range(j0, j0 + band) for i in range(nx)], dtype=np.int64)
        cx, cy = cells % nx, cells // nx
        px = rng.uniform(0, nx - 1, data_per_band)
        py = rng.uniform(j0, j0 + band - 1, data_per_band)
        G = (1.0 + 0.1 * t) * np.exp(-((px[:, None] - cx[None, :]) ** 2 + (py[:, None] - cy[None, :]) ** 2) / 2.0)
        steps = [{"type": "projection", "n_in": n_model, "n_out": cells.size, "indices": cells},
                 {"type": "exp", "n_in": cells.size, "n_out": cells.size}]
        sims.append({"G": G, "sparse": False, "steps": steps})
        blocks.append(G @ np.exp(m_true[cells]))
    d = np.concatenate(blocks)
    std = 0.05 * np.abs(d) + 0.01 * np.abs(d).max()
    dobs = d + noise * std * rng.standard_normal(d.size)
    p = {"kind": "stack", "n_model": n_model, "n_data": d.size, "sims": sims,
         "vectors": {"models/m0": np.full(n_model, BACKGROUND), "models/mref": np.full(n_model, BACKGROUND),
                     "models/m_true": m_true, "data/dobs": dobs, "uncertainties/std": std}}
    if mesh:
        p["mesh"] = [nx, ny]
    return p


if __name__ == "__main__":
    import sys

    if len(sys.argv) != 2:
        sys.exit("usage: invert_problem.py OUT.h5   (writes the synthetic 16 x 12 problem)")
    msformat.write_problem(sys.argv[1], problem())
