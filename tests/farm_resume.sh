#!/bin/bash
# kill -9 one rank of a running sweep, resume it on another rank count and schedule, and check
# the final /results, /status and attributes are bitwise equal to an uninterrupted run.
# usage: farm_resume.sh METASIM MPIEXEC WORKDIR
set -euo pipefail
METASIM=$1 MPIEXEC=$2 WORK=$3
N=4000
PY=/usr/bin/python3
rm -rf "$WORK" && mkdir -p "$WORK" && cd "$WORK"

"$MPIEXEC" -n 2 --oversubscribe "$METASIM" sweep squares -n $N -o ref.h5 -farm_seed 7 > ref.log

"$MPIEXEC" -n 3 --oversubscribe "$METASIM" sweep squares -n $N -o run.h5 -farm_seed 7 --delay-us 2000 \
  -farm_chunk 20 -farm_record run.jsonl > run.log 2>&1 &
mpiexec_pid=$!
for _ in $(seq 600); do # wait (up to 60 s) until a few hundred tasks are recorded
  [ -f run.jsonl ] && [ "$(wc -l < run.jsonl)" -ge 600 ] && break
  sleep 0.1
done
victim=$(pgrep -P "$mpiexec_pid" | tail -n 1)
[ -n "$victim" ] || { echo "FAIL: no rank process found under mpiexec $mpiexec_pid"; exit 1; }
echo "killing rank process $victim with SIGKILL after $(wc -l < run.jsonl) recorded tasks"
kill -9 "$victim"
if wait "$mpiexec_pid"; then echo "FAIL: the killed sweep exited 0"; exit 1; fi

$PY - <<'PY'
import h5py
s = h5py.File("run.h5", "r")["status"][()]
done = int((s == 1).sum())
print(f"after kill -9: {done} of {s.size} tasks done")
assert 0 < done < s.size, "the kill must leave a partial file"
PY

"$MPIEXEC" -n 2 --oversubscribe "$METASIM" sweep squares -n $N -o run.h5 -farm_seed 7 --resume -farm_schedule cyclic > resume.log
cat resume.log

$PY - <<'PY'
import h5py
a, b = h5py.File("ref.h5", "r"), h5py.File("run.h5", "r")
for name in ("results", "status"):
    x, y = a[name][()], b[name][()]
    assert x.dtype == y.dtype and x.shape == y.shape and x.tobytes() == y.tobytes(), f"/{name} differs"
for key in a.attrs:
    assert a.attrs[key] == b.attrs[key], f"attribute {key} differs"
assert set(a.attrs) == set(b.attrs) and set(a) == set(b), "file layouts differ"
print("resumed file is bitwise equal to the uninterrupted run")
PY
# a resume with another seed is refused and leaves the file untouched
cp run.h5 before.h5
if "$MPIEXEC" -n 2 --oversubscribe "$METASIM" sweep squares -n $N -o run.h5 -farm_seed 8 --resume > foreign.log 2>&1; then
  echo "FAIL: resuming with another seed succeeded"; exit 1
fi
grep -q "belongs to another sweep" foreign.log || { echo "FAIL: no clear message"; cat foreign.log; exit 1; }
cmp before.h5 run.h5
echo PASS
