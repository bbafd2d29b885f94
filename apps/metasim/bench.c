/* metasim bench NAME: runs the benchmark program bench_NAME (built by benchmarks/CMakeLists.txt)
   under mpiexec at each requested rank count. An MPI process cannot exec another MPI program,
   so the command runs on one rank and launches `mpiexec -n N bench_NAME ...` as a child. */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "apputil.h"
#include "launch.h"

static const char MSAppBenchHelp[] =
  "usage: metasim bench NAME [--ranks 1,2] [ARGS...]     (run it without mpiexec)\n\n"
  "Runs the benchmark program bench_NAME at each rank count of --ranks (default 1,2) with\n"
  "`mpiexec -n N --oversubscribe bench_NAME ARGS`. Each benchmark runs its baseline side by side\n"
  "and prints one JSON object per case on stdout. ARGS pass to the benchmark (see its -help).\n"
  "The programs are looked up in METASIM_BENCH_DIR, else next to this program: <build>/benchmarks\n"
  "in a build tree, <folder of metasim>/" METASIM_BIN_TO_BENCHDIR " in an installed tree.\n"
  "MPIEXEC names the launcher and its options (default mpiexec; in a Slurm job step:\n"
  "MPIEXEC=\"srun --overlap\", see docs/cluster.md), run as \"$MPIEXEC -n N --oversubscribe\";\n"
  "METASIM_LAUNCHER replaces all of it, {np} standing for the rank count.\n";

static PetscErrorCode BenchList(const char dir[])
{
  DIR           *d = opendir(dir);
  struct dirent *e;

  PetscFunctionBegin;
  PetscCall(PetscPrintf(PETSC_COMM_SELF, "benchmarks in %s:", dir));
  if (d) {
    while ((e = readdir(d)))
      if (!strncmp(e->d_name, "bench_", 6) && !strchr(e->d_name, '.')) PetscCall(PetscPrintf(PETSC_COMM_SELF, " %s", e->d_name + 6));
    closedir(d);
  } else PetscCall(PetscPrintf(PETSC_COMM_SELF, " (none: the folder is missing; configure with -DMETASIM_BUILD_BENCHMARKS=ON, or set METASIM_BENCH_DIR)"));
  PetscCall(PetscPrintf(PETSC_COMM_SELF, "\n"));
  PetscFunctionReturn(0);
}

static PetscErrorCode Bench(int argc, char **argv)
{
  char        dir[PETSC_MAX_PATH_LEN], prog[PETSC_MAX_PATH_LEN], launcher[PETSC_MAX_PATH_LEN], *ranks, *np, *rest;
  const char *ranklist;
  PetscBool   help;
  PetscMPIInt size;
  int         first_arg = 2;

  PetscFunctionBegin;
  PetscCall(MSAppBenchDir(dir, sizeof(dir)));
  PetscCall(MSAppHasFlag(argc, argv, "--help", "-h", &help));
  if (help || argc < 2) {
    PetscCall(PetscPrintf(PETSC_COMM_WORLD, "%s\n", MSAppBenchHelp));
    PetscCall(BenchList(dir));
    PetscFunctionReturn(0);
  }
  PetscCallMPI(MPI_Comm_size(PETSC_COMM_WORLD, &size));
  PetscCheck(size == 1, PETSC_COMM_WORLD, PETSC_ERR_ARG_WRONG, "run metasim bench on one rank (without mpiexec): it starts the benchmark with mpiexec at each --ranks count");
  PetscCall(PetscSNPrintf(prog, sizeof(prog), "%s/bench_%s", dir, argv[1]));
  PetscCheck(access(prog, X_OK) == 0, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "no benchmark \"%s\": %s is missing (metasim bench --help lists them)", argv[1], prog);
  PetscCall(MSAppGetValue(argc, argv, "--ranks", NULL, "1,2", &ranklist));
  if (argc > 2 && !strcmp(argv[2], "--ranks")) first_arg = 4;
  PetscCall(MSAppDefaultLauncher(launcher, sizeof(launcher)));
  PetscCall(PetscStrallocpy(ranklist, &ranks));
  for (np = ranks; np; np = rest) {
    rest = strchr(np, ',');
    if (rest) *rest++ = '\0';
    PetscCheck(atoi(np) > 0, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "--ranks %s: expected positive rank counts separated by commas", ranklist);
    PetscCall(MSAppLaunch(launcher, np, prog, argc - first_arg, argv + first_arg, NULL));
  }
  PetscCall(PetscFree(ranks));
  PetscFunctionReturn(0);
}

static const MSAppFlag BenchFlags[] = {{"--help", "-h", PETSC_FALSE}, {"--ranks", NULL, PETSC_TRUE}, {NULL, NULL, PETSC_FALSE}};

const MSAppCommand MSAppBenchCommand = {"bench", "run a benchmark program at several rank counts (JSON with its baseline)", Bench, -1, BenchFlags};
