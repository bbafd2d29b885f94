/* Collective agreement on local failures: every rank fails together, naming the simulation. */
#include "metaimpl.h"

/* After a local phase: if any rank had an error, every rank returns one that names the first
   failing simulation (lowest index), its rank and that rank's message, with its error code. */
PetscErrorCode MSMetaAgree(MSMeta meta, PetscErrorCode lerr, PetscInt sim, const char what[])
{
  struct {
    int index, rank;
  } in, out;
  int         code = (int)lerr;
  char        message[256] = "";
  MPI_Request req;

  PetscFunctionBegin;
  in.index = lerr ? (int)(sim >= 0 ? sim : PETSC_MAX_INT - 1) : PETSC_MAX_INT;
  in.rank  = meta->rank;
  /* the ranks whose local work is done wait here for the slowest: without taking a core from it */
  PetscCallMPI(MPI_Iallreduce(&in, &out, 1, MPI_2INT, MPI_MINLOC, meta->hdr.comm, &req));
  PetscCall(MSWait(meta->wait_mode, &req));
  if (out.index == PETSC_MAX_INT) PetscFunctionReturn(0);
  if (meta->rank == out.rank) {
    char *specific = NULL;

    PetscCall(PetscErrorMessage(code, NULL, &specific));
    if (specific) PetscCall(PetscStrncpy(message, specific, sizeof(message)));
  }
  PetscCallMPI(MPI_Bcast(&code, 1, MPI_INT, out.rank, meta->hdr.comm));
  PetscCallMPI(MPI_Bcast(message, sizeof(message), MPI_CHAR, out.rank, meta->hdr.comm));
  if (out.index == PETSC_MAX_INT - 1) SETERRQ(meta->hdr.comm, (PetscErrorCode)code, "MSMeta %s failed on rank %d: %s", what, out.rank, message);
  SETERRQ(meta->hdr.comm, (PetscErrorCode)code, "MSMeta %s failed in simulation %d on rank %d: %s", what, out.index, out.rank, message);
}

/* A check whose outcome may differ between ranks: all fail if any fails. */
PetscErrorCode MSMetaCheckAll(MSMeta meta, PetscBool ok, PetscErrorCode code, const char message[])
{
  PetscBool all;

  PetscFunctionBegin;
  PetscCall(MPIU_Allreduce(&ok, &all, 1, MPIU_BOOL, MPI_LAND, meta->hdr.comm));
  PetscCheck(all, meta->hdr.comm, code, "%s", message);
  PetscFunctionReturn(0);
}
