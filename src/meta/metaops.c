/* MSMeta operations: dpred, J v, J^T w, residual and data misfit. Each is a scatter of the model,
   local work on the owned simulations, then a gather or reduction. */
#include "metaimpl.h"

typedef enum {
  MS_META_LOCAL_DPRED,
  MS_META_LOCAL_JVEC
} MSMetaLocalForwardOp;

/* Owned simulations' dpred or J v into sub_d; on error, *failed names the simulation. */
static PetscErrorCode MSMetaLocalForward(MSMeta meta, MSMetaLocalForwardOp op, PetscInt *failed)
{
  PetscFunctionBegin;
  for (PetscInt k = 0; k < meta->n_local; k++) {
    *failed = meta->first + k;
    if (op == MS_META_LOCAL_DPRED) PetscCall(MSSimDpred(meta->sims[k], meta->sub_m[k], meta->sub_d[k]));
    else PetscCall(MSSimJvec(meta->sims[k], meta->sub_m[k], meta->sub_v[k], meta->sub_d[k]));
  }
  *failed = -1;
  PetscFunctionReturn(0);
}

static PetscErrorCode MSMetaForward(MSMeta meta, MSMetaLocalForwardOp op, Vec out, const char what[])
{
  PetscErrorCode lerr;
  PetscInt       failed = -1;

  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(MS_MetaLocalForward, 0, 0, 0, 0));
  lerr = MSMetaLocalForward(meta, op, &failed);
  PetscCall(PetscLogEventEnd(MS_MetaLocalForward, 0, 0, 0, 0));
  PetscCall(MSMetaAgree(meta, lerr, failed, what));
  PetscCall(MSMetaLocalToData(meta, out));
  PetscFunctionReturn(0);
}

/* Owned simulations' M_k'^T J_k^T w_k, added into the model-space sum. */
static PetscErrorCode MSMetaLocalAdjoint(MSMeta meta, PetscInt *failed)
{
  PetscFunctionBegin;
  PetscCall(MSMetaZeroModelSum(meta));
  for (PetscInt k = 0; k < meta->n_local; k++) {
    Vec w;

    *failed = meta->first + k;
    PetscCall(MSMetaGetLocalDataBlock(meta, k, &w));
    PetscCall(MSSimJtvec(meta->sims[k], meta->sub_m[k], w, meta->sub_g[k]));
    PetscCall(MSMapJtvec(meta->rmaps[k], meta->mloc, meta->sub_g[k], meta->tloc));
    PetscCall(MSMetaAccumulateModel(meta, k, meta->tloc));
  }
  *failed = -1;
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
  PetscCall(MSMetaForward(meta, MS_META_LOCAL_DPRED, d, "dpred"));
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
  PetscCall(MSMetaForward(meta, MS_META_LOCAL_JVEC, jv, "Jvec"));
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
  Each rank sums its simulations' contributions on its support, then one reduction adds them into
  jtw (in simulation order with `MSMetaSetReproducible()`).

  Level: beginner

.seealso: `MSMetaJvec()`, `MSMetaGetJacobian()`
@*/
PetscErrorCode MSMetaJtvec(MSMeta meta, Vec m, Vec w, Vec jtw)
{
  PetscErrorCode lerr;
  PetscInt       failed = -1;

  PetscFunctionBegin;
  PetscCall(MSMetaCheckDataVec(meta, w, "Jtvec input"));
  PetscCall(MSMetaCheckModelVec(meta, jtw, "Jtvec output"));
  PetscCall(MSVecCheckFinite(w, "Jtvec input"));
  PetscCall(MSMetaScatterModel(meta, m));
  PetscCall(MSMetaDataToLocal(meta, w));
  PetscCall(PetscLogEventBegin(MS_MetaLocalAdjoint, 0, 0, 0, 0));
  lerr = MSMetaLocalAdjoint(meta, &failed);
  PetscCall(PetscLogEventEnd(MS_MetaLocalAdjoint, 0, 0, 0, 0));
  PetscCall(MSMetaAgree(meta, lerr, failed, "Jtvec"));
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
