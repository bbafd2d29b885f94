#!/usr/bin/env bash
# Faults on the output path and bad command lines, for every command, at 1 and 3 ranks: a full
# disk (a small tmpfs), a read-only file system, a directory, an empty name, a missing
# directory, a long path, the input by every spelling, SIGKILL during a write, unknown options
# and values out of range, another sweep's file, a crafted farm file, a file in use. Every case
# must exit 1 on every rank with exactly one "metasim ..." line, no crash or hang, and leave no
# output or temporary file; inputs stay byte-identical. Also: identical runs give identical bytes.
# Needs root to mount tmpfs; exits 77 (skipped) when mounting is not allowed.
# usage: fault.sh METASIM MPIEXEC WORKDIR PYTHON3
set -u
metasim=$1 mpiexec=$2 work=$3 py=$4
rm -rf "$work" && mkdir -p "$work" && cd "$work" || exit 1
failures=0
fail() {
  echo "FAIL: $*"
  failures=$((failures + 1))
}

mkdir -p full ro
mount -t tmpfs -o size=256k tmpfs full 2> /dev/null || { echo "cannot mount tmpfs (not root?): skipped"; exit 77; }
mount -t tmpfs -o size=64k,ro tmpfs ro 2> /dev/null || { umount full; echo "cannot mount tmpfs: skipped"; exit 77; }
trap 'umount "$work/full" "$work/ro" 2> /dev/null' EXIT

run() { # run NP ARGS...: stderr in $log, status in $rc
  local np=$1
  shift
  log=$(timeout 120 "$mpiexec" -n "$np" --oversubscribe "$metasim" "$@" 2>&1 > /dev/null < /dev/null)
  rc=$?
}

# expect_error NP TEXT LEFTOVER-GLOB ARGS...: status 1, one error line containing TEXT, no PETSc
# banner or signal, nothing matching LEFTOVER-GLOB (space-separated globs) left behind.
expect_error() {
  local np=$1 text=$2 globs=$3 lines line
  shift 3
  run "$np" "$@"
  [ "$rc" -eq 124 ] && { fail "np=$np $*: hang"; return; }
  [ "$rc" -eq 1 ] || { fail "np=$np $*: exit status $rc, expected 1"; echo "$log" | tail -5; return; }
  lines=$(grep -c "^metasim" <<< "$log")
  [ "$lines" -eq 1 ] || { fail "np=$np $*: $lines error lines"; echo "$log" | tail -8; return; }
  line=$(grep "^metasim" <<< "$log")
  grep -qF -- "$text" <<< "$line" || { fail "np=$np $*: \"$line\" does not say \"$text\""; return; }
  grep -qE "PETSC ERROR|HDF5-DIAG|Signal:|exiting improperly" <<< "$log" && { fail "np=$np $*: crash, banner or dump"; echo "$log" | tail -8; return; }
  for g in $globs; do
    # shellcheck disable=SC2086
    ls -d $g > /dev/null 2>&1 && { fail "np=$np $*: left $(ls -d $g | tr '\n' ' ')"; return; }
  done
  echo "ok   np=$np $*: $line"
}

# A problem to read, and the file every spelling of it must protect.
run 1 demo --tiles 3 -o demo.h5 --write-problem in.h5
[ "$rc" -eq 0 ] || { fail "demo to make the input"; echo "$log"; exit 1; }
cp in.h5 in.orig
mkdir -p sub
ln -sf in.h5 link.h5
ln -f in.h5 hard.h5

for np in 1 3; do
  # full disk: results, problem and sweep files
  expect_error "$np" "not enough space" "full/*" demo --tiles 40 -o full/d.h5
  expect_error "$np" "" "full/p.h5*" demo --tiles 40 -o full/d.h5 --write-problem full/p.h5
  rm -f full/*
  expect_error "$np" "not enough space" "full/*" sweep squares -n 100000 -o full/s.h5
  dd if=/dev/zero of=full/filler bs=1k count=250 2> /dev/null # a disk already full
  expect_error "$np" "not enough space" "full/d.h5*" demo --tiles 2 -o full/d.h5
  expect_error "$np" "not enough space" "full/e.h5*" eval in.h5 -o full/e.h5 --ops dpred
  rm -f full/*
  # read-only file system, a directory, an empty name, a missing directory, a long path
  expect_error "$np" "is not writable" "ro/*" eval in.h5 -o ro/e.h5
  expect_error "$np" "is a directory" "sub/*.tmp-*" eval in.h5 -o sub
  expect_error "$np" "output file name is empty" "*.tmp-*" eval in.h5 -o ''
  expect_error "$np" "output file name is empty" "*.tmp-*" sweep squares -n 10 -o ''
  expect_error "$np" "does not exist" "nodir" eval in.h5 -o nodir/e.h5
  long=$(printf 'x%.0s' $(seq 230))
  expect_error "$np" "at most 200" "$long*" eval in.h5 -o "$long"
  # the input by every spelling
  for spelling in in.h5 ./in.h5 sub/../in.h5 "$work/in.h5" link.h5 hard.h5; do
    expect_error "$np" "same file" "*.tmp-*" eval in.h5 -o "$spelling"
  done
  cmp -s in.h5 in.orig || fail "np=$np: the input changed"
  expect_error "$np" "same file" "same.h5*" demo --tiles 2 -o same.h5 --write-problem ./same.h5
  expect_error "$np" "same file" "rec.h5*" sweep squares -n 10 -o rec.h5 -farm_record ./rec.h5
done
# command lines of every command (the checks run before anything collective: one rank count)
for np in 2; do
  expect_error "$np" "unknown command \"evl\" (did you mean eval?" "" evl in.h5
  expect_error "$np" "unknown option --tile (did you mean --tiles?)" "" demo --tile 4
  expect_error "$np" "--tiles 0: expected an integer in [1, 100000]" "" demo --tiles 0
  expect_error "$np" "unknown option --op (did you mean --ops?)" "" eval in.h5 -o e.h5 --op jvec
  expect_error "$np" "unexpected argument \"extra\"" "" info in.h5 extra
  expect_error "$np" "unknown option --verbose" "" info in.h5 --verbose
  expect_error "$np" "unknown option -meta_jtjdiagg (did you mean -meta_jtjdiag?)" "" info in.h5 -meta_jtjdiagg exact
  expect_error "$np" "unknown sweep \"nope\" (did you mean" "" sweep nope
  expect_error "$np" "-n -5: expected an integer in [1, 2147483647]" "" sweep squares -n -5
  expect_error "$np" "-n 2147483648: expected an integer" "" sweep squares -n 2147483648
  expect_error "$np" "-farm_seed 99999999999999999999: expected an integer in [0, 18446744073709551615]" "" sweep squares -n 10 -farm_seed 99999999999999999999
  expect_error "$np" "-farm_seed -1: expected" "" sweep squares -n 10 -farm_seed -1
  expect_error "$np" "-farm_chunk 99999999999: expected" "" sweep squares -n 10 -farm_chunk 99999999999
  expect_error "$np" "unknown option -farm_progres (did you mean -farm_progress?)" "" sweep squares -n 10 -farm_progres
  expect_error "$np" "unknown option -farm_sed (did you mean -farm_seed?)" "" sweep squares -n 10 -farm_sed 3
  expect_error "$np" "--delay-us x: expected an integer" "" sweep squares -n 10 --delay-us x
  expect_error "$np" "-farm_group_size 3 does not divide the 2 ranks" "" sweep squares -n 10 -farm_group_size 3
  expect_error "$np" "-farm_group_size 0: expected an integer in [1, 2147483647]" "" sweep squares -n 10 -farm_group_size 0
done

# -farm_chunk at the largest value and a 64-bit seed run (no overflow, no hang)
run 3 sweep squares -n 1000 -farm_chunk 2147483647 -farm_seed 99999999999
[ "$rc" -eq 0 ] || fail "sweep with -farm_chunk 2147483647: status $rc"

# sweep files: another sweep's file, a crafted one, an older one, one in use
run 2 sweep lif -n 3 -o lif.h5
[ "$rc" -eq 0 ] || fail "sweep lif: status $rc"
cp lif.h5 lif.orig
expect_error 2 "belongs to another sweep: sweep \"lif n=3\" in the file, \"hermitian n=2\" here" "" sweep hermitian -n 2 -o lif.h5 --resume
cmp -s lif.h5 lif.orig || fail "a refused resume changed the file"
run 2 sweep squares -n 200 -o sq.h5
"$py" - << 'PY' || fail "crafting farm files"
import shutil, h5py, numpy as np
shutil.copy("sq.h5", "long_status.h5")
with h5py.File("long_status.h5", "a") as f:
    del f["status"]
    f["status"] = np.zeros(5000, dtype=np.int8)
shutil.copy("sq.h5", "bad_failures.h5")
with h5py.File("bad_failures.h5", "a") as f:
    f["failures/index"] = np.array([5, 99999], dtype=np.int64)
    f["failures/message"] = np.array([b"x"] * 2, dtype="S256")
shutil.copy("sq.h5", "old.h5")
with h5py.File("old.h5", "a") as f:
    f.attrs["format_version"] = np.int32(1)
PY
expect_error 2 "/status of long_status.h5 does not have the shape" "" sweep squares -n 200 -o long_status.h5 --resume
expect_error 2 "holds task 99999, outside [0, 200)" "" sweep squares -n 200 -o bad_failures.h5 --resume
expect_error 2 "format version 1" "" sweep squares -n 200 -o old.h5 --resume
timeout 120 "$mpiexec" -n 1 "$metasim" sweep squares -n 400 -o busy.h5 --delay-us 20000 > /dev/null 2>&1 &
busy=$!
for _ in $(seq 100); do [ -f busy.h5 ] && break; sleep 0.1; done
sleep 1
expect_error 2 "busy.h5 is in use by another run" "" sweep squares -n 400 -o busy.h5 --resume
wait "$busy"
# a record file that cannot be opened leaves no results file
expect_error 2 "cannot open the record file" "norec.h5" sweep squares -n 10 -o norec.h5 -farm_record nodir/r.jsonl

# SIGKILL during a write: the output never appears half-written (only a temporary file may stay)
timeout 120 "$mpiexec" -n 2 --oversubscribe "$metasim" demo --tiles 3000 -o killed.h5 > /dev/null 2>&1 &
victim=$!
sleep 3
kill -9 "$victim" 2> /dev/null
wait "$victim" 2> /dev/null
[ -e killed.h5 ] && fail "a killed demo left killed.h5"

# identical runs give identical bytes
for d in a b; do
  mkdir -p "$d" && cp in.h5 "$d/"
  (cd "$d" && "$mpiexec" -n 2 --oversubscribe "$metasim" eval in.h5 -o e.h5 --ops dpred,jtvec > /dev/null 2>&1 &&
    "$mpiexec" -n 2 --oversubscribe "$metasim" sweep lif -n 4 -o s.h5 > /dev/null 2>&1) || fail "runs in $d"
  sleep 1.1 # HDF5 time stamps have a resolution of one second
done
cmp a/e.h5 b/e.h5 || fail "two identical evals differ"
cmp a/s.h5 b/s.h5 || fail "two identical sweeps differ"

echo "$failures failure(s)"
[ "$failures" -eq 0 ]
