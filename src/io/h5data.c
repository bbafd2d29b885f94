/* Datasets: existence, type and shape checks, reads that validate values, and writes. */
#include "io/h5util.h"

/* Whether every component of an absolute path exists (H5Lexists needs the parents to exist). */
PETSC_INTERN PetscErrorCode MSH5Exists(MSH5File *f, const char path[], PetscBool *exists)
{
  char   partial[PETSC_MAX_PATH_LEN];
  size_t len;

  PetscFunctionBegin;
  *exists = PETSC_TRUE;
  PetscCall(PetscStrlen(path, &len));
  PetscCheck(len < sizeof(partial), PETSC_COMM_SELF, PETSC_ERR_ARG_SIZ, "%s: object name too long: %s", f->name, path);
  for (size_t k = 1; k <= len && *exists; k++) {
    if (k < len && path[k] != '/') continue;
    PetscCall(PetscStrncpy(partial, path, k + 1));
    *exists = H5Lexists(f->id, partial, H5P_DEFAULT) > 0 ? PETSC_TRUE : PETSC_FALSE;
  }
  PetscFunctionReturn(0);
}

PETSC_INTERN PetscErrorCode MSH5IsGroup(MSH5File *f, const char path[], PetscBool *is_group)
{
  H5O_info_t info;
  PetscBool  exists;

  PetscFunctionBegin;
  PetscCall(MSH5Exists(f, path, &exists));
  PetscCheck(exists, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: %s: missing", f->name, path);
  MSH5Call(H5Oget_info_by_name(f->id, path, &info, H5P_DEFAULT), f->name, path, "query the object");
  *is_group = info.type == H5O_TYPE_GROUP ? PETSC_TRUE : PETSC_FALSE;
  PetscFunctionReturn(0);
}

/* Turns the failure of an allocation whose size comes from the file (a dataset's shape, a map
   step's length) into an error naming the file and the object (PETSc's own carry no message). */
PETSC_INTERN PetscErrorCode MSH5Memory(MSH5File *f, const char path[], PetscErrorCode ierr)
{
  PetscFunctionBegin;
  PetscCheck(!ierr, PETSC_COMM_SELF, PETSC_ERR_MEM, "%s: %s: not enough memory to read it", f->name, path);
  PetscFunctionReturn(0);
}

/* The number of links in group path: what a count read from an attribute (n_sims, n_steps,
   n_terms) is checked against before anything is allocated for it. */
PETSC_INTERN PetscErrorCode MSH5CountLinks(MSH5File *f, const char path[], PetscInt *n)
{
  H5G_info_t info;
  PetscBool  is_group;

  PetscFunctionBegin;
  PetscCall(MSH5IsGroup(f, path, &is_group));
  PetscCheck(is_group, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: %s: expected a group, found a dataset", f->name, path);
  MSH5Call(H5Gget_info_by_name(f->id, path, &info, H5P_DEFAULT), f->name, path, "query the group");
  *n = (PetscInt)PetscMin(info.nlinks, (hsize_t)PETSC_MAX_INT);
  PetscFunctionReturn(0);
}

/* Checks that the object at path has exactly one hard link, so that a reader following links
   reads it once: a second link would let a small file repeat a group without bound. */
PETSC_INTERN PetscErrorCode MSH5CheckSingleLink(MSH5File *f, const char path[])
{
  H5O_info_t info;
  PetscBool  exists;

  PetscFunctionBegin;
  PetscCall(MSH5Exists(f, path, &exists));
  PetscCheck(exists, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: %s: missing", f->name, path);
  MSH5Call(H5Oget_info_by_name(f->id, path, &info, H5P_DEFAULT), f->name, path, "query the object");
  PetscCheck(info.rc == 1, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: %s: the group has %u links, expected one (a linked copy would be read again)", f->name, path, info.rc);
  PetscFunctionReturn(0);
}

/* Checks that an unfiltered dataset stores every byte its shape needs (no unwritten extent). */
static PetscErrorCode MSH5CheckStorage(MSH5File *f, const char path[], hid_t dset, hid_t space)
{
  hid_t   dcpl;
  int     nfilters;
  hsize_t stored, needed;

  PetscFunctionBegin;
  dcpl = H5Dget_create_plist(dset);
  MSH5Call(dcpl, f->name, path, "read the dataset's layout");
  nfilters = H5Pget_nfilters(dcpl);
  MSH5Call(H5Pclose(dcpl), f->name, path, "close a property list");
  MSH5Call(nfilters, f->name, path, "read the dataset's filters");
  if (nfilters > 0) PetscFunctionReturn(0);
  stored = H5Dget_storage_size(dset);
  needed = (hsize_t)H5Sget_simple_extent_npoints(space) * 8;
  PetscCheck(stored >= needed, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: %s: the file stores %llu bytes of the %llu its shape needs (unwritten or damaged dataset)", f->name, path, (unsigned long long)stored, (unsigned long long)needed);
  PetscFunctionReturn(0);
}

static PetscErrorCode MSH5CheckType(MSH5File *f, const char path[], hid_t dtype, MSH5Type want)
{
  H5T_class_t cls  = H5Tget_class(dtype);
  size_t      size = H5Tget_size(dtype);

  PetscFunctionBegin;
  if (want == MS_H5_FLOAT64) PetscCheck(cls == H5T_FLOAT && size == 8, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: %s: wrong dtype, expected float64", f->name, path);
  else PetscCheck(cls == H5T_INTEGER && size == 8 && H5Tget_sign(dtype) == H5T_SGN_2, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: %s: wrong dtype, expected int64", f->name, path);
  PetscFunctionReturn(0);
}

/* Checks that path is a dataset of the given element type and rank; returns its dimensions. */
PETSC_INTERN PetscErrorCode MSH5GetShape(MSH5File *f, const char path[], MSH5Type type, PetscInt ndims, PetscInt dims[])
{
  hid_t     dset, dtype, space;
  hsize_t   hdims[2];
  int       rank;
  PetscBool is_group;

  PetscFunctionBegin;
  PetscCall(MSH5IsGroup(f, path, &is_group));
  PetscCheck(!is_group, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: %s: expected a dataset, found a group", f->name, path);
  dset = H5Dopen2(f->id, path, H5P_DEFAULT);
  MSH5Call(dset, f->name, path, "open the dataset");
  dtype = H5Dget_type(dset);
  MSH5Call(dtype, f->name, path, "read the dtype");
  PetscCall(MSH5CheckType(f, path, dtype, type));
  MSH5Call(H5Tclose(dtype), f->name, path, "close the dtype");
  space = H5Dget_space(dset);
  MSH5Call(space, f->name, path, "read the shape");
  rank = H5Sget_simple_extent_ndims(space);
  PetscCheck(rank == ndims, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: %s: wrong shape, expected %" PetscInt_FMT " dimension(s), found %d", f->name, path, ndims, rank);
  MSH5Call(H5Sget_simple_extent_dims(space, hdims, NULL), f->name, path, "read the shape");
  for (PetscInt k = 0; k < ndims; k++) {
    PetscCheck(hdims[k] > 0 && hdims[k] < (hsize_t)PETSC_MAX_INT, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: %s: wrong shape, dimension %" PetscInt_FMT " has length %llu", f->name, path, k, (unsigned long long)hdims[k]);
    dims[k] = (PetscInt)hdims[k];
  }
  PetscCall(MSH5CheckStorage(f, path, dset, space));
  MSH5Call(H5Sclose(space), f->name, path, "close the dataspace");
  MSH5Call(H5Dclose(dset), f->name, path, "close the dataset");
  PetscFunctionReturn(0);
}

/* Reads entries [lo, hi) of a 1-D float64 dataset of length n (or all of an n-entry dataset of
   any rank when lo = 0, hi = n) and checks they are finite. */
PETSC_INTERN PetscErrorCode MSH5ReadRealSlab(MSH5File *f, const char path[], PetscInt n, PetscInt lo, PetscInt hi, PetscScalar buf[])
{
  hid_t   dset, fspace, mspace;
  hsize_t start = (hsize_t)lo, count = (hsize_t)(hi - lo);

  PetscFunctionBegin;
  dset = H5Dopen2(f->id, path, H5P_DEFAULT);
  MSH5Call(dset, f->name, path, "open the dataset");
  fspace = H5Dget_space(dset);
  MSH5Call(fspace, f->name, path, "read the shape");
  PetscCheck(H5Sget_simple_extent_npoints(fspace) == (hssize_t)n, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: %s: wrong shape, expected %" PetscInt_FMT " entries", f->name, path, n);
  if (lo > 0 || hi < n) MSH5Call(H5Sselect_hyperslab(fspace, H5S_SELECT_SET, &start, NULL, &count, NULL), f->name, path, "select a hyperslab");
  mspace = H5Screate_simple(1, &count, NULL);
  MSH5Call(mspace, f->name, path, "create a memory dataspace");
  if (count == 0) {
    MSH5Call(H5Sselect_none(fspace), f->name, path, "select nothing");
    MSH5Call(H5Sselect_none(mspace), f->name, path, "select nothing");
  }
  MSH5Call(H5Dread(dset, H5T_NATIVE_DOUBLE, mspace, fspace, H5P_DEFAULT, buf), f->name, path, "read the data (truncated file?)");
  MSH5Call(H5Sclose(mspace), f->name, path, "close the dataspace");
  MSH5Call(H5Sclose(fspace), f->name, path, "close the dataspace");
  MSH5Call(H5Dclose(dset), f->name, path, "close the dataset");
  for (PetscInt k = 0; k < hi - lo; k++) PetscCheck(!PetscIsInfOrNanScalar(buf[k]), PETSC_COMM_SELF, PETSC_ERR_FP, "%s: %s: entry %" PetscInt_FMT " is NaN or Inf", f->name, path, lo + k);
  PetscFunctionReturn(0);
}

PETSC_INTERN PetscErrorCode MSH5ReadReal(MSH5File *f, const char path[], PetscInt n, PetscScalar buf[])
{
  PetscFunctionBegin;
  PetscCall(MSH5ReadRealSlab(f, path, n, 0, n, buf));
  PetscFunctionReturn(0);
}

/* Reads n int64 indices, each in [0, bound), as a sequential IS; frees everything on failure. */
PETSC_INTERN PetscErrorCode MSH5ReadIndices(MSH5File *f, const char path[], PetscInt n, PetscInt bound, IS *is)
{
  hid_t     dset;
  int64_t  *raw;
  PetscInt *idx, bad = -1;
  long long value = 0;
  herr_t    status;

  PetscFunctionBegin;
  dset = H5Dopen2(f->id, path, H5P_DEFAULT);
  MSH5Call(dset, f->name, path, "open the dataset");
  PetscCall(MSH5Memory(f, path, PetscMalloc2(n, &raw, n, &idx)));
  status = H5Dread(dset, H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, raw);
  for (PetscInt k = 0; status >= 0 && k < n && bad < 0; k++) {
    if (raw[k] < 0 || raw[k] >= bound) {
      bad   = k;
      value = (long long)raw[k];
    }
    idx[k] = (PetscInt)raw[k];
  }
  MSH5Call(H5Dclose(dset), f->name, path, "close the dataset");
  if (status >= 0 && bad < 0) PetscCall(MSH5Memory(f, path, ISCreateGeneral(PETSC_COMM_SELF, n, idx, PETSC_COPY_VALUES, is)));
  PetscCall(PetscFree2(raw, idx));
  MSH5Call(status, f->name, path, "read the data (truncated file?)");
  PetscCheck(bad < 0, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: %s: index %lld at position %" PetscInt_FMT " is outside [0, %" PetscInt_FMT ")", f->name, path, value, bad, bound);
  PetscFunctionReturn(0);
}

/* Creates a dataset, and any missing parent groups. */
static PetscErrorCode MSH5CreateDataset(MSH5File *f, const char path[], hid_t type, hid_t space, hid_t *dset)
{
  hid_t lcpl, dcpl;

  PetscFunctionBegin;
  lcpl = H5Pcreate(H5P_LINK_CREATE);
  MSH5Call(lcpl, f->name, path, "create a link list");
  MSH5Call(H5Pset_create_intermediate_group(lcpl, 1), f->name, path, "request parent groups");
  dcpl = H5Pcreate(H5P_DATASET_CREATE);
  MSH5Call(dcpl, f->name, path, "create a dataset creation list");
  MSH5Call(H5Pset_obj_track_times(dcpl, 0), f->name, path, "turn off time stamps"); /* identical runs, identical bytes */
  *dset = H5Dcreate2(f->id, path, type, space, lcpl, dcpl, H5P_DEFAULT);
  MSH5Call(*dset, f->name, path, "create the dataset");
  MSH5Call(H5Pclose(dcpl), f->name, path, "close a dataset creation list");
  MSH5Call(H5Pclose(lcpl), f->name, path, "close a link list");
  PetscFunctionReturn(0);
}

PETSC_INTERN PetscErrorCode MSH5WriteReal(MSH5File *f, const char path[], PetscInt ndims, const PetscInt dims[], const PetscScalar buf[])
{
  hsize_t hdims[2];
  hid_t   space, dset;

  PetscFunctionBegin;
  for (PetscInt k = 0; k < ndims; k++) hdims[k] = (hsize_t)dims[k];
  space = H5Screate_simple((int)ndims, hdims, NULL);
  MSH5Call(space, f->name, path, "create a dataspace");
  PetscCall(MSH5CreateDataset(f, path, H5T_IEEE_F64LE, space, &dset));
  MSH5Call(H5Dwrite(dset, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf), f->name, path, "write the dataset");
  MSH5Call(H5Dclose(dset), f->name, path, "close the dataset");
  MSH5Call(H5Sclose(space), f->name, path, "close the dataspace");
  PetscFunctionReturn(0);
}

PETSC_INTERN PetscErrorCode MSH5WriteIndices(MSH5File *f, const char path[], PetscInt n, const PetscInt idx[])
{
  hsize_t  hn = (hsize_t)n;
  hid_t    space, dset;
  int64_t *raw;

  PetscFunctionBegin;
  PetscCall(PetscMalloc1(n, &raw));
  for (PetscInt k = 0; k < n; k++) raw[k] = idx[k];
  space = H5Screate_simple(1, &hn, NULL);
  MSH5Call(space, f->name, path, "create a dataspace");
  PetscCall(MSH5CreateDataset(f, path, H5T_STD_I64LE, space, &dset));
  MSH5Call(H5Dwrite(dset, H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, raw), f->name, path, "write the dataset");
  MSH5Call(H5Dclose(dset), f->name, path, "close the dataset");
  MSH5Call(H5Sclose(space), f->name, path, "close the dataspace");
  PetscCall(PetscFree(raw));
  PetscFunctionReturn(0);
}

/* Every rank of a file opened with MPI-IO writes entries [lo, hi) of a 1-D dataset of length n. */
PETSC_INTERN PetscErrorCode MSH5WriteRealCollective(MSH5File *f, const char path[], PetscInt n, PetscInt lo, PetscInt hi, const PetscScalar buf[])
{
  hsize_t hn = (hsize_t)n, start = (hsize_t)lo, count = (hsize_t)(hi - lo);
  hid_t   fspace, mspace, dset, dxpl;

  PetscFunctionBegin;
  fspace = H5Screate_simple(1, &hn, NULL);
  MSH5Call(fspace, f->name, path, "create a dataspace");
  PetscCall(MSH5CreateDataset(f, path, H5T_IEEE_F64LE, fspace, &dset));
  mspace = H5Screate_simple(1, &count, NULL);
  MSH5Call(mspace, f->name, path, "create a memory dataspace");
  if (count) MSH5Call(H5Sselect_hyperslab(fspace, H5S_SELECT_SET, &start, NULL, &count, NULL), f->name, path, "select a hyperslab");
  else {
    MSH5Call(H5Sselect_none(fspace), f->name, path, "select nothing");
    MSH5Call(H5Sselect_none(mspace), f->name, path, "select nothing");
  }
  dxpl = H5Pcreate(H5P_DATASET_XFER);
  MSH5Call(dxpl, f->name, path, "create a transfer list");
  MSH5Call(H5Pset_dxpl_mpio(dxpl, H5FD_MPIO_COLLECTIVE), f->name, path, "select collective MPI-IO");
  MSH5Call(H5Dwrite(dset, H5T_NATIVE_DOUBLE, mspace, fspace, dxpl, buf), f->name, path, "write the dataset");
  MSH5Call(H5Pclose(dxpl), f->name, path, "close a transfer list");
  MSH5Call(H5Sclose(mspace), f->name, path, "close the dataspace");
  MSH5Call(H5Sclose(fspace), f->name, path, "close the dataspace");
  MSH5Call(H5Dclose(dset), f->name, path, "close the dataset");
  PetscFunctionReturn(0);
}

/* Creates a group and any missing parents. */
PETSC_INTERN PetscErrorCode MSH5CreateGroup(MSH5File *f, const char path[])
{
  hid_t lcpl, gcpl, group;

  PetscFunctionBegin;
  lcpl = H5Pcreate(H5P_LINK_CREATE);
  MSH5Call(lcpl, f->name, path, "create a link list");
  MSH5Call(H5Pset_create_intermediate_group(lcpl, 1), f->name, path, "request parent groups");
  gcpl = H5Pcreate(H5P_GROUP_CREATE);
  MSH5Call(gcpl, f->name, path, "create a group creation list");
  MSH5Call(H5Pset_obj_track_times(gcpl, 0), f->name, path, "turn off time stamps");
  group = H5Gcreate2(f->id, path, lcpl, gcpl, H5P_DEFAULT);
  MSH5Call(H5Pclose(gcpl), f->name, path, "close a group creation list");
  MSH5Call(group, f->name, path, "create the group");
  MSH5Call(H5Gclose(group), f->name, path, "close the group");
  MSH5Call(H5Pclose(lcpl), f->name, path, "close a link list");
  PetscFunctionReturn(0);
}
