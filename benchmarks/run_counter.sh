#!/bin/bash
# Per-task overhead of the farm's dynamic schedule on one host with each counter (rma, thread,
# server) at 1 and 2 ranks, REPEAT times each (the machine may be shared: take the best).
# Appends JSON lines (bench_farm's "duration" kind, 1 and 50 us tasks) to OUT
# (default benchmarks/results/counter.jsonl), each with "build": LABEL.
# usage: benchmarks/run_counter.sh BUILD_DIR [LABEL] [OUT] [REPEAT]
#   An older build without -farm_counter (LABEL before) runs its only counter, rma.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=$1 LABEL=${2:-after} OUT=${3:-$ROOT/benchmarks/results/counter.jsonl} REPEAT=${4:-5}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OPENBLAS_NUM_THREADS=1
counters=(rma thread server)
[ "$LABEL" = before ] && counters=(rma)
for _ in $(seq "$REPEAT"); do
  for p in 1 2; do
    for c in "${counters[@]}"; do
      mpiexec -n $p --bind-to none "$BUILD/benchmarks/bench_farm" -farm_schedule dynamic -farm_counter $c -options_left no \
        | grep -E '"kind": "duration".*"task_us": (1|50)\.0,' \
        | sed "s/^{/{\"build\": \"$LABEL\", \"counter_asked\": \"$c\", /" | tee -a "$OUT"
    done
  done
done
