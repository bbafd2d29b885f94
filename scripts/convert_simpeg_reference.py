#!/usr/bin/env python3
"""Converts a SimPEG reference problem (simpeg-meta-reference-v1/v2, /work/shared/reference/README.md)
into a metasim problem file (docs/format.md), so that `metasim eval` runs on it:

    python3 scripts/convert_simpeg_reference.py simpeg_meta_projection.h5 problem.h5
    mpiexec -n 2 metasim eval problem.h5 -o out.h5 --ops dpred,jvec,jtvec,jtjdiag

The reference's inputs become named vectors: /m -> models/m, /v -> models/v, /w -> data/w, and
W_diag (SimPEG's W, the square roots of the data weights) -> uncertainties/std = 1 / W_diag, so
eval's weighted diagonal (W = 1 / std) is SimPEG's getJtJdiag(m, W=diag(W_diag)).
Needs h5py and numpy.
"""
import sys

import h5py
import numpy as np

KINDS = {"meta": "stack", "sum": "sum", "repeat": "repeat"}


def text(value):
    return value.decode() if isinstance(value, bytes) else str(value)


def map_steps(group, n_model):
    """The metasim map chain of a reference map group."""
    kind = text(group.attrs["kind"])
    n_out = int(group.attrs["n_out"])
    if kind == "identity":
        return [{"type": "identity", "n_in": n_model, "n_out": n_model}]
    if kind in ("projection", "exp_projection"):
        steps = [{"type": "projection", "n_in": n_model, "n_out": n_out, "indices": group["indices"][...].astype(np.int64)}]
        if kind == "exp_projection":
            steps.append({"type": "exp", "n_in": n_out, "n_out": n_out})
        return steps
    if kind == "linear":
        return [{"type": "linear", "n_in": n_model, "n_out": n_out, "A": group["A"][...], "b": group["b"][...]}]
    sys.exit("%s: map kind %r has no metasim equivalent in this converter" % (group.name, kind))


def write_steps(mg, steps):
    mg.attrs["n_steps"] = np.int64(len(steps))
    for k, st in enumerate(steps):
        sg = mg.create_group("step_%d" % k)
        sg.attrs["type"] = st["type"]
        sg.attrs["n_in"] = np.int64(st["n_in"])
        sg.attrs["n_out"] = np.int64(st["n_out"])
        if "indices" in st:
            sg.create_dataset("indices", data=st["indices"])
        if "A" in st:
            sg.create_dataset("A", data=st["A"])
            sg.create_dataset("b", data=st["b"])


def convert(src, dst):
    with h5py.File(src, "r") as f, h5py.File(dst, "w") as out:
        kind = KINDS[text(f.attrs.get("kind", "meta"))]
        n_sims, n_model, n_rows = int(f.attrs["n_sims"]), int(f.attrs["n_model"]), int(f.attrs["n_rows"])
        out.attrs["format"] = "metasim-problem"
        out.attrs["format_version"] = np.int64(1)
        out.attrs["kind"] = kind
        out.attrs["n_sims"] = np.int64(n_sims)
        out.attrs["n_model"] = np.int64(n_model)
        out.attrs["n_data"] = np.int64(n_rows)
        out.attrs["converted_from"] = "%s (%s)" % (src, text(f.attrs["format"]))
        for i in range(n_sims):
            g = out.create_group("sim_%06d" % i)
            if kind != "repeat" or i == 0:
                g.attrs["type"] = "linear"
                g.create_dataset("G", data=f["sim_%03d/G" % i][...])
            ref_map = f["map_%03d" % i] if kind == "repeat" else f["sim_%03d/map" % i]
            write_steps(g.create_group("map"), map_steps(ref_map, n_model))
        W = f["W_diag"][...]
        if np.any(W <= 0):
            sys.exit("%s: /W_diag has entries <= 0: no uncertainty 1 / W_diag" % src)
        out.create_dataset("models/m", data=f["m"][...])
        out.create_dataset("models/v", data=f["v"][...])
        out.create_dataset("data/w", data=f["w"][...])
        out.create_dataset("uncertainties/std", data=1.0 / W)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    convert(sys.argv[1], sys.argv[2])
