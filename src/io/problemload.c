/* MSProblemLoad: a problem file as an MSMeta, each rank reading only the simulations it owns. */
#include "io/ioformat.h"

typedef struct {
  const char *file;
  MSIOShare  *share; /* validated simulations this rank already read */
} MSIOLoadCtx;

typedef struct {
  MSIOShare *share;
  PetscInt   index;
  MPI_Comm   comm;
  MSSim     *sim;
  MSMap     *map;
} MSIOLoadRequest;

static PetscErrorCode MSIOLoadReadFn(MSH5File *f, void *ctx)
{
  MSIOLoadRequest *req = (MSIOLoadRequest *)ctx;
  PetscInt         n_data;

  PetscFunctionBegin;
  PetscCall(MSIOReadSimulation(f, &req->share->info, req->index, req->comm, req->sim, req->map, &n_data));
  PetscFunctionReturn(0);
}

/* Hands over the simulation read during validation (on one rank), or reads it (already validated
   elsewhere) on the ranks of its group. */
static PetscErrorCode MSIOLoadFactory(MPI_Comm comm, PetscInt index, MSSim *sim, MSMap *map, void *ctx)
{
  MSIOLoadCtx    *load = (MSIOLoadCtx *)ctx;
  MSIOShare      *sh   = load->share;
  MSIOLoadRequest req  = {sh, index, comm, sim, map};
  PetscMPIInt     size;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_size(comm, &size));
  if (size == 1 && index >= sh->lo && index < sh->hi) {
    PetscInt k = index - sh->lo;

    if (sim) {
      *sim         = sh->sims[k];
      sh->sims[k]  = NULL;
    }
    *map        = sh->maps[k];
    sh->maps[k] = NULL;
    PetscFunctionReturn(0);
  }
  PetscCall(MSH5WithFile(load->file, MSIOLoadReadFn, &req));
  PetscFunctionReturn(0);
}

/* The cost of a simulation in this rank's share (MSMeta asks each rank for the same block of
   indices that MSIOReadShare() read), from the simulation itself: MSSimGetCost(). */
static PetscErrorCode MSIOLoadCost(PetscInt index, PetscReal *cost, void *ctx)
{
  MSIOShare *sh = ((MSIOLoadCtx *)ctx)->share;

  PetscFunctionBegin;
  PetscCheck(index >= sh->lo && index < sh->hi && sh->sims[index - sh->lo], PETSC_COMM_SELF, PETSC_ERR_PLIB, "simulation %" PetscInt_FMT " is not in this rank's share [%" PetscInt_FMT ", %" PetscInt_FMT ")", index, sh->lo, sh->hi);
  PetscCall(MSSimGetCost(sh->sims[index - sh->lo], cost));
  PetscFunctionReturn(0);
}

/* The repeat kind's one simulation, on every rank: from the share on rank 0, read elsewhere. */
static PetscErrorCode MSIOLoadRepeatSimulation(MPI_Comm comm, const char file[], MSIOShare *share, MSMeta meta)
{
  MSSim sim = NULL;
  MSMap map = NULL;

  PetscFunctionBegin;
  if (share->lo == 0 && share->hi > 0) {
    PetscCall(MSSimReference(share->sims[0]));
    sim = share->sims[0];
  }
  PetscCall(MSIOAgree(comm, sim ? 0 : MSProblemReadSimulation(file, 0, &sim, &map)));
  PetscCall(MSMetaSetRepeatSimulation(meta, sim));
  PetscCall(MSSimDestroy(&sim));
  PetscCall(MSMapDestroy(&map));
  PetscFunctionReturn(0);
}

/*@C
  MSProblemLoad - creates a meta simulation from a problem file

  Collective

  Input Parameters:
+ comm - the ranks that run the problem
- file - the problem file (docs/format.md)

  Output Parameter:
. meta - the meta simulation, set up, with the file's kind; each rank holds only the simulations
         it owns

  Options Database Keys:
. -meta_* - read by `MSMetaSetFromOptions()` before set-up

  Notes:
  First every rank reads and checks a contiguous share of the simulations; if anything is wrong,
  every rank fails with one message naming the file and the dataset. Then `MSMetaSetUp()` builds
  the owned simulations through a factory that hands over the ones already read and reads only
  the others. No rank ever reads another rank's simulations beyond its own share. The partition
  balances the simulations' own costs (`MSSimGetCost()`: cells times sources for dcr, matrix
  size for linear), each rank reporting those of its share. Read the
  model and data with `MSProblemReadVector()` into vectors from `MSMetaCreateVecs()`.

  Level: beginner

.seealso: `MSProblemValidate()`, `MSProblemReadVector()`, `MSMetaSetFactory()`, `MSProblemWriterCreate()`
@*/
PetscErrorCode MSProblemLoad(MPI_Comm comm, const char file[], MSMeta *meta)
{
  MSIOShare      share;
  MSIOLoadCtx    load;
  PetscInt       n_model, n_data;
  PetscErrorCode ierr;

  PetscFunctionBegin;
  PetscCheck(file && meta, comm, PETSC_ERR_ARG_NULL, "MSProblemLoad: file and meta must not be NULL");
  PetscCall(MSIOReadShare(comm, file, PETSC_TRUE, &share));
  load.file  = file;
  load.share = &share;
  PetscCall(MSMetaCreate(comm, meta));
  PetscCall(MSMetaSetKind(*meta, share.info.kind));
  if (share.info.kind == MS_META_REPEAT) PetscCall(MSIOLoadRepeatSimulation(comm, file, &share, *meta));
  PetscCall(MSMetaSetFactory(*meta, share.info.n_sims, MSIOLoadFactory, &load));
  if (share.info.kind != MS_META_REPEAT) PetscCall(MSMetaSetCostFunction(*meta, MSIOLoadCost, &load));
  PetscCall(MSMetaSetFromOptions(*meta));
  ierr = MSMetaSetUp(*meta);
  PetscCall(MSIOShareDestroy(&share));
  if (ierr) PetscCall(MSMetaDestroy(meta));
  PetscCall(ierr);
  PetscCall(MSMetaGetSizes(*meta, NULL, &n_model, &n_data));
  PetscCheck(n_model == share.info.n_model && n_data == share.info.n_data, comm, PETSC_ERR_PLIB, "MSProblemLoad: %s: the meta simulation has n_model = %" PetscInt_FMT ", n_data = %" PetscInt_FMT ", the file says %" PetscInt_FMT ", %" PetscInt_FMT, file, n_model, n_data, share.info.n_model, share.info.n_data);
  PetscFunctionReturn(0);
}
