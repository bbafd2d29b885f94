/* The HDF5 results file, written by rank 0 only (serial HDF5 calls on one process):
   root attributes n_tasks, out_size, seed, format_version; /results (n_tasks x out_size
   float64, NaN until computed) and /status (n_tasks int8: 0 missing, 1 done, 2 failed), both
   contiguous and allocated at creation, so writing a batch touches raw data only, never HDF5
   metadata. Each batch writes its results, flushes them, then writes their status and flushes
   the file: a status of done always has its results on disk, and a kill -9 loses at most the
   batch in flight. /failures/index and /failures/message (fixed 256-byte strings) list the
   failed tasks, rewritten at the end of every run. Nothing in the file depends on time, rank
   count or schedule except the rank named in failure messages. */
#include <inttypes.h>
#include <math.h>
#include <unistd.h>
#include "farm/farmimpl.h"
#include "io/h5check.h"

#define MS_FARM_FORMAT_VERSION 1

#define MSH5Call(call) PetscCheck((call) >= 0, PETSC_COMM_SELF, PETSC_ERR_LIB, "HDF5 call failed: %s", #call)

static PetscErrorCode MSFarmH5WriteAttr(hid_t loc, const char name[], hid_t type, const void *value)
{
  hid_t space, attr;

  PetscFunctionBegin;
  MSH5Call(space = H5Screate(H5S_SCALAR));
  MSH5Call(attr = H5Acreate2(loc, name, type, space, H5P_DEFAULT, H5P_DEFAULT));
  MSH5Call(H5Awrite(attr, type, value));
  MSH5Call(H5Aclose(attr));
  MSH5Call(H5Sclose(space));
  PetscFunctionReturn(0);
}

static PetscErrorCode MSFarmH5ReadAttr(hid_t loc, const char file[], const char name[], hid_t type, void *value)
{
  hid_t    attr, space, ftype;
  htri_t   exists;
  hssize_t n;
  int      cls;

  PetscFunctionBegin;
  MSH5Call(exists = H5Aexists(loc, name));
  PetscCheck(exists, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "MSFarm: %s is not an MSFarm results file (no attribute %s); nothing was changed", file, name);
  MSH5Call(attr = H5Aopen(loc, name, H5P_DEFAULT));
  MSH5Call(space = H5Aget_space(attr));
  MSH5Call(n = H5Sget_simple_extent_npoints(space));
  MSH5Call(H5Sclose(space));
  MSH5Call(ftype = H5Aget_type(attr));
  MSH5Call(cls = H5Tget_class(ftype));
  MSH5Call(H5Tclose(ftype));
  PetscCheck(n == 1 && cls == H5T_INTEGER, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "MSFarm: %s: attribute %s must be one integer; nothing was changed", file, name);
  MSH5Call(H5Aread(attr, type, value));
  MSH5Call(H5Aclose(attr));
  PetscFunctionReturn(0);
}

/* A contiguous dataset allocated at creation and filled with fill. */
static PetscErrorCode MSFarmH5CreateDataset(hid_t file, const char name[], hid_t type, int rank, const hsize_t dims[], const void *fill, hid_t *dset)
{
  hid_t space, dcpl;

  PetscFunctionBegin;
  MSH5Call(space = H5Screate_simple(rank, dims, NULL));
  MSH5Call(dcpl = H5Pcreate(H5P_DATASET_CREATE));
  MSH5Call(H5Pset_layout(dcpl, H5D_CONTIGUOUS));
  MSH5Call(H5Pset_alloc_time(dcpl, H5D_ALLOC_TIME_EARLY));
  MSH5Call(H5Pset_fill_time(dcpl, H5D_FILL_TIME_ALLOC));
  MSH5Call(H5Pset_fill_value(dcpl, type, fill));
  MSH5Call(*dset = H5Dcreate2(file, name, type, space, H5P_DEFAULT, dcpl, H5P_DEFAULT));
  MSH5Call(H5Pclose(dcpl));
  MSH5Call(H5Sclose(space));
  PetscFunctionReturn(0);
}

static PetscErrorCode MSFarmH5Create(MSFarmRun *run)
{
  MSFarm   farm    = run->farm;
  int64_t  n_tasks = farm->n_tasks, out_size = farm->out_size;
  int32_t  version = MS_FARM_FORMAT_VERSION;
  hsize_t  rdims[2] = {(hsize_t)farm->n_tasks, (hsize_t)farm->out_size}, sdims[1] = {(hsize_t)farm->n_tasks};
  double   nan  = NAN;
  int8_t   zero = MS_FARM_MISSING;

  PetscFunctionBegin;
  PetscCheck(access(farm->output, F_OK) != 0, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "MSFarm: the output file %s already exists; continue it with -farm_resume (or -farm_retry_failed), or remove it", farm->output);
  MSH5Call(run->h5.file = H5Fcreate(farm->output, H5F_ACC_EXCL, H5P_DEFAULT, H5P_DEFAULT));
  PetscCall(MSFarmH5WriteAttr(run->h5.file, "n_tasks", H5T_NATIVE_INT64, &n_tasks));
  PetscCall(MSFarmH5WriteAttr(run->h5.file, "out_size", H5T_NATIVE_INT64, &out_size));
  PetscCall(MSFarmH5WriteAttr(run->h5.file, "seed", H5T_NATIVE_UINT64, &farm->seed));
  PetscCall(MSFarmH5WriteAttr(run->h5.file, "format_version", H5T_NATIVE_INT32, &version));
  PetscCall(MSFarmH5CreateDataset(run->h5.file, "results", H5T_NATIVE_DOUBLE, 2, rdims, &nan, &run->h5.results));
  PetscCall(MSFarmH5CreateDataset(run->h5.file, "status", H5T_NATIVE_INT8, 1, sdims, &zero, &run->h5.status));
  MSH5Call(H5Fflush(run->h5.file, H5F_SCOPE_LOCAL));
  PetscFunctionReturn(0);
}

/* Checks, read-only, that the file belongs to this sweep: nothing is written on a mismatch. */
static PetscErrorCode MSFarmH5Validate(MSFarmRun *run)
{
  MSFarm   farm = run->farm;
  hid_t    file, dset, space;
  int64_t  n_tasks, out_size;
  uint64_t seed;
  int32_t  version;
  hsize_t  dims[2];
  int      ndims;

  PetscFunctionBegin;
  PetscCheck(access(farm->output, R_OK | W_OK) == 0, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "MSFarm: cannot resume %s: the file does not exist or is not writable", farm->output);
  MSH5Call(file = H5Fopen(farm->output, H5F_ACC_RDONLY, H5P_DEFAULT));
  PetscCall(MSFarmH5ReadAttr(file, farm->output, "format_version", H5T_NATIVE_INT32, &version));
  PetscCall(MSFarmH5ReadAttr(file, farm->output, "n_tasks", H5T_NATIVE_INT64, &n_tasks));
  PetscCall(MSFarmH5ReadAttr(file, farm->output, "out_size", H5T_NATIVE_INT64, &out_size));
  PetscCall(MSFarmH5ReadAttr(file, farm->output, "seed", H5T_NATIVE_UINT64, &seed));
  PetscCheck(version == MS_FARM_FORMAT_VERSION, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "MSFarm: %s has format version %d, this metasim writes %d; nothing was changed", farm->output, (int)version, MS_FARM_FORMAT_VERSION);
  PetscCheck(n_tasks == farm->n_tasks && out_size == farm->out_size && seed == farm->seed, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "MSFarm: %s belongs to another sweep (n_tasks %" PRId64 ", out_size %" PRId64 ", seed %" PRIu64 "), this sweep has n_tasks %" PetscInt_FMT ", out_size %" PetscInt_FMT ", seed %" PRIu64 "; nothing was changed",
             farm->output, n_tasks, out_size, seed, farm->n_tasks, farm->out_size, farm->seed);
  MSH5Call(dset = H5Dopen2(file, "results", H5P_DEFAULT));
  MSH5Call(space = H5Dget_space(dset));
  MSH5Call(ndims = H5Sget_simple_extent_dims(space, dims, NULL));
  PetscCheck(ndims == 2 && dims[0] == (hsize_t)n_tasks && dims[1] == (hsize_t)out_size, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "MSFarm: /results of %s does not have shape %" PRId64 " x %" PRId64 "; nothing was changed", farm->output, n_tasks, out_size);
  MSH5Call(H5Sclose(space));
  MSH5Call(H5Dclose(dset));
  MSH5Call(H5Fclose(file));
  PetscFunctionReturn(0);
}

/* HDF5 prints nothing while the file is open (every call is checked here); a file to resume
   is trusted only after its structure passed MSH5CheckStructure(). */
PetscErrorCode MSFarmH5Open(MSFarmRun *run)
{
  MSFarm farm = run->farm;

  PetscFunctionBegin;
  MSH5Call(H5Eget_auto2(H5E_DEFAULT, &run->h5.saved_func, &run->h5.saved_data));
  MSH5Call(H5Eset_auto2(H5E_DEFAULT, NULL, NULL));
  if (!(farm->resume || farm->retry_failed)) PetscCall(MSFarmH5Create(run));
  else {
    PetscCall(MSH5CheckStructure(farm->output, MS_H5_READ_TIMEOUT));
    PetscCall(MSFarmH5Validate(run));
    MSH5Call(run->h5.file = H5Fopen(farm->output, H5F_ACC_RDWR, H5P_DEFAULT));
    MSH5Call(run->h5.results = H5Dopen2(run->h5.file, "results", H5P_DEFAULT));
    MSH5Call(run->h5.status = H5Dopen2(run->h5.file, "status", H5P_DEFAULT));
    MSH5Call(H5Dread(run->h5.status, H5T_NATIVE_INT8, H5S_ALL, H5S_ALL, H5P_DEFAULT, run->status));
  }
  PetscFunctionReturn(0);
}

/* Rank 0 on resume: the results computed by earlier runs. */
PetscErrorCode MSFarmH5ReadResults(MSFarmRun *run)
{
  PetscFunctionBegin;
  MSH5Call(H5Dread(run->h5.results, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, run->results));
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
  MSH5Call(fspace = H5Dget_space(dset));
  MSH5Call(H5Sselect_hyperslab(fspace, H5S_SELECT_SET, start, step, count, block));
  MSH5Call(mspace = H5Screate_simple(rank, mdims, NULL));
  MSH5Call(H5Dwrite(dset, type, mspace, fspace, H5P_DEFAULT, buf));
  MSH5Call(H5Sclose(mspace));
  MSH5Call(H5Sclose(fspace));
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
    if (pass == 0) MSH5Call(H5Dflush(run->h5.results));
  }
  MSH5Call(H5Fflush(run->h5.file, H5F_SCOPE_LOCAL));
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
  MSH5Call(exists = H5Lexists(run->h5.file, "failures", H5P_DEFAULT));
  if (!exists) PetscFunctionReturn(0);
  MSH5Call(group = H5Gopen2(run->h5.file, "failures", H5P_DEFAULT));
  MSH5Call(dset = H5Dopen2(group, "index", H5P_DEFAULT));
  MSH5Call(space = H5Dget_space(dset));
  MSH5Call(H5Sget_simple_extent_dims(space, dims, NULL));
  MSH5Call(H5Sclose(space));
  PetscCall(PetscMalloc2(dims[0], &index, dims[0], &messages));
  MSH5Call(H5Dread(dset, H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, index));
  MSH5Call(H5Dclose(dset));
  MSH5Call(strtype = H5Tcopy(H5T_C_S1));
  MSH5Call(H5Tset_size(strtype, MS_FARM_MESSAGE_LEN));
  MSH5Call(dset = H5Dopen2(group, "message", H5P_DEFAULT));
  MSH5Call(H5Dread(dset, strtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, messages));
  MSH5Call(H5Dclose(dset));
  MSH5Call(H5Tclose(strtype));
  MSH5Call(H5Gclose(group));
  for (hsize_t k = 0; k < dims[0]; k++) {
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
  MSH5Call(exists = H5Lexists(run->h5.file, "failures", H5P_DEFAULT));
  if (exists) MSH5Call(H5Ldelete(run->h5.file, "failures", H5P_DEFAULT));
  if (farm->n_failed) {
    hid_t    group, dset, space, strtype;
    hsize_t  dims[1] = {(hsize_t)farm->n_failed};
    int64_t *index;

    PetscCall(PetscMalloc1(farm->n_failed, &index));
    for (PetscInt k = 0; k < farm->n_failed; k++) index[k] = farm->failed[k];
    MSH5Call(group = H5Gcreate2(run->h5.file, "failures", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
    MSH5Call(space = H5Screate_simple(1, dims, NULL));
    MSH5Call(dset = H5Dcreate2(group, "index", H5T_NATIVE_INT64, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
    MSH5Call(H5Dwrite(dset, H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, index));
    MSH5Call(H5Dclose(dset));
    MSH5Call(strtype = H5Tcopy(H5T_C_S1));
    MSH5Call(H5Tset_size(strtype, MS_FARM_MESSAGE_LEN));
    MSH5Call(dset = H5Dcreate2(group, "message", strtype, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
    MSH5Call(H5Dwrite(dset, strtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, farm->messages));
    MSH5Call(H5Dclose(dset));
    MSH5Call(H5Tclose(strtype));
    MSH5Call(H5Sclose(space));
    MSH5Call(H5Gclose(group));
    PetscCall(PetscFree(index));
  }
  MSH5Call(H5Dclose(run->h5.results));
  MSH5Call(H5Dclose(run->h5.status));
  MSH5Call(H5Fclose(run->h5.file));
  run->h5.file = -1;
  MSH5Call(H5Eset_auto2(H5E_DEFAULT, run->h5.saved_func, run->h5.saved_data));
  PetscFunctionReturn(0);
}
