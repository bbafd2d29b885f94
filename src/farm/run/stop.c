/* -farm_max_failures: once that many tasks have failed, ranks stop running tasks. Rank 0 counts
   every failure as batches arrive and sends each worker one empty message; a worker also stops
   at once when its own failures reach the limit. Stopped ranks still take their pieces from the
   schedule and report each task as skipped, so every counter and collection ends as usual; the
   skipped tasks keep their status (missing, or failed from an earlier run) for the next run. */
#include "farm/farmimpl.h"

#define MS_FARM_STOP_TAG 7302

PetscErrorCode MSFarmStopNote(MSFarmRun *run)
{
  PetscFunctionBegin;
  if (!run->farm->max_failures || run->stop_sent || run->n_failed_now < run->farm->max_failures) PetscFunctionReturn(0);
  run->stop      = PETSC_TRUE;
  run->stop_sent = PETSC_TRUE;
  PetscCall(PetscMalloc1(run->size, &run->stop_reqs));
  for (PetscMPIInt r = 1; r < run->size; r++) PetscCallMPI(MPI_Isend(NULL, 0, MPI_BYTE, r, MS_FARM_STOP_TAG, run->comm, &run->stop_reqs[r]));
  PetscFunctionReturn(0);
}

PetscErrorCode MSFarmStopCheck(MSFarmRun *run, PetscBool *skip)
{
  PetscFunctionBegin;
  *skip = PETSC_FALSE;
  if (!run->farm->max_failures) PetscFunctionReturn(0);
  if (run->n_failed_now >= run->farm->max_failures) run->stop = PETSC_TRUE;
  if (run->rank && !run->stop_sent) { /* on a worker, stop_sent says rank 0's message arrived */
    int flag;

    PetscCallMPI(MPI_Iprobe(0, MS_FARM_STOP_TAG, run->comm, &flag, MPI_STATUS_IGNORE));
    if (flag) {
      PetscCallMPI(MPI_Recv(NULL, 0, MPI_BYTE, 0, MS_FARM_STOP_TAG, run->comm, MPI_STATUS_IGNORE));
      run->stop = run->stop_sent = PETSC_TRUE;
    }
  }
  *skip = run->stop;
  PetscFunctionReturn(0);
}

/* After the collection: every stop message is received, and every rank knows how many tasks
   were skipped. */
PetscErrorCode MSFarmStopFinish(MSFarmRun *run)
{
  int     sent = run->rank ? 0 : (int)run->stop_sent;
  int64_t skipped = run->n_skipped;

  PetscFunctionBegin;
  run->farm->n_skipped = 0;
  if (!run->farm->max_failures) PetscFunctionReturn(0);
  PetscCallMPI(MPI_Bcast(&sent, 1, MPI_INT, 0, run->comm));
  if (run->rank && sent && !run->stop_sent) PetscCallMPI(MPI_Recv(NULL, 0, MPI_BYTE, 0, MS_FARM_STOP_TAG, run->comm, MPI_STATUS_IGNORE));
  if (!run->rank && sent) PetscCallMPI(MPI_Waitall(run->size - 1, run->stop_reqs + 1, MPI_STATUSES_IGNORE));
  PetscCall(PetscFree(run->stop_reqs));
  PetscCallMPI(MPI_Bcast(&skipped, 1, MPI_INT64_T, 0, run->comm));
  run->farm->n_skipped = (PetscInt)skipped;
  PetscFunctionReturn(0);
}
