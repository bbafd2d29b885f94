/* Starting MPI programs from the metasim command (bench, scale): an MPI process cannot exec another
   MPI program, so the command runs on one rank and starts `mpiexec ... PROGRAM` as a child. */
#ifndef METASIM_APP_LAUNCH_H
#define METASIM_APP_LAUNCH_H

#include "commands.h"

/* The folder of the benchmark programs: $METASIM_BENCH_DIR, else <build>/benchmarks next to this
   program, else the installed <bin>/METASIM_BIN_TO_BENCHDIR. */
PetscErrorCode MSAppBenchDir(char[], size_t);
/* The folder of the helper scripts: <source>/scripts in a build tree, else the installed one. */
PetscErrorCode MSAppScriptDir(char[], size_t);
/* $METASIM_LAUNCHER, else "$MPIEXEC -n {np} --oversubscribe" (MPIEXEC default mpiexec). */
PetscErrorCode MSAppDefaultLauncher(char[], size_t);
/* Runs launcher words (with "{np}" replaced by np) + prog + args, stdout to out (NULL: inherited);
   errors if it does not exit 0. */
PetscErrorCode MSAppLaunch(const char[], const char[], const char[], int, char **, const char[]);
/* Runs argv[0] (looked up in PATH) with argv, waits, errors if it does not exit 0. */
PetscErrorCode MSAppSpawn(char **, const char[]);

#endif
