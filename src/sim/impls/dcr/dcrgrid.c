/* MSSIMDCR tensor grid: validation, cell centres, point location and interpolation stencils. */
#include "dcrimpl.h"

static const char MSDCRAxisNames[3] = {'x', 'y', 'z'};

PetscErrorCode MSDCRGridDestroy(MSDCRGrid *grid)
{
  PetscFunctionBegin;
  for (PetscInt d = 0; d < 3; d++) {
    PetscCall(PetscFree(grid->edges[d]));
    PetscCall(PetscFree(grid->centres[d]));
    grid->n[d] = 0;
  }
  PetscFunctionReturn(0);
}

/* Copies n[d] + 1 edges per axis after checking they are finite and strictly increasing. */
PetscErrorCode MSDCRGridSet(MSDCRGrid *grid, MPI_Comm comm, const PetscInt n[3], const PetscReal *const edges[3])
{
  PetscInt64 cells = 1;

  PetscFunctionBegin;
  PetscCheck(n && edges, comm, PETSC_ERR_ARG_NULL, "MSSimDCRSetGrid: the cell counts and the edge arrays must not be NULL");
  for (PetscInt d = 0; d < 3; d++) {
    PetscCheck(n[d] >= 2, comm, PETSC_ERR_ARG_OUTOFRANGE, "MSSimDCRSetGrid: the grid needs at least 2 cells along %c, got %" PetscInt_FMT, MSDCRAxisNames[d], n[d]);
    PetscCheck(edges[d], comm, PETSC_ERR_ARG_NULL, "MSSimDCRSetGrid: the %c edges are NULL", MSDCRAxisNames[d]);
    for (PetscInt i = 0; i <= n[d]; i++) PetscCheck(!PetscIsInfOrNanReal(edges[d][i]), comm, PETSC_ERR_FP, "MSSimDCRSetGrid: %c edge %" PetscInt_FMT " is not finite", MSDCRAxisNames[d], i);
    for (PetscInt i = 0; i < n[d]; i++)
      PetscCheck(edges[d][i + 1] > edges[d][i], comm, PETSC_ERR_ARG_WRONG, "MSSimDCRSetGrid: %c edges must increase strictly, but edge %" PetscInt_FMT " = %g and edge %" PetscInt_FMT " = %g", MSDCRAxisNames[d], i, (double)edges[d][i], i + 1, (double)edges[d][i + 1]);
    cells *= n[d];
  }
  PetscCheck(cells <= PETSC_MAX_INT, comm, PETSC_ERR_ARG_OUTOFRANGE, "MSSimDCRSetGrid: %" PetscInt64_FMT " cells overflow PetscInt", cells);
  PetscCall(MSDCRGridDestroy(grid));
  for (PetscInt d = 0; d < 3; d++) {
    grid->n[d] = n[d];
    PetscCall(PetscMalloc1(n[d] + 1, &grid->edges[d]));
    PetscCall(PetscMalloc1(n[d], &grid->centres[d]));
    PetscCall(PetscArraycpy(grid->edges[d], edges[d], n[d] + 1));
    for (PetscInt i = 0; i < n[d]; i++) grid->centres[d][i] = 0.5 * (edges[d][i] + edges[d][i + 1]);
  }
  PetscFunctionReturn(0);
}

PetscErrorCode MSDCRGridNumCells(const MSDCRGrid *grid, PetscInt *n)
{
  PetscFunctionBegin;
  *n = grid->n[0] * grid->n[1] * grid->n[2];
  PetscFunctionReturn(0);
}

/* Errors unless the point is finite and inside the closed box of the grid. */
PetscErrorCode MSDCRGridCheckPoint(const MSDCRGrid *grid, MPI_Comm comm, const PetscReal p[3], const char what[])
{
  PetscFunctionBegin;
  PetscCheck(p, comm, PETSC_ERR_ARG_NULL, "MSSIMDCR: the %s electrode position is NULL", what);
  for (PetscInt d = 0; d < 3; d++) {
    const PetscReal lo = grid->edges[d][0], hi = grid->edges[d][grid->n[d]];

    PetscCheck(!PetscIsInfOrNanReal(p[d]), comm, PETSC_ERR_FP, "MSSIMDCR: the %s electrode has a non-finite %c coordinate", what, MSDCRAxisNames[d]);
    PetscCheck(p[d] >= lo && p[d] <= hi, comm, PETSC_ERR_ARG_OUTOFRANGE, "MSSIMDCR: the %s electrode at (%g, %g, %g) lies outside the grid: %c = %g is not in [%g, %g]", what, (double)p[0], (double)p[1], (double)p[2], MSDCRAxisNames[d], (double)p[d], (double)lo, (double)hi);
  }
  PetscFunctionReturn(0);
}

/* Linear interpolation between the two cell centres around x along one axis; beyond the first
   or last centre the end cell takes the whole weight (second order at the insulating surface,
   where the normal derivative vanishes). */
static PetscErrorCode MSDCRAxisStencil(const PetscReal *c, PetscInt n, PetscReal x, PetscInt idx[2], PetscReal w[2], PetscInt *count)
{
  PetscInt lo = 0, hi = n - 1;

  PetscFunctionBegin;
  if (x <= c[0] || x >= c[n - 1]) {
    idx[0] = x <= c[0] ? 0 : n - 1;
    w[0]   = 1.0;
    *count = 1;
    PetscFunctionReturn(0);
  }
  while (hi - lo > 1) {
    PetscInt mid = (lo + hi) / 2;

    if (c[mid] <= x) lo = mid;
    else hi = mid;
  }
  idx[0] = lo;
  idx[1] = hi;
  w[1]   = (x - c[lo]) / (c[hi] - c[lo]);
  w[0]   = 1.0 - w[1];
  *count = 2;
  PetscFunctionReturn(0);
}

/* Trilinear interpolation of cell-centred values at p (inside the grid). */
PetscErrorCode MSDCRGridStencil(const MSDCRGrid *grid, const PetscReal p[3], MSDCRStencil *st)
{
  PetscInt  idx[3][2], cnt[3];
  PetscReal w[3][2];

  PetscFunctionBegin;
  for (PetscInt d = 0; d < 3; d++) PetscCall(MSDCRAxisStencil(grid->centres[d], grid->n[d], p[d], idx[d], w[d], &cnt[d]));
  st->count = 0;
  for (PetscInt c = 0; c < cnt[2]; c++)
    for (PetscInt b = 0; b < cnt[1]; b++)
      for (PetscInt a = 0; a < cnt[0]; a++) {
        st->cell[st->count]   = idx[0][a] + grid->n[0] * (idx[1][b] + grid->n[1] * idx[2][c]);
        st->weight[st->count] = w[0][a] * w[1][b] * w[2][c];
        st->count++;
      }
  PetscFunctionReturn(0);
}
