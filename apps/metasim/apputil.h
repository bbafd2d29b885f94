/* Shared by every sub-command: the command-line checks, quiet collective one-line errors,
   strict number parsing and output-path checks. */
#ifndef METASIM_APP_APPUTIL_H
#define METASIM_APP_APPUTIL_H

#include "commands.h"

/* Checks the command line of cmd (unknown or misspelled options name the nearest valid one),
   runs it with PETSc's error banner replaced by one line on rank 0, "metasim NAME: message",
   agreed on by every rank, and returns the error code so that every rank exits non-zero. */
PetscErrorCode MSAppRun(const MSAppCommand *, int, char **);
/* The entry of names[0 .. n) nearest to word by edit distance. */
PetscErrorCode MSAppNearest(const char[], PetscInt, const char *const[], const char **);
/* After a local step: every rank fails with the message of the lowest failing rank, or all go on. */
PetscErrorCode MSAppAgree(PetscErrorCode);
/* Whether argv holds flag (e.g. "--help" or "-h"). */
PetscErrorCode MSAppHasFlag(int, char **, const char[], const char[], PetscBool *);
/* The value after a flag (long or short spelling), or dflt when absent; a flag without a value is an error. */
PetscErrorCode MSAppGetValue(int, char **, const char[], const char[], const char *, const char **);
/* An integer flag in [min, max]: anything else (a sign, a fraction, an overflow) is an error. */
PetscErrorCode MSAppGetInt(int, char **, const char[], const char[], PetscInt, PetscInt, PetscInt, PetscInt *);
/* A real flag: a finite number >= min; anything else is an error naming the flag. */
PetscErrorCode MSAppGetReal(int, char **, const char[], const char[], PetscReal, PetscReal, PetscReal *);
/* The one overwrite rule of every command that writes a file: an existing file is an error
   ("FILE exists: pass HOW") unless allowed (--force, --resume); *exists (or NULL) says which. */
PetscErrorCode MSAppCheckOverwrite(const char[], PetscBool, const char[], PetscBool *);
/* Whether rank 0's stderr reaches a terminal: a terminal itself, or mpiexec's forwarding of it
   from a job started at a terminal (a controlling terminal and Open MPI's environment). */
PetscBool MSAppStderrIsTerminal(void);
/* The command line as one string, for the results' "command" attribute (caller frees). */
PetscErrorCode MSAppCommandLine(const char[], int, char **, char **);

#endif
