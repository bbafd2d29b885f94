/* Example 4: a binned simulation swept over overlapping parameter bins and joined into one
   curve. The "simulation" measures a damped resonance y(x) = sin(3 x) exp(-x / 4) with seeded
   measurement noise (sigma 0.05) at 64 points of its bin; bin b covers x in
   [b h, b h + 64 dx) with a hop of h = 32 dx (50% overlap). The bins are joined with a Tukey
   window (alpha 0.5) by weighted sums, so the join does not depend on completion order. */
#include <math.h>
#include "sweep.h"

#define BIN_LEN 64
#define BIN_HOP 32
#define BIN_DX  0.01

static PetscErrorCode BinsTask(MSFarmTask *task, PetscScalar *out, void *ctx)
{
  PetscFunctionBegin;
  for (PetscInt k = 0; k < BIN_LEN; k++) {
    double x = (task->index * BIN_HOP + k) * BIN_DX, u1, u2;

    PetscCall(MSRandomStreamUniform(&task->rng, &u1));
    PetscCall(MSRandomStreamUniform(&task->rng, &u2));
    out[k] = sin(3 * x) * exp(-x / 4) + 0.05 * sqrt(-2 * log1p(-u1)) * cos(2 * PETSC_PI * u2);
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode BinsSetup(MSFarm farm, PetscInt n, void **ctx)
{
  PetscFunctionBegin;
  PetscCall(MSFarmSetTasks(farm, n, BIN_LEN));
  *ctx = NULL;
  PetscFunctionReturn(0);
}

static PetscErrorCode BinsFinish(MSFarm farm, const PetscScalar *results, const char *output, void *ctx)
{
  PetscInt     n_bins, n_points;
  PetscInt    *start;
  PetscReal    w[BIN_LEN], *sw;
  PetscScalar *x, *wy, err = 0;

  PetscFunctionBegin;
  PetscCall(MSFarmGetTasks(farm, &n_bins, NULL));
  n_points = (n_bins - 1) * BIN_HOP + BIN_LEN;
  PetscCall(PetscMalloc1(n_bins, &start));
  PetscCall(PetscCalloc3(n_points, &x, n_points, &wy, n_points, &sw));
  for (PetscInt b = 0; b < n_bins; b++) start[b] = b * BIN_HOP;
  PetscCall(MSFarmTukeyWindow(BIN_LEN, 0.5, w));
  PetscCall(MSFarmJoinBins(n_points, n_bins, BIN_LEN, start, results, w, wy, sw));
  PetscCall(MSFarmJoinFinish(n_points, wy, sw, wy));
  for (PetscInt p = 0; p < n_points; p++) {
    x[p] = p * BIN_DX;
    err  = PetscMax(err, PetscAbsScalar(wy[p] - sin(3 * x[p]) * exp(-x[p] / 4)));
  }
  PetscCall(PetscPrintf(PETSC_COMM_SELF, "bins: %" PetscInt_FMT " bins of %d points joined into %" PetscInt_FMT " points; max |curve - exact| = %.3g (noise sigma 0.05)\n", n_bins, BIN_LEN, n_points, (double)err));
  PetscCall(MSAppSweepWriteCurve(output, n_points, x, wy, NULL));
  PetscCall(PetscFree(start));
  PetscCall(PetscFree3(x, wy, sw));
  PetscFunctionReturn(0);
}

static PetscErrorCode BinsDestroy(void **ctx)
{
  PetscFunctionBegin;
  *ctx = NULL;
  PetscFunctionReturn(0);
}

const MSAppSweepExample MSAppSweepBins = {"bins", "overlapping parameter bins joined by Tukey-weighted sums", 40, BinsTask, BinsSetup, BinsFinish, BinsDestroy};
