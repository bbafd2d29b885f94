/* One task of metasim run as a child process: /bin/sh -c COMMAND started with posix_spawn (no
   fork of the MPI process) in its own process group, stdin from /dev/null, stdout and stderr
   through pipes read with poll(), of which only a tail is kept (a task that writes gigabytes
   costs no memory), killed with its whole group at the timeout. */
#define _GNU_SOURCE /* posix_spawn_file_actions_addchdir_np, pipe2 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <string.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "run.h"

extern char **environ;

/* Variables of the MPI launcher that a task must not see (a task may be an MPI program itself). */
static const char *const MSAppLauncherPrefixes[] = {"OMPI_", "PMIX_", "PMI_", "HYDRA_", "MPI_LOCALRANKID=", "MPI_LOCALNRANKS=", "I_MPI_", "MPIR_", "OPAL_", "PRTE_", "ORTE_", "METASIM_TASK_"};

PetscErrorCode MSAppChildEnvironment(PetscInt index, uint32_t seed, char ***envp)
{
  size_t n = 0, k = 0;

  PetscFunctionBegin;
  while (environ[n]) n++;
  PetscCall(PetscCalloc1(n + 3, envp));
  for (size_t e = 0; e < n; e++) {
    PetscBool launcher = PETSC_FALSE;

    for (size_t p = 0; p < sizeof(MSAppLauncherPrefixes) / sizeof(MSAppLauncherPrefixes[0]); p++)
      if (!strncmp(environ[e], MSAppLauncherPrefixes[p], strlen(MSAppLauncherPrefixes[p]))) launcher = PETSC_TRUE;
    if (!launcher) PetscCall(PetscStrallocpy(environ[e], &(*envp)[k++]));
  }
  PetscCall(PetscMalloc1(48, &(*envp)[k]));
  snprintf((*envp)[k++], 48, "METASIM_TASK_INDEX=%" PetscInt_FMT, index);
  PetscCall(PetscMalloc1(48, &(*envp)[k]));
  snprintf((*envp)[k++], 48, "METASIM_TASK_SEED=%" PRIu32, seed);
  PetscFunctionReturn(0);
}

/* The last cap bytes of a stream: a ring buffer. */
typedef struct {
  char  *buf;
  size_t cap, total;
} Tail;

static void TailAdd(Tail *t, const char *s, size_t n)
{
  if (!t->cap) return;
  if (n >= t->cap) {
    s += n - t->cap;
    t->total += n - t->cap;
    n = t->cap;
  }
  for (size_t k = 0; k < n; k++) t->buf[(t->total + k) % t->cap] = s[k] ? s[k] : ' ';
  t->total += n;
}

/* The tail in order, zero-terminated, in out (cap + 1 bytes). */
static void TailCopy(const Tail *t, char *out)
{
  size_t n = PetscMin(t->total, t->cap), first = t->total - n;

  for (size_t k = 0; k < n; k++) out[k] = t->buf[(first + k) % t->cap];
  out[n] = 0;
}

static double Now(void)
{
  struct timeval tv;

  gettimeofday(&tv, NULL);
  return (double)tv.tv_sec + 1e-6 * (double)tv.tv_usec;
}

PetscErrorCode MSAppChildRun(const char command[], char **envp, const MSAppChildOptions *opt, MSAppChildResult *res)
{
  posix_spawn_file_actions_t fa;
  posix_spawnattr_t          attr;
  int                        out[2], err[2], status = 0, rc;
  pid_t                      pid;
  char                      *argv[] = {(char *)"/bin/sh", (char *)"-c", (char *)command, NULL};
  Tail                       tails[2];
  struct pollfd              fds[2];
  PetscBool                  exited = PETSC_FALSE;
  char                       chunk[65536];

  PetscFunctionBegin;
  res->exit_status = -1;
  res->signal = res->timed_out = res->spawn_errno = 0;
  res->start = res->end = Now();
  res->out[0] = res->err[0] = 0;
  PetscCheck(pipe2(out, O_CLOEXEC) == 0 && pipe2(err, O_CLOEXEC) == 0, PETSC_COMM_SELF, PETSC_ERR_SYS, "cannot create pipes for a task: %s", strerror(errno));
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&fa, out[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&fa, err[1], STDERR_FILENO);
  if (opt->workdir) posix_spawn_file_actions_addchdir_np(&fa, opt->workdir);
  posix_spawnattr_init(&attr);
  posix_spawnattr_setpgroup(&attr, 0);
  {
    sigset_t none, all;

    sigemptyset(&none);
    sigfillset(&all);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setsigdefault(&attr, &all); /* SIGPIPE and others as a shell expects them */
  }
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  rc = posix_spawn(&pid, "/bin/sh", &fa, &attr, argv, envp);
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
  close(out[1]);
  close(err[1]);
  if (rc) {
    res->spawn_errno = rc;
    close(out[0]);
    close(err[0]);
    res->end = Now();
    PetscFunctionReturn(0);
  }
  tails[0].cap = opt->line_keep;
  tails[1].cap = opt->keep;
  tails[0].buf = res->out;
  tails[1].buf = res->err;
  tails[0].total = tails[1].total = 0;
  fds[0].fd = out[0];
  fds[1].fd = err[0];
  fds[0].events = fds[1].events = POLLIN;
  /* read until both pipes close; once the shell has exited, stop at the first quiet moment
     (a background process may hold the pipes open) */
  while (fds[0].fd >= 0 || fds[1].fd >= 0) {
    int wait_ms = 100, n;

    if (opt->timeout > 0) {
      double left = res->start + opt->timeout - Now();

      if (left <= 0) {
        res->timed_out = 1;
        break;
      }
      wait_ms = (int)PetscMin(100.0, left * 1000 + 1);
    }
    n = poll(fds, 2, wait_ms);
    if (n < 0 && errno == EINTR) continue;
    if (n == 0 && !exited) {
      if (waitpid(pid, &status, WNOHANG) == pid) exited = PETSC_TRUE;
      continue;
    }
    if (n == 0) break;
    for (int s = 0; s < 2; s++) {
      ssize_t got;

      if (fds[s].fd < 0 || !(fds[s].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      got = read(fds[s].fd, chunk, sizeof(chunk));
      if (got > 0) TailAdd(&tails[s], chunk, (size_t)got);
      else if (got == 0 || errno != EINTR) {
        close(fds[s].fd);
        fds[s].fd = -1;
      }
    }
  }
  for (int s = 0; s < 2; s++)
    if (fds[s].fd >= 0) close(fds[s].fd);
  if (res->timed_out) kill(-pid, SIGKILL); /* the whole group: the shell and what it started */
  if (!exited || res->timed_out) {
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
  }
  res->end = Now();
  if (WIFEXITED(status)) res->exit_status = WEXITSTATUS(status);
  else if (WIFSIGNALED(status)) res->signal = WTERMSIG(status);
  {
    char *copy;

    PetscCall(PetscMalloc1(PetscMax(opt->line_keep, opt->keep) + 1, &copy));
    TailCopy(&tails[0], copy);
    PetscCall(PetscStrcpy(res->out, copy));
    TailCopy(&tails[1], copy);
    PetscCall(PetscStrcpy(res->err, copy));
    PetscCall(PetscFree(copy));
  }
  PetscFunctionReturn(0);
}
