/* The per-task records and labels in the farm's HDF5 file (rank 0 only): /records, a compound
   dataset of one element per task (contiguous, allocated and zeroed at creation, written with
   each batch before the batch's status), and /labels, one variable-length string per task,
   written at creation and compared on resume. */
#include <string.h>
#include "farm/farmimpl.h"

#define MSFarmH5Call(call) PetscCheck((call) >= 0, PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "MSFarm: HDF5 call failed (a full disk?): %s", #call)

/* The compound type of the record, packed in the layout's order. */
static PetscErrorCode MSFarmH5RecordType(const MSFarmLayout *layout, hid_t *type)
{
  PetscFunctionBegin;
  MSFarmH5Call(*type = H5Tcreate(H5T_COMPOUND, layout->size));
  for (PetscInt f = 0; f < layout->n_fields; f++) {
    const MSFarmField *field = &layout->fields[f];

    if (field->type == MS_FARM_FIELD_STRING) {
      hid_t str;

      MSFarmH5Call(str = H5Tcopy(H5T_C_S1));
      MSFarmH5Call(H5Tset_size(str, field->size));
      MSFarmH5Call(H5Tinsert(*type, field->name, layout->offset[f], str));
      MSFarmH5Call(H5Tclose(str));
    } else MSFarmH5Call(H5Tinsert(*type, field->name, layout->offset[f], field->type == MS_FARM_FIELD_INT64 ? H5T_NATIVE_INT64 : H5T_NATIVE_DOUBLE));
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode MSFarmH5LabelType(hid_t *type)
{
  PetscFunctionBegin;
  MSFarmH5Call(*type = H5Tcopy(H5T_C_S1));
  MSFarmH5Call(H5Tset_size(*type, H5T_VARIABLE));
  MSFarmH5Call(H5Tset_cset(*type, H5T_CSET_UTF8));
  PetscFunctionReturn(0);
}

PetscErrorCode MSFarmH5CreateTaskData(MSFarmRun *run)
{
  MSFarm  farm    = run->farm;
  hsize_t dims[1] = {(hsize_t)farm->n_tasks};
  hid_t   type, space, dcpl, dset;

  PetscFunctionBegin;
  MSFarmH5Call(space = H5Screate_simple(1, dims, NULL));
  MSFarmH5Call(dcpl = H5Pcreate(H5P_DATASET_CREATE));
  MSFarmH5Call(H5Pset_obj_track_times(dcpl, 0));
  if (farm->labels) {
    PetscCall(MSFarmH5LabelType(&type));
    MSFarmH5Call(dset = H5Dcreate2(run->h5.file, "labels", type, space, H5P_DEFAULT, dcpl, H5P_DEFAULT));
    MSFarmH5Call(H5Dwrite(dset, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, farm->labels));
    MSFarmH5Call(H5Dclose(dset));
    MSFarmH5Call(H5Tclose(type));
  }
  if (farm->layout) {
    char *zero;

    PetscCall(PetscCalloc1(farm->layout->size, &zero));
    PetscCall(MSFarmH5RecordType(farm->layout, &type));
    MSFarmH5Call(H5Pset_layout(dcpl, H5D_CONTIGUOUS));
    MSFarmH5Call(H5Pset_alloc_time(dcpl, H5D_ALLOC_TIME_EARLY));
    MSFarmH5Call(H5Pset_fill_time(dcpl, H5D_FILL_TIME_ALLOC));
    MSFarmH5Call(H5Pset_fill_value(dcpl, type, zero));
    MSFarmH5Call(run->h5.records = H5Dcreate2(run->h5.file, "records", type, space, H5P_DEFAULT, dcpl, H5P_DEFAULT));
    MSFarmH5Call(H5Tclose(type));
    PetscCall(PetscFree(zero));
  }
  MSFarmH5Call(H5Pclose(dcpl));
  MSFarmH5Call(H5Sclose(space));
  PetscFunctionReturn(0);
}

/* The labels in the file against the farm's: the first differing task is named. */
static PetscErrorCode MSFarmH5CheckLabels(MSFarmRun *run, hid_t file)
{
  MSFarm         farm = run->farm;
  hid_t          dset, type, space, ftype;
  hsize_t        dims[1] = {0};
  char         **labels;
  PetscErrorCode ierr = 0;

  PetscFunctionBegin;
  dset = H5Dopen2(file, "labels", H5P_DEFAULT);
  PetscCheck(dset >= 0, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "MSFarm: %s has no /labels (it was not written with task labels); nothing was changed", farm->output);
  space = H5Dget_space(dset);
  ftype = H5Dget_type(dset);
  if (space < 0 || H5Sget_simple_extent_ndims(space) != 1 || H5Sget_simple_extent_dims(space, dims, NULL) != 1 || dims[0] != (hsize_t)farm->n_tasks || ftype < 0 || H5Tget_class(ftype) != H5T_STRING || H5Tis_variable_str(ftype) <= 0)
    ierr = PetscError(PETSC_COMM_SELF, __LINE__, PETSC_FUNCTION_NAME, __FILE__, PETSC_ERR_FILE_UNEXPECTED, PETSC_ERROR_INITIAL, "MSFarm: /labels of %s is not one string per task of this sweep (%" PetscInt_FMT " tasks); nothing was changed", farm->output, farm->n_tasks);
  if (ftype >= 0) H5Tclose(ftype);
  if (!ierr) {
    PetscCall(PetscCalloc1(farm->n_tasks, &labels));
    PetscCall(MSFarmH5LabelType(&type));
    if (H5Dread(dset, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, labels) < 0) ierr = PetscError(PETSC_COMM_SELF, __LINE__, PETSC_FUNCTION_NAME, __FILE__, PETSC_ERR_FILE_UNEXPECTED, PETSC_ERROR_INITIAL, "MSFarm: cannot read /labels of %s; nothing was changed", farm->output);
    for (PetscInt k = 0; !ierr && k < farm->n_tasks; k++)
      if (strcmp(labels[k] ? labels[k] : "", farm->labels[k])) ierr = PetscError(PETSC_COMM_SELF, __LINE__, PETSC_FUNCTION_NAME, __FILE__, PETSC_ERR_FILE_UNEXPECTED, PETSC_ERROR_INITIAL, "MSFarm: %s belongs to another task list: task %" PetscInt_FMT " is \"%.80s\" in the file, \"%.80s\" here; nothing was changed", farm->output, k, labels[k] ? labels[k] : "", farm->labels[k]);
    (void)H5Dvlen_reclaim(type, space, H5P_DEFAULT, labels);
    H5Tclose(type);
    PetscCall(PetscFree(labels));
  }
  if (space >= 0) H5Sclose(space);
  H5Dclose(dset);
  PetscCall(ierr);
  PetscFunctionReturn(0);
}

PetscErrorCode MSFarmH5CheckTaskData(MSFarmRun *run, hid_t file)
{
  MSFarm farm = run->farm;

  PetscFunctionBegin;
  PetscCheck(!!farm->labels == (H5Lexists(file, "labels", H5P_DEFAULT) > 0), PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "MSFarm: %s belongs to another sweep: it %s task labels, this sweep %s; nothing was changed", farm->output, farm->labels ? "has no" : "has", farm->labels ? "has" : "none");
  PetscCheck(!!farm->layout == (H5Lexists(file, "records", H5P_DEFAULT) > 0), PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "MSFarm: %s belongs to another sweep: it %s task records, this sweep %s; nothing was changed", farm->output, farm->layout ? "has no" : "has", farm->layout ? "has" : "none");
  if (farm->labels) PetscCall(MSFarmH5CheckLabels(run, file));
  if (farm->layout) {
    hid_t   dset, mine, theirs = -1, space = -1;
    hsize_t dims[1] = {0};
    htri_t  same    = 0;

    PetscCall(MSFarmH5RecordType(farm->layout, &mine));
    dset = H5Dopen2(file, "records", H5P_DEFAULT);
    if (dset >= 0) {
      theirs = H5Dget_type(dset);
      space  = H5Dget_space(dset);
    }
    if (theirs >= 0 && space >= 0 && H5Sget_simple_extent_ndims(space) == 1 && H5Sget_simple_extent_dims(space, dims, NULL) == 1 && dims[0] == (hsize_t)farm->n_tasks) same = H5Tequal(mine, theirs);
    if (space >= 0) H5Sclose(space);
    if (theirs >= 0) H5Tclose(theirs);
    if (dset >= 0) H5Dclose(dset);
    H5Tclose(mine);
    PetscCheck(same > 0, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "MSFarm: /records of %s does not have the fields or the shape of this sweep's records; nothing was changed", farm->output);
  }
  PetscFunctionReturn(0);
}

PetscErrorCode MSFarmH5OpenTaskData(MSFarmRun *run)
{
  PetscFunctionBegin;
  if (run->farm->layout) MSFarmH5Call(run->h5.records = H5Dopen2(run->h5.file, "records", H5P_DEFAULT));
  PetscFunctionReturn(0);
}

/* The records of a batch, in one write (a point selection in the batch's order). */
PetscErrorCode MSFarmH5WriteTaskRecords(MSFarmRun *run, const MSFarmRecord *recs, PetscInt n)
{
  const MSFarmLayout *layout = run->farm->layout;
  hsize_t            *points, mdims[1] = {(hsize_t)n};
  char               *buf;
  hid_t               type, fspace, mspace;

  PetscFunctionBegin;
  if (!layout || !n) PetscFunctionReturn(0);
  PetscCall(PetscMalloc2(n, &points, (size_t)n * layout->size, &buf));
  for (PetscInt t = 0; t < n; t++) {
    points[t] = (hsize_t)recs[t].index;
    memcpy(buf + (size_t)t * layout->size, recs[t].record, layout->size);
  }
  PetscCall(MSFarmH5RecordType(layout, &type));
  MSFarmH5Call(fspace = H5Dget_space(run->h5.records));
  MSFarmH5Call(H5Sselect_elements(fspace, H5S_SELECT_SET, (size_t)n, points));
  MSFarmH5Call(mspace = H5Screate_simple(1, mdims, NULL));
  MSFarmH5Call(H5Dwrite(run->h5.records, type, mspace, fspace, H5P_DEFAULT, buf));
  MSFarmH5Call(H5Sclose(mspace));
  MSFarmH5Call(H5Sclose(fspace));
  MSFarmH5Call(H5Tclose(type));
  MSFarmH5Call(H5Dflush(run->h5.records));
  PetscCall(PetscFree2(points, buf));
  PetscFunctionReturn(0);
}
