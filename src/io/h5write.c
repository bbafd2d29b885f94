/* Distributed vectors written together with MPI-IO, agreeing on failure after every step so that
   no rank waits in a collective HDF5 call that another rank has left (a full disk fails only on
   the ranks whose writes hit it). */
#define _POSIX_C_SOURCE 200809L /* truncate, posix_fallocate */
#include <fcntl.h>
#include <libgen.h>
#include <sys/statvfs.h>
#include <string.h>
#include <unistd.h>
#include "io/h5util.h"

/* Every rank learns whether any rank failed; the failing ranks keep their own error. */
static PetscErrorCode MSH5AnyFailed(MPI_Comm comm, PetscErrorCode err, PetscBool *any)
{
  int local = err ? 1 : 0, global;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Allreduce(&local, &global, 1, MPI_INT, MPI_MAX, comm));
  *any = global ? PETSC_TRUE : PETSC_FALSE;
  PetscFunctionReturn(0);
}

#define MS_H5_DATASET_OVERHEAD_BYTES 4096 /* object header and link of a dataset (generous) */

/* The bytes a file of these vectors needs: their data and HDF5's own (generous). */
static PetscErrorCode MSH5Bytes(PetscInt n, const Vec vecs[], off_t *bytes)
{
  PetscFunctionBegin;
  *bytes = MS_H5_OVERHEAD_BYTES;
  for (PetscInt k = 0; k < n; k++) {
    PetscInt N;

    PetscCall(VecGetSize(vecs[k], &N));
    *bytes += (off_t)N * (off_t)sizeof(double) + MS_H5_DATASET_OVERHEAD_BYTES;
  }
  PetscFunctionReturn(0);
}

PETSC_INTERN PetscErrorCode MSH5CheckSpace(const char file[], size_t bytes)
{
  char           copy[PETSC_MAX_PATH_LEN];
  struct statvfs st;

  PetscFunctionBegin;
  PetscCall(PetscStrncpy(copy, file, sizeof(copy)));
  if (statvfs(dirname(copy), &st) != 0) PetscFunctionReturn(0); /* unknown: the reservation decides */
  PetscCheck((double)st.f_bavail * (double)st.f_frsize >= (double)bytes, PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "%s: not enough space on its disk (%.3g MB needed, %.3g MB free); nothing was written", file, (double)bytes / 1e6,
             (double)st.f_bavail * (double)st.f_frsize / 1e6);
  PetscFunctionReturn(0);
}

/* Rank 0, once the file exists: reserves the bytes still to come, so that the disk filling up meanwhile
   fails here, cleanly on every rank, and never inside HDF5's collective writes. */
static PetscErrorCode MSH5Reserve(const char file[], off_t bytes)
{
  int   fd, err;
  off_t end;

  PetscFunctionBegin;
  fd = open(file, O_WRONLY);
  PetscCheck(fd >= 0, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "%s: cannot open to reserve space", file);
  end = lseek(fd, 0, SEEK_END); /* what the file holds already stays; the new bytes go after it */
  err = posix_fallocate(fd, end > 0 ? end : 0, bytes);
  close(fd);
  PetscCheck(!err, PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "%s: cannot reserve %.3g MB on its disk (%s); nothing was written", file, (double)bytes / 1e6, strerror(err));
  PetscFunctionReturn(0);
}

PETSC_INTERN PetscErrorCode MSH5CloseTemporary(MSH5File *f, PetscErrorCode *err)
{
  PetscErrorCode cerr;

  PetscFunctionBegin;
  /* HDF5 1.10 cannot close a file twice: a failed close stays open until MPI_Finalize, which
     then crashes. So an abandoned file gives its space back first, and the close can flush. */
  if (*err && f->id >= 0 && truncate(f->name, 0) != 0) PetscCall(PetscInfo(NULL, "cannot empty %s\n", f->name));
  cerr = MSH5Close(f);
  if (!*err) *err = cerr;
  PetscFunctionReturn(0);
}

PETSC_INTERN PetscErrorCode MSH5WriteVecs(MPI_Comm comm, const char file[], PetscBool create, MSH5Fn root, void *ctx, PetscInt n, const char *const names[], const Vec vecs[])
{
  MSH5File       f = MS_H5_FILE_INITIALIZER(file);
  PetscErrorCode ierr;
  PetscBool      any;
  PetscMPIInt    rank;
  off_t          bytes;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCall(MSH5Bytes(n, vecs, &bytes));
  PetscCall(MSIOAgree(comm, rank == 0 ? MSH5CheckSpace(file, (size_t)bytes) : 0));
  ierr = MSH5OpenParallel(comm, file, create, &f);
  if (!ierr && rank == 0) ierr = MSH5Reserve(file, bytes);
  PetscCall(MSH5AnyFailed(comm, ierr, &any));
  if (!any && root) ierr = root(&f, ctx);
  PetscCall(MSH5AnyFailed(comm, ierr, &any));
  for (PetscInt k = 0; k < n && !any; k++) {
    const PetscScalar *a;
    char               path[PETSC_MAX_PATH_LEN];
    PetscInt           N, lo, hi;

    PetscCall(VecGetSize(vecs[k], &N));
    PetscCall(VecGetOwnershipRange(vecs[k], &lo, &hi));
    PetscCall(PetscSNPrintf(path, sizeof(path), "%s%s", names[k][0] == '/' ? "" : "/", names[k]));
    PetscCall(VecGetArrayRead(vecs[k], &a));
    ierr = MSH5WriteRealCollective(&f, path, N, lo, hi, a);
    PetscCall(VecRestoreArrayRead(vecs[k], &a));
    PetscCall(MSH5AnyFailed(comm, ierr, &any));
  }
  /* On a failure the file is abandoned: emptying it first gives a full disk its space back, so
     the flush inside the collective close succeeds on every rank together (see MSH5CloseTemporary()). */
  if (any) {
    if (rank == 0 && f.id >= 0 && truncate(file, 0) != 0) PetscCall(PetscInfo(NULL, "cannot empty %s\n", file));
    PetscCallMPI(MPI_Barrier(comm)); /* no rank flushes before the space is back */
  }
  {
    PetscErrorCode cerr = MSH5Close(&f);

    if (!ierr) ierr = cerr;
  }
  PetscCall(ierr);
  PetscFunctionReturn(0);
}
