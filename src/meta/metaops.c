/* MSMeta operations: dpred, J v, J^T w, residual and data misfit. Each is a scatter of the model,
   local work on the owned simulations, then a gather or reduction. */
#include "metaimpl.h"

/* One owned simulation's collective step, run by MSMetaForEachLocal() on its group. */
static PetscErrorCode MSMetaDpredStep(MSMeta meta, PetscInt k, void *ctx)
{
  PetscFunctionBegin;
  PetscCall(MSSimDpred(meta->sims[k], meta->sub_m[k], meta->sub_d[k]));
  PetscFunctionReturn(0);
}

static PetscErrorCode MSMetaJvecStep(MSMeta meta, PetscInt k, void *ctx)
{
  PetscFunctionBegin;
  PetscCall(MSSimJvec(meta->sims[k], meta->sub_m[k], meta->sub_v[k], meta->sub_d[k]));
  PetscFunctionReturn(0);
}

/* Owned simulations' dpred or J v into sub_d, then into the data Vec out. */
static PetscErrorCode MSMetaForward(MSMeta meta, MSMetaLocalStep step, Vec out, const char what[])
{
  PetscFunctionBegin;
  PetscCall(MSMetaForEachLocal(meta, MS_MetaLocalForward, step, NULL, NULL, what));
  PetscCall(MSMetaLocalToData(meta, out));
  PetscFunctionReturn(0);
}

/* J_k^T w_k of owned simulation k, then M_k'^T of it added into the model-space sum. */
static PetscErrorCode MSMetaJtvecStep(MSMeta meta, PetscInt k, void *ctx)
{
  Vec w;

  PetscFunctionBegin;
  PetscCall(MSMetaGetLocalDataBlock(meta, k, &w));
  PetscCall(MSSimJtvec(meta->sims[k], meta->sub_m[k], w, meta->sub_g[k]));
  PetscFunctionReturn(0);
}

static PetscErrorCode MSMetaPullBackStep(MSMeta meta, PetscInt k, void *ctx)
{
  PetscBool holder;

  PetscFunctionBegin;
  PetscCall(MSMetaPullBack(meta, k, PETSC_FALSE, &holder));
  if (holder) PetscCall(MSMetaAccumulateModel(meta, k, meta->tloc));
  PetscFunctionReturn(0);
}

/*@C
  MSMetaDpred - predicted data of the meta simulation

  Collective

  Input Parameters:
+ meta - the meta simulation, set up
- m    - the global model (any layout), finite

  Output Parameter:
. d - predicted data with the layout of `MSMetaCreateVecs()`: stacked blocks d_i (stack, repeat)
      or sum_i d_i (sum)

  Notes:
  The model entries each rank's maps read are scattered to it once per model state; the owned
  simulations' fields are then cached until the model changes.

  Level: beginner

.seealso: `MSMetaJvec()`, `MSMetaJtvec()`
@*/
PetscErrorCode MSMetaDpred(MSMeta meta, Vec m, Vec d)
{
  PetscFunctionBegin;
  PetscCall(MSMetaCheckDataVec(meta, d, "predicted data"));
  PetscCall(MSMetaScatterModel(meta, m));
  PetscCall(MSMetaForward(meta, MSMetaDpredStep, d, "dpred"));
  PetscFunctionReturn(0);
}

/*@C
  MSMetaJvec - the meta Jacobian times a model perturbation

  Collective

  Input Parameters:
+ meta - the meta simulation
. m    - the global model
- v    - the perturbation, global model length

  Output Parameter:
. jv - [J_i M_i' v]_i stacked (stack, repeat) or summed (sum)

  Level: beginner

.seealso: `MSMetaJtvec()`, `MSMetaGetJacobian()`
@*/
PetscErrorCode MSMetaJvec(MSMeta meta, Vec m, Vec v, Vec jv)
{
  PetscFunctionBegin;
  PetscCall(MSMetaCheckDataVec(meta, jv, "Jvec output"));
  PetscCall(MSMetaScatterModel(meta, m));
  PetscCall(MSMetaScatterPerturbation(meta, v));
  PetscCall(MSMetaForward(meta, MSMetaJvecStep, jv, "Jvec"));
  PetscFunctionReturn(0);
}

/*@C
  MSMetaJtvec - the transposed meta Jacobian times a data-space vector

  Collective

  Input Parameters:
+ meta - the meta simulation
. m    - the global model
- w    - data-space vector with the layout of `MSMetaCreateVecs()`

  Output Parameter:
. jtw - sum_i M_i'^T J_i^T w_i, where w_i is block i of w (stack, repeat) or all of w (sum)

  Notes:
  Each rank sums its simulations' contributions on its support (with groups of several ranks, a
  simulation's J_i^T w_i is gathered on its group's first rank, which alone applies M_i'^T), then
  one reduction adds them into jtw (bitwise independent of ranks and groups with
  `MSMetaSetReproducible()`).

  Level: beginner

.seealso: `MSMetaJvec()`, `MSMetaGetJacobian()`
@*/
PetscErrorCode MSMetaJtvec(MSMeta meta, Vec m, Vec w, Vec jtw)
{
  PetscFunctionBegin;
  PetscCall(MSMetaCheckDataVec(meta, w, "Jtvec input"));
  PetscCall(MSMetaCheckModelVec(meta, jtw, "Jtvec output"));
  PetscCall(MSVecCheckFinite(w, "Jtvec input"));
  PetscCall(MSMetaScatterModel(meta, m));
  PetscCall(MSMetaDataToLocal(meta, w));
  PetscCall(MSMetaZeroModelSum(meta));
  PetscCall(MSMetaForEachLocal(meta, MS_MetaLocalAdjoint, MSMetaJtvecStep, MSMetaPullBackStep, NULL, "Jtvec"));
  PetscCall(MSMetaReduceModel(meta, jtw));
  PetscFunctionReturn(0);
}

/*@C
  MSMetaResidual - r = dpred(m) - d_obs

  Collective

  Input Parameters:
+ meta  - the meta simulation
. m     - the global model
- d_obs - observed data, data layout, finite

  Output Parameter:
. r - the residual

  Level: beginner

.seealso: `MSMetaMisfit()`
@*/
PetscErrorCode MSMetaResidual(MSMeta meta, Vec m, Vec d_obs, Vec r)
{
  PetscFunctionBegin;
  PetscCall(MSMetaCheckDataVec(meta, d_obs, "observed data"));
  PetscCall(MSVecCheckFinite(d_obs, "observed data"));
  PetscCall(MSMetaDpred(meta, m, r));
  PetscCall(VecAXPY(r, -1.0, d_obs));
  PetscFunctionReturn(0);
}

/* ||r||^2 / 2; in reproducible mode a binned sum of the squares, the same bits for any layout. */
static PetscErrorCode MSMetaHalfSquaredNorm(MSMeta meta, Vec r, PetscReal *phi)
{
  MSBinnedSum        s;
  const PetscScalar *a;
  PetscReal         *bins;
  PetscInt           n;

  PetscFunctionBegin;
  if (!meta->reproducible) {
    PetscCall(VecNorm(r, NORM_2, phi));
    *phi = 0.5 * (*phi) * (*phi);
    PetscFunctionReturn(0);
  }
  PetscCall(MSBinnedSumCreate(1, PetscMax(meta->n_data, 1), &s));
  PetscCall(VecGetLocalSize(r, &n));
  PetscCall(VecGetArrayRead(r, &a));
  for (PetscInt i = 0; i < n; i++) {
    PetscReal sq = PetscRealPart(a[i]) * PetscRealPart(a[i]);

    PetscCall(MSBinnedSumAdd(s, 1, NULL, &sq));
  }
  PetscCall(VecRestoreArrayRead(r, &a));
  PetscCall(MSBinnedSumAllreduce(s, meta->hdr.comm));
  PetscCall(MSBinnedSumGetArrays(s, NULL, &bins));
  PetscCall(MSBinnedSumValues(1, bins, phi));
  PetscCall(MSBinnedSumDestroy(&s));
  *phi *= 0.5;
  PetscFunctionReturn(0);
}

/*@C
  MSMetaMisfit - the data misfit phi = 1/2 ||W (dpred(m) - d_obs)||^2 and its gradient in one call

  Collective

  Input Parameters:
+ meta  - the meta simulation
. m     - the global model
. d_obs - observed data
- W     - diagonal data weights (e.g. 1/uncertainty), data layout; NULL for W = I

  Output Parameters:
+ phi  - the misfit
- grad - J^T W^T W (dpred(m) - d_obs), global model length (or NULL)

  Level: beginner

.seealso: `MSMetaResidual()`, `MSMetaJtvec()`
@*/
PetscErrorCode MSMetaMisfit(MSMeta meta, Vec m, Vec d_obs, Vec W, PetscReal *phi, Vec grad)
{
  Vec r;

  PetscFunctionBegin;
  PetscCall(VecDuplicate(d_obs, &r));
  PetscCall(MSMetaResidual(meta, m, d_obs, r));
  if (W) {
    PetscCall(MSMetaCheckDataVec(meta, W, "data weights"));
    PetscCall(VecPointwiseMult(r, r, W));
  }
  PetscCall(MSMetaHalfSquaredNorm(meta, r, phi));
  if (grad) {
    if (W) PetscCall(VecPointwiseMult(r, r, W));
    PetscCall(MSMetaJtvec(meta, m, r, grad));
  }
  PetscCall(VecDestroy(&r));
  PetscFunctionReturn(0);
}
