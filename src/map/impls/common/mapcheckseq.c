/* The one-rank check of map types that index into their input and output arrays. */
#include "mapimplutils.h"

PetscErrorCode MSMapCheckSequential(MSMap map)
{
  PetscMPIInt size;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_size(map->hdr.comm, &size));
  PetscCheck(size == 1, map->hdr.comm, PETSC_ERR_SUP, "MSMap type %s acts on a rank's local model: create it on PETSC_COMM_SELF, not on a communicator of %d ranks", map->hdr.type_name, size);
  PetscFunctionReturn(0);
}
