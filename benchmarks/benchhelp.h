/* --help of the benchmark programs: the program's own usage on stdout and exit 0, before MPI and
   PETSc start (instead of PETSc's generic option list followed by a whole benchmark run). */
#ifndef METASIM_BENCH_HELP_H
#define METASIM_BENCH_HELP_H

#include <stdio.h>
#include <string.h>

static inline int MSBenchWantsHelp(int argc, char **argv, const char usage[])
{
  for (int k = 1; k < argc; k++)
    if (!strcmp(argv[k], "--help") || !strcmp(argv[k], "-help") || !strcmp(argv[k], "-h")) {
      fputs(usage, stdout);
      return 1;
    }
  return 0;
}

#endif
