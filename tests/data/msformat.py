"""Writes metasim problem files (docs/format.md) with h5py and evaluates them with numpy.

An implementation independent of the C library: the bad-input corpus and the h5py check of
`metasim eval` build their files with it.

A simulation is {"G": array, "sparse": bool, "steps": [...]} (type linear) or
{"type": "dcr", "grid": [x, y, z], "sources": {...}, "receivers": {...}, "steps": [...]}
(datasets by name, as in the file: sources a, current and optionally b with dipole; receivers
source, m and optionally n with difference). A map step is a dict with type, n_in, n_out and its
arrays; a sum step has "terms", a list of step lists.
"""
import h5py
import numpy as np


def random_problem(kind="stack", n_sims=5, n_model=24, n_data=7, seed=0, sparse_every=2):
    """A problem of linear simulations with projection windows (and a few exp and linear steps)."""
    rng = np.random.default_rng(seed)
    sims = []
    for i in range(n_sims):
        rows = n_data if kind == "sum" else n_data + i % 3
        n_sub = n_model // 2
        start = (3 * i) % (n_model - n_sub + 1)
        steps = [{"type": "projection", "n_in": n_model, "n_out": n_sub,
                  "indices": np.arange(start, start + n_sub, dtype=np.int64)}]
        if i % 4 == 1:
            steps.append({"type": "exp", "n_in": n_sub, "n_out": n_sub})
        if i % 4 == 2:
            steps.append({"type": "linear", "n_in": n_sub, "n_out": 4,
                          "A": rng.standard_normal((4, n_sub)), "b": rng.standard_normal(4)})
        cols = steps[-1]["n_out"]
        G = rng.standard_normal((rows, cols))
        if sparse_every and i % sparse_every == 1:
            G[rng.random(G.shape) < 0.6] = 0.0
        sims.append({"G": G, "sparse": bool(sparse_every and i % sparse_every == 1), "steps": steps})
    n_rows = n_data if kind == "sum" else sum(s["G"].shape[0] for s in sims)
    vectors = {
        "models/m": 0.3 * rng.standard_normal(n_model),
        "models/v": rng.standard_normal(n_model),
        "data/w": rng.standard_normal(n_rows),
        "data/dobs": rng.standard_normal(n_rows),
        "uncertainties/std": 0.5 + rng.random(n_rows),
    }
    return {"kind": kind, "n_model": n_model, "n_data": n_rows, "sims": sims, "vectors": vectors}


def _write_matrix(group, name, A, sparse):
    if not sparse:
        group.create_dataset(name, data=np.asarray(A, dtype=np.float64))
        return
    rows, cols = np.nonzero(A)
    indptr = np.zeros(A.shape[0] + 1, dtype=np.int64)
    np.add.at(indptr, rows + 1, 1)
    csr = group.create_group(name)
    csr.attrs["format"] = "csr"
    csr.attrs["n_rows"] = np.int64(A.shape[0])
    csr.attrs["n_cols"] = np.int64(A.shape[1])
    csr.create_dataset("indptr", data=np.cumsum(indptr))
    csr.create_dataset("indices", data=cols.astype(np.int64))
    csr.create_dataset("data", data=A[rows, cols])


def write_matrix(group, name, A, sparse=True):
    """Writes A as group/name in the format's matrix layout (CSR group, or dense dataset)."""
    _write_matrix(group, name, A, sparse)


def _write_chain(group, steps):
    group.attrs["n_steps"] = np.int64(len(steps))
    for k, st in enumerate(steps):
        sg = group.create_group("step_%d" % k)
        for key in ("type", "n_in", "n_out"):
            sg.attrs[key] = st[key] if key == "type" else np.int64(st[key])
        if "indices" in st:
            sg.create_dataset("indices", data=st["indices"])
        if "A" in st:
            _write_matrix(sg, "A", st["A"], False)
            sg.create_dataset("b", data=st["b"])
        if "P" in st:
            _write_matrix(sg, "P", st["P"], True)
        if "terms" in st:
            sg.attrs["n_terms"] = np.int64(len(st["terms"]))
            for t, term in enumerate(st["terms"]):
                _write_chain(sg.create_group("term_%d" % t), term)


def _write_dcr(g, s):
    g.attrs["type"] = "dcr"
    for axis, edges in zip("xyz", s["grid"]):
        g.create_dataset("grid/" + axis, data=np.asarray(edges, dtype=np.float64))
    for part, count in (("sources", "n_sources"), ("receivers", "n_receivers")):
        pg = g.create_group(part)
        first = "a" if part == "sources" else "source"
        pg.attrs[count] = np.int64(len(s[part][first]))
        for name, values in s[part].items():
            values = np.asarray(values)
            pg.create_dataset(name, data=values.astype(np.int64 if values.dtype.kind in "iub" else np.float64))


def dcr_survey(cells=(6, 6, 4), n_sources=2, n_rx=3):
    """A small dcr simulation on [-1, 1]^2 x [-1, 0] with an identity map: pole sources on the
    surface, pole receivers on a ring around each."""
    grid = [np.linspace(lo, hi, n + 1) for n, lo, hi in zip(cells, (-1.0, -1.0, -1.0), (1.0, 1.0, 0.0))]
    a = np.array([[-0.5 + 1.0 * s / max(n_sources - 1, 1), 0.1 * s, 0.0] for s in range(n_sources)])
    angles = 2 * np.pi * np.arange(n_rx) / n_rx + 0.4
    m = np.array([[x + 0.4 * np.cos(t), y + 0.4 * np.sin(t), 0.0] for x, y, _ in a for t in angles])
    source = np.repeat(np.arange(n_sources, dtype=np.int64), n_rx)
    n_sub = int(np.prod(cells))
    return {"type": "dcr", "grid": grid,
            "sources": {"a": a, "current": np.ones(n_sources)},
            "receivers": {"source": source, "m": m},
            "steps": [{"type": "identity", "n_in": n_sub, "n_out": n_sub}]}


def write_problem(path, p, format_version=1):
    with h5py.File(path, "w") as f:
        f.attrs["format"] = "metasim-problem"
        f.attrs["format_version"] = np.int64(format_version)
        f.attrs["kind"] = p["kind"]
        f.attrs["n_sims"] = np.int64(len(p["sims"]))
        f.attrs["n_model"] = np.int64(p["n_model"])
        f.attrs["n_data"] = np.int64(p["n_data"])
        for i, s in enumerate(p["sims"]):
            g = f.create_group("sim_%06d" % i)
            if p["kind"] == "repeat" and i > 0:
                pass
            elif s.get("type", "linear") == "dcr":
                _write_dcr(g, s)
            else:
                g.attrs["type"] = "linear"
                _write_matrix(g, "G", s["G"], s["sparse"])
            _write_chain(g.create_group("map"), s["steps"])
        for name, v in p["vectors"].items():
            f.create_dataset(name, data=np.asarray(v, dtype=np.float64))
        if "mesh" in p:
            f.create_dataset("mesh/shape", data=np.asarray(p["mesh"], dtype=np.int64))


def _read_matrix(obj):
    if isinstance(obj, h5py.Dataset):
        return obj[...], False
    A = np.zeros((int(obj.attrs["n_rows"]), int(obj.attrs["n_cols"])))
    indptr, indices, data = obj["indptr"][...], obj["indices"][...], obj["data"][...]
    for r in range(A.shape[0]):
        A[r, indices[indptr[r]:indptr[r + 1]]] = data[indptr[r]:indptr[r + 1]]
    return A, True


def _read_chain(group):
    steps = []
    for k in range(int(group.attrs["n_steps"])):
        sg = group["step_%d" % k]
        st = {key: (sg.attrs[key] if key == "type" else int(sg.attrs[key])) for key in ("type", "n_in", "n_out")}
        if "indices" in sg:
            st["indices"] = sg["indices"][...]
        if "A" in sg:
            st["A"] = _read_matrix(sg["A"])[0]
            st["b"] = sg["b"][...] if "b" in sg else np.zeros(st["n_out"])
        if "P" in sg:
            st["P"] = _read_matrix(sg["P"])[0]
        if "active" in sg:
            st["active"], st["value"] = sg["active"][...], float(sg.attrs["value"])
        if st["type"] == "sum":
            st["terms"] = [_read_chain(sg["term_%d" % t]) for t in range(int(sg.attrs["n_terms"]))]
        steps.append(st)
    return steps


def _read_dcr(g):
    return {"type": "dcr", "grid": [g["grid"][axis][...] for axis in "xyz"],
            "sources": {name: ds[...] for name, ds in g["sources"].items()},
            "receivers": {name: ds[...] for name, ds in g["receivers"].items()}}


def read_problem(path):
    """The problem dict of a metasim problem file (the layout write_problem writes)."""
    with h5py.File(path, "r") as f:
        kind = f.attrs["kind"]
        sims = []
        for i in range(int(f.attrs["n_sims"])):
            g = f["sim_%06d" % (0 if kind == "repeat" else i)]
            if g.attrs["type"] == "dcr":
                sim = _read_dcr(g)
            else:
                G, sparse = _read_matrix(g["G"])
                sim = {"G": G, "sparse": sparse}
            sim["steps"] = _read_chain(f["sim_%06d/map" % i])
            sims.append(sim)
        vectors = {}
        for group in ("models", "data", "uncertainties"):
            for name in f.get(group, {}):
                vectors[group + "/" + name] = f[group][name][...]
        p = {"kind": kind, "n_model": int(f.attrs["n_model"]), "n_data": int(f.attrs["n_data"]),
             "sims": sims, "vectors": vectors}
        if "mesh/shape" in f:
            p["mesh"] = [int(n) for n in f["mesh/shape"][...]]
        return p


def _apply_map(steps, m):
    """u = M(m) and the dense derivative M'(m)."""
    u, D = m.copy(), np.eye(m.size)
    for st in steps:
        if st["type"] == "projection":
            u, D = u[st["indices"]], D[st["indices"], :]
        elif st["type"] == "exp":
            u = np.exp(u)
            D = u[:, None] * D
        elif st["type"] == "linear":
            u, D = st["A"] @ u + st["b"], st["A"] @ D
        elif st["type"] == "tile":
            u, D = st["P"] @ u, st["P"] @ D
        elif st["type"] == "sum":
            parts = [_apply_map(term, u) for term in st["terms"]]
            u, D = sum(pu for pu, _ in parts), sum(pD for _, pD in parts) @ D
        elif st["type"] != "identity":
            raise ValueError(st["type"])
    return u, D


def evaluate(p):
    """dpred, Jvec, Jtvec, JtJdiag, JtJdiag_W of the whole problem, from the dense Jacobian."""
    m = p["vectors"]["models/m"]
    blocks, jac = [], []
    for s in p["sims"]:
        if s.get("type", "linear") != "linear":
            raise NotImplementedError("numpy evaluation of %s simulations" % s["type"])
        u, D = _apply_map(s["steps"], m)
        blocks.append(s["G"] @ u)
        jac.append(s["G"] @ D)
    if p["kind"] == "sum":
        d, J = sum(blocks), sum(jac)
    else:
        d, J = np.concatenate(blocks), np.vstack(jac)
    W = 1.0 / p["vectors"]["uncertainties/std"]
    return {
        "dpred": d,
        "Jvec": J @ p["vectors"]["models/v"],
        "Jtvec": J.T @ p["vectors"]["data/w"],
        "JtJdiag": (J ** 2).sum(axis=0),
        "JtJdiag_W": ((W[:, None] * J) ** 2).sum(axis=0),
    }
