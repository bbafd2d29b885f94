#!/bin/bash
# Runs bench_farm (MSFarm, dynamic schedule) and the multiprocessing.Pool baseline at 1 and 2
# ranks/processes, writes all JSON lines to OUT.jsonl and draws OUT.png.
# usage: benchmarks/run_farm.sh BUILD_DIR [OUT]   (default OUT: docs/farm/bench)
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=$1 OUT=${2:-$ROOT/docs/farm/bench}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OPENBLAS_NUM_THREADS=1
: > "$OUT.jsonl"
for p in 1 2; do
  mpiexec -n $p --oversubscribe --bind-to none "$BUILD/benchmarks/bench_farm" -farm_schedule dynamic | tee -a "$OUT.jsonl"
  /usr/bin/python3 "$ROOT/benchmarks/farm_pool_baseline.py" $p | tee -a "$OUT.jsonl"
done
/usr/bin/python3 "$ROOT/scripts/plot_farm_bench.py" "$OUT.jsonl" "$OUT.png"
