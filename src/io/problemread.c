/* Reading problem files: the summary, one simulation, named vectors, and a full validation. */
#include "io/ioformat.h"

static PetscErrorCode MSIOReadInfoFn(MSH5File *f, void *ctx)
{
  PetscFunctionBegin;
  PetscCall(MSIOReadInfo(f, (MSProblemInfo *)ctx));
  PetscFunctionReturn(0);
}

/*@C
  MSProblemGetInfo - reads the summary of a problem file (its root attributes) and checks them

  Collective

  Input Parameters:
+ comm - the ranks that read the file; each reads only the root attributes
- file - the problem file

  Output Parameter:
. info - format version, kind and sizes

  Notes:
  Fails on every rank of comm, with a message naming the file and the attribute, when the file
  is missing, not HDF5, not a metasim problem, newer than this library, or empty.

  Level: beginner

.seealso: `MSProblemValidate()`, `MSProblemLoad()`, `MSProblemInfo`
@*/
PetscErrorCode MSProblemGetInfo(MPI_Comm comm, const char file[], MSProblemInfo *info)
{
  PetscFunctionBegin;
  PetscCheck(file && info, comm, PETSC_ERR_ARG_NULL, "MSProblemGetInfo: file and info must not be NULL");
  PetscCall(MSIOAgree(comm, MSH5WithFile(file, MSIOReadInfoFn, info)));
  PetscFunctionReturn(0);
}

typedef struct {
  PetscInt index;
  MSSim   *sim;
  MSMap   *map;
} MSIOSimRequest;

static PetscErrorCode MSIOReadSimulationFn(MSH5File *f, void *ctx)
{
  MSIOSimRequest *req = (MSIOSimRequest *)ctx;
  MSProblemInfo   info;
  PetscInt        n_data;

  PetscFunctionBegin;
  PetscCall(MSIOReadInfo(f, &info));
  PetscCall(MSIOReadSimulation(f, &info, req->index, PETSC_COMM_SELF, req->sim, req->map, &n_data));
  PetscFunctionReturn(0);
}

/*@C
  MSProblemReadSimulation - reads simulation `index` and its map from a problem file

  Not Collective

  Input Parameters:
+ file  - the problem file
- index - the simulation, in [0, n_sims)

  Output Parameters:
+ sim - the simulation on `PETSC_COMM_SELF`, set up; pass NULL to read the map only (the repeat
        kind's maps, whose one shared simulation is index 0)
- map - its map from the global model, on `PETSC_COMM_SELF`, set up

  Notes:
  Reads only that simulation's datasets. Checks dtypes, shapes, index ranges and finite values.

  Level: intermediate

.seealso: `MSProblemLoad()`, `MSProblemWriterSetSimulation()`
@*/
PetscErrorCode MSProblemReadSimulation(const char file[], PetscInt index, MSSim *sim, MSMap *map)
{
  MSIOSimRequest req = {index, sim, map};

  PetscFunctionBegin;
  PetscCheck(file && map, PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "MSProblemReadSimulation: file and map must not be NULL");
  PetscCall(MSH5WithFile(file, MSIOReadSimulationFn, &req));
  PetscFunctionReturn(0);
}

typedef struct {
  PetscInt          index;
  MSProblemSimInfo *info;
} MSIOSimInfoRequest;

static PetscErrorCode MSIOSimInfoFn(MSH5File *f, void *ctx)
{
  MSIOSimInfoRequest *req = (MSIOSimInfoRequest *)ctx;
  MSProblemInfo       info;

  PetscFunctionBegin;
  PetscCall(MSIOReadInfo(f, &info));
  PetscCall(MSIODescribeSimulation(f, &info, req->index, req->info));
  PetscFunctionReturn(0);
}

/*@C
  MSProblemGetSimulationInfo - the type and sizes of one simulation of a problem file, without
  building it

  Collective

  Input Parameters:
+ comm  - the ranks asking; each reads the simulation's attributes and dataset shapes
. file  - the problem file
- index - the simulation, in [0, n_sims) (the repeat kind: its one simulation for every index)

  Output Parameter:
. info - type, model and data lengths; linear: whether G is sparse; dcr: cells per axis and
         number of sources

  Notes:
  Reads no values, so it checks only what it reads; `MSProblemValidate()` checks everything.
  Fails on every rank of comm with one message naming the file and the dataset. `metasim info`
  prints these.

  Level: intermediate

.seealso: `MSProblemSimInfo`, `MSProblemGetInfo()`, `MSProblemValidate()`
@*/
PetscErrorCode MSProblemGetSimulationInfo(MPI_Comm comm, const char file[], PetscInt index, MSProblemSimInfo *info)
{
  MSIOSimInfoRequest req = {index, info};

  PetscFunctionBegin;
  PetscCheck(file && info, comm, PETSC_ERR_ARG_NULL, "MSProblemGetSimulationInfo: file and info must not be NULL");
  PetscCall(MSIOAgree(comm, MSH5WithFile(file, MSIOSimInfoFn, &req)));
  PetscFunctionReturn(0);
}

typedef struct {
  MPI_Comm   comm;
  MSIOShare *share;
  PetscBool  keep;
} MSIOShareRequest;

/* Reads this rank's contiguous share of the simulations, each fully, keeping or discarding them. */
static PetscErrorCode MSIOReadShareFn(MSH5File *f, void *ctx)
{
  MSIOShareRequest *req = (MSIOShareRequest *)ctx;
  MSIOShare        *sh  = req->share;
  PetscMPIInt       rank, size;
  PetscInt          n, dim, shape[MS_MESH_MAX_DIM];

  PetscFunctionBegin;
  PetscCall(MSIOReadInfo(f, &sh->info));
  PetscCallMPI(MPI_Comm_rank(req->comm, &rank));
  PetscCallMPI(MPI_Comm_size(req->comm, &size));
  if (!rank) PetscCall(MSIOReadMesh(f, &dim, shape));
  sh->lo = (PetscInt)(((long long)sh->info.n_sims * rank) / size);
  sh->hi = (PetscInt)(((long long)sh->info.n_sims * (rank + 1)) / size);
  PetscCall(PetscCalloc1(sh->hi - sh->lo, &sh->sims));
  PetscCall(PetscCalloc1(sh->hi - sh->lo, &sh->maps));
  for (PetscInt i = sh->lo; i < sh->hi; i++) {
    MSSim *sim = &sh->sims[i - sh->lo];
    MSMap *map = &sh->maps[i - sh->lo];

    PetscCall(MSIOReadSimulation(f, &sh->info, i, PETSC_COMM_SELF, (sh->info.kind != MS_META_REPEAT || i == 0) ? sim : NULL, map, &n));
    sh->n_data += n;
    if (!req->keep) {
      PetscCall(MSSimDestroy(sim));
      PetscCall(MSMapDestroy(map));
    }
  }
  PetscFunctionReturn(0);
}

PETSC_INTERN PetscErrorCode MSIOReadShare(MPI_Comm comm, const char file[], PetscBool keep, MSIOShare *share)
{
  MSIOShareRequest req = {comm, share, keep};
  PetscInt         total;
  PetscErrorCode   ierr;

  PetscFunctionBegin;
  PetscCall(PetscMemzero(share, sizeof(*share)));
  ierr = MSIOAgree(comm, MSH5WithFile(file, MSIOReadShareFn, &req));
  if (ierr) PetscCall(MSIOShareDestroy(share));
  PetscCall(ierr);
  PetscCall(MPIU_Allreduce(&share->n_data, &total, 1, MPIU_INT, MPI_SUM, comm));
  if (share->info.kind != MS_META_SUM) PetscCheck(total == share->info.n_data, comm, PETSC_ERR_FILE_UNEXPECTED, "%s: /: n_data = %" PetscInt_FMT " but the simulations' data lengths add up to %" PetscInt_FMT, file, share->info.n_data, total);
  PetscFunctionReturn(0);
}

PETSC_INTERN PetscErrorCode MSIOShareDestroy(MSIOShare *share)
{
  PetscFunctionBegin;
  for (PetscInt k = 0; share->sims && k < share->hi - share->lo; k++) {
    PetscCall(MSSimDestroy(&share->sims[k]));
    PetscCall(MSMapDestroy(&share->maps[k]));
  }
  PetscCall(PetscFree(share->sims));
  PetscCall(PetscFree(share->maps));
  PetscFunctionReturn(0);
}

/*@C
  MSProblemValidate - reads every simulation and map of a problem file, spread over the ranks,
  and checks the whole file

  Collective

  Input Parameters:
+ comm - the ranks; each reads a contiguous share of the simulations
- file - the problem file

  Output Parameter:
. info - the summary (may be NULL)

  Notes:
  Checks the root attributes, each simulation's type, dtypes, shapes, index ranges and values,
  that the map chains fit the global model and the simulations, and that the data lengths add
  up to n_data (stack, repeat) or all equal n_data (sum). Fails on every rank with the message
  of the first failing rank, naming the file and the dataset. `metasim info` runs it.

  Level: beginner

.seealso: `MSProblemGetInfo()`, `MSProblemLoad()`
@*/
PetscErrorCode MSProblemValidate(MPI_Comm comm, const char file[], MSProblemInfo *info)
{
  MSIOShare share;

  PetscFunctionBegin;
  PetscCheck(file, comm, PETSC_ERR_ARG_NULL, "MSProblemValidate: file must not be NULL");
  PetscCall(MSIOReadShare(comm, file, PETSC_FALSE, &share));
  PetscCall(MSIOShareDestroy(&share));
  if (info) *info = share.info;
  PetscFunctionReturn(0);
}
