/* MSMap interface: life cycle, sizes and options. */
#include <metasim/impl/mapimpl.h>

/*@C
  MSMapCreate - creates a model map with no type

  Collective

  Input Parameter:
. comm - the communicator, usually `PETSC_COMM_SELF` (maps act on a rank's local models)

  Output Parameter:
. map - the new map

  Level: beginner

.seealso: `MSMapSetType()`, `MSMapDestroy()`, `MSMapCreateIdentity()`, `MSMapCreateProjection()`
@*/
PetscErrorCode MSMapCreate(MPI_Comm comm, MSMap *map)
{
  MSMap m;

  PetscFunctionBegin;
  PetscCheck(map, PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "Null pointer: argument # %d", 2);
  *map = NULL;
  PetscCall(MSInitializePackage());
  PetscCall(PetscNew(&m));
  PetscCall(MSHeaderInitialize(&m->hdr, comm, MS_MAP_CLASSID, "MSMap"));
  m->n_in  = -1;
  m->n_out = -1;
  *map     = m;
  PetscFunctionReturn(0);
}

/*@C
  MSMapSetType - chooses the map type

  Collective

  Input Parameters:
+ map  - the map
- type - one of `MSMAPIDENTITY`, `MSMAPPROJECTION`, `MSMAPEXP`, `MSMAPLINEAR`, `MSMAPCOMPOSE`,
         `MSMAPSUM`, `MSMAPINJECTACTIVE`, `MSMAPTILE`, or a name given to `MSMapRegister()`

  Options Database Key:
. -map_type <type> - set with `MSMapSetFromOptions()`

  Level: beginner

.seealso: `MSMapRegister()`, `MSMapGetType()`
@*/
PetscErrorCode MSMapSetType(MSMap map, MSMapType type)
{
  PetscErrorCode (*create)(MSMap);
  PetscBool same;

  PetscFunctionBegin;
  MSValidHeader(map, 1);
  PetscCall(PetscStrcmp(map->hdr.type_name, type, &same));
  if (same) PetscFunctionReturn(0);
  PetscCall(MSHeaderFindType(&map->hdr, MSMapList, type, (void (**)(void))&create));
  if (map->ops->destroy) PetscCall((*map->ops->destroy)(map));
  PetscCall(PetscMemzero(map->ops, sizeof(struct _MSMapOps)));
  PetscCall(ISDestroy(&map->support));
  map->data              = NULL;
  map->singleton_columns = PETSC_FALSE;
  map->hdr.setupcalled   = PETSC_FALSE;
  PetscCall(MSHeaderSetTypeName(&map->hdr, type));
  PetscCall((*create)(map));
  PetscCheck(map->ops->apply && map->ops->jvec && map->ops->jtvec && map->ops->squaredjtvec, map->hdr.comm, PETSC_ERR_PLIB, "MSMap type %s does not provide apply, jvec, jtvec and squaredjtvec", type);
  PetscFunctionReturn(0);
}

/*@C
  MSMapGetType - the map's type name, or NULL before `MSMapSetType()`

  Not Collective

  Level: beginner
@*/
PetscErrorCode MSMapGetType(MSMap map, MSMapType *type)
{
  PetscFunctionBegin;
  MSValidHeader(map, 1);
  *type = map->hdr.type_name;
  PetscFunctionReturn(0);
}

/*@C
  MSMapSetOptionsPrefix - prefix for every option this map reads

  Logically Collective

  Level: intermediate
@*/
PetscErrorCode MSMapSetOptionsPrefix(MSMap map, const char prefix[])
{
  PetscFunctionBegin;
  MSValidHeader(map, 1);
  PetscCall(MSHeaderSetOptionsPrefix(&map->hdr, prefix));
  PetscFunctionReturn(0);
}

/*@C
  MSMapSetFromOptions - reads -map_type and the type's own options

  Collective

  Options Database Key:
. -map_type <type> - the map type (default: keeps the current one, else identity)

  Level: beginner
@*/
PetscErrorCode MSMapSetFromOptions(MSMap map)
{
  char      type[256];
  PetscBool set;

  PetscFunctionBegin;
  MSValidHeader(map, 1);
  PetscOptionsBegin(map->hdr.comm, map->hdr.prefix, "Model map (MSMap) options", "MSMap");
  PetscCall(PetscOptionsFList("-map_type", "Map type", "MSMapSetType", MSMapList, map->hdr.type_name ? map->hdr.type_name : MSMAPIDENTITY, type, sizeof(type), &set));
  PetscOptionsEnd();
  if (set || !map->hdr.type_name) PetscCall(MSMapSetType(map, type));
  if (map->ops->setfromoptions) PetscCall((*map->ops->setfromoptions)(map));
  PetscFunctionReturn(0);
}

/*@C
  MSMapSetSizes - sets the input and output lengths (types given an operator or index set set them
  from it)

  Logically Collective

  Input Parameters:
+ map   - the map
. n_in  - length of the model it reads
- n_out - length of the model it produces

  Level: intermediate

.seealso: `MSMapGetSizes()`
@*/
PetscErrorCode MSMapSetSizes(MSMap map, PetscInt n_in, PetscInt n_out)
{
  PetscFunctionBegin;
  MSValidHeader(map, 1);
  PetscCheck(n_in > 0 && n_out > 0, map->hdr.comm, PETSC_ERR_ARG_OUTOFRANGE, "MSMap sizes must be positive: n_in %" PetscInt_FMT ", n_out %" PetscInt_FMT, n_in, n_out);
  PetscCheck(!map->hdr.setupcalled || (n_in == map->n_in && n_out == map->n_out), map->hdr.comm, PETSC_ERR_ARG_WRONGSTATE, "Cannot change MSMap sizes after MSMapSetUp()");
  map->n_in  = n_in;
  map->n_out = n_out;
  PetscFunctionReturn(0);
}

/*@C
  MSMapGetSizes - the input and output lengths

  Not Collective

  Output Parameters:
+ n_in  - input length (or NULL)
- n_out - output length (or NULL)

  Level: beginner
@*/
PetscErrorCode MSMapGetSizes(MSMap map, PetscInt *n_in, PetscInt *n_out)
{
  PetscFunctionBegin;
  MSValidHeader(map, 1);
  if (n_in) *n_in = map->n_in;
  if (n_out) *n_out = map->n_out;
  PetscFunctionReturn(0);
}

/*@C
  MSMapSetUp - checks the map is complete

  Collective

  Level: beginner
@*/
PetscErrorCode MSMapSetUp(MSMap map)
{
  PetscFunctionBegin;
  MSValidHeader(map, 1);
  if (map->hdr.setupcalled) PetscFunctionReturn(0);
  MSCheckTyped(map, "MSMap");
  if (map->ops->setup) PetscCall((*map->ops->setup)(map));
  PetscCheck(map->n_in > 0 && map->n_out > 0, map->hdr.comm, PETSC_ERR_ARG_WRONGSTATE, "MSMap of type %s has no sizes: call MSMapSetSizes() or the type's set-up function", map->hdr.type_name);
  map->hdr.setupcalled = PETSC_TRUE;
  PetscFunctionReturn(0);
}

/*@C
  MSMapCreateVecs - an input and an output vector that fit the map

  Collective

  Output Parameters:
+ in  - input vector (or NULL)
- out - output vector (or NULL)

  Level: beginner
@*/
PetscErrorCode MSMapCreateVecs(MSMap map, Vec *in, Vec *out)
{
  PetscFunctionBegin;
  MSValidHeader(map, 1);
  MSCheckSetUp(map, "MSMap");
  if (in) PetscCall(VecCreateMPI(map->hdr.comm, PETSC_DECIDE, map->n_in, in));
  if (out) PetscCall(VecCreateMPI(map->hdr.comm, PETSC_DECIDE, map->n_out, out));
  PetscFunctionReturn(0);
}

/*@C
  MSMapView - prints the map

  Collective

  Level: beginner
@*/
PetscErrorCode MSMapView(MSMap map, PetscViewer viewer)
{
  PetscFunctionBegin;
  MSValidHeader(map, 1);
  if (!viewer) PetscCall(PetscViewerASCIIGetStdout(map->hdr.comm, &viewer));
  PetscCall(MSHeaderView(&map->hdr, viewer));
  PetscCall(PetscViewerASCIIPushTab(viewer));
  PetscCall(PetscViewerASCIIPrintf(viewer, "input length %" PetscInt_FMT ", output length %" PetscInt_FMT "\n", map->n_in, map->n_out));
  if (map->ops->view) PetscCall((*map->ops->view)(map, viewer));
  PetscCall(PetscViewerASCIIPopTab(viewer));
  PetscFunctionReturn(0);
}

/*@C
  MSMapReference - takes one more reference; `MSMapDestroy()` frees at the last one

  Not Collective

  Level: developer
@*/
PetscErrorCode MSMapReference(MSMap map)
{
  PetscFunctionBegin;
  MSValidHeader(map, 1);
  map->hdr.refct++;
  PetscFunctionReturn(0);
}

/*@C
  MSMapDestroy - drops a reference and frees the map at the last one

  Collective

  Input Parameter:
. map - the map; set to NULL

  Level: beginner
@*/
PetscErrorCode MSMapDestroy(MSMap *map)
{
  PetscFunctionBegin;
  if (!map || !*map) PetscFunctionReturn(0);
  if (--(*map)->hdr.refct > 0) {
    *map = NULL;
    PetscFunctionReturn(0);
  }
  if ((*map)->ops->destroy) PetscCall((*(*map)->ops->destroy)(*map));
  PetscCall(ISDestroy(&(*map)->support));
  PetscCall(MSHeaderFinalize(&(*map)->hdr));
  PetscCall(PetscFree(*map));
  PetscFunctionReturn(0);
}

/*@C
  MSMapGetComm - the map's communicator

  Not Collective

  Level: beginner
@*/
PetscErrorCode MSMapGetComm(MSMap map, MPI_Comm *comm)
{
  PetscFunctionBegin;
  MSValidHeader(map, 1);
  *comm = map->hdr.comm;
  PetscFunctionReturn(0);
}
