#!/usr/bin/env bash
# Runs the MSMeta benchmark at 1 and 2 ranks and writes JSON lines to the file given (default
# benchmarks/results/meta.jsonl). Build first (scripts/test or scripts/demo).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$root/benchmarks/results/meta.jsonl}
bin=${METASIM_BUILD:-$root/build}/benchmarks/bench_meta
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OPENBLAS_NUM_THREADS=1
mkdir -p "$(dirname "$out")"
: > "$out"
for np in 1 2; do
  mpiexec -n "$np" --oversubscribe --bind-to core "$bin" -case all -maps both -reps "${REPS:-41}" | tee -a "$out"
done
