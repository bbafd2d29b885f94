/* Groups of ranks: the farm's communicator split into groups of K consecutive ranks, each of which
   runs one task at a time on its own communicator. The groups' first ranks (the leaders) take
   pieces from the schedule and deliver the outputs, exactly as single ranks do with K = 1; a
   leader tells its group each piece, and after each task the group agrees whether it failed.
   K = 1 is the plain farm: no communicator is created and no message passes inside a group.
   Waits inside a group spin briefly (the ranks of a collective task finish together), then sleep
   between polls, so a rank whose share of a task is small does not take a core from the others. */
#include "farm/farmimpl.h"

#define MS_FARM_GROUP_SPIN_S 50e-6

/* Collective on the farm's communicator: creates the groups (MSFarmSetUp() checked their size). */
PetscErrorCode MSFarmGroupsBegin(MSFarmRun *run)
{
  PetscMPIInt K = (PetscMPIInt)run->farm->group_size;

  PetscFunctionBegin;
  run->group_size  = K;
  run->group_rank  = run->rank % K;
  run->n_groups    = run->size / K;
  run->leader_rank = run->rank / K;
  if (K == 1) {
    run->group     = MPI_COMM_NULL;
    run->task_comm = PETSC_COMM_SELF;
    run->leaders   = run->comm;
    PetscFunctionReturn(0);
  }
  PetscCallMPI(MPI_Comm_split(run->comm, run->rank / K, run->rank, &run->group));
  PetscCallMPI(MPI_Comm_dup(run->group, &run->task_comm)); /* the task's messages never meet the farm's */
  PetscCallMPI(MPI_Comm_split(run->comm, run->group_rank == 0 ? 0 : MPI_UNDEFINED, run->rank, &run->leaders));
  PetscFunctionReturn(0);
}

/* Collective on the group: the leader's next piece (from the schedule) on every rank of it. */
PetscErrorCode MSFarmGroupShare(MSFarmRun *run, PetscInt *first, PetscInt *count, PetscInt *stride, PetscBool *more)
{
  int64_t     piece[4] = {*first, *count, *stride, *more};
  MPI_Request req;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Ibcast(piece, 4, MPI_INT64_T, 0, run->group, &req));
  PetscCall(MSWaitQuiet(&req, MS_FARM_GROUP_SPIN_S));
  *first  = (PetscInt)piece[0];
  *count  = (PetscInt)piece[1];
  *stride = (PetscInt)piece[2];
  *more   = piece[3] ? PETSC_TRUE : PETSC_FALSE;
  PetscFunctionReturn(0);
}

/* Collective on the group, after each task: the task failed if it failed on any rank of the
   group; the leader gets the message of the first rank it failed on. */
PetscErrorCode MSFarmGroupAgree(MSFarmRun *run, PetscBool *failed, char message[])
{
  int         mine = *failed ? run->group_rank : run->group_size, first;
  MPI_Request req;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Iallreduce(&mine, &first, 1, MPI_INT, MPI_MIN, run->group, &req));
  PetscCall(MSWaitQuiet(&req, MS_FARM_GROUP_SPIN_S));
  *failed = first < run->group_size ? PETSC_TRUE : PETSC_FALSE;
  if (*failed && first != 0) PetscCallMPI(MPI_Bcast(message, MS_FARM_MESSAGE_LEN, MPI_CHAR, first, run->group));
  PetscFunctionReturn(0);
}

/* Frees the communicators of the groups. */
PetscErrorCode MSFarmGroupsEnd(MSFarmRun *run)
{
  PetscFunctionBegin;
  if (run->group_size <= 1) PetscFunctionReturn(0);
  if (run->leaders != MPI_COMM_NULL) PetscCallMPI(MPI_Comm_free(&run->leaders));
  PetscCallMPI(MPI_Comm_free(&run->task_comm));
  PetscCallMPI(MPI_Comm_free(&run->group));
  PetscFunctionReturn(0);
}
