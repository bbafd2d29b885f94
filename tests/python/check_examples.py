"""Runs the examples in examples/python serially and under mpiexec -n 3 and checks the outputs are identical
(apart from the rank count) and right: check_examples.py EXAMPLES_DIR MPIEXEC PYTHON."""
import re
import subprocess
import sys

folder, mpiexec, python = sys.argv[1:4]


def run(script, np_):
    cmd = [mpiexec, "-n", str(np_), "--oversubscribe", python, "%s/%s" % (folder, script)] + ARGS[script]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    if out.returncode:
        sys.exit("%s at %d rank(s) failed:\n%s%s" % (script, np_, out.stdout, out.stderr))
    return re.sub(r"on \d+ rank\(s\)", "on N rank(s)", out.stdout)


def number(text, label):
    return float(re.search(re.escape(label) + r"\s*([-0-9.e]+)", text).group(1))


ARGS = {"random_squares.py": ["2000"], "tiled_inversion.py": [], "hermitian.py": ["40"],
        "lif_sweep.py": ["3", "30"], "bins_join.py": []}
out = {}
for script in ARGS:
    serial, parallel = run(script, 1), run(script, 3)
    if serial != parallel:
        sys.exit("%s: 1 and 3 ranks differ:\n%s\n---\n%s" % (script, serial, parallel))
    print(serial, end="")
    out[script] = serial

squares = out["random_squares.py"]
assert abs(number(squares, "mean") - 28.5) < 1.0, squares
assert "first ten: [64, 16, 64, 64, 49, 36, 16, 81, 49, 16]" in squares  # default_rng(0..9)
inversion = out["tiled_inversion.py"]
assert number(inversion, "= ") < 0.012, inversion  # misfit below the noise level
assert number(inversion, "||m - m_true|| / ||m_true|| =") < 0.15, inversion
hermitian = out["hermitian.py"]
# the trace in closed form: sum_k sum_e w_e / (1 + k x_e)^2
x = [(e + 0.5) / 2000 for e in range(2000)]
trace = sum(sum(1.0 / (1 + k * xe) ** 2 for xe in x) / 2000 for k in range(40))
assert abs(number(hermitian, "trace") - trace) < 1e-9 * trace, (hermitian, trace)
assert number(hermitian, "smallest eigenvalue") > -1e-12, hermitian
counts = [int(c) for c in re.findall(r"mV, (\d+) spikes", out["lif_sweep.py"])]
assert len(counts) == 3 and counts[0] < counts[1] < counts[2], out["lif_sweep.py"]  # more drive, more spikes
assert number(out["bins_join.py"], "max |curve - exact| =") < 0.2, out["bins_join.py"]  # 4 sigma
print("examples: identical at 1 and 3 ranks, squares mean and inversion recovery as expected")
