/* The Gauss-Newton Hessian H = J^T W^T W J + beta R^T R as a MATSHELL for TAO's Newton solvers
   (TAONLS, TAONTR): MatMult is one MSMetaJvec() and one MSMetaJtvec(), and MatGetDiagonal is
   MSMetaGetJtJDiagonal() + beta diag(R^T R), so PCJACOBI is the diagonal (sensitivity-weighting)
   preconditioner. */
#include "inversion.h"

typedef struct {
  InversionObjective *obj;
  Vec                 m;    /* copy of the point H was formed at */
  Vec                 W2;   /* W^2, data layout */
  Vec                 jv;   /* work, data layout */
  Vec                 rv;   /* work, model layout */
  Vec                 diag; /* diag(J^T W^T W J) + beta diag(R^T R) */
} InversionHessian;

static PetscErrorCode InversionHessianMult(Mat H, Vec v, Vec hv)
{
  InversionHessian *ctx;

  PetscFunctionBegin;
  PetscCall(MatShellGetContext(H, &ctx));
  PetscCall(MSMetaJvec(ctx->obj->meta, ctx->m, v, ctx->jv));
  PetscCall(VecPointwiseMult(ctx->jv, ctx->jv, ctx->W2));
  PetscCall(MSMetaJtvec(ctx->obj->meta, ctx->m, ctx->jv, hv));
  PetscCall(InversionRegularizationApplyNormal(ctx->obj, v, ctx->rv));
  PetscCall(VecAXPY(hv, ctx->obj->beta, ctx->rv));
  PetscFunctionReturn(0);
}

static PetscErrorCode InversionHessianGetDiagonal(Mat H, Vec diag)
{
  InversionHessian *ctx;

  PetscFunctionBegin;
  PetscCall(MatShellGetContext(H, &ctx));
  PetscCall(VecCopy(ctx->diag, diag));
  PetscFunctionReturn(0);
}

static PetscErrorCode InversionHessianDestroy(Mat H)
{
  InversionHessian *ctx;

  PetscFunctionBegin;
  PetscCall(MatShellGetContext(H, &ctx));
  PetscCall(VecDestroy(&ctx->m));
  PetscCall(VecDestroy(&ctx->W2));
  PetscCall(VecDestroy(&ctx->jv));
  PetscCall(VecDestroy(&ctx->rv));
  PetscCall(VecDestroy(&ctx->diag));
  PetscCall(PetscFree(ctx));
  PetscFunctionReturn(0);
}

/*
  InversionHessianCreate - the n_model x n_model Gauss-Newton shell of an objective, formed at a
  point by InversionHessianForm()

  Collective

  Input Parameter:
. obj - the objective; must outlive H (its beta is read at every product)

  Output Parameter:
. H - the shell, symmetric positive (semi-)definite

  Level: developer
*/
PetscErrorCode InversionHessianCreate(InversionObjective *obj, Mat *H)
{
  InversionHessian *ctx;
  PetscInt          n_local, n_model;

  PetscFunctionBegin;
  PetscCall(PetscNew(&ctx));
  ctx->obj = obj;
  PetscCall(VecDuplicate(obj->m_ref, &ctx->m));
  PetscCall(VecCopy(obj->m_ref, ctx->m));
  PetscCall(VecDuplicate(obj->m_ref, &ctx->diag));
  PetscCall(VecDuplicate(obj->m_ref, &ctx->rv));
  PetscCall(VecDuplicate(obj->W, &ctx->W2));
  PetscCall(VecPointwiseMult(ctx->W2, obj->W, obj->W));
  PetscCall(VecDuplicate(obj->W, &ctx->jv));
  PetscCall(VecGetLocalSize(ctx->m, &n_local));
  PetscCall(VecGetSize(ctx->m, &n_model));
  PetscCall(MatCreateShell(PETSC_COMM_WORLD, n_local, n_local, n_model, n_model, ctx, H));
  PetscCall(MatShellSetOperation(*H, MATOP_MULT, (void (*)(void))InversionHessianMult));
  PetscCall(MatShellSetOperation(*H, MATOP_GET_DIAGONAL, (void (*)(void))InversionHessianGetDiagonal));
  PetscCall(MatShellSetOperation(*H, MATOP_DESTROY, (void (*)(void))InversionHessianDestroy));
  PetscCall(MatSetOption(*H, MAT_SYMMETRIC, PETSC_TRUE));
  PetscCall(MatSetOption(*H, MAT_SPD, PETSC_TRUE));
  PetscFunctionReturn(0);
}

/*
  InversionHessianForm - TAO's Hessian callback: moves H (its own preconditioning matrix) to the point m

  Collective

  Level: developer
*/
PetscErrorCode InversionHessianForm(Tao tao, Vec m, Mat H, Mat Hpre, void *unused)
{
  InversionHessian *ctx;

  PetscFunctionBegin;
  PetscCheck(H == Hpre, PETSC_COMM_WORLD, PETSC_ERR_ARG_WRONG, "InversionHessianForm: expected the Hessian to be its own preconditioning matrix");
  PetscCall(MatShellGetContext(H, &ctx));
  PetscCall(VecCopy(m, ctx->m));
  PetscCall(MSMetaGetJtJDiagonal(ctx->obj->meta, ctx->m, ctx->obj->W, ctx->diag, NULL));
  PetscCall(VecAXPY(ctx->diag, ctx->obj->beta, ctx->obj->rtr));
  /* a new state, so a PC built from the matrix (PCJACOBI) is rebuilt at the new point */
  PetscCall(MatAssemblyBegin(H, MAT_FINAL_ASSEMBLY));
  PetscCall(MatAssemblyEnd(H, MAT_FINAL_ASSEMBLY));
  PetscFunctionReturn(0);
}

/*
  InversionSetDefaultPC - Newton solvers' KSP preconditions with the Hessian's diagonal (PCJACOBI)
  unless -tao_pc_type says otherwise: PETSc's default, ILU, cannot factor a MATSHELL

  Collective

  Level: developer
*/
PetscErrorCode InversionSetDefaultPC(Tao tao)
{
  KSP         ksp;
  PC          pc;
  const char *prefix;
  PetscBool   set;

  PetscFunctionBegin;
  PetscCall(TaoGetKSP(tao, &ksp));
  if (!ksp) PetscFunctionReturn(0);
  PetscCall(KSPGetOptionsPrefix(ksp, &prefix));
  PetscCall(PetscOptionsHasName(NULL, prefix, "-pc_type", &set));
  if (set) PetscFunctionReturn(0);
  PetscCall(KSPGetPC(ksp, &pc));
  PetscCall(PCSetType(pc, PCJACOBI));
  PetscFunctionReturn(0);
}
