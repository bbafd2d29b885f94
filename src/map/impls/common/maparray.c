/* MSMapArray: the referenced child maps of a combining map type (compose, sum). */
#include "mapimplutils.h"

/* Every child is non-NULL, not the parent itself, and set up (the parent needs its sizes). */
PetscErrorCode MSMapArrayCheck(MSMap parent, PetscInt n, const MSMap maps[], const char caller[])
{
  PetscFunctionBegin;
  PetscCheck(n > 0, parent->hdr.comm, PETSC_ERR_ARG_OUTOFRANGE, "%s: needs at least one map, got n = %" PetscInt_FMT, caller, n);
  PetscCheck(maps, parent->hdr.comm, PETSC_ERR_ARG_NULL, "%s: the array of maps is NULL", caller);
  for (PetscInt k = 0; k < n; k++) {
    PetscCheck(maps[k], parent->hdr.comm, PETSC_ERR_ARG_NULL, "%s: map %" PetscInt_FMT " is NULL", caller, k);
    PetscCheck(maps[k] != parent, parent->hdr.comm, PETSC_ERR_ARG_WRONG, "%s: map %" PetscInt_FMT " is the map being set", caller, k);
    PetscCall(MSMapSetUp(maps[k]));
  }
  PetscFunctionReturn(0);
}

/* Replaces the list with new references to n checked maps. */
PetscErrorCode MSMapArraySet(MSMapArray *a, PetscInt n, const MSMap maps[])
{
  MSMap *copy;

  PetscFunctionBegin;
  PetscCall(PetscMalloc1(n, &copy));
  for (PetscInt k = 0; k < n; k++) {
    PetscCall(MSMapReference(maps[k]));
    copy[k] = maps[k];
  }
  PetscCall(MSMapArrayDestroy(a));
  a->n    = n;
  a->maps = copy;
  PetscFunctionReturn(0);
}

PetscErrorCode MSMapArrayDestroy(MSMapArray *a)
{
  PetscFunctionBegin;
  for (PetscInt k = 0; k < a->n; k++) PetscCall(MSMapDestroy(&a->maps[k]));
  PetscCall(PetscFree(a->maps));
  a->n = 0;
  PetscFunctionReturn(0);
}

PetscErrorCode MSMapArrayView(const MSMapArray *a, PetscViewer viewer)
{
  PetscFunctionBegin;
  for (PetscInt k = 0; k < a->n; k++) {
    PetscCall(PetscViewerASCIIPrintf(viewer, "map %" PetscInt_FMT ":\n", k));
    PetscCall(PetscViewerASCIIPushTab(viewer));
    PetscCall(MSMapView(a->maps[k], viewer));
    PetscCall(PetscViewerASCIIPopTab(viewer));
  }
  PetscFunctionReturn(0);
}

PetscErrorCode MSMapArrayAllSingleton(const MSMapArray *a, PetscBool *all)
{
  PetscFunctionBegin;
  *all = PETSC_TRUE;
  for (PetscInt k = 0; k < a->n; k++) {
    PetscBool single;

    PetscCall(MSMapHasSingletonColumns(a->maps[k], &single));
    if (!single) *all = PETSC_FALSE;
  }
  PetscFunctionReturn(0);
}
