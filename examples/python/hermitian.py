"""A Hermitian matrix assembled entry by entry with Pool.starmap over (i, j <= i):
H[i][j] = sum_e w_e conj(phi_i(x_e)) phi_j(x_e), phi_k(x) = exp(i k x) / (1 + k x) on elements
x_e = (e + 1/2) / n_elem, w_e = 1 / n_elem; the upper triangle by conjugation (the same matrix as
`metasim sweep hermitian`).

    mpiexec -n 3 python3 examples/python/hermitian.py [n]
"""
import sys

import numpy as np

import metasim

N_ELEM = 2000
X = (np.arange(N_ELEM) + 0.5) / N_ELEM


def phi(k):
    return np.exp(1j * k * X) / (1 + k * X)


def entry(i, j):
    return complex(np.sum(np.conj(phi(i)) * phi(j)) / N_ELEM)


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 60
    pairs = [(i, j) for i in range(n) for j in range(i + 1)]
    with metasim.Pool() as pool:
        values = pool.starmap(entry, pairs, chunksize=20)
    H = np.zeros((n, n), dtype=complex)
    for (i, j), h in zip(pairs, values):
        H[i, j], H[j, i] = h, np.conj(h)
    if metasim.rank() == 0:
        print("hermitian: %d x %d matrix from %d tasks, trace %.15g, H[n-1][0] = %.6g%+.6gi"
              % (n, n, len(pairs), H.trace().real, H[n - 1, 0].real, H[n - 1, 0].imag))
        print("smallest eigenvalue %.6g (a Gram matrix: >= 0)" % np.linalg.eigvalsh(H)[0])


if __name__ == "__main__":
    main()
