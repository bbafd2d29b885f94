/* MSMeta groups of ranks: their sizes (uniform, per simulation, or from costs), the contiguous
   ranges of simulations they own, and their communicators. */
#include "metaimpl.h"

/*@C
  MSMetaSetGroupSize - runs every simulation on a group of k consecutive ranks

  Logically Collective

  Input Parameters:
+ meta - the meta simulation
- k    - ranks per group (1, the default: one rank per simulation); it must divide the number of
         ranks of the meta simulation's communicator

  Options Database Key:
. -meta_group_size <k> - the group size

  Notes:
  The communicator is split into size/k groups of consecutive ranks; the partition gives each
  group a contiguous range of simulations balanced by cost, and the factory builds each of them
  on its group's communicator (`MSMetaFactoryFn`). A size that does not divide the communicator
  fails `MSMetaSetUp()` on every rank.

  Level: intermediate

.seealso: `MSMetaSetSimulationRanks()`, `MSMetaSetGroupsFromCosts()`, `MSMetaGetGroup()`
@*/
PetscErrorCode MSMetaSetGroupSize(MSMeta meta, PetscInt k)
{
  PetscFunctionBegin;
  PetscCheck(meta, PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "MSMetaSetGroupSize: null MSMeta");
  PetscCheck(!meta->hdr.setupcalled, meta->hdr.comm, PETSC_ERR_ARG_WRONGSTATE, "MSMetaSetGroupSize must be called before MSMetaSetUp()");
  PetscCheck(k >= 1, meta->hdr.comm, PETSC_ERR_ARG_OUTOFRANGE, "MSMeta: group size %" PetscInt_FMT " must be at least 1", k);
  meta->group_size = k;
  PetscFunctionReturn(0);
}

/*@C
  MSMetaSetSimulationRanks - the number of ranks each simulation runs on: simulation i gets its
  own group of ranks[i] consecutive ranks

  Logically Collective

  Input Parameters:
+ meta  - the meta simulation
. n     - the number of simulations
- ranks - n counts of at least 1 (copied), the same on every rank; they must add up to the
          number of ranks of the communicator

  Options Database Key:
. -meta_simulation_ranks <r0,r1,...> - the counts

  Notes:
  Uneven groups (3 + 1 ranks) are allowed. Counts that do not add up to the communicator's size
  fail `MSMetaSetUp()` on every rank.

  Level: intermediate

.seealso: `MSMetaSetGroupSize()`, `MSMetaSetGroupsFromCosts()`
@*/
PetscErrorCode MSMetaSetSimulationRanks(MSMeta meta, PetscInt n, const PetscInt ranks[])
{
  PetscFunctionBegin;
  PetscCheck(meta, PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "MSMetaSetSimulationRanks: null MSMeta");
  PetscCheck(!meta->hdr.setupcalled, meta->hdr.comm, PETSC_ERR_ARG_WRONGSTATE, "MSMetaSetSimulationRanks must be called before MSMetaSetUp()");
  PetscCheck(n >= 0 && (n == 0 || ranks), meta->hdr.comm, PETSC_ERR_ARG_NULL, "MSMetaSetSimulationRanks: %" PetscInt_FMT " counts and no array", n);
  for (PetscInt i = 0; i < n; i++) PetscCheck(ranks[i] >= 1, meta->hdr.comm, PETSC_ERR_ARG_OUTOFRANGE, "MSMeta: simulation %" PetscInt_FMT " asks for %" PetscInt_FMT " ranks, at least 1 is needed", i, ranks[i]);
  PetscCall(PetscFree(meta->sim_ranks));
  PetscCall(PetscMalloc1(n, &meta->sim_ranks));
  PetscCall(PetscArraycpy(meta->sim_ranks, ranks, n));
  meta->n_sim_ranks = n;
  PetscFunctionReturn(0);
}

/*@C
  MSMetaSetGroupsFromCosts - sizes the groups from the simulations' costs

  Logically Collective

  Input Parameters:
+ meta - the meta simulation
- flg  - turn it on

  Options Database Key:
. -meta_group_by_cost - turn it on

  Notes:
  With at least as many simulations as ranks every group has one rank (the default partition).
  With fewer, each simulation gets its own group, and the ranks go one at a time to the group
  whose cost per rank is highest, so the largest cost per rank is as small as it can be: uneven
  groups follow uneven simulations.

  Level: intermediate

.seealso: `MSMetaSetCosts()`, `MSMetaSetCostFunction()`, `MSMetaSetGroupSize()`
@*/
PetscErrorCode MSMetaSetGroupsFromCosts(MSMeta meta, PetscBool flg)
{
  PetscFunctionBegin;
  PetscCheck(meta, PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "MSMetaSetGroupsFromCosts: null MSMeta");
  PetscCheck(!meta->hdr.setupcalled, meta->hdr.comm, PETSC_ERR_ARG_WRONGSTATE, "MSMetaSetGroupsFromCosts must be called before MSMetaSetUp()");
  meta->group_by_cost = flg;
  PetscFunctionReturn(0);
}

/*@C
  MSMetaGetGroup - this rank's group

  Not Collective

  Input Parameter:
. meta - the meta simulation, set up

  Output Parameters:
+ comm     - the group's communicator, on which its simulations live (borrowed; or NULL)
. group    - the group's index (or NULL)
- n_groups - the number of groups (or NULL)

  Level: intermediate

.seealso: `MSMetaSetGroupSize()`, `MSMetaGetOwnershipRange()`
@*/
PetscErrorCode MSMetaGetGroup(MSMeta meta, MPI_Comm *comm, PetscMPIInt *group, PetscMPIInt *n_groups)
{
  PetscFunctionBegin;
  MSCheckSetUp(meta, "MSMeta");
  if (comm) *comm = meta->gcomm;
  if (group) *group = meta->group;
  if (n_groups) *n_groups = meta->n_groups;
  PetscFunctionReturn(0);
}

/* The size of each group, checked against the communicator: uniform, one per simulation, or
   from the costs. */
static PetscErrorCode MSMetaGroupSizes(MSMeta meta, const PetscReal cost[], PetscMPIInt **sizes)
{
  PetscInt k = meta->group_size > 0 ? meta->group_size : 1, total = 0;

  PetscFunctionBegin;
  PetscCheck((meta->group_size > 1) + (meta->n_sim_ranks > 0) + (meta->group_by_cost ? 1 : 0) <= 1, meta->hdr.comm, PETSC_ERR_ARG_INCOMP, "MSMeta: give one of a group size, the ranks of each simulation or groups from costs");
  if (meta->n_sim_ranks) {
    PetscCheck(meta->n_sim_ranks == meta->n_sims, meta->hdr.comm, PETSC_ERR_ARG_SIZ, "MSMeta: rank counts for %" PetscInt_FMT " simulations, there are %" PetscInt_FMT, meta->n_sim_ranks, meta->n_sims);
    for (PetscInt i = 0; i < meta->n_sims; i++) total += meta->sim_ranks[i];
    PetscCheck(total == meta->size, meta->hdr.comm, PETSC_ERR_ARG_SIZ, "MSMeta: the simulations ask for %" PetscInt_FMT " ranks in all (-meta_simulation_ranks), the communicator has %d", total, meta->size);
    meta->n_groups = (PetscMPIInt)meta->n_sims;
    PetscCall(PetscMalloc1(meta->n_groups, sizes));
    for (PetscInt i = 0; i < meta->n_sims; i++) (*sizes)[i] = (PetscMPIInt)meta->sim_ranks[i];
  } else if (meta->group_by_cost && meta->n_sims < meta->size) {
    meta->n_groups = (PetscMPIInt)meta->n_sims;
    PetscCall(PetscMalloc1(meta->n_groups, sizes));
    for (PetscMPIInt g = 0; g < meta->n_groups; g++) (*sizes)[g] = 1;
    for (PetscMPIInt r = meta->n_groups; r < meta->size; r++) { /* the next rank to the highest cost per rank */
      PetscMPIInt best = 0;

      for (PetscMPIInt g = 1; g < meta->n_groups; g++)
        if (cost[g] / (*sizes)[g] > cost[best] / (*sizes)[best]) best = g;
      (*sizes)[best]++;
    }
  } else {
    PetscCheck(meta->size % k == 0, meta->hdr.comm, PETSC_ERR_ARG_INCOMP, "MSMeta: groups of %" PetscInt_FMT " ranks (-meta_group_size) do not fit the %d ranks of the communicator: the size must divide it", k, meta->size);
    meta->n_groups = (PetscMPIInt)(meta->size / k);
    PetscCall(PetscMalloc1(meta->n_groups, sizes));
    for (PetscMPIInt g = 0; g < meta->n_groups; g++) (*sizes)[g] = (PetscMPIInt)k;
  }
  PetscFunctionReturn(0);
}

/* Contiguous ranges balanced by cost: each group, in order, takes simulations until it holds its
   share of the cost still unassigned, never more than half a simulation over it, and leaves one
   simulation for each remaining group while there are enough. More groups than simulations
   leaves the last groups idle. */
static PetscErrorCode MSMetaSplitSimulations(MSMeta meta, const PetscReal cost[])
{
  PetscReal remaining = 0, target, load = 0;
  PetscInt  g = 0, G = meta->n_groups;

  PetscFunctionBegin;
  for (PetscInt i = 0; i < meta->n_sims; i++) remaining += cost[i];
  PetscCall(PetscCalloc1(G + 1, &meta->sim_ranges));
  PetscCall(PetscCalloc1(G, &meta->group_cost));
  target = remaining / G;
  for (PetscInt i = 0; i < meta->n_sims; i++) {
    PetscBool full = (PetscBool)(load + 0.5 * cost[i] > target), spread = (PetscBool)(meta->n_sims - i <= G - 1 - g);

    if (load > 0 && g < G - 1 && (full || spread)) {
      remaining -= load;
      g++;
      meta->sim_ranges[g] = i;
      target              = remaining / (G - g);
      load                = 0;
    }
    load += cost[i];
    meta->group_cost[g] += cost[i];
  }
  for (PetscInt q = g + 1; q <= G; q++) meta->sim_ranges[q] = meta->n_sims;
  PetscFunctionReturn(0);
}

/* The groups: sizes, ranks, simulations, and this rank's group communicator. Collective. */
PetscErrorCode MSMetaGroupsCreate(MSMeta meta, const PetscReal cost[])
{
  PetscMPIInt *sizes, largest = 1;

  PetscFunctionBegin;
  PetscCall(MSMetaGroupSizes(meta, cost, &sizes));
  PetscCall(PetscMalloc1(meta->n_groups + 1, &meta->group_ranks));
  meta->group_ranks[0] = 0;
  for (PetscMPIInt g = 0; g < meta->n_groups; g++) {
    meta->group_ranks[g + 1] = meta->group_ranks[g] + sizes[g];
    largest                  = PetscMax(largest, sizes[g]);
    if (meta->rank >= meta->group_ranks[g] && meta->rank < meta->group_ranks[g + 1]) meta->group = g;
  }
  PetscCall(PetscFree(sizes));
  PetscCall(MSMetaSplitSimulations(meta, cost));
  meta->gsize   = meta->group_ranks[meta->group + 1] - meta->group_ranks[meta->group];
  meta->grank   = meta->rank - meta->group_ranks[meta->group];
  meta->first   = meta->sim_ranges[meta->group];
  meta->n_local = meta->sim_ranges[meta->group + 1] - meta->first;
  PetscCheck(largest == 1 || (meta->n_added == 0 && meta->kind != MS_META_REPEAT), meta->hdr.comm, PETSC_ERR_SUP, "MSMeta: groups of several ranks need a factory (MSMetaSetFactory()) and the stack or sum kind");
  meta->gcomm = PETSC_COMM_SELF;
  if (largest > 1) {
    MPI_Comm split;

    PetscCallMPI(MPI_Comm_split(meta->hdr.comm, meta->group, meta->rank, &split));
    if (meta->gsize > 1) meta->gcomm = split;
    else PetscCallMPI(MPI_Comm_free(&split));
  }
  PetscFunctionReturn(0);
}

PetscErrorCode MSMetaGroupsDestroy(MSMeta meta)
{
  PetscFunctionBegin;
  if (meta->gcomm != PETSC_COMM_SELF && meta->gcomm != MPI_COMM_NULL) PetscCallMPI(MPI_Comm_free(&meta->gcomm));
  PetscCall(PetscFree(meta->group_ranks));
  PetscCall(PetscFree(meta->sim_ranges));
  PetscCall(PetscFree(meta->group_cost));
  PetscCall(PetscFree(meta->sim_ranks));
  PetscFunctionReturn(0);
}
