/* The meta Jacobian as a MATSHELL for KSP/TAO/SLEPc, and derivative checks of the meta operator. */
#include "metaimpl.h"

typedef struct {
  MSMeta meta;
  Vec    m;
} MSMetaJacobianCtx;

static PetscErrorCode MSMetaJacobianMult(Mat J, Vec v, Vec jv)
{
  MSMetaJacobianCtx *ctx;

  PetscFunctionBegin;
  PetscCall(MatShellGetContext(J, &ctx));
  PetscCall(MSMetaJvec(ctx->meta, ctx->m, v, jv));
  PetscFunctionReturn(0);
}

static PetscErrorCode MSMetaJacobianMultTranspose(Mat J, Vec w, Vec jtw)
{
  MSMetaJacobianCtx *ctx;

  PetscFunctionBegin;
  PetscCall(MatShellGetContext(J, &ctx));
  PetscCall(MSMetaJtvec(ctx->meta, ctx->m, w, jtw));
  PetscFunctionReturn(0);
}

static PetscErrorCode MSMetaJacobianDestroy(Mat J)
{
  MSMetaJacobianCtx *ctx;

  PetscFunctionBegin;
  PetscCall(MatShellGetContext(J, &ctx));
  PetscCall(VecDestroy(&ctx->m));
  PetscCall(PetscFree(ctx));
  PetscFunctionReturn(0);
}

/*@C
  MSMetaGetJacobian - the meta Jacobian at a model as a `MATSHELL`: MatMult is `MSMetaJvec()`,
  MatMultTranspose is `MSMetaJtvec()`, so KSP (e.g. KSPLSQR), TAO and SLEPc use it unchanged

  Collective

  Input Parameters:
+ meta - the meta simulation, set up
- m    - the model at which J is taken; the matrix keeps a reference, and follows m's values

  Output Parameter:
. J - the n_data x n_model shell matrix; rows have the data layout, columns m's layout. Destroy it
      with `MatDestroy()` before the meta simulation.

  Level: intermediate

.seealso: `MSMetaJvec()`, `MSMetaJtvec()`
@*/
PetscErrorCode MSMetaGetJacobian(MSMeta meta, Vec m, Mat *J)
{
  MSMetaJacobianCtx *ctx;
  PetscInt           mlocal;

  PetscFunctionBegin;
  PetscCall(MSMetaCheckModelVec(meta, m, "model"));
  PetscCall(PetscNew(&ctx));
  ctx->meta = meta;
  ctx->m    = m;
  PetscCall(PetscObjectReference((PetscObject)m));
  PetscCall(VecGetLocalSize(m, &mlocal));
  PetscCall(MatCreateShell(meta->hdr.comm, meta->n_data_local, mlocal, meta->n_data, meta->n_model, ctx, J));
  PetscCall(MatShellSetOperation(*J, MATOP_MULT, (void (*)(void))MSMetaJacobianMult));
  PetscCall(MatShellSetOperation(*J, MATOP_MULT_TRANSPOSE, (void (*)(void))MSMetaJacobianMultTranspose));
  PetscCall(MatShellSetOperation(*J, MATOP_DESTROY, (void (*)(void))MSMetaJacobianDestroy));
  PetscFunctionReturn(0);
}

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

typedef enum {
  MS_META_CHECK_ADJOINT,
  MS_META_CHECK_TAYLOR
} MSMetaCheckKind;

static PetscErrorCode MSMetaRunCheck(MSMeta meta, MSMetaCheckKind kind, Vec m, Vec dm, PetscRandom rnd, void *report)
{
  MSOperator op = {MSMetaOperatorApply, MSMetaOperatorJvec, MSMetaOperatorJtvec, meta, NULL, NULL};

  PetscFunctionBegin;
  PetscCall(MSMetaCreateVecs(meta, &op.model, &op.output));
  if (kind == MS_META_CHECK_ADJOINT) PetscCall(MSCheckAdjoint(&op, m, rnd, 0.0, (MSAdjointReport *)report));
  else PetscCall(MSCheckTaylor(&op, m, dm, 0.0, 0, (MSTaylorReport *)report));
  PetscCall(VecDestroy(&op.model));
  PetscCall(VecDestroy(&op.output));
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
  PetscCall(MSMetaRunCheck(meta, MS_META_CHECK_ADJOINT, m, NULL, rnd, rep));
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
  PetscCall(MSMetaRunCheck(meta, MS_META_CHECK_TAYLOR, m, dm, NULL, rep));
  PetscFunctionReturn(0);
}
