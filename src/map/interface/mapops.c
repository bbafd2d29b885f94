/* MSMap operations: apply, derivative products, support and restriction onto a subset. */
#include <metasim/impl/mapimpl.h>

static PetscErrorCode MSMapCheckInput(MSMap map, Vec m, const char caller[])
{
  PetscFunctionBegin;
  MSValidHeader(map, 1);
  MSCheckSetUp(map, "MSMap");
  PetscCall(MSVecCheckSize(m, map->n_in, caller, "model"));
  PetscFunctionReturn(0);
}

/*@C
  MSMapApply - u = M(m)

  Collective on map

  Input Parameters:
+ map - the map, set up
- m   - the model, length n_in, finite

  Output Parameter:
. u - the mapped model, length n_out

  Level: beginner

.seealso: `MSMapJvec()`, `MSMapJtvec()`
@*/
PetscErrorCode MSMapApply(MSMap map, Vec m, Vec u)
{
  PetscFunctionBegin;
  PetscCall(MSMapCheckInput(map, m, "MSMapApply"));
  PetscCall(MSVecCheckSize(u, map->n_out, "MSMapApply", "output"));
  PetscCall(MSVecCheckFinite(m, "map input model"));
  PetscCall(MSMapApplyChecked(map, m, u));
  PetscFunctionReturn(0);
}

/* MSMapApply() for callers that have already checked the sizes and that m is finite. */
PetscErrorCode MSMapApplyChecked(MSMap map, Vec m, Vec u)
{
  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(MS_MapApply, 0, 0, 0, 0));
  PetscCall((*map->ops->apply)(map, m, u));
  PetscCall(PetscLogEventEnd(MS_MapApply, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

/*@C
  MSMapJvec - derivative times a vector, M'(m) v

  Collective on map

  Input Parameters:
+ map - the map
. m   - the model at which the derivative is taken
- v   - the input perturbation, length n_in

  Output Parameter:
. u - M'(m) v, length n_out

  Level: beginner

.seealso: `MSMapJtvec()`, `MSMapCheckTaylor()`
@*/
PetscErrorCode MSMapJvec(MSMap map, Vec m, Vec v, Vec u)
{
  PetscFunctionBegin;
  PetscCall(MSMapCheckInput(map, m, "MSMapJvec"));
  PetscCall(MSVecCheckSize(v, map->n_in, "MSMapJvec", "input"));
  PetscCall(MSVecCheckSize(u, map->n_out, "MSMapJvec", "output"));
  PetscCall(PetscLogEventBegin(MS_MapJvec, 0, 0, 0, 0));
  PetscCall((*map->ops->jvec)(map, m, v, u));
  PetscCall(PetscLogEventEnd(MS_MapJvec, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

/*@C
  MSMapJtvec - transposed derivative times a vector, M'(m)^T w

  Collective on map

  Input Parameters:
+ map - the map
. m   - the model at which the derivative is taken
- w   - an output-space vector, length n_out

  Output Parameter:
. v - M'(m)^T w, length n_in (overwritten)

  Level: beginner

.seealso: `MSMapJvec()`, `MSMapCheckAdjoint()`
@*/
PetscErrorCode MSMapJtvec(MSMap map, Vec m, Vec w, Vec v)
{
  PetscFunctionBegin;
  PetscCall(MSMapCheckInput(map, m, "MSMapJtvec"));
  PetscCall(MSVecCheckSize(w, map->n_out, "MSMapJtvec", "input"));
  PetscCall(MSVecCheckSize(v, map->n_in, "MSMapJtvec", "output"));
  PetscCall(PetscLogEventBegin(MS_MapJtvec, 0, 0, 0, 0));
  PetscCall((*map->ops->jtvec)(map, m, w, v));
  PetscCall(PetscLogEventEnd(MS_MapJtvec, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

/*@C
  MSMapSquaredJtvec - (M'(m) o M'(m))^T d: the transposed derivative with every entry squared

  Collective on map

  Input Parameters:
+ map - the map
. m   - the model at which the derivative is taken
- d   - an output-space vector, typically a simulation's own JtJ diagonal

  Output Parameter:
. v - sum_k d_k (M'_kj)^2 for each input j, length n_in

  Notes:
  This composes a simulation's JtJ diagonal through the map. It is the exact diagonal of
  M'^T diag(d) M' only when `MSMapHasSingletonColumns()` is true.

  Level: advanced

.seealso: `MSMapHasSingletonColumns()`, `MSSimGetJtJDiagonal()`
@*/
PetscErrorCode MSMapSquaredJtvec(MSMap map, Vec m, Vec d, Vec v)
{
  PetscFunctionBegin;
  PetscCall(MSMapCheckInput(map, m, "MSMapSquaredJtvec"));
  PetscCall(MSVecCheckSize(d, map->n_out, "MSMapSquaredJtvec", "input"));
  PetscCall(MSVecCheckSize(v, map->n_in, "MSMapSquaredJtvec", "output"));
  PetscCall((*map->ops->squaredjtvec)(map, m, d, v));
  PetscFunctionReturn(0);
}

/*@C
  MSMapGetSupport - the sorted input indices the map reads: the entries the distributed scatter
  has to move for it

  Not Collective

  Output Parameter:
. support - the index set, owned by the map: do not destroy

  Level: intermediate

.seealso: `MSMapCreateRestricted()`
@*/
PetscErrorCode MSMapGetSupport(MSMap map, IS *support)
{
  PetscFunctionBegin;
  MSValidHeader(map, 1);
  MSCheckSetUp(map, "MSMap");
  if (!map->support) {
    if (map->ops->support) PetscCall((*map->ops->support)(map, &map->support));
    else PetscCall(ISCreateStride(PETSC_COMM_SELF, map->n_in, 0, 1, &map->support));
  }
  *support = map->support;
  PetscFunctionReturn(0);
}

/*@C
  MSMapHasSingletonColumns - whether every column of M'(m) has at most one non-zero, so each
  input entry feeds at most one output entry

  Not Collective

  Output Parameter:
. flg - `PETSC_TRUE` if so; composing a JtJ diagonal through the map is then exact

  Level: advanced

.seealso: `MSMapSquaredJtvec()`
@*/
PetscErrorCode MSMapHasSingletonColumns(MSMap map, PetscBool *flg)
{
  PetscFunctionBegin;
  MSValidHeader(map, 1);
  MSCheckSetUp(map, "MSMap");
  *flg = map->singleton_columns;
  PetscFunctionReturn(0);
}

/* keep must be sorted, unique, inside [0, n_in), and contain the support. */
static PetscErrorCode MSMapCheckKeep(MSMap map, IS keep)
{
  IS              support;
  const PetscInt *k, *s;
  PetscInt        nk, ns, j = 0, outside = -1, unsorted = -1, missing = -1;

  PetscFunctionBegin;
  PetscCall(MSMapGetSupport(map, &support));
  PetscCall(ISGetLocalSize(keep, &nk));
  PetscCall(ISGetLocalSize(support, &ns));
  PetscCall(ISGetIndices(keep, &k));
  PetscCall(ISGetIndices(support, &s));
  for (PetscInt i = 0; i < nk && outside < 0 && unsorted < 0; i++) {
    if (k[i] < 0 || k[i] >= map->n_in) outside = k[i];
    else if (i > 0 && k[i] <= k[i - 1]) unsorted = i;
  }
  for (PetscInt i = 0; i < ns && missing < 0; i++) {
    while (j < nk && k[j] < s[i]) j++;
    if (j == nk || k[j] != s[i]) missing = s[i];
  }
  PetscCall(ISRestoreIndices(keep, &k));
  PetscCall(ISRestoreIndices(support, &s));
  PetscCheck(outside < 0, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "MSMapCreateRestricted: kept index %" PetscInt_FMT " is outside [0, %" PetscInt_FMT ")", outside, map->n_in);
  PetscCheck(unsorted < 0, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "MSMapCreateRestricted: kept indices must be sorted and unique (position %" PetscInt_FMT ")", unsorted);
  PetscCheck(missing < 0, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "MSMapCreateRestricted: the map reads input %" PetscInt_FMT ", which is not kept", missing);
  PetscFunctionReturn(0);
}

/*@C
  MSMapCreateRestricted - the same map reading a compressed model x, x[k] = m[keep[k]]

  Collective on map

  Input Parameters:
+ map  - the map, set up
- keep - sorted, unique global input indices that contain the map's support

  Output Parameter:
. rmap - the restricted map, set up, with n_in = size of keep

  Notes:
  `MSMeta` moves only the union of its maps' supports to each rank and runs restricted maps on
  it. A map that reads every input, restricted to every input, is returned as a new reference.

  Level: developer

.seealso: `MSMapGetSupport()`
@*/
PetscErrorCode MSMapCreateRestricted(MSMap map, IS keep, MSMap *rmap)
{
  PetscInt nk;

  PetscFunctionBegin;
  PetscCall(MSMapCheckKeep(map, keep));
  PetscCall(ISGetLocalSize(keep, &nk));
  if (nk == map->n_in) {
    PetscCall(MSMapReference(map));
    *rmap = map;
    PetscFunctionReturn(0);
  }
  PetscCheck(map->ops->restrictinput, map->hdr.comm, PETSC_ERR_SUP, "MSMap type %s reads only part of its input but cannot be restricted", map->hdr.type_name);
  PetscCall((*map->ops->restrictinput)(map, keep, rmap));
  PetscCall(MSMapSetUp(*rmap));
  PetscFunctionReturn(0);
}

/* Position of each global index in the sorted keep list (all must be present). */
PetscErrorCode MSMapRelabelIndices(IS keep, PetscInt n, const PetscInt idx[], PetscInt pos[])
{
  const PetscInt *k;
  PetscInt        nk;

  PetscFunctionBegin;
  PetscCall(ISGetLocalSize(keep, &nk));
  PetscCall(ISGetIndices(keep, &k));
  for (PetscInt i = 0; i < n; i++) {
    PetscCall(PetscFindInt(idx[i], nk, k, &pos[i]));
    PetscCheck(pos[i] >= 0, PETSC_COMM_SELF, PETSC_ERR_PLIB, "Index %" PetscInt_FMT " is not in the kept set", idx[i]);
  }
  PetscCall(ISRestoreIndices(keep, &k));
  PetscFunctionReturn(0);
}
