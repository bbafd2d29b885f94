/* Adjoint and Taylor tests of a map, through the generic MSOperator checks. */
#include <metasim/impl/mapimpl.h>

static PetscErrorCode MSMapOperatorApply(void *ctx, Vec m, Vec u)
{
  return MSMapApply((MSMap)ctx, m, u);
}

static PetscErrorCode MSMapOperatorJvec(void *ctx, Vec m, Vec v, Vec u)
{
  return MSMapJvec((MSMap)ctx, m, v, u);
}

static PetscErrorCode MSMapOperatorJtvec(void *ctx, Vec m, Vec w, Vec v)
{
  return MSMapJtvec((MSMap)ctx, m, w, v);
}

static PetscErrorCode MSMapCheck(MSMap map, PetscBool taylor, Vec m, Vec dm, PetscRandom rnd, void *report)
{
  MSOperator op = {MSMapOperatorApply, MSMapOperatorJvec, MSMapOperatorJtvec, map, NULL, NULL};

  PetscFunctionBegin;
  PetscCall(MSMapCreateVecs(map, &op.model, &op.output));
  PetscCall(MSCheckRunAndFree(&op, taylor, m, dm, rnd, report));
  PetscFunctionReturn(0);
}

/*@C
  MSMapCheckAdjoint - dot-product test of `MSMapJvec()` against `MSMapJtvec()`

  Collective on map

  Input Parameters:
+ map - the map, set up
. m   - the model; NULL for a random one
- rnd - random generator; NULL for a fixed seed

  Output Parameter:
. rep - the result (tolerance 1e-10)

  Level: beginner

.seealso: `MSCheckAdjoint()`, `MSMapCheckTaylor()`
@*/
PetscErrorCode MSMapCheckAdjoint(MSMap map, Vec m, PetscRandom rnd, MSAdjointReport *rep)
{
  PetscFunctionBegin;
  PetscCall(MSMapCheck(map, PETSC_FALSE, m, NULL, rnd, rep));
  PetscFunctionReturn(0);
}

/*@C
  MSMapCheckTaylor - Taylor test of `MSMapJvec()` against `MSMapApply()`

  Collective on map

  Input Parameters:
+ map - the map, set up
. m   - the model; NULL for a random one
- dm  - the direction; NULL for a random one

  Output Parameter:
. rep - errors per step and the observed order

  Level: beginner

.seealso: `MSCheckTaylor()`, `MSMapCheckAdjoint()`
@*/
PetscErrorCode MSMapCheckTaylor(MSMap map, Vec m, Vec dm, MSTaylorReport *rep)
{
  PetscFunctionBegin;
  PetscCall(MSMapCheck(map, PETSC_TRUE, m, dm, NULL, rep));
  PetscFunctionReturn(0);
}
