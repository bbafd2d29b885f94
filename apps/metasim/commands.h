/* The metasim command's sub-commands: each file in apps/metasim/ implements one. */
#ifndef METASIM_APP_COMMANDS_H
#define METASIM_APP_COMMANDS_H

#include <metasim.h>

/* argv[0] is the sub-command's name; PETSc options have already been read. */
typedef PetscErrorCode (*MSAppCommandFn)(int argc, char **argv);

typedef struct {
  const char    *name;
  const char    *summary;
  MSAppCommandFn run;
} MSAppCommand;

PetscErrorCode MSAppDemo(int, char **);
PetscErrorCode MSAppInfo(int, char **);
PetscErrorCode MSAppEval(int, char **);
PetscErrorCode MSAppBench(int, char **);
PetscErrorCode MSAppSweep(int, char **);
PetscErrorCode MSAppScale(int, char **);
PetscErrorCode MSAppInvert(int, char **);

#endif
