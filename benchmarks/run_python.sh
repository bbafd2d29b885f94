#!/bin/bash
# The Python benchmarks side by side in one run: MetaSimulation vs a plain loop (1 rank), and
# metasim.Pool vs multiprocessing.Pool at 1 and 2 ranks/processes, all JSON lines to OUT.
# usage: benchmarks/run_python.sh BUILD_DIR [OUT]   (default OUT: benchmarks/results/python.jsonl)
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=$(cd "$1" && pwd) OUT=${2:-$ROOT/benchmarks/results/python.jsonl}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OPENBLAS_NUM_THREADS=1
export PYTHONPATH=$ROOT/python METASIM_LIBRARY=$BUILD/src/libmetasim.so
BENCH=$ROOT/benchmarks/bench_python.py
: > "$OUT"
mpiexec -n 1 --bind-to none /usr/bin/python3 "$BENCH" meta | tee -a "$OUT"
for p in 1 2; do
  mpiexec -n $p --oversubscribe --bind-to none /usr/bin/python3 "$BENCH" pool | tee -a "$OUT"
  /usr/bin/python3 "$BENCH" pool --multiprocessing $p | tee -a "$OUT"
done
