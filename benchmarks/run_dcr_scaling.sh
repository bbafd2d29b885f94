#!/usr/bin/env bash
# Strong scaling within one simulation: one MSSIMDCR tile of about 2e5 cells (-n 74: 74 x 74 x 37
# = 202612 cells, 4 pole sources) run by bench_dcr on 1, 2 and 4 ranks of one communicator.
# Writes one JSON line per rank count to the file given (default
# benchmarks/results/dcr_scaling.jsonl) and prints time per source, speed-up and parallel
# efficiency t_1 / (P t_P). Build first (scripts/test or scripts/demo).
# Environment: RANKS (default "1 2 4"), N (74), REPS (5), and any solver options in DCR_OPTS.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$root/benchmarks/results/dcr_scaling.jsonl}
bin=${METASIM_BUILD:-$root/build}/benchmarks/bench_dcr
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OPENBLAS_NUM_THREADS=1
export OMPI_MCA_mpi_yield_when_idle=1
mkdir -p "$(dirname "$out")"
: > "$out"
for np in ${RANKS:-1 2 4}; do
  # shellcheck disable=SC2086
  mpiexec -n "$np" --oversubscribe "$bin" -n "${N:-74}" -reps "${REPS:-5}" ${DCR_OPTS:-} \
    | python3 -c 'import json, sys; [print(json.dumps(r)) for r in json.load(sys.stdin)["results"]]' >> "$out"
done
python3 - "$out" <<'PY'
import json, sys
rows = [json.loads(line) for line in open(sys.argv[1])]
base = next(r for r in rows if r["ranks"] == 1)["metasim_s_per_source"] if any(r["ranks"] == 1 for r in rows) else None
print("ranks  cells   solver            its  s/source  speed-up  efficiency")
for r in rows:
    t = r["metasim_s_per_source"]
    solver = r["ksp"] + "+" + (r["factor_package"] if r["factor_package"] != "none" else r["pc"])
    su = base / t if base else float("nan")
    print(f'{r["ranks"]:5d}  {r["cells"]:6d}  {solver:16s}  {r["iterations"]:3d}  {t:.3e}  {su:8.2f}  {su / r["ranks"]:10.2f}')
PY
