/* metasim bench NAME: runs the benchmark program bench_NAME (built by benchmarks/CMakeLists.txt)
   under mpiexec at each requested rank count. An MPI process cannot exec another MPI program,
   so the command runs on one rank and launches `mpiexec -n N bench_NAME ...` as a child. */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "apputil.h"

extern char **environ;

static const char MSAppBenchHelp[] =
  "usage: metasim bench NAME [--ranks 1,2] [ARGS...]     (run it without mpiexec)\n\n"
  "Runs the benchmark program bench_NAME at each rank count of --ranks (default 1,2) with\n"
  "`mpiexec -n N --oversubscribe bench_NAME ARGS`. Each benchmark runs its baseline side by side\n"
  "and prints one JSON object per case on stdout. ARGS pass to the benchmark (see its -help).\n"
  "The programs are looked up in METASIM_BENCH_DIR, else next to this program: <build>/benchmarks\n"
  "in a build tree, <folder of metasim>/" METASIM_BIN_TO_BENCHDIR " in an installed tree.\n"
  "MPIEXEC names the launcher (default mpiexec).\n";

/* The directory of the benchmark programs: $METASIM_BENCH_DIR, else <dir of this program>/../benchmarks
   when that exists (a build tree), else <dir of this program>/METASIM_BIN_TO_BENCHDIR (installed). */
static PetscErrorCode BenchDir(char dir[], size_t len)
{
  char    exe[PETSC_MAX_PATH_LEN], *bin;
  ssize_t n;

  PetscFunctionBegin;
  if (getenv("METASIM_BENCH_DIR")) {
    PetscCall(PetscStrncpy(dir, getenv("METASIM_BENCH_DIR"), len));
    PetscFunctionReturn(0);
  }
  n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
  PetscCheck(n > 0, PETSC_COMM_SELF, PETSC_ERR_SYS, "cannot find this program's path: set METASIM_BENCH_DIR");
  exe[n] = '\0';
  bin    = dirname(exe);
  PetscCall(PetscSNPrintf(dir, len, "%s/../benchmarks", bin));
  if (access(dir, X_OK) != 0) PetscCall(PetscSNPrintf(dir, len, "%s/%s", bin, METASIM_BIN_TO_BENCHDIR));
  PetscFunctionReturn(0);
}

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

/* In the child: forget this process's own MPI job, so mpiexec starts a fresh one. */
static void BenchCleanEnvironment(void)
{
  char **e = environ;

  while (*e) {
    const char *v    = *e;
    int         drop = !strncmp(v, "PMIX_", 5) || !strncmp(v, "OMPI_MCA_ess", 12) || !strncmp(v, "OMPI_MCA_orte", 13) || !strncmp(v, "OMPI_MCA_pmix", 13) ||
               (!strncmp(v, "OMPI_", 5) && strncmp(v, "OMPI_MCA_", 9) && strncmp(v, "OMPI_ALLOW", 10));

    if (drop) {
      char   name[256];
      size_t n = strcspn(v, "=");

      if (n >= sizeof(name)) n = sizeof(name) - 1;
      memcpy(name, v, n);
      name[n] = '\0';
      unsetenv(name); /* shifts environ: look at the same slot again */
    } else e++;
  }
}

/* Runs mpiexec -n np --oversubscribe prog args... and waits for it. */
static PetscErrorCode BenchLaunch(const char prog[], const char np[], int nargs, char **args)
{
  const char *mpiexec = getenv("MPIEXEC") ? getenv("MPIEXEC") : "mpiexec";
  char      **argv;
  pid_t       pid;
  int         status;

  PetscFunctionBegin;
  PetscCall(PetscCalloc1(nargs + 6, &argv));
  argv[0] = (char *)mpiexec;
  argv[1] = (char *)"-n";
  argv[2] = (char *)np;
  argv[3] = (char *)"--oversubscribe";
  argv[4] = (char *)prog;
  for (int k = 0; k < nargs; k++) argv[5 + k] = args[k];
  PetscCheck(fflush(stdout) == 0, PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "cannot flush stdout");
  pid = fork();
  PetscCheck(pid >= 0, PETSC_COMM_SELF, PETSC_ERR_SYS, "cannot start %s", mpiexec);
  if (pid == 0) {
    BenchCleanEnvironment();
    execvp(mpiexec, argv);
    _exit(127);
  }
  PetscCheck(waitpid(pid, &status, 0) == pid, PETSC_COMM_SELF, PETSC_ERR_SYS, "lost the benchmark process %s", prog);
  PetscCall(PetscFree(argv));
  PetscCheck(WIFEXITED(status) && WEXITSTATUS(status) == 0, PETSC_COMM_SELF, PETSC_ERR_LIB, "%s at %s rank(s) failed (exit status %d)", prog, np, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
  PetscFunctionReturn(0);
}

static PetscErrorCode Bench(int argc, char **argv)
{
  char        dir[PETSC_MAX_PATH_LEN], prog[PETSC_MAX_PATH_LEN], *ranks, *np, *rest;
  const char *ranklist;
  PetscBool   help;
  PetscMPIInt size;
  int         first_arg = 2;

  PetscFunctionBegin;
  PetscCall(BenchDir(dir, sizeof(dir)));
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
  PetscCall(PetscStrallocpy(ranklist, &ranks));
  for (np = ranks; np; np = rest) {
    rest = strchr(np, ',');
    if (rest) *rest++ = '\0';
    PetscCheck(atoi(np) > 0, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "--ranks %s: expected positive rank counts separated by commas", ranklist);
    PetscCall(BenchLaunch(prog, np, argc - first_arg, argv + first_arg));
  }
  PetscCall(PetscFree(ranks));
  PetscFunctionReturn(0);
}

static const MSAppFlag BenchFlags[] = {{"--help", "-h", PETSC_FALSE}, {"--ranks", NULL, PETSC_TRUE}, {NULL, NULL, PETSC_FALSE}};

const MSAppCommand MSAppBenchCommand = {"bench", "run a benchmark program at several rank counts (JSON with its baseline)", Bench, -1, BenchFlags};
