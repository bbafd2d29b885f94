/* The Gauss-Newton Hessian H = J^T W^T W J + beta I of the inversion example as a MATSHELL for
   TAO's Newton solvers (TAONLS, TAONTR): MatMult is one MSMetaJvec() and one MSMetaJtvec(), and
   MatGetDiagonal is MSMetaGetJtJDiagonal() + beta, so -tao_pc_type jacobi is the diagonal
   (sensitivity-weighting) preconditioner. */
#include "invert.h"

typedef struct {
  InvertObjective *obj;
  Vec              m;    /* copy of the point H was formed at */
  Vec              W2;   /* W^2, data layout */
  Vec              jv;   /* work, data layout */
  Vec              diag; /* diag(J^T W^T W J) + beta */
} InvertHessian;

static PetscErrorCode InvertHessianMult(Mat H, Vec v, Vec hv)
{
  InvertHessian *ctx;

  PetscFunctionBegin;
  PetscCall(MatShellGetContext(H, &ctx));
  PetscCall(MSMetaJvec(ctx->obj->meta, ctx->m, v, ctx->jv));
  PetscCall(VecPointwiseMult(ctx->jv, ctx->jv, ctx->W2));
  PetscCall(MSMetaJtvec(ctx->obj->meta, ctx->m, ctx->jv, hv));
  PetscCall(VecAXPY(hv, ctx->obj->beta, v));
  PetscFunctionReturn(0);
}

static PetscErrorCode InvertHessianGetDiagonal(Mat H, Vec diag)
{
  InvertHessian *ctx;

  PetscFunctionBegin;
  PetscCall(MatShellGetContext(H, &ctx));
  PetscCall(VecCopy(ctx->diag, diag));
  PetscFunctionReturn(0);
}

static PetscErrorCode InvertHessianDestroy(Mat H)
{
  InvertHessian *ctx;

  PetscFunctionBegin;
  PetscCall(MatShellGetContext(H, &ctx));
  PetscCall(VecDestroy(&ctx->m));
  PetscCall(VecDestroy(&ctx->W2));
  PetscCall(VecDestroy(&ctx->jv));
  PetscCall(VecDestroy(&ctx->diag));
  PetscCall(PetscFree(ctx));
  PetscFunctionReturn(0);
}

/* The n_model x n_model shell; obj must outlive it. Formed at a point by InvertHessianForm(). */
PetscErrorCode InvertHessianCreate(InvertObjective *obj, Mat *H)
{
  InvertHessian *ctx;
  PetscInt       n_local, n_model;

  PetscFunctionBegin;
  PetscCall(PetscNew(&ctx));
  ctx->obj = obj;
  PetscCall(VecDuplicate(obj->m_ref, &ctx->m));
  PetscCall(VecCopy(obj->m_ref, ctx->m));
  PetscCall(VecDuplicate(obj->m_ref, &ctx->diag));
  PetscCall(VecDuplicate(obj->W, &ctx->W2));
  PetscCall(VecPointwiseMult(ctx->W2, obj->W, obj->W));
  PetscCall(VecDuplicate(obj->W, &ctx->jv));
  PetscCall(VecGetLocalSize(ctx->m, &n_local));
  PetscCall(VecGetSize(ctx->m, &n_model));
  PetscCall(MatCreateShell(PETSC_COMM_WORLD, n_local, n_local, n_model, n_model, ctx, H));
  PetscCall(MatShellSetOperation(*H, MATOP_MULT, (void (*)(void))InvertHessianMult));
  PetscCall(MatShellSetOperation(*H, MATOP_GET_DIAGONAL, (void (*)(void))InvertHessianGetDiagonal));
  PetscCall(MatShellSetOperation(*H, MATOP_DESTROY, (void (*)(void))InvertHessianDestroy));
  PetscCall(MatSetOption(*H, MAT_SYMMETRIC, PETSC_TRUE));
  PetscCall(MatSetOption(*H, MAT_SPD, PETSC_TRUE));
  PetscFunctionReturn(0);
}

/* TAO's Hessian callback: moves H (used as its own preconditioning matrix) to the point m. */
PetscErrorCode InvertHessianForm(Tao tao, Vec m, Mat H, Mat Hpre, void *unused)
{
  InvertHessian *ctx;

  PetscFunctionBegin;
  PetscCheck(H == Hpre, PETSC_COMM_WORLD, PETSC_ERR_ARG_WRONG, "InvertHessianForm: expected the Hessian to be its own preconditioning matrix");
  PetscCall(MatShellGetContext(H, &ctx));
  PetscCall(VecCopy(m, ctx->m));
  PetscCall(MSMetaGetJtJDiagonal(ctx->obj->meta, ctx->m, ctx->obj->W, ctx->diag, NULL));
  PetscCall(VecShift(ctx->diag, ctx->obj->beta));
  /* a new state, so a PC built from the matrix (PCJACOBI) is rebuilt at the new point */
  PetscCall(MatAssemblyBegin(H, MAT_FINAL_ASSEMBLY));
  PetscCall(MatAssemblyEnd(H, MAT_FINAL_ASSEMBLY));
  PetscFunctionReturn(0);
}
