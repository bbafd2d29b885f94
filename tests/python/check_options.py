"""PETSC_OPTIONS and the command line reach metasim from Python: -meta_view prints the partition
and -meta_jtjdiag exact makes a sum's JtJ diagonal exact (at 1 and 2 ranks), the same from the
command line, and a bad value is refused. check_options.py MPIEXEC PYTHON."""
import os
import subprocess
import sys

mpiexec, python = sys.argv[1:3]
SCRIPT = """
import metasim, numpy as np
G = np.arange(6.0).reshape(2, 3)
with metasim.SumMetaSimulation([metasim.LinearSimulation(G)] * 3, [metasim.IdentityMap(3)] * 3) as meta:
    meta.getJtJdiag(np.ones(3))
    if metasim.rank() == 0:
        print("exact", meta.jtjdiag_exact)
"""


def run(np_, env_options, args=()):
    env = dict(os.environ, PETSC_OPTIONS=env_options)
    return subprocess.run([mpiexec, "-n", str(np_), "--oversubscribe", python, "-c", SCRIPT, *args],
                          capture_output=True, text=True, timeout=120, env=env)


for np_ in (1, 2):
    out = run(np_, "-meta_view -meta_jtjdiag exact")
    assert out.returncode == 0, out.stderr
    assert "partition over %d rank(s)" % np_ in out.stdout and "exact True" in out.stdout, out.stdout
out = run(1, "", ["-meta_jtjdiag", "exact"])  # sys.argv is PETSc's command line
assert out.returncode == 0 and "exact True" in out.stdout, out.stdout + out.stderr
out = run(1, "")
assert out.returncode == 0 and "exact False" in out.stdout and "partition" not in out.stdout, out.stdout
out = run(1, "-meta_jtjdiag sometimes")
assert out.returncode != 0 and "sometimes" in out.stderr, out.stderr
print("PETSC_OPTIONS (1 and 2 ranks) and argv options applied, a bad value refused")
