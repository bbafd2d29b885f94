/* MSMeta interface: life cycle, construction, options and views. */
#include "metaimpl.h"

const char *const MSMetaKinds[]      = {"stack", "sum", "repeat", "MSMetaKind", "MS_META_", NULL};
const char *const MSJtJDiagMethods[] = {"compose", "exact", "MSJtJDiagMethod", "MS_JTJDIAG_", NULL};

/*@C
  MSMetaCreate - creates an empty meta simulation of kind stack

  Collective

  Input Parameter:
. comm - the ranks that share the simulations

  Output Parameter:
. meta - the new meta simulation

  Level: beginner

.seealso: `MSMetaSetKind()`, `MSMetaAddSimulation()`, `MSMetaSetFactory()`, `MSMetaSetUp()`
@*/
PetscErrorCode MSMetaCreate(MPI_Comm comm, MSMeta *meta)
{
  MSMeta   m;
  MPI_Comm dup;

  PetscFunctionBegin;
  PetscCheck(meta, PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "Null pointer: argument # 2");
  *meta = NULL;
  PetscCall(MSInitializePackage());
  PetscCall(PetscNew(&m));
  PetscCall(PetscCommDuplicate(comm, &dup, NULL));
  PetscCall(MSHeaderInitialize(&m->hdr, dup, MS_META_CLASSID, "MSMeta"));
  PetscCall(MSHeaderSetTypeName(&m->hdr, MSMetaKinds[MS_META_STACK]));
  PetscCallMPI(MPI_Comm_rank(dup, &m->rank));
  PetscCallMPI(MPI_Comm_size(dup, &m->size));
  m->gcomm      = PETSC_COMM_SELF;
  m->gsize      = 1;
  m->kind       = MS_META_STACK;
  m->jtj_method = MS_JTJDIAG_COMPOSE;
  *meta         = m;
  PetscFunctionReturn(0);
}

static PetscErrorCode MSMetaCheckNotSetUp(MSMeta meta, const char caller[])
{
  PetscFunctionBegin;
  PetscCheck(meta, PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "%s: null MSMeta", caller);
  PetscCheck(!meta->hdr.setupcalled, meta->hdr.comm, PETSC_ERR_ARG_WRONGSTATE, "%s must be called before MSMetaSetUp()", caller);
  PetscFunctionReturn(0);
}

/*@C
  MSMetaSetKind - stack, sum or repeat

  Logically Collective

  Options Database Key:
. -meta_kind <stack,sum,repeat> - set with `MSMetaSetFromOptions()`

  Level: beginner

.seealso: `MSMetaKind`
@*/
PetscErrorCode MSMetaSetKind(MSMeta meta, MSMetaKind kind)
{
  PetscFunctionBegin;
  PetscCall(MSMetaCheckNotSetUp(meta, "MSMetaSetKind"));
  PetscCheck(kind >= MS_META_STACK && kind <= MS_META_REPEAT, meta->hdr.comm, PETSC_ERR_ARG_OUTOFRANGE, "Unknown MSMetaKind %d", (int)kind);
  meta->kind = kind;
  PetscCall(MSHeaderSetTypeName(&meta->hdr, MSMetaKinds[kind]));
  PetscFunctionReturn(0);
}

/*@C
  MSMetaGetKind - the kind of a meta simulation

  Not Collective

  Level: beginner
@*/
PetscErrorCode MSMetaGetKind(MSMeta meta, MSMetaKind *kind)
{
  PetscFunctionBegin;
  *kind = meta->kind;
  PetscFunctionReturn(0);
}

/*@C
  MSMetaSetOptionsPrefix - prefix for the options this meta simulation reads

  Logically Collective

  Level: intermediate
@*/
PetscErrorCode MSMetaSetOptionsPrefix(MSMeta meta, const char prefix[])
{
  PetscFunctionBegin;
  PetscCall(MSHeaderSetOptionsPrefix(&meta->hdr, prefix));
  PetscFunctionReturn(0);
}

/*@C
  MSMetaSetFromOptions - reads the meta simulation's options

  Collective

  Options Database Keys:
+ -meta_kind <stack,sum,repeat>   - the kind
. -meta_reproducible              - bitwise identical results for any rank count
. -meta_jtjdiag <compose,exact>   - how the JtJ diagonal is computed
. -meta_wait <quiet,spin>         - how a rank waits for the others after its local work
. -meta_group_size <k>            - each simulation on a group of k ranks
. -meta_simulation_ranks <r0,...> - simulation i on its own group of r_i ranks
. -meta_group_by_cost             - group sizes from the simulations' costs
- -meta_view                      - print the groups and partition after `MSMetaSetUp()`

  Level: beginner

.seealso: `MSMetaSetReproducible()`, `MSMetaSetJtJDiagonalMethod()`, `MSMetaSetGroupSize()`,
          `MSMetaSetSimulationRanks()`, `MSMetaSetGroupsFromCosts()`
@*/
PetscErrorCode MSMetaSetFromOptions(MSMeta meta)
{
  MSMetaKind      kind   = meta->kind;
  MSJtJDiagMethod method = meta->jtj_method;
  PetscInt        group_size = PetscMax(meta->group_size, 1), n_ranks, *ranks;
  PetscBool       flg;

  PetscFunctionBegin;
  PetscCall(MSMetaCheckNotSetUp(meta, "MSMetaSetFromOptions"));
  PetscOptionsBegin(meta->hdr.comm, meta->hdr.prefix, "Meta simulation (MSMeta) options", "MSMeta");
  PetscCall(PetscOptionsEnum("-meta_kind", "How the simulations combine", "MSMetaSetKind", MSMetaKinds, (PetscEnum)kind, (PetscEnum *)&kind, &flg));
  if (flg) PetscCall(MSMetaSetKind(meta, kind));
  PetscCall(PetscOptionsBool("-meta_reproducible", "Bitwise identical results for any rank count", "MSMetaSetReproducible", meta->reproducible, &meta->reproducible, NULL));
  PetscCall(PetscOptionsEnum("-meta_jtjdiag", "JtJ diagonal method", "MSMetaSetJtJDiagonalMethod", MSJtJDiagMethods, (PetscEnum)method, (PetscEnum *)&method, NULL));
  meta->jtj_method = method;
  PetscCall(PetscOptionsEnum("-meta_wait", "How a rank waits for the others after its local work", "MSMetaSetWaitMode", MSWaitModes, (PetscEnum)meta->wait_mode, (PetscEnum *)&meta->wait_mode, NULL));
  PetscCall(PetscOptionsInt("-meta_group_size", "Ranks per group (each simulation on a group)", "MSMetaSetGroupSize", group_size, &group_size, &flg));
  if (flg) PetscCall(MSMetaSetGroupSize(meta, group_size));
  PetscCall(PetscMalloc1(PetscMax(meta->n_sims, 1), &ranks));
  n_ranks = PetscMax(meta->n_sims, 1);
  PetscCall(PetscOptionsIntArray("-meta_simulation_ranks", "Ranks of each simulation, one group each", "MSMetaSetSimulationRanks", ranks, &n_ranks, &flg));
  if (flg) PetscCall(MSMetaSetSimulationRanks(meta, n_ranks, ranks));
  PetscCall(PetscFree(ranks));
  PetscCall(PetscOptionsBool("-meta_group_by_cost", "Size groups from the simulations' costs", "MSMetaSetGroupsFromCosts", meta->group_by_cost, &meta->group_by_cost, NULL));
  PetscOptionsEnd();
  PetscFunctionReturn(0);
}

/*@C
  MSMetaSetReproducible - exactly reproducible reductions, so that Jtvec, the JtJ diagonal, the
  sum kind's data and the misfit value are bitwise identical for any number and placement of ranks

  Logically Collective

  Options Database Key:
. -meta_reproducible - turn it on

  Notes:
  Each rank sums its simulations' terms in a binned accumulator (`MSBinnedSumCreate()`): terms are
  cut into slices on a fixed grid of exponents whose sums are exact, so neither the order of the
  terms nor the ranks they come from show in the result. A reduction is then one small MPI_MAX
  of each entry's top bin and one sum of three doubles per entry, through the same scatter (or
  reduce-scatter) as the default mode: its cost grows like the default's, not with the number of
  ranks, and no rank holds more than its support. The result keeps at least 64 bits below each
  entry's largest term, so it agrees with the default reduction to rounding.

  Level: intermediate
@*/
PetscErrorCode MSMetaSetReproducible(MSMeta meta, PetscBool flg)
{
  PetscFunctionBegin;
  meta->reproducible = flg;
  PetscFunctionReturn(0);
}

/*@C
  MSMetaSetWaitMode - how a rank that has finished its own simulations' part of an operation waits
  for the other ranks

  Logically Collective

  Input Parameters:
+ meta - the meta simulation
- mode - `MS_WAIT_QUIET` (the default) or `MS_WAIT_SPIN`

  Options Database Key:
. -meta_wait <quiet,spin> - the mode

  Notes:
  Every operation ends its local phase with an agreement on failures, where the ranks whose share
  is done wait for the slowest. A quiet wait (`MSWait()`) sleeps there after 50 us, so on a machine
  with other load the core goes to the ranks (or programs) still working; spinning gains at most
  the sleep granularity (up to 200 us) on a dedicated node. docs/meta.md has the measurements.

  Level: intermediate

.seealso: `MSWait()`, `MSWaitMode`
@*/
PetscErrorCode MSMetaSetWaitMode(MSMeta meta, MSWaitMode mode)
{
  PetscFunctionBegin;
  meta->wait_mode = mode;
  PetscFunctionReturn(0);
}

/*@C
  MSMetaGetWaitMode - how a rank waits for the others after its local work

  Not Collective

  Output Parameter:
. mode - `MS_WAIT_QUIET` or `MS_WAIT_SPIN`

  Level: intermediate

.seealso: `MSMetaSetWaitMode()`
@*/
PetscErrorCode MSMetaGetWaitMode(MSMeta meta, MSWaitMode *mode)
{
  PetscFunctionBegin;
  *mode = meta->wait_mode;
  PetscFunctionReturn(0);
}

/*@C
  MSMetaSetJtJDiagonalMethod - how `MSMetaGetJtJDiagonal()` computes diag(J^T W^T W J)

  Logically Collective

  Options Database Key:
. -meta_jtjdiag <compose,exact> - the method

  Level: intermediate

.seealso: `MSJtJDiagMethod`
@*/
PetscErrorCode MSMetaSetJtJDiagonalMethod(MSMeta meta, MSJtJDiagMethod method)
{
  PetscFunctionBegin;
  meta->jtj_method = method;
  PetscFunctionReturn(0);
}

/*@C
  MSMetaAddSimulation - appends the pair (sim, map) as the next simulation index

  Collective

  Input Parameters:
+ meta - the meta simulation
. sim  - the simulation (NULL for the repeat kind, which shares `MSMetaSetRepeatSimulation()`'s)
- map  - its map from the global model

  Notes:
  Add the same pairs in the same order on every rank. The meta simulation takes references and,
  at `MSMetaSetUp()`, keeps only those its rank owns; destroy your handles after adding. Added
  simulations run on groups of one rank only. For large
  problems prefer `MSMetaSetFactory()`, which builds only the owned simulations.

  Level: beginner

.seealso: `MSMetaSetFactory()`, `MSMetaSetUp()`
@*/
PetscErrorCode MSMetaAddSimulation(MSMeta meta, MSSim sim, MSMap map)
{
  PetscFunctionBegin;
  PetscCall(MSMetaCheckNotSetUp(meta, "MSMetaAddSimulation"));
  PetscCheck(!meta->factory, meta->hdr.comm, PETSC_ERR_ARG_WRONGSTATE, "MSMetaAddSimulation: this meta simulation already has a factory");
  PetscCheck(map, meta->hdr.comm, PETSC_ERR_ARG_NULL, "MSMetaAddSimulation: simulation %" PetscInt_FMT " has no map", meta->n_added);
  PetscCheck(sim || meta->kind == MS_META_REPEAT, meta->hdr.comm, PETSC_ERR_ARG_NULL, "MSMetaAddSimulation: simulation %" PetscInt_FMT " is NULL", meta->n_added);
  if (meta->n_added == meta->added_cap) {
    meta->added_cap = PetscMax(8, 2 * meta->added_cap);
    PetscCall(PetscRealloc(sizeof(MSSim) * meta->added_cap, &meta->added_sims));
    PetscCall(PetscRealloc(sizeof(MSMap) * meta->added_cap, &meta->added_maps));
  }
  if (sim) PetscCall(MSSimReference(sim));
  PetscCall(MSMapReference(map));
  meta->added_sims[meta->n_added] = sim;
  meta->added_maps[meta->n_added] = map;
  meta->n_added++;
  meta->n_sims = meta->n_added;
  PetscFunctionReturn(0);
}

/*@C
  MSMetaSetRepeatSimulation - the one simulation the repeat kind applies to every map

  Collective

  Level: beginner

.seealso: `MS_META_REPEAT`, `MSMetaAddSimulation()`
@*/
PetscErrorCode MSMetaSetRepeatSimulation(MSMeta meta, MSSim sim)
{
  PetscFunctionBegin;
  PetscCall(MSMetaCheckNotSetUp(meta, "MSMetaSetRepeatSimulation"));
  PetscCheck(sim, meta->hdr.comm, PETSC_ERR_ARG_NULL, "MSMetaSetRepeatSimulation: sim is NULL");
  PetscCall(MSSimReference(sim));
  PetscCall(MSSimDestroy(&meta->repeat_sim));
  meta->repeat_sim = sim;
  PetscFunctionReturn(0);
}

/*@C
  MSMetaSetFactory - builds simulation i (and its map) only on the rank that owns it

  Collective

  Input Parameters:
+ meta    - the meta simulation
. n_sims  - the number of simulations
. factory - factory(comm, i, &sim, &map, ctx) creates simulation i on comm and its map on
            `PETSC_COMM_SELF`; for the repeat kind sim is NULL and only the map is created. The
            meta simulation takes ownership.
- ctx     - passed to the factory

  Notes:
  Memory per rank then follows what the rank owns. With groups of several ranks
  (`MSMetaSetGroupSize()`) every rank of the group calls the factory for each of the group's
  simulations, with the group's communicator. The partition balances the costs given by
  `MSMetaSetCosts()` or `MSMetaSetCostFunction()`; without either the simulations are taken to
  cost the same.

  Level: beginner

.seealso: `MSMetaAddSimulation()`, `MSMetaSetCosts()`, `MSMetaSetCostFunction()`
@*/
PetscErrorCode MSMetaSetFactory(MSMeta meta, PetscInt n_sims, MSMetaFactoryFn factory, void *ctx)
{
  PetscFunctionBegin;
  PetscCall(MSMetaCheckNotSetUp(meta, "MSMetaSetFactory"));
  PetscCheck(!meta->n_added, meta->hdr.comm, PETSC_ERR_ARG_WRONGSTATE, "MSMetaSetFactory: simulations were already added");
  PetscCheck(n_sims >= 0, meta->hdr.comm, PETSC_ERR_ARG_OUTOFRANGE, "MSMetaSetFactory: negative number of simulations %" PetscInt_FMT, n_sims);
  PetscCheck(factory, meta->hdr.comm, PETSC_ERR_ARG_NULL, "MSMetaSetFactory: factory is NULL");
  meta->n_sims      = n_sims;
  meta->factory     = factory;
  meta->factory_ctx = ctx;
  PetscFunctionReturn(0);
}

/*@C
  MSMetaSetCosts - relative cost of each simulation, used to balance contiguous ranges over ranks

  Collective

  Input Parameters:
+ meta  - the meta simulation
. n     - the number of simulations
- costs - n positive costs (copied), the same on every rank

  Level: intermediate

.seealso: `MSMetaSetFactory()`
@*/
PetscErrorCode MSMetaSetCosts(MSMeta meta, PetscInt n, const PetscReal costs[])
{
  PetscFunctionBegin;
  PetscCall(MSMetaCheckNotSetUp(meta, "MSMetaSetCosts"));
  PetscCheck(n == meta->n_sims, meta->hdr.comm, PETSC_ERR_ARG_SIZ, "MSMetaSetCosts: %" PetscInt_FMT " costs for %" PetscInt_FMT " simulations", n, meta->n_sims);
  for (PetscInt i = 0; i < n; i++) PetscCheck(costs[i] > 0 && PetscIsNormalReal(costs[i]), meta->hdr.comm, PETSC_ERR_ARG_OUTOFRANGE, "MSMetaSetCosts: cost of simulation %" PetscInt_FMT " is %g, it must be positive and finite", i, (double)costs[i]);
  PetscCall(PetscFree(meta->costs));
  PetscCall(PetscMalloc1(n, &meta->costs));
  PetscCall(PetscArraycpy(meta->costs, costs, n));
  PetscFunctionReturn(0);
}

/*@C
  MSMetaSetCostFunction - a function giving each simulation's relative cost, so that a meta
  simulation built by a factory is partitioned by work before any simulation exists

  Logically Collective

  Input Parameters:
+ meta - the meta simulation
. fn   - fn(i, &cost, ctx) sets the positive, finite cost of simulation i (e.g. what
         `MSSimGetCost()` would say of it: cells times sources for `MSSIMDCR`)
- ctx  - passed to fn

  Notes:
  At `MSMetaSetUp()` each rank calls fn for a contiguous block of about n/size indices and the
  costs are gathered, so the work is shared. A failing call or a cost that is not positive and
  finite fails set-up on every rank, naming the simulation. Costs from `MSMetaSetCosts()` take
  precedence. `-meta_view` shows the cost each rank holds.

  Level: intermediate

.seealso: `MSMetaSetCosts()`, `MSMetaSetFactory()`, `MSSimGetCost()`
@*/
PetscErrorCode MSMetaSetCostFunction(MSMeta meta, MSMetaCostFn fn, void *ctx)
{
  PetscFunctionBegin;
  PetscCall(MSMetaCheckNotSetUp(meta, "MSMetaSetCostFunction"));
  meta->cost_fn  = fn;
  meta->cost_ctx = ctx;
  PetscFunctionReturn(0);
}

/*@C
  MSMetaGetSizes - global sizes

  Not Collective

  Output Parameters:
+ n_sims  - number of simulations (or NULL)
. n_model - global model length (or NULL)
- n_data  - global data length (or NULL)

  Level: beginner
@*/
PetscErrorCode MSMetaGetSizes(MSMeta meta, PetscInt *n_sims, PetscInt *n_model, PetscInt *n_data)
{
  PetscFunctionBegin;
  MSCheckSetUp(meta, "MSMeta");
  if (n_sims) *n_sims = meta->n_sims;
  if (n_model) *n_model = meta->n_model;
  if (n_data) *n_data = meta->n_data;
  PetscFunctionReturn(0);
}

/*@C
  MSMetaGetLocalSupport - the global model indices this rank's simulations read (sorted)

  Not Collective

  Input Parameter:
. meta - the meta simulation, set up

  Output Parameter:
. support - the index set; a borrowed reference, do not destroy it

  Notes:
  Its length is what the model scatter brings to the rank and what the model-space reductions
  send back: the communication volume of `MSMetaJtvec()` and `MSMetaGetJtJDiagonal()`.

  Level: advanced

.seealso: `MSMetaGetOwnershipRange()`
@*/
PetscErrorCode MSMetaGetLocalSupport(MSMeta meta, IS *support)
{
  PetscFunctionBegin;
  MSCheckSetUp(meta, "MSMeta");
  *support = meta->support;
  PetscFunctionReturn(0);
}

/*@C
  MSMetaGetOwnershipRange - the simulation indices this rank owns, [first, end)

  Not Collective

  Notes:
  Every rank of a group owns (holds its part of) the group's simulations.

  Level: intermediate
@*/
PetscErrorCode MSMetaGetOwnershipRange(MSMeta meta, PetscInt *first, PetscInt *end)
{
  PetscFunctionBegin;
  MSCheckSetUp(meta, "MSMeta");
  if (first) *first = meta->first;
  if (end) *end = meta->first + meta->n_local;
  PetscFunctionReturn(0);
}

/*@C
  MSMetaGetLocalSimulation - an owned simulation and its map (borrowed)

  Not Collective

  Notes:
  The simulation lives on the rank's group's communicator (`MSMetaGetGroup()`).

  Input Parameters:
+ meta  - the meta simulation
- index - a global simulation index this rank owns

  Output Parameters:
+ sim - the simulation (or NULL)
- map - its map on the global model (or NULL)

  Level: intermediate
@*/
PetscErrorCode MSMetaGetLocalSimulation(MSMeta meta, PetscInt index, MSSim *sim, MSMap *map)
{
  PetscFunctionBegin;
  MSCheckSetUp(meta, "MSMeta");
  PetscCheck(index >= meta->first && index < meta->first + meta->n_local, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "Simulation %" PetscInt_FMT " is not owned by rank %d (it owns [%" PetscInt_FMT ", %" PetscInt_FMT "))", index, meta->rank, meta->first, meta->first + meta->n_local);
  if (sim) *sim = meta->sims[index - meta->first];
  if (map) *map = meta->maps[index - meta->first];
  PetscFunctionReturn(0);
}

/*@C
  MSMetaCreateVecs - a global model vector and a data vector with the meta simulation's layout

  Collective

  Output Parameters:
+ m - model vector, length n_model, PETSc's default layout (or NULL); any layout works
- d - data vector (or NULL), in simulation order: stack and repeat hold on each rank its share of
      its group's data (with one rank per simulation, its simulations' data blocks); sum has
      PETSc's default layout

  Level: beginner
@*/
PetscErrorCode MSMetaCreateVecs(MSMeta meta, Vec *m, Vec *d)
{
  PetscFunctionBegin;
  MSCheckSetUp(meta, "MSMeta");
  if (m) PetscCall(VecCreateMPI(meta->hdr.comm, PETSC_DECIDE, meta->n_model, m));
  if (d) PetscCall(VecCreateMPI(meta->hdr.comm, meta->n_data_local, meta->n_data, d));
  PetscFunctionReturn(0);
}

/*@C
  MSMetaView - prints the kind, sizes and the partition: for each group its ranks, simulations,
  data, cost and cost per rank

  Collective

  Options Database Key:
. -meta_view - view after `MSMetaSetUp()`

  Level: beginner
@*/
PetscErrorCode MSMetaView(MSMeta meta, PetscViewer viewer)
{
  PetscFunctionBegin;
  if (!viewer) PetscCall(PetscViewerASCIIGetStdout(meta->hdr.comm, &viewer));
  PetscCall(MSHeaderView(&meta->hdr, viewer));
  PetscCall(PetscViewerASCIIPushTab(viewer));
  PetscCall(PetscViewerASCIIPrintf(viewer, "simulations %" PetscInt_FMT ", model length %" PetscInt_FMT ", data length %" PetscInt_FMT "\n", meta->n_sims, meta->n_model, meta->n_data));
  PetscCall(PetscViewerASCIIPrintf(viewer, "reproducible reductions: %s, JtJ diagonal: %s, wait: %s\n", meta->reproducible ? "yes" : "no", MSJtJDiagMethods[meta->jtj_method], MSWaitModes[meta->wait_mode]));
  if (meta->hdr.setupcalled) {
    PetscCall(PetscViewerASCIIPrintf(viewer, "partition over %d rank(s) in %d group(s):\n", meta->size, meta->n_groups));
    PetscCall(PetscViewerASCIIPrintf(viewer, "  group   ranks          simulations          count        data        cost   cost/rank\n"));
    for (PetscMPIInt g = 0; g < meta->n_groups; g++) {
      PetscInt    data = 0;
      PetscMPIInt lo = meta->group_ranks[g], hi = meta->group_ranks[g + 1];

      for (PetscMPIInt r = lo; r < hi; r++) data += meta->rank_data[r];
      PetscCall(PetscViewerASCIIPrintf(viewer, "  %5d   [%4d, %4d)   [%6" PetscInt_FMT ", %6" PetscInt_FMT ")   %6" PetscInt_FMT "  %10" PetscInt_FMT "  %10.4g  %10.4g\n", g, lo, hi, meta->sim_ranges[g], meta->sim_ranges[g + 1], meta->sim_ranges[g + 1] - meta->sim_ranges[g], data, (double)meta->group_cost[g], (double)(meta->group_cost[g] / (hi - lo))));
    }
  }
  PetscCall(PetscViewerASCIIPopTab(viewer));
  PetscFunctionReturn(0);
}

static PetscErrorCode MSMetaDestroyVecArray(PetscInt n, Vec **v)
{
  PetscFunctionBegin;
  if (*v)
    for (PetscInt i = 0; i < n; i++) PetscCall(VecDestroy(&(*v)[i]));
  PetscCall(PetscFree(*v));
  PetscFunctionReturn(0);
}

/*@C
  MSMetaDestroy - frees the meta simulation and its references to simulations and maps

  Collective

  Level: beginner
@*/
PetscErrorCode MSMetaDestroy(MSMeta *meta)
{
  MSMeta   m;
  MPI_Comm comm;

  PetscFunctionBegin;
  if (!meta || !*meta) PetscFunctionReturn(0);
  m = *meta;
  for (PetscInt i = 0; i < m->n_added; i++) {
    PetscCall(MSSimDestroy(&m->added_sims[i]));
    PetscCall(MSMapDestroy(&m->added_maps[i]));
  }
  PetscCall(PetscFree(m->added_sims));
  PetscCall(PetscFree(m->added_maps));
  for (PetscInt i = 0; i < m->n_local; i++) {
    PetscCall(MSSimDestroy(&m->sims[i]));
    PetscCall(MSMapDestroy(&m->maps[i]));
    if (m->rmaps) PetscCall(MSMapDestroy(&m->rmaps[i]));
  }
  PetscCall(PetscFree(m->sims));
  PetscCall(PetscFree(m->maps));
  PetscCall(PetscFree(m->rmaps));
  PetscCall(MSSimDestroy(&m->repeat_sim));
  PetscCall(PetscFree(m->costs));
  PetscCall(PetscFree(m->data_offsets));
  PetscCall(PetscFree(m->rank_data));
  PetscCall(ISDestroy(&m->support));
  PetscCall(VecDestroy(&m->mloc));
  PetscCall(VecDestroy(&m->vloc));
  PetscCall(VecDestroy(&m->gloc));
  PetscCall(VecDestroy(&m->tloc));
  PetscCall(VecScatterDestroy(&m->scatter));
  PetscCall(MSMetaDestroyVecArray(m->n_local, &m->sub_m));
  PetscCall(MSMetaDestroyVecArray(m->n_local, &m->sub_v));
  PetscCall(MSMetaDestroyVecArray(m->n_local, &m->sub_d));
  PetscCall(MSMetaDestroyVecArray(m->n_local, &m->sub_g));
  PetscCall(MSMetaDestroyVecArray(m->n_local, &m->rep));
  PetscCall(MSMetaDestroyVecArray(m->n_local, &m->rep_g));
  if (m->to_root)
    for (PetscInt i = 0; i < m->n_local; i++) PetscCall(VecScatterDestroy(&m->to_root[i]));
  PetscCall(PetscFree(m->to_root));
  PetscCall(VecDestroy(&m->dloc));
  PetscCall(VecScatterDestroy(&m->data_scatter));
  PetscCall(MSMetaReproDestroy(m));
  PetscCall(VecDestroy(&m->dsum));
  PetscCall(VecDestroy(&m->dall));
  PetscCall(VecScatterDestroy(&m->data_to_all));
  PetscCall(MSMetaGroupsDestroy(m)); /* after the simulations that live on the group's communicator */
  comm = m->hdr.comm;
  PetscCall(MSHeaderFinalize(&m->hdr));
  PetscCall(PetscCommDestroy(&comm));
  PetscCall(PetscFree(*meta));
  PetscFunctionReturn(0);
}
