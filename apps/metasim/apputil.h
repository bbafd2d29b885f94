/* Shared by the file-based sub-commands: one-line errors and argument scanning. */
#ifndef METASIM_APP_APPUTIL_H
#define METASIM_APP_APPUTIL_H

#include "commands.h"

/* Runs body(argc, argv) with PETSc's error banner replaced by one line on rank 0,
   "metasim NAME: message", and returns its error code so the command exits non-zero. */
PetscErrorCode MSAppRunQuiet(const char[], MSAppCommandFn, int, char **);
/* Whether argv holds flag (e.g. "--help" or "-h"). */
PetscErrorCode MSAppHasFlag(int, char **, const char[], const char[], PetscBool *);
/* The value after a flag (long or short spelling), or dflt when absent; a flag without a value is an error. */
PetscErrorCode MSAppGetValue(int, char **, const char[], const char[], const char *, const char **);
/* The command line as one string, for the results' "command" attribute (caller frees). */
PetscErrorCode MSAppCommandLine(const char[], int, char **, char **);

#endif
