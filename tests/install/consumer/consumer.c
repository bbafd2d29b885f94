/* An external program built against an installed metasim: a linear simulation's dpred. */
#include <metasim.h>

int main(int argc, char **argv)
{
  MSSim        sim;
  Mat          G;
  Vec          m, d;
  PetscScalar  value;
  const char  *version;
  PetscInt     zero = 0;

  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  PetscCall(MatCreateSeqDense(PETSC_COMM_SELF, 1, 2, NULL, &G));
  PetscCall(MatSetValue(G, 0, 0, 2.0, INSERT_VALUES));
  PetscCall(MatSetValue(G, 0, 1, 3.0, INSERT_VALUES));
  PetscCall(MatAssemblyBegin(G, MAT_FINAL_ASSEMBLY));
  PetscCall(MatAssemblyEnd(G, MAT_FINAL_ASSEMBLY));
  PetscCall(MSSimCreate(PETSC_COMM_SELF, &sim));
  PetscCall(MSSimSetType(sim, MSSIMLINEAR));
  PetscCall(MSSimLinearSetOperator(sim, G));
  PetscCall(MSSimSetUp(sim));
  PetscCall(MSSimCreateVecs(sim, &m, &d));
  PetscCall(VecSet(m, 1.0));
  PetscCall(MSSimDpred(sim, m, d));
  PetscCall(VecGetValues(d, 1, &zero, &value));
  PetscCheck(value == 5.0, PETSC_COMM_SELF, PETSC_ERR_PLIB, "expected 5, got %g", (double)value);
  PetscCall(MSGetVersion(&version));
  PetscCall(PetscPrintf(PETSC_COMM_SELF, "metasim %s consumer: dpred = %g\n", version, (double)value));
  PetscCall(VecDestroy(&m));
  PetscCall(VecDestroy(&d));
  PetscCall(MatDestroy(&G));
  PetscCall(MSSimDestroy(&sim));
  PetscCall(PetscFinalize());
  return 0;
}
