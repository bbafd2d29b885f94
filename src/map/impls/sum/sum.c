/* MSMAPSUM: u = sum_k M_k(m) over maps with equal sizes. */
#include "../common/mapimplutils.h"

typedef struct {
  MSMapArray terms;
  Vec        work_out; /* one term's output */
  Vec        work_in;  /* one term's transposed product */
  PetscInt  *rows;   /* several singleton-column terms: rows[k n_in + j], the row of term k's non-zero in column j (-1: none) */
  PetscReal *values; /* and values[k n_in + j], that non-zero (NULL both otherwise) */
} MSMap_Sum;

typedef PetscErrorCode (*MSMapProduct)(MSMap, Vec, Vec, Vec);

static PetscErrorCode MSMapApply_Sum(MSMap map, Vec m, Vec u)
{
  MSMap_Sum *s = (MSMap_Sum *)map->data;

  PetscFunctionBegin;
  PetscCall(MSMapApplyChecked(s->terms.maps[0], m, u)); /* m checked by the caller */
  for (PetscInt k = 1; k < s->terms.n; k++) {
    PetscCall(MSMapApplyChecked(s->terms.maps[k], m, s->work_out));
    PetscCall(VecAXPY(u, 1.0, s->work_out));
  }
  PetscFunctionReturn(0);
}

/* y = sum_k product(M_k, m, x), with work shaped like y */
static PetscErrorCode MSMapSumProducts(MSMap map, MSMapProduct product, Vec m, Vec x, Vec y, Vec work)
{
  MSMap_Sum *s = (MSMap_Sum *)map->data;

  PetscFunctionBegin;
  PetscCall((*product)(s->terms.maps[0], m, x, y));
  for (PetscInt k = 1; k < s->terms.n; k++) {
    PetscCall((*product)(s->terms.maps[k], m, x, work));
    PetscCall(VecAXPY(y, 1.0, work));
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode MSMapJvec_Sum(MSMap map, Vec m, Vec v, Vec u)
{
  MSMap_Sum *s = (MSMap_Sum *)map->data;

  PetscFunctionBegin;
  PetscCall(MSMapSumProducts(map, MSMapJvec, m, v, u, s->work_out));
  PetscFunctionReturn(0);
}

static PetscErrorCode MSMapJtvec_Sum(MSMap map, Vec m, Vec w, Vec v)
{
  MSMap_Sum *s = (MSMap_Sum *)map->data;

  PetscFunctionBegin;
  PetscCall(MSMapSumProducts(map, MSMapJtvec, m, w, v, s->work_in));
  PetscFunctionReturn(0);
}

/* For singleton-column terms, the position and value of each term's non-zero in every column of
   its derivative at m: values from M_k'^T 1, rows from M_k'^T (1, 2, ..., n_out) divided by them. */
static PetscErrorCode MSMapSumTermEntries(MSMap map, Vec m)
{
  MSMap_Sum         *s = (MSMap_Sum *)map->data;
  Vec                ones, index;
  const PetscScalar *a;
  PetscScalar       *x;

  PetscFunctionBegin;
  PetscCall(VecDuplicate(s->work_out, &ones));
  PetscCall(VecDuplicate(s->work_out, &index));
  PetscCall(VecSet(ones, 1.0));
  PetscCall(VecGetArrayWrite(index, &x));
  for (PetscInt i = 0; i < map->n_out; i++) x[i] = (PetscScalar)(i + 1);
  PetscCall(VecRestoreArrayWrite(index, &x));
  for (PetscInt k = 0; k < s->terms.n; k++) {
    PetscInt  *rows   = s->rows + (size_t)k * map->n_in;
    PetscReal *values = s->values + (size_t)k * map->n_in;

    PetscCall(MSMapJtvec(s->terms.maps[k], m, ones, s->work_in));
    PetscCall(VecGetArrayRead(s->work_in, &a));
    for (PetscInt j = 0; j < map->n_in; j++) values[j] = PetscRealPart(a[j]);
    PetscCall(VecRestoreArrayRead(s->work_in, &a));
    PetscCall(MSMapJtvec(s->terms.maps[k], m, index, s->work_in));
    PetscCall(VecGetArrayRead(s->work_in, &a));
    for (PetscInt j = 0; j < map->n_in; j++) {
      rows[j] = values[j] != 0.0 ? (PetscInt)PetscFloorReal(PetscRealPart(a[j]) / values[j] + 0.5) - 1 : -1;
      PetscCheck(rows[j] >= -1 && rows[j] < map->n_out, PETSC_COMM_SELF, PETSC_ERR_PLIB, "MSMAPSUM: term %" PetscInt_FMT " reports singleton columns, but column %" PetscInt_FMT " of its derivative has several non-zeros", k, j);
    }
    PetscCall(VecRestoreArrayRead(s->work_in, &a));
  }
  PetscCall(VecDestroy(&ones));
  PetscCall(VecDestroy(&index));
  PetscFunctionReturn(0);
}

/* Whether the summed derivative has singleton columns: in every column, the terms' non-zeros
   (as found by MSMapSumTermEntries()) share one row. */
static PetscBool MSMapSumSharedRows(MSMap map)
{
  MSMap_Sum *s = (MSMap_Sum *)map->data;

  for (PetscInt j = 0; j < map->n_in; j++) {
    PetscInt row = -1;

    for (PetscInt k = 0; k < s->terms.n; k++) {
      PetscInt r = s->rows[(size_t)k * map->n_in + j];

      if (r < 0) continue;
      if (row >= 0 && r != row) return PETSC_FALSE;
      row = r;
    }
  }
  return PETSC_TRUE;
}

/* (sum_k M_k')^T o (sum_k M_k')^T d. Singleton-column terms: column j of the summed derivative
   holds, in each row r, the sum of the terms' non-zeros in row r, so v_j = sum_r d_r (sum_{k: row
   r} M_k'(r, j))^2, exactly. Other terms: sum_k (M_k' o M_k')^T d, which leaves out the cross terms
   2 M_k' o M_l' and is exact only when no two terms' derivatives share a non-zero position. */
static PetscErrorCode MSMapSquaredJtvec_Sum(MSMap map, Vec m, Vec d, Vec v)
{
  MSMap_Sum         *s = (MSMap_Sum *)map->data;
  const PetscScalar *dd;
  PetscScalar       *vv;

  PetscFunctionBegin;
  if (!s->rows) {
    PetscCall(MSMapSumProducts(map, MSMapSquaredJtvec, m, d, v, s->work_in));
    PetscFunctionReturn(0);
  }
  PetscCall(MSMapSumTermEntries(map, m));
  PetscCall(VecGetArrayRead(d, &dd));
  PetscCall(VecGetArrayWrite(v, &vv));
  for (PetscInt j = 0; j < map->n_in; j++) {
    vv[j] = 0.0;
    for (PetscInt k = 0; k < s->terms.n; k++) {
      PetscInt  r   = s->rows[(size_t)k * map->n_in + j], first = k;
      PetscReal sum = 0.0;

      if (r < 0) continue;
      for (PetscInt l = 0; l < k && first == k; l++)
        if (s->rows[(size_t)l * map->n_in + j] == r) first = l;
      if (first < k) continue; /* row r was summed at its first term */
      for (PetscInt l = k; l < s->terms.n; l++)
        if (s->rows[(size_t)l * map->n_in + j] == r) sum += s->values[(size_t)l * map->n_in + j];
      vv[j] += dd[r] * sum * sum;
    }
  }
  PetscCall(VecRestoreArrayRead(d, &dd));
  PetscCall(VecRestoreArrayWrite(v, &vv));
  PetscFunctionReturn(0);
}

/* The union of the terms' supports. */
static PetscErrorCode MSMapSupport_Sum(MSMap map, IS *support)
{
  MSMap_Sum *s = (MSMap_Sum *)map->data;
  IS        *each;

  PetscFunctionBegin;
  PetscCall(PetscMalloc1(s->terms.n, &each));
  for (PetscInt k = 0; k < s->terms.n; k++) PetscCall(MSMapGetSupport(s->terms.maps[k], &each[k]));
  PetscCall(ISConcatenate(PETSC_COMM_SELF, s->terms.n, each, support));
  PetscCall(PetscFree(each));
  PetscCall(ISSortRemoveDups(*support));
  PetscFunctionReturn(0);
}

static PetscErrorCode MSMapRestrict_Sum(MSMap map, IS keep, MSMap *rmap)
{
  MSMap_Sum *s = (MSMap_Sum *)map->data;
  MSMap     *restricted;

  PetscFunctionBegin;
  PetscCall(PetscCalloc1(s->terms.n, &restricted));
  for (PetscInt k = 0; k < s->terms.n; k++) PetscCall(MSMapCreateRestricted(s->terms.maps[k], keep, &restricted[k]));
  PetscCall(MSMapCreate(map->hdr.comm, rmap));
  PetscCall(MSMapSetType(*rmap, MSMAPSUM));
  PetscCall(MSMapSumSetMaps(*rmap, s->terms.n, restricted));
  for (PetscInt k = 0; k < s->terms.n; k++) PetscCall(MSMapDestroy(&restricted[k]));
  PetscCall(PetscFree(restricted));
  PetscFunctionReturn(0);
}

static PetscErrorCode MSMapSetUp_Sum(MSMap map)
{
  MSMap_Sum *s = (MSMap_Sum *)map->data;

  PetscFunctionBegin;
  PetscCheck(s->terms.n > 0, map->hdr.comm, PETSC_ERR_ARG_WRONGSTATE, "MSMAPSUM needs its terms: call MSMapSumSetMaps()");
  PetscFunctionReturn(0);
}

static PetscErrorCode MSMapView_Sum(MSMap map, PetscViewer viewer)
{
  MSMap_Sum *s = (MSMap_Sum *)map->data;

  PetscFunctionBegin;
  PetscCall(PetscViewerASCIIPrintf(viewer, "sum of %" PetscInt_FMT " maps; squared transpose %s\n", s->terms.n, s->rows || s->terms.n == 1 ? "exact" : "leaves out cross terms"));
  PetscCall(MSMapArrayView(&s->terms, viewer));
  PetscFunctionReturn(0);
}

static PetscErrorCode MSMapDestroy_Sum(MSMap map)
{
  MSMap_Sum *s = (MSMap_Sum *)map->data;

  PetscFunctionBegin;
  PetscCall(MSMapArrayDestroy(&s->terms));
  PetscCall(VecDestroy(&s->work_out));
  PetscCall(VecDestroy(&s->work_in));
  PetscCall(PetscFree2(s->rows, s->values));
  PetscCall(PetscFree(map->data));
  PetscFunctionReturn(0);
}

/*@C
  MSMapSumSetMaps - sets the terms of a sum map u = sum_k M_k(m)

  Collective on map

  Input Parameters:
+ map  - a map of type `MSMAPSUM`
. n    - number of terms, at least 1
- maps - the terms, all with the same input and output lengths (the error names the first that
         differs); each is set up if it is not already, and the sum takes a reference to each

  Notes:
  The support is the union of the terms' supports, and the restriction restricts every term to
  the same kept inputs. When every term's derivative has singleton columns, the sum finds (from two
  transposed products per term at the zero model) the row of each term's non-zero in each column:
  the sum has singleton columns when the terms' non-zeros in every column share one row (u = m + m,
  u = exp(m) + m), and `MSMapSquaredJtvec()` squares the summed derivative exactly. Otherwise it
  sums the terms' own squared transposes, which leaves out the cross terms and is exact only when
  no two terms' derivatives have a non-zero in the same place.

  Level: beginner

.seealso: `MSMAPSUM`, `MSMapComposeSetMaps()`
@*/
PetscErrorCode MSMapSumSetMaps(MSMap map, PetscInt n, const MSMap maps[])
{
  MSMap_Sum *s;
  PetscInt   n_in, n_out;

  PetscFunctionBegin;
  MSValidHeader(map, 1);
  PetscCall(MSHeaderCheckType(&map->hdr, MSMAPSUM, "MSMapSumSetMaps"));
  s = (MSMap_Sum *)map->data;
  PetscCall(MSMapArrayCheck(map, n, maps, "MSMapSumSetMaps"));
  PetscCall(MSMapGetSizes(maps[0], &n_in, &n_out));
  for (PetscInt k = 1; k < n; k++) {
    PetscInt kin, kout;

    PetscCall(MSMapGetSizes(maps[k], &kin, &kout));
    PetscCheck(kin == n_in && kout == n_out, map->hdr.comm, PETSC_ERR_ARG_SIZ, "MSMapSumSetMaps: map %" PetscInt_FMT " is %" PetscInt_FMT " -> %" PetscInt_FMT " but map 0 is %" PetscInt_FMT " -> %" PetscInt_FMT "; every term needs the same sizes", k, kin, kout, n_in, n_out);
  }
  PetscCall(MSMapSetSizes(map, n_in, n_out));
  PetscCall(MSMapArraySet(&s->terms, n, maps));
  PetscCall(VecDestroy(&s->work_out));
  PetscCall(VecDestroy(&s->work_in));
  PetscCall(VecCreateSeq(PETSC_COMM_SELF, n_out, &s->work_out));
  PetscCall(VecCreateSeq(PETSC_COMM_SELF, n_in, &s->work_in));
  PetscCall(PetscFree2(s->rows, s->values));
  PetscCall(MSMapArrayAllSingleton(&s->terms, &map->singleton_columns));
  if (map->singleton_columns && n > 1) {
    Vec zero;

    PetscCall(PetscMalloc2((size_t)n * n_in, &s->rows, (size_t)n * n_in, &s->values));
    PetscCall(VecDuplicate(s->work_in, &zero));
    PetscCall(VecSet(zero, 0.0));
    PetscCall(MSMapSumTermEntries(map, zero));
    PetscCall(VecDestroy(&zero));
    map->singleton_columns = MSMapSumSharedRows(map);
  }
  PetscCall(ISDestroy(&map->support));
  PetscFunctionReturn(0);
}

/*MC
  MSMAPSUM - "sum": u = sum_k M_k(m), terms with equal sizes (SimPEG's SumMap)

  Level: beginner

  Notes:
  `MSMapSquaredJtvec()` is exact for terms with singleton columns; for other terms it sums their
  squared transposes and ignores cross terms.

.seealso: `MSMapSumSetMaps()`, `MSMAPCOMPOSE`
M*/
PETSC_INTERN PetscErrorCode MSMapCreate_Sum(MSMap map)
{
  MSMap_Sum *s;

  PetscFunctionBegin;
  PetscCall(PetscNew(&s));
  map->data               = s;
  map->ops->apply         = MSMapApply_Sum;
  map->ops->jvec          = MSMapJvec_Sum;
  map->ops->jtvec         = MSMapJtvec_Sum;
  map->ops->squaredjtvec  = MSMapSquaredJtvec_Sum;
  map->ops->support       = MSMapSupport_Sum;
  map->ops->restrictinput = MSMapRestrict_Sum;
  map->ops->setup         = MSMapSetUp_Sum;
  map->ops->view          = MSMapView_Sum;
  map->ops->destroy       = MSMapDestroy_Sum;
  PetscFunctionReturn(0);
}
