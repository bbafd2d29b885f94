/* metasim info FILE: reads and checks every simulation of a problem file, then summarizes it. */
#include "apputil.h"

static const char MSAppInfoHelp[] = "usage: mpiexec -n N metasim info FILE [-meta_view [-meta_group_size K | -meta_simulation_ranks R0,R1,... | -meta_group_by_cost]]\n\n"
                                    "Reads every simulation and map of the problem file FILE (each rank a share), checks\n"
                                    "dtypes, shapes, index ranges, values and sizes (docs/format.md), and prints a summary.\n"
                                    "With -meta_view it also loads the problem as `metasim eval` would, with the same group\n"
                                    "options, and prints the partition: groups, their ranks, simulations and cost.\n"
                                    "On a problem it prints one line naming the file and the dataset and exits with status 1.\n";

/* Conventional vectors that `metasim eval` uses by default, and whether each is model-sized. */
static const struct {
  const char *name;
  PetscBool   model;
} MSAppInfoVectors[] = {
  {"models/m",          PETSC_TRUE },
  {"models/v",          PETSC_TRUE },
  {"data/dobs",         PETSC_FALSE},
  {"data/w",            PETSC_FALSE},
  {"uncertainties/std", PETSC_FALSE},
};

/* Simulations listed one per line, up to this many. */
#define MS_APP_INFO_MAX_LISTED 10

/* One line per simulation: type and sizes (dcr: grid, sources, data). */
static PetscErrorCode ListSimulations(const char file[], const MSProblemInfo *info)
{
  PetscInt listed = info->kind == MS_META_REPEAT ? 1 : PetscMin(info->n_sims, MS_APP_INFO_MAX_LISTED);

  PetscFunctionBegin;
  for (PetscInt i = 0; i < listed; i++) {
    MSProblemSimInfo s;
    PetscBool        dcr;

    PetscCall(MSProblemGetSimulationInfo(PETSC_COMM_WORLD, file, i, &s));
    PetscCall(PetscStrcmp(s.type, MSSIMDCR, &dcr));
    PetscCall(PetscPrintf(PETSC_COMM_WORLD, "  sim_%06" PetscInt_FMT "  %-7s", i, s.type));
    if (dcr) PetscCall(PetscPrintf(PETSC_COMM_WORLD, "grid %" PetscInt_FMT " x %" PetscInt_FMT " x %" PetscInt_FMT " (%" PetscInt_FMT " cells), %" PetscInt_FMT " source%s, %" PetscInt_FMT " data", s.cells[0], s.cells[1], s.cells[2], s.n_sub, s.n_sources, s.n_sources == 1 ? "" : "s", s.n_data));
    else PetscCall(PetscPrintf(PETSC_COMM_WORLD, "G %" PetscInt_FMT " x %" PetscInt_FMT " (%s)", s.n_data, s.n_sub, s.sparse ? "CSR" : "dense"));
    PetscCall(PetscPrintf(PETSC_COMM_WORLD, "%s\n", info->kind == MS_META_REPEAT ? ", shared by every map" : ""));
  }
  if (listed < info->n_sims && info->kind != MS_META_REPEAT) PetscCall(PetscPrintf(PETSC_COMM_WORLD, "  ... and %" PetscInt_FMT " more simulations\n", info->n_sims - listed));
  PetscFunctionReturn(0);
}

static PetscErrorCode Info(int argc, char **argv)
{
  MSProblemInfo info;
  PetscBool     help, has, view;
  PetscMPIInt   size;

  PetscFunctionBegin;
  PetscCall(MSAppHasFlag(argc, argv, "--help", "-h", &help));
  if (help) {
    PetscCall(PetscPrintf(PETSC_COMM_WORLD, "%s", MSAppInfoHelp));
    PetscFunctionReturn(0);
  }
  PetscCheck(argc >= 2 && argv[1][0] != '-', PETSC_COMM_WORLD, PETSC_ERR_ARG_WRONG, "missing FILE (see metasim info --help)");
  PetscCallMPI(MPI_Comm_size(PETSC_COMM_WORLD, &size));
  PetscCall(MSProblemValidate(PETSC_COMM_WORLD, argv[1], &info));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "%s: metasim problem, format version %" PetscInt_FMT "\n", argv[1], info.version));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "  kind     %s\n  n_sims   %" PetscInt_FMT "\n  n_model  %" PetscInt_FMT "\n  n_data   %" PetscInt_FMT "\n", MSMetaKinds[info.kind], info.n_sims, info.n_model, info.n_data));
  PetscCall(ListSimulations(argv[1], &info));
  for (size_t k = 0; k < sizeof(MSAppInfoVectors) / sizeof(MSAppInfoVectors[0]); k++) {
    PetscCall(MSProblemHasVector(PETSC_COMM_WORLD, argv[1], MSAppInfoVectors[k].name, &has));
    if (has) {
      Vec      v;
      PetscInt n = MSAppInfoVectors[k].model ? info.n_model : info.n_data;

      PetscCall(VecCreateMPI(PETSC_COMM_WORLD, PETSC_DECIDE, n, &v));
      PetscCall(MSProblemReadVector(argv[1], MSAppInfoVectors[k].name, v));
      PetscCall(VecDestroy(&v));
      PetscCall(PetscPrintf(PETSC_COMM_WORLD, "  vector   %s (%" PetscInt_FMT " entries, checked)\n", MSAppInfoVectors[k].name, n));
    }
  }
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "  valid: every simulation and map read and checked on %d rank(s)\n", (int)size));
  PetscCall(PetscOptionsHasName(NULL, NULL, "-meta_view", &view));
  if (view) { /* the partition eval would use: MSMetaSetUp() views it */
    MSMeta meta;

    PetscCall(MSProblemLoad(PETSC_COMM_WORLD, argv[1], &meta));
    PetscCall(MSMetaDestroy(&meta));
  }
  PetscFunctionReturn(0);
}

static const MSAppFlag InfoFlags[] = {{"--help", "-h", PETSC_FALSE}, {NULL, NULL, PETSC_FALSE}};

const MSAppCommand MSAppInfoCommand = {"info", "validate and summarize a problem file", Info, 1, InfoFlags};
