/* Opening and closing HDF5 files with HDF5's own error printing silenced, collective agreement
   on failure, and the temporary-name-then-rename protocol of every file metasim writes. */
#include <stdio.h>
#include <unistd.h>
#include "io/h5util.h"

/* Objects that can remain open in a file after an error part-way through a read or write. */
#define MS_H5_OPEN_OBJECTS (H5F_OBJ_DATASET | H5F_OBJ_GROUP | H5F_OBJ_DATATYPE | H5F_OBJ_ATTR | H5F_OBJ_LOCAL)

/* Starts using a file: HDF5 prints nothing while metasim checks every call itself. */
static PetscErrorCode MSH5Begin(const char file[], MSH5File *f)
{
  PetscFunctionBegin;
  f->id   = H5I_INVALID_HID;
  f->name = file;
  MSH5Call(H5Eget_auto2(H5E_DEFAULT, &f->saved_func, &f->saved_data), file, "/", "query HDF5 error printing");
  MSH5Call(H5Eset_auto2(H5E_DEFAULT, NULL, NULL), file, "/", "silence HDF5 error printing");
  f->active = PETSC_TRUE;
  PetscFunctionReturn(0);
}

/* Opens a file for reading after its structure passed MSH5CheckStructure(), with the watchdog
   armed until MSH5Close(); -problem_read_timeout sets both time limits (seconds, default 60). */
PETSC_INTERN PetscErrorCode MSH5OpenRead(const char file[], MSH5File *f)
{
  htri_t    is_hdf5;
  PetscReal timeout = MS_H5_READ_TIMEOUT;

  PetscFunctionBegin;
  PetscCall(MSH5Begin(file, f));
  PetscCall(PetscOptionsGetReal(NULL, NULL, "-problem_read_timeout", &timeout, NULL));
  PetscCheck(access(file, R_OK) == 0, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "%s: no such file or not readable", file);
  PetscCheck(timeout > 0, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "-problem_read_timeout must be positive, got %g", (double)timeout);
  PetscCall(MSH5CheckStructure(file, timeout));
  PetscCall(MSH5WatchdogStart(f, timeout));
  is_hdf5 = H5Fis_hdf5(file);
  PetscCheck(is_hdf5 > 0, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: not an HDF5 file", file);
  f->id = H5Fopen(file, H5F_ACC_RDONLY, H5P_DEFAULT);
  PetscCheck(f->id >= 0, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: cannot open (truncated or damaged HDF5 file)", file);
  PetscFunctionReturn(0);
}

/* A file creation list without time stamps on the root group: identical runs, identical bytes. */
static PetscErrorCode MSH5CreateList(const char file[], hid_t *fcpl)
{
  PetscFunctionBegin;
  *fcpl = H5Pcreate(H5P_FILE_CREATE);
  MSH5Call(*fcpl, file, "/", "create a file creation list");
  MSH5Call(H5Pset_obj_track_times(*fcpl, 0), file, "/", "turn off time stamps");
  PetscFunctionReturn(0);
}

PETSC_INTERN PetscErrorCode MSH5CreateSerial(const char file[], MSH5File *f)
{
  hid_t fcpl;

  PetscFunctionBegin;
  PetscCall(MSH5Begin(file, f));
  PetscCall(MSH5CreateList(file, &fcpl));
  f->id = H5Fcreate(file, H5F_ACC_TRUNC, fcpl, H5P_DEFAULT);
  MSH5Call(H5Pclose(fcpl), file, "/", "close a file creation list");
  PetscCheck(f->id >= 0, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "%s: cannot create (is the directory writable?)", file);
  PetscFunctionReturn(0);
}

PETSC_INTERN PetscErrorCode MSH5OpenWriteSerial(const char file[], MSH5File *f)
{
  PetscFunctionBegin;
  PetscCall(MSH5Begin(file, f));
  f->id = H5Fopen(file, H5F_ACC_RDWR, H5P_DEFAULT);
  PetscCheck(f->id >= 0, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "%s: cannot open for writing", file);
  PetscFunctionReturn(0);
}

/* Creates (or opens an existing) file for writing with MPI-IO on every rank of comm. */
PETSC_INTERN PetscErrorCode MSH5OpenParallel(MPI_Comm comm, const char file[], PetscBool create, MSH5File *f)
{
  hid_t fapl, fcpl;

  PetscFunctionBegin;
  PetscCall(MSH5Begin(file, f));
  fapl = H5Pcreate(H5P_FILE_ACCESS);
  MSH5Call(fapl, file, "/", "create a file access list");
  MSH5Call(H5Pset_fapl_mpio(fapl, comm, MPI_INFO_NULL), file, "/", "select MPI-IO");
  PetscCall(MSH5CreateList(file, &fcpl));
  f->id = create ? H5Fcreate(file, H5F_ACC_TRUNC, fcpl, fapl) : H5Fopen(file, H5F_ACC_RDWR, fapl);
  MSH5Call(H5Pclose(fapl), file, "/", "close a file access list");
  MSH5Call(H5Pclose(fcpl), file, "/", "close a file creation list");
  PetscCheck(f->id >= 0, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "%s: cannot %s for parallel writing (is the directory writable?)", file, create ? "create" : "open");
  PetscFunctionReturn(0);
}

/* Closes whatever an interrupted read or write left open in the file, then the file. */
PETSC_INTERN PetscErrorCode MSH5Close(MSH5File *f)
{
  ssize_t n;
  hid_t  *ids;

  PetscFunctionBegin;
  if (!f->active) PetscFunctionReturn(0);
  f->active = PETSC_FALSE;
  PetscCall(MSH5WatchdogStop(f));
  if (f->id < 0) {
    MSH5Call(H5Eset_auto2(H5E_DEFAULT, f->saved_func, f->saved_data), f->name, "/", "restore HDF5 error printing");
    PetscFunctionReturn(0);
  }
  n = H5Fget_obj_count(f->id, MS_H5_OPEN_OBJECTS);
  if (n > 0) {
    PetscCall(PetscMalloc1(n, &ids));
    n = H5Fget_obj_ids(f->id, MS_H5_OPEN_OBJECTS, (size_t)n, ids);
    for (ssize_t k = 0; k < n; k++) {
      if (ids[k] == f->id) continue;
      switch (H5Iget_type(ids[k])) {
      case H5I_DATASET:
        H5Dclose(ids[k]);
        break;
      case H5I_GROUP:
        H5Gclose(ids[k]);
        break;
      case H5I_DATATYPE:
        H5Tclose(ids[k]);
        break;
      case H5I_ATTR:
        H5Aclose(ids[k]);
        break;
      default:
        break;
      }
    }
    PetscCall(PetscFree(ids));
  }
  MSH5Call(H5Fclose(f->id), f->name, "/", "close the file");
  f->id = H5I_INVALID_HID;
  MSH5Call(H5Eset_auto2(H5E_DEFAULT, f->saved_func, f->saved_data), f->name, "/", "restore HDF5 error printing");
  PetscFunctionReturn(0);
}

PETSC_INTERN PetscErrorCode MSIOAgree(MPI_Comm comm, PetscErrorCode err)
{
  PetscMPIInt rank, size, first, local;
  char        message[1024] = "";
  int         code          = (int)err;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCallMPI(MPI_Comm_size(comm, &size));
  local = err ? rank : size;
  PetscCall(MPIU_Allreduce(&local, &first, 1, MPI_INT, MPI_MIN, comm));
  if (first == size) PetscFunctionReturn(0);
  if (rank == first) {
    const char *text;
    char       *specific = NULL;

    PetscCall(PetscErrorMessage(err, &text, &specific));
    PetscCall(PetscStrncpy(message, specific && specific[0] ? specific : text, sizeof(message)));
  }
  PetscCallMPI(MPI_Bcast(message, sizeof(message), MPI_CHAR, first, comm));
  PetscCallMPI(MPI_Bcast(&code, 1, MPI_INT, first, comm));
  SETERRQ(comm, code, "%s", message);
}

PETSC_INTERN PetscErrorCode MSIOTemporaryName(MPI_Comm comm, const char file[], char tmp[], size_t len)
{
  PetscMPIInt rank;
  int         stamp = 0;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  if (rank == 0) stamp = (int)getpid();
  PetscCallMPI(MPI_Bcast(&stamp, 1, MPI_INT, 0, comm));
  PetscCall(PetscSNPrintf(tmp, len, "%s.tmp-%06d", file, stamp));
  PetscFunctionReturn(0);
}

static PetscErrorCode MSIORename(const char tmp[], const char file[])
{
  PetscFunctionBegin;
  PetscCheck(rename(tmp, file) == 0, PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "%s: cannot rename the finished temporary file %s", file, tmp);
  PetscFunctionReturn(0);
}

PETSC_INTERN PetscErrorCode MSIOFinish(MPI_Comm comm, PetscErrorCode err, const char tmp[], const char file[])
{
  PetscMPIInt rank;
  int         failed = err ? 1 : 0, any;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCall(MPIU_Allreduce(&failed, &any, 1, MPI_INT, MPI_MAX, comm));
  if (rank == 0) {
    if (!any) err = MSIORename(tmp, file);
    if (any || err) (void)remove(tmp);
  }
  PetscCall(MSIOAgree(comm, err));
  PetscFunctionReturn(0);
}

/* Opens file for reading, runs fn on it and closes it, also when fn fails. */
PETSC_INTERN PetscErrorCode MSH5WithFile(const char file[], MSH5Fn fn, void *ctx)
{
  MSH5File       f = MS_H5_FILE_INITIALIZER(file);
  PetscErrorCode ierr;

  PetscFunctionBegin;
  ierr = MSH5OpenRead(file, &f);
  if (!ierr) ierr = fn(&f, ctx);
  PetscCall(MSH5Close(&f));
  PetscCall(ierr);
  PetscFunctionReturn(0);
}
