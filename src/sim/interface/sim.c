/* MSSim interface: life cycle, sizes and options. */
#include <metasim/impl/simimpl.h>

/*@C
  MSSimCreate - creates a simulation with no type

  Collective

  Input Parameter:
. comm - the communicator the simulation runs on, usually `PETSC_COMM_SELF`

  Output Parameter:
. sim - the new simulation

  Level: beginner

.seealso: `MSSimSetType()`, `MSSimSetFromOptions()`, `MSSimDestroy()`
@*/
PetscErrorCode MSSimCreate(MPI_Comm comm, MSSim *sim)
{
  MSSim s;

  PetscFunctionBegin;
  PetscCheck(sim, PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "Null pointer: argument # %d", 2);
  *sim = NULL;
  PetscCall(MSInitializePackage());
  PetscCall(PetscNew(&s));
  PetscCall(MSHeaderInitialize(&s->hdr, comm, MS_SIM_CLASSID, "MSSim"));
  s->n_model = -1;
  s->n_data  = -1;
  *sim       = s;
  PetscFunctionReturn(0);
}

/*@C
  MSSimSetType - chooses the simulation type

  Collective

  Input Parameters:
+ sim  - the simulation
- type - `MSSIMLINEAR`, `MSSIMSHELL`, `MSSIMDCR` or a name given to `MSSimRegister()`

  Options Database Key:
. -sim_type <type> - set with `MSSimSetFromOptions()`

  Notes:
  Changing the type discards the previous type's data and the set-up.

  Level: beginner

.seealso: `MSSimRegister()`, `MSSimGetType()`
@*/
PetscErrorCode MSSimSetType(MSSim sim, MSSimType type)
{
  PetscErrorCode (*create)(MSSim);
  PetscBool same;

  PetscFunctionBegin;
  MSValidHeader(sim, 1);
  PetscCall(PetscStrcmp(sim->hdr.type_name, type, &same));
  if (same) PetscFunctionReturn(0);
  PetscCall(MSHeaderFindType(&sim->hdr, MSSimList, type, (void (**)(void))&create));
  if (sim->ops->destroy) PetscCall((*sim->ops->destroy)(sim));
  PetscCall(PetscMemzero(sim->ops, sizeof(struct _MSSimOps)));
  sim->data            = NULL;
  sim->hdr.setupcalled = PETSC_FALSE;
  sim->fields_key.valid = PETSC_FALSE;
  PetscCall(MSHeaderSetTypeName(&sim->hdr, type));
  PetscCall((*create)(sim));
  PetscCheck(sim->ops->dpred && sim->ops->jvec && sim->ops->jtvec, sim->hdr.comm, PETSC_ERR_PLIB, "MSSim type %s does not provide dpred, jvec and jtvec", type);
  PetscFunctionReturn(0);
}

/*@C
  MSSimGetType - the simulation's type name, or NULL before `MSSimSetType()`

  Not Collective

  Level: beginner

.seealso: `MSSimSetType()`
@*/
PetscErrorCode MSSimGetType(MSSim sim, MSSimType *type)
{
  PetscFunctionBegin;
  MSValidHeader(sim, 1);
  *type = sim->hdr.type_name;
  PetscFunctionReturn(0);
}

/*@C
  MSSimSetOptionsPrefix - prefix for every option this simulation reads

  Logically Collective

  Level: intermediate

.seealso: `MSSimSetFromOptions()`
@*/
PetscErrorCode MSSimSetOptionsPrefix(MSSim sim, const char prefix[])
{
  PetscFunctionBegin;
  MSValidHeader(sim, 1);
  PetscCall(MSHeaderSetOptionsPrefix(&sim->hdr, prefix));
  PetscFunctionReturn(0);
}

/*@C
  MSSimSetFromOptions - reads -sim_type and the type's own options

  Collective

  Options Database Key:
. -sim_type <type> - the simulation type (default: keeps the current one, else linear)

  Level: beginner

.seealso: `MSSimSetType()`
@*/
PetscErrorCode MSSimSetFromOptions(MSSim sim)
{
  char      type[256];
  PetscBool set;

  PetscFunctionBegin;
  MSValidHeader(sim, 1);
  PetscOptionsBegin(sim->hdr.comm, sim->hdr.prefix, "Simulation (MSSim) options", "MSSim");
  PetscCall(PetscOptionsFList("-sim_type", "Simulation type", "MSSimSetType", MSSimList, sim->hdr.type_name ? sim->hdr.type_name : MSSIMLINEAR, type, sizeof(type), &set));
  PetscOptionsEnd();
  if (set || !sim->hdr.type_name) PetscCall(MSSimSetType(sim, type));
  if (sim->ops->setfromoptions) PetscCall((*sim->ops->setfromoptions)(sim));
  PetscFunctionReturn(0);
}

/*@C
  MSSimSetSizes - sets the sub-model and data lengths (types with an operator set them from it)

  Logically Collective

  Input Parameters:
+ sim     - the simulation
. n_model - length of the model the simulation reads
- n_data  - number of data it predicts

  Level: intermediate

.seealso: `MSSimGetSizes()`
@*/
PetscErrorCode MSSimSetSizes(MSSim sim, PetscInt n_model, PetscInt n_data)
{
  PetscFunctionBegin;
  MSValidHeader(sim, 1);
  PetscCheck(n_model > 0 && n_data > 0, sim->hdr.comm, PETSC_ERR_ARG_OUTOFRANGE, "MSSim sizes must be positive: n_model %" PetscInt_FMT ", n_data %" PetscInt_FMT, n_model, n_data);
  PetscCheck(!sim->hdr.setupcalled || (n_model == sim->n_model && n_data == sim->n_data), sim->hdr.comm, PETSC_ERR_ARG_WRONGSTATE, "Cannot change MSSim sizes after MSSimSetUp()");
  sim->n_model = n_model;
  sim->n_data  = n_data;
  PetscFunctionReturn(0);
}

/*@C
  MSSimGetSizes - the sub-model and data lengths

  Not Collective

  Output Parameters:
+ n_model - model length (or NULL)
- n_data  - data length (or NULL)

  Level: beginner

.seealso: `MSSimSetSizes()`
@*/
PetscErrorCode MSSimGetSizes(MSSim sim, PetscInt *n_model, PetscInt *n_data)
{
  PetscFunctionBegin;
  MSValidHeader(sim, 1);
  if (n_model) *n_model = sim->n_model;
  if (n_data) *n_data = sim->n_data;
  PetscFunctionReturn(0);
}

/*@C
  MSSimSetUp - checks the simulation is complete and prepares it for operations

  Collective

  Level: beginner

.seealso: `MSSimCreate()`, `MSSimSetType()`
@*/
PetscErrorCode MSSimSetUp(MSSim sim)
{
  PetscFunctionBegin;
  MSValidHeader(sim, 1);
  if (sim->hdr.setupcalled) PetscFunctionReturn(0);
  MSCheckTyped(sim, "MSSim");
  if (sim->ops->setup) PetscCall((*sim->ops->setup)(sim));
  PetscCheck(sim->n_model > 0 && sim->n_data > 0, sim->hdr.comm, PETSC_ERR_ARG_WRONGSTATE, "MSSim of type %s has no sizes: set its operator or call MSSimSetSizes()", sim->hdr.type_name);
  sim->hdr.setupcalled = PETSC_TRUE;
  PetscFunctionReturn(0);
}

/*@C
  MSSimCreateVecs - creates a model vector and a data vector that fit the simulation

  Collective

  Output Parameters:
+ m - model vector (or NULL)
- d - data vector (or NULL)

  Level: beginner

.seealso: `MSSimGetSizes()`
@*/
PetscErrorCode MSSimCreateVecs(MSSim sim, Vec *m, Vec *d)
{
  PetscFunctionBegin;
  MSValidHeader(sim, 1);
  MSCheckSetUp(sim, "MSSim");
  if (m) PetscCall(VecCreateMPI(sim->hdr.comm, PETSC_DECIDE, sim->n_model, m));
  if (d) PetscCall(VecCreateMPI(sim->hdr.comm, PETSC_DECIDE, sim->n_data, d));
  PetscFunctionReturn(0);
}

/*@C
  MSSimGetCost - an estimate of the work of one operation, used to balance simulations over ranks

  Not Collective

  Output Parameter:
. cost - the type's estimate; types without one give n_model * n_data, the work of a dense
         linear simulation (`MSSIMDCR` gives cells times sources, its number of unknowns solved for)

  Notes:
  Only ratios between simulations of one meta simulation matter. `MSMetaSetCosts()` overrides it.

  Level: intermediate

.seealso: `MSMetaSetCosts()`
@*/
PetscErrorCode MSSimGetCost(MSSim sim, PetscReal *cost)
{
  PetscFunctionBegin;
  MSValidHeader(sim, 1);
  MSCheckSetUp(sim, "MSSim");
  if (sim->ops->cost) PetscCall((*sim->ops->cost)(sim, cost));
  else *cost = (PetscReal)sim->n_model * (PetscReal)sim->n_data;
  PetscFunctionReturn(0);
}

/*@C
  MSSimView - prints the simulation

  Collective

  Level: beginner
@*/
PetscErrorCode MSSimView(MSSim sim, PetscViewer viewer)
{
  PetscFunctionBegin;
  MSValidHeader(sim, 1);
  if (!viewer) PetscCall(PetscViewerASCIIGetStdout(sim->hdr.comm, &viewer));
  PetscCall(MSHeaderView(&sim->hdr, viewer));
  PetscCall(PetscViewerASCIIPushTab(viewer));
  PetscCall(PetscViewerASCIIPrintf(viewer, "model length %" PetscInt_FMT ", data length %" PetscInt_FMT "\n", sim->n_model, sim->n_data));
  if (sim->ops->view) PetscCall((*sim->ops->view)(sim, viewer));
  PetscCall(PetscViewerASCIIPopTab(viewer));
  PetscFunctionReturn(0);
}

/*@C
  MSSimReference - takes one more reference; `MSSimDestroy()` frees at the last one

  Not Collective

  Level: developer
@*/
PetscErrorCode MSSimReference(MSSim sim)
{
  PetscFunctionBegin;
  MSValidHeader(sim, 1);
  sim->hdr.refct++;
  PetscFunctionReturn(0);
}

/*@C
  MSSimDestroy - drops a reference and frees the simulation at the last one

  Collective

  Input Parameter:
. sim - the simulation; set to NULL

  Level: beginner
@*/
PetscErrorCode MSSimDestroy(MSSim *sim)
{
  PetscFunctionBegin;
  if (!sim || !*sim) PetscFunctionReturn(0);
  if (--(*sim)->hdr.refct > 0) {
    *sim = NULL;
    PetscFunctionReturn(0);
  }
  if ((*sim)->ops->destroy) PetscCall((*(*sim)->ops->destroy)(*sim));
  PetscCall(MSHeaderFinalize(&(*sim)->hdr));
  PetscCall(PetscFree(*sim));
  PetscFunctionReturn(0);
}

/*@C
  MSSimGetComm - the simulation's communicator

  Not Collective

  Level: beginner
@*/
PetscErrorCode MSSimGetComm(MSSim sim, MPI_Comm *comm)
{
  PetscFunctionBegin;
  MSValidHeader(sim, 1);
  *comm = sim->hdr.comm;
  PetscFunctionReturn(0);
}
