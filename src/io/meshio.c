/* The optional tensor mesh of a problem file (/mesh/shape): what regularization on the global
   model (first differences between neighbouring cells) needs to know about it. */
#include "io/ioformat.h"

#define MS_MESH_PATH "/mesh/shape"

typedef struct {
  PetscInt dim, shape[MS_MESH_MAX_DIM];
} MSIOMesh;

static PetscErrorCode MSIOReadMeshFn(MSH5File *f, void *ctx)
{
  MSIOMesh     *mesh = (MSIOMesh *)ctx;
  MSProblemInfo info;
  PetscBool     exists;
  PetscInt      cells = 1;
  IS            is;
  const PetscInt *idx;

  PetscFunctionBegin;
  mesh->dim = 0;
  PetscCall(MSH5Exists(f, MS_MESH_PATH, &exists));
  if (!exists) PetscFunctionReturn(0);
  PetscCall(MSIOReadInfo(f, &info));
  PetscCall(MSH5GetShape(f, MS_MESH_PATH, MS_H5_INT64, 1, &mesh->dim));
  PetscCheck(mesh->dim >= 1 && mesh->dim <= MS_MESH_MAX_DIM, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: %s: %" PetscInt_FMT " axes, expected 1 to %d", f->name, MS_MESH_PATH, mesh->dim, MS_MESH_MAX_DIM);
  PetscCall(MSH5ReadIndices(f, MS_MESH_PATH, mesh->dim, info.n_model + 1, &is));
  PetscCall(ISGetIndices(is, &idx));
  for (PetscInt d = 0; d < mesh->dim; d++) {
    mesh->shape[d] = idx[d];
    cells *= idx[d];
  }
  PetscCall(ISRestoreIndices(is, &idx));
  PetscCall(ISDestroy(&is));
  PetscCheck(cells == info.n_model, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: %s: %" PetscInt_FMT " cells, expected n_model = %" PetscInt_FMT, f->name, MS_MESH_PATH, cells, info.n_model);
  PetscFunctionReturn(0);
}

/* Reads and checks /mesh/shape (dim 0 when absent). */
PETSC_INTERN PetscErrorCode MSIOReadMesh(MSH5File *f, PetscInt *dim, PetscInt shape[])
{
  MSIOMesh mesh = {0, {0}};

  PetscFunctionBegin;
  PetscCall(MSIOReadMeshFn(f, &mesh));
  *dim = mesh.dim;
  for (PetscInt d = 0; d < mesh.dim; d++) shape[d] = mesh.shape[d];
  PetscFunctionReturn(0);
}

/*@C
  MSProblemGetMesh - reads the tensor mesh of the global model from a problem file, if it has one

  Collective

  Input Parameters:
+ comm - the ranks asking
- file - the problem file

  Output Parameters:
+ dim   - number of axes, 1 to `MS_MESH_MAX_DIM`; 0 when the file has no /mesh/shape
- shape - cells along each axis (dim entries); their product is n_model, and cell (i, j, k) is
          model entry i + shape[0] (j + shape[1] k)

  Notes:
  Fails on every rank, naming the file, when /mesh/shape is not a 1-D int64 dataset of 1 to
  `MS_MESH_MAX_DIM` positive entries whose product is n_model.

  Level: intermediate

.seealso: `MSProblemWriterSetMesh()`, `MSProblemGetInfo()`
@*/
PetscErrorCode MSProblemGetMesh(MPI_Comm comm, const char file[], PetscInt *dim, PetscInt shape[])
{
  MSIOMesh mesh = {0, {0}};

  PetscFunctionBegin;
  PetscCheck(file && dim && shape, comm, PETSC_ERR_ARG_NULL, "MSProblemGetMesh: file, dim and shape must not be NULL");
  PetscCall(MSIOAgree(comm, MSH5WithFile(file, MSIOReadMeshFn, &mesh)));
  *dim = mesh.dim;
  for (PetscInt d = 0; d < mesh.dim; d++) shape[d] = mesh.shape[d];
  PetscFunctionReturn(0);
}

PetscErrorCode MSIOWriteMesh(MSH5File *f, PetscInt dim, const PetscInt shape[])
{
  PetscFunctionBegin;
  if (!dim) PetscFunctionReturn(0);
  PetscCall(MSH5CreateGroup(f, "/mesh"));
  PetscCall(MSH5WriteIndices(f, MS_MESH_PATH, dim, shape));
  PetscFunctionReturn(0);
}
