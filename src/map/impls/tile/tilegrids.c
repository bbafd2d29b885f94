/* MSMapCreateTileFromGrids: the averaging operator between two structured tensor-product grids. */
#include <metasim/impl/mapimpl.h>

/* Overlap fractions of one axis, in compressed rows: local cell i covers fraction val[k] of its
   width with global cell col[k], for k in [ptr[i], ptr[i+1]). */
typedef struct {
  PetscInt  *ptr, *col;
  PetscReal *val;
} MSTileAxis;

static const PetscReal ms_tile_unit_edges[2] = {0.0, 1.0};

/* n cells, n + 1 finite, strictly increasing edges. */
static PetscErrorCode MSTileCheckEdges(PetscInt axis, const char which[], PetscInt n, const PetscReal edges[])
{
  PetscFunctionBegin;
  PetscCheck(n > 0, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "MSMapCreateTileFromGrids: the %s grid has %" PetscInt_FMT " cells on axis %" PetscInt_FMT "; needs at least 1", which, n, axis);
  for (PetscInt i = 0; i <= n; i++) {
    PetscCheck(!PetscIsInfOrNanReal(edges[i]), PETSC_COMM_SELF, PETSC_ERR_FP, "MSMapCreateTileFromGrids: %s edge %" PetscInt_FMT " on axis %" PetscInt_FMT " is not finite", which, i, axis);
    PetscCheck(i == 0 || edges[i] > edges[i - 1], PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "MSMapCreateTileFromGrids: %s edges on axis %" PetscInt_FMT " must increase strictly, but edge %" PetscInt_FMT " (%g) <= edge %" PetscInt_FMT " (%g)", which, axis, i, (double)edges[i], i - 1, (double)edges[i - 1]);
  }
  PetscFunctionReturn(0);
}

/* Every local cell lies inside the global grid, to 1e-13 of its width; the error names the cell. */
static PetscErrorCode MSTileCheckCovered(PetscInt axis, PetscInt ng, const PetscReal ge[], PetscInt nl, const PetscReal le[])
{
  PetscFunctionBegin;
  for (PetscInt i = 0; i < nl; i++) {
    const PetscReal tol = 1e-13 * (le[i + 1] - le[i]);

    PetscCheck(le[i] >= ge[0] - tol && le[i + 1] <= ge[ng] + tol, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "MSMapCreateTileFromGrids: local cell %" PetscInt_FMT " on axis %" PetscInt_FMT ", [%g, %g], is not covered by the global grid [%g, %g]", i, axis, (double)le[i], (double)le[i + 1], (double)ge[0], (double)ge[ng]);
  }
  PetscFunctionReturn(0);
}

/* One sweep over both sorted edge lists of a covered axis. The overlaps are differences of nearby
   coordinates, so each local cell's fractions sum to 1 to round-off even far from the origin. */
static PetscErrorCode MSTileAxisBuild(PetscInt ng, const PetscReal ge[], PetscInt nl, const PetscReal le[], MSTileAxis *w)
{
  PetscInt nnz = 0, g = 0;

  PetscFunctionBegin;
  PetscCall(PetscMalloc3(nl + 1, &w->ptr, nl + ng, &w->col, nl + ng, &w->val));
  w->ptr[0] = 0;
  for (PetscInt i = 0; i < nl; i++) {
    const PetscReal a = le[i], b = le[i + 1];

    while (g > 0 && ge[g] > a) g--;
    for (; g < ng && ge[g] < b; g++) {
      const PetscReal overlap = PetscMin(b, ge[g + 1]) - PetscMax(a, ge[g]);

      if (overlap <= 0.0) continue;
      w->col[nnz]   = g;
      w->val[nnz++] = overlap / (b - a);
    }
    w->ptr[i + 1] = nnz;
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode MSTileAxisDestroy(MSTileAxis *w)
{
  PetscFunctionBegin;
  PetscCall(PetscFree3(w->ptr, w->col, w->val));
  PetscFunctionReturn(0);
}

/* P = W_z kron W_y kron W_x, cells numbered x fastest: i + nx (j + ny k). */
static PetscErrorCode MSTileAssemble(const PetscInt ng[3], const PetscInt nl[3], const MSTileAxis w[3], Mat *P)
{
  PetscInt    *nnz, *cols, nrows = nl[0] * nl[1] * nl[2], maxnz = 0;
  PetscScalar *vals;

  PetscFunctionBegin;
  PetscCall(PetscMalloc1(nrows, &nnz));
  for (PetscInt k = 0; k < nl[2]; k++)
    for (PetscInt j = 0; j < nl[1]; j++)
      for (PetscInt i = 0; i < nl[0]; i++) {
        PetscInt r = i + nl[0] * (j + nl[1] * k);

        nnz[r] = (w[0].ptr[i + 1] - w[0].ptr[i]) * (w[1].ptr[j + 1] - w[1].ptr[j]) * (w[2].ptr[k + 1] - w[2].ptr[k]);
        maxnz  = PetscMax(maxnz, nnz[r]);
      }
  PetscCall(MatCreateSeqAIJ(PETSC_COMM_SELF, nrows, ng[0] * ng[1] * ng[2], 0, nnz, P));
  PetscCall(PetscFree(nnz));
  PetscCall(PetscMalloc2(maxnz, &cols, maxnz, &vals));
  for (PetscInt k = 0; k < nl[2]; k++)
    for (PetscInt j = 0; j < nl[1]; j++)
      for (PetscInt i = 0; i < nl[0]; i++) {
        PetscInt r = i + nl[0] * (j + nl[1] * k), nz = 0;

        for (PetscInt c = w[2].ptr[k]; c < w[2].ptr[k + 1]; c++)
          for (PetscInt b = w[1].ptr[j]; b < w[1].ptr[j + 1]; b++)
            for (PetscInt a = w[0].ptr[i]; a < w[0].ptr[i + 1]; a++) {
              cols[nz]   = w[0].col[a] + ng[0] * (w[1].col[b] + ng[1] * w[2].col[c]);
              vals[nz++] = w[0].val[a] * w[1].val[b] * w[2].val[c];
            }
        PetscCall(MatSetValues(*P, 1, &r, nz, cols, vals, INSERT_VALUES));
      }
  PetscCall(PetscFree2(cols, vals));
  PetscCall(MatAssemblyBegin(*P, MAT_FINAL_ASSEMBLY));
  PetscCall(MatAssemblyEnd(*P, MAT_FINAL_ASSEMBLY));
  PetscFunctionReturn(0);
}

/*@C
  MSMapCreateTileFromGrids - creates and sets up a tile map that averages a model on a global
  tensor-product grid onto a local tensor-product grid

  Collective

  Input Parameters:
+ comm         - the communicator, `PETSC_COMM_SELF`
. nglobal      - number of global cells along x, y, z
. global_edges - for each axis, the nglobal[a] + 1 strictly increasing cell edges
. nlocal       - number of local cells along x, y, z
- local_edges  - for each axis, the nlocal[a] + 1 strictly increasing cell edges

  Output Parameter:
. map - the map, of type `MSMAPTILE`, with n_in = nglobal[0] nglobal[1] nglobal[2] and
        n_out = nlocal[0] nlocal[1] nlocal[2]

  Notes:
  P[local cell, global cell] = overlap volume / local cell volume. Cells are numbered x fastest:
  i + nx (j + ny k). Every local cell must lie inside the global grid (to 1e-13 of its width), else
  the error names the cell and axis. For 1-D or 2-D grids give the unused axes one cell each and
  pass NULL edges for both grids there.

  Level: intermediate

.seealso: `MSMAPTILE`, `MSMapTileSetOperator()`
@*/
PetscErrorCode MSMapCreateTileFromGrids(MPI_Comm comm, const PetscInt nglobal[3], const PetscReal *global_edges[3], const PetscInt nlocal[3], const PetscReal *local_edges[3], MSMap *map)
{
  MSTileAxis       w[3];
  const PetscReal *ge[3], *le[3];
  Mat              P;

  PetscFunctionBegin;
  PetscCheck(map, PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "MSMapCreateTileFromGrids: map is NULL");
  *map = NULL;
  PetscCheck(nglobal && global_edges && nlocal && local_edges, PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "MSMapCreateTileFromGrids: a grid argument is NULL");
  for (PetscInt a = 0; a < 3; a++) {
    ge[a] = global_edges[a];
    le[a] = local_edges[a];
    PetscCheck((ge[a] == NULL) == (le[a] == NULL), PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "MSMapCreateTileFromGrids: axis %" PetscInt_FMT " has edges for one grid but NULL for the other", a);
    if (!ge[a]) {
      PetscCheck(nglobal[a] == 1 && nlocal[a] == 1, PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "MSMapCreateTileFromGrids: axis %" PetscInt_FMT " has NULL edges but %" PetscInt_FMT " global and %" PetscInt_FMT " local cells; NULL is for a single cell", a, nglobal[a], nlocal[a]);
      ge[a] = le[a] = ms_tile_unit_edges;
    }
    PetscCall(MSTileCheckEdges(a, "global", nglobal[a], ge[a]));
    PetscCall(MSTileCheckEdges(a, "local", nlocal[a], le[a]));
    PetscCall(MSTileCheckCovered(a, nglobal[a], ge[a], nlocal[a], le[a]));
  }
  for (PetscInt a = 0; a < 3; a++) PetscCall(MSTileAxisBuild(nglobal[a], ge[a], nlocal[a], le[a], &w[a]));
  PetscCall(MSTileAssemble(nglobal, nlocal, w, &P));
  for (PetscInt a = 0; a < 3; a++) PetscCall(MSTileAxisDestroy(&w[a]));
  PetscCall(MSMapCreate(comm, map));
  PetscCall(MSMapSetType(*map, MSMAPTILE));
  PetscCall(MSMapTileSetOperator(*map, P));
  PetscCall(MatDestroy(&P));
  PetscCall(MSMapSetUp(*map));
  PetscFunctionReturn(0);
}
