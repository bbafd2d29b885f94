#!/usr/bin/env bash
# 8 dcr tiles on 4 ranks as 4 groups x 1 rank, 2 x 2 and 1 x 4 (each tile's grid distributed over
# its group): bench_scale's JSON records per operation, with the layout added, to the file given
# (default benchmarks/results/meta_groups.jsonl). Build first. DCR_N sets the tile grid
# (N x N x N/2 cells, default 16), REPEAT the timed repeats (default 3).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$root/benchmarks/results/meta_groups.jsonl}
bin=${METASIM_BUILD:-$root/build}/benchmarks/bench_scale
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OPENBLAS_NUM_THREADS=1
mkdir -p "$(dirname "$out")"
: > "$out"
for k in 1 2 4; do
  mpiexec -n 4 --oversubscribe --mca mpi_yield_when_idle 1 "$bin" -workload dcr -tiles 8 -dcr_n "${DCR_N:-16}" \
    -repeat "${REPEAT:-3}" -meta_group_size "$k" | sed "s/^{/{\"layout\": \"$((4 / k))x$k\", /" | tee -a "$out"
done
