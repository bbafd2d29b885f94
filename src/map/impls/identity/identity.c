/* MSMAPIDENTITY: u = m. */
#include <metasim/impl/mapimpl.h>

static PetscErrorCode MSMapApply_Identity(MSMap map, Vec m, Vec u)
{
  PetscFunctionBegin;
  PetscCall(VecCopy(m, u));
  PetscFunctionReturn(0);
}

static PetscErrorCode MSMapProduct_Identity(MSMap map, Vec m, Vec x, Vec y)
{
  PetscFunctionBegin;
  PetscCall(VecCopy(x, y));
  PetscFunctionReturn(0);
}

static PetscErrorCode MSMapSetUp_Identity(MSMap map)
{
  PetscFunctionBegin;
  PetscCheck(map->n_in == map->n_out, map->hdr.comm, PETSC_ERR_ARG_SIZ, "MSMAPIDENTITY needs equal sizes, got n_in %" PetscInt_FMT " and n_out %" PetscInt_FMT, map->n_in, map->n_out);
  PetscFunctionReturn(0);
}

/*MC
  MSMAPIDENTITY - "identity": u = m. Set the length with `MSMapSetSizes(map, n, n)`.

  Level: beginner

.seealso: `MSMapCreateIdentity()`
M*/
PETSC_INTERN PetscErrorCode MSMapCreate_Identity(MSMap map)
{
  PetscFunctionBegin;
  map->ops->apply        = MSMapApply_Identity;
  map->ops->jvec         = MSMapProduct_Identity;
  map->ops->jtvec        = MSMapProduct_Identity;
  map->ops->squaredjtvec = MSMapProduct_Identity;
  map->ops->setup        = MSMapSetUp_Identity;
  map->singleton_columns = PETSC_TRUE;
  PetscFunctionReturn(0);
}

/*@C
  MSMapCreateIdentity - creates and sets up an identity map of length n

  Collective

  Input Parameters:
+ comm - the communicator, usually `PETSC_COMM_SELF`
- n    - the model length

  Output Parameter:
. map - the map

  Level: beginner

.seealso: `MSMAPIDENTITY`
@*/
PetscErrorCode MSMapCreateIdentity(MPI_Comm comm, PetscInt n, MSMap *map)
{
  PetscFunctionBegin;
  PetscCall(MSMapCreate(comm, map));
  PetscCall(MSMapSetType(*map, MSMAPIDENTITY));
  PetscCall(MSMapSetSizes(*map, n, n));
  PetscCall(MSMapSetUp(*map));
  PetscFunctionReturn(0);
}
