/* MSMeta's reproducible mode: model-space and (sum kind) data-space sums that are bitwise the same
   for any number of ranks and any placement of simulations, at the cost of one extra reduction of
   the bins' tops. Each rank bins its simulations' terms (MSBinnedSum), the tops are reduced with
   MPI_MAX, every rank aligns its bins to them, and the bins are added with one ordinary
   reduction: every addition is exact, so the order of the ranks does not show in the result.
   No rank holds more than its support (model) or the data length (sum kind, as the plain mode). */
#include "metaimpl.h"

/* Creates the accumulators; called at set-up when the mode is on. */
PetscErrorCode MSMetaReproSetUp(MSMeta meta)
{
  PetscInt n;

  PetscFunctionBegin;
  PetscCall(ISGetLocalSize(meta->support, &n));
  PetscCall(MSBinnedSumCreate(n, PetscMax(meta->n_sims, 1), &meta->rsum));
  if (meta->kind == MS_META_SUM) {
    PetscCall(MSBinnedSumCreate(meta->n_data, PetscMax(meta->n_sims, 1), &meta->rdata));
    PetscCall(MSBinnedSumCreate(meta->n_data_local, PetscMax(meta->n_sims, 1), &meta->rdata_own));
  }
  PetscFunctionReturn(0);
}

/* Drops what depends on the model layout (rebuilt by the next reduction). Collective. */
PetscErrorCode MSMetaReproResetLayout(MSMeta meta)
{
  PetscFunctionBegin;
  PetscCall(VecScatterDestroy(&meta->rscatter));
  PetscCall(VecDestroy(&meta->rtop));
  PetscCall(VecDestroy(&meta->rbins));
  PetscCall(VecDestroy(&meta->rtop_loc));
  PetscCall(VecDestroy(&meta->rgtop_loc));
  PetscCall(VecDestroy(&meta->rbins_loc));
  PetscFunctionReturn(0);
}

PetscErrorCode MSMetaReproDestroy(MSMeta meta)
{
  PetscFunctionBegin;
  PetscCall(MSMetaReproResetLayout(meta));
  PetscCall(MSBinnedSumDestroy(&meta->rsum));
  PetscCall(MSBinnedSumDestroy(&meta->rdata));
  PetscCall(MSBinnedSumDestroy(&meta->rdata_own));
  PetscFunctionReturn(0);
}

/* The model-layout tops and bins, and the scatter of the bins (block size MS_BINNED_BINS) from
   the rank's support; the support-layout Vecs wrap the accumulator's own arrays. */
static PetscErrorCode MSMetaReproEnsureLayout(MSMeta meta, Vec out)
{
  PetscInt        n, nown, N;
  PetscReal      *top, *bins;
  const PetscInt *idx;
  IS              blocks;

  PetscFunctionBegin;
  if (meta->rscatter) PetscFunctionReturn(0);
  PetscCall(ISGetLocalSize(meta->support, &n));
  PetscCall(VecGetLocalSize(out, &nown));
  PetscCall(VecGetSize(out, &N));
  PetscCall(MSBinnedSumGetArrays(meta->rsum, &top, &bins));
  PetscCall(VecCreateSeqWithArray(PETSC_COMM_SELF, 1, n, top, &meta->rtop_loc));
  PetscCall(VecDuplicate(meta->rtop_loc, &meta->rgtop_loc));
  PetscCall(VecCreateSeqWithArray(PETSC_COMM_SELF, MS_BINNED_BINS, MS_BINNED_BINS * n, bins, &meta->rbins_loc));
  PetscCall(VecDuplicate(out, &meta->rtop));
  PetscCall(VecCreateMPI(meta->hdr.comm, MS_BINNED_BINS * nown, MS_BINNED_BINS * N, &meta->rbins));
  PetscCall(VecSetBlockSize(meta->rbins, MS_BINNED_BINS));
  PetscCall(ISGetIndices(meta->support, &idx));
  PetscCall(ISCreateBlock(PETSC_COMM_SELF, MS_BINNED_BINS, n, idx, PETSC_COPY_VALUES, &blocks));
  PetscCall(ISRestoreIndices(meta->support, &idx));
  PetscCall(VecScatterCreate(meta->rbins, blocks, meta->rbins_loc, NULL, &meta->rscatter));
  PetscCall(ISDestroy(&blocks));
  PetscFunctionReturn(0);
}

/* out = the reproducible sum of the binned model-space terms (see MSMetaReduceModel()). */
PetscErrorCode MSMetaReproReduceModel(MSMeta meta, Vec out)
{
  const PetscReal *gtop, *bins;
  PetscReal       *o;
  PetscInt         nown;

  PetscFunctionBegin;
  PetscCall(MSMetaReproEnsureLayout(meta, out));
  /* every rank learns the highest top of each support entry */
  PetscCall(VecSet(meta->rtop, -1.0));
  PetscCall(VecScatterBegin(meta->scatter, meta->rtop_loc, meta->rtop, MAX_VALUES, SCATTER_REVERSE));
  PetscCall(VecScatterEnd(meta->scatter, meta->rtop_loc, meta->rtop, MAX_VALUES, SCATTER_REVERSE));
  PetscCall(VecScatterBegin(meta->scatter, meta->rtop, meta->rgtop_loc, INSERT_VALUES, SCATTER_FORWARD));
  PetscCall(VecScatterEnd(meta->scatter, meta->rtop, meta->rgtop_loc, INSERT_VALUES, SCATTER_FORWARD));
  PetscCall(VecGetArrayRead(meta->rgtop_loc, &gtop));
  PetscCall(MSBinnedSumAlign(meta->rsum, gtop));
  PetscCall(VecRestoreArrayRead(meta->rgtop_loc, &gtop));
  /* aligned bins add exactly */
  PetscCall(VecSet(meta->rbins, 0.0));
  PetscCall(VecScatterBegin(meta->rscatter, meta->rbins_loc, meta->rbins, ADD_VALUES, SCATTER_REVERSE));
  PetscCall(VecScatterEnd(meta->rscatter, meta->rbins_loc, meta->rbins, ADD_VALUES, SCATTER_REVERSE));
  PetscCall(VecGetLocalSize(out, &nown));
  PetscCall(VecGetArrayRead(meta->rbins, &bins));
  PetscCall(VecGetArrayWrite(out, &o));
  PetscCall(MSBinnedSumValues(nown, bins, o));
  PetscCall(VecRestoreArrayWrite(out, &o));
  PetscCall(VecRestoreArrayRead(meta->rbins, &bins));
  PetscFunctionReturn(0);
}

/* d = the reproducible sum of the owned simulations' full-length data (sum kind). */
PetscErrorCode MSMetaReproReduceData(MSMeta meta, Vec d)
{
  PetscReal   *top, *bins, *own, *o;
  PetscMPIInt *counts;

  PetscFunctionBegin;
  PetscCall(MSBinnedSumZero(meta->rdata));
  for (PetscInt k = 0; k < meta->n_local; k++) { /* the rank's part [lo, hi) of each simulation's data */
    const PetscScalar *a;
    PetscInt           lo, hi, *idx = NULL;

    PetscCall(VecGetOwnershipRange(meta->sub_d[k], &lo, &hi));
    if (hi - lo < meta->n_data) {
      PetscCall(PetscMalloc1(hi - lo, &idx));
      for (PetscInt j = lo; j < hi; j++) idx[j - lo] = j;
    }
    PetscCall(VecGetArrayRead(meta->sub_d[k], &a));
    PetscCall(MSBinnedSumAdd(meta->rdata, hi - lo, idx, a));
    PetscCall(VecRestoreArrayRead(meta->sub_d[k], &a));
    PetscCall(PetscFree(idx));
  }
  PetscCall(MSBinnedSumGetArrays(meta->rdata, &top, &bins));
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, top, (PetscMPIInt)meta->n_data, MPIU_REAL, MPI_MAX, meta->hdr.comm));
  PetscCall(MSBinnedSumAlign(meta->rdata, top));
  PetscCall(PetscMalloc1(meta->size, &counts));
  for (PetscMPIInt r = 0; r < meta->size; r++) counts[r] = (PetscMPIInt)(MS_BINNED_BINS * meta->rank_data[r]);
  PetscCall(MSBinnedSumGetArrays(meta->rdata_own, NULL, &own));
  PetscCallMPI(MPI_Reduce_scatter(bins, own, counts, MPIU_REAL, MPI_SUM, meta->hdr.comm));
  PetscCall(PetscFree(counts));
  PetscCall(VecGetArrayWrite(d, &o));
  PetscCall(MSBinnedSumValues(meta->n_data_local, own, o));
  PetscCall(VecRestoreArrayWrite(d, &o));
  PetscFunctionReturn(0);
}
