/* MSMeta JtJ diagonal: SimPEG's composition from each simulation's own diagonal, or the exact
   diagonal from one adjoint product per datum through the whole meta Jacobian. */
#include "metaimpl.h"

typedef struct {
  PetscBool weighted;
  Vec      *probes; /* per owned simulation: a data-space vector in its layout */
  Vec       acc;    /* stack exact: the squared rows of one simulation, on its support */
  PetscInt  r;      /* sum exact: the datum */
} MSMetaJtJCtx;

/* probes[k] = w_r e_r, datum r of owned simulation k with its weight (1 without weights); W was
   distributed with MSMetaDataToLocal(). The rank of the simulation's group that owns the datum
   sets it. */
static PetscErrorCode MSMetaSetProbe(MSMeta meta, MSMetaJtJCtx *c, PetscInt k, PetscInt r)
{
  Vec         probe = c->probes[k];
  PetscScalar wr    = 1.0;
  PetscInt    lo, hi;

  PetscFunctionBegin;
  PetscCall(VecSet(probe, 0.0));
  PetscCall(VecGetOwnershipRange(probe, &lo, &hi));
  if (r >= lo && r < hi) {
    if (c->weighted) {
      Vec                Wk;
      const PetscScalar *a;
      PetscInt           wlo;

      PetscCall(MSMetaGetLocalDataBlock(meta, k, &Wk));
      PetscCall(VecGetOwnershipRange(Wk, &wlo, NULL));
      PetscCall(VecGetArrayRead(Wk, &a));
      wr = a[r - wlo];
      PetscCall(VecRestoreArrayRead(Wk, &a));
    }
    PetscCall(VecSetValue(probe, r, wr, INSERT_VALUES));
  }
  PetscCall(VecAssemblyBegin(probe));
  PetscCall(VecAssemblyEnd(probe));
  PetscFunctionReturn(0);
}

/* Composed: simulation k's own weighted diagonal, then (M_k' o M_k')^T of it into the sum. */
static PetscErrorCode MSMetaComposedStep(MSMeta meta, PetscInt k, void *ctx)
{
  MSMetaJtJCtx *c  = (MSMetaJtJCtx *)ctx;
  Vec           Wk = NULL;

  PetscFunctionBegin;
  if (c->weighted) PetscCall(MSMetaGetLocalDataBlock(meta, k, &Wk));
  PetscCall(MSSimGetJtJDiagonal(meta->sims[k], meta->sub_m[k], Wk, meta->sub_g[k]));
  PetscFunctionReturn(0);
}

static PetscErrorCode MSMetaComposedPull(MSMeta meta, PetscInt k, void *ctx)
{
  PetscBool holder;

  PetscFunctionBegin;
  PetscCall(MSMetaPullBack(meta, k, PETSC_TRUE, &holder));
  if (holder) PetscCall(MSMetaAccumulateModel(meta, k, meta->tloc));
  PetscFunctionReturn(0);
}

/* Stack and repeat exact: every row of J belongs to one simulation, so each group squares its
   own simulations' rows: row r of simulation k is M_k'^T J_k^T (w_r e_r). Each row is a
   collective step of the group, agreed on before the next. */
static PetscErrorCode MSMetaExactRowsStep(MSMeta meta, PetscInt k, void *ctx)
{
  MSMetaJtJCtx  *c = (MSMetaJtJCtx *)ctx;
  PetscInt       n_data;
  PetscBool      holder = PETSC_FALSE, stop;
  PetscErrorCode lerr;

  PetscFunctionBegin;
  PetscCall(VecGetSize(c->probes[k], &n_data));
  PetscCall(VecSet(c->acc, 0.0));
  for (PetscInt r = 0; r < n_data; r++) {
    lerr = MSMetaSetProbe(meta, c, k, r);
    if (!lerr) lerr = MSSimJtvec(meta->sims[k], meta->sub_m[k], c->probes[k], meta->sub_g[k]);
    PetscCall(MSMetaGroupFailed(meta, lerr, &stop));
    if (stop) PetscFunctionReturn(lerr);
    lerr = MSMetaPullBack(meta, k, PETSC_FALSE, &holder);
    if (!lerr && holder) lerr = VecPointwiseMult(meta->tloc, meta->tloc, meta->tloc);
    if (!lerr && holder) lerr = VecAXPY(c->acc, 1.0, meta->tloc);
    PetscCall(MSMetaGroupFailed(meta, lerr, &stop));
    if (stop) PetscFunctionReturn(lerr);
  }
  if (holder) PetscCall(MSMetaAccumulateModel(meta, k, c->acc));
  PetscFunctionReturn(0);
}

/* Sum exact: row r of J is sum_k M_k'^T J_k^T e_r over every simulation. */
static PetscErrorCode MSMetaSumRowStep(MSMeta meta, PetscInt k, void *ctx)
{
  MSMetaJtJCtx *c = (MSMetaJtJCtx *)ctx;

  PetscFunctionBegin;
  PetscCall(MSMetaSetProbe(meta, c, k, c->r));
  PetscCall(MSSimJtvec(meta->sims[k], meta->sub_m[k], c->probes[k], meta->sub_g[k]));
  PetscFunctionReturn(0);
}

static PetscErrorCode MSMetaSumRowPull(MSMeta meta, PetscInt k, void *ctx)
{
  PetscBool holder;

  PetscFunctionBegin;
  PetscCall(MSMetaPullBack(meta, k, PETSC_FALSE, &holder));
  if (holder) PetscCall(MSMetaAccumulateModel(meta, k, meta->tloc));
  PetscFunctionReturn(0);
}

/* Each row is reduced over the ranks before it is squared: n_data reductions. */
static PetscErrorCode MSMetaSumExactDiagonal(MSMeta meta, MSMetaJtJCtx *c, Vec diag)
{
  Vec row;

  PetscFunctionBegin;
  PetscCall(VecDuplicate(diag, &row));
  PetscCall(VecSet(diag, 0.0));
  for (c->r = 0; c->r < meta->n_data; c->r++) {
    PetscCall(MSMetaZeroModelSum(meta));
    PetscCall(MSMetaForEachLocal(meta, -1, MSMetaSumRowStep, MSMetaSumRowPull, c, "exact JtJ diagonal"));
    PetscCall(MSMetaReduceModel(meta, row));
    PetscCall(VecPointwiseMult(row, row, row));
    PetscCall(VecAXPY(diag, 1.0, row));
  }
  PetscCall(VecDestroy(&row));
  PetscFunctionReturn(0);
}

/* diag with the chosen method; the probes are in place for the exact one. */
static PetscErrorCode MSMetaJtJCompute(MSMeta meta, MSMetaJtJCtx *c, Vec diag)
{
  PetscFunctionBegin;
  if (meta->jtj_method == MS_JTJDIAG_EXACT && meta->kind == MS_META_SUM) PetscCall(MSMetaSumExactDiagonal(meta, c, diag));
  else {
    PetscCall(MSMetaZeroModelSum(meta));
    if (meta->jtj_method == MS_JTJDIAG_EXACT) PetscCall(MSMetaForEachLocal(meta, MS_MetaLocalAdjoint, MSMetaExactRowsStep, NULL, c, "JtJ diagonal"));
    else PetscCall(MSMetaForEachLocal(meta, MS_MetaLocalAdjoint, MSMetaComposedStep, MSMetaComposedPull, c, "JtJ diagonal"));
    PetscCall(MSMetaReduceModel(meta, diag));
  }
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
  MSMetaJtJCtx   c;
  PetscBool      single = PETSC_TRUE, all_single;
  PetscErrorCode ierr;

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
  c.weighted = W ? PETSC_TRUE : PETSC_FALSE;
  c.acc      = NULL;
  PetscCall(PetscCalloc1(meta->n_local, &c.probes));
  if (meta->jtj_method == MS_JTJDIAG_EXACT) {
    PetscCall(VecDuplicate(meta->tloc, &c.acc));
    for (PetscInt k = 0; k < meta->n_local; k++) PetscCall(VecDuplicate(meta->sub_d[k], &c.probes[k]));
  }
  ierr = MSMetaJtJCompute(meta, &c, diag); /* fails on every rank: free first */
  PetscCall(VecDestroy(&c.acc));
  for (PetscInt k = 0; k < meta->n_local; k++) PetscCall(VecDestroy(&c.probes[k]));
  PetscCall(PetscFree(c.probes));
  PetscCall(ierr);
  if (exact) *exact = (meta->jtj_method == MS_JTJDIAG_EXACT || (all_single && (meta->kind != MS_META_SUM || meta->n_sims == 1))) ? PETSC_TRUE : PETSC_FALSE;
  PetscFunctionReturn(0);
}
