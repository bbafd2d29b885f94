/* MSMeta data movement: the model scatter onto each rank's support, data blocks, and the
   reductions of model-space and (sum kind) data-space sums, plain or reproducible (metarepro.c). */
#include "metaimpl.h"

PetscErrorCode MSMetaCheckModelVec(MSMeta meta, Vec m, const char what[])
{
  PetscFunctionBegin;
  MSCheckSetUp(meta, "MSMeta");
  PetscCall(MSVecCheckSize(m, meta->n_model, "MSMeta", what));
  PetscFunctionReturn(0);
}

/* Data vectors must have the meta simulation's layout (see MSMetaCreateVecs()). */
PetscErrorCode MSMetaCheckDataVec(MSMeta meta, Vec d, const char what[])
{
  PetscInt n;
  char     msg[256];

  PetscFunctionBegin;
  MSCheckSetUp(meta, "MSMeta");
  PetscCall(MSVecCheckSize(d, meta->n_data, "MSMeta", what));
  PetscCall(VecGetLocalSize(d, &n));
  PetscCall(PetscSNPrintf(msg, sizeof(msg), "MSMeta: the %s vector's layout differs from the meta simulation's data layout (create it with MSMetaCreateVecs())", what));
  PetscCall(MSMetaCheckAll(meta, n == meta->n_data_local ? PETSC_TRUE : PETSC_FALSE, PETSC_ERR_ARG_INCOMP, msg));
  PetscFunctionReturn(0);
}

/* (Re)builds the scatter from the model's layout onto the rank's support. */
static PetscErrorCode MSMetaEnsureScatter(MSMeta meta, Vec m)
{
  PetscInt  rstart, rend;
  PetscBool same, all;

  PetscFunctionBegin;
  PetscCall(VecGetOwnershipRange(m, &rstart, &rend));
  same = (meta->scatter && rstart == meta->scatter_rstart && rend == meta->scatter_rend) ? PETSC_TRUE : PETSC_FALSE;
  PetscCall(MPIU_Allreduce(&same, &all, 1, MPIU_BOOL, MPI_LAND, meta->hdr.comm));
  if (all) PetscFunctionReturn(0);
  PetscCall(VecScatterDestroy(&meta->scatter));
  PetscCall(MSMetaReproResetLayout(meta));
  PetscCall(VecScatterCreate(m, meta->support, meta->mloc, NULL, &meta->scatter));
  meta->scatter_rstart = rstart;
  meta->scatter_rend   = rend;
  meta->model_key.valid = PETSC_FALSE;
  PetscFunctionReturn(0);
}

/* With a group of several ranks each map runs on every rank into the whole sub-vector rep[k], of
   which each rank keeps its part of the simulation's vector. */
static PetscErrorCode MSMetaKeepOwnedPart(MSMeta meta, PetscInt k, Vec sub)
{
  const PetscScalar *a;
  PetscScalar       *b;
  PetscInt           lo, hi;

  PetscFunctionBegin;
  if (meta->gsize == 1) PetscFunctionReturn(0);
  PetscCall(VecGetOwnershipRange(sub, &lo, &hi));
  PetscCall(VecGetArrayRead(meta->rep[k], &a));
  PetscCall(VecGetArrayWrite(sub, &b));
  PetscCall(PetscArraycpy(b, a + lo, hi - lo));
  PetscCall(VecRestoreArrayWrite(sub, &b));
  PetscCall(VecRestoreArrayRead(meta->rep[k], &a));
  PetscFunctionReturn(0);
}

/* Moves the model entries the rank's maps read and applies the maps, unless the sub-models
   already belong to this model state. Collective; failures are agreed on. Every rank of a group
   receives the group's support and applies its maps (no communication inside the group). */
PetscErrorCode MSMetaScatterModel(MSMeta meta, Vec m)
{
  PetscBool      cached, all;
  PetscErrorCode lerr = 0;
  PetscInt       k;

  PetscFunctionBegin;
  PetscCall(MSMetaCheckModelVec(meta, m, "model"));
  PetscCall(MSVecKeyMatches(&meta->model_key, m, &cached));
  PetscCall(MPIU_Allreduce(&cached, &all, 1, MPIU_BOOL, MPI_LAND, meta->hdr.comm));
  if (all) PetscFunctionReturn(0);
  meta->model_key.valid = PETSC_FALSE;
  PetscCall(MSVecCheckFinite(m, "meta simulation model"));
  PetscCall(MSMetaEnsureScatter(meta, m));
  PetscCall(PetscLogEventBegin(MS_MetaScatter, 0, 0, 0, 0));
  PetscCall(VecScatterBegin(meta->scatter, m, meta->mloc, INSERT_VALUES, SCATTER_FORWARD));
  PetscCall(VecScatterEnd(meta->scatter, m, meta->mloc, INSERT_VALUES, SCATTER_FORWARD));
  for (k = 0; k < meta->n_local && !lerr; k++) { /* m was checked above */
    lerr = MSMapApplyChecked(meta->rmaps[k], meta->mloc, meta->gsize > 1 ? meta->rep[k] : meta->sub_m[k]);
    if (!lerr) lerr = MSMetaKeepOwnedPart(meta, k, meta->sub_m[k]);
  }
  PetscCall(PetscLogEventEnd(MS_MetaScatter, 0, 0, 0, 0));
  PetscCall(MSMetaAgree(meta, lerr, meta->first + k - 1, "model map"));
  PetscCall(MSVecKeySet(&meta->model_key, m));
  PetscFunctionReturn(0);
}

/* A model-space perturbation v onto the rank's support, then through each map's derivative. */
PetscErrorCode MSMetaScatterPerturbation(MSMeta meta, Vec v)
{
  PetscErrorCode lerr = 0;
  PetscInt       k;

  PetscFunctionBegin;
  PetscCall(MSMetaCheckModelVec(meta, v, "perturbation"));
  PetscCall(MSMetaEnsureScatter(meta, v));
  PetscCall(PetscLogEventBegin(MS_MetaScatter, 0, 0, 0, 0));
  PetscCall(VecScatterBegin(meta->scatter, v, meta->vloc, INSERT_VALUES, SCATTER_FORWARD));
  PetscCall(VecScatterEnd(meta->scatter, v, meta->vloc, INSERT_VALUES, SCATTER_FORWARD));
  for (k = 0; k < meta->n_local && !lerr; k++) {
    lerr = MSMapJvec(meta->rmaps[k], meta->mloc, meta->vloc, meta->gsize > 1 ? meta->rep[k] : meta->sub_v[k]);
    if (!lerr) lerr = MSMetaKeepOwnedPart(meta, k, meta->sub_v[k]);
  }
  PetscCall(PetscLogEventEnd(MS_MetaScatter, 0, 0, 0, 0));
  PetscCall(MSMetaAgree(meta, lerr, meta->first + k - 1, "map derivative"));
  PetscFunctionReturn(0);
}

/* The data-space input of owned simulation k: its block (stack, repeat) or all of it (sum: the
   full copy itself with one rank per simulation). */
PetscErrorCode MSMetaGetLocalDataBlock(MSMeta meta, PetscInt k, Vec *w)
{
  PetscFunctionBegin;
  *w = (meta->kind == MS_META_SUM && meta->gsize == 1) ? meta->dall : meta->sub_d[k];
  PetscFunctionReturn(0);
}

/* Sum kind, groups of several ranks: each rank's part of the full copy, into each simulation's. */
static PetscErrorCode MSMetaFullToBlocks(MSMeta meta)
{
  const PetscScalar *a;

  PetscFunctionBegin;
  PetscCall(VecGetArrayRead(meta->dall, &a));
  for (PetscInt k = 0; k < meta->n_local; k++) {
    PetscScalar *b;
    PetscInt     lo, hi;

    PetscCall(VecGetOwnershipRange(meta->sub_d[k], &lo, &hi));
    PetscCall(VecGetArrayWrite(meta->sub_d[k], &b));
    PetscCall(PetscArraycpy(b, a + lo, hi - lo));
    PetscCall(VecRestoreArrayWrite(meta->sub_d[k], &b));
  }
  PetscCall(VecRestoreArrayRead(meta->dall, &a));
  PetscFunctionReturn(0);
}

/* Distributes a data-space vector to the owned simulations (see MSMetaGetLocalDataBlock()). */
PetscErrorCode MSMetaDataToLocal(MSMeta meta, Vec w)
{
  PetscFunctionBegin;
  if (meta->kind == MS_META_SUM) {
    PetscCall(VecScatterBegin(meta->data_to_all, w, meta->dall, INSERT_VALUES, SCATTER_FORWARD));
    PetscCall(VecScatterEnd(meta->data_to_all, w, meta->dall, INSERT_VALUES, SCATTER_FORWARD));
    if (meta->gsize > 1) PetscCall(MSMetaFullToBlocks(meta));
  } else {
    const PetscScalar *a;

    if (meta->data_scatter) { /* this rank's parts of its simulations' blocks are elsewhere */
      PetscCall(VecScatterBegin(meta->data_scatter, w, meta->dloc, INSERT_VALUES, SCATTER_FORWARD));
      PetscCall(VecScatterEnd(meta->data_scatter, w, meta->dloc, INSERT_VALUES, SCATTER_FORWARD));
      w = meta->dloc;
    }
    PetscCall(VecGetArrayRead(w, &a));
    for (PetscInt k = 0; k < meta->n_local; k++) {
      PetscScalar *b;

      PetscCall(VecGetArrayWrite(meta->sub_d[k], &b));
      PetscCall(PetscArraycpy(b, a + meta->data_offsets[k], meta->data_offsets[k + 1] - meta->data_offsets[k]));
      PetscCall(VecRestoreArrayWrite(meta->sub_d[k], &b));
    }
    PetscCall(VecRestoreArrayRead(w, &a));
  }
  PetscFunctionReturn(0);
}

/* Owned simulations' data into a data Vec: their blocks (stack, repeat) or their sum (sum). */
PetscErrorCode MSMetaLocalToData(MSMeta meta, Vec d)
{
  PetscFunctionBegin;
  if (meta->kind != MS_META_SUM) {
    PetscScalar *a;
    Vec          dst = meta->data_scatter ? meta->dloc : d;

    PetscCall(VecGetArrayWrite(dst, &a));
    for (PetscInt k = 0; k < meta->n_local; k++) {
      const PetscScalar *b;

      PetscCall(VecGetArrayRead(meta->sub_d[k], &b));
      PetscCall(PetscArraycpy(a + meta->data_offsets[k], b, meta->data_offsets[k + 1] - meta->data_offsets[k]));
      PetscCall(VecRestoreArrayRead(meta->sub_d[k], &b));
    }
    PetscCall(VecRestoreArrayWrite(dst, &a));
    if (meta->data_scatter) {
      PetscCall(VecScatterBegin(meta->data_scatter, meta->dloc, d, INSERT_VALUES, SCATTER_REVERSE));
      PetscCall(VecScatterEnd(meta->data_scatter, meta->dloc, d, INSERT_VALUES, SCATTER_REVERSE));
    }
    PetscFunctionReturn(0);
  }
  PetscCall(PetscLogEventBegin(MS_MetaReduce, 0, 0, 0, 0));
  if (meta->reproducible) PetscCall(MSMetaReproReduceData(meta, d));
  else {
    PetscScalar *sum, *o;
    PetscMPIInt *counts;

    PetscCall(VecSet(meta->dsum, 0.0));
    PetscCall(VecGetArray(meta->dsum, &sum));
    for (PetscInt k = 0; k < meta->n_local; k++) { /* the rank's part of each simulation's data */
      const PetscScalar *b;
      PetscInt           lo, hi;

      PetscCall(VecGetOwnershipRange(meta->sub_d[k], &lo, &hi));
      PetscCall(VecGetArrayRead(meta->sub_d[k], &b));
      for (PetscInt j = lo; j < hi; j++) sum[j] += b[j - lo];
      PetscCall(VecRestoreArrayRead(meta->sub_d[k], &b));
    }
    PetscCall(PetscMalloc1(meta->size, &counts));
    for (PetscMPIInt r = 0; r < meta->size; r++) counts[r] = (PetscMPIInt)meta->rank_data[r];
    PetscCall(VecGetArrayWrite(d, &o));
    PetscCallMPI(MPI_Reduce_scatter(sum, o, counts, MPIU_SCALAR, MPIU_SUM, meta->hdr.comm));
    PetscCall(VecRestoreArrayWrite(d, &o));
    PetscCall(VecRestoreArray(meta->dsum, &sum));
    PetscCall(PetscFree(counts));
  }
  PetscCall(PetscLogEventEnd(MS_MetaReduce, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

/* Model-space sums: start, add owned simulation k's contribution (on the support), reduce. */
PetscErrorCode MSMetaZeroModelSum(MSMeta meta)
{
  PetscFunctionBegin;
  if (meta->reproducible) PetscCall(MSBinnedSumZero(meta->rsum));
  else PetscCall(VecSet(meta->gloc, 0.0));
  PetscFunctionReturn(0);
}

/* tloc = M_k'^T g_k, or (M_k' o M_k')^T g_k when squared, from owned simulation k's model-space
   vector g_k = sub_g[k]: gathered on its group's first rank, the only one that computes it
   (*holder), so each simulation's term enters the model-space sum once. */
PetscErrorCode MSMetaPullBack(MSMeta meta, PetscInt k, PetscBool squared, PetscBool *holder)
{
  Vec g = meta->sub_g[k];

  PetscFunctionBegin;
  if (meta->gsize > 1) {
    PetscCall(VecScatterBegin(meta->to_root[k], meta->sub_g[k], meta->rep_g[k], INSERT_VALUES, SCATTER_FORWARD));
    PetscCall(VecScatterEnd(meta->to_root[k], meta->sub_g[k], meta->rep_g[k], INSERT_VALUES, SCATTER_FORWARD));
    g = meta->rep_g[k];
  }
  *holder = meta->grank == 0 ? PETSC_TRUE : PETSC_FALSE;
  if (!*holder) PetscFunctionReturn(0);
  if (squared) PetscCall(MSMapSquaredJtvec(meta->rmaps[k], meta->mloc, g, meta->tloc));
  else PetscCall(MSMapJtvec(meta->rmaps[k], meta->mloc, g, meta->tloc));
  PetscFunctionReturn(0);
}

PetscErrorCode MSMetaAccumulateModel(MSMeta meta, PetscInt k, Vec c)
{
  PetscFunctionBegin;
  if (meta->reproducible) { /* only the entries simulation k's map reads: c is zero elsewhere */
    const PetscScalar *a;
    const PetscInt    *idx;
    PetscInt           n;
    IS                 support;

    PetscCall(MSMapGetSupport(meta->rmaps[k], &support));
    PetscCall(ISGetLocalSize(support, &n));
    PetscCall(ISGetIndices(support, &idx));
    PetscCall(VecGetArrayRead(c, &a));
    PetscCall(MSBinnedSumAddSubset(meta->rsum, n, idx, a));
    PetscCall(VecRestoreArrayRead(c, &a));
    PetscCall(ISRestoreIndices(support, &idx));
  } else PetscCall(VecAXPY(meta->gloc, 1.0, c));
  PetscFunctionReturn(0);
}

PetscErrorCode MSMetaReduceModel(MSMeta meta, Vec out)
{
  PetscFunctionBegin;
  PetscCall(MSMetaEnsureScatter(meta, out));
  PetscCall(PetscLogEventBegin(MS_MetaReduce, 0, 0, 0, 0));
  if (meta->reproducible) PetscCall(MSMetaReproReduceModel(meta, out));
  else {
    PetscCall(VecSet(out, 0.0));
    PetscCall(VecScatterBegin(meta->scatter, meta->gloc, out, ADD_VALUES, SCATTER_REVERSE));
    PetscCall(VecScatterEnd(meta->scatter, meta->gloc, out, ADD_VALUES, SCATTER_REVERSE));
  }
  PetscCall(PetscLogEventEnd(MS_MetaReduce, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}
