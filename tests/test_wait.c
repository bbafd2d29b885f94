/* MSWait: a quiet wait completes the request and leaves the core while it waits; a spinning wait
   completes it too. Run at 2+ ranks: the last rank joins the collective late. */
#define _POSIX_C_SOURCE 200809L /* clock_gettime, nanosleep */
#include "mstest.h"
#include <time.h>

#define LATE_SECONDS 0.4

static double process_cpu_seconds(void)
{
  struct timespec ts;

  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* An allreduce that the last rank joins LATE_SECONDS late (sleeping, not working); returns the
   sum and this rank's wall-clock and processor seconds in the wait. */
static PetscErrorCode late_allreduce(MSWaitMode mode, int *sum, double *wall, double *cpu)
{
  MPI_Request req;
  int         one = 1;
  double      t0, c0;

  PetscFunctionBegin;
  if (ms_test_rank == ms_test_size - 1) {
    struct timespec ts = {0, (long)(LATE_SECONDS * 1e9)};

    nanosleep(&ts, NULL);
  }
  t0 = MPI_Wtime();
  c0 = process_cpu_seconds();
  PetscCallMPI(MPI_Iallreduce(&one, sum, 1, MPI_INT, MPI_SUM, PETSC_COMM_WORLD, &req));
  PetscCall(MSWait(mode, &req));
  *cpu  = process_cpu_seconds() - c0;
  *wall = MPI_Wtime() - t0;
  ck_assert_msg(req == MPI_REQUEST_NULL, "MSWait left the request active");
  PetscFunctionReturn(0);
}

START_TEST(quiet_wait_leaves_the_core)
{
  int    sum = 0;
  double wall, cpu;

  MSCK(late_allreduce(MS_WAIT_QUIET, &sum, &wall, &cpu));
  ck_assert_int_eq(sum, ms_test_size);
  /* the ranks that waited: most of the wait asleep (spinning would use about all of it) */
  if (ms_test_size > 1 && ms_test_rank < ms_test_size - 1) {
    ck_assert_msg(wall > 0.5 * LATE_SECONDS, "rank %d waited only %.3f s for a rank %.1f s late", ms_test_rank, wall, LATE_SECONDS);
    ck_assert_msg(cpu < 0.25 * wall, "rank %d used %.3f s of processor time in a quiet wait of %.3f s", ms_test_rank, cpu, wall);
  }
}
END_TEST

START_TEST(spin_wait_completes)
{
  int    sum = 0;
  double wall, cpu;

  MSCK(late_allreduce(MS_WAIT_SPIN, &sum, &wall, &cpu));
  ck_assert_int_eq(sum, ms_test_size);
}
END_TEST

START_TEST(meta_wait_option)
{
  MSMeta     meta;
  MSWaitMode mode;

  MSCK(MSMetaCreate(PETSC_COMM_WORLD, &meta));
  MSCK(MSMetaGetWaitMode(meta, &mode));
  ck_assert_int_eq(mode, MS_WAIT_QUIET); /* the default */
  MSCK(PetscOptionsSetValue(NULL, "-meta_wait", "spin"));
  MSCK(MSMetaSetFromOptions(meta));
  MSCK(PetscOptionsClearValue(NULL, "-meta_wait"));
  MSCK(MSMetaGetWaitMode(meta, &mode));
  ck_assert_int_eq(mode, MS_WAIT_SPIN);
  MSCK(MSMetaSetWaitMode(meta, MS_WAIT_QUIET));
  MSCK(MSMetaGetWaitMode(meta, &mode));
  ck_assert_int_eq(mode, MS_WAIT_QUIET);
  MSCK(MSMetaDestroy(&meta));
  /* (an unknown value is PETSc's own error inside its options block, which leaks the block's
     memory on that path; metasim eval and demo report it as one line) */
}
END_TEST

Suite *ms_test_suite(void)
{
  Suite *s  = suite_create("MSWait");
  TCase *tc = tcase_create("wait");

  tcase_add_test(tc, quiet_wait_leaves_the_core);
  tcase_add_test(tc, spin_wait_completes);
  tcase_add_test(tc, meta_wait_option);
  suite_add_tcase(s, tc);
  return s;
}
