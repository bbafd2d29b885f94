/* Vec checks and cache keys shared by every object. */
#include <metasim/impl/objectimpl.h>

PetscErrorCode MSVecCheckSize(Vec v, PetscInt expected, const char object[], const char what[])
{
  PetscInt n;

  PetscFunctionBegin;
  PetscCheck(v, PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "%s: the %s vector is NULL", object, what);
  PetscCall(VecGetSize(v, &n));
  PetscCheck(n == expected, PetscObjectComm((PetscObject)v), PETSC_ERR_ARG_SIZ, "%s: the %s vector has length %" PetscInt_FMT ", expected %" PetscInt_FMT, object, what, n, expected);
  PetscFunctionReturn(0);
}

/*@C
  MSVecCheckFinite - errors if any entry of a vector is NaN or Inf, naming the first bad entry.

  Collective

  Input Parameters:
+ v    - the vector
- what - what the vector is, for the message (e.g. "model")

  Level: intermediate
@*/
PetscErrorCode MSVecCheckFinite(Vec v, const char what[])
{
  const PetscScalar *a;
  PetscInt           n, rstart, bad = PETSC_MAX_INT, gbad;
  PetscMPIInt        size;

  PetscFunctionBegin;
  PetscCall(VecGetLocalSize(v, &n));
  PetscCall(VecGetOwnershipRange(v, &rstart, NULL));
  PetscCall(VecGetArrayRead(v, &a));
  for (PetscInt i = 0; i < n; i++) {
    if (PetscIsInfOrNanScalar(a[i])) {
      bad = rstart + i;
      break;
    }
  }
  PetscCall(VecRestoreArrayRead(v, &a));
  PetscCallMPI(MPI_Comm_size(PetscObjectComm((PetscObject)v), &size));
  if (size == 1) gbad = bad;
  else PetscCall(MPIU_Allreduce(&bad, &gbad, 1, MPIU_INT, MPI_MIN, PetscObjectComm((PetscObject)v)));
  PetscCheck(gbad == PETSC_MAX_INT, PetscObjectComm((PetscObject)v), PETSC_ERR_FP, "The %s has a NaN or Inf at entry %" PetscInt_FMT, what, gbad);
  PetscFunctionReturn(0);
}

PetscErrorCode MSVecKeyMatches(MSVecKey *key, Vec v, PetscBool *match)
{
  PetscObjectId    id;
  PetscObjectState state;

  PetscFunctionBegin;
  PetscCall(PetscObjectGetId((PetscObject)v, &id));
  PetscCall(PetscObjectStateGet((PetscObject)v, &state));
  *match = (key->valid && key->id == id && key->state == state) ? PETSC_TRUE : PETSC_FALSE;
  PetscFunctionReturn(0);
}

PetscErrorCode MSVecKeySet(MSVecKey *key, Vec v)
{
  PetscFunctionBegin;
  PetscCall(PetscObjectGetId((PetscObject)v, &key->id));
  PetscCall(PetscObjectStateGet((PetscObject)v, &key->state));
  key->valid = PETSC_TRUE;
  PetscFunctionReturn(0);
}
