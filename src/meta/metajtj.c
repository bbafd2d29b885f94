/* MSMeta JtJ diagonal: SimPEG's composition from each simulation's own diagonal, or the exact
   diagonal from one adjoint product per datum through the whole meta Jacobian. */
#include "metaimpl.h"

/* Weight of datum r of owned simulation k (1 without weights); W was distributed to the owned
   simulations with MSMetaDataToLocal(). */
static PetscErrorCode MSMetaLocalWeight(MSMeta meta, PetscInt k, PetscBool weighted, PetscInt r, PetscScalar *wr)
{
  PetscFunctionBegin;
  *wr = 1.0;
  if (weighted) {
    Vec                Wk;
    const PetscScalar *a;

    PetscCall(MSMetaGetLocalDataBlock(meta, k, &Wk));
    PetscCall(VecGetArrayRead(Wk, &a));
    *wr = a[r];
    PetscCall(VecRestoreArrayRead(Wk, &a));
  }
  PetscFunctionReturn(0);
}

/* sum_k (M_k' o M_k')^T diag_k, diag_k the simulation's own weighted diagonal. */
static PetscErrorCode MSMetaLocalComposedDiagonal(MSMeta meta, PetscBool weighted, PetscInt *failed)
{
  PetscFunctionBegin;
  PetscCall(MSMetaZeroModelSum(meta));
  for (PetscInt k = 0; k < meta->n_local; k++) {
    Vec Wk = NULL;

    *failed = meta->first + k;
    if (weighted) PetscCall(MSMetaGetLocalDataBlock(meta, k, &Wk));
    PetscCall(MSSimGetJtJDiagonal(meta->sims[k], meta->sub_m[k], Wk, meta->sub_g[k]));
    PetscCall(MSMapSquaredJtvec(meta->rmaps[k], meta->mloc, meta->sub_g[k], meta->tloc));
    PetscCall(MSMetaAccumulateModel(meta, k, meta->tloc));
  }
  *failed = -1;
  PetscFunctionReturn(0);
}

/* tloc = M_k'^T J_k^T (w_r e_r): row r of owned simulation k's block of the meta Jacobian. */
static PetscErrorCode MSMetaLocalJacobianRow(MSMeta meta, PetscInt k, PetscInt r, PetscScalar wr, Vec probe)
{
  PetscFunctionBegin;
  PetscCall(VecSet(probe, 0.0));
  PetscCall(VecSetValue(probe, r, wr, INSERT_VALUES));
  PetscCall(VecAssemblyBegin(probe));
  PetscCall(VecAssemblyEnd(probe));
  PetscCall(MSSimJtvec(meta->sims[k], meta->sub_m[k], probe, meta->sub_g[k]));
  PetscCall(MSMapJtvec(meta->rmaps[k], meta->mloc, meta->sub_g[k], meta->tloc));
  PetscFunctionReturn(0);
}

/* Stack and repeat: every row of J belongs to one simulation, so each rank squares its own rows. */
static PetscErrorCode MSMetaLocalExactDiagonal(MSMeta meta, PetscBool weighted, PetscInt *failed)
{
  Vec acc, probe = NULL;

  PetscFunctionBegin;
  PetscCall(MSMetaZeroModelSum(meta));
  PetscCall(VecDuplicate(meta->tloc, &acc));
  for (PetscInt k = 0; k < meta->n_local; k++) {
    PetscInt n_data;

    *failed = meta->first + k;
    PetscCall(VecDuplicate(meta->sub_d[k], &probe));
    PetscCall(VecGetSize(probe, &n_data));
    PetscCall(VecSet(acc, 0.0));
    for (PetscInt r = 0; r < n_data; r++) {
      PetscScalar wr;

      PetscCall(MSMetaLocalWeight(meta, k, weighted, r, &wr));
      PetscCall(MSMetaLocalJacobianRow(meta, k, r, wr, probe));
      PetscCall(VecPointwiseMult(meta->tloc, meta->tloc, meta->tloc));
      PetscCall(VecAXPY(acc, 1.0, meta->tloc));
    }
    PetscCall(VecDestroy(&probe));
    PetscCall(MSMetaAccumulateModel(meta, k, acc));
  }
  *failed = -1;
  PetscCall(VecDestroy(&acc));
  PetscFunctionReturn(0);
}

/* Sum kind: row r of J is sum_k M_k'^T J_k^T e_r over every simulation, so each row is reduced
   over the ranks before it is squared: n_data reductions. */
static PetscErrorCode MSMetaSumExactDiagonal(MSMeta meta, PetscBool weighted, Vec diag)
{
  Vec            row, probe;
  PetscErrorCode lerr = 0;
  PetscInt       failed = -1;

  PetscFunctionBegin;
  PetscCall(VecDuplicate(diag, &row));
  PetscCall(VecCreateSeq(PETSC_COMM_SELF, meta->n_data, &probe));
  PetscCall(VecSet(diag, 0.0));
  for (PetscInt r = 0; r < meta->n_data; r++) {
    PetscCall(MSMetaZeroModelSum(meta));
    for (PetscInt k = 0; k < meta->n_local && !lerr; k++) {
      PetscScalar wr = 1.0;

      failed = meta->first + k;
      if (!lerr && weighted) lerr = MSMetaLocalWeight(meta, k, weighted, r, &wr);
      if (!lerr) lerr = MSMetaLocalJacobianRow(meta, k, r, wr, probe);
      if (!lerr) lerr = MSMetaAccumulateModel(meta, k, meta->tloc);
    }
    PetscCall(MSMetaAgree(meta, lerr, failed, "exact JtJ diagonal"));
    PetscCall(MSMetaReduceModel(meta, row));
    PetscCall(VecPointwiseMult(row, row, row));
    PetscCall(VecAXPY(diag, 1.0, row));
  }
  PetscCall(VecDestroy(&probe));
  PetscCall(VecDestroy(&row));
  PetscFunctionReturn(0);
}

/*@C
  MSMetaGetJtJDiagonal - the diagonal of J^T W^T W J of the meta simulation

  Collective

  Input Parameters:
+ meta - the meta simulation
. m    - the global model
- W    - diagonal of W (square roots of the data weights, SimPEG's convention), data layout; NULL
         for W = I

  Output Parameters:
+ diag  - the diagonal, global model length
- exact - (optional) whether the result is the exact diagonal

  Notes:
  With `MS_JTJDIAG_COMPOSE` (the default, as SimPEG) the result is sum_i (M_i' o M_i')^T d_i with d_i
  simulation i's own exact diagonal. That is exact when every map has singleton columns (each
  model entry feeds at most one entry of the sub-model), except for the sum kind with more than
  one simulation, where it ignores the cross terms between simulations. `MS_JTJDIAG_EXACT`
  (`-meta_jtjdiag exact`) costs one adjoint product per datum and is always exact.

  Level: intermediate

.seealso: `MSMetaSetJtJDiagonalMethod()`, `MSSimGetJtJDiagonal()`, `MSMapHasSingletonColumns()`
@*/
PetscErrorCode MSMetaGetJtJDiagonal(MSMeta meta, Vec m, Vec W, Vec diag, PetscBool *exact)
{
  PetscErrorCode lerr = 0;
  PetscInt       failed = -1;
  PetscBool      single = PETSC_TRUE, all_single, weighted = W ? PETSC_TRUE : PETSC_FALSE;

  PetscFunctionBegin;
  PetscCall(MSMetaCheckModelVec(meta, diag, "JtJ diagonal output"));
  if (W) {
    PetscCall(MSMetaCheckDataVec(meta, W, "data weights"));
    PetscCall(MSVecCheckFinite(W, "data weights"));
  }
  PetscCall(MSMetaScatterModel(meta, m));
  if (W) PetscCall(MSMetaDataToLocal(meta, W));
  for (PetscInt k = 0; k < meta->n_local; k++) {
    PetscBool s;

    PetscCall(MSMapHasSingletonColumns(meta->rmaps[k], &s));
    single = (PetscBool)(single && s);
  }
  PetscCall(MPIU_Allreduce(&single, &all_single, 1, MPIU_BOOL, MPI_LAND, meta->hdr.comm));
  PetscCall(PetscLogEventBegin(MS_MetaLocalAdjoint, 0, 0, 0, 0));
  if (meta->jtj_method == MS_JTJDIAG_EXACT && meta->kind == MS_META_SUM) {
    PetscCall(PetscLogEventEnd(MS_MetaLocalAdjoint, 0, 0, 0, 0));
    PetscCall(MSMetaSumExactDiagonal(meta, weighted, diag));
  } else {
    if (meta->jtj_method == MS_JTJDIAG_EXACT) lerr = MSMetaLocalExactDiagonal(meta, weighted, &failed);
    else lerr = MSMetaLocalComposedDiagonal(meta, weighted, &failed);
    PetscCall(PetscLogEventEnd(MS_MetaLocalAdjoint, 0, 0, 0, 0));
    PetscCall(MSMetaAgree(meta, lerr, failed, "JtJ diagonal"));
    PetscCall(MSMetaReduceModel(meta, diag));
  }
  if (exact) *exact = (meta->jtj_method == MS_JTJDIAG_EXACT || (all_single && (meta->kind != MS_META_SUM || meta->n_sims == 1))) ? PETSC_TRUE : PETSC_FALSE;
  PetscFunctionReturn(0);
}
