/* MSMAPPROJECTION: u[k] = m[idx[k]], a 0/1 selection. */
#include "../common/mapimplutils.h"

typedef struct {
  IS indices; /* output k reads input indices[k]; may repeat */
} MSMap_Projection;

static PetscErrorCode MSMapApply_Projection(MSMap map, Vec m, Vec u)
{
  MSMap_Projection  *p = (MSMap_Projection *)map->data;
  const PetscInt    *idx;
  const PetscScalar *x;
  PetscScalar       *y;

  PetscFunctionBegin;
  PetscCall(ISGetIndices(p->indices, &idx));
  PetscCall(VecGetArrayRead(m, &x));
  PetscCall(VecGetArrayWrite(u, &y));
  for (PetscInt k = 0; k < map->n_out; k++) y[k] = x[idx[k]];
  PetscCall(VecRestoreArrayWrite(u, &y));
  PetscCall(VecRestoreArrayRead(m, &x));
  PetscCall(ISRestoreIndices(p->indices, &idx));
  PetscFunctionReturn(0);
}

static PetscErrorCode MSMapJvec_Projection(MSMap map, Vec m, Vec v, Vec u)
{
  PetscFunctionBegin;
  PetscCall(MSMapApply_Projection(map, v, u));
  PetscFunctionReturn(0);
}

/* Also the squared transpose: the selection's entries are ones. */
static PetscErrorCode MSMapJtvec_Projection(MSMap map, Vec m, Vec w, Vec v)
{
  MSMap_Projection  *p = (MSMap_Projection *)map->data;
  const PetscInt    *idx;
  const PetscScalar *x;
  PetscScalar       *y;

  PetscFunctionBegin;
  PetscCall(VecSet(v, 0.0));
  PetscCall(ISGetIndices(p->indices, &idx));
  PetscCall(VecGetArrayRead(w, &x));
  PetscCall(VecGetArray(v, &y));
  for (PetscInt k = 0; k < map->n_out; k++) y[idx[k]] += x[k];
  PetscCall(VecRestoreArray(v, &y));
  PetscCall(VecRestoreArrayRead(w, &x));
  PetscCall(ISRestoreIndices(p->indices, &idx));
  PetscFunctionReturn(0);
}

/* Position of the first index outside [0, n_in), or -1. */
static PetscInt MSMapProjectionFirstOutside(PetscInt n, const PetscInt idx[], PetscInt n_in)
{
  for (PetscInt k = 0; k < n; k++)
    if (idx[k] < 0 || idx[k] >= n_in) return k;
  return -1;
}

static PetscErrorCode MSMapSupport_Projection(MSMap map, IS *support)
{
  MSMap_Projection *p = (MSMap_Projection *)map->data;

  PetscFunctionBegin;
  PetscCall(ISDuplicate(p->indices, support));
  PetscCall(ISSortRemoveDups(*support));
  PetscFunctionReturn(0);
}

static PetscErrorCode MSMapRestrict_Projection(MSMap map, IS keep, MSMap *rmap)
{
  MSMap_Projection *p = (MSMap_Projection *)map->data;
  const PetscInt   *idx;
  PetscInt         *pos, nk;
  IS                relabeled;

  PetscFunctionBegin;
  PetscCall(ISGetLocalSize(keep, &nk));
  PetscCall(PetscMalloc1(map->n_out, &pos));
  PetscCall(ISGetIndices(p->indices, &idx));
  PetscCall(MSMapRelabelIndices(keep, map->n_out, idx, pos));
  PetscCall(ISRestoreIndices(p->indices, &idx));
  PetscCall(ISCreateGeneral(PETSC_COMM_SELF, map->n_out, pos, PETSC_OWN_POINTER, &relabeled));
  PetscCall(MSMapCreate(map->hdr.comm, rmap));
  PetscCall(MSMapSetType(*rmap, MSMAPPROJECTION));
  PetscCall(MSMapProjectionSetIndices(*rmap, nk, relabeled));
  PetscCall(ISDestroy(&relabeled));
  PetscFunctionReturn(0);
}

static PetscErrorCode MSMapSetUp_Projection(MSMap map)
{
  MSMap_Projection *p = (MSMap_Projection *)map->data;

  PetscFunctionBegin;
  PetscCheck(p->indices, map->hdr.comm, PETSC_ERR_ARG_WRONGSTATE, "MSMAPPROJECTION needs its indices: call MSMapProjectionSetIndices()");
  PetscCall(MSMapCheckSequential(map));
  PetscFunctionReturn(0);
}

static PetscErrorCode MSMapView_Projection(MSMap map, PetscViewer viewer)
{
  MSMap_Projection *p = (MSMap_Projection *)map->data;
  IS                support;
  PetscInt          ns;

  PetscFunctionBegin;
  if (!p->indices || !map->hdr.setupcalled) PetscFunctionReturn(0);
  PetscCall(MSMapGetSupport(map, &support));
  PetscCall(ISGetLocalSize(support, &ns));
  PetscCall(PetscViewerASCIIPrintf(viewer, "selects %" PetscInt_FMT " entries, reading %" PetscInt_FMT " distinct inputs\n", map->n_out, ns));
  PetscFunctionReturn(0);
}

static PetscErrorCode MSMapDestroy_Projection(MSMap map)
{
  MSMap_Projection *p = (MSMap_Projection *)map->data;

  PetscFunctionBegin;
  PetscCall(ISDestroy(&p->indices));
  PetscCall(PetscFree(map->data));
  PetscFunctionReturn(0);
}

/*@C
  MSMapProjectionSetIndices - sets the selected inputs of a projection map, u[k] = m[indices[k]]

  Collective on map

  Input Parameters:
+ map     - a map of type `MSMAPPROJECTION`
. n_in    - the input (global model) length
- indices - the selected input of each output, each in [0, n_in); may repeat. The map copies it.

  Notes:
  Sets n_out to the number of indices. The derivative has singleton columns unless an index
  repeats.

  Level: beginner

.seealso: `MSMapCreateProjection()`, `MSMAPPROJECTION`
@*/
PetscErrorCode MSMapProjectionSetIndices(MSMap map, PetscInt n_in, IS indices)
{
  MSMap_Projection *p;
  const PetscInt   *idx;
  PetscInt          n, nu, bad, badval;
  IS                sorted;

  PetscFunctionBegin;
  MSValidHeader(map, 1);
  PetscCall(MSHeaderCheckType(&map->hdr, MSMAPPROJECTION, "MSMapProjectionSetIndices"));
  PetscCheck(indices, map->hdr.comm, PETSC_ERR_ARG_NULL, "MSMapProjectionSetIndices: indices is NULL");
  PetscCall(ISGetLocalSize(indices, &n));
  PetscCheck(n > 0, map->hdr.comm, PETSC_ERR_ARG_SIZ, "MSMapProjectionSetIndices: no indices");
  PetscCall(ISGetIndices(indices, &idx));
  bad = MSMapProjectionFirstOutside(n, idx, n_in);
  badval = bad < 0 ? 0 : idx[bad];
  PetscCall(ISRestoreIndices(indices, &idx));
  PetscCheck(bad < 0, map->hdr.comm, PETSC_ERR_ARG_OUTOFRANGE, "MSMapProjectionSetIndices: index %" PetscInt_FMT " at position %" PetscInt_FMT " is outside [0, %" PetscInt_FMT ")", badval, bad, n_in);
  PetscCall(MSMapSetSizes(map, n_in, n));
  p = (MSMap_Projection *)map->data;
  PetscCall(ISDestroy(&p->indices));
  PetscCall(ISDuplicate(indices, &p->indices));
  PetscCall(ISCopy(indices, p->indices));
  PetscCall(ISDestroy(&map->support));
  PetscCall(ISDuplicate(indices, &sorted));
  PetscCall(ISSortRemoveDups(sorted));
  PetscCall(ISGetLocalSize(sorted, &nu));
  PetscCall(ISDestroy(&sorted));
  map->singleton_columns = nu == n ? PETSC_TRUE : PETSC_FALSE;
  PetscFunctionReturn(0);
}

/*MC
  MSMAPPROJECTION - "projection": u[k] = m[indices[k]], SimPEG's Projection map

  Level: beginner

  Notes:
  Its support is the distinct indices, so `MSMeta` moves only those model entries to the rank.

.seealso: `MSMapProjectionSetIndices()`, `MSMapCreateProjection()`
M*/
PETSC_INTERN PetscErrorCode MSMapCreate_Projection(MSMap map)
{
  MSMap_Projection *p;

  PetscFunctionBegin;
  PetscCall(PetscNew(&p));
  map->data               = p;
  map->ops->apply         = MSMapApply_Projection;
  map->ops->jvec          = MSMapJvec_Projection;
  map->ops->jtvec         = MSMapJtvec_Projection;
  map->ops->squaredjtvec  = MSMapJtvec_Projection;
  map->ops->support       = MSMapSupport_Projection;
  map->ops->restrictinput = MSMapRestrict_Projection;
  map->ops->setup         = MSMapSetUp_Projection;
  map->ops->view          = MSMapView_Projection;
  map->ops->destroy       = MSMapDestroy_Projection;
  PetscFunctionReturn(0);
}

/*@C
  MSMapCreateProjection - creates and sets up a projection map from an index array

  Collective

  Input Parameters:
+ comm    - the communicator, `PETSC_COMM_SELF`
. n_in    - the input length
. n       - number of selected entries
- indices - the selected input of each output (copied)

  Output Parameter:
. map - the map

  Level: beginner

.seealso: `MSMAPPROJECTION`, `MSMapProjectionSetIndices()`
@*/
PetscErrorCode MSMapCreateProjection(MPI_Comm comm, PetscInt n_in, PetscInt n, const PetscInt indices[], MSMap *map)
{
  IS       is;
  PetscInt bad = MSMapProjectionFirstOutside(n, indices, n_in);

  PetscFunctionBegin;
  *map = NULL;
  PetscCheck(bad < 0, comm, PETSC_ERR_ARG_OUTOFRANGE, "MSMapCreateProjection: index %" PetscInt_FMT " at position %" PetscInt_FMT " is outside [0, %" PetscInt_FMT ")", indices[bad], bad, n_in);
  PetscCall(ISCreateGeneral(PETSC_COMM_SELF, n, indices, PETSC_COPY_VALUES, &is));
  PetscCall(MSMapCreate(comm, map));
  PetscCall(MSMapSetType(*map, MSMAPPROJECTION));
  PetscCall(MSMapProjectionSetIndices(*map, n_in, is));
  PetscCall(ISDestroy(&is));
  PetscCall(MSMapSetUp(*map));
  PetscFunctionReturn(0);
}
