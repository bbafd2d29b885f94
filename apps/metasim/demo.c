/* metasim demo: a linear simulation with a projection map, checked with the adjoint and Taylor
   tests. Grows into the distributed tiled demo once MSMeta exists. */
#include "commands.h"

PetscErrorCode MSAppDemo(int argc, char **argv)
{
  MSSim           sim;
  MSMap           map;
  Mat             G;
  MSAdjointReport adj;
  MSTaylorReport  tay;
  const PetscInt  n_model = 40, n_sub = 20, n_data = 30;
  PetscInt        idx[20];
  PetscViewer     out;

  PetscFunctionBegin;
  PetscCall(PetscViewerASCIIGetStdout(PETSC_COMM_WORLD, &out));
  PetscCall(MatCreateSeqDense(PETSC_COMM_SELF, n_data, n_sub, NULL, &G));
  for (PetscInt i = 0; i < n_data; i++)
    for (PetscInt j = 0; j < n_sub; j++) PetscCall(MatSetValue(G, i, j, 1.0 / (1.0 + i + j), INSERT_VALUES));
  PetscCall(MatAssemblyBegin(G, MAT_FINAL_ASSEMBLY));
  PetscCall(MatAssemblyEnd(G, MAT_FINAL_ASSEMBLY));
  PetscCall(MSSimCreate(PETSC_COMM_SELF, &sim));
  PetscCall(MSSimSetType(sim, MSSIMLINEAR));
  PetscCall(MSSimLinearSetOperator(sim, G));
  PetscCall(MSSimSetFromOptions(sim));
  PetscCall(MSSimSetUp(sim));
  for (PetscInt k = 0; k < n_sub; k++) idx[k] = 2 * k;
  PetscCall(MSMapCreateProjection(PETSC_COMM_SELF, n_model, n_sub, idx, &map));
  PetscCall(MSSimCheckAdjoint(sim, NULL, NULL, &adj));
  PetscCall(MSSimCheckTaylor(sim, NULL, NULL, &tay));
  PetscCall(MSAdjointReportView(&adj, out));
  PetscCall(MSTaylorReportView(&tay, out));
  PetscCall(MSMapCheckAdjoint(map, NULL, NULL, &adj));
  PetscCall(MSAdjointReportView(&adj, out));
  PetscCall(MSSimDestroy(&sim));
  PetscCall(MSMapDestroy(&map));
  PetscCall(MatDestroy(&G));
  PetscFunctionReturn(0);
}
