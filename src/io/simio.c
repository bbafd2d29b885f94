/* Simulations in problem files: group /sim_XXXXXX with attribute type and the operator G
   (type linear), and the sub-group map. In the repeat kind only /sim_000000 holds a simulation. */
#include "io/ioformat.h"

/* Rows and columns of the matrix at path without reading its values. */
static PetscErrorCode MSIOMatrixSize(MSH5File *f, const char path[], PetscInt *rows, PetscInt *cols)
{
  PetscBool is_group;
  PetscInt  dims[2];

  PetscFunctionBegin;
  PetscCall(MSH5IsGroup(f, path, &is_group));
  if (is_group) {
    PetscCall(MSH5ReadAttrInt(f, path, "n_rows", rows));
    PetscCall(MSH5ReadAttrInt(f, path, "n_cols", cols));
  } else {
    PetscCall(MSH5GetShape(f, path, MS_H5_FLOAT64, 2, dims));
    *rows = dims[0];
    *cols = dims[1];
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode MSIOReadLinearSim(MSH5File *f, const char path[], MSSim *sim)
{
  Mat G;

  PetscFunctionBegin;
  PetscCall(MSIOReadMatrix(f, path, &G));
  PetscCall(MSSimCreate(PETSC_COMM_SELF, sim));
  PetscCall(MSSimSetType(*sim, MSSIMLINEAR));
  PetscCall(MSSimLinearSetOperator(*sim, G));
  PetscCall(MSSimSetUp(*sim));
  PetscCall(MatDestroy(&G));
  PetscFunctionReturn(0);
}

PETSC_INTERN PetscErrorCode MSIOReadSimulation(MSH5File *f, const MSProblemInfo *info, PetscInt i, MSSim *sim, MSMap *map, PetscInt *n_data)
{
  char      group[64], simgroup[64], path[PETSC_MAX_PATH_LEN], type[64];
  PetscInt  rows, cols, n_out;
  PetscBool exists, linear;

  PetscFunctionBegin;
  PetscCheck(i >= 0 && i < info->n_sims, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "%s: simulation %" PetscInt_FMT " is outside [0, %" PetscInt_FMT ")", f->name, i, info->n_sims);
  PetscCall(MSIOSimGroup(i, group, sizeof(group)));
  PetscCall(MSIOSimGroup(info->kind == MS_META_REPEAT ? 0 : i, simgroup, sizeof(simgroup)));
  PetscCall(MSH5Exists(f, group, &exists));
  PetscCheck(exists, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: %s: missing", f->name, group);
  PetscCall(MSH5ReadAttrString(f, simgroup, "type", type, sizeof(type)));
  PetscCall(PetscStrcmp(type, MSSIMLINEAR, &linear));
  PetscCheck(linear, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: %s: unknown simulation type \"%s\" (this version reads \"linear\")", f->name, simgroup, type);
  PetscCall(PetscSNPrintf(path, sizeof(path), "%s/G", simgroup));
  if (sim) {
    PetscCall(MSIOReadLinearSim(f, path, sim));
    PetscCall(MSSimGetSizes(*sim, &cols, &rows));
  } else PetscCall(MSIOMatrixSize(f, path, &rows, &cols));
  PetscCheck(info->kind != MS_META_SUM || rows == info->n_data, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: %s: %" PetscInt_FMT " rows, but the sum kind needs every simulation to have n_data = %" PetscInt_FMT " rows", f->name, path, rows, info->n_data);
  *n_data = rows;
  PetscCall(PetscSNPrintf(path, sizeof(path), "%s/map", group));
  PetscCall(MSIOReadMap(f, path, info->n_model, map));
  PetscCall(MSMapGetSizes(*map, NULL, &n_out));
  PetscCheck(n_out == cols, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: %s: produces %" PetscInt_FMT " entries but %s/G has %" PetscInt_FMT " columns", f->name, path, n_out, simgroup, cols);
  PetscFunctionReturn(0);
}
