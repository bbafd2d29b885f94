#!/usr/bin/env bash
# Runs `metasim info` and `metasim eval` on every file of the bad-input corpus at NP ranks.
# Each run must exit non-zero, print exactly one "metasim <cmd>: " line naming the file and the
# dataset listed in EXPECTED, finish (timeout), and leave no output file, finished or temporary.
# usage: bad_corpus.sh METASIM NP CORPUS_DIR WORK_DIR
set -u
metasim=$1 np=$2 corpus=$3 work=$4
mpirun=${MPIEXEC:-mpiexec}
mkdir -p "$work"
failures=0

fail() {
  echo "FAIL: $*"
  failures=$((failures + 1))
}

# check CMD FILE NAME TEXT OUT [args...]: runs the command and checks the rules above; the
# error line must contain NAME (when not empty) and TEXT.
check() {
  local cmd=$1 file=$2 name=$3 text=$4 out=$5
  shift 5
  rm -f "$out" "$out".tmp-*
  local log rc lines
  log=$(timeout 60 "$mpirun" -n "$np" --oversubscribe "$metasim" "$cmd" "$file" "$@" 2>&1 < /dev/null)
  rc=$?
  [ "$rc" -eq 124 ] && { fail "$cmd $file: timed out (hang)"; return; }
  [ "$rc" -ne 0 ] || { fail "$cmd $file: exit status 0"; return; }
  lines=$(grep -c "^metasim $cmd: " <<< "$log")
  [ "$lines" -eq 1 ] || { fail "$cmd $file: $lines error lines, expected 1:"; echo "$log"; return; }
  local line
  line=$(grep "^metasim $cmd: " <<< "$log")
  [ -z "$name" ] || grep -qF -- "$name" <<< "$line" || { fail "$cmd $file: the error line does not name $name: $line"; return; }
  grep -qF -- "$text" <<< "$line" || { fail "$cmd $file: the error line does not contain \"$text\": $line"; return; }
  grep -q "PETSC ERROR" <<< "$log" && { fail "$cmd $file: a PETSc error banner was printed"; return; }
  ls "$out" "$out".tmp-* > /dev/null 2>&1 && { fail "$cmd $file: an output file was left behind"; return; }
  echo "ok   np=$np $cmd $(basename "$file"): $line"
}

while IFS='|' read -r name text; do
  case "$name" in "#"* | "") continue ;; esac
  check info "$corpus/$name" "$name" "$text" "$work/none.h5"
  check eval "$corpus/$name" "$name" "$text" "$work/out-$name" -o "$work/out-$name" --ops dpred,jtvec,jtjdiag
done < "$corpus/EXPECTED"

# An output path that cannot be written: one line naming it, no file.
check eval "$corpus/good.h5" "no-such-dir/out.h5" "does not exist" "$work/no-such-dir/out.h5" -o "$work/no-such-dir/out.h5"
# Unknown operation and missing arguments are one-line errors too.
check eval "$corpus/good.h5" "" "unknown operation \"fly\"" "$work/out.h5" -o "$work/out.h5" --ops dpred,fly
# A good file passes, and its output appears.
rm -f "$work/good-out.h5"
timeout 60 "$mpirun" -n "$np" --oversubscribe "$metasim" eval "$corpus/good.h5" -o "$work/good-out.h5" --ops dpred,jvec,jtvec,jtjdiag > /dev/null 2>&1 < /dev/null \
  || fail "eval good.h5 failed"
[ -f "$work/good-out.h5" ] || fail "eval good.h5 wrote no output"

echo "$failures failure(s)"
[ "$failures" -eq 0 ]
