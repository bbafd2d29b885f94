/* DC resistivity simulations in problem files (type "dcr"): the group of simulation i holds
   grid/{x,y,z} (cell edges), sources/ (attribute n_sources; a, optional b with dipole, current)
   and receivers/ (attribute n_receivers; source, m, optional n with difference). */
#include "io/ioformat.h"

static const char *const MSIODCRAxes[3] = {"x", "y", "z"};

/* Checks that path is a float64 (n, 3) dataset: n points. */
static PetscErrorCode MSIOCheckPoints(MSH5File *f, const char path[], PetscInt n)
{
  PetscInt dims[2];

  PetscFunctionBegin;
  PetscCall(MSH5GetShape(f, path, MS_H5_FLOAT64, 2, dims));
  PetscCheck(dims[0] == n && dims[1] == 3, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: %s: wrong shape, %" PetscInt_FMT " x %" PetscInt_FMT ", expected %" PetscInt_FMT " x 3", f->name, path, dims[0], dims[1], n);
  PetscFunctionReturn(0);
}

/* Reads n points, a float64 (n, 3) dataset, into xyz (3 n entries). */
static PetscErrorCode MSIOReadPoints(MSH5File *f, const char path[], PetscInt n, PetscReal xyz[])
{
  PetscFunctionBegin;
  PetscCall(MSIOCheckPoints(f, path, n));
  PetscCall(MSH5ReadReal(f, path, 3 * n, xyz));
  PetscFunctionReturn(0);
}

/* Reads n int64 values, each in [0, bound), a dataset of shape (n,). */
static PetscErrorCode MSIOReadIntegers(MSH5File *f, const char path[], PetscInt n, PetscInt bound, PetscInt values[])
{
  PetscInt        len;
  IS              is;
  const PetscInt *idx;

  PetscFunctionBegin;
  PetscCall(MSH5GetShape(f, path, MS_H5_INT64, 1, &len));
  PetscCheck(len == n, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: %s: wrong shape, %" PetscInt_FMT " entries, expected %" PetscInt_FMT, f->name, path, len, n);
  PetscCall(MSH5ReadIndices(f, path, n, bound, &is));
  PetscCall(ISGetIndices(is, &idx));
  PetscCall(PetscArraycpy(values, idx, n));
  PetscCall(ISRestoreIndices(is, &idx));
  PetscCall(ISDestroy(&is));
  PetscFunctionReturn(0);
}

/* Whether the optional pair (points, flags) of a group is present: both or neither. */
static PetscErrorCode MSIOHasOptionalPair(MSH5File *f, const char group[], const char points[], const char flags[], PetscBool *has)
{
  char      ppath[PETSC_MAX_PATH_LEN], fpath[PETSC_MAX_PATH_LEN];
  PetscBool has_points, has_flags;

  PetscFunctionBegin;
  PetscCall(PetscSNPrintf(ppath, sizeof(ppath), "%s/%s", group, points));
  PetscCall(PetscSNPrintf(fpath, sizeof(fpath), "%s/%s", group, flags));
  PetscCall(MSH5Exists(f, ppath, &has_points));
  PetscCall(MSH5Exists(f, fpath, &has_flags));
  PetscCheck(has_points == has_flags, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: %s: missing (%s and %s go together)", f->name, has_points ? fpath : ppath, points, flags);
  *has = has_points;
  PetscFunctionReturn(0);
}

/* Scratch arrays of a read, freed by the caller whatever happens. */
typedef struct {
  PetscReal *xyz;
  PetscInt  *ints;
} MSIODCRScratch;

static PetscErrorCode MSIODCRScratchSize(MSIODCRScratch *s, PetscInt n)
{
  PetscFunctionBegin;
  PetscCall(PetscFree(s->xyz));
  PetscCall(PetscFree(s->ints));
  PetscCall(PetscMalloc1(3 * n, &s->xyz));
  PetscCall(PetscMalloc1(n, &s->ints));
  PetscFunctionReturn(0);
}

static PetscErrorCode MSIOReadDCRGrid(MSH5File *f, const char group[], MSDCRSpec *spec)
{
  char path[PETSC_MAX_PATH_LEN];

  PetscFunctionBegin;
  for (PetscInt d = 0; d < 3; d++) {
    PetscInt   len;
    PetscReal *e;

    PetscCall(PetscSNPrintf(path, sizeof(path), "%s/grid/%s", group, MSIODCRAxes[d]));
    PetscCall(MSH5GetShape(f, path, MS_H5_FLOAT64, 1, &len));
    PetscCall(MSH5Memory(f, path, PetscMalloc1(len, &e)));
    spec->edges[d] = e;
    spec->cells[d] = len - 1;
    PetscCall(MSH5ReadReal(f, path, len, e));
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode MSIOReadDCRSources(MSH5File *f, const char group[], MSDCRSpec *spec, MSIODCRScratch *scratch)
{
  char             path[PETSC_MAX_PATH_LEN], name[PETSC_MAX_PATH_LEN];
  MSDCRSourceSpec *src;
  PetscBool        has_b;
  PetscInt         n;

  PetscFunctionBegin;
  PetscCall(PetscSNPrintf(path, sizeof(path), "%s/sources", group));
  PetscCall(MSH5ReadAttrInt(f, path, "n_sources", &n));
  spec->n_sources = n;
  if (!n) PetscFunctionReturn(0); /* reported by MSIODCRSpecCheck() */
  PetscCall(PetscSNPrintf(name, sizeof(name), "%s/a", path));
  PetscCall(MSIOCheckPoints(f, name, n));
  PetscCall(PetscCalloc1(n, &src));
  spec->sources = src;
  PetscCall(MSIODCRScratchSize(scratch, n));
  PetscCall(MSIOReadPoints(f, name, n, scratch->xyz));
  for (PetscInt s = 0; s < n; s++) PetscCall(PetscArraycpy(src[s].a, &scratch->xyz[3 * s], 3));
  PetscCall(PetscSNPrintf(name, sizeof(name), "%s/current", path));
  PetscCall(MSH5GetShape(f, name, MS_H5_FLOAT64, 1, &n));
  PetscCheck(n == spec->n_sources, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: %s: wrong shape, %" PetscInt_FMT " entries, expected n_sources = %" PetscInt_FMT, f->name, name, n, spec->n_sources);
  PetscCall(MSH5ReadReal(f, name, n, scratch->xyz));
  for (PetscInt s = 0; s < n; s++) src[s].current = scratch->xyz[s];
  PetscCall(MSIOHasOptionalPair(f, path, "b", "dipole", &has_b));
  if (!has_b) PetscFunctionReturn(0);
  PetscCall(PetscSNPrintf(name, sizeof(name), "%s/dipole", path));
  PetscCall(MSIOReadIntegers(f, name, n, 2, scratch->ints));
  PetscCall(PetscSNPrintf(name, sizeof(name), "%s/b", path));
  PetscCall(MSIOReadPoints(f, name, n, scratch->xyz));
  for (PetscInt s = 0; s < n; s++) {
    src[s].dipole = scratch->ints[s] ? PETSC_TRUE : PETSC_FALSE;
    PetscCall(PetscArraycpy(src[s].b, &scratch->xyz[3 * s], 3));
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode MSIOReadDCRReceivers(MSH5File *f, const char group[], MSDCRSpec *spec, MSIODCRScratch *scratch)
{
  char               path[PETSC_MAX_PATH_LEN], name[PETSC_MAX_PATH_LEN];
  MSDCRReceiverSpec *rx;
  PetscBool          has_n;
  PetscInt           n;

  PetscFunctionBegin;
  PetscCall(PetscSNPrintf(path, sizeof(path), "%s/receivers", group));
  PetscCall(MSH5ReadAttrInt(f, path, "n_receivers", &n));
  spec->n_receivers = n;
  if (!n) PetscFunctionReturn(0); /* reported by MSIODCRSpecCheck() */
  PetscCall(PetscSNPrintf(name, sizeof(name), "%s/m", path));
  PetscCall(MSIOCheckPoints(f, name, n));
  PetscCall(PetscCalloc1(n, &rx));
  spec->receivers = rx;
  PetscCall(MSIODCRScratchSize(scratch, n));
  PetscCall(PetscSNPrintf(name, sizeof(name), "%s/source", path));
  PetscCall(MSIOReadIntegers(f, name, n, PETSC_MAX_INT, scratch->ints));
  for (PetscInt r = 0; r < n; r++) rx[r].source = scratch->ints[r];
  PetscCall(PetscSNPrintf(name, sizeof(name), "%s/m", path));
  PetscCall(MSIOReadPoints(f, name, n, scratch->xyz));
  for (PetscInt r = 0; r < n; r++) PetscCall(PetscArraycpy(rx[r].m, &scratch->xyz[3 * r], 3));
  PetscCall(MSIOHasOptionalPair(f, path, "n", "difference", &has_n));
  if (!has_n) PetscFunctionReturn(0);
  PetscCall(PetscSNPrintf(name, sizeof(name), "%s/difference", path));
  PetscCall(MSIOReadIntegers(f, name, n, 2, scratch->ints));
  PetscCall(PetscSNPrintf(name, sizeof(name), "%s/n", path));
  PetscCall(MSIOReadPoints(f, name, n, scratch->xyz));
  for (PetscInt r = 0; r < n; r++) {
    rx[r].difference = scratch->ints[r] ? PETSC_TRUE : PETSC_FALSE;
    PetscCall(PetscArraycpy(rx[r].n, &scratch->xyz[3 * r], 3));
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode MSIOReadDCRArrays(MSH5File *f, const char group[], MSDCRSpec *spec, MSIODCRScratch *scratch)
{
  PetscFunctionBegin;
  PetscCall(MSIOReadDCRGrid(f, group, spec));
  PetscCall(MSIOReadDCRSources(f, group, spec, scratch));
  PetscCall(MSIOReadDCRReceivers(f, group, spec, scratch));
  PetscCall(MSIODCRSpecCheck(spec, f->name, group));
  PetscFunctionReturn(0);
}

/* Reads and checks the description of the dcr simulation in group; free it with
   MSIODCRSpecFree(). On failure nothing is left allocated. */
PETSC_INTERN PetscErrorCode MSIOReadDCRSpec(MSH5File *f, const char group[], MSDCRSpec *spec)
{
  MSIODCRScratch scratch = {NULL, NULL};
  PetscErrorCode ierr;

  PetscFunctionBegin;
  PetscCall(PetscMemzero(spec, sizeof(*spec)));
  ierr = MSIOReadDCRArrays(f, group, spec, &scratch);
  PetscCall(PetscFree(scratch.xyz));
  PetscCall(PetscFree(scratch.ints));
  if (ierr) PetscCall(MSIODCRSpecFree(spec));
  PetscCall(ierr);
  PetscFunctionReturn(0);
}

/* The sizes of the dcr simulation in group, from dataset shapes and attributes only. */
PETSC_INTERN PetscErrorCode MSIODescribeDCR(MSH5File *f, const char group[], MSProblemSimInfo *info)
{
  char path[PETSC_MAX_PATH_LEN];

  PetscFunctionBegin;
  info->n_sub = 1;
  for (PetscInt d = 0; d < 3; d++) {
    PetscInt len;

    PetscCall(PetscSNPrintf(path, sizeof(path), "%s/grid/%s", group, MSIODCRAxes[d]));
    PetscCall(MSH5GetShape(f, path, MS_H5_FLOAT64, 1, &len));
    PetscCheck(len >= 3, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: %s: the grid needs at least 2 cells (3 edges) along %s, got %" PetscInt_FMT " cell(s)", f->name, path, MSIODCRAxes[d], len - 1);
    info->cells[d] = len - 1;
    info->n_sub *= len - 1;
  }
  PetscCall(PetscSNPrintf(path, sizeof(path), "%s/sources", group));
  PetscCall(MSH5ReadAttrInt(f, path, "n_sources", &info->n_sources));
  PetscCall(PetscSNPrintf(path, sizeof(path), "%s/receivers", group));
  PetscCall(MSH5ReadAttrInt(f, path, "n_receivers", &info->n_data));
  PetscFunctionReturn(0);
}

/* Writes the (checked) description of a dcr simulation into group. */
PETSC_INTERN PetscErrorCode MSIOWriteDCRSpec(MSH5File *f, const char group[], const MSDCRSpec *spec)
{
  char       path[PETSC_MAX_PATH_LEN], name[PETSC_MAX_PATH_LEN];
  PetscInt   n   = PetscMax(spec->n_sources, spec->n_receivers), shape[2] = {0, 3};
  PetscReal *xyz = NULL, *xyz2 = NULL, *values = NULL;
  PetscInt  *ints = NULL;
  PetscBool  any  = PETSC_FALSE;

  PetscFunctionBegin;
  for (PetscInt d = 0; d < 3; d++) {
    PetscCall(PetscSNPrintf(path, sizeof(path), "%s/grid/%s", group, MSIODCRAxes[d]));
    PetscCall(MSH5WriteReal(f, path, 1, (PetscInt[]){spec->cells[d] + 1}, spec->edges[d]));
  }
  PetscCall(PetscMalloc4(3 * n, &xyz, 3 * n, &xyz2, n, &values, n, &ints));
  PetscCall(PetscSNPrintf(path, sizeof(path), "%s/sources", group));
  PetscCall(MSH5CreateGroup(f, path));
  PetscCall(MSH5WriteAttrInt(f, path, "n_sources", spec->n_sources));
  for (PetscInt s = 0; s < spec->n_sources; s++) {
    const MSDCRSourceSpec *src = &spec->sources[s];

    PetscCall(PetscArraycpy(&xyz[3 * s], src->a, 3));
    PetscCall(PetscArraycpy(&xyz2[3 * s], src->dipole ? src->b : src->a, 3));
    values[s] = src->current;
    ints[s]   = src->dipole ? 1 : 0;
    any       = any || src->dipole ? PETSC_TRUE : PETSC_FALSE;
  }
  shape[0] = spec->n_sources;
  PetscCall(PetscSNPrintf(name, sizeof(name), "%s/a", path));
  PetscCall(MSH5WriteReal(f, name, 2, shape, xyz));
  PetscCall(PetscSNPrintf(name, sizeof(name), "%s/current", path));
  PetscCall(MSH5WriteReal(f, name, 1, shape, values));
  if (any) {
    PetscCall(PetscSNPrintf(name, sizeof(name), "%s/b", path));
    PetscCall(MSH5WriteReal(f, name, 2, shape, xyz2));
    PetscCall(PetscSNPrintf(name, sizeof(name), "%s/dipole", path));
    PetscCall(MSH5WriteIndices(f, name, spec->n_sources, ints));
  }
  PetscCall(PetscSNPrintf(path, sizeof(path), "%s/receivers", group));
  PetscCall(MSH5CreateGroup(f, path));
  PetscCall(MSH5WriteAttrInt(f, path, "n_receivers", spec->n_receivers));
  any = PETSC_FALSE;
  for (PetscInt r = 0; r < spec->n_receivers; r++) {
    const MSDCRReceiverSpec *rx = &spec->receivers[r];

    PetscCall(PetscArraycpy(&xyz[3 * r], rx->m, 3));
    PetscCall(PetscArraycpy(&xyz2[3 * r], rx->difference ? rx->n : rx->m, 3));
    ints[r] = rx->source;
    any     = any || rx->difference ? PETSC_TRUE : PETSC_FALSE;
  }
  shape[0] = spec->n_receivers;
  PetscCall(PetscSNPrintf(name, sizeof(name), "%s/source", path));
  PetscCall(MSH5WriteIndices(f, name, spec->n_receivers, ints));
  PetscCall(PetscSNPrintf(name, sizeof(name), "%s/m", path));
  PetscCall(MSH5WriteReal(f, name, 2, shape, xyz));
  if (any) {
    for (PetscInt r = 0; r < spec->n_receivers; r++) ints[r] = spec->receivers[r].difference ? 1 : 0;
    PetscCall(PetscSNPrintf(name, sizeof(name), "%s/n", path));
    PetscCall(MSH5WriteReal(f, name, 2, shape, xyz2));
    PetscCall(PetscSNPrintf(name, sizeof(name), "%s/difference", path));
    PetscCall(MSH5WriteIndices(f, name, spec->n_receivers, ints));
  }
  PetscCall(PetscFree4(xyz, xyz2, values, ints));
  PetscFunctionReturn(0);
}
