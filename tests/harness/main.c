/* Runs one Check suite under MPI: no fork (unsafe after MPI_Init), every rank runs every test,
   rank 0 prints the report, any rank's failure fails the program. After each test the ranks
   agree on whether a check failed anywhere; a rank whose check failed waits at most
   -ms_test_agree_timeout seconds (default 20) for the others, then aborts the job with a message:
   they are then waiting in a collective it left, and would otherwise hang until the ctest timeout. */
#define _POSIX_C_SOURCE 200809L /* nanosleep */
#define MS_TEST_HARNESS
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <time.h>
#include "mstest.h"

PetscMPIInt ms_test_rank, ms_test_size;
int         ms_test_argc;
char      **ms_test_argv;

static MPI_Comm  agree_comm = MPI_COMM_NULL; /* the harness's own: never meets a test's collectives */
static PetscReal agree_timeout = 20;
static int       failed_here, failed_anywhere; /* this test: a check failed on this rank, on any rank */
static char      failure[1024];               /* this rank's first failed check of this test */

void ms_test_check_failed(const char *file, int line, const char *expr, const char *msg, ...)
{
  char text[sizeof(failure) - 64];

  if (msg) {
    va_list ap;

    va_start(ap, msg);
    vsnprintf(text, sizeof(text), msg, ap);
    va_end(ap);
  } else snprintf(text, sizeof(text), "%s", expr);
  if (!failed_here) snprintf(failure, sizeof(failure), "%s:%d: %s", file, line, text);
  failed_here = 1;
  _ck_assert_failed(file, line, expr, "%s", text);
}

static void AgreeBegin(void)
{
  failed_here = 0;
  failure[0]  = 0;
}

/* Every rank after every test, passed or failed: one all-reduce of the failure flag. */
static void AgreeEnd(void)
{
  const struct timespec pause = {0, 1000000};
  MPI_Request           req;
  double                start = MPI_Wtime();
  int                   done  = 0;

  if (ms_test_size == 1) return;
  MPI_Iallreduce(&failed_here, &failed_anywhere, 1, MPI_INT, MPI_MAX, agree_comm, &req);
  for (;;) {
    MPI_Test(&req, &done, MPI_STATUS_IGNORE);
    if (done) break;
    if (failed_here && MPI_Wtime() - start > agree_timeout) {
      fprintf(stderr, "[rank %d] %s\n[rank %d] this check failed and the other ranks did not finish the test within %g s (they wait in a collective this rank left): aborting the job\n", ms_test_rank, failure, ms_test_rank, (double)agree_timeout);
      fflush(stderr);
      MPI_Abort(MPI_COMM_WORLD, 1);
    }
    nanosleep(&pause, NULL);
  }
}

TCase *ms_test_tcase_create(const char *name)
{
  TCase *tc = tcase_create(name);

  tcase_add_checked_fixture(tc, AgreeBegin, AgreeEnd);
  return tc;
}

PetscErrorCode ms_test_vec_rel_diff(Vec x, Vec y, PetscReal *rel)
{
  Vec       diff;
  PetscReal nd, ny;

  PetscFunctionBegin;
  PetscCall(VecDuplicate(x, &diff));
  PetscCall(VecWAXPY(diff, -1.0, y, x));
  PetscCall(VecNorm(diff, NORM_INFINITY, &nd));
  PetscCall(VecNorm(y, NORM_INFINITY, &ny));
  *rel = nd / PetscMax(ny, 1e-300);
  PetscCall(VecDestroy(&diff));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_test_vec_fill(Vec v, PetscInt seed)
{
  PetscScalar *a;
  PetscInt     lo, hi;

  PetscFunctionBegin;
  PetscCall(VecGetOwnershipRange(v, &lo, &hi));
  PetscCall(VecGetArray(v, &a));
  for (PetscInt i = lo; i < hi; i++) a[i - lo] = sin(0.7 * (double)i + 1.3 * (double)seed) + 0.1 * cos(3.1 * (double)(i * (seed + 1)));
  PetscCall(VecRestoreArray(v, &a));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  SRunner *sr;
  int      failed, total_failed;

  PETSC_MPI_THREAD_REQUIRED = MPI_THREAD_MULTIPLE; /* as the metasim command: the farm's counter thread */
  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  ms_test_argc = argc;
  ms_test_argv = argv;
  PetscCallMPI(MPI_Comm_rank(PETSC_COMM_WORLD, &ms_test_rank));
  PetscCallMPI(MPI_Comm_size(PETSC_COMM_WORLD, &ms_test_size));
  PetscCallMPI(MPI_Comm_dup(PETSC_COMM_WORLD, &agree_comm));
  PetscCall(PetscOptionsGetReal(NULL, NULL, "-ms_test_agree_timeout", &agree_timeout, NULL));
  sr = srunner_create(ms_test_suite());
  srunner_set_fork_status(sr, CK_NOFORK);
  srunner_run_all(sr, ms_test_rank == 0 ? CK_NORMAL : CK_SILENT);
  failed = srunner_ntests_failed(sr);
  if (ms_test_rank != 0 && failed) {
    TestResult **results = srunner_failures(sr);

    for (int i = 0; i < failed; i++) fprintf(stderr, "[rank %d] %s:%d: %s\n", ms_test_rank, tr_lfile(results[i]), tr_lno(results[i]), tr_msg(results[i]));
    free(results);
  }
  srunner_free(sr);
  PetscCallMPI(MPI_Comm_free(&agree_comm));
  MPI_Allreduce(&failed, &total_failed, 1, MPI_INT, MPI_SUM, PETSC_COMM_WORLD);
  if (ms_test_rank == 0) printf("%d failed check(s) summed over %d rank(s)\n", total_failed, ms_test_size);
  PetscCall(PetscFinalize());
  return total_failed ? 1 : 0;
}
