/* Matrices in problem files: a 2-D float64 dataset (dense, row-major) or a CSR group with
   indptr, indices and data datasets and n_rows, n_cols attributes. */
#include "io/h5util.h"
#include "io/ioformat.h"

static PetscErrorCode MSIOReadDense(MSH5File *f, const char path[], Mat *A)
{
  PetscInt       dims[2];
  PetscScalar   *buf, *a;
  PetscErrorCode ierr;

  PetscFunctionBegin;
  PetscCall(MSH5GetShape(f, path, MS_H5_FLOAT64, 2, dims));
  PetscCall(MSH5Memory(f, path, PetscMalloc1((size_t)dims[0] * dims[1], &buf)));
  ierr = MSH5ReadReal(f, path, dims[0] * dims[1], buf);
  if (!ierr) ierr = MSH5Memory(f, path, MatCreateSeqDense(PETSC_COMM_SELF, dims[0], dims[1], NULL, A));
  if (ierr) PetscCall(PetscFree(buf));
  PetscCall(ierr);
  PetscCall(MatDenseGetArrayWrite(*A, &a));
  for (PetscInt i = 0; i < dims[0]; i++)
    for (PetscInt j = 0; j < dims[1]; j++) a[(size_t)j * dims[0] + i] = buf[(size_t)i * dims[1] + j];
  PetscCall(MatDenseRestoreArrayWrite(*A, &a));
  PetscCall(MatAssemblyBegin(*A, MAT_FINAL_ASSEMBLY));
  PetscCall(MatAssemblyEnd(*A, MAT_FINAL_ASSEMBLY));
  PetscCall(PetscFree(buf));
  PetscFunctionReturn(0);
}

typedef struct {
  IS           indptr, indices;
  PetscScalar *data;
} MSIOCSR;

/* Reads and checks the three CSR arrays into csr; the caller frees csr whatever happens. */
static PetscErrorCode MSIOReadCSRArrays(MSH5File *f, const char path[], PetscInt n_rows, PetscInt n_cols, MSIOCSR *csr)
{
  char            name[PETSC_MAX_PATH_LEN];
  PetscInt        len, nnz;
  const PetscInt *ptr;

  PetscFunctionBegin;
  PetscCall(PetscSNPrintf(name, sizeof(name), "%s/indptr", path));
  PetscCall(MSH5GetShape(f, name, MS_H5_INT64, 1, &len));
  PetscCheck(len == n_rows + 1, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: %s: wrong shape, %" PetscInt_FMT " entries, expected n_rows + 1 = %" PetscInt_FMT, f->name, name, len, n_rows + 1);
  PetscCall(MSH5ReadIndices(f, name, len, PETSC_MAX_INT, &csr->indptr));
  PetscCall(ISGetIndices(csr->indptr, &ptr));
  PetscCheck(ptr[0] == 0, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: %s: must start at 0", f->name, name);
  for (PetscInt r = 0; r < n_rows; r++) PetscCheck(ptr[r + 1] >= ptr[r], PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: %s: decreases at row %" PetscInt_FMT, f->name, name, r);
  nnz = ptr[n_rows];
  PetscCall(ISRestoreIndices(csr->indptr, &ptr));
  PetscCall(PetscSNPrintf(name, sizeof(name), "%s/indices", path));
  PetscCall(MSH5GetShape(f, name, MS_H5_INT64, 1, &len));
  PetscCheck(len == nnz, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: %s: wrong shape, %" PetscInt_FMT " entries, indptr says %" PetscInt_FMT, f->name, name, len, nnz);
  PetscCall(MSH5ReadIndices(f, name, nnz, n_cols, &csr->indices));
  PetscCall(PetscSNPrintf(name, sizeof(name), "%s/data", path));
  PetscCall(MSH5GetShape(f, name, MS_H5_FLOAT64, 1, &len));
  PetscCheck(len == nnz, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: %s: wrong shape, %" PetscInt_FMT " entries, indptr says %" PetscInt_FMT, f->name, name, len, nnz);
  PetscCall(MSH5Memory(f, name, PetscMalloc1(nnz, &csr->data)));
  PetscCall(MSH5ReadReal(f, name, nnz, csr->data));
  PetscFunctionReturn(0);
}

static PetscErrorCode MSIOReadCSR(MSH5File *f, const char path[], Mat *A)
{
  MSIOCSR         csr = {NULL, NULL, NULL};
  PetscInt        n_rows, n_cols;
  PetscErrorCode  ierr;

  PetscFunctionBegin;
  PetscCall(MSH5ReadAttrInt(f, path, "n_rows", &n_rows));
  PetscCall(MSH5ReadAttrInt(f, path, "n_cols", &n_cols));
  PetscCheck(n_rows > 0 && n_cols > 0, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: %s: empty matrix (%" PetscInt_FMT " x %" PetscInt_FMT ")", f->name, path, n_rows, n_cols);
  ierr = MSIOReadCSRArrays(f, path, n_rows, n_cols, &csr);
  if (!ierr) {
    const PetscInt *ptr, *cols;

    PetscCall(ISGetIndices(csr.indptr, &ptr));
    PetscCall(ISGetIndices(csr.indices, &cols));
    PetscCall(MatCreate(PETSC_COMM_SELF, A));
    PetscCall(MatSetSizes(*A, n_rows, n_cols, n_rows, n_cols));
    PetscCall(MatSetType(*A, MATSEQAIJ));
    PetscCall(MSH5Memory(f, path, MatSeqAIJSetPreallocationCSR(*A, ptr, cols, csr.data)));
    PetscCall(ISRestoreIndices(csr.indptr, &ptr));
    PetscCall(ISRestoreIndices(csr.indices, &cols));
  }
  PetscCall(ISDestroy(&csr.indptr));
  PetscCall(ISDestroy(&csr.indices));
  PetscCall(PetscFree(csr.data));
  PetscCall(ierr);
  PetscFunctionReturn(0);
}

/* Reads the matrix at path (dense dataset or CSR group) as a sequential Mat. */
PETSC_INTERN PetscErrorCode MSIOReadMatrix(MSH5File *f, const char path[], Mat *A)
{
  PetscBool is_group;

  PetscFunctionBegin;
  PetscCall(MSH5IsGroup(f, path, &is_group));
  if (is_group) PetscCall(MSIOReadCSR(f, path, A));
  else PetscCall(MSIOReadDense(f, path, A));
  PetscFunctionReturn(0);
}

/* Writes a sequential dense Mat as a row-major dataset, any other as a CSR group. */
PETSC_INTERN PetscErrorCode MSIOWriteMatrix(MSH5File *f, const char path[], Mat A)
{
  PetscInt  dims[2];
  PetscBool dense;

  PetscFunctionBegin;
  PetscCall(MatGetSize(A, &dims[0], &dims[1]));
  PetscCall(PetscObjectTypeCompareAny((PetscObject)A, &dense, MATSEQDENSE, MATDENSE, ""));
  if (dense) {
    const PetscScalar *a;
    PetscScalar       *buf;
    PetscInt           lda;

    PetscCall(MatDenseGetLDA(A, &lda));
    PetscCall(PetscMalloc1((size_t)dims[0] * dims[1], &buf));
    PetscCall(MatDenseGetArrayRead(A, &a));
    for (PetscInt i = 0; i < dims[0]; i++)
      for (PetscInt j = 0; j < dims[1]; j++) buf[(size_t)i * dims[1] + j] = a[(size_t)j * lda + i];
    PetscCall(MatDenseRestoreArrayRead(A, &a));
    PetscCall(MSH5WriteReal(f, path, 2, dims, buf));
    PetscCall(PetscFree(buf));
  } else {
    char         name[PETSC_MAX_PATH_LEN];
    PetscInt    *indptr, *indices, nnz = 0;
    PetscScalar *data;
    MatInfo      info;

    PetscCall(MatGetInfo(A, MAT_LOCAL, &info));
    PetscCall(PetscMalloc1(dims[0] + 1, &indptr));
    PetscCall(PetscMalloc1((size_t)info.nz_used + 1, &indices));
    PetscCall(PetscMalloc1((size_t)info.nz_used + 1, &data));
    indptr[0] = 0;
    for (PetscInt r = 0; r < dims[0]; r++) {
      const PetscInt    *cols;
      const PetscScalar *vals;
      PetscInt           nz;

      PetscCall(MatGetRow(A, r, &nz, &cols, &vals));
      PetscCheck(nnz + nz <= (PetscInt)info.nz_used, PETSC_COMM_SELF, PETSC_ERR_PLIB, "MSIOWriteMatrix: %s: more entries than MatGetInfo() reported", path);
      for (PetscInt k = 0; k < nz; k++) {
        indices[nnz + k] = cols[k];
        data[nnz + k]    = vals[k];
      }
      nnz += nz;
      indptr[r + 1] = nnz;
      PetscCall(MatRestoreRow(A, r, &nz, &cols, &vals));
    }
    PetscCheck(nnz > 0, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "%s: %s: the sparse matrix has no non-zeros", f->name, path);
    PetscCall(MSH5CreateGroup(f, path));
    PetscCall(MSH5WriteAttrString(f, path, "format", "csr"));
    PetscCall(MSH5WriteAttrInt(f, path, "n_rows", dims[0]));
    PetscCall(MSH5WriteAttrInt(f, path, "n_cols", dims[1]));
    PetscCall(PetscSNPrintf(name, sizeof(name), "%s/indptr", path));
    PetscCall(MSH5WriteIndices(f, name, dims[0] + 1, indptr));
    PetscCall(PetscSNPrintf(name, sizeof(name), "%s/indices", path));
    PetscCall(MSH5WriteIndices(f, name, nnz, indices));
    PetscCall(PetscSNPrintf(name, sizeof(name), "%s/data", path));
    PetscCall(MSH5WriteReal(f, name, 1, (PetscInt[]){nnz}, data));
    PetscCall(PetscFree(indptr));
    PetscCall(PetscFree(indices));
    PetscCall(PetscFree(data));
  }
  PetscFunctionReturn(0);
}
