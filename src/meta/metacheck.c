/* Adjoint and Taylor tests of the whole meta operator, through the generic MSOperator checks. */
#include "metaimpl.h"

static PetscErrorCode MSMetaOperatorApply(void *ctx, Vec m, Vec d)
{
  return MSMetaDpred((MSMeta)ctx, m, d);
}

static PetscErrorCode MSMetaOperatorJvec(void *ctx, Vec m, Vec v, Vec jv)
{
  return MSMetaJvec((MSMeta)ctx, m, v, jv);
}

static PetscErrorCode MSMetaOperatorJtvec(void *ctx, Vec m, Vec w, Vec jtw)
{
  return MSMetaJtvec((MSMeta)ctx, m, w, jtw);
}

static PetscErrorCode MSMetaCheck(MSMeta meta, PetscBool taylor, Vec m, Vec dm, PetscRandom rnd, void *report)
{
  MSOperator op = {MSMetaOperatorApply, MSMetaOperatorJvec, MSMetaOperatorJtvec, meta, NULL, NULL};

  PetscFunctionBegin;
  PetscCall(MSMetaCreateVecs(meta, &op.model, &op.output));
  PetscCall(MSCheckRunAndFree(&op, taylor, m, dm, rnd, report));
  PetscFunctionReturn(0);
}

/*@C
  MSMetaCheckAdjoint - dot-product test of the whole meta operator, w^T (J v) = v^T (J^T w)

  Collective

  Input Parameters:
+ meta - the meta simulation
. m    - the model; NULL for a random one
- rnd  - random generator; NULL for a fixed seed

  Output Parameter:
. rep - the result

  Level: beginner

.seealso: `MSCheckAdjoint()`, `MSMetaCheckTaylor()`
@*/
PetscErrorCode MSMetaCheckAdjoint(MSMeta meta, Vec m, PetscRandom rnd, MSAdjointReport *rep)
{
  PetscFunctionBegin;
  PetscCall(MSMetaCheck(meta, PETSC_FALSE, m, NULL, rnd, rep));
  PetscFunctionReturn(0);
}

/*@C
  MSMetaCheckTaylor - Taylor test of the whole meta operator's Jvec against dpred

  Collective

  Input Parameters:
+ meta - the meta simulation
. m    - the model; NULL for a random one
- dm   - the direction; NULL for a random one

  Output Parameter:
. rep - errors per step and the observed order

  Level: beginner

.seealso: `MSCheckTaylor()`, `MSMetaCheckAdjoint()`
@*/
PetscErrorCode MSMetaCheckTaylor(MSMeta meta, Vec m, Vec dm, MSTaylorReport *rep)
{
  PetscFunctionBegin;
  PetscCall(MSMetaCheck(meta, PETSC_TRUE, m, dm, NULL, rep));
  PetscFunctionReturn(0);
}
