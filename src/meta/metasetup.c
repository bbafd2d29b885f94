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

/* Contiguous ranges balanced by cost: each rank, in order, takes simulations until it holds its
   share of the cost still unassigned, never more than half a simulation over it, and leaves one
   simulation for each remaining rank while there are enough. More ranks than simulations leaves
   the last ranks idle. */
static PetscErrorCode MSMetaPartition(MSMeta meta)
{
  PetscReal     *cost, remaining = 0, target, load = 0;
  PetscInt       r = 0;
  PetscErrorCode ierr;

  PetscFunctionBegin;
  PetscCall(PetscMalloc1(meta->n_sims, &cost));
  ierr = MSMetaGatherCosts(meta, cost); /* bad costs fail on every rank: free before returning */
  if (ierr) PetscCall(PetscFree(cost));
  PetscCall(ierr);
  for (PetscInt i = 0; i < meta->n_sims; i++) remaining += cost[i];
  PetscCall(PetscCalloc1(meta->size + 1, &meta->sim_ranges));
  PetscCall(PetscCalloc1(meta->size, &meta->rank_cost));
  target = remaining / meta->size;
  for (PetscInt i = 0; i < meta->n_sims; i++) {
    PetscBool full = (PetscBool)(load + 0.5 * cost[i] > target), spread = (PetscBool)(meta->n_sims - i <= meta->size - 1 - r);

    if (load > 0 && r < meta->size - 1 && (full || spread)) {
      remaining -= load;
      r++;
      meta->sim_ranges[r] = i;
      target              = remaining / (meta->size - r);
      load                = 0;
    }
    load += cost[i];
    meta->rank_cost[r] += cost[i];
  }
  for (PetscInt q = r + 1; q <= meta->size; q++) meta->sim_ranges[q] = meta->n_sims;
  meta->first   = meta->sim_ranges[meta->rank];
  meta->n_local = meta->sim_ranges[meta->rank + 1] - meta->first;
  PetscCall(PetscFree(cost));
  PetscFunctionReturn(0);
}

/* Owned pairs: taken from the added ones (the rest released) or built by the factory. */
static PetscErrorCode MSMetaCollectOwned(MSMeta meta, PetscInt *failed)
{
  PetscFunctionBegin;
  *failed = -1;
  PetscCall(PetscCalloc1(meta->n_local, &meta->sims));
  PetscCall(PetscCalloc1(meta->n_local, &meta->maps));
  if (meta->factory) {
    for (PetscInt k = 0; k < meta->n_local; k++) {
      *failed = meta->first + k;
      PetscCall((*meta->factory)(PETSC_COMM_SELF, meta->first + k, meta->kind == MS_META_REPEAT ? NULL : &meta->sims[k], &meta->maps[k], meta->factory_ctx));
      PetscCheck(meta->maps[k] && (meta->sims[k] || meta->kind == MS_META_REPEAT), PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "The factory returned no %s for simulation %" PetscInt_FMT, meta->maps[k] ? "simulation" : "map", meta->first + k);
    }
  } else {
    for (PetscInt k = 0; k < meta->n_local; k++) {
      meta->sims[k]                         = meta->added_sims[meta->first + k];
      meta->maps[k]                         = meta->added_maps[meta->first + k];
      meta->added_sims[meta->first + k]     = NULL;
      meta->added_maps[meta->first + k]     = NULL;
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
  for (PetscInt k = 0; k < meta->n_local; k++) {
    PetscInt n_model, n_out;

    *failed = meta->first + k;
    PetscCall(MSSimSetUp(meta->sims[k]));
    PetscCall(MSMapSetUp(meta->maps[k]));
    PetscCall(MSSimGetSizes(meta->sims[k], &n_model, NULL));
    PetscCall(MSMapGetSizes(meta->maps[k], NULL, &n_out));
    PetscCheck(n_model == n_out, PETSC_COMM_SELF, PETSC_ERR_ARG_SIZ, "Simulation %" PetscInt_FMT ": its map produces %" PetscInt_FMT " values but the simulation reads %" PetscInt_FMT, meta->first + k, n_out, n_model);
  }
  *failed = -1;
  PetscFunctionReturn(0);
}

/* Global lengths: every map reads the same model length; the sum kind needs equal data lengths. */
static PetscErrorCode MSMetaAgreeSizes(MSMeta meta)
{
  PetscInt lmin[2] = {PETSC_MAX_INT, PETSC_MAX_INT}, lmax[2] = {-1, -1}, gmin[2], gmax[2], ldata = 0;
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
    ldata += n_data;
  }
  PetscCall(MPIU_Allreduce(lmin, gmin, 2, MPIU_INT, MPI_MIN, meta->hdr.comm));
  PetscCall(MPIU_Allreduce(lmax, gmax, 2, MPIU_INT, MPI_MAX, meta->hdr.comm));
  PetscCheck(gmin[0] == gmax[0], meta->hdr.comm, PETSC_ERR_ARG_SIZ, "MSMeta: the maps disagree on the global model length (from %" PetscInt_FMT " to %" PetscInt_FMT ")", gmin[0], gmax[0]);
  PetscCall(PetscSNPrintf(msg, sizeof(msg), "MSMeta of kind sum needs equal data lengths, got from %" PetscInt_FMT " to %" PetscInt_FMT, gmin[1], gmax[1]));
  PetscCheck(meta->kind != MS_META_SUM || gmin[1] == gmax[1], meta->hdr.comm, PETSC_ERR_ARG_SIZ, "%s", msg);
  meta->n_model = gmin[0];
  PetscCall(PetscMalloc1(meta->n_local + 1, &meta->data_offsets));
  meta->data_offsets[0] = 0;
  for (PetscInt k = 0; k < meta->n_local; k++) {
    PetscInt n_data;

    PetscCall(MSSimGetSizes(meta->sims[k], NULL, &n_data));
    meta->data_offsets[k + 1] = meta->data_offsets[k] + (meta->kind == MS_META_SUM ? 0 : n_data);
  }
  if (meta->kind == MS_META_SUM) {
    meta->n_data       = gmin[1];
    meta->n_data_local = PETSC_DECIDE;
    PetscCall(PetscSplitOwnership(meta->hdr.comm, &meta->n_data_local, &meta->n_data));
  } else {
    meta->n_data_local = ldata;
    PetscCall(MPIU_Allreduce(&ldata, &meta->n_data, 1, MPIU_INT, MPI_SUM, meta->hdr.comm));
  }
  PetscCall(PetscMalloc1(meta->size, &meta->rank_data));
  PetscCallMPI(MPI_Allgather(&meta->n_data_local, 1, MPIU_INT, meta->rank_data, 1, MPIU_INT, meta->hdr.comm));
  PetscFunctionReturn(0);
}

/* The sorted union of the owned maps' supports, the maps restricted to it, and work vectors. */
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
  PetscCall(PetscCalloc1(meta->n_local, &meta->sub_m));
  PetscCall(PetscCalloc1(meta->n_local, &meta->sub_v));
  PetscCall(PetscCalloc1(meta->n_local, &meta->sub_d));
  PetscCall(PetscCalloc1(meta->n_local, &meta->sub_g));
  for (PetscInt k = 0; k < meta->n_local; k++) {
    PetscCall(MSSimCreateVecs(meta->sims[k], &meta->sub_m[k], &meta->sub_d[k]));
    PetscCall(VecDuplicate(meta->sub_m[k], &meta->sub_v[k]));
    PetscCall(VecDuplicate(meta->sub_m[k], &meta->sub_g[k]));
  }
  if (meta->reproducible) PetscCall(MSMetaReproSetUp(meta));
  if (meta->kind == MS_META_SUM) {
    Vec d;

    PetscCall(VecCreateSeq(PETSC_COMM_SELF, meta->n_data, &meta->dsum));
    PetscCall(VecCreateMPI(meta->hdr.comm, meta->n_data_local, meta->n_data, &d));
    PetscCall(VecScatterCreateToAll(d, &meta->data_to_all, &meta->dall));
    PetscCall(VecDestroy(&d));
  }
  PetscFunctionReturn(0);
}

/*@C
  MSMetaSetUp - partitions the simulations over the ranks, builds the owned ones, and checks sizes

  Collective

  Notes:
  Rejects, on every rank: no simulations, a map whose output length differs from its simulation's
  model length, maps that disagree on the global model length, and (sum kind) unequal data
  lengths. A failure while building or setting up a simulation names its index and rank.

  Level: beginner

.seealso: `MSMetaCreate()`, `MSMetaView()`
@*/
PetscErrorCode MSMetaSetUp(MSMeta meta)
{
  PetscErrorCode lerr;
  PetscInt       failed = -1;
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
  lerr = MSMetaCollectOwned(meta, &failed);
  PetscCall(MSMetaAgree(meta, lerr, failed, "set-up"));
  PetscCall(MSMetaAgreeSizes(meta));
  lerr = MSMetaSetUpLocalModel(meta); /* a map that cannot be restricted fails on its rank only */
  PetscCall(MSMetaAgree(meta, lerr, -1, "set-up of the local model"));
  meta->hdr.setupcalled = PETSC_TRUE;
  PetscCall(PetscOptionsGetBool(NULL, meta->hdr.prefix, "-meta_view", &view, NULL));
  if (view) PetscCall(MSMetaView(meta, NULL));
  PetscFunctionReturn(0);
}
