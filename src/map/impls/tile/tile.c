/* MSMAPTILE: a linear map whose operator averages a global model onto a local (tile) mesh. */
#include "../linear/linear.h"

#define MS_TILE_ROW_SUM_TOL 1e-12

/* Every entry >= 0 and every row sums to 1: P is an averaging operator. */
static PetscErrorCode MSMapTileCheckAveraging(Mat P, const char caller[])
{
  PetscInt nrows;

  PetscFunctionBegin;
  PetscCall(MatGetSize(P, &nrows, NULL));
  for (PetscInt r = 0; r < nrows; r++) {
    const PetscInt    *cols;
    const PetscScalar *vals;
    PetscInt           nz, negative = -1;
    PetscReal          sum = 0.0;

    PetscCall(MatGetRow(P, r, &nz, &cols, &vals));
    for (PetscInt k = 0; k < nz; k++) {
      if (PetscRealPart(vals[k]) < 0.0 && negative < 0) negative = cols[k];
      sum += PetscRealPart(vals[k]);
    }
    PetscCall(MatRestoreRow(P, r, &nz, &cols, &vals));
    PetscCheck(negative < 0, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "%s: the averaging operator has a negative entry at row %" PetscInt_FMT ", column %" PetscInt_FMT, caller, r, negative);
    PetscCheck(PetscAbsReal(sum - 1.0) <= MS_TILE_ROW_SUM_TOL, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "%s: row %" PetscInt_FMT " of the averaging operator sums to %.17g, not 1 (tolerance %g)", caller, r, (double)sum, (double)MS_TILE_ROW_SUM_TOL);
  }
  PetscFunctionReturn(0);
}

/*@C
  MSMapTileSetOperator - sets the averaging operator P of a tile map u = P m

  Collective on map

  Input Parameters:
+ map - a map of type `MSMAPTILE`
- P   - the n_local x n_global operator: an assembled `MATSEQAIJ` (or `MATSEQDENSE`) on
        `PETSC_COMM_SELF` whose entries are >= 0 and whose rows each sum to 1 (within 1e-12);
        the map takes a reference

  Notes:
  Errors name the first row that is not an average. Everything else is as for
  `MSMapLinearSetOperator()` with no offset. `MSMapCreateTileFromGrids()` builds P for
  tensor-product grids.

  Level: beginner

.seealso: `MSMAPTILE`, `MSMapCreateTileFromGrids()`, `MSMapLinearSetOperator()`
@*/
PetscErrorCode MSMapTileSetOperator(MSMap map, Mat P)
{
  PetscFunctionBegin;
  MSValidHeader(map, 1);
  PetscCall(MSHeaderCheckType(&map->hdr, MSMAPTILE, "MSMapTileSetOperator"));
  PetscCheck(P, map->hdr.comm, PETSC_ERR_ARG_NULL, "MSMapTileSetOperator: the operator is NULL");
  PetscCall(MSMapTileCheckAveraging(P, "MSMapTileSetOperator"));
  PetscCall(MSMapLinearSetOperator_Internal(map, P, NULL, "MSMapTileSetOperator"));
  PetscFunctionReturn(0);
}

/*MC
  MSMAPTILE - "tile": u = P m, where P averages a global model onto a local mesh (a coarser
  per-tile mesh, as in SimPEG's TileMap / mesh-to-mesh maps): P[i, j] is the fraction of local
  cell i covered by global cell j, so P >= 0 and every row sums to 1

  Level: beginner

  Notes:
  A tile map is a linear map (`MSMAPLINEAR`) with a validated operator and no offset: its support
  is the global cells that overlap the tile, and `MSMapSquaredJtvec()` is exact. The derivative
  has singleton columns when each global cell lies in at most one local cell.

.seealso: `MSMapTileSetOperator()`, `MSMapCreateTileFromGrids()`, `MSMAPLINEAR`
M*/
PETSC_INTERN PetscErrorCode MSMapCreate_Tile(MSMap map)
{
  PetscFunctionBegin;
  PetscCall(MSMapCreate_Linear(map));
  PetscFunctionReturn(0);
}
