/* MSMAPSUM: u = sum_k M_k(m) over maps with equal sizes. */
#include "../common/mapimplutils.h"

typedef struct {
  MSMapArray terms;
  Vec        work_out; /* one term's output */
  Vec        work_in;  /* one term's transposed product */
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

/* sum_k (M_k' o M_k')^T d: leaves out the cross terms 2 M_k' o M_l' of (sum_k M_k') o (sum_k M_k'),
   so it is exact only when no two terms' derivatives share a non-zero position. */
static PetscErrorCode MSMapSquaredJtvec_Sum(MSMap map, Vec m, Vec d, Vec v)
{
  MSMap_Sum *s = (MSMap_Sum *)map->data;

  PetscFunctionBegin;
  PetscCall(MSMapSumProducts(map, MSMapSquaredJtvec, m, d, v, s->work_in));
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
  PetscCall(PetscViewerASCIIPrintf(viewer, "sum of %" PetscInt_FMT " maps; squared transpose leaves out cross terms\n", s->terms.n));
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
  the same kept inputs. The derivative is reported to have singleton columns only for a single
  term that has them. `MSMapSquaredJtvec()` is the sum of the terms' own: it leaves out the cross
  terms, so it is exact only when no two terms' derivatives have a non-zero in the same place.

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
  PetscCall(MSMapHasSingletonColumns(maps[0], &map->singleton_columns));
  if (n > 1) map->singleton_columns = PETSC_FALSE;
  PetscCall(ISDestroy(&map->support));
  PetscFunctionReturn(0);
}

/*MC
  MSMAPSUM - "sum": u = sum_k M_k(m), terms with equal sizes (SimPEG's SumMap)

  Level: beginner

  Notes:
  `MSMapSquaredJtvec()` sums the terms' squared transposes and ignores cross terms.

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
