"""Spike count of a leaky integrate-and-fire network (Brian's CUBA benchmark, as `metasim sweep
lif`) swept over the excitatory weight with Pool.map, written the natural numpy way: 4000 neurons
(3200 excitatory, 800 inhibitory), 2% random connectivity, inhibitory weight -9 mV,
dv/dt = (ge + gi - (v + 49 mV)) / 20 ms, dge/dt = -ge / 5 ms, dgi/dt = -gi / 10 ms, threshold
-50 mV, reset -60 mV, v(0) uniform in [-60, -50] mV, 0.1 ms steps with exact exponential updates.
Every rank draws the same network from one seed, so the weight is the only difference between
tasks.

    mpiexec -n 3 python3 examples/python/lif_sweep.py [n_weights] [duration_ms] [plot.png]
"""
import sys

import numpy as np

import metasim

N, NE, P, WI, DT = 4000, 3200, 0.02, -9.0, 0.1
rng = np.random.default_rng(2024)
CONNECTED = rng.random((N, N)) < P  # CONNECTED[s, t]: s projects onto t
V0 = rng.uniform(-60.0, -50.0, N)


def spikes(we, steps):
    v, ge, gi = V0.copy(), np.zeros(N), np.zeros(N)
    dv, dge, dgi = np.exp(-DT / 20.0), np.exp(-DT / 5.0), np.exp(-DT / 10.0)
    count = 0
    for _ in range(steps):
        rest = ge + gi - 49.0
        v = rest + (v - rest) * dv
        ge *= dge
        gi *= dgi
        fired = np.flatnonzero(v > -50.0)
        if fired.size:
            v[fired] = -60.0
            count += fired.size
            exc, inh = fired[fired < NE], fired[fired >= NE]
            ge += we * CONNECTED[exc].sum(axis=0)
            gi += WI * CONNECTED[inh].sum(axis=0)
    return count


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 24
    steps = int(round((float(sys.argv[2]) if len(sys.argv) > 2 else 100.0) / DT))
    weights = [3.5 * k / (n - 1) for k in range(n)] if n > 1 else [0.0]
    with metasim.Pool() as pool:
        counts = pool.map(lambda we: spikes(we, steps), weights, chunksize=1)
    if metasim.rank() == 0:
        for we, c in zip(weights, counts):
            print("lif: weight %.4f mV, %d spikes in %g ms" % (we, c, steps * DT))
        if len(sys.argv) > 3:
            import matplotlib
            matplotlib.use("Agg")
            import matplotlib.pyplot as plt
            plt.plot(weights, counts, "o-")
            plt.xlabel("excitatory weight (mV)")
            plt.ylabel("spikes in %g ms" % (steps * DT))
            plt.savefig(sys.argv[3], dpi=100)


if __name__ == "__main__":
    main()
