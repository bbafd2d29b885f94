/* MSMAPEXP: u = exp(m) entry by entry. */
#include <metasim/impl/mapimpl.h>

static PetscErrorCode MSMapApply_Exp(MSMap map, Vec m, Vec u)
{
  PetscFunctionBegin;
  PetscCall(VecCopy(m, u));
  PetscCall(VecExp(u));
  PetscCall(MSVecCheckFinite(u, "exp map output (an input entry above about 709 overflows)"));
  PetscFunctionReturn(0);
}

/* The derivative is diag(exp(m)), so M' x and M'^T x are the same product. */
static PetscErrorCode MSMapProduct_Exp(MSMap map, Vec m, Vec x, Vec y)
{
  PetscFunctionBegin;
  PetscCall(VecCopy(m, y));
  PetscCall(VecExp(y));
  PetscCall(VecPointwiseMult(y, y, x));
  PetscFunctionReturn(0);
}

/* (M' o M')^T d = exp(2 m) o d */
static PetscErrorCode MSMapSquaredJtvec_Exp(MSMap map, Vec m, Vec d, Vec v)
{
  PetscFunctionBegin;
  PetscCall(VecCopy(m, v));
  PetscCall(VecScale(v, 2.0));
  PetscCall(VecExp(v));
  PetscCall(VecPointwiseMult(v, v, d));
  PetscFunctionReturn(0);
}

static PetscErrorCode MSMapSetUp_Exp(MSMap map)
{
  PetscFunctionBegin;
  PetscCheck(map->n_in == map->n_out, map->hdr.comm, PETSC_ERR_ARG_SIZ, "MSMAPEXP maps entry by entry and needs equal sizes, got n_in %" PetscInt_FMT " and n_out %" PetscInt_FMT ": call MSMapSetSizes(map, n, n)", map->n_in, map->n_out);
  PetscFunctionReturn(0);
}

/*MC
  MSMAPEXP - "exp": u = exp(m) entry by entry, SimPEG's ExpMap (a log-conductivity model mapped
  to conductivity). Set the length with `MSMapSetSizes(map, n, n)`.

  Level: beginner

  Notes:
  The derivative is diag(exp(m)): it has singleton columns, and `MSMapSquaredJtvec()` returns
  exp(2 m) o d exactly. `MSMapApply()` errors if an entry overflows (m above about 709).

.seealso: `MSMapSetSizes()`, `MSMAPCOMPOSE`
M*/
PETSC_INTERN PetscErrorCode MSMapCreate_Exp(MSMap map)
{
  PetscFunctionBegin;
  map->ops->apply        = MSMapApply_Exp;
  map->ops->jvec         = MSMapProduct_Exp;
  map->ops->jtvec        = MSMapProduct_Exp;
  map->ops->squaredjtvec = MSMapSquaredJtvec_Exp;
  map->ops->setup        = MSMapSetUp_Exp;
  map->singleton_columns = PETSC_TRUE;
  PetscFunctionReturn(0);
}
