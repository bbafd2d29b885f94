#!/usr/bin/python3
"""Draws the curve of a `metasim sweep` results file (/curve/x, /curve/y) as a PNG.

usage: scripts/plot_farm.py RESULTS.h5 OUT.png [--xlabel X] [--ylabel Y] [--title T]
Uses Debian's python3-h5py and python3-matplotlib (run with /usr/bin/python3).
"""
import argparse

import h5py
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("results")
    ap.add_argument("png")
    ap.add_argument("--xlabel", default="parameter")
    ap.add_argument("--ylabel", default="result")
    ap.add_argument("--title", default=None)
    args = ap.parse_args()
    with h5py.File(args.results, "r") as f:
        if "curve" not in f:
            raise SystemExit(f"{args.results} has no /curve group: this sweep's result is not a curve")
        x, y = f["curve/x"][()], f["curve/y"][()]
        status = f["status"][()]
    fig, ax = plt.subplots(figsize=(6, 4), dpi=120)
    ax.plot(x, y, lw=1.5)
    ax.set_xlabel(args.xlabel)
    ax.set_ylabel(args.ylabel)
    ax.set_title(args.title or f"{args.results}: {int((status == 1).sum())}/{status.size} tasks")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(args.png)
    print(f"wrote {args.png}")


if __name__ == "__main__":
    main()
