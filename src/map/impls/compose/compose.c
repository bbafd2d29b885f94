/* MSMAPCOMPOSE: u = M_{n-1}(...M_1(M_0(m))), the maps in the order they are applied. */
#include "../common/mapimplutils.h"

typedef struct {
  MSMapArray chain;
  Vec       *mid;  /* mid[k] = M_k(...M_0(m)), the input of map k + 1, for k < n - 1 */
  Vec       *dmid; /* perturbations and adjoint vectors of the same lengths */
  MSVecKey   key;  /* the model m at which mid holds */
} MSMap_Compose;

typedef PetscErrorCode (*MSMapProduct)(MSMap, Vec, Vec, Vec);

/* The intermediate models at m, recomputed only when m (its id or state) changed. */
static PetscErrorCode MSMapComposeForward(MSMap map, Vec m)
{
  MSMap_Compose *c = (MSMap_Compose *)map->data;
  PetscBool      cached;

  PetscFunctionBegin;
  PetscCall(MSVecKeyMatches(&c->key, m, &cached));
  if (cached) PetscFunctionReturn(0);
  c->key.valid = PETSC_FALSE;
  for (PetscInt k = 0; k < c->chain.n - 1; k++) PetscCall(MSMapApplyChecked(c->chain.maps[k], k ? c->mid[k - 1] : m, c->mid[k])); /* sizes checked at set-up; m by the caller, the rest by the maps */
  PetscCall(MSVecKeySet(&c->key, m));
  PetscFunctionReturn(0);
}

/* The input model of map k. */
static Vec MSMapComposeModel(MSMap_Compose *c, Vec m, PetscInt k)
{
  return k ? c->mid[k - 1] : m;
}

static PetscErrorCode MSMapApply_Compose(MSMap map, Vec m, Vec u)
{
  MSMap_Compose *c = (MSMap_Compose *)map->data;
  PetscInt       last = c->chain.n - 1;

  PetscFunctionBegin;
  PetscCall(MSMapComposeForward(map, m));
  PetscCall(MSMapApplyChecked(c->chain.maps[last], MSMapComposeModel(c, m, last), u));
  PetscFunctionReturn(0);
}

/* Chain rule forward: M'_{n-1} ... M'_1 M'_0 v */
static PetscErrorCode MSMapJvec_Compose(MSMap map, Vec m, Vec v, Vec u)
{
  MSMap_Compose *c = (MSMap_Compose *)map->data;
  PetscInt       n = c->chain.n;

  PetscFunctionBegin;
  PetscCall(MSMapComposeForward(map, m));
  for (PetscInt k = 0; k < n; k++) PetscCall(MSMapJvec(c->chain.maps[k], MSMapComposeModel(c, m, k), k ? c->dmid[k - 1] : v, k == n - 1 ? u : c->dmid[k]));
  PetscFunctionReturn(0);
}

/* Chain rule backward with a transposed product of each map: P_0 P_1 ... P_{n-1} w */
static PetscErrorCode MSMapComposeBackward(MSMap map, MSMapProduct product, Vec m, Vec w, Vec v)
{
  MSMap_Compose *c = (MSMap_Compose *)map->data;
  PetscInt       n = c->chain.n;

  PetscFunctionBegin;
  PetscCall(MSMapComposeForward(map, m));
  for (PetscInt k = n - 1; k >= 0; k--) PetscCall((*product)(c->chain.maps[k], MSMapComposeModel(c, m, k), k == n - 1 ? w : c->dmid[k], k ? c->dmid[k - 1] : v));
  PetscFunctionReturn(0);
}

static PetscErrorCode MSMapJtvec_Compose(MSMap map, Vec m, Vec w, Vec v)
{
  PetscFunctionBegin;
  PetscCall(MSMapComposeBackward(map, MSMapJtvec, m, w, v));
  PetscFunctionReturn(0);
}

/* (AB) o (AB) = (A o A)(B o B) when B (applied first) has at most one non-zero per column or A at
   most one per row: exact when every map but the last-applied has singleton columns. */
static PetscErrorCode MSMapSquaredJtvec_Compose(MSMap map, Vec m, Vec d, Vec v)
{
  PetscFunctionBegin;
  PetscCall(MSMapComposeBackward(map, MSMapSquaredJtvec, m, d, v));
  PetscFunctionReturn(0);
}

/* Only the first-applied map reads the model. */
static PetscErrorCode MSMapSupport_Compose(MSMap map, IS *support)
{
  MSMap_Compose *c = (MSMap_Compose *)map->data;
  IS             first;

  PetscFunctionBegin;
  PetscCall(MSMapGetSupport(c->chain.maps[0], &first));
  PetscCall(ISDuplicate(first, support));
  PetscCall(ISCopy(first, *support));
  PetscFunctionReturn(0);
}

static PetscErrorCode MSMapRestrict_Compose(MSMap map, IS keep, MSMap *rmap)
{
  MSMap_Compose *c = (MSMap_Compose *)map->data;
  MSMap         *maps;

  PetscFunctionBegin;
  PetscCall(PetscMalloc1(c->chain.n, &maps));
  PetscCall(PetscArraycpy(maps, c->chain.maps, c->chain.n));
  PetscCall(MSMapCreateRestricted(c->chain.maps[0], keep, &maps[0]));
  PetscCall(MSMapCreate(map->hdr.comm, rmap));
  PetscCall(MSMapSetType(*rmap, MSMAPCOMPOSE));
  PetscCall(MSMapComposeSetMaps(*rmap, c->chain.n, maps));
  PetscCall(MSMapDestroy(&maps[0]));
  PetscCall(PetscFree(maps));
  PetscFunctionReturn(0);
}

static PetscErrorCode MSMapSetUp_Compose(MSMap map)
{
  MSMap_Compose *c = (MSMap_Compose *)map->data;

  PetscFunctionBegin;
  PetscCheck(c->chain.n > 0, map->hdr.comm, PETSC_ERR_ARG_WRONGSTATE, "MSMAPCOMPOSE needs its maps: call MSMapComposeSetMaps()");
  PetscFunctionReturn(0);
}

static PetscErrorCode MSMapView_Compose(MSMap map, PetscViewer viewer)
{
  MSMap_Compose *c = (MSMap_Compose *)map->data;

  PetscFunctionBegin;
  PetscCall(PetscViewerASCIIPrintf(viewer, "chain of %" PetscInt_FMT " maps, in the order applied; singleton columns: %s\n", c->chain.n, map->singleton_columns ? "yes" : "no"));
  PetscCall(MSMapArrayView(&c->chain, viewer));
  PetscFunctionReturn(0);
}

static PetscErrorCode MSMapComposeDestroyWork(MSMap_Compose *c)
{
  PetscFunctionBegin;
  for (PetscInt k = 0; k < c->chain.n - 1; k++) {
    PetscCall(VecDestroy(&c->mid[k]));
    PetscCall(VecDestroy(&c->dmid[k]));
  }
  PetscCall(PetscFree(c->mid));
  PetscCall(PetscFree(c->dmid));
  c->key.valid = PETSC_FALSE;
  PetscFunctionReturn(0);
}

static PetscErrorCode MSMapDestroy_Compose(MSMap map)
{
  MSMap_Compose *c = (MSMap_Compose *)map->data;

  PetscFunctionBegin;
  PetscCall(MSMapComposeDestroyWork(c));
  PetscCall(MSMapArrayDestroy(&c->chain));
  PetscCall(PetscFree(map->data));
  PetscFunctionReturn(0);
}

/* map k produces what map k + 1 reads */
static PetscErrorCode MSMapComposeCheckChain(MSMap map, PetscInt n, const MSMap maps[])
{
  PetscFunctionBegin;
  for (PetscInt k = 0; k + 1 < n; k++) {
    PetscInt n_out, n_in;

    PetscCall(MSMapGetSizes(maps[k], NULL, &n_out));
    PetscCall(MSMapGetSizes(maps[k + 1], &n_in, NULL));
    PetscCheck(n_out == n_in, map->hdr.comm, PETSC_ERR_ARG_SIZ, "MSMapComposeSetMaps: map %" PetscInt_FMT " produces %" PetscInt_FMT " entries but map %" PetscInt_FMT ", applied after it, reads %" PetscInt_FMT, k, n_out, k + 1, n_in);
  }
  PetscFunctionReturn(0);
}

/*@C
  MSMapComposeSetMaps - sets the chain of a composed map u = M_{n-1}(...M_1(M_0(m)))

  Collective on map

  Input Parameters:
+ map  - a map of type `MSMAPCOMPOSE`
. n    - number of maps, at least 1
- maps - the maps in the order they are APPLIED (maps[0] reads the model); each is set up if it
         is not already, and the composed map takes a reference to each

  Notes:
  The output length of each map must equal the input length of the next (the error names the
  link). SimPEG's `exp_map * projection` (written right to left) is { projection, exp } here.
  The support and the restriction are those of maps[0]; the derivative has singleton columns
  when every map's has. `MSMapSquaredJtvec()` applies each map's squared transpose backwards:
  exact when every map but the last-applied one has singleton columns.

  Level: beginner

.seealso: `MSMAPCOMPOSE`, `MSMapSumSetMaps()`
@*/
PetscErrorCode MSMapComposeSetMaps(MSMap map, PetscInt n, const MSMap maps[])
{
  MSMap_Compose *c;
  PetscInt       n_in, n_out;
  PetscBool      single;

  PetscFunctionBegin;
  MSValidHeader(map, 1);
  PetscCall(MSHeaderCheckType(&map->hdr, MSMAPCOMPOSE, "MSMapComposeSetMaps"));
  c = (MSMap_Compose *)map->data;
  PetscCall(MSMapArrayCheck(map, n, maps, "MSMapComposeSetMaps"));
  PetscCall(MSMapComposeCheckChain(map, n, maps));
  PetscCall(MSMapGetSizes(maps[0], &n_in, NULL));
  PetscCall(MSMapGetSizes(maps[n - 1], NULL, &n_out));
  PetscCall(MSMapSetSizes(map, n_in, n_out));
  PetscCall(MSMapComposeDestroyWork(c));
  PetscCall(MSMapArraySet(&c->chain, n, maps));
  PetscCall(PetscMalloc1(n - 1, &c->mid));
  PetscCall(PetscMalloc1(n - 1, &c->dmid));
  for (PetscInt k = 0; k < n - 1; k++) {
    PetscCall(MSMapGetSizes(maps[k], NULL, &n_out));
    PetscCall(VecCreateSeq(PETSC_COMM_SELF, n_out, &c->mid[k]));
    PetscCall(VecCreateSeq(PETSC_COMM_SELF, n_out, &c->dmid[k]));
  }
  PetscCall(MSMapArrayAllSingleton(&c->chain, &single));
  map->singleton_columns = single;
  PetscCall(ISDestroy(&map->support));
  PetscFunctionReturn(0);
}

/*MC
  MSMAPCOMPOSE - "compose": u = M_{n-1}(...M_1(M_0(m))), a chain of maps (SimPEG's ComboMap)

  Level: beginner

  Notes:
  Jvec runs forward through the chain at the intermediate models, Jtvec backward; the
  intermediate models are cached for the last model seen. The support is that of the first-applied
  map, and restricting the chain restricts only that map.

.seealso: `MSMapComposeSetMaps()`, `MSMAPSUM`
M*/
PETSC_INTERN PetscErrorCode MSMapCreate_Compose(MSMap map)
{
  MSMap_Compose *c;

  PetscFunctionBegin;
  PetscCall(PetscNew(&c));
  map->data               = c;
  map->ops->apply         = MSMapApply_Compose;
  map->ops->jvec          = MSMapJvec_Compose;
  map->ops->jtvec         = MSMapJtvec_Compose;
  map->ops->squaredjtvec  = MSMapSquaredJtvec_Compose;
  map->ops->support       = MSMapSupport_Compose;
  map->ops->restrictinput = MSMapRestrict_Compose;
  map->ops->setup         = MSMapSetUp_Compose;
  map->ops->view          = MSMapView_Compose;
  map->ops->destroy       = MSMapDestroy_Compose;
  PetscFunctionReturn(0);
}
