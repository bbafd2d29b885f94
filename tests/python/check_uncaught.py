"""An exception nobody catches ends the whole run with a non-zero status and its traceback, never
a hang: raised on one rank only (before a collective call), and a simulation's exception raised
by metasim on every rank. check_uncaught.py MPIEXEC PYTHON."""
import subprocess
import sys

mpiexec, python = sys.argv[1:3]
ONE_RANK = """
import metasim
if metasim.rank() == 1:
    raise RuntimeError("only rank 1 fails")
with metasim.Pool() as pool:
    pool.map(abs, range(4))
"""
EVERY_RANK = """
import metasim, numpy as np
class Bad:
    n_data = 1
    def dpred(self, m, f=None):
        raise ArithmeticError("simulation 2 fails")
    Jvec = Jtvec = dpred
class Good(Bad):
    def dpred(self, m, f=None):
        return m[:1]
sims = [Good(), Good(), Bad()]
meta = metasim.MetaSimulation(sims, [metasim.IdentityMap(2)] * 3)
meta.dpred(np.zeros(2))
"""
for name, script, text in (("one rank", ONE_RANK, "RuntimeError: only rank 1 fails"),
                           ("every rank", EVERY_RANK, "ArithmeticError: simulation 2 fails")):
    for np_ in (1, 2):
        try:
            out = subprocess.run([mpiexec, "-n", str(np_), "--oversubscribe", python, "-c", script],
                                 capture_output=True, text=True, timeout=90)
        except subprocess.TimeoutExpired:
            sys.exit("%s, %d ranks: the run hung" % (name, np_))
        if np_ == 1 and name == "one rank":
            assert out.returncode == 0, out.stderr  # rank 0 alone does not fail
            continue
        assert out.returncode != 0, "%s, %d ranks: exit status 0" % (name, np_)
        assert text in out.stderr, "%s, %d ranks: no traceback:\n%s" % (name, np_, out.stderr)
        print("%s, %d ranks: exit %d with the traceback" % (name, np_, out.returncode))
