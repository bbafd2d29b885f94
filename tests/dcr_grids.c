/* See dcr_grids.h. */
#include "dcr_grids.h"

PetscErrorCode dg_uniform_edges(const PetscInt n[3], const PetscReal lo[3], const PetscReal hi[3], PetscReal *e[3])
{
  PetscFunctionBegin;
  for (PetscInt d = 0; d < 3; d++) {
    PetscCall(PetscMalloc1(n[d] + 1, &e[d]));
    for (PetscInt i = 0; i <= n[d]; i++) e[d][i] = lo[d] + (hi[d] - lo[d]) * (PetscReal)i / (PetscReal)n[d];
  }
  PetscFunctionReturn(0);
}

PetscErrorCode dg_free_edges(PetscReal *e[3])
{
  PetscFunctionBegin;
  for (PetscInt d = 0; d < 3; d++) PetscCall(PetscFree(e[d]));
  PetscFunctionReturn(0);
}

PetscErrorCode dg_tile_axis_edges(const PetscReal *ge, PetscInt ng, PetscReal lo, PetscReal hi, PetscInt *nl, PetscReal **le)
{
  PetscFunctionBegin;
  PetscCall(PetscMalloc1(ng + 1, le));
  *nl = 0;
  for (PetscInt i = 0; i <= ng; i++)
    if ((ge[i] >= lo && ge[i] <= hi) || i % 3 == 0 || i == ng) (*le)[(*nl)++] = ge[i];
  (*nl)--; /* cells = edges - 1 */
  PetscFunctionReturn(0);
}
