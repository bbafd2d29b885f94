"""Writes metasim problem files (docs/format.md) with h5py and evaluates them with numpy.

An implementation independent of the C library: the bad-input corpus and the h5py check of
`metasim eval` build their files with it.
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
            if p["kind"] != "repeat" or i == 0:
                g.attrs["type"] = "linear"
                _write_matrix(g, "G", s["G"], s["sparse"])
            mg = g.create_group("map")
            mg.attrs["n_steps"] = np.int64(len(s["steps"]))
            for k, st in enumerate(s["steps"]):
                sg = mg.create_group("step_%d" % k)
                for key in ("type", "n_in", "n_out"):
                    sg.attrs[key] = st[key] if key == "type" else np.int64(st[key])
                if "indices" in st:
                    sg.create_dataset("indices", data=st["indices"])
                if "A" in st:
                    _write_matrix(sg, "A", st["A"], False)
                    sg.create_dataset("b", data=st["b"])
        for name, v in p["vectors"].items():
            f.create_dataset(name, data=np.asarray(v, dtype=np.float64))


def _read_matrix(obj):
    if isinstance(obj, h5py.Dataset):
        return obj[...], False
    A = np.zeros((int(obj.attrs["n_rows"]), int(obj.attrs["n_cols"])))
    indptr, indices, data = obj["indptr"][...], obj["indices"][...], obj["data"][...]
    for r in range(A.shape[0]):
        A[r, indices[indptr[r]:indptr[r + 1]]] = data[indptr[r]:indptr[r + 1]]
    return A, True


def read_problem(path):
    """The problem dict of a metasim problem file (the layout write_problem writes)."""
    with h5py.File(path, "r") as f:
        kind = f.attrs["kind"]
        sims = []
        for i in range(int(f.attrs["n_sims"])):
            g = f["sim_%06d" % (0 if kind == "repeat" else i)]
            G, sparse = _read_matrix(g["G"])
            mg = f["sim_%06d/map" % i]
            steps = []
            for k in range(int(mg.attrs["n_steps"])):
                sg = mg["step_%d" % k]
                st = {key: (sg.attrs[key] if key == "type" else int(sg.attrs[key])) for key in ("type", "n_in", "n_out")}
                if "indices" in sg:
                    st["indices"] = sg["indices"][...]
                if "A" in sg:
                    st["A"] = _read_matrix(sg["A"])[0]
                    st["b"] = sg["b"][...] if "b" in sg else np.zeros(st["n_out"])
                steps.append(st)
            sims.append({"G": G, "sparse": sparse, "steps": steps})
        vectors = {}
        for group in ("models", "data", "uncertainties"):
            for name in f.get(group, {}):
                vectors[group + "/" + name] = f[group][name][...]
        return {"kind": kind, "n_model": int(f.attrs["n_model"]), "n_data": int(f.attrs["n_data"]),
                "sims": sims, "vectors": vectors}


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
        elif st["type"] != "identity":
            raise ValueError(st["type"])
    return u, D


def evaluate(p):
    """dpred, Jvec, Jtvec, JtJdiag, JtJdiag_W of the whole problem, from the dense Jacobian."""
    m = p["vectors"]["models/m"]
    blocks, jac = [], []
    for s in p["sims"]:
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
