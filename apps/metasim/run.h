/* metasim run: the farm over the user's own programs. run.c is the command, run_tasks.c builds
   the task list (a task file, or a template over a CSV table), run_child.c runs one task as a
   child process, run_status.c summarises a results file. */
#ifndef METASIM_APP_RUN_H
#define METASIM_APP_RUN_H

#include <stdint.h>
#include "commands.h"

/* The commands of a run, the same on every rank: cmds[k] for task k (one buffer, owned). */
typedef struct {
  PetscInt  n;
  char    **cmds;
  char     *text;
  uint32_t *seeds;
} MSAppRunTasks;

/* Every rank: the tasks of a task file (one shell command per line; '#' comments and blank
   lines skipped), read by rank 0. */
PetscErrorCode MSAppRunTasksFromFile(const char[], uint64_t, MSAppRunTasks *);
/* Every rank: the template expanded over each row of a CSV table ({name}, {index}, {seed}, {{). */
PetscErrorCode MSAppRunTasksFromTemplate(const char[], const char[], uint64_t, MSAppRunTasks *);
PetscErrorCode MSAppRunTasksDestroy(MSAppRunTasks *);
/* The per-task seed: the first 32 bits of the library's stream (seed, index). */
PetscErrorCode MSAppRunTaskSeed(uint64_t, PetscInt, uint32_t *);

/* How one task runs. */
typedef struct {
  const char *workdir;      /* NULL: the current directory */
  double      timeout;      /* seconds, 0: none */
  size_t      keep;         /* bytes of stdout and stderr kept */
  size_t      line_keep;    /* bytes of stdout kept for its last line (results) */
} MSAppChildOptions;

/* What one attempt did. stdout_tail and stderr_tail are zero-terminated (owned by the caller). */
typedef struct {
  int    exit_status; /* -1 when killed by a signal or not started */
  int    signal;      /* 0 unless killed by a signal */
  int    timed_out;
  int    spawn_errno; /* posix_spawn failed */
  double start, end;  /* seconds since the epoch */
  char  *out, *err;   /* tails, out: the last line_keep bytes, err: the last keep bytes */
} MSAppChildResult;

/* This process's environment without the MPI launcher's variables, plus METASIM_TASK_INDEX and
   METASIM_TASK_SEED as its last two entries (48 bytes each, rewritten per task); free with
   PetscStrArrayDestroy(). */
PetscErrorCode MSAppChildEnvironment(PetscInt, uint32_t, char ***);
/* Runs one attempt of a command under /bin/sh -c with the environment envp and fills res; a
   command that cannot start is res->spawn_errno, not an error. res->out and res->err must hold
   line_keep + 1 and keep + 1 bytes. */
PetscErrorCode MSAppChildRun(const char[], char **, const MSAppChildOptions *, MSAppChildResult *);

/* metasim run --status FILE */
PetscErrorCode MSAppRunStatus(const char[]);

#endif
