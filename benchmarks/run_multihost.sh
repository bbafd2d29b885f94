#!/bin/bash
# Figures of docs/cluster.md on the test hosts of tests/multihost/cluster.sh (root, ip netns):
#   ping-pong between 2 ranks on one host (shared memory) and on two hosts (TCP);
#   the mixed sweep of bench_farm (20 ms tasks, every 100th 1 s) on 3 hosts x 2 ranks with each
#   counter that works there (auto = thread, server; rma fails across hosts) and the static
#   cyclic schedule for comparison.
# Appends JSON lines to OUT (default benchmarks/results/multihost.jsonl).
# usage: benchmarks/run_multihost.sh BUILD_DIR [OUT]
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=$(cd "$1" && pwd) OUT=${2:-$ROOT/benchmarks/results/multihost.jsonl}
CLUSTER=$ROOT/tests/multihost/cluster.sh
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OPENBLAS_NUM_THREADS=1
name=bm$$
trap '"$CLUSTER" down $name' EXIT
"$CLUSTER" up $name 3 > /dev/null
run() { "$CLUSTER" mpirun $name "$@" 2> /dev/null | grep '^{' | tee -a "$OUT"; }
run 1 2 "$BUILD/benchmarks/bench_pingpong"
run 2 1 "$BUILD/benchmarks/bench_pingpong"
for counter in auto thread server; do
  run 3 2 "$BUILD/benchmarks/bench_farm" -mixed -farm_counter $counter
done
run 3 2 "$BUILD/benchmarks/bench_farm" -mixed -farm_schedule cyclic
