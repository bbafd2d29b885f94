/* The HDF5 results file, written by rank 0 only (serial HDF5 calls on one process):
   root attributes n_tasks, out_size, seed, format_version, sweep (what defines the sweep beyond
   its sizes, MSFarmSetName()) and inputs_checksum (FNV-1a of the task inputs, 0 without); /results (n_tasks x out_size
   float64, NaN until computed) and /status (n_tasks int8: 0 missing, 1 done, 2 failed), both
   contiguous and allocated at creation, so writing a batch touches raw data only, never HDF5
   metadata. Each batch writes its results, flushes them, then writes their status and flushes
   the file: a status of done always has its results on disk, and a kill -9 loses at most the
   batch in flight. /failures/index and /failures/message (fixed 256-byte strings) list the
   failed tasks, rewritten at the end of every run. /records and /labels (optional per-task
   records and task labels) are written by ../record/h5record.c. Nothing in the file depends on time, rank
   count or schedule except the rank named in failure messages. */
#include <inttypes.h>
#include <math.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>
#include "farm/farmimpl.h"
#include "io/h5check.h"
#include "io/h5util.h"

#define MS_FARM_FORMAT_VERSION 2

#define MSFarmH5Call(call) PetscCheck((call) >= 0, PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "MSFarm: HDF5 call failed (a full disk?): %s", #call)

static PetscErrorCode MSFarmH5WriteAttr(hid_t loc, const char name[], hid_t type, const void *value)
{
  hid_t space, attr;

  PetscFunctionBegin;
  MSFarmH5Call(space = H5Screate(H5S_SCALAR));
  MSFarmH5Call(attr = H5Acreate2(loc, name, type, space, H5P_DEFAULT, H5P_DEFAULT));
  MSFarmH5Call(H5Awrite(attr, type, value));
  MSFarmH5Call(H5Aclose(attr));
  MSFarmH5Call(H5Sclose(space));
  PetscFunctionReturn(0);
}

static PetscErrorCode MSFarmH5ReadAttr(hid_t loc, const char file[], const char name[], hid_t type, void *value)
{
  hid_t    attr, space, ftype;
  htri_t   exists;
  hssize_t n;
  int      cls;

  PetscFunctionBegin;
  MSFarmH5Call(exists = H5Aexists(loc, name));
  PetscCheck(exists, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "MSFarm: %s is not an MSFarm results file (no attribute %s); nothing was changed", file, name);
  MSFarmH5Call(attr = H5Aopen(loc, name, H5P_DEFAULT));
  MSFarmH5Call(space = H5Aget_space(attr));
  MSFarmH5Call(n = H5Sget_simple_extent_npoints(space));
  MSFarmH5Call(H5Sclose(space));
  MSFarmH5Call(ftype = H5Aget_type(attr));
  MSFarmH5Call(cls = H5Tget_class(ftype));
  MSFarmH5Call(H5Tclose(ftype));
  PetscCheck(n == 1 && cls == H5T_INTEGER, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "MSFarm: %s: attribute %s must be one integer; nothing was changed", file, name);
  MSFarmH5Call(H5Aread(attr, type, value));
  MSFarmH5Call(H5Aclose(attr));
  PetscFunctionReturn(0);
}

/* Objects without modification times, so that identical runs give identical files. */
static PetscErrorCode MSFarmH5NoTimes(hid_t plist)
{
  PetscFunctionBegin;
  MSFarmH5Call(H5Pset_obj_track_times(plist, 0));
  PetscFunctionReturn(0);
}

/* A contiguous dataset allocated at creation and filled with fill. */
static PetscErrorCode MSFarmH5CreateDataset(hid_t file, const char name[], hid_t type, int rank, const hsize_t dims[], const void *fill, hid_t *dset)
{
  hid_t space, dcpl;

  PetscFunctionBegin;
  MSFarmH5Call(space = H5Screate_simple(rank, dims, NULL));
  MSFarmH5Call(dcpl = H5Pcreate(H5P_DATASET_CREATE));
  PetscCall(MSFarmH5NoTimes(dcpl));
  MSFarmH5Call(H5Pset_layout(dcpl, H5D_CONTIGUOUS));
  MSFarmH5Call(H5Pset_alloc_time(dcpl, H5D_ALLOC_TIME_EARLY));
  MSFarmH5Call(H5Pset_fill_time(dcpl, H5D_FILL_TIME_ALLOC));
  MSFarmH5Call(H5Pset_fill_value(dcpl, type, fill));
  MSFarmH5Call(*dset = H5Dcreate2(file, name, type, space, H5P_DEFAULT, dcpl, H5P_DEFAULT));
  MSFarmH5Call(H5Pclose(dcpl));
  MSFarmH5Call(H5Sclose(space));
  PetscFunctionReturn(0);
}

/* 64-bit FNV-1a of the task inputs (0 without inputs): resuming with other inputs is refused. */
static uint64_t MSFarmInputsChecksum(MSFarm farm)
{
  const unsigned char *p = (const unsigned char *)farm->inputs;
  size_t               n = farm->inputs ? (size_t)farm->n_tasks * farm->in_size * sizeof(PetscScalar) : 0;
  uint64_t             h = n ? 14695981039346656037ULL : 0;

  for (size_t k = 0; k < n; k++) h = (h ^ p[k]) * 1099511628211ULL;
  return h;
}

static PetscErrorCode MSFarmH5WriteString(hid_t loc, const char name[], const char value[])
{
  hid_t type;

  PetscFunctionBegin;
  MSFarmH5Call(type = H5Tcopy(H5T_C_S1));
  MSFarmH5Call(H5Tset_size(type, strlen(value) + 1));
  PetscCall(MSFarmH5WriteAttr(loc, name, type, value));
  MSFarmH5Call(H5Tclose(type));
  PetscFunctionReturn(0);
}

static PetscErrorCode MSFarmH5CreateFile(MSFarmRun *run)
{
  MSFarm   farm    = run->farm;
  int64_t  n_tasks = farm->n_tasks, out_size = farm->out_size;
  int32_t  version = MS_FARM_FORMAT_VERSION;
  uint64_t checksum = MSFarmInputsChecksum(farm);
  hsize_t  rdims[2] = {(hsize_t)farm->n_tasks, (hsize_t)farm->out_size}, sdims[1] = {(hsize_t)farm->n_tasks};
  double   nan  = NAN;
  int8_t   zero = MS_FARM_MISSING;
  hid_t    fcpl;

  PetscFunctionBegin;
  MSFarmH5Call(fcpl = H5Pcreate(H5P_FILE_CREATE));
  PetscCall(MSFarmH5NoTimes(fcpl));
  run->h5.file = H5Fcreate(farm->output, H5F_ACC_EXCL, fcpl, H5P_DEFAULT);
  MSFarmH5Call(H5Pclose(fcpl));
  PetscCheck(run->h5.file >= 0, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "MSFarm: %s: cannot create the output file", farm->output);
  PetscCall(MSFarmH5WriteAttr(run->h5.file, "n_tasks", H5T_NATIVE_INT64, &n_tasks));
  PetscCall(MSFarmH5WriteAttr(run->h5.file, "out_size", H5T_NATIVE_INT64, &out_size));
  PetscCall(MSFarmH5WriteAttr(run->h5.file, "seed", H5T_NATIVE_UINT64, &farm->seed));
  PetscCall(MSFarmH5WriteAttr(run->h5.file, "format_version", H5T_NATIVE_INT32, &version));
  PetscCall(MSFarmH5WriteString(run->h5.file, "sweep", farm->name ? farm->name : ""));
  PetscCall(MSFarmH5WriteAttr(run->h5.file, "inputs_checksum", H5T_NATIVE_UINT64, &checksum));
  PetscCall(MSFarmH5CreateDataset(run->h5.file, "results", H5T_NATIVE_DOUBLE, 2, rdims, &nan, &run->h5.results));
  PetscCall(MSFarmH5CreateDataset(run->h5.file, "status", H5T_NATIVE_INT8, 1, sdims, &zero, &run->h5.status));
  PetscCall(MSFarmH5CreateTaskData(run));
  MSFarmH5Call(H5Fflush(run->h5.file, H5F_SCOPE_LOCAL));
  PetscFunctionReturn(0);
}

/* A new file: the disk must hold it whole (its datasets are allocated at creation); a file
   that could not be created completely is removed, so it does not block the next run. */
static PetscErrorCode MSFarmH5Create(MSFarmRun *run)
{
  MSFarm         farm = run->farm;
  PetscErrorCode ierr;

  PetscFunctionBegin;
  PetscCheck(access(farm->output, F_OK) != 0, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "MSFarm: the output file %s already exists; continue it with -farm_resume (or -farm_retry_failed), or remove it", farm->output);
  PetscCall(MSH5CheckSpace(farm->output, (size_t)farm->n_tasks * ((size_t)farm->out_size * sizeof(double) + 1 + (farm->layout ? farm->layout->size : 0)) + MS_H5_OVERHEAD_BYTES));
  ierr = MSFarmH5CreateFile(run);
  if (ierr) {
    PetscCall(MSFarmH5Abandon(run));
    (void)remove(farm->output);
  }
  PetscCall(ierr);
  PetscFunctionReturn(0);
}

/* Whether another process holds the file's lock (HDF5 1.10 locks files with flock()). */
static PetscErrorCode MSFarmH5CheckNotInUse(const char file[])
{
  int fd = open(file, O_RDONLY), busy = 0;

  PetscFunctionBegin;
  if (fd >= 0) {
    busy = flock(fd, LOCK_EX | LOCK_NB) != 0;
    if (!busy) (void)flock(fd, LOCK_UN);
    close(fd);
  }
  PetscCheck(!busy, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "MSFarm: %s is in use by another run; nothing was changed", file);
  PetscFunctionReturn(0);
}

/* The extent of a one- or two-dimensional dataset, which must be dims. */
static PetscErrorCode MSFarmH5CheckShape(hid_t file, const char output[], const char name[], int rank, const hsize_t want[], H5T_class_t want_class, size_t want_size)
{
  hid_t       dset, space, type;
  hsize_t     dims[2] = {0, 0};
  int         ndims;
  H5T_class_t cls  = H5T_NO_CLASS;
  size_t      size = 0;

  PetscFunctionBegin;
  dset = H5Dopen2(file, name, H5P_DEFAULT);
  PetscCheck(dset >= 0, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "MSFarm: %s has no /%s; nothing was changed", output, name);
  space = H5Dget_space(dset);
  ndims = space >= 0 ? H5Sget_simple_extent_ndims(space) : -1;
  if (ndims == rank) H5Sget_simple_extent_dims(space, dims, NULL);
  if (space >= 0) H5Sclose(space);
  type = H5Dget_type(dset);
  if (type >= 0) {
    cls  = H5Tget_class(type);
    size = H5Tget_size(type);
    H5Tclose(type);
  }
  H5Dclose(dset);
  PetscCheck(cls == want_class && size == want_size, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "MSFarm: /%s of %s has the wrong type (expected %s of %zu bytes); nothing was changed", name, output, want_class == H5T_FLOAT ? "floating point" : "integers", want_size);
  PetscCheck(ndims == rank && dims[0] == want[0] && (rank == 1 || dims[1] == want[1]), PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "MSFarm: /%s of %s does not have the shape of this sweep (%llu%s); nothing was changed", name, output, (unsigned long long)want[0], rank == 2 ? " x out_size" : " tasks");
  PetscFunctionReturn(0);
}

/* Checks, read-only, that the file belongs to this sweep: nothing is written on a mismatch.
   The first difference is named. */
static PetscErrorCode MSFarmH5Validate(MSFarmRun *run)
{
  MSFarm   farm = run->farm;
  hid_t    file, type;
  int64_t  n_tasks, out_size;
  uint64_t seed, checksum, mine = MSFarmInputsChecksum(farm);
  int32_t  version;
  hsize_t  rdims[2] = {(hsize_t)farm->n_tasks, (hsize_t)farm->out_size}, sdims[1] = {(hsize_t)farm->n_tasks};
  char     sweep[MS_FARM_MESSAGE_LEN] = "";
  const char *name = farm->name ? farm->name : "";
  PetscErrorCode ierr;

  PetscFunctionBegin;
  PetscCheck(access(farm->output, R_OK | W_OK) == 0, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "MSFarm: cannot resume %s: the file does not exist or is not writable", farm->output);
  PetscCall(MSFarmH5CheckNotInUse(farm->output));
  file = H5Fopen(farm->output, H5F_ACC_RDONLY, H5P_DEFAULT);
  PetscCheck(file >= 0, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "MSFarm: cannot resume %s: not an HDF5 file, or damaged; nothing was changed", farm->output);
  ierr = MSFarmH5ReadAttr(file, farm->output, "format_version", H5T_NATIVE_INT32, &version);
  if (!ierr && version != MS_FARM_FORMAT_VERSION) ierr = PetscError(PETSC_COMM_SELF, __LINE__, PETSC_FUNCTION_NAME, __FILE__, PETSC_ERR_FILE_UNEXPECTED, PETSC_ERROR_INITIAL, "MSFarm: %s has format version %d, this metasim resumes version %d only%s; nothing was changed", farm->output, (int)version, MS_FARM_FORMAT_VERSION, version < MS_FARM_FORMAT_VERSION ? " (the older format does not record what defines the sweep: finish it with the metasim that wrote it, or start a new file)" : "");
  if (!ierr) ierr = MSFarmH5ReadAttr(file, farm->output, "n_tasks", H5T_NATIVE_INT64, &n_tasks);
  if (!ierr) ierr = MSFarmH5ReadAttr(file, farm->output, "out_size", H5T_NATIVE_INT64, &out_size);
  if (!ierr) ierr = MSFarmH5ReadAttr(file, farm->output, "seed", H5T_NATIVE_UINT64, &seed);
  if (!ierr) ierr = MSFarmH5ReadAttr(file, farm->output, "inputs_checksum", H5T_NATIVE_UINT64, &checksum);
  if (!ierr && (type = H5Tcopy(H5T_C_S1)) >= 0) { /* read into a fixed buffer: a longer string is truncated, never overflows */
    hid_t attr = H5Aexists(file, "sweep") > 0 ? H5Aopen(file, "sweep", H5P_DEFAULT) : -1, atype = attr >= 0 ? H5Aget_type(attr) : -1, aspace = attr >= 0 ? H5Aget_space(attr) : -1;

    if (atype >= 0 && H5Tget_class(atype) == H5T_STRING && !H5Tis_variable_str(atype) && H5Sget_simple_extent_npoints(aspace) == 1 && H5Tget_size(atype) <= sizeof(sweep) - 1) {
      H5Tset_size(type, H5Tget_size(atype));
      if (H5Aread(attr, type, sweep) < 0) sweep[0] = '\0';
    } else ierr = PetscError(PETSC_COMM_SELF, __LINE__, PETSC_FUNCTION_NAME, __FILE__, PETSC_ERR_FILE_UNEXPECTED, PETSC_ERROR_INITIAL, "MSFarm: %s has no readable attribute sweep; nothing was changed", farm->output);
    if (aspace >= 0) H5Sclose(aspace);
    if (atype >= 0) H5Tclose(atype);
    if (attr >= 0) H5Aclose(attr);
    H5Tclose(type);
  }
  if (!ierr) {
    if (strcmp(sweep, name)) ierr = PetscError(PETSC_COMM_SELF, __LINE__, PETSC_FUNCTION_NAME, __FILE__, PETSC_ERR_FILE_UNEXPECTED, PETSC_ERROR_INITIAL, "MSFarm: %s belongs to another sweep: sweep \"%s\" in the file, \"%s\" here; nothing was changed", farm->output, sweep, name);
    else if (n_tasks != farm->n_tasks) ierr = PetscError(PETSC_COMM_SELF, __LINE__, PETSC_FUNCTION_NAME, __FILE__, PETSC_ERR_FILE_UNEXPECTED, PETSC_ERROR_INITIAL, "MSFarm: %s belongs to another sweep: n_tasks %" PRId64 " in the file, %" PetscInt_FMT " here; nothing was changed", farm->output, n_tasks, farm->n_tasks);
    else if (out_size != farm->out_size) ierr = PetscError(PETSC_COMM_SELF, __LINE__, PETSC_FUNCTION_NAME, __FILE__, PETSC_ERR_FILE_UNEXPECTED, PETSC_ERROR_INITIAL, "MSFarm: %s belongs to another sweep: out_size %" PRId64 " in the file, %" PetscInt_FMT " here; nothing was changed", farm->output, out_size, farm->out_size);
    else if (seed != farm->seed) ierr = PetscError(PETSC_COMM_SELF, __LINE__, PETSC_FUNCTION_NAME, __FILE__, PETSC_ERR_FILE_UNEXPECTED, PETSC_ERROR_INITIAL, "MSFarm: %s belongs to another sweep: seed %" PRIu64 " in the file, %" PRIu64 " here; nothing was changed", farm->output, seed, farm->seed);
    else if (checksum != mine) ierr = PetscError(PETSC_COMM_SELF, __LINE__, PETSC_FUNCTION_NAME, __FILE__, PETSC_ERR_FILE_UNEXPECTED, PETSC_ERROR_INITIAL, "MSFarm: %s belongs to another sweep: its task inputs differ (checksum %016" PRIx64 " in the file, %016" PRIx64 " here); nothing was changed", farm->output, checksum, mine);
  }
  if (!ierr) ierr = MSFarmH5CheckShape(file, farm->output, "results", 2, rdims, H5T_FLOAT, sizeof(double));
  if (!ierr) ierr = MSFarmH5CheckShape(file, farm->output, "status", 1, sdims, H5T_INTEGER, sizeof(int8_t));
  if (!ierr) ierr = MSFarmH5CheckTaskData(run, file);
  H5Fclose(file);
  PetscCall(ierr);
  PetscFunctionReturn(0);
}

PetscErrorCode MSFarmH5Open(MSFarmRun *run)
{
  MSFarm farm = run->farm;

  PetscFunctionBegin;
  /* metasim checks every call itself: HDF5 prints nothing until MSFarmH5Abandon() or MSFarmH5Close() */
  PetscCheck(H5Eget_auto2(H5E_DEFAULT, &run->h5.saved_func, &run->h5.saved_data) >= 0 && H5Eset_auto2(H5E_DEFAULT, NULL, NULL) >= 0, PETSC_COMM_SELF, PETSC_ERR_LIB, "MSFarm: cannot silence HDF5's error printing");
  run->h5.silenced = PETSC_TRUE;
  if (!(farm->resume || farm->retry_failed)) PetscCall(MSFarmH5Create(run));
  else {
    PetscCall(MSFarmH5CheckNotInUse(farm->output)); /* before the structure walk, which cannot open a locked file */
    PetscCall(MSH5CheckStructure(farm->output, MS_H5_READ_TIMEOUT));
    PetscCall(MSFarmH5Validate(run));
    run->h5.file = H5Fopen(farm->output, H5F_ACC_RDWR, H5P_DEFAULT);
    PetscCheck(run->h5.file >= 0, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "MSFarm: cannot open %s for writing (in use by another run?); nothing was changed", farm->output);
    MSFarmH5Call(run->h5.results = H5Dopen2(run->h5.file, "results", H5P_DEFAULT));
    MSFarmH5Call(run->h5.status = H5Dopen2(run->h5.file, "status", H5P_DEFAULT));
    PetscCall(MSFarmH5OpenTaskData(run));
    MSFarmH5Call(H5Dread(run->h5.status, H5T_NATIVE_INT8, H5S_ALL, H5S_ALL, H5P_DEFAULT, run->status));
    for (PetscInt k = 0; k < farm->n_tasks; k++) PetscCheck(run->status[k] >= MS_FARM_MISSING && run->status[k] <= MS_FARM_FAILED, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "MSFarm: /status of %s holds %d at task %" PetscInt_FMT " (expected 0, 1 or 2); nothing was changed", farm->output, (int)run->status[k], k);
  }
  PetscFunctionReturn(0);
}

/* After an error: closes whatever is open without writing more, and restores HDF5's printing. */
PetscErrorCode MSFarmH5Abandon(MSFarmRun *run)
{
  PetscFunctionBegin;
  if (run->h5.results >= 0) H5Dclose(run->h5.results);
  if (run->h5.status >= 0) H5Dclose(run->h5.status);
  if (run->h5.records >= 0) H5Dclose(run->h5.records);
  if (run->h5.file >= 0) H5Fclose(run->h5.file);
  run->h5.results = run->h5.status = run->h5.records = run->h5.file = -1;
  if (run->h5.silenced) (void)H5Eset_auto2(H5E_DEFAULT, run->h5.saved_func, run->h5.saved_data);
  run->h5.silenced = PETSC_FALSE;
  PetscFunctionReturn(0);
}

/* Rank 0 on resume: the results computed by earlier runs. */
PetscErrorCode MSFarmH5ReadResults(MSFarmRun *run)
{
  PetscFunctionBegin;
  MSFarmH5Call(H5Dread(run->h5.results, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, run->results));
  PetscFunctionReturn(0);
}

/* Writes rows lo, lo + stride, ..., lo + (n - 1) stride of a dataset with rows of width values
   (0: a 1-D dataset) from buf, as one strided hyperslab. */
static PetscErrorCode MSFarmH5WriteRows(hid_t dset, hid_t type, PetscInt lo, PetscInt stride, PetscInt n, PetscInt width, const void *buf)
{
  hid_t   fspace, mspace;
  hsize_t start[2] = {(hsize_t)lo, 0}, step[2] = {(hsize_t)stride, 1}, count[2] = {(hsize_t)n, 1}, block[2] = {1, (hsize_t)width}, mdims[2] = {(hsize_t)n, (hsize_t)width};
  int     rank = width ? 2 : 1;

  PetscFunctionBegin;
  MSFarmH5Call(fspace = H5Dget_space(dset));
  MSFarmH5Call(H5Sselect_hyperslab(fspace, H5S_SELECT_SET, start, step, count, block));
  MSFarmH5Call(mspace = H5Screate_simple(rank, mdims, NULL));
  MSFarmH5Call(H5Dwrite(dset, type, mspace, fspace, H5P_DEFAULT, buf));
  MSFarmH5Call(H5Sclose(mspace));
  MSFarmH5Call(H5Sclose(fspace));
  PetscFunctionReturn(0);
}

/* Writes a batch: each run of task indices with a constant step is one strided hyperslab, so a
   block or dynamic schedule's consecutive indices and a cyclic schedule's every P-th index are
   written in one piece each. Results first, then the status that says they are there. */
PetscErrorCode MSFarmH5WriteRecords(MSFarmRun *run, const MSFarmRecord *recs, PetscInt n)
{
  PetscInt     out_size = run->farm->out_size;
  PetscScalar *rows;
  int8_t      *status;

  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(MS_FarmWrite, 0, 0, 0, 0));
  PetscCall(PetscMalloc2((size_t)n * out_size, &rows, n, &status));
  for (int pass = 0; pass < 2; pass++) {
    for (PetscInt a = 0, b; a < n; a = b) {
      const int64_t step = a + 1 < n ? recs[a + 1].index - recs[a].index : 1;

      for (b = a + 1; b < n && step > 0 && recs[b].index - recs[b - 1].index == step; b++) {}
      for (PetscInt t = a; t < b; t++) {
        if (pass == 0) PetscCall(PetscArraycpy(rows + (size_t)(t - a) * out_size, recs[t].out, out_size));
        else status[t - a] = (int8_t)recs[t].status;
      }
      if (pass == 0) PetscCall(MSFarmH5WriteRows(run->h5.results, H5T_NATIVE_DOUBLE, (PetscInt)recs[a].index, b - a > 1 ? (PetscInt)step : 1, b - a, out_size, rows));
      else PetscCall(MSFarmH5WriteRows(run->h5.status, H5T_NATIVE_INT8, (PetscInt)recs[a].index, b - a > 1 ? (PetscInt)step : 1, b - a, 0, status));
    }
    if (pass == 0) {
      MSFarmH5Call(H5Dflush(run->h5.results));
      PetscCall(MSFarmH5WriteTaskRecords(run, recs, n));
    }
  }
  MSFarmH5Call(H5Fflush(run->h5.file, H5F_SCOPE_LOCAL));
  PetscCall(PetscFree2(rows, status));
  PetscCall(PetscLogEventEnd(MS_FarmWrite, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

/* Rank 0 on resume: the failure list of earlier runs, appended to this run's list so that a
   task failing again gets its newer message. */
PetscErrorCode MSFarmH5ReadFailures(MSFarmRun *run)
{
  hid_t    group, dset, space, strtype;
  hsize_t  dims[1];
  htri_t   exists;
  int64_t *index;
  char   (*messages)[MS_FARM_MESSAGE_LEN];

  PetscFunctionBegin;
  MSFarmH5Call(exists = H5Lexists(run->h5.file, "failures", H5P_DEFAULT));
  if (!exists) PetscFunctionReturn(0);
  MSFarmH5Call(group = H5Gopen2(run->h5.file, "failures", H5P_DEFAULT));
  MSFarmH5Call(dset = H5Dopen2(group, "index", H5P_DEFAULT));
  MSFarmH5Call(space = H5Dget_space(dset));
  PetscCheck(H5Sget_simple_extent_ndims(space) == 1, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "MSFarm: /failures/index of %s is not one-dimensional; nothing was changed", run->farm->output);
  MSFarmH5Call(H5Sget_simple_extent_dims(space, dims, NULL));
  MSFarmH5Call(H5Sclose(space));
  PetscCheck(dims[0] <= (hsize_t)run->farm->n_tasks, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "MSFarm: /failures/index of %s lists %llu failures, more than the %" PetscInt_FMT " tasks; nothing was changed", run->farm->output, (unsigned long long)dims[0], run->farm->n_tasks);
  PetscCall(PetscMalloc2(dims[0], &index, dims[0], &messages));
  MSFarmH5Call(H5Dread(dset, H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, index));
  MSFarmH5Call(H5Dclose(dset));
  MSFarmH5Call(strtype = H5Tcopy(H5T_C_S1));
  MSFarmH5Call(H5Tset_size(strtype, MS_FARM_MESSAGE_LEN));
  MSFarmH5Call(dset = H5Dopen2(group, "message", H5P_DEFAULT));
  {
    hid_t   mspace;
    hsize_t mdims[1] = {0};

    MSFarmH5Call(mspace = H5Dget_space(dset));
    PetscCheck(H5Sget_simple_extent_ndims(mspace) == 1 && H5Sget_simple_extent_dims(mspace, mdims, NULL) == 1 && mdims[0] == dims[0], PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "MSFarm: /failures/message of %s does not have one message per failure; nothing was changed", run->farm->output);
    MSFarmH5Call(H5Sclose(mspace));
  }
  MSFarmH5Call(H5Dread(dset, strtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, messages));
  MSFarmH5Call(H5Dclose(dset));
  MSFarmH5Call(H5Tclose(strtype));
  MSFarmH5Call(H5Gclose(group));
  for (hsize_t k = 0; k < dims[0]; k++) {
    PetscCheck(index[k] >= 0 && index[k] < run->farm->n_tasks, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "MSFarm: /failures/index of %s holds task %" PRId64 ", outside [0, %" PetscInt_FMT "); nothing was changed", run->farm->output, index[k], run->farm->n_tasks);
    messages[k][MS_FARM_MESSAGE_LEN - 1] = 0;
    PetscCall(MSFarmAddFailure(run, (PetscInt)index[k], messages[k]));
  }
  PetscCall(PetscFree2(index, messages));
  PetscFunctionReturn(0);
}

/* Replaces /failures with the farm's final failure list, then closes the file. */
PetscErrorCode MSFarmH5Close(MSFarmRun *run)
{
  MSFarm farm = run->farm;
  htri_t exists;

  PetscFunctionBegin;
  MSFarmH5Call(exists = H5Lexists(run->h5.file, "failures", H5P_DEFAULT));
  if (exists) MSFarmH5Call(H5Ldelete(run->h5.file, "failures", H5P_DEFAULT));
  if (farm->n_failed) {
    hid_t    group, dset, space, strtype;
    hsize_t  dims[1] = {(hsize_t)farm->n_failed};
    int64_t *index;

    PetscCall(PetscMalloc1(farm->n_failed, &index));
    for (PetscInt k = 0; k < farm->n_failed; k++) index[k] = farm->failed[k];
    hid_t    gcpl, dcpl;

    MSFarmH5Call(gcpl = H5Pcreate(H5P_GROUP_CREATE));
    PetscCall(MSFarmH5NoTimes(gcpl));
    MSFarmH5Call(dcpl = H5Pcreate(H5P_DATASET_CREATE));
    PetscCall(MSFarmH5NoTimes(dcpl));
    MSFarmH5Call(group = H5Gcreate2(run->h5.file, "failures", H5P_DEFAULT, gcpl, H5P_DEFAULT));
    MSFarmH5Call(space = H5Screate_simple(1, dims, NULL));
    MSFarmH5Call(dset = H5Dcreate2(group, "index", H5T_NATIVE_INT64, space, H5P_DEFAULT, dcpl, H5P_DEFAULT));
    MSFarmH5Call(H5Dwrite(dset, H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, index));
    MSFarmH5Call(H5Dclose(dset));
    MSFarmH5Call(strtype = H5Tcopy(H5T_C_S1));
    MSFarmH5Call(H5Tset_size(strtype, MS_FARM_MESSAGE_LEN));
    MSFarmH5Call(dset = H5Dcreate2(group, "message", strtype, space, H5P_DEFAULT, dcpl, H5P_DEFAULT));
    MSFarmH5Call(H5Dwrite(dset, strtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, farm->messages));
    MSFarmH5Call(H5Dclose(dset));
    MSFarmH5Call(H5Tclose(strtype));
    MSFarmH5Call(H5Sclose(space));
    MSFarmH5Call(H5Gclose(group));
    MSFarmH5Call(H5Pclose(gcpl));
    MSFarmH5Call(H5Pclose(dcpl));
    PetscCall(PetscFree(index));
  }
  MSFarmH5Call(H5Dclose(run->h5.results));
  run->h5.results = -1;
  MSFarmH5Call(H5Dclose(run->h5.status));
  run->h5.status = -1;
  if (run->h5.records >= 0) MSFarmH5Call(H5Dclose(run->h5.records));
  run->h5.records = -1;
  MSFarmH5Call(H5Fclose(run->h5.file));
  run->h5.file = -1;
  PetscCall(MSFarmH5Abandon(run)); /* restores HDF5's error printing */
  PetscFunctionReturn(0);
}
