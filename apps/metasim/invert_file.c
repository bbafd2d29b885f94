/* metasim invert's output file: the recovered model, the iteration history and the state of the
   beta schedule (HDF5 through PETSc's viewer), written as OUT.tmp-XXXXXX and renamed when
   complete, and read back by --resume. */
#include <stdio.h>
#include <unistd.h>
#include <petscviewerhdf5.h>
#include <petsclayouthdf5.h>
#include "invert.h"

#define INV_FORMAT_NAME "metasim-inversion"

/* The history as a (n, INV_NCOLS) vector held by rank 0. */
static PetscErrorCode InvHistoryCreateVec(PetscInt n, Vec *v)
{
  PetscMPIInt rank;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(PETSC_COMM_WORLD, &rank));
  PetscCall(VecCreate(PETSC_COMM_WORLD, v));
  PetscCall(VecSetSizes(*v, rank ? 0 : n * INV_NCOLS, n * INV_NCOLS));
  PetscCall(VecSetBlockSize(*v, INV_NCOLS));
  PetscCall(VecSetType(*v, VECMPI));
  PetscCall(PetscObjectSetName((PetscObject)*v, "history"));
  PetscFunctionReturn(0);
}

static PetscErrorCode InvWriteAttrInt(PetscViewer v, const char name[], PetscInt value)
{
  PetscFunctionBegin;
  PetscCall(PetscViewerHDF5WriteAttribute(v, "/", name, PETSC_INT, &value));
  PetscFunctionReturn(0);
}

static PetscErrorCode InvWriteAttrReal(PetscViewer v, const char name[], PetscReal value)
{
  PetscFunctionBegin;
  PetscCall(PetscViewerHDF5WriteAttribute(v, "/", name, PETSC_REAL, &value));
  PetscFunctionReturn(0);
}

static PetscErrorCode InvWriteFile(InvRun *run, const char tmp[])
{
  PetscViewer  v;
  Vec          h;
  PetscScalar *a;
  PetscMPIInt  size;
  const char  *version;
  PetscInt     n_model;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_size(PETSC_COMM_WORLD, &size));
  PetscCall(MSGetVersion(&version));
  PetscCall(VecGetSize(run->m, &n_model));
  PetscCall(PetscViewerHDF5Open(PETSC_COMM_WORLD, tmp, FILE_MODE_WRITE, &v));
  PetscCall(PetscObjectSetName((PetscObject)run->m, "m"));
  PetscCall(VecView(run->m, v));
  PetscCall(InvHistoryCreateVec(run->history.n, &h));
  PetscCall(VecGetArrayWrite(h, &a));
  if (a) PetscCall(PetscArraycpy(a, run->history.rows, run->history.n * INV_NCOLS));
  PetscCall(VecRestoreArrayWrite(h, &a));
  PetscCall(VecView(h, v));
  PetscCall(VecDestroy(&h));
  PetscCall(PetscViewerHDF5WriteAttribute(v, "/", "format", PETSC_STRING, INV_FORMAT_NAME));
  PetscCall(InvWriteAttrInt(v, "format_version", 1));
  PetscCall(PetscViewerHDF5WriteAttribute(v, "/", "metasim_version", PETSC_STRING, version));
  PetscCall(PetscViewerHDF5WriteAttribute(v, "/", "problem", PETSC_STRING, run->o.file));
  PetscCall(PetscViewerHDF5WriteAttribute(v, "/", "command", PETSC_STRING, run->command));
  PetscCall(PetscViewerHDF5WriteAttribute(v, "/", "history_columns", PETSC_STRING, INV_COLUMN_NAMES));
  PetscCall(InvWriteAttrInt(v, "n_ranks", size));
  PetscCall(InvWriteAttrInt(v, "n_model", n_model));
  PetscCall(InvWriteAttrInt(v, "n_data", run->n_data));
  PetscCall(InvWriteAttrInt(v, "stages_done", run->stage));
  PetscCall(InvWriteAttrInt(v, "iterations", run->iterations));
  PetscCall(InvWriteAttrInt(v, "target_reached", run->target_reached ? 1 : 0));
  PetscCall(InvWriteAttrReal(v, "beta0", run->o.beta0));
  PetscCall(InvWriteAttrReal(v, "cooling_factor", run->o.cooling));
  PetscCall(InvWriteAttrReal(v, "target_chi2", run->o.target_chi2));
  PetscCall(InvWriteAttrReal(v, "phi_d", run->phi_d));
  PetscCall(InvWriteAttrReal(v, "phi_m", run->phi_m));
  PetscCall(InvWriteAttrReal(v, "chi2", 2.0 * run->phi_d / (PetscReal)run->n_data));
  PetscCall(PetscViewerDestroy(&v));
  PetscFunctionReturn(0);
}

/*
  InvWriteOutput - writes OUT (model, history, schedule state) under a temporary name that rank 0
  renames to OUT once every rank is done; on failure removes it, so OUT is always complete

  Collective
*/
PetscErrorCode InvWriteOutput(InvRun *run)
{
  char           tmp[PETSC_MAX_PATH_LEN];
  PetscMPIInt    rank;
  PetscErrorCode ierr;
  int            moved = 0;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(PETSC_COMM_WORLD, &rank));
  if (!rank) PetscCall(PetscSNPrintf(tmp, sizeof(tmp), "%s.tmp-%06d", run->o.out, (int)(getpid() % 1000000)));
  PetscCallMPI(MPI_Bcast(tmp, sizeof(tmp), MPI_CHAR, 0, PETSC_COMM_WORLD));
  PetscCall(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));
  ierr = InvWriteFile(run, tmp);
  PetscCall(PetscPopErrorHandler());
  PetscCallMPI(MPI_Barrier(PETSC_COMM_WORLD));
  if (!rank) {
    if (ierr) (void)remove(tmp);
    else moved = rename(tmp, run->o.out) == 0;
  }
  PetscCallMPI(MPI_Bcast(&moved, 1, MPI_INT, 0, PETSC_COMM_WORLD));
  PetscCall(ierr);
  PetscCheck(moved, PETSC_COMM_WORLD, PETSC_ERR_FILE_WRITE, "%s: cannot rename %s to it", run->o.out, tmp);
  PetscFunctionReturn(0);
}

static PetscErrorCode InvReadAttrInt(PetscViewer v, const char out[], const char name[], PetscInt *value)
{
  PetscBool has;

  PetscFunctionBegin;
  PetscCall(PetscViewerHDF5HasAttribute(v, "/", name, &has));
  PetscCheck(has, PETSC_COMM_WORLD, PETSC_ERR_FILE_UNEXPECTED, "%s: missing attribute \"%s\" (not a metasim invert output?)", out, name);
  PetscCall(PetscViewerHDF5ReadAttribute(v, "/", name, PETSC_INT, NULL, value));
  PetscFunctionReturn(0);
}

static PetscErrorCode InvReadAttrReal(PetscViewer v, const char out[], const char name[], PetscReal *value)
{
  PetscBool has;

  PetscFunctionBegin;
  PetscCall(PetscViewerHDF5HasAttribute(v, "/", name, &has));
  PetscCheck(has, PETSC_COMM_WORLD, PETSC_ERR_FILE_UNEXPECTED, "%s: missing attribute \"%s\" (not a metasim invert output?)", out, name);
  PetscCall(PetscViewerHDF5ReadAttribute(v, "/", name, PETSC_REAL, NULL, value));
  PetscFunctionReturn(0);
}

static PetscErrorCode InvReadFile(InvRun *run, PetscViewer v)
{
  const char  *out = run->o.out;
  char        *format = NULL;
  PetscBool    ok;
  PetscInt     n_model, n_file, n_data, reached, n_rows;
  PetscScalar *a;
  Vec          h;

  PetscFunctionBegin;
  PetscCall(PetscViewerHDF5HasAttribute(v, "/", "format", &ok));
  if (ok) PetscCall(PetscViewerHDF5ReadAttribute(v, "/", "format", PETSC_STRING, NULL, &format));
  if (ok) PetscCall(PetscStrcmp(format, INV_FORMAT_NAME, &ok));
  PetscCall(PetscFree(format));
  PetscCheck(ok, PETSC_COMM_WORLD, PETSC_ERR_FILE_UNEXPECTED, "%s: not a metasim invert output (format attribute is not \"%s\")", out, INV_FORMAT_NAME);
  PetscCall(VecGetSize(run->m, &n_model));
  PetscCall(InvReadAttrInt(v, out, "n_model", &n_file));
  PetscCall(InvReadAttrInt(v, out, "n_data", &n_data));
  PetscCheck(n_file == n_model && n_data == run->n_data, PETSC_COMM_WORLD, PETSC_ERR_FILE_UNEXPECTED, "%s: written for a problem of %" PetscInt_FMT " model entries and %" PetscInt_FMT " data, %s has %" PetscInt_FMT " and %" PetscInt_FMT, out, n_file, n_data, run->o.file, n_model, run->n_data);
  PetscCall(InvReadAttrInt(v, out, "stages_done", &run->stage));
  PetscCall(InvReadAttrInt(v, out, "iterations", &run->iterations));
  PetscCall(InvReadAttrInt(v, out, "target_reached", &reached));
  run->target_reached = reached ? PETSC_TRUE : PETSC_FALSE;
  PetscCall(InvReadAttrReal(v, out, "beta0", &run->o.beta0));
  PetscCall(InvReadAttrReal(v, out, "cooling_factor", &run->o.cooling));
  PetscCall(InvReadAttrReal(v, out, "phi_d", &run->phi_d));
  PetscCall(InvReadAttrReal(v, out, "phi_m", &run->phi_m));
  PetscCall(PetscObjectSetName((PetscObject)run->m, "m"));
  PetscCall(VecLoad(run->m, v));
  PetscCall(PetscViewerHDF5ReadSizes(v, "history", NULL, &n_rows));
  PetscCheck(n_rows % INV_NCOLS == 0, PETSC_COMM_WORLD, PETSC_ERR_FILE_UNEXPECTED, "%s: /history has %" PetscInt_FMT " entries, not rows of %d", out, n_rows, (int)INV_NCOLS);
  n_rows /= INV_NCOLS;
  PetscCall(InvHistoryCreateVec(n_rows, &h));
  PetscCall(VecLoad(h, v));
  PetscCall(InvHistoryDestroy(&run->history));
  run->history.max = run->history.n = n_rows;
  PetscCall(PetscMalloc1(n_rows * INV_NCOLS, &run->history.rows));
  PetscCall(VecGetArray(h, &a));
  if (a) PetscCall(PetscArraycpy(run->history.rows, a, n_rows * INV_NCOLS));
  PetscCall(VecRestoreArray(h, &a));
  PetscCall(VecDestroy(&h));
  PetscCallMPI(MPI_Bcast(run->history.rows, (PetscMPIInt)(n_rows * INV_NCOLS), MPIU_REAL, 0, PETSC_COMM_WORLD));
  PetscFunctionReturn(0);
}

/*
  InvReadOutput - restores a run from OUT for --resume: the model, the history, the completed
  stages and the schedule (beta0, cooling factor) it was written with

  Collective
*/
PetscErrorCode InvReadOutput(InvRun *run)
{
  PetscViewer v;

  PetscFunctionBegin;
  PetscCall(PetscViewerHDF5Open(PETSC_COMM_WORLD, run->o.out, FILE_MODE_READ, &v));
  PetscCall(InvReadFile(run, v));
  PetscCall(PetscViewerDestroy(&v));
  PetscFunctionReturn(0);
}
