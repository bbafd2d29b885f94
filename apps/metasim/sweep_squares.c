/* Example 1: squares of seeded random integers in [0, 10), one per task. */
#include "sweep.h"

static PetscErrorCode SquaresTask(MSFarmTask *task, PetscScalar *out, void *ctx)
{
  uint64_t k;

  PetscFunctionBegin;
  PetscCall(MSRandomStreamInteger(&task->rng, 10, &k));
  out[0] = (PetscScalar)(k * k);
  PetscFunctionReturn(0);
}

static PetscErrorCode SquaresSetup(MSFarm farm, PetscInt n, void **ctx)
{
  PetscFunctionBegin;
  PetscCall(MSFarmSetTasks(farm, n, 1));
  *ctx = NULL;
  PetscFunctionReturn(0);
}

/* The mean of k^2 for k uniform in [0, 10) is 28.5. */
static PetscErrorCode SquaresFinish(MSFarm farm, const PetscScalar *results, const char *output, void *ctx)
{
  PetscInt    n;
  PetscScalar sum = 0;

  PetscFunctionBegin;
  PetscCall(MSFarmGetTasks(farm, &n, NULL));
  for (PetscInt k = 0; k < n; k++) sum += results[k];
  PetscCall(PetscPrintf(PETSC_COMM_SELF, "squares: %" PetscInt_FMT " tasks, sum %.17g, mean %.6f (expected 28.5)\n", n, (double)sum, (double)(sum / n)));
  PetscFunctionReturn(0);
}

static PetscErrorCode SquaresDestroy(void **ctx)
{
  PetscFunctionBegin;
  *ctx = NULL;
  PetscFunctionReturn(0);
}

const MSAppSweepExample MSAppSweepSquares = {"squares", "squares of seeded random integers in [0, 10)", 10000000, SquaresTask, SquaresSetup, SquaresFinish, SquaresDestroy};
