/* metasim command: dispatches to the sub-commands, each run through MSAppRun(). */
#include <string.h>
#include "apputil.h"

static const MSAppCommand *const commands[] = {&MSAppDemoCommand, &MSAppInfoCommand, &MSAppEvalCommand, &MSAppInvertCommand, &MSAppSweepCommand, &MSAppRunCommand, &MSAppBenchCommand, &MSAppScaleCommand};
#define MS_APP_N_COMMANDS ((PetscInt)(sizeof(commands) / sizeof(commands[0])))

static PetscErrorCode PrintUsage(void)
{
  PetscFunctionBegin;
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "metasim: many simulations as one, distributed over MPI.\n\nusage: mpiexec -n N metasim <command> [options]\n\ncommands:\n"));
  for (PetscInt i = 0; i < MS_APP_N_COMMANDS; i++) PetscCall(PetscPrintf(PETSC_COMM_WORLD, "  %-8s %s\n", commands[i]->name, commands[i]->summary));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "\n'metasim help <command>' or 'metasim <command> --help' describes a command. PETSc options (-log_view, -meta_view, solver options) pass through.\n"));
  PetscFunctionReturn(0);
}

/* An unknown command: one line naming the nearest one. */
static PetscErrorCode UnknownCommand(const char word[])
{
  const char *names[MS_APP_N_COMMANDS], *nearest;

  PetscFunctionBegin;
  for (PetscInt i = 0; i < MS_APP_N_COMMANDS; i++) names[i] = commands[i]->name;
  PetscCall(MSAppNearest(word, MS_APP_N_COMMANDS, names, &nearest));
  PetscCall(PetscFPrintf(PETSC_COMM_WORLD, PETSC_STDERR, "metasim: unknown command \"%s\" (did you mean %s? 'metasim --help' lists the commands)\n", word, nearest));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  PetscErrorCode ierr = 0;
  PetscBool      found = PETSC_FALSE;

  PETSC_MPI_THREAD_REQUIRED = MPI_THREAD_MULTIPLE; /* the farm's counter thread across hosts */
  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  if (argc > 2 && !strcmp(argv[1], "help")) { /* metasim help CMD = metasim CMD --help */
    static char help_flag[] = "--help";

    argv[1] = argv[2];
    argv[2] = help_flag;
    argc    = 3;
  } else if (argc == 2 && !strcmp(argv[1], "help")) argc = 1;
  for (PetscInt i = 0; argc > 1 && i < MS_APP_N_COMMANDS && !found; i++) {
    PetscCall(PetscStrcmp(argv[1], commands[i]->name, &found));
    if (found) ierr = MSAppRun(commands[i], argc - 1, argv + 1);
  }
  if (!found && argc > 1 && argv[1][0] != '-') {
    PetscCall(UnknownCommand(argv[1]));
    ierr = PETSC_ERR_ARG_UNKNOWN_TYPE;
  } else if (!found) PetscCall(PrintUsage());
  PetscCall(PetscFinalize());
  return ierr ? 1 : 0;
}
