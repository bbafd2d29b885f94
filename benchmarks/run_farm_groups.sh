#!/bin/bash
# Per-task overhead of MSFarm on groups of ranks: bench_farm's dynamic schedule, 1, 50 and 1000 us
# tasks, at 1 and 2 ranks with one rank per task, before (BASE_BUILD: a build of the commit before
# groups) and after (BUILD) in the same run, alternating, and with groups of 2 ranks (BUILD) at 2
# ranks (one group) and 4 ranks (two groups), where each task also does one MPI_Allreduce on its
# group and the baseline is the same tasks in a plain loop on each group (kind group_loop). REPEAT times each (the machine may be shared: the
# table takes the best). Appends JSON lines to OUT (default benchmarks/results/farm_groups.jsonl),
# each with "build": before or after, and prints the table of benchmarks/farm_groups_table.py.
# usage: benchmarks/run_farm_groups.sh BUILD_DIR BASE_BUILD_DIR [OUT] [REPEAT]
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=$1 BASE=$2 OUT=${3:-$ROOT/benchmarks/results/farm_groups.jsonl} REPEAT=${4:-3}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OPENBLAS_NUM_THREADS=1 OMPI_MCA_mpi_yield_when_idle=1
run() { # LABEL RANKS BUILD_DIR [options]
  local label=$1 p=$2 dir=$3
  shift 3
  mpiexec -n "$p" --oversubscribe --bind-to none "$dir/benchmarks/bench_farm" -farm_schedule dynamic -counts false -options_left no "$@" \
    | grep -E '"kind": "(duration|group_loop)".*"task_us": (1|50|1000)\.0,' \
    | sed "s/^{/{\"build\": \"$label\", /" | tee -a "$OUT"
}
for _ in $(seq "$REPEAT"); do
  for p in 1 2; do
    run before $p "$BASE"
    run after $p "$BUILD"
  done
  run after 2 "$BUILD" -farm_group_size 2
  run after 4 "$BUILD" -farm_group_size 2
done
/usr/bin/python3 "$ROOT/benchmarks/farm_groups_table.py" "$OUT"
