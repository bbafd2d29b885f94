#!/usr/bin/env bash
# The scaling study of docs/scaling.md: strong and weak scaling of the tiled linear problem at 1, 2
# and 4 ranks on this host, strong scaling on 3 test hosts with 1 and 2 ranks each (when the
# machine can make network namespaces: root and iproute2), and reproducible against default
# reductions at 1, 2, 4 ranks and on the test hosts. Build first (scripts/test or scripts/demo).
#   benchmarks/run_scale_study.sh [OUT]     (default: benchmarks/results/scale)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$root/benchmarks/results/scale}
build=${METASIM_BUILD:-$root/build}
metasim=$build/apps/metasim
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OPENBLAS_NUM_THREADS=1 OMPI_MCA_mpi_yield_when_idle=1
mkdir -p "$out"
workload=(-- -tile_cells 2000 -tile_data 200)

"$metasim" scale --force --mode strong --ranks 1,2,4 --tiles 16 --repeat 7 --out "$out/strong" "${workload[@]}"
"$metasim" scale --force --mode weak --ranks 1,2,4 --tiles 4 --repeat 7 --out "$out/weak" "${workload[@]}"

# Reproducible over default reductions, the same run (bench_meta -reproducible), one JSON line per case.
: > "$out/reproducible.jsonl"
for np in 1 2 4; do
  mpiexec -n "$np" --oversubscribe "$build/benchmarks/bench_meta" -case b -maps window -reps 21 -reproducible >> "$out/reproducible.jsonl"
done

cluster=$root/tests/multihost/cluster.sh
name=study$$
name=${name:0:10}
if "$cluster" up "$name" 3 > /dev/null 2>&1; then
  trap '"$cluster" down "$name" > /dev/null 2>&1' EXIT
  "$metasim" scale --force --mode strong --ranks 1,2 --tiles 16 --repeat 7 --out "$out/hosts" \
    --launcher "$cluster mpirun $name 3 {np}" "${workload[@]}"
  for per_host in 1 2; do
    "$cluster" mpirun "$name" 3 "$per_host" "$build/benchmarks/bench_meta" -case b -maps window -reps 21 -reproducible >> "$out/reproducible.jsonl"
  done
else
  echo "run_scale_study.sh: no test hosts here (needs root and ip netns); one host only" >&2
fi
/usr/bin/python3 - "$out/reproducible.jsonl" <<'EOF'
import json, sys
print("reproducible / default (bench_meta case b, window maps):")
for line in open(sys.argv[1]):
    d = json.loads(line)
    ops = d["ops"]
    print("  ranks %d: jtvec %.2f  jtjdiag %.2f" % (d["ranks"], ops["jtvec"]["reproducible_over_default"], ops["jtjdiag"]["reproducible_over_default"]))
EOF
