/* The Tikhonov operator R of a tensor mesh: smallness sqrt(alpha_s) I stacked over first
   differences sqrt(alpha_d) D_d along each axis, so 1/2 ||R m||^2 =
   alpha_s/2 ||m||^2 + sum_d alpha_d/2 ||D_d m||^2. */
#include "inversion.h"

/* The rows of owned cell c, in order: smallness, then the forward difference along each axis that
   has a neighbour; writes them from row `row` on when R is given, and counts them. */
static PetscErrorCode InversionRegularizationCellRows(Mat R, PetscInt c, PetscInt dim, const PetscInt shape[], const PetscInt stride[], PetscReal alpha_s, const PetscReal alpha[], PetscInt *row)
{
  PetscFunctionBegin;
  if (alpha_s > 0.0) {
    if (R) PetscCall(MatSetValue(R, *row, c, PetscSqrtReal(alpha_s), INSERT_VALUES));
    (*row)++;
  }
  for (PetscInt d = 0; d < dim; d++) {
    PetscInt  i = (c / stride[d]) % shape[d], cols[2] = {c, c + stride[d]};
    PetscReal s = PetscSqrtReal(alpha[d]);
    PetscReal v[2] = {-s, s};

    if (alpha[d] == 0.0 || i + 1 >= shape[d]) continue;
    if (R) PetscCall(MatSetValues(R, 1, row, 2, cols, v, INSERT_VALUES));
    (*row)++;
  }
  PetscFunctionReturn(0);
}

/*
  InversionRegularizationCreate - the regularization operator R of a tensor mesh

  Collective

  Input Parameters:
+ like    - a vector in the model layout (R's column layout)
. dim     - the mesh dimension, 0 (no mesh: smallness only) to INVERSION_MAX_DIM
. shape   - cells along each axis; their product is the model length. Cell (i, j, k) is model
            entry i + shape[0] (j + shape[1] k)
. alpha_s - the smallness weight, >= 0
- alpha   - the smoothness weight along each axis, >= 0

  Output Parameter:
. R - the AIJ operator: the rows of each cell (smallness, then the differences to its next
      neighbour along each axis) on the rank that owns the cell

  Notes:
  The differences are of neighbouring cells, without cell widths (a uniform mesh of unit cells).

  Level: developer
*/
PetscErrorCode InversionRegularizationCreate(Vec like, PetscInt dim, const PetscInt shape[], PetscReal alpha_s, const PetscReal alpha[], Mat *R)
{
  PetscInt n_model, n_local, lo, hi, cells = 1, stride[INVERSION_MAX_DIM], n_rows = 0, row;

  PetscFunctionBegin;
  PetscCall(VecGetSize(like, &n_model));
  PetscCall(VecGetLocalSize(like, &n_local));
  PetscCall(VecGetOwnershipRange(like, &lo, &hi));
  PetscCheck(dim >= 0 && dim <= INVERSION_MAX_DIM, PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE, "mesh dimension %" PetscInt_FMT ": expected 0 to %d", dim, INVERSION_MAX_DIM);
  for (PetscInt d = 0; d < dim; d++) {
    PetscCheck(shape[d] >= 1, PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE, "mesh shape[%" PetscInt_FMT "] = %" PetscInt_FMT ": expected at least 1 cell", d, shape[d]);
    stride[d] = cells;
    cells *= shape[d];
  }
  PetscCheck(dim == 0 || cells == n_model, PETSC_COMM_WORLD, PETSC_ERR_ARG_SIZ, "mesh shape has %" PetscInt_FMT " cells, the model %" PetscInt_FMT " entries", cells, n_model);
  PetscCheck(alpha_s >= 0.0 && !PetscIsInfOrNanReal(alpha_s), PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE, "-alpha_s %.6g: expected a finite weight >= 0", (double)alpha_s);
  for (PetscInt d = 0; d < dim; d++) PetscCheck(alpha[d] >= 0.0 && !PetscIsInfOrNanReal(alpha[d]), PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE, "smoothness weight of axis %" PetscInt_FMT " %.6g: expected a finite weight >= 0", d, (double)alpha[d]);
  for (PetscInt c = lo; c < hi; c++) PetscCall(InversionRegularizationCellRows(NULL, c, dim, shape, stride, alpha_s, alpha, &n_rows));
  PetscCall(MatCreateAIJ(PETSC_COMM_WORLD, n_rows, n_local, PETSC_DETERMINE, n_model, 2, NULL, 1, NULL, R));
  PetscCall(MatGetOwnershipRange(*R, &row, NULL));
  for (PetscInt c = lo; c < hi; c++) PetscCall(InversionRegularizationCellRows(*R, c, dim, shape, stride, alpha_s, alpha, &row));
  PetscCall(MatAssemblyBegin(*R, MAT_FINAL_ASSEMBLY));
  PetscCall(MatAssemblyEnd(*R, MAT_FINAL_ASSEMBLY));
  PetscCall(MatGetSize(*R, &n_rows, NULL));
  if (n_rows == 0) PetscCall(MatDestroy(R));
  PetscCheck(n_rows > 0, PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE, "the regularization is empty: set -alpha_s > 0 or a smoothness weight > 0 on an axis with 2 or more cells");
  PetscFunctionReturn(0);
}
