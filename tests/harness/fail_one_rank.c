/* A suite that fails on purpose on the last rank only, to show the harness never hangs:
     fail_one_rank alone      - the check fails after the test's last collective: every rank
                                finishes, the ranks agree, the program exits 1
     fail_one_rank collective - the check fails before a collective the other ranks then wait in:
                                the failed rank aborts the job after -ms_test_agree_timeout s
   Run by tests/harness/one_rank_failure.sh, which checks the exit status, the time and the message. */
#include <string.h>
#include "mstest.h"

START_TEST(fails_alone)
{
  MSCK(MPI_Barrier(PETSC_COMM_WORLD));
  ck_assert_msg(ms_test_rank != ms_test_size - 1, "deliberate failure on rank %d alone", ms_test_rank);
}
END_TEST

START_TEST(fails_before_collective)
{
  ck_assert_msg(ms_test_rank != ms_test_size - 1, "deliberate failure on rank %d before a barrier", ms_test_rank);
  MSCK(MPI_Barrier(PETSC_COMM_WORLD));
}
END_TEST

Suite *ms_test_suite(void)
{
  Suite *s     = suite_create("harness");
  TCase *tc    = tcase_create("one_rank_failure");
  int    alone = ms_test_argc > 1 && !strcmp(ms_test_argv[1], "alone");

  tcase_add_test(tc, alone ? fails_alone : fails_before_collective);
  suite_add_tcase(s, tc);
  return s;
}
