/* metasim command: dispatches to the sub-commands. */
#include <string.h>
#include "commands.h"

static const MSAppCommand commands[] = {
  {"demo", "run the built-in tiled problem, check it and print a summary", MSAppDemo},
  {"info", "validate and summarize a problem file", MSAppInfo},
  {"eval", "run dpred, Jvec, Jtvec, JtJ diagonal on a problem file and write the results", MSAppEval},
  {"bench", "run a benchmark program at several rank counts (JSON with its baseline)", MSAppBench},
  {"invert", "invert a problem file's observed data with TAO (Tikhonov, beta schedule, resume)", MSAppInvert},
  {"sweep", "parameter sweeps over MPI (Pool.map done right): squares, lif, hermitian, bins", MSAppSweep},
  {"scale", "a strong or weak scaling study: times, efficiency, phases, plots, projection", MSAppScale},
};

static PetscErrorCode PrintUsage(void)
{
  PetscFunctionBegin;
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "metasim: many simulations as one, distributed over MPI.\n\nusage: mpiexec -n N metasim <command> [options]\n\ncommands:\n"));
  for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) PetscCall(PetscPrintf(PETSC_COMM_WORLD, "  %-8s %s\n", commands[i].name, commands[i].summary));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "\n'metasim help <command>' or 'metasim <command> --help' describes a command. PETSc options (-log_view, -meta_view, solver options) pass through.\n"));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  PetscErrorCode ierr = 0;
  PetscBool      found = PETSC_FALSE;

  PETSC_MPI_THREAD_REQUIRED = MPI_THREAD_MULTIPLE; /* the farm's counter thread across hosts */
  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help"))) {
    /* metasim --help, metasim help, metasim help CMD (= metasim CMD --help) */
    static char help_flag[] = "--help";
    char       *cmd_help[] = {argc > 2 ? argv[2] : NULL, help_flag, NULL};

    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]) && argc > 2 && !found; i++) {
      found = strcmp(argv[2], commands[i].name) ? PETSC_FALSE : PETSC_TRUE;
      if (found) ierr = commands[i].run(2, cmd_help);
    }
    if (!found) PetscCall(PrintUsage());
    if (!found && argc > 2) {
      PetscCall(PetscFPrintf(PETSC_COMM_WORLD, PETSC_STDERR, "metasim help: unknown command \"%s\"\n", argv[2]));
      ierr = PETSC_ERR_ARG_UNKNOWN_TYPE;
    }
    PetscCall(PetscFinalize());
    return ierr ? 1 : 0;
  }
  if (argc > 1) {
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]) && !found; i++) {
      PetscCall(PetscStrcmp(argv[1], commands[i].name, &found));
      if (found) ierr = commands[i].run(argc - 1, argv + 1);
    }
  }
  if (!found) {
    PetscCall(PrintUsage());
    if (argc > 1) {
      PetscCall(PetscPrintf(PETSC_COMM_WORLD, "metasim: unknown command \"%s\"\n", argv[1]));
      ierr = PETSC_ERR_ARG_UNKNOWN_TYPE;
    }
  }
  PetscCall(PetscFinalize());
  return ierr ? 1 : 0;
}
