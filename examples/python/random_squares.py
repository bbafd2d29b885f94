"""Squares of seeded random integers in [0, 10), one task per seed: multiprocessing.Pool's map,
run over MPI ranks. The same numbers whatever the rank count.

    mpiexec -n 3 python3 examples/python/random_squares.py [n_tasks]
"""
import sys

import numpy as np

import metasim


def square(seed):
    k = np.random.default_rng(seed).integers(0, 10)
    return int(k * k)


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
    with metasim.Pool() as pool:
        squares = pool.map(square, range(n), chunksize=500)
    # or with the pool's own streams: task i gets an rng keyed by (seed, i)
    with metasim.Pool(seed=7) as pool:
        streamed = pool.map(lambda i, rng: int(rng.integers(0, 10)) ** 2, range(n), chunksize=500)
    if metasim.rank() == 0:
        print("squares: %d tasks, sum %d, mean %.6f (expected 28.5)" % (n, sum(squares), np.mean(squares)))
        print("first ten:", squares[:10])
        print("seed=7 streams: sum %d, mean %.6f" % (sum(streamed), np.mean(streamed)))


if __name__ == "__main__":
    main()
