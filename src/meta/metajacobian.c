/* The meta Jacobian as a MATSHELL for KSP, TAO and SLEPc. */
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
