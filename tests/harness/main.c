/* Runs one Check suite under MPI: no fork (unsafe after MPI_Init), every rank runs every test,
   rank 0 prints the report, any rank's failure fails the program. */
#include <math.h>
#include <stdio.h>
#include "mstest.h"

PetscMPIInt ms_test_rank, ms_test_size;

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

  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  PetscCallMPI(MPI_Comm_rank(PETSC_COMM_WORLD, &ms_test_rank));
  PetscCallMPI(MPI_Comm_size(PETSC_COMM_WORLD, &ms_test_size));
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
  MPI_Allreduce(&failed, &total_failed, 1, MPI_INT, MPI_SUM, PETSC_COMM_WORLD);
  if (ms_test_rank == 0) printf("%d failed check(s) summed over %d rank(s)\n", total_failed, ms_test_size);
  PetscCall(PetscFinalize());
  return total_failed ? 1 : 0;
}
