/* Named vectors of problem files (models, data, uncertainties): each rank reads its own slab. */
#include "io/ioformat.h"

typedef struct {
  const char *name;
  Vec         v;
  PetscBool   exists;
} MSIOVecRequest;

static PetscErrorCode MSIOVecPath(const char name[], char path[], size_t len)
{
  PetscFunctionBegin;
  PetscCall(PetscSNPrintf(path, len, "%s%s", name[0] == '/' ? "" : "/", name));
  PetscFunctionReturn(0);
}

static PetscErrorCode MSIOHasVectorFn(MSH5File *f, void *ctx)
{
  MSIOVecRequest *req = (MSIOVecRequest *)ctx;
  char            path[PETSC_MAX_PATH_LEN];

  PetscFunctionBegin;
  PetscCall(MSIOVecPath(req->name, path, sizeof(path)));
  PetscCall(MSH5Exists(f, path, &req->exists));
  PetscFunctionReturn(0);
}

/*@C
  MSProblemHasVector - whether a problem file holds a named vector

  Collective

  Input Parameters:
+ comm - the ranks asking
. file - the problem file
- name - the vector's path, e.g. "models/m", "data/dobs", "uncertainties/std"

  Output Parameter:
. has - whether it exists

  Level: intermediate

.seealso: `MSProblemReadVector()`
@*/
PetscErrorCode MSProblemHasVector(MPI_Comm comm, const char file[], const char name[], PetscBool *has)
{
  MSIOVecRequest req = {name, NULL, PETSC_FALSE};

  PetscFunctionBegin;
  PetscCheck(file && name && has, comm, PETSC_ERR_ARG_NULL, "MSProblemHasVector: file, name and has must not be NULL");
  PetscCall(MSIOAgree(comm, MSH5WithFile(file, MSIOHasVectorFn, &req)));
  *has = req.exists;
  PetscFunctionReturn(0);
}

static PetscErrorCode MSIOReadVectorFn(MSH5File *f, void *ctx)
{
  MSIOVecRequest *req = (MSIOVecRequest *)ctx;
  char            path[PETSC_MAX_PATH_LEN];
  PetscInt        n, N, lo, hi;
  PetscScalar    *a;

  PetscFunctionBegin;
  PetscCall(MSIOVecPath(req->name, path, sizeof(path)));
  PetscCall(MSH5GetShape(f, path, MS_H5_FLOAT64, 1, &n));
  PetscCall(VecGetSize(req->v, &N));
  PetscCheck(n == N, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: %s: wrong shape, %" PetscInt_FMT " entries, expected %" PetscInt_FMT, f->name, path, n, N);
  PetscCall(VecGetOwnershipRange(req->v, &lo, &hi));
  PetscCall(VecGetArrayWrite(req->v, &a));
  PetscCall(MSH5ReadRealSlab(f, path, n, lo, hi, a));
  PetscCall(VecRestoreArrayWrite(req->v, &a));
  PetscFunctionReturn(0);
}

/*@C
  MSProblemReadVector - reads a named vector of a problem file into a distributed `Vec`

  Collective on v

  Input Parameters:
+ file - the problem file
. name - the vector's path, e.g. "models/m" (length n_model), "data/dobs" (length n_data)
- v    - a vector of the right global length, any layout; each rank reads only its entries

  Notes:
  Fails on every rank, naming the file and the dataset, when the dataset is missing, not a
  1-D float64 array of v's length, or holds a NaN or Inf.

  Level: beginner

.seealso: `MSProblemHasVector()`, `MSProblemWriterAddVector()`, `MSMetaCreateVecs()`
@*/
PetscErrorCode MSProblemReadVector(const char file[], const char name[], Vec v)
{
  MSIOVecRequest req = {name, v, PETSC_FALSE};

  PetscFunctionBegin;
  PetscCheck(v, PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "MSProblemReadVector: v must not be NULL");
  PetscCheck(file && name, PetscObjectComm((PetscObject)v), PETSC_ERR_ARG_NULL, "MSProblemReadVector: file and name must not be NULL");
  PetscCall(MSIOAgree(PetscObjectComm((PetscObject)v), MSH5WithFile(file, MSIOReadVectorFn, &req)));
  PetscFunctionReturn(0);
}
