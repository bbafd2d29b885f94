/* MSMAPLINEAR: u = A m + b with a sequential dense or AIJ Mat A. MSMAPTILE reuses all of it. */
#include "linear.h"
#include "../common/mapimplutils.h"

typedef struct {
  Mat              A;       /* referenced */
  Mat              A2;      /* A o A, entries squared, same structure */
  Vec              b;       /* copy of the offset, or NULL for none */
  IS               support; /* columns of A holding a non-zero */
  PetscObjectState state;   /* A's state when set: a later change of A is an error */
} MSMap_Linear;

static PetscErrorCode MSMapLinearCheckUnchanged(MSMap map)
{
  MSMap_Linear    *lin = (MSMap_Linear *)map->data;
  PetscObjectState state;

  PetscFunctionBegin;
  PetscCall(PetscObjectStateGet((PetscObject)lin->A, &state));
  PetscCheck(state == lin->state, map->hdr.comm, PETSC_ERR_ARG_WRONGSTATE, "MSMap of type %s: its operator was modified after it was set; set it again", map->hdr.type_name);
  PetscFunctionReturn(0);
}

static PetscErrorCode MSMapApply_Linear(MSMap map, Vec m, Vec u)
{
  MSMap_Linear *lin = (MSMap_Linear *)map->data;

  PetscFunctionBegin;
  PetscCall(MSMapLinearCheckUnchanged(map));
  PetscCall(MatMult(lin->A, m, u));
  if (lin->b) PetscCall(VecAXPY(u, 1.0, lin->b));
  PetscFunctionReturn(0);
}

static PetscErrorCode MSMapJvec_Linear(MSMap map, Vec m, Vec v, Vec u)
{
  MSMap_Linear *lin = (MSMap_Linear *)map->data;

  PetscFunctionBegin;
  PetscCall(MSMapLinearCheckUnchanged(map));
  PetscCall(MatMult(lin->A, v, u));
  PetscFunctionReturn(0);
}

static PetscErrorCode MSMapJtvec_Linear(MSMap map, Vec m, Vec w, Vec v)
{
  MSMap_Linear *lin = (MSMap_Linear *)map->data;

  PetscFunctionBegin;
  PetscCall(MSMapLinearCheckUnchanged(map));
  PetscCall(MatMultTranspose(lin->A, w, v));
  PetscFunctionReturn(0);
}

static PetscErrorCode MSMapSquaredJtvec_Linear(MSMap map, Vec m, Vec d, Vec v)
{
  MSMap_Linear *lin = (MSMap_Linear *)map->data;

  PetscFunctionBegin;
  PetscCall(MSMapLinearCheckUnchanged(map));
  PetscCall(MatMultTranspose(lin->A2, d, v));
  PetscFunctionReturn(0);
}

static PetscErrorCode MSMapSupport_Linear(MSMap map, IS *support)
{
  MSMap_Linear *lin = (MSMap_Linear *)map->data;

  PetscFunctionBegin;
  PetscCall(ISDuplicate(lin->support, support));
  PetscCall(ISCopy(lin->support, *support));
  PetscFunctionReturn(0);
}

/* The column submatrix of A on the kept inputs, with the same offset, in a map of the same type. */
static PetscErrorCode MSMapRestrict_Linear(MSMap map, IS keep, MSMap *rmap)
{
  MSMap_Linear *lin = (MSMap_Linear *)map->data;
  IS            rows;
  Mat           sub;

  PetscFunctionBegin;
  PetscCall(ISCreateStride(PETSC_COMM_SELF, map->n_out, 0, 1, &rows));
  PetscCall(MatCreateSubMatrix(lin->A, rows, keep, MAT_INITIAL_MATRIX, &sub));
  PetscCall(ISDestroy(&rows));
  PetscCall(MSMapCreate(map->hdr.comm, rmap));
  PetscCall(MSMapSetType(*rmap, map->hdr.type_name));
  PetscCall(MSMapLinearSetOperator_Internal(*rmap, sub, lin->b, "MSMapCreateRestricted"));
  PetscCall(MatDestroy(&sub));
  PetscFunctionReturn(0);
}

static PetscErrorCode MSMapSetUp_Linear(MSMap map)
{
  MSMap_Linear *lin = (MSMap_Linear *)map->data;

  PetscFunctionBegin;
  PetscCheck(lin->A, map->hdr.comm, PETSC_ERR_ARG_WRONGSTATE, "MSMap of type %s has no operator: call MSMapLinearSetOperator() (linear) or MSMapTileSetOperator() (tile)", map->hdr.type_name);
  PetscCall(MSMapCheckSequential(map));
  PetscFunctionReturn(0);
}

static PetscErrorCode MSMapView_Linear(MSMap map, PetscViewer viewer)
{
  MSMap_Linear *lin = (MSMap_Linear *)map->data;
  MatType       type;
  MatInfo       info;
  PetscInt      ns;

  PetscFunctionBegin;
  if (!lin->A) PetscFunctionReturn(0);
  PetscCall(MatGetType(lin->A, &type));
  PetscCall(MatGetInfo(lin->A, MAT_LOCAL, &info));
  PetscCall(ISGetLocalSize(lin->support, &ns));
  PetscCall(PetscViewerASCIIPrintf(viewer, "operator A: %s, %" PetscInt_FMT " x %" PetscInt_FMT ", %.0f stored entries\n", type, map->n_out, map->n_in, (double)info.nz_used));
  PetscCall(PetscViewerASCIIPrintf(viewer, "offset b: %s\n", lin->b ? "set" : "none"));
  PetscCall(PetscViewerASCIIPrintf(viewer, "reads %" PetscInt_FMT " of %" PetscInt_FMT " inputs; singleton columns: %s\n", ns, map->n_in, map->singleton_columns ? "yes" : "no"));
  PetscFunctionReturn(0);
}

static PetscErrorCode MSMapDestroy_Linear(MSMap map)
{
  MSMap_Linear *lin = (MSMap_Linear *)map->data;

  PetscFunctionBegin;
  PetscCall(MatDestroy(&lin->A));
  PetscCall(MatDestroy(&lin->A2));
  PetscCall(VecDestroy(&lin->b));
  PetscCall(ISDestroy(&lin->support));
  PetscCall(PetscFree(map->data));
  PetscFunctionReturn(0);
}

/* Errors naming the first NaN or Inf entry of A. */
static PetscErrorCode MSMapLinearCheckFinite(Mat A, const char caller[])
{
  PetscInt nrows;

  PetscFunctionBegin;
  PetscCall(MatGetSize(A, &nrows, NULL));
  for (PetscInt r = 0; r < nrows; r++) {
    const PetscInt    *cols;
    const PetscScalar *vals;
    PetscInt           nz, bad = -1;

    PetscCall(MatGetRow(A, r, &nz, &cols, &vals));
    for (PetscInt k = 0; k < nz && bad < 0; k++)
      if (PetscIsInfOrNanScalar(vals[k])) bad = cols[k];
    PetscCall(MatRestoreRow(A, r, &nz, &cols, &vals));
    PetscCheck(bad < 0, PETSC_COMM_SELF, PETSC_ERR_FP, "%s: the operator has a NaN or Inf at row %" PetscInt_FMT ", column %" PetscInt_FMT, caller, r, bad);
  }
  PetscFunctionReturn(0);
}

/* Builds A o A and the support (the columns holding a non-zero), and decides whether every column
   has at most one non-zero, in one pass over A's rows. Explicitly stored zeros (e.g. in a dense A)
   do not count as non-zeros. */
static PetscErrorCode MSMapLinearAnalyse(Mat A, Mat *A2, IS *support, PetscBool *singleton)
{
  PetscInt    *count, *cols_nz, nrows, ncols, ns = 0;
  PetscScalar *sq;

  PetscFunctionBegin;
  PetscCall(MatGetSize(A, &nrows, &ncols));
  PetscCall(MatDuplicate(A, MAT_DO_NOT_COPY_VALUES, A2));
  PetscCall(PetscCalloc1(ncols, &count));
  PetscCall(PetscMalloc1(ncols, &sq));
  for (PetscInt r = 0; r < nrows; r++) {
    const PetscInt    *cols;
    const PetscScalar *vals;
    PetscInt           nz;

    PetscCall(MatGetRow(A, r, &nz, &cols, &vals));
    for (PetscInt k = 0; k < nz; k++) {
      sq[k] = vals[k] * vals[k];
      if (vals[k] != 0.0) count[cols[k]]++;
    }
    PetscCall(MatSetValues(*A2, 1, &r, nz, cols, sq, INSERT_VALUES));
    PetscCall(MatRestoreRow(A, r, &nz, &cols, &vals));
  }
  PetscCall(MatAssemblyBegin(*A2, MAT_FINAL_ASSEMBLY));
  PetscCall(MatAssemblyEnd(*A2, MAT_FINAL_ASSEMBLY));
  PetscCall(PetscFree(sq));
  PetscCall(PetscMalloc1(ncols, &cols_nz));
  *singleton = PETSC_TRUE;
  for (PetscInt j = 0; j < ncols; j++) {
    if (count[j] > 0) cols_nz[ns++] = j;
    if (count[j] > 1) *singleton = PETSC_FALSE;
  }
  PetscCall(PetscFree(count));
  PetscCall(ISCreateGeneral(PETSC_COMM_SELF, ns, cols_nz, PETSC_OWN_POINTER, support));
  PetscFunctionReturn(0);
}

PetscErrorCode MSMapLinearSetOperator_Internal(MSMap map, Mat A, Vec b, const char caller[])
{
  MSMap_Linear *lin = (MSMap_Linear *)map->data;
  PetscInt      nrows, ncols;
  PetscMPIInt   size;
  PetscBool     supported, assembled, singleton = PETSC_FALSE;
  Mat           A2;
  IS            support;

  PetscFunctionBegin;
  PetscCheck(A, map->hdr.comm, PETSC_ERR_ARG_NULL, "%s: the operator is NULL", caller);
  PetscCallMPI(MPI_Comm_size(PetscObjectComm((PetscObject)A), &size));
  PetscCheck(size == 1, map->hdr.comm, PETSC_ERR_ARG_WRONG, "%s: the operator must be a sequential Mat (PETSC_COMM_SELF), not one on %d ranks", caller, size);
  PetscCall(PetscObjectTypeCompareAny((PetscObject)A, &supported, MATSEQDENSE, MATSEQAIJ, ""));
  PetscCheck(supported, map->hdr.comm, PETSC_ERR_SUP, "%s: the operator must be of type %s or %s", caller, MATSEQDENSE, MATSEQAIJ);
  PetscCall(MatAssembled(A, &assembled));
  PetscCheck(assembled, map->hdr.comm, PETSC_ERR_ARG_WRONGSTATE, "%s: the operator is not assembled", caller);
  PetscCall(MatGetSize(A, &nrows, &ncols));
  if (b) {
    PetscCall(MSVecCheckSize(b, nrows, caller, "offset"));
    PetscCall(MSVecCheckFinite(b, "linear map offset b"));
  }
  PetscCall(MSMapLinearCheckFinite(A, caller));
  PetscCall(MSMapSetSizes(map, ncols, nrows));
  PetscCall(MSMapLinearAnalyse(A, &A2, &support, &singleton));
  PetscCall(PetscObjectReference((PetscObject)A));
  PetscCall(MatDestroy(&lin->A));
  lin->A = A;
  PetscCall(PetscObjectStateGet((PetscObject)A, &lin->state));
  PetscCall(VecDestroy(&lin->b));
  if (b) {
    PetscCall(VecDuplicate(b, &lin->b));
    PetscCall(VecCopy(b, lin->b));
  }
  PetscCall(MatDestroy(&lin->A2));
  lin->A2 = A2;
  PetscCall(ISDestroy(&lin->support));
  lin->support           = support;
  map->singleton_columns = singleton;
  PetscCall(ISDestroy(&map->support));
  PetscFunctionReturn(0);
}

/*@C
  MSMapLinearSetOperator - sets A and b of a linear map u = A m + b

  Collective on map

  Input Parameters:
+ map - a map of type `MSMAPLINEAR`
. A   - the n_out x n_in operator: an assembled `MATSEQDENSE` or `MATSEQAIJ` on `PETSC_COMM_SELF`
        with finite entries; the map takes a reference
- b   - the offset, length n_out (copied), or NULL for none

  Notes:
  Sets the map's sizes. The support is the columns of A holding a non-zero (explicitly stored
  zeros do not count), and the derivative has singleton columns when every column of A has at
  most one non-zero. The map builds A o A once, for `MSMapSquaredJtvec()`, which is then exact.
  Do not change A afterwards: the map's operations error if A's state changed; call this again.

  Level: beginner

.seealso: `MSMAPLINEAR`, `MSMapTileSetOperator()`
@*/
PetscErrorCode MSMapLinearSetOperator(MSMap map, Mat A, Vec b)
{
  PetscFunctionBegin;
  MSValidHeader(map, 1);
  PetscCall(MSHeaderCheckType(&map->hdr, MSMAPLINEAR, "MSMapLinearSetOperator"));
  PetscCall(MSMapLinearSetOperator_Internal(map, A, b, "MSMapLinearSetOperator"));
  PetscFunctionReturn(0);
}

/*MC
  MSMAPLINEAR - "linear": u = A m + b with a sequential dense or sparse (AIJ) Mat A

  Level: beginner

  Notes:
  The support is the columns of A with a non-zero, so `MSMeta` moves only those model entries; the
  restricted map uses the column submatrix of A. `MSMapSquaredJtvec()` is (A o A)^T d, exact.

.seealso: `MSMapLinearSetOperator()`, `MSMAPTILE`
M*/
PetscErrorCode MSMapCreate_Linear(MSMap map)
{
  MSMap_Linear *lin;

  PetscFunctionBegin;
  PetscCall(PetscNew(&lin));
  map->data               = lin;
  map->ops->apply         = MSMapApply_Linear;
  map->ops->jvec          = MSMapJvec_Linear;
  map->ops->jtvec         = MSMapJtvec_Linear;
  map->ops->squaredjtvec  = MSMapSquaredJtvec_Linear;
  map->ops->support       = MSMapSupport_Linear;
  map->ops->restrictinput = MSMapRestrict_Linear;
  map->ops->setup         = MSMapSetUp_Linear;
  map->ops->view          = MSMapView_Linear;
  map->ops->destroy       = MSMapDestroy_Linear;
  PetscFunctionReturn(0);
}
