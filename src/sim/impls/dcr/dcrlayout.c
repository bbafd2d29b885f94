/* MSSIMDCR distribution: where the DMDA puts each cell, the scatter between the model (natural
   cell order, MSSimCreateVecs() layout) and the DMDA's global vectors, and the placement of
   electrode stencils on the processes that own their cells. */
#include "dcrimpl.h"

PetscErrorCode MSDCRLayoutDestroy(MSDCRLayout *l)
{
  PetscFunctionBegin;
  for (PetscInt d = 0; d < 3; d++) PetscCall(PetscFree(l->start[d]));
  PetscCall(PetscFree(l->offset));
  PetscCall(VecScatterDestroy(&l->model_to_da));
  PetscFunctionReturn(0);
}

/* The ownership of the DMDA da over ncells cells, and the scatter from the model layout. */
PetscErrorCode MSDCRLayoutCreate(MSDCRLayout *l, DM da, PetscInt ncells)
{
  const PetscInt *range[3];
  MPI_Comm        comm;
  PetscMPIInt     rank;
  Vec             model, global;
  IS              from, to;
  PetscInt       *natural, nprocs, count = 0, grstart;

  PetscFunctionBegin;
  PetscCall(MSDCRLayoutDestroy(l));
  PetscCall(PetscObjectGetComm((PetscObject)da, &comm));
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCall(DMDAGetInfo(da, NULL, &l->n[0], &l->n[1], &l->n[2], &l->procs[0], &l->procs[1], &l->procs[2], NULL, NULL, NULL, NULL, NULL, NULL));
  PetscCall(DMDAGetOwnershipRanges(da, &range[0], &range[1], &range[2]));
  for (PetscInt d = 0; d < 3; d++) {
    PetscCall(PetscMalloc1(l->procs[d] + 1, &l->start[d]));
    l->start[d][0] = 0;
    for (PetscInt p = 0; p < l->procs[d]; p++) l->start[d][p + 1] = l->start[d][p] + range[d][p];
  }
  nprocs = l->procs[0] * l->procs[1] * l->procs[2];
  PetscCall(PetscMalloc1(nprocs + 1, &l->offset));
  l->offset[0] = 0;
  for (PetscInt r = 0; r < nprocs; r++) {
    const PetscInt p[3] = {r % l->procs[0], (r / l->procs[0]) % l->procs[1], r / (l->procs[0] * l->procs[1])};

    l->offset[r + 1] = l->offset[r] + range[0][p[0]] * range[1][p[1]] * range[2][p[2]];
  }
  PetscCall(DMDAGetCorners(da, &l->xs[0], &l->xs[1], &l->xs[2], &l->xm[0], &l->xm[1], &l->xm[2]));
  PetscCall(DMDAGetGhostCorners(da, &l->gs[0], &l->gs[1], &l->gs[2], &l->gm[0], &l->gm[1], &l->gm[2]));
  l->rstart = l->offset[rank];
  l->rend   = l->offset[rank + 1];

  PetscCall(DMCreateGlobalVector(da, &global));
  PetscCall(VecGetOwnershipRange(global, &grstart, NULL));
  PetscCheck(grstart == l->rstart && l->rend - l->rstart == l->xm[0] * l->xm[1] * l->xm[2], PETSC_COMM_SELF, PETSC_ERR_PLIB, "MSSIMDCR: unexpected DMDA ownership");
  PetscCall(VecCreateMPI(comm, PETSC_DECIDE, ncells, &model));
  PetscCall(VecGetOwnershipRange(model, &l->mstart, &l->mend));
  PetscCall(PetscMalloc1(l->rend - l->rstart, &natural));
  for (PetscInt k = l->xs[2]; k < l->xs[2] + l->xm[2]; k++)
    for (PetscInt j = l->xs[1]; j < l->xs[1] + l->xm[1]; j++)
      for (PetscInt i = l->xs[0]; i < l->xs[0] + l->xm[0]; i++) natural[count++] = i + l->n[0] * (j + l->n[1] * k);
  PetscCall(ISCreateGeneral(comm, count, natural, PETSC_OWN_POINTER, &from));
  PetscCall(ISCreateStride(comm, count, l->rstart, 1, &to));
  PetscCall(VecScatterCreate(model, from, global, to, &l->model_to_da));
  PetscCall(ISDestroy(&from));
  PetscCall(ISDestroy(&to));
  PetscCall(VecDestroy(&model));
  PetscCall(VecDestroy(&global));
  PetscFunctionReturn(0);
}

/* The process block along one axis that holds cell index i (binary search over the starts). */
static PetscInt MSDCRLayoutBlock(const PetscInt *start, PetscInt procs, PetscInt i)
{
  PetscInt lo = 0, hi = procs;

  while (hi - lo > 1) {
    PetscInt mid = (lo + hi) / 2;

    if (start[mid] <= i) lo = mid;
    else hi = mid;
  }
  return lo;
}

/* The DMDA global index of the cell with natural index cell (any process's cell). */
PetscErrorCode MSDCRLayoutGlobalIndex(const MSDCRLayout *l, PetscInt cell, PetscInt *global)
{
  const PetscInt ijk[3] = {cell % l->n[0], (cell / l->n[0]) % l->n[1], cell / (l->n[0] * l->n[1])};
  PetscInt       p[3], w[3];

  PetscFunctionBegin;
  for (PetscInt d = 0; d < 3; d++) {
    p[d] = MSDCRLayoutBlock(l->start[d], l->procs[d], ijk[d]);
    w[d] = l->start[d][p[d] + 1] - l->start[d][p[d]];
  }
  *global = l->offset[p[0] + l->procs[0] * (p[1] + l->procs[1] * p[2])] + (ijk[0] - l->start[0][p[0]]) + w[0] * ((ijk[1] - l->start[1][p[1]]) + w[1] * (ijk[2] - l->start[2][p[2]]));
  PetscFunctionReturn(0);
}

/* Collective: errors on every process unless the model-space vector v is distributed as
   MSSimCreateVecs() makes it (the model scatter is built for that layout). */
PetscErrorCode MSDCRLayoutCheckModelVec(const MSDCRLayout *l, MPI_Comm comm, Vec v, const char what[])
{
  PetscInt lo, hi;
  int      bad, anybad;

  PetscFunctionBegin;
  PetscCall(VecGetOwnershipRange(v, &lo, &hi));
  bad = lo != l->mstart || hi != l->mend;
  PetscCallMPI(MPI_Allreduce(&bad, &anybad, 1, MPI_INT, MPI_LOR, comm));
  PetscCheck(!anybad, comm, PETSC_ERR_ARG_INCOMP, "MSSIMDCR: the %s vector is not distributed like the vectors of MSSimCreateVecs()", what);
  PetscFunctionReturn(0);
}

/* array (the owned part of a DMDA global vector) += scale * (interpolation weights at p), for the
   stencil cells this process owns. */
PetscErrorCode MSDCRLayoutAddStencil(const MSDCRLayout *l, const MSDCRGrid *grid, const PetscReal p[3], PetscReal scale, PetscScalar *array)
{
  MSDCRStencil st;

  PetscFunctionBegin;
  PetscCall(MSDCRGridStencil(grid, p, &st));
  for (PetscInt k = 0; k < st.count; k++) {
    PetscInt g;

    PetscCall(MSDCRLayoutGlobalIndex(l, st.cell[k], &g));
    if (g >= l->rstart && g < l->rend) array[g - l->rstart] += scale * st.weight[k];
  }
  PetscFunctionReturn(0);
}
