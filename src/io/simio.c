/* Simulations in problem files: group /sim_XXXXXX with attribute type, the type's datasets
   (linear: the operator G; dcr: grid, sources, receivers) and the sub-group map. In the repeat
   kind only /sim_000000 holds a simulation. */
#include "io/ioformat.h"

/* Sizes of a linear simulation: G's rows and columns, without reading its values. */
static PetscErrorCode MSIODescribeLinear(MSH5File *f, const char group[], MSProblemSimInfo *info)
{
  char     path[PETSC_MAX_PATH_LEN];
  PetscInt dims[2];

  PetscFunctionBegin;
  PetscCall(PetscSNPrintf(path, sizeof(path), "%s/G", group));
  PetscCall(MSH5IsGroup(f, path, &info->sparse));
  if (info->sparse) {
    PetscCall(MSH5ReadAttrInt(f, path, "n_rows", &info->n_data));
    PetscCall(MSH5ReadAttrInt(f, path, "n_cols", &info->n_sub));
  } else {
    PetscCall(MSH5GetShape(f, path, MS_H5_FLOAT64, 2, dims));
    info->n_data = dims[0];
    info->n_sub  = dims[1];
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode MSIOReadLinear(MSH5File *f, const char group[], MSSim *sim)
{
  char path[PETSC_MAX_PATH_LEN];
  Mat  G;

  PetscFunctionBegin;
  PetscCall(PetscSNPrintf(path, sizeof(path), "%s/G", group));
  PetscCall(MSIOReadMatrix(f, path, &G));
  PetscCall(MSSimCreate(PETSC_COMM_SELF, sim));
  PetscCall(MSSimSetType(*sim, MSSIMLINEAR));
  PetscCall(MSSimLinearSetOperator(*sim, G));
  PetscCall(MSSimSetUp(*sim));
  PetscCall(MatDestroy(&G));
  PetscFunctionReturn(0);
}

static PetscErrorCode MSIOReadDCR(MSH5File *f, const char group[], MSSim *sim)
{
  MSDCRSpec      spec;
  PetscErrorCode ierr;

  PetscFunctionBegin;
  PetscCall(MSIOReadDCRSpec(f, group, &spec));
  ierr = MSIODCRSpecCreateSim(PETSC_COMM_SELF, &spec, sim);
  PetscCall(MSIODCRSpecFree(&spec));
  PetscCall(ierr);
  PetscFunctionReturn(0);
}

/* The simulation types of the format: sizes from the file alone, the simulation built, and
   for messages, what in the group sets the data length and the model length. */
static const struct {
  const char *type;
  PetscErrorCode (*describe)(MSH5File *, const char[], MSProblemSimInfo *);
  PetscErrorCode (*read)(MSH5File *, const char[], MSSim *);
  const char *data_where, *data_what, *sub_where, *sub_what;
} MSIOSimTypes[] = {
  {MSSIMLINEAR, MSIODescribeLinear, MSIOReadLinear, "G",         "rows",      "G",    "columns"},
  {MSSIMDCR,    MSIODescribeDCR,    MSIOReadDCR,    "receivers", "receivers", "grid", "cells"  },
};

/* The type of the simulation in group, as an index into MSIOSimTypes. */
static PetscErrorCode MSIOFindSimType(MSH5File *f, const char group[], MSProblemSimInfo *info, size_t *which)
{
  PetscBool match = PETSC_FALSE;

  PetscFunctionBegin;
  PetscCall(MSH5ReadAttrString(f, group, "type", info->type, sizeof(info->type)));
  for (*which = 0; *which < sizeof(MSIOSimTypes) / sizeof(MSIOSimTypes[0]); (*which)++) {
    PetscCall(PetscStrcmp(info->type, MSIOSimTypes[*which].type, &match));
    if (match) break;
  }
  PetscCheck(match, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: %s: unknown simulation type \"%s\" (this version reads \"linear\" and \"dcr\")", f->name, group, info->type);
  PetscFunctionReturn(0);
}

/* The group holding simulation i (the repeat kind's one simulation for every i), after checks. */
static PetscErrorCode MSIOSimulationGroups(MSH5File *f, const MSProblemInfo *info, PetscInt i, char group[], char simgroup[], size_t len)
{
  PetscBool exists;

  PetscFunctionBegin;
  PetscCheck(i >= 0 && i < info->n_sims, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "%s: simulation %" PetscInt_FMT " is outside [0, %" PetscInt_FMT ")", f->name, i, info->n_sims);
  PetscCall(MSIOSimGroup(i, group, len));
  PetscCall(MSIOSimGroup(info->kind == MS_META_REPEAT ? 0 : i, simgroup, len));
  PetscCall(MSH5Exists(f, group, &exists));
  PetscCheck(exists, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: %s: missing", f->name, group);
  PetscFunctionReturn(0);
}

PETSC_INTERN PetscErrorCode MSIODescribeSimulation(MSH5File *f, const MSProblemInfo *info, PetscInt i, MSProblemSimInfo *sinfo)
{
  char   group[64], simgroup[64];
  size_t which;

  PetscFunctionBegin;
  PetscCall(PetscMemzero(sinfo, sizeof(*sinfo)));
  PetscCall(MSIOSimulationGroups(f, info, i, group, simgroup, sizeof(group)));
  PetscCall(MSIOFindSimType(f, simgroup, sinfo, &which));
  PetscCall(MSIOSimTypes[which].describe(f, simgroup, sinfo));
  PetscFunctionReturn(0);
}

PETSC_INTERN PetscErrorCode MSIOReadSimulation(MSH5File *f, const MSProblemInfo *info, PetscInt i, MSSim *sim, MSMap *map, PetscInt *n_data)
{
  char             group[64], simgroup[64], path[PETSC_MAX_PATH_LEN];
  MSProblemSimInfo sinfo;
  PetscInt         n_out;
  size_t           which;

  PetscFunctionBegin;
  PetscCall(PetscMemzero(&sinfo, sizeof(sinfo)));
  PetscCall(MSIOSimulationGroups(f, info, i, group, simgroup, sizeof(group)));
  PetscCall(MSIOFindSimType(f, simgroup, &sinfo, &which));
  if (sim) {
    PetscCall(MSIOSimTypes[which].read(f, simgroup, sim));
    PetscCall(MSSimGetSizes(*sim, &sinfo.n_sub, &sinfo.n_data));
  } else PetscCall(MSIOSimTypes[which].describe(f, simgroup, &sinfo));
  PetscCheck(info->kind != MS_META_SUM || sinfo.n_data == info->n_data, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: %s/%s: %" PetscInt_FMT " %s, but the sum kind needs every simulation to have n_data = %" PetscInt_FMT " %s", f->name, simgroup, MSIOSimTypes[which].data_where, sinfo.n_data,
             MSIOSimTypes[which].data_what, info->n_data, MSIOSimTypes[which].data_what);
  *n_data = sinfo.n_data;
  PetscCall(PetscSNPrintf(path, sizeof(path), "%s/map", group));
  PetscCall(MSIOReadMap(f, path, info->n_model, map));
  PetscCall(MSMapGetSizes(*map, NULL, &n_out));
  PetscCheck(n_out == sinfo.n_sub, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: %s: produces %" PetscInt_FMT " entries but %s/%s has %" PetscInt_FMT " %s", f->name, path, n_out, simgroup, MSIOSimTypes[which].sub_where, sinfo.n_sub, MSIOSimTypes[which].sub_what);
  PetscFunctionReturn(0);
}
