#!/usr/bin/env python3
"""Generates tests/data/bad/: one small file per kind of bad input, and EXPECTED, which lists
for each file the dataset (or text) the one-line error must name. Also good.h5, a valid problem.

Run from anywhere: python3 tests/data/make_bad_corpus.py  (needs h5py and numpy).
"""
import os
import sys

import h5py
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import msformat  # noqa: E402

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "bad")


def base(kind="stack"):
    return msformat.random_problem(kind=kind, n_sims=3, n_model=10, n_data=4, seed=7, sparse_every=0)


def write(name, problem=None, edit=None, **kw):
    path = os.path.join(OUT, name)
    msformat.write_problem(path, problem or base(), **kw)
    if edit:
        with h5py.File(path, "r+") as f:
            edit(f)
    return path


def main():
    os.makedirs(OUT, exist_ok=True)
    expected = []  # (file, text the error line must contain)

    write("good.h5")

    path = write("truncated.h5")
    size = os.path.getsize(path)
    with open(path, "r+b") as fh:
        fh.truncate(size // 2)
    expected.append(("truncated.h5", "truncated"))

    with open(os.path.join(OUT, "not_hdf5.h5"), "w") as fh:
        fh.write("this is a text file, not HDF5\n")
    expected.append(("not_hdf5.h5", "not an HDF5 file"))

    def wrong_dtype(f):
        G = f["sim_000001/G"][...]
        del f["sim_000001/G"]
        f.create_dataset("sim_000001/G", data=G.astype(np.float32))
    write("wrong_dtype.h5", edit=wrong_dtype)
    expected.append(("wrong_dtype.h5", "/sim_000001/G: wrong dtype"))

    def wrong_shape(f):
        G = f["sim_000002/G"][...]
        del f["sim_000002/G"]
        f.create_dataset("sim_000002/G", data=G[:, :-1])
    write("wrong_shape.h5", edit=wrong_shape)
    expected.append(("wrong_shape.h5", "/sim_000002/map: produces 4 entries but /sim_000002/G has 3 columns"))

    def missing(f):
        del f["sim_000001/map/step_0/indices"]
    write("missing_dataset.h5", edit=missing)
    expected.append(("missing_dataset.h5", "/sim_000001/map/step_0/indices: missing"))

    def negative(f):
        idx = f["sim_000000/map/step_0/indices"]
        idx[2] = -1
    write("negative_index.h5", edit=negative)
    expected.append(("negative_index.h5", "/sim_000000/map/step_0/indices: index -1 at position 2"))

    def out_of_range(f):
        idx = f["sim_000002/map/step_0/indices"]
        idx[0] = 10
    write("out_of_range_index.h5", edit=out_of_range)
    expected.append(("out_of_range_index.h5", "/sim_000002/map/step_0/indices: index 10 at position 0 is outside [0, 10)"))

    def nan_model(f):
        f["models/m"][3] = np.nan
    write("nan_model.h5", edit=nan_model)
    expected.append(("nan_model.h5", "/models/m: entry 3 is NaN or Inf"))

    def unknown_sim(f):
        f["sim_000001"].attrs["type"] = "magic"
    write("unknown_sim_type.h5", edit=unknown_sim)
    expected.append(("unknown_sim_type.h5", "/sim_000001: unknown simulation type \"magic\""))

    def unknown_map(f):
        f["sim_000000/map/step_0"].attrs["type"] = "warp"
    write("unknown_map_type.h5", edit=unknown_map)
    expected.append(("unknown_map_type.h5", "/sim_000000/map/step_0: unknown map type \"warp\""))

    write("newer_version.h5", format_version=2)
    expected.append(("newer_version.h5", "format_version 2 is newer than this metasim supports"))

    def empty(f):
        for i in range(3):
            del f["sim_%06d" % i]
        f.attrs["n_sims"] = np.int64(0)
    write("empty_problem.h5", edit=empty)
    expected.append(("empty_problem.h5", "empty problem"))

    def unequal(f):
        G = f["sim_000001/G"][...]
        del f["sim_000001/G"]
        f.create_dataset("sim_000001/G", data=np.vstack([G, G[:1]]))
    write("sum_unequal_data.h5", problem=base("sum"), edit=unequal)
    expected.append(("sum_unequal_data.h5", "/sim_000001/G: 5 rows, but the sum kind needs every simulation to have n_data = 4 rows"))

    def dcr_base():
        sims = [msformat.dcr_survey(cells=(4, 4, 3), n_sources=2, n_rx=2) for _ in range(2)]
        n = sims[0]["steps"][0]["n_in"]
        sims[1]["steps"] = [{"type": "sum", "n_in": n, "n_out": n, "terms": [
            [{"type": "linear", "n_in": n, "n_out": n, "A": 0.5 * np.eye(n), "b": np.zeros(n)}]] * 2}]
        return {"kind": "stack", "n_model": n, "n_data": 8, "sims": sims,
                "vectors": {"models/m": np.full(n, np.log(0.01))}}

    def dcr_edit(name, edit, text):
        write(name, problem=dcr_base(), edit=edit)
        expected.append((name, text))

    write("good_dcr.h5", problem=dcr_base())

    def set_edges(axis, edges):
        def edit(f):
            del f["sim_000001/grid/" + axis]
            f["sim_000001/grid/" + axis] = np.asarray(edges, dtype=np.float64)
        return edit
    dcr_edit("dcr_edges_not_increasing.h5", set_edges("y", [-1.0, -0.5, -0.5, 0.5, 1.0]),
             "/sim_000001/grid/y: edges must increase strictly, but edge 1 = -0.5 and edge 2 = -0.5")
    dcr_edit("dcr_edges_nan.h5", set_edges("x", [-1.0, -0.5, np.nan, 0.5, 1.0]),
             "/sim_000001/grid/x: entry 2 is NaN or Inf")
    dcr_edit("dcr_one_cell.h5", set_edges("z", [-1.0, 0.0]),
             "/sim_000001/grid/z: the grid needs at least 2 cells (3 edges) along z, got 1 cell(s)")

    def electrode_outside(f):
        f["sim_000000/sources/a"][1, 0] = 1.5
    dcr_edit("dcr_electrode_outside.h5", electrode_outside,
             "/sim_000000/sources/a: source 1 at (1.5, 0.1, 0.) lies outside the grid: x = 1.5 is not in [-1., 1.]")

    def missing_source(f):
        f["sim_000001/receivers/source"][3] = 2
    dcr_edit("dcr_receiver_missing_source.h5", missing_source,
             "/sim_000001/receivers/source: receiver 3 refers to source 2, which does not exist (2 sources)")

    def no_sources(f):
        for name in ("a", "current"):
            del f["sim_000000/sources/" + name]
        f["sim_000000/sources"].attrs["n_sources"] = np.int64(0)
    dcr_edit("dcr_no_sources.h5", no_sources, "/sim_000000/sources: no sources (n_sources = 0)")

    def sum_term_size(f):
        del f["sim_000001/map/step_0/term_1/step_0/A"]
        del f["sim_000001/map/step_0/term_1/step_0/b"]
        step = f["sim_000001/map/step_0/term_1/step_0"]
        step.attrs.update(type="projection", n_out=np.int64(5))
        step["indices"] = np.arange(5, dtype=np.int64)
    dcr_edit("sum_term_size.h5", sum_term_size,
             "/sim_000001/map/step_0/term_1: produces 5 entries but the sum step has n_out = 48")

    # Attributes of the wrong shape or class, and control characters in strings.
    def attr_edit(name, edit, text):
        write(name, edit=edit)
        expected.append((name, text))

    def set_attr(path, key, value):
        def edit(f):
            f[path].attrs[key] = value
        return edit
    attr_edit("attr_int_array.h5", set_attr("/", "format_version", np.array([1, 1], dtype=np.int64)),
              '/: attribute "format_version" must hold one value, found 2')
    attr_edit("attr_string_array.h5", set_attr("/", "kind", np.array(["stack", "sum"], dtype=h5py.string_dtype())),
              '/: attribute "kind" must hold one value, found 2')
    attr_edit("attr_fixed_string_array.h5", set_attr("sim_000001", "type", np.array([b"linear"] * 3, dtype="S6")),
              '/sim_000001: attribute "type" must hold one value, found 3')
    attr_edit("attr_float_count.h5", set_attr("/", "n_sims", 3.0),
              '/: attribute "n_sims" has the wrong type, expected an integer')
    attr_edit("attr_type_newline.h5", set_attr("sim_000001", "type", "lin\near"),
              '/sim_000001: unknown simulation type "lin\\near"')

    # Resource bombs: counts larger than what the file holds, deep or repeated map groups.
    attr_edit("n_steps_bomb.h5", set_attr("sim_000000/map", "n_steps", np.int64(2147483646)),
              "/sim_000000/map: n_steps = 2147483646 but the group holds 1 steps")
    attr_edit("n_sims_bomb.h5", set_attr("/", "n_sims", np.int64(1000000000)),
              "/: n_sims = 1000000000 but the file holds")

    def nest_sums(depth):
        def edit(f):
            first = f["sim_000000/map/step_0"]
            n_in, n_out = first.attrs["n_in"], first.attrs["n_out"]
            f.move("sim_000000/map/step_0", "inner")
            path = "sim_000000/map/step_0"
            for _ in range(depth):
                f.create_group(path).attrs.update(type="sum", n_terms=np.int64(1), n_in=n_in, n_out=n_out)
                f.create_group(path + "/term_0").attrs["n_steps"] = np.int64(1)
                path += "/term_0/step_0"
            f.move("inner", path)
        return edit
    attr_edit("sum_nested_deep.h5", nest_sums(40), "sum steps nested 33 deep, at most 32 are read")

    def linked_terms(f):
        step = f["sim_000000/map/step_0"]
        n_in, n_out = step.attrs["n_in"], step.attrs["n_out"]
        f.move("sim_000000/map/step_0", "inner")
        outer = f.create_group("sim_000000/map/step_0")
        outer.attrs.update(type="sum", n_terms=np.int64(2), n_in=n_in, n_out=n_out)
        term = outer.create_group("term_0")
        term.attrs["n_steps"] = np.int64(1)
        f.move("inner", "sim_000000/map/step_0/term_0/step_0")
        outer["term_1"] = term  # a second hard link to the same group
    attr_edit("sum_linked_terms.h5", linked_terms, "/sim_000000/map/step_0/term_0: the group has 2 links, expected one")

    def unwritten(f):
        shape = f["sim_000001/G"].shape
        del f["sim_000001/G"]
        f.create_dataset("sim_000001/G", shape=shape, dtype=np.float64)
    attr_edit("unwritten_dataset.h5", unwritten, "/sim_000001/G: the file stores 0 bytes of the")

    def many_sources(f):
        f["sim_000000/sources"].attrs["n_sources"] = np.int64(2000000000)
    dcr_edit("dcr_n_sources_bomb.h5", many_sources, "/sim_000000/sources/a: wrong shape, 2 x 3, expected 2000000000 x 3")

    def mesh_size(f):
        f["mesh/shape"] = np.array([3, 3], dtype=np.int64)
    write("mesh_wrong_size.h5", edit=mesh_size)
    expected.append(("mesh_wrong_size.h5", "/mesh/shape: 9 cells, expected n_model = 10"))

    with open(os.path.join(OUT, "EXPECTED"), "w") as fh:
        fh.write("# file|text the one error line must contain (besides the file name); generated by make_bad_corpus.py\n")
        for name, text in expected:
            fh.write("%s|%s\n" % (name, text))


if __name__ == "__main__":
    main()
