/* Task index -> grid position (i, j) of a starmap. */
#include <math.h>
#include "farm/farmimpl.h"

PetscErrorCode MSFarmGridIndex(MSFarm farm, PetscInt k, PetscInt *i, PetscInt *j)
{
  PetscFunctionBegin;
  if (farm->grid == MS_FARM_GRID_FULL) {
    *i = k / farm->cols;
    *j = k % farm->cols;
  } else { /* row i of the lower triangle starts at i (i + 1) / 2 */
    PetscInt r = (PetscInt)((sqrt(8.0 * (double)k + 1.0) - 1.0) / 2.0);

    while (r * (r + 1) / 2 > k) r--;
    while ((r + 1) * (r + 2) / 2 <= k) r++;
    *i = r;
    *j = k - r * (r + 1) / 2;
  }
  PetscFunctionReturn(0);
}
