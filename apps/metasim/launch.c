/* Starting MPI programs and scripts from the metasim command (see launch.h). */
#define _POSIX_C_SOURCE 200809L
#include <fcntl.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "launch.h"

extern char **environ;

/* The folder this program is in. */
static PetscErrorCode ProgramDir(char dir[], size_t len)
{
  char    exe[PETSC_MAX_PATH_LEN];
  ssize_t n;

  PetscFunctionBegin;
  n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
  PetscCheck(n > 0, PETSC_COMM_SELF, PETSC_ERR_SYS, "cannot find this program's path: set METASIM_BENCH_DIR");
  exe[n] = '\0';
  PetscCall(PetscStrncpy(dir, dirname(exe), len));
  PetscFunctionReturn(0);
}

PetscErrorCode MSAppBenchDir(char dir[], size_t len)
{
  char bin[PETSC_MAX_PATH_LEN];

  PetscFunctionBegin;
  if (getenv("METASIM_BENCH_DIR")) {
    PetscCall(PetscStrncpy(dir, getenv("METASIM_BENCH_DIR"), len));
    PetscFunctionReturn(0);
  }
  PetscCall(ProgramDir(bin, sizeof(bin)));
  PetscCall(PetscSNPrintf(dir, len, "%s/../benchmarks", bin));
  if (access(dir, X_OK) != 0) PetscCall(PetscSNPrintf(dir, len, "%s/%s", bin, METASIM_BIN_TO_BENCHDIR));
  PetscFunctionReturn(0);
}

PetscErrorCode MSAppScriptDir(char dir[], size_t len)
{
  char bin[PETSC_MAX_PATH_LEN];

  PetscFunctionBegin;
  PetscCall(ProgramDir(bin, sizeof(bin)));
  PetscCall(PetscSNPrintf(dir, len, "%s/%s", bin, METASIM_BIN_TO_SCRIPTDIR));
  if (access(dir, X_OK) != 0) PetscCall(PetscStrncpy(dir, METASIM_SOURCE_SCRIPTDIR, len));
  PetscFunctionReturn(0);
}

/* In the child: forget this process's own MPI job, so mpiexec starts a fresh one. */
static void CleanMPIEnvironment(void)
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

PetscErrorCode MSAppSpawn(char **argv, const char out[])
{
  pid_t pid;
  int   status, fd = -1;

  PetscFunctionBegin;
  if (out) {
    fd = open(out, O_WRONLY | O_CREAT | O_APPEND, 0644);
    PetscCheck(fd >= 0, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "cannot open %s for writing", out);
  }
  PetscCheck(fflush(stdout) == 0, PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "cannot flush stdout");
  pid = fork();
  PetscCheck(pid >= 0, PETSC_COMM_SELF, PETSC_ERR_SYS, "cannot start %s", argv[0]);
  if (pid == 0) {
    CleanMPIEnvironment();
    if (fd >= 0 && dup2(fd, STDOUT_FILENO) < 0) _exit(127);
    execvp(argv[0], argv);
    _exit(127);
  }
  if (fd >= 0) close(fd);
  PetscCheck(waitpid(pid, &status, 0) == pid, PETSC_COMM_SELF, PETSC_ERR_SYS, "lost the child process %s", argv[0]);
  PetscCheck(WIFEXITED(status) && WEXITSTATUS(status) != 127, PETSC_COMM_SELF, PETSC_ERR_SYS, "%s could not be started (or was killed)", argv[0]);
  PetscCheck(WEXITSTATUS(status) == 0, PETSC_COMM_SELF, PETSC_ERR_LIB, "%s failed (exit status %d)", argv[0], WEXITSTATUS(status));
  PetscFunctionReturn(0);
}

PetscErrorCode MSAppDefaultLauncher(char launcher[], size_t len)
{
  PetscFunctionBegin;
  if (getenv("METASIM_LAUNCHER")) PetscCall(PetscStrncpy(launcher, getenv("METASIM_LAUNCHER"), len));
  else PetscCall(PetscSNPrintf(launcher, len, "%s -n {np} --oversubscribe", getenv("MPIEXEC") ? getenv("MPIEXEC") : "mpiexec"));
  PetscFunctionReturn(0);
}

PetscErrorCode MSAppLaunch(const char launcher[], const char np[], const char prog[], int nargs, char **args, const char out[])
{
  char     *words, *w, *save = NULL, **argv;
  size_t    n_words = 0, cap;
  PetscBool has_np  = PETSC_FALSE;

  PetscFunctionBegin;
  PetscCall(PetscStrallocpy(launcher, &words));
  cap = strlen(launcher) / 2 + 2;
  PetscCall(PetscCalloc1(cap + (size_t)nargs + 2, &argv));
  for (w = strtok_r(words, " \t", &save); w; w = strtok_r(NULL, " \t", &save)) {
    if (!strcmp(w, "{np}")) {
      argv[n_words++] = (char *)np;
      has_np          = PETSC_TRUE;
    } else argv[n_words++] = w;
  }
  PetscCheck(n_words > 0 && has_np, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "launcher \"%s\": expected the launcher's words with {np} where the rank count goes, e.g. \"mpiexec -n {np}\"", launcher);
  argv[n_words++] = (char *)prog;
  for (int k = 0; k < nargs; k++) argv[n_words++] = args[k];
  PetscCall(MSAppSpawn(argv, out));
  PetscCall(PetscFree(argv));
  PetscCall(PetscFree(words));
  PetscFunctionReturn(0);
}
