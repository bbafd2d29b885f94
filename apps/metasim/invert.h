/* metasim invert: the inversion of a problem file's simulations against its observed data, in
   beta stages on PETSc TAO, with its results and history in an HDF5 file that --resume continues. */
#ifndef METASIM_APP_INVERT_H
#define METASIM_APP_INVERT_H

#include "inversion.h"
#include "apputil.h"

/* The columns of one history row. */
typedef enum {
  INV_COL_STAGE,
  INV_COL_ITERATION,
  INV_COL_PHI_D,
  INV_COL_PHI_M,
  INV_COL_BETA,
  INV_COL_GNORM,
  INV_NCOLS
} InvColumn;
#define INV_COLUMN_NAMES "stage iteration phi_d phi_m beta gnorm"

/* Rows of the iteration table, the same on every rank (each value is a global reduction). */
typedef struct {
  PetscInt   n, max;
  PetscReal *rows; /* n x INV_NCOLS, row-major */
} InvHistory;

/* The command line. */
typedef struct {
  const char *file, *out, *data, *std, *start, *reference, *regularization;
  PetscBool   quiet, force, resume;
  PetscReal   beta0, cooling, target_chi2, alpha_s, alpha[INVERSION_MAX_DIM];
  PetscInt    cooling_rate, stages;
} InvOptions;

/* The state of a run: what OUT records and --resume restores. */
typedef struct {
  InvOptions         o;
  char              *command;
  MSMeta             meta;
  Vec                m;
  InversionObjective obj;
  Mat                H;
  PetscInt           n_data, stage, iterations; /* stage: the next stage to run */
  PetscBool          target_reached;
  PetscReal          phi_d, phi_m;
  InvHistory         history;
} InvRun;

PetscErrorCode InvHistoryAppend(InvHistory *, const PetscReal[]);
PetscErrorCode InvHistoryDestroy(InvHistory *);
PetscErrorCode InvRunStages(InvRun *);
PetscErrorCode InvWriteOutput(InvRun *);
PetscErrorCode InvReadOutput(InvRun *);

#endif
