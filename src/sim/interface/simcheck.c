/* Adjoint and Taylor tests of a simulation, through the generic MSOperator checks. */
#include <metasim/impl/simimpl.h>

static PetscErrorCode MSSimOperatorApply(void *ctx, Vec m, Vec d)
{
  return MSSimDpred((MSSim)ctx, m, d);
}

static PetscErrorCode MSSimOperatorJvec(void *ctx, Vec m, Vec v, Vec jv)
{
  return MSSimJvec((MSSim)ctx, m, v, jv);
}

static PetscErrorCode MSSimOperatorJtvec(void *ctx, Vec m, Vec w, Vec jtw)
{
  return MSSimJtvec((MSSim)ctx, m, w, jtw);
}

static PetscErrorCode MSSimCheck(MSSim sim, PetscBool taylor, Vec m, Vec dm, PetscRandom rnd, void *report)
{
  MSOperator op = {MSSimOperatorApply, MSSimOperatorJvec, MSSimOperatorJtvec, sim, NULL, NULL};

  PetscFunctionBegin;
  PetscCall(MSSimCreateVecs(sim, &op.model, &op.output));
  PetscCall(MSCheckRunAndFree(&op, taylor, m, dm, rnd, report));
  PetscFunctionReturn(0);
}

/*@C
  MSSimCheckAdjoint - dot-product test of `MSSimJvec()` against `MSSimJtvec()`

  Collective on sim

  Input Parameters:
+ sim - the simulation, set up
. m   - the model; NULL for a random one
- rnd - random generator; NULL for a fixed seed

  Output Parameter:
. rep - the result (tolerance 1e-10)

  Level: beginner

.seealso: `MSCheckAdjoint()`, `MSSimCheckTaylor()`
@*/
PetscErrorCode MSSimCheckAdjoint(MSSim sim, Vec m, PetscRandom rnd, MSAdjointReport *rep)
{
  PetscFunctionBegin;
  PetscCall(MSSimCheck(sim, PETSC_FALSE, m, NULL, rnd, rep));
  PetscFunctionReturn(0);
}

/*@C
  MSSimCheckTaylor - Taylor test of `MSSimJvec()` against `MSSimDpred()`

  Collective on sim

  Input Parameters:
+ sim - the simulation, set up
. m   - the model; NULL for a random one
- dm  - the direction; NULL for a random one

  Output Parameter:
. rep - errors per step and the observed order

  Level: beginner

.seealso: `MSCheckTaylor()`, `MSSimCheckAdjoint()`
@*/
PetscErrorCode MSSimCheckTaylor(MSSim sim, Vec m, Vec dm, MSTaylorReport *rep)
{
  PetscFunctionBegin;
  PetscCall(MSSimCheck(sim, PETSC_TRUE, m, dm, NULL, rep));
  PetscFunctionReturn(0);
}
