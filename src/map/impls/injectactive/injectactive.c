/* MSMAPINJECTACTIVE: u[active[k]] = m[k], every other entry of u a fixed inactive value. */
#include "../common/mapimplutils.h"

typedef struct {
  IS  active;     /* output position of each input, unique, in [0, n_out) */
  Vec background; /* inactive values, length n_out; its active entries are unused */
} MSMap_InjectActive;

/* y = x scattered into the active positions of y, over a copy of base (or zeros if base is NULL) */
static PetscErrorCode MSMapInjectActiveScatter(MSMap map, Vec base, Vec x, Vec y)
{
  MSMap_InjectActive *ia = (MSMap_InjectActive *)map->data;
  const PetscInt     *idx;
  const PetscScalar  *a;
  PetscScalar        *b;

  PetscFunctionBegin;
  if (base) PetscCall(VecCopy(base, y));
  else PetscCall(VecSet(y, 0.0));
  PetscCall(ISGetIndices(ia->active, &idx));
  PetscCall(VecGetArrayRead(x, &a));
  PetscCall(VecGetArray(y, &b));
  for (PetscInt k = 0; k < map->n_in; k++) b[idx[k]] = a[k];
  PetscCall(VecRestoreArray(y, &b));
  PetscCall(VecRestoreArrayRead(x, &a));
  PetscCall(ISRestoreIndices(ia->active, &idx));
  PetscFunctionReturn(0);
}

static PetscErrorCode MSMapApply_InjectActive(MSMap map, Vec m, Vec u)
{
  MSMap_InjectActive *ia = (MSMap_InjectActive *)map->data;

  PetscFunctionBegin;
  PetscCall(MSMapInjectActiveScatter(map, ia->background, m, u));
  PetscFunctionReturn(0);
}

static PetscErrorCode MSMapJvec_InjectActive(MSMap map, Vec m, Vec v, Vec u)
{
  PetscFunctionBegin;
  PetscCall(MSMapInjectActiveScatter(map, NULL, v, u));
  PetscFunctionReturn(0);
}

/* v[k] = w[active[k]]; also the squared transpose, the derivative's entries being ones. */
static PetscErrorCode MSMapJtvec_InjectActive(MSMap map, Vec m, Vec w, Vec v)
{
  MSMap_InjectActive *ia = (MSMap_InjectActive *)map->data;
  const PetscInt     *idx;
  const PetscScalar  *a;
  PetscScalar        *b;

  PetscFunctionBegin;
  PetscCall(ISGetIndices(ia->active, &idx));
  PetscCall(VecGetArrayRead(w, &a));
  PetscCall(VecGetArrayWrite(v, &b));
  for (PetscInt k = 0; k < map->n_in; k++) b[k] = a[idx[k]];
  PetscCall(VecRestoreArrayWrite(v, &b));
  PetscCall(VecRestoreArrayRead(w, &a));
  PetscCall(ISRestoreIndices(ia->active, &idx));
  PetscFunctionReturn(0);
}

static PetscErrorCode MSMapSetUp_InjectActive(MSMap map)
{
  MSMap_InjectActive *ia = (MSMap_InjectActive *)map->data;

  PetscFunctionBegin;
  PetscCheck(ia->active, map->hdr.comm, PETSC_ERR_ARG_WRONGSTATE, "MSMAPINJECTACTIVE needs its active set: call MSMapInjectActiveSetActive()");
  PetscCall(MSMapCheckSequential(map));
  PetscFunctionReturn(0);
}

static PetscErrorCode MSMapView_InjectActive(MSMap map, PetscViewer viewer)
{
  MSMap_InjectActive *ia = (MSMap_InjectActive *)map->data;
  PetscReal           lo, hi;

  PetscFunctionBegin;
  if (!ia->active) PetscFunctionReturn(0);
  PetscCall(VecMin(ia->background, NULL, &lo));
  PetscCall(VecMax(ia->background, NULL, &hi));
  PetscCall(PetscViewerASCIIPrintf(viewer, "%" PetscInt_FMT " active of %" PetscInt_FMT " output entries\n", map->n_in, map->n_out));
  if (lo == hi) PetscCall(PetscViewerASCIIPrintf(viewer, "inactive value %g\n", (double)lo));
  else PetscCall(PetscViewerASCIIPrintf(viewer, "inactive values per entry, in [%g, %g]\n", (double)lo, (double)hi));
  PetscFunctionReturn(0);
}

static PetscErrorCode MSMapDestroy_InjectActive(MSMap map)
{
  MSMap_InjectActive *ia = (MSMap_InjectActive *)map->data;

  PetscFunctionBegin;
  PetscCall(ISDestroy(&ia->active));
  PetscCall(VecDestroy(&ia->background));
  PetscCall(PetscFree(map->data));
  PetscFunctionReturn(0);
}

/* Indices in [0, n_out) and unique; the errors name the offending index. */
static PetscErrorCode MSMapInjectActiveCheckIndices(MSMap map, PetscInt n_out, IS active)
{
  const PetscInt *idx;
  PetscInt        n, repeated = -1;
  IS              sorted;

  PetscFunctionBegin;
  PetscCall(ISGetLocalSize(active, &n));
  PetscCheck(n > 0, map->hdr.comm, PETSC_ERR_ARG_SIZ, "MSMapInjectActiveSetActive: the active set is empty");
  PetscCall(ISGetIndices(active, &idx));
  for (PetscInt k = 0; k < n; k++) PetscCheck(idx[k] >= 0 && idx[k] < n_out, map->hdr.comm, PETSC_ERR_ARG_OUTOFRANGE, "MSMapInjectActiveSetActive: active index %" PetscInt_FMT " at position %" PetscInt_FMT " is outside [0, %" PetscInt_FMT ")", idx[k], k, n_out);
  PetscCall(ISRestoreIndices(active, &idx));
  PetscCall(ISDuplicate(active, &sorted));
  PetscCall(ISSort(sorted));
  PetscCall(ISGetIndices(sorted, &idx));
  for (PetscInt k = 1; k < n && repeated < 0; k++)
    if (idx[k] == idx[k - 1]) repeated = idx[k];
  PetscCall(ISRestoreIndices(sorted, &idx));
  PetscCall(ISDestroy(&sorted));
  PetscCheck(repeated < 0, map->hdr.comm, PETSC_ERR_ARG_WRONG, "MSMapInjectActiveSetActive: active index %" PetscInt_FMT " appears more than once", repeated);
  PetscFunctionReturn(0);
}

/*@C
  MSMapInjectActiveSetActive - sets the active cells of an inject-active map: u[active[k]] = m[k],
  every other entry of u = value

  Collective on map

  Input Parameters:
+ map    - a map of type `MSMAPINJECTACTIVE`
. n_out  - the output (full mesh) length
. active - the output position of each input, unique and in [0, n_out) (copied); its size is n_in
- value  - the value of every inactive entry (e.g. the conductivity of air)

  Notes:
  SimPEG's InjectActiveCells. Sets the map's sizes; the derivative has singleton columns, so a
  composed JtJ diagonal through it is exact. `MSMapInjectActiveSetInactiveValues()` sets one
  inactive value per entry instead.

  Level: beginner

.seealso: `MSMAPINJECTACTIVE`, `MSMapInjectActiveSetInactiveValues()`
@*/
PetscErrorCode MSMapInjectActiveSetActive(MSMap map, PetscInt n_out, IS active, PetscScalar value)
{
  MSMap_InjectActive *ia;
  PetscInt            n;

  PetscFunctionBegin;
  MSValidHeader(map, 1);
  PetscCall(MSHeaderCheckType(&map->hdr, MSMAPINJECTACTIVE, "MSMapInjectActiveSetActive"));
  PetscCheck(active, map->hdr.comm, PETSC_ERR_ARG_NULL, "MSMapInjectActiveSetActive: the active set is NULL");
  PetscCheck(n_out > 0, map->hdr.comm, PETSC_ERR_ARG_OUTOFRANGE, "MSMapInjectActiveSetActive: n_out must be positive, got %" PetscInt_FMT, n_out);
  PetscCheck(!PetscIsInfOrNanScalar(value), map->hdr.comm, PETSC_ERR_FP, "MSMapInjectActiveSetActive: the inactive value is NaN or Inf");
  PetscCall(MSMapInjectActiveCheckIndices(map, n_out, active));
  PetscCall(ISGetLocalSize(active, &n));
  PetscCall(MSMapSetSizes(map, n, n_out));
  ia = (MSMap_InjectActive *)map->data;
  PetscCall(ISDestroy(&ia->active));
  PetscCall(ISDuplicate(active, &ia->active));
  PetscCall(ISCopy(active, ia->active));
  PetscCall(VecDestroy(&ia->background));
  PetscCall(VecCreateSeq(PETSC_COMM_SELF, n_out, &ia->background));
  PetscCall(VecSet(ia->background, value));
  PetscFunctionReturn(0);
}

/*@C
  MSMapInjectActiveSetInactiveValues - gives each inactive entry its own value

  Collective on map

  Input Parameters:
+ map    - a map of type `MSMAPINJECTACTIVE`, after `MSMapInjectActiveSetActive()`
- values - length n_out, finite (copied); the entries at active positions are ignored

  Level: intermediate

.seealso: `MSMapInjectActiveSetActive()`
@*/
PetscErrorCode MSMapInjectActiveSetInactiveValues(MSMap map, Vec values)
{
  MSMap_InjectActive *ia;

  PetscFunctionBegin;
  MSValidHeader(map, 1);
  PetscCall(MSHeaderCheckType(&map->hdr, MSMAPINJECTACTIVE, "MSMapInjectActiveSetInactiveValues"));
  ia = (MSMap_InjectActive *)map->data;
  PetscCheck(ia->active, map->hdr.comm, PETSC_ERR_ORDER, "MSMapInjectActiveSetInactiveValues: call MSMapInjectActiveSetActive() first");
  PetscCall(MSVecCheckSize(values, map->n_out, "MSMapInjectActiveSetInactiveValues", "inactive values"));
  PetscCall(MSVecCheckFinite(values, "inactive values"));
  PetscCall(VecCopy(values, ia->background));
  PetscFunctionReturn(0);
}

/*MC
  MSMAPINJECTACTIVE - "injectactive": u[active[k]] = m[k], every other entry a fixed value; a model
  on the active (e.g. sub-surface) cells placed in the full mesh (SimPEG's InjectActiveCells)

  Level: beginner

  Notes:
  Every input is read, the derivative is a 0/1 injection with singleton columns, and
  `MSMapSquaredJtvec()` is exact.

.seealso: `MSMapInjectActiveSetActive()`, `MSMapInjectActiveSetInactiveValues()`
M*/
PETSC_INTERN PetscErrorCode MSMapCreate_InjectActive(MSMap map)
{
  MSMap_InjectActive *ia;

  PetscFunctionBegin;
  PetscCall(PetscNew(&ia));
  map->data              = ia;
  map->ops->apply        = MSMapApply_InjectActive;
  map->ops->jvec         = MSMapJvec_InjectActive;
  map->ops->jtvec        = MSMapJtvec_InjectActive;
  map->ops->squaredjtvec = MSMapJtvec_InjectActive;
  map->ops->setup        = MSMapSetUp_InjectActive;
  map->ops->view         = MSMapView_InjectActive;
  map->ops->destroy      = MSMapDestroy_InjectActive;
  map->singleton_columns = PETSC_TRUE;
  PetscFunctionReturn(0);
}
