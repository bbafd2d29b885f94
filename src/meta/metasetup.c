/* MSMeta set-up: partition by cost, build the owned simulations, check sizes, and prepare the
   rank's compressed model (the union of its maps' supports). */
#include "metaimpl.h"

/* Every simulation's cost, on every rank: given, from the cost function (each rank evaluates a
   block, then one gather), from the added simulations, or uniform. */
static PetscErrorCode MSMetaGatherCosts(MSMeta meta, PetscReal cost[])
{
  PetscMPIInt   *counts, *displs;
  PetscInt       lo = (PetscInt)(((long long)meta->n_sims * meta->rank) / meta->size), hi = (PetscInt)(((long long)meta->n_sims * (meta->rank + 1)) / meta->size), bad = -1;
  PetscErrorCode lerr = 0;

  PetscFunctionBegin;
  if (meta->costs) PetscCall(PetscArraycpy(cost, meta->costs, meta->n_sims));
  else if (!meta->cost_fn) {
    for (PetscInt i = 0; i < meta->n_sims; i++) {
      if (meta->n_added && meta->kind != MS_META_REPEAT) PetscCall(MSSimGetCost(meta->added_sims[i], &cost[i]));
      else cost[i] = 1.0;
    }
  }
  if (meta->costs || !meta->cost_fn) PetscFunctionReturn(0);
  PetscCall(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));
  for (PetscInt i = lo; i < hi && !lerr; i++) {
    lerr = meta->cost_fn(i, &cost[i], meta->cost_ctx);
    if (!lerr && !(cost[i] > 0 && PetscIsNormalReal(cost[i]))) lerr = PETSC_ERR_ARG_OUTOFRANGE;
    if (lerr) bad = i;
  }
  PetscCall(PetscPopErrorHandler());
  PetscCall(MSMetaAgree(meta, lerr, bad, "cost function (each cost must be positive and finite)"));
  PetscCall(PetscMalloc2(meta->size, &counts, meta->size, &displs));
  for (PetscMPIInt r = 0; r < meta->size; r++) {
    PetscInt rlo = (PetscInt)(((long long)meta->n_sims * r) / meta->size), rhi = (PetscInt)(((long long)meta->n_sims * (r + 1)) / meta->size);

    PetscCall(PetscMPIIntCast(rlo, &displs[r]));
    PetscCall(PetscMPIIntCast(rhi - rlo, &counts[r]));
  }
  PetscCallMPI(MPI_Allgatherv(MPI_IN_PLACE, 0, MPIU_REAL, cost, counts, displs, MPIU_REAL, meta->hdr.comm));
  PetscCall(PetscFree2(counts, displs));
  PetscFunctionReturn(0);
}

/* Every simulation's cost, then the groups and the simulations each owns (metagroup.c). */
static PetscErrorCode MSMetaPartition(MSMeta meta)
{
  PetscReal     *cost;
  PetscErrorCode ierr;

  PetscFunctionBegin;
  PetscCall(PetscMalloc1(meta->n_sims, &cost));
  ierr = MSMetaGatherCosts(meta, cost); /* bad costs fail on every rank: free before returning */
  if (!ierr) ierr = MSMetaGroupsCreate(meta, cost);
  PetscCall(PetscFree(cost));
  PetscCall(ierr);
  PetscFunctionReturn(0);
}

/* Owned simulation k from the factory, on the group's communicator. */
static PetscErrorCode MSMetaBuildOne(MSMeta meta, PetscInt k, void *ctx)
{
  PetscFunctionBegin;
  PetscCall((*meta->factory)(meta->gcomm, meta->first + k, meta->kind == MS_META_REPEAT ? NULL : &meta->sims[k], &meta->maps[k], meta->factory_ctx));
  PetscCheck(meta->maps[k] && (meta->sims[k] || meta->kind == MS_META_REPEAT), PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "The factory returned no %s for simulation %" PetscInt_FMT, meta->maps[k] ? "simulation" : "map", meta->first + k);
  PetscFunctionReturn(0);
}

/* Owned simulation k and its map set up: the simulation on its group's ranks, the map's output
   the length the simulation reads. */
static PetscErrorCode MSMetaSetUpOne(MSMeta meta, PetscInt k, void *ctx)
{
  MPI_Comm    comm;
  PetscMPIInt same = MPI_IDENT;
  PetscInt    n_model, n_out;

  PetscFunctionBegin;
  PetscCall(MSSimGetComm(meta->sims[k], &comm));
  if (meta->kind != MS_META_REPEAT) PetscCallMPI(MPI_Comm_compare(comm, meta->gcomm, &same));
  PetscCheck(same == MPI_IDENT || same == MPI_CONGRUENT, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "Simulation %" PetscInt_FMT " does not live on its group's %d rank(s): build it on the communicator the factory receives", meta->first + k, meta->gsize);
  PetscCall(MSSimSetUp(meta->sims[k]));
  PetscCall(MSMapSetUp(meta->maps[k]));
  PetscCall(MSSimGetSizes(meta->sims[k], &n_model, NULL));
  PetscCall(MSMapGetSizes(meta->maps[k], NULL, &n_out));
  PetscCheck(n_model == n_out, PETSC_COMM_SELF, PETSC_ERR_ARG_SIZ, "Simulation %" PetscInt_FMT ": its map produces %" PetscInt_FMT " values but the simulation reads %" PetscInt_FMT, meta->first + k, n_out, n_model);
  PetscFunctionReturn(0);
}

/* Owned pairs: taken from the added ones (the rest released) or built by the factory, then set
   up; a failure on any rank of a group stops the group, and every rank returns it. */
static PetscErrorCode MSMetaCollectOwned(MSMeta meta)
{
  PetscFunctionBegin;
  PetscCall(PetscCalloc1(meta->n_local, &meta->sims));
  PetscCall(PetscCalloc1(meta->n_local, &meta->maps));
  if (meta->factory) PetscCall(MSMetaForEachLocal(meta, -1, MSMetaBuildOne, NULL, NULL, "set-up"));
  else {
    for (PetscInt k = 0; k < meta->n_local; k++) {
      meta->sims[k]                     = meta->added_sims[meta->first + k];
      meta->maps[k]                     = meta->added_maps[meta->first + k];
      meta->added_sims[meta->first + k] = NULL;
      meta->added_maps[meta->first + k] = NULL;
    }
    for (PetscInt i = 0; i < meta->n_added; i++) {
      PetscCall(MSSimDestroy(&meta->added_sims[i]));
      PetscCall(MSMapDestroy(&meta->added_maps[i]));
    }
    meta->n_added = 0;
  }
  if (meta->kind == MS_META_REPEAT)
    for (PetscInt k = 0; k < meta->n_local; k++) {
      PetscCall(MSSimReference(meta->repeat_sim));
      meta->sims[k] = meta->repeat_sim;
    }
  PetscCall(MSMetaForEachLocal(meta, -1, MSMetaSetUpOne, NULL, NULL, "set-up"));
  PetscFunctionReturn(0);
}

/* Global lengths: every map reads the same model length; the sum kind needs equal data lengths. */
static PetscErrorCode MSMetaAgreeSizes(MSMeta meta)
{
  PetscInt lmin[2] = {PETSC_MAX_INT, PETSC_MAX_INT}, lmax[2] = {-1, -1}, gmin[2], gmax[2];
  char     msg[256];

  PetscFunctionBegin;
  for (PetscInt k = 0; k < meta->n_local; k++) {
    PetscInt n_in, n_data;

    PetscCall(MSMapGetSizes(meta->maps[k], &n_in, NULL));
    PetscCall(MSSimGetSizes(meta->sims[k], NULL, &n_data));
    lmin[0] = PetscMin(lmin[0], n_in);
    lmax[0] = PetscMax(lmax[0], n_in);
    lmin[1] = PetscMin(lmin[1], n_data);
    lmax[1] = PetscMax(lmax[1], n_data);
  }
  PetscCall(MPIU_Allreduce(lmin, gmin, 2, MPIU_INT, MPI_MIN, meta->hdr.comm));
  PetscCall(MPIU_Allreduce(lmax, gmax, 2, MPIU_INT, MPI_MAX, meta->hdr.comm));
  PetscCheck(gmin[0] == gmax[0], meta->hdr.comm, PETSC_ERR_ARG_SIZ, "MSMeta: the maps disagree on the global model length (from %" PetscInt_FMT " to %" PetscInt_FMT ")", gmin[0], gmax[0]);
  PetscCall(PetscSNPrintf(msg, sizeof(msg), "MSMeta of kind sum needs equal data lengths, got from %" PetscInt_FMT " to %" PetscInt_FMT, gmin[1], gmax[1]));
  PetscCheck(meta->kind != MS_META_SUM || gmin[1] == gmax[1], meta->hdr.comm, PETSC_ERR_ARG_SIZ, "%s", msg);
  meta->n_model = gmin[0];
  meta->n_data  = gmin[1]; /* sum kind; stack and repeat add the blocks up in MSMetaSetUpDataLayout() */
  PetscFunctionReturn(0);
}

/* Owned simulation k's vectors on its group, and for a group of several ranks the whole
   sub-model on every rank and the gather of its model-space vectors on the first. */
static PetscErrorCode MSMetaCreateSubVecs(MSMeta meta, PetscInt k, void *ctx)
{
  PetscInt n_model;

  PetscFunctionBegin;
  PetscCall(MSSimCreateVecs(meta->sims[k], &meta->sub_m[k], &meta->sub_d[k]));
  PetscCall(VecDuplicate(meta->sub_m[k], &meta->sub_v[k]));
  PetscCall(VecDuplicate(meta->sub_m[k], &meta->sub_g[k]));
  if (meta->gsize > 1) {
    PetscCall(VecGetSize(meta->sub_m[k], &n_model));
    PetscCall(VecCreateSeq(PETSC_COMM_SELF, n_model, &meta->rep[k]));
    PetscCall(VecScatterCreateToZero(meta->sub_g[k], &meta->to_root[k], &meta->rep_g[k]));
  }
  PetscFunctionReturn(0);
}

/* Stack and repeat with groups of several ranks: where this rank's parts of its simulations'
   data blocks sit in the data Vec (simulation order); a scatter when they are not its own part. */
static PetscErrorCode MSMetaSetUpDataScatter(MSMeta meta)
{
  PetscInt   rstart = 0, start = 0, *idx;
  PetscBool  same = PETSC_TRUE, all;
  Vec        d;
  IS         is;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Exscan(&meta->n_data_local, &rstart, 1, MPIU_INT, MPI_SUM, meta->hdr.comm));
  if (meta->rank == 0) rstart = 0;
  start = rstart; /* the group's block starts where its first rank's part does */
  if (meta->gsize > 1) PetscCallMPI(MPI_Bcast(&start, 1, MPIU_INT, 0, meta->gcomm));
  PetscCall(PetscMalloc1(meta->n_data_local, &idx));
  for (PetscInt k = 0; k < meta->n_local; k++) {
    PetscInt lo, hi, n;

    PetscCall(VecGetOwnershipRange(meta->sub_d[k], &lo, &hi));
    PetscCall(VecGetSize(meta->sub_d[k], &n));
    for (PetscInt j = lo; j < hi; j++) {
      idx[meta->data_offsets[k] + j - lo] = start + j;
      same = (PetscBool)(same && start + j == rstart + meta->data_offsets[k] + j - lo);
    }
    start += n;
  }
  PetscCall(MPIU_Allreduce(&same, &all, 1, MPIU_BOOL, MPI_LAND, meta->hdr.comm));
  if (all) {
    PetscCall(PetscFree(idx));
    PetscFunctionReturn(0);
  }
  PetscCall(ISCreateGeneral(PETSC_COMM_SELF, meta->n_data_local, idx, PETSC_OWN_POINTER, &is));
  PetscCall(VecCreateMPI(meta->hdr.comm, meta->n_data_local, meta->n_data, &d));
  PetscCall(VecCreateSeq(PETSC_COMM_SELF, meta->n_data_local, &meta->dloc));
  PetscCall(VecScatterCreate(d, is, meta->dloc, NULL, &meta->data_scatter));
  PetscCall(VecDestroy(&d));
  PetscCall(ISDestroy(&is));
  PetscFunctionReturn(0);
}

/* The data Vec's layout: stack and repeat hold, on each rank, its part of each of its
   simulations' data blocks (all of them with one rank per simulation); sum has PETSc's default
   layout, with every rank's full-length copy. */
static PetscErrorCode MSMetaSetUpDataLayout(MSMeta meta)
{
  PetscMPIInt largest;

  PetscFunctionBegin;
  PetscCall(PetscMalloc1(meta->n_local + 1, &meta->data_offsets));
  meta->data_offsets[0] = 0;
  for (PetscInt k = 0; k < meta->n_local; k++) {
    PetscInt n_data;

    PetscCall(VecGetLocalSize(meta->sub_d[k], &n_data));
    meta->data_offsets[k + 1] = meta->data_offsets[k] + (meta->kind == MS_META_SUM ? 0 : n_data);
  }
  if (meta->kind == MS_META_SUM) {
    Vec d;

    meta->n_data_local = PETSC_DECIDE;
    PetscCall(PetscSplitOwnership(meta->hdr.comm, &meta->n_data_local, &meta->n_data));
    PetscCall(VecCreateSeq(PETSC_COMM_SELF, meta->n_data, &meta->dsum));
    PetscCall(VecCreateMPI(meta->hdr.comm, meta->n_data_local, meta->n_data, &d));
    PetscCall(VecScatterCreateToAll(d, &meta->data_to_all, &meta->dall));
    PetscCall(VecDestroy(&d));
  } else {
    meta->n_data_local = meta->data_offsets[meta->n_local];
    PetscCall(MPIU_Allreduce(&meta->n_data_local, &meta->n_data, 1, MPIU_INT, MPI_SUM, meta->hdr.comm));
    PetscCall(MPIU_Allreduce(&meta->gsize, &largest, 1, MPI_INT, MPI_MAX, meta->hdr.comm));
    if (largest > 1) PetscCall(MSMetaSetUpDataScatter(meta));
  }
  PetscCall(PetscMalloc1(meta->size, &meta->rank_data));
  PetscCallMPI(MPI_Allgather(&meta->n_data_local, 1, MPIU_INT, meta->rank_data, 1, MPIU_INT, meta->hdr.comm));
  PetscFunctionReturn(0);
}

/* The sorted union of the owned maps' supports, the maps restricted to it, and work vectors;
   local to the rank (every rank of a group holds the same). */
static PetscErrorCode MSMetaSetUpLocalModel(MSMeta meta)
{
  PetscInt *all, n = 0, cap = 0;

  PetscFunctionBegin;
  for (PetscInt k = 0; k < meta->n_local; k++) {
    IS       s;
    PetscInt ns;

    PetscCall(MSMapGetSupport(meta->maps[k], &s));
    PetscCall(ISGetLocalSize(s, &ns));
    cap += ns;
  }
  PetscCall(PetscMalloc1(cap, &all));
  for (PetscInt k = 0; k < meta->n_local; k++) {
    IS              s;
    PetscInt        ns;
    const PetscInt *idx;

    PetscCall(MSMapGetSupport(meta->maps[k], &s));
    PetscCall(ISGetLocalSize(s, &ns));
    PetscCall(ISGetIndices(s, &idx));
    PetscCall(PetscArraycpy(all + n, idx, ns));
    PetscCall(ISRestoreIndices(s, &idx));
    n += ns;
  }
  PetscCall(PetscSortRemoveDupsInt(&n, all));
  PetscCall(ISCreateGeneral(PETSC_COMM_SELF, n, all, PETSC_OWN_POINTER, &meta->support));
  PetscCall(PetscCalloc1(meta->n_local, &meta->rmaps));
  for (PetscInt k = 0; k < meta->n_local; k++) PetscCall(MSMapCreateRestricted(meta->maps[k], meta->support, &meta->rmaps[k]));
  PetscCall(VecCreateSeq(PETSC_COMM_SELF, n, &meta->mloc));
  PetscCall(VecDuplicate(meta->mloc, &meta->vloc));
  PetscCall(VecDuplicate(meta->mloc, &meta->gloc));
  PetscCall(VecDuplicate(meta->mloc, &meta->tloc));
  if (meta->reproducible) PetscCall(MSMetaReproSetUp(meta));
  PetscFunctionReturn(0);
}

/*@C
  MSMetaSetUp - forms the groups of ranks, partitions the simulations over them, builds the owned
  ones, and checks sizes

  Collective

  Notes:
  Rejects, on every rank: no simulations, group sizes that do not fit the communicator, a
  simulation not on its group's communicator, a map whose output length differs from its
  simulation's model length, maps that disagree on the global model length, and (sum kind)
  unequal data lengths. A failure while building or setting up a simulation, on any rank of its
  group, names its index and rank.

  Level: beginner

.seealso: `MSMetaCreate()`, `MSMetaView()`
@*/
PetscErrorCode MSMetaSetUp(MSMeta meta)
{
  PetscErrorCode lerr;
  PetscBool      view = PETSC_FALSE;

  PetscFunctionBegin;
  PetscCheck(meta, PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "MSMetaSetUp: null MSMeta");
  if (meta->hdr.setupcalled) PetscFunctionReturn(0);
  PetscCheck(meta->n_sims > 0, meta->hdr.comm, PETSC_ERR_ARG_WRONGSTATE, "MSMeta has no simulations: call MSMetaAddSimulation() or MSMetaSetFactory()");
  PetscCheck(meta->kind != MS_META_REPEAT || meta->repeat_sim, meta->hdr.comm, PETSC_ERR_ARG_WRONGSTATE, "MSMeta of kind repeat needs MSMetaSetRepeatSimulation()");
  if (meta->kind == MS_META_REPEAT) PetscCall(MSSimSetUp(meta->repeat_sim));
  else
    for (PetscInt i = 0; i < meta->n_added; i++) PetscCall(MSSimSetUp(meta->added_sims[i]));
  PetscCall(MSMetaPartition(meta));
  PetscCall(MSMetaCollectOwned(meta));
  PetscCall(MSMetaAgreeSizes(meta));
  PetscCall(PetscCalloc1(meta->n_local, &meta->sub_m));
  PetscCall(PetscCalloc1(meta->n_local, &meta->sub_v));
  PetscCall(PetscCalloc1(meta->n_local, &meta->sub_d));
  PetscCall(PetscCalloc1(meta->n_local, &meta->sub_g));
  PetscCall(PetscCalloc1(meta->n_local, &meta->rep));
  PetscCall(PetscCalloc1(meta->n_local, &meta->rep_g));
  PetscCall(PetscCalloc1(meta->n_local, &meta->to_root));
  PetscCall(MSMetaForEachLocal(meta, -1, MSMetaCreateSubVecs, NULL, NULL, "set-up of the vectors"));
  PetscCall(MSMetaSetUpDataLayout(meta));
  lerr = MSMetaSetUpLocalModel(meta); /* a map that cannot be restricted fails on its rank only */
  PetscCall(MSMetaAgree(meta, lerr, -1, "set-up of the local model"));
  meta->hdr.setupcalled = PETSC_TRUE;
  PetscCall(PetscOptionsGetBool(NULL, meta->hdr.prefix, "-meta_view", &view, NULL));
  if (view) PetscCall(MSMetaView(meta, NULL));
  PetscFunctionReturn(0);
}
