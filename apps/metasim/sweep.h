/* The example sweeps of `metasim sweep`: each file sweep_<name>.c defines one. */
#ifndef METASIM_APP_SWEEP_H
#define METASIM_APP_SWEEP_H

#include <metasim.h>

typedef struct MSAppSweepExample MSAppSweepExample;
struct MSAppSweepExample {
  const char  *name, *summary;
  PetscInt     default_n;
  MSFarmTaskFn task;
  /* sizes the farm for n (tasks, grid or inputs) and creates the task context */
  PetscErrorCode (*setup)(MSFarm farm, PetscInt n, void **ctx);
  /* rank 0, every task done: summarises the results and writes derived data (e.g. /curve) */
  PetscErrorCode (*finish)(MSFarm farm, const PetscScalar *results, const char *output, void *ctx);
  PetscErrorCode (*destroy)(void **ctx);
};

extern const MSAppSweepExample MSAppSweepSquares, MSAppSweepLIF, MSAppSweepHermitian, MSAppSweepBins;

/* Rank 0: writes /curve/x and /curve/y (replacing them) into a results file, for plotting. */
PetscErrorCode MSAppSweepWriteCurve(const char *output, PetscInt n, const PetscScalar *x, const PetscScalar *y, const PetscScalar *err);

#endif
