/* Named matrices of problem files (/regularization/NAME): a sparse or dense operator on the
   global model, read into a distributed AIJ matrix. */
#include "io/ioformat.h"

typedef struct {
  const char *path;
  PetscInt    n_model;
  Mat         A; /* sequential, the whole matrix */
} MSIOMatRequest;

static PetscErrorCode MSIOReadNamedMatrixFn(MSH5File *f, void *ctx)
{
  MSIOMatRequest *req = (MSIOMatRequest *)ctx;
  PetscBool       exists;
  PetscInt        cols;

  PetscFunctionBegin;
  PetscCall(MSH5Exists(f, req->path, &exists));
  PetscCheck(exists, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: %s: missing", f->name, req->path);
  PetscCall(MSIOReadMatrix(f, req->path, &req->A));
  PetscCall(MatGetSize(req->A, NULL, &cols));
  if (cols != req->n_model) PetscCall(MatDestroy(&req->A));
  PetscCheck(cols == req->n_model, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: %s: %" PetscInt_FMT " columns, expected n_model = %" PetscInt_FMT, f->name, req->path, cols, req->n_model);
  PetscFunctionReturn(0);
}

/* The rows [lo, hi) of the sequential S into the distributed A, preallocated exactly. */
static PetscErrorCode MSIODistributeRows(Mat S, PetscInt lo, PetscInt hi, PetscInt clo, PetscInt chi, Mat A)
{
  PetscInt *d_nnz, *o_nnz;

  PetscFunctionBegin;
  PetscCall(PetscCalloc1(hi - lo + 1, &d_nnz));
  PetscCall(PetscCalloc1(hi - lo + 1, &o_nnz));
  for (PetscInt i = lo; i < hi; i++) {
    const PetscInt *cols;
    PetscInt        n;

    PetscCall(MatGetRow(S, i, &n, &cols, NULL));
    for (PetscInt k = 0; k < n; k++) {
      if (cols[k] >= clo && cols[k] < chi) d_nnz[i - lo]++;
      else o_nnz[i - lo]++;
    }
    PetscCall(MatRestoreRow(S, i, &n, &cols, NULL));
  }
  PetscCall(MatXAIJSetPreallocation(A, 1, d_nnz, o_nnz, NULL, NULL));
  PetscCall(PetscFree(d_nnz));
  PetscCall(PetscFree(o_nnz));
  for (PetscInt i = lo; i < hi; i++) {
    const PetscInt    *cols;
    const PetscScalar *vals;
    PetscInt           n;

    PetscCall(MatGetRow(S, i, &n, &cols, &vals));
    PetscCall(MatSetValues(A, 1, &i, n, cols, vals, INSERT_VALUES));
    PetscCall(MatRestoreRow(S, i, &n, &cols, &vals));
  }
  PetscCall(MatAssemblyBegin(A, MAT_FINAL_ASSEMBLY));
  PetscCall(MatAssemblyEnd(A, MAT_FINAL_ASSEMBLY));
  PetscFunctionReturn(0);
}

/*@C
  MSProblemReadMatrix - reads a named matrix on the global model from a problem file, e.g. a
  regularization operator "regularization/R", into a distributed AIJ matrix

  Collective on like

  Input Parameters:
+ file - the problem file
. name - the matrix's path: a float64 (rows, n_model) dataset or a CSR group (docs/format.md)
- like - a vector in the model layout: the matrix's columns follow it, its rows are split evenly

  Output Parameter:
. A - the matrix

  Notes:
  Every rank reads the whole matrix and keeps its own rows: meant for operators much smaller than
  the simulations (a sparse regularization). Fails on every rank, naming the file and the
  dataset, when it is missing, malformed, not finite, or does not have n_model columns.

  Level: intermediate

.seealso: `MSProblemReadVector()`, `MSProblemGetMesh()`
@*/
PetscErrorCode MSProblemReadMatrix(const char file[], const char name[], Vec like, Mat *A)
{
  MPI_Comm       comm;
  char           path[PETSC_MAX_PATH_LEN];
  MSIOMatRequest req = {path, 0, NULL};
  PetscInt       rows, n_local, m_local = PETSC_DECIDE, lo, hi, clo, chi;

  PetscFunctionBegin;
  PetscCheck(file && name && like && A, PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "MSProblemReadMatrix: file, name, like and A must not be NULL");
  PetscCall(PetscObjectGetComm((PetscObject)like, &comm));
  PetscCall(PetscSNPrintf(path, sizeof(path), "%s%s", name[0] == '/' ? "" : "/", name));
  PetscCall(VecGetSize(like, &req.n_model));
  PetscCall(MSIOAgree(comm, MSH5WithFile(file, MSIOReadNamedMatrixFn, &req)));
  PetscCall(MatGetSize(req.A, &rows, NULL));
  PetscCall(VecGetLocalSize(like, &n_local));
  PetscCall(VecGetOwnershipRange(like, &clo, &chi));
  PetscCall(PetscSplitOwnership(comm, &m_local, &rows));
  PetscCallMPI(MPI_Scan(&m_local, &hi, 1, MPIU_INT, MPI_SUM, comm));
  lo = hi - m_local;
  PetscCall(MatCreate(comm, A));
  PetscCall(MatSetSizes(*A, m_local, n_local, rows, req.n_model));
  PetscCall(MatSetType(*A, MATAIJ));
  PetscCall(MSIODistributeRows(req.A, lo, hi, clo, chi, *A));
  PetscCall(MatDestroy(&req.A));
  PetscFunctionReturn(0);
}
