/* metasim run --status FILE: what a run's results file holds (done, failed with why, missing),
   read by rank 0 with serial HDF5; no other rank and no mpiexec is needed. */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <hdf5.h>
#include "apputil.h"
#include "run.h"

#define MS_RUN_SHOW 5 /* failed and missing tasks listed */

typedef struct {
  hid_t   file;
  int64_t n;
  int8_t *status;
  char  **labels;
  char   *history, *err; /* n x hlen, n x elen */
  size_t  hlen, elen;
} StatusFile;

/* The size of a string member of /records. */
static PetscErrorCode MemberSize(hid_t ftype, const char name[], const char file[], size_t *size)
{
  int   m = H5Tget_member_index(ftype, name);
  hid_t t;

  PetscFunctionBegin;
  PetscCheck(m >= 0 && (t = H5Tget_member_type(ftype, (unsigned)m)) >= 0, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: /records has no field %s (not a metasim run file)", file, name);
  *size = H5Tget_size(t);
  H5Tclose(t);
  PetscFunctionReturn(0);
}

/* Rank 0: reads /status, /labels and the history and stderr of /records. */
static PetscErrorCode ReadStatusFile(const char file[], StatusFile *sf)
{
  hid_t   dset, space, ftype, mtype, str;
  hsize_t dims[1] = {0};

  PetscFunctionBegin;
  PetscCheck(access(file, R_OK) == 0, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "cannot read %s: %s", file, strerror(errno));
  sf->file = H5Fopen(file, H5F_ACC_RDONLY, H5P_DEFAULT);
  PetscCheck(sf->file >= 0, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s is not an HDF5 file, or is damaged", file);
  PetscCheck(H5Lexists(sf->file, "status", H5P_DEFAULT) > 0 && H5Lexists(sf->file, "labels", H5P_DEFAULT) > 0 && H5Lexists(sf->file, "records", H5P_DEFAULT) > 0, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s is not a metasim run file (no /status, /labels or /records)", file);
  dset  = H5Dopen2(sf->file, "status", H5P_DEFAULT);
  space = H5Dget_space(dset);
  PetscCheck(H5Sget_simple_extent_ndims(space) == 1 && H5Sget_simple_extent_dims(space, dims, NULL) == 1, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: /status is not one-dimensional", file);
  H5Sclose(space);
  sf->n = (int64_t)dims[0];
  PetscCall(PetscCalloc2(sf->n, &sf->status, sf->n, &sf->labels));
  PetscCheck(H5Dread(dset, H5T_NATIVE_INT8, H5S_ALL, H5S_ALL, H5P_DEFAULT, sf->status) >= 0, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: cannot read /status", file);
  H5Dclose(dset);

  dset  = H5Dopen2(sf->file, "labels", H5P_DEFAULT);
  space = H5Dget_space(dset);
  PetscCheck(H5Sget_simple_extent_npoints(space) == sf->n, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: /labels and /status differ in length", file);
  str = H5Tcopy(H5T_C_S1);
  H5Tset_size(str, H5T_VARIABLE);
  H5Tset_cset(str, H5T_CSET_UTF8);
  PetscCheck(H5Dread(dset, str, H5S_ALL, H5S_ALL, H5P_DEFAULT, sf->labels) >= 0, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: cannot read /labels", file);
  H5Tclose(str);
  H5Sclose(space);
  H5Dclose(dset);

  dset  = H5Dopen2(sf->file, "records", H5P_DEFAULT);
  ftype = H5Dget_type(dset);
  PetscCall(MemberSize(ftype, "history", file, &sf->hlen));
  PetscCall(MemberSize(ftype, "stderr", file, &sf->elen));
  H5Tclose(ftype);
  mtype = H5Tcreate(H5T_COMPOUND, sf->hlen);
  str   = H5Tcopy(H5T_C_S1);
  H5Tset_size(str, sf->hlen);
  H5Tinsert(mtype, "history", 0, str);
  H5Tclose(str);
  PetscCall(PetscMalloc2((size_t)sf->n * sf->hlen, &sf->history, (size_t)sf->n * sf->elen, &sf->err));
  PetscCheck(H5Dread(dset, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, sf->history) >= 0, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: cannot read /records", file);
  H5Tclose(mtype);
  mtype = H5Tcreate(H5T_COMPOUND, sf->elen);
  str   = H5Tcopy(H5T_C_S1);
  H5Tset_size(str, sf->elen);
  H5Tinsert(mtype, "stderr", 0, str);
  H5Tclose(str);
  PetscCheck(H5Dread(dset, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, sf->err) >= 0, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: cannot read /records", file);
  H5Tclose(mtype);
  H5Dclose(dset);
  PetscFunctionReturn(0);
}

/* The last line of a task's stderr tail. */
static const char *LastLine(char *text, size_t len)
{
  size_t end;

  text[len - 1] = 0;
  end           = strlen(text);
  while (end && (text[end - 1] == '\n' || text[end - 1] == ' ')) text[--end] = 0;
  while (end && text[end - 1] != '\n') end--;
  return text + end;
}

static PetscErrorCode PrintStatus(const char file[], StatusFile *sf)
{
  int64_t count[3] = {0, 0, 0}, shown = 0;

  PetscFunctionBegin;
  for (int64_t k = 0; k < sf->n; k++)
    if (sf->status[k] >= 0 && sf->status[k] <= 2) count[sf->status[k]]++;
  PetscCall(PetscPrintf(PETSC_COMM_SELF, "%s: %" PRId64 " tasks: %" PRId64 " done, %" PRId64 " failed, %" PRId64 " missing\n", file, sf->n, count[1], count[2], count[0]));
  for (int64_t k = 0; k < sf->n && shown < MS_RUN_SHOW; k++) {
    if (sf->status[k] != 2) continue;
    if (!shown++) PetscCall(PetscPrintf(PETSC_COMM_SELF, "failed%s:\n", count[2] > MS_RUN_SHOW ? " (the first few)" : ""));
    sf->history[(size_t)(k + 1) * sf->hlen - 1] = 0;
    PetscCall(PetscPrintf(PETSC_COMM_SELF, "  task %" PRId64 ": %s\n    attempts: %s; stderr: %s\n", k, sf->labels[k] ? sf->labels[k] : "", sf->history + (size_t)k * sf->hlen, LastLine(sf->err + (size_t)k * sf->elen, sf->elen)));
  }
  shown = 0;
  for (int64_t k = 0; k < sf->n && shown < MS_RUN_SHOW; k++) {
    if (sf->status[k] != 0) continue;
    if (!shown++) PetscCall(PetscPrintf(PETSC_COMM_SELF, "missing%s:", count[0] > MS_RUN_SHOW ? " (the first few)" : ""));
    PetscCall(PetscPrintf(PETSC_COMM_SELF, " %" PRId64, k));
  }
  if (shown) PetscCall(PetscPrintf(PETSC_COMM_SELF, "\n"));
  if (count[0] || count[2]) PetscCall(PetscPrintf(PETSC_COMM_SELF, "continue with: metasim run ... -o %s %s\n", file, count[0] ? "--resume" : "--retry-failed"));
  PetscFunctionReturn(0);
}

static PetscErrorCode StatusOnRank0(const char file[])
{
  StatusFile     sf = {-1, 0, NULL, NULL, NULL, NULL, 0, 0};
  H5E_auto2_t    func;
  void          *data;
  PetscErrorCode ierr;

  PetscFunctionBegin;
  H5Eget_auto2(H5E_DEFAULT, &func, &data);
  H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
  ierr = ReadStatusFile(file, &sf);
  if (!ierr) ierr = PrintStatus(file, &sf);
  if (sf.labels) {
    hid_t str = H5Tcopy(H5T_C_S1), space;
    hsize_t dims[1] = {(hsize_t)sf.n};

    H5Tset_size(str, H5T_VARIABLE);
    H5Tset_cset(str, H5T_CSET_UTF8);
    space = H5Screate_simple(1, dims, NULL);
    (void)H5Dvlen_reclaim(str, space, H5P_DEFAULT, sf.labels);
    H5Sclose(space);
    H5Tclose(str);
  }
  if (sf.file >= 0) H5Fclose(sf.file);
  H5Eset_auto2(H5E_DEFAULT, func, data);
  PetscCall(PetscFree2(sf.status, sf.labels));
  PetscCall(PetscFree2(sf.history, sf.err));
  PetscCall(ierr);
  PetscFunctionReturn(0);
}

PetscErrorCode MSAppRunStatus(const char file[])
{
  PetscMPIInt    rank;
  PetscErrorCode ierr = 0;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(PETSC_COMM_WORLD, &rank));
  if (!rank) ierr = StatusOnRank0(file);
  PetscCall(MSAppAgree(ierr));
  PetscFunctionReturn(0);
}
