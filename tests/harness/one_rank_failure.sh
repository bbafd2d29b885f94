#!/bin/bash
# A check that fails on one rank must fail the test on every rank quickly, never hang it.
# usage: one_rank_failure.sh FAIL_ONE_RANK MPIEXEC NP
#   alone:      the ranks agree after the test: exit 1, the summary counts one failed check
#   collective: the other ranks wait in a barrier the failed rank left: the job is aborted with a
#               message naming the rank and the check, well before the ctest timeout
set -u
prog=$1 mpiexec=$2 np=$3
last=$((np - 1))
failures=0
fail() {
  echo "FAIL: $*"
  failures=$((failures + 1))
}

# run MODE: sets rc, seconds and log
run() {
  local start=$SECONDS
  log=$(timeout 100 "$mpiexec" -n "$np" --oversubscribe "$prog" "$1" -ms_test_agree_timeout 3 2>&1 < /dev/null)
  rc=$? seconds=$((SECONDS - start))
  echo "== $1: exit $rc after $seconds s"
  echo "$log" | grep -v "^$"
}

run alone
[ "$rc" -eq 1 ] || fail "alone: exit status $rc, expected 1"
grep -q "^1 failed check(s) summed over $np rank(s)" <<< "$log" || fail "alone: no summary of one failed check"
grep -q "\[rank $last\] .*deliberate failure on rank $last alone" <<< "$log" || fail "alone: rank $last's failure is not reported"
grep -q "aborting the job" <<< "$log" && fail "alone: aborted although every rank finished the test"

run collective
[ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] || fail "collective: exit status $rc (124: hang)"
[ "$seconds" -le 30 ] || fail "collective: took $seconds s"
grep -q "\[rank $last\] .*deliberate failure on rank $last before a barrier" <<< "$log" || fail "collective: the failed check is not named"
grep -q "\[rank $last\] this check failed and the other ranks did not finish the test within 3 s" <<< "$log" || fail "collective: no abort message"

echo "$failures failure(s)"
[ "$failures" -eq 0 ]
