/* metasim run: the farm over the user's own programs. Each task is a shell command (a line of a
   task file, or a template expanded over a parameter table) run as a child process by MSFarm's
   schedule; the farm's HDF5 file holds /status, /results, the commands as /labels and, per task,
   a record (/records) of how the program ended and the tail of its output. */
#define _GNU_SOURCE /* strsignal, gethostname */
#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "apputil.h"
#include "run.h"

/* The fields of /records, in this order (docs/format.md). */
enum { F_EXIT, F_SIGNAL, F_TIMED_OUT, F_ATTEMPTS, F_RANK, F_HOST, F_START, F_END, F_ELAPSED, F_HISTORY, F_STDOUT, F_STDERR, F_N };
#define MS_RUN_HOST_LEN    64
#define MS_RUN_HISTORY_LEN 128
#define MS_RUN_LINE_KEEP   65536 /* stdout bytes kept for its last line (--results-from-stdout) */

typedef struct {
  MSAppRunTasks     tasks;
  MSAppChildOptions opt;
  PetscInt          retries, n_results;
  char            **envp; /* the environment of every task; its last two entries are the task's */
  size_t            n_env;
  char              host[MS_RUN_HOST_LEN];
  PetscMPIInt       rank;
  MSAppChildResult  res;
} RunCtx;

static PetscErrorCode PrintHelp(void)
{
  PetscFunctionBegin;
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "usage: mpiexec -n N metasim run TASKS.txt -o run.h5 [options]\n"
                                          "       mpiexec -n N metasim run --command 'prog --x {x} --seed {seed}' --params params.csv -o run.h5 [options]\n"
                                          "       metasim run --status run.h5\n\n"
                                          "Runs every task as a child process (/bin/sh -c) over the MPI ranks and records it in run.h5.\n"
                                          "TASKS.txt: one shell command per line; '#' comments and blank lines are skipped.\n\n"
                                          "  --command TEMPLATE        a command with {column} of the --params table, {index}, {seed}; {{ is a brace\n"
                                          "  --params FILE            the table, one row per task: CSV with a header of column names, or HDF5 with a dataset per column\n"
                                          "  -o, --output FILE.h5      the results file (required; see docs/format.md)\n"
                                          "  --seed S                  global seed of the per-task seeds {seed} and METASIM_TASK_SEED (default 0)\n"
                                          "  --timeout SECONDS         kill a task's whole process group after SECONDS (default: none)\n"
                                          "  --retries K               re-run a failed task up to K more times (default 0)\n"
"  --max-fails F             stop starting tasks after F failures; the running ones finish (default: never)\n"
                                          "  --keep-output BYTES       bytes of each task's stdout and stderr kept in the file (default 1024)\n"
                                          "  --results-from-stdout N   the last line of stdout holds N numbers: /results is n_tasks x N\n"
                                          "  --workdir DIR             the tasks' working directory (default: the current one)\n"
                                          "  --schedule NAME           dynamic (default), guided, block or cyclic\n"
                                          "  --chunk C                 tasks per piece of the schedule (default: automatic)\n"
                                          "  --resume                  run only the tasks that have not finished in run.h5\n"
                                          "  --retry-failed            run the tasks that failed in run.h5 again\n"
                                          "  --force                   replace an existing run.h5\n"
                                          "  --progress, -q/--quiet    progress bar on stderr or not (default: on at a terminal)\n"
                                          "  --status FILE.h5          summary of a results file (done, failed with messages, missing)\n\n"
                                          "Tasks see METASIM_TASK_INDEX and METASIM_TASK_SEED, and none of the MPI launcher's variables.\n"
                                          "Exits non-zero when a task failed: 'metasim run --status run.h5' lists them.\n"));
  PetscFunctionReturn(0);
}

/* The last line of stdout as n numbers (separated by blanks or commas). */
static PetscErrorCode ParseResults(const char text[], PetscInt n, PetscScalar out[], char why[], size_t len)
{
  const char *line;
  size_t      end = strlen(text);
  PetscInt    k   = 0;

  PetscFunctionBegin;
  while (end && (text[end - 1] == '\n' || text[end - 1] == '\r')) end--;
  line = text + end;
  while (line > text && line[-1] != '\n') line--;
  for (const char *p = line; p < text + end;) {
    char  *stop;
    double v;

    while (p < text + end && (isspace((unsigned char)*p) || *p == ',')) p++;
    if (p >= text + end) break;
    v = strtod(p, &stop);
    if (stop == p || k == n) {
      k = -1;
      break;
    }
    out[k++] = (PetscScalar)v;
    p        = stop;
  }
  if (k != n) snprintf(why, len, "the last line of stdout is not %" PetscInt_FMT " numbers: \"%.*s\"", n, (int)PetscMin(text + end - line, 60), line);
  else why[0] = 0;
  PetscFunctionReturn(0);
}

/* Why an attempt failed, in a few words ("" when it succeeded). */
static void Outcome(const MSAppChildResult *r, char buf[], size_t len)
{
  if (r->spawn_errno) snprintf(buf, len, "cannot start /bin/sh: %s", strerror(r->spawn_errno));
  else if (r->timed_out) snprintf(buf, len, "timed out");
  else if (r->signal) snprintf(buf, len, "killed by signal %d (%s)", r->signal, strsignal(r->signal));
  else if (r->exit_status == 127) snprintf(buf, len, "exit status 127 (command not found)");
  else if (r->exit_status) snprintf(buf, len, "exit status %d", r->exit_status);
  else buf[0] = 0;
}

/* The last non-empty line of a text, for a failure message. */
static void LastLine(const char text[], char buf[], size_t len)
{
  size_t end = strlen(text), start;

  while (end && (text[end - 1] == '\n' || text[end - 1] == '\r' || text[end - 1] == ' ')) end--;
  start = end;
  while (start && text[start - 1] != '\n') start--;
  snprintf(buf, len, "%.*s", (int)PetscMin(end - start, len - 1), text + start);
}

static PetscErrorCode RunTask(MSFarmTask *task, PetscScalar *out, void *ctx)
{
  RunCtx           *c = (RunCtx *)ctx;
  MSAppChildResult *r = &c->res;
  char              history[MS_RUN_HISTORY_LEN] = "", why[256] = "", last[128];
  PetscInt          attempt;
  double            first_start = 0;

  PetscFunctionBegin;
  snprintf(c->envp[c->n_env], 48, "METASIM_TASK_INDEX=%" PetscInt_FMT, task->index);
  snprintf(c->envp[c->n_env + 1], 48, "METASIM_TASK_SEED=%" PRIu32, c->tasks.seeds[task->index]);
  for (attempt = 0; attempt <= c->retries; attempt++) {
    char   word[64];
    size_t used = strlen(history);

    PetscCall(MSAppChildRun(c->tasks.cmds[task->index], c->envp, &c->opt, r));
    if (!attempt) first_start = r->start;
    Outcome(r, why, sizeof(why));
    if (!why[0] && c->n_results) PetscCall(ParseResults(r->out, c->n_results, out, why, sizeof(why)));
    if (r->timed_out) snprintf(word, sizeof(word), "timeout");
    else if (r->signal) snprintf(word, sizeof(word), "signal %d", r->signal);
    else snprintf(word, sizeof(word), "exit %d%s", r->exit_status, why[0] && !r->exit_status ? " (bad results)" : "");
    snprintf(history + used, sizeof(history) - used, "%s%s", used ? ", " : "", word);
    if (!why[0]) break;
  }
  PetscCall(MSFarmTaskSetInt(task, F_EXIT, r->exit_status));
  PetscCall(MSFarmTaskSetInt(task, F_SIGNAL, r->signal));
  PetscCall(MSFarmTaskSetInt(task, F_TIMED_OUT, r->timed_out));
  PetscCall(MSFarmTaskSetInt(task, F_ATTEMPTS, PetscMin(attempt + 1, c->retries + 1)));
  PetscCall(MSFarmTaskSetInt(task, F_RANK, c->rank));
  PetscCall(MSFarmTaskSetString(task, F_HOST, c->host));
  PetscCall(MSFarmTaskSetReal(task, F_START, first_start));
  PetscCall(MSFarmTaskSetReal(task, F_END, r->end));
  PetscCall(MSFarmTaskSetReal(task, F_ELAPSED, r->end - first_start));
  PetscCall(MSFarmTaskSetString(task, F_HISTORY, history));
  PetscCall(MSFarmTaskSetString(task, F_STDOUT, r->out));
  PetscCall(MSFarmTaskSetString(task, F_STDERR, r->err));
  if (!c->n_results) out[0] = (PetscScalar)r->exit_status;
  LastLine(r->err, last, sizeof(last));
  PetscCheck(!why[0], PETSC_COMM_SELF, PETSC_ERR_LIB, "%s%s%s", why, last[0] ? "; stderr: " : "", last);
  PetscFunctionReturn(0);
}

static const MSAppFlag RunFlags[] = {
  {"--help",                "-h", PETSC_FALSE},
  {"--command",             NULL, PETSC_TRUE },
  {"--params",              NULL, PETSC_TRUE },
  {"--output",              "-o", PETSC_TRUE },
  {"--seed",                NULL, PETSC_TRUE },
  {"--timeout",             NULL, PETSC_TRUE },
  {"--retries",             NULL, PETSC_TRUE },
  {"--keep-output",         NULL, PETSC_TRUE },
  {"--results-from-stdout", NULL, PETSC_TRUE },
  {"--workdir",             NULL, PETSC_TRUE },
  {"--schedule",            NULL, PETSC_TRUE },
  {"--chunk",               NULL, PETSC_TRUE },
  {"--max-fails",           NULL, PETSC_TRUE },
  {"--resume",              NULL, PETSC_FALSE},
  {"--retry-failed",        NULL, PETSC_FALSE},
  {"--force",               NULL, PETSC_FALSE},
  {"--progress",            NULL, PETSC_FALSE},
  {"--quiet",               "-q", PETSC_FALSE},
  {"--status",              NULL, PETSC_TRUE },
  {NULL,                    NULL, PETSC_FALSE}
};

/* The task list, from the task file or the template and its table. */
static PetscErrorCode GetTasks(int argc, char **argv, uint64_t seed, MSAppRunTasks *tasks)
{
  const char *tmpl, *params, *file = NULL;

  PetscFunctionBegin;
  PetscCall(MSAppGetValue(argc, argv, "--command", NULL, NULL, &tmpl));
  PetscCall(MSAppGetValue(argc, argv, "--params", NULL, NULL, &params));
  for (int k = 1; k < argc; k++) { /* the positional argument: the one word that is neither a flag nor a flag's value */
    PetscBool skip = PETSC_FALSE;

    for (const MSAppFlag *f = RunFlags; f->name; f++)
      if (f->has_value && (!strcmp(argv[k], f->name) || (f->alias && !strcmp(argv[k], f->alias)))) skip = PETSC_TRUE;
    if (skip) k++;
    else if (argv[k][0] != '-') file = argv[k];
  }
  PetscCheck(!(file && tmpl), PETSC_COMM_WORLD, PETSC_ERR_ARG_WRONG, "give a task file (%s) or --command, not both", file);
  PetscCheck(file || tmpl, PETSC_COMM_WORLD, PETSC_ERR_ARG_WRONG, "no tasks: give a task file or --command TEMPLATE --params FILE.csv (see metasim run --help)");
  PetscCheck(!tmpl || params, PETSC_COMM_WORLD, PETSC_ERR_ARG_WRONG, "--command needs --params FILE.csv");
  PetscCheck(!params || tmpl, PETSC_COMM_WORLD, PETSC_ERR_ARG_WRONG, "--params needs --command TEMPLATE");
  PetscCheck(!tmpl || tmpl[0], PETSC_COMM_WORLD, PETSC_ERR_ARG_WRONG, "--command is empty");
  if (file) PetscCall(MSAppRunTasksFromFile(file, seed, tasks));
  else PetscCall(MSAppRunTasksFromTemplate(tmpl, params, seed, tasks));
  PetscFunctionReturn(0);
}

static PetscErrorCode Run(int argc, char **argv)
{
  static const MSFarmField fields_template[F_N] = {
    {"exit_status", MS_FARM_FIELD_INT64, 0},
    {"signal", MS_FARM_FIELD_INT64, 0},
    {"timed_out", MS_FARM_FIELD_INT64, 0},
    {"attempts", MS_FARM_FIELD_INT64, 0},
    {"rank", MS_FARM_FIELD_INT64, 0},
    {"host", MS_FARM_FIELD_STRING, MS_RUN_HOST_LEN},
    {"start", MS_FARM_FIELD_DOUBLE, 0},
    {"end", MS_FARM_FIELD_DOUBLE, 0},
    {"elapsed", MS_FARM_FIELD_DOUBLE, 0},
    {"history", MS_FARM_FIELD_STRING, MS_RUN_HISTORY_LEN},
    {"stdout", MS_FARM_FIELD_STRING, 0},
    {"stderr", MS_FARM_FIELD_STRING, 0},
  };
  MSFarmField    fields[F_N];
  RunCtx         c;
  MSFarm         farm;
  const char    *output, *status, *schedule_name, *workdir;
  PetscInt       keep, n_tasks, n_failed, n_skipped, seed, chunk, max_fails, schedule = -1;
  PetscReal      timeout;
  PetscBool      help, resume, retry, force, progress, quiet, exists;
  char           name[128];

  PetscFunctionBegin;
  PetscCall(PetscMemzero(&c, sizeof(c)));
  PetscCallMPI(MPI_Comm_rank(PETSC_COMM_WORLD, &c.rank));
  PetscCall(MSAppHasFlag(argc, argv, "--help", "-h", &help));
  if (help || argc < 2) {
    PetscCall(PrintHelp());
    PetscFunctionReturn(0);
  }
  PetscCall(MSAppGetValue(argc, argv, "--status", NULL, NULL, &status));
  if (status) {
    PetscCall(MSAppRunStatus(status));
    PetscFunctionReturn(0);
  }
  PetscCall(MSAppGetValue(argc, argv, "--output", "-o", NULL, &output));
  PetscCheck(output, PETSC_COMM_WORLD, PETSC_ERR_ARG_WRONG, "-o FILE.h5 is required (the results file)");
  PetscCall(MSAppGetInt(argc, argv, "--seed", NULL, 0, 0, PETSC_MAX_INT, &seed));
  PetscCall(MSAppGetReal(argc, argv, "--timeout", NULL, 0, 0, &timeout));
  PetscCall(MSAppGetInt(argc, argv, "--retries", NULL, 0, 0, 1000, &c.retries));
  PetscCall(MSAppGetInt(argc, argv, "--keep-output", NULL, 1024, 0, 1 << 20, &keep));
  PetscCall(MSAppGetInt(argc, argv, "--results-from-stdout", NULL, 0, 0, 1 << 16, &c.n_results));
  PetscCall(MSAppGetInt(argc, argv, "--chunk", NULL, 0, 0, PETSC_MAX_INT, &chunk));
  PetscCall(MSAppGetInt(argc, argv, "--max-fails", NULL, 0, 1, PETSC_MAX_INT, &max_fails));
  PetscCall(MSAppGetValue(argc, argv, "--schedule", NULL, "dynamic", &schedule_name));
  PetscCall(MSAppGetValue(argc, argv, "--workdir", NULL, NULL, &workdir));
  PetscCall(MSAppHasFlag(argc, argv, "--resume", NULL, &resume));
  PetscCall(MSAppHasFlag(argc, argv, "--retry-failed", NULL, &retry));
  PetscCall(MSAppHasFlag(argc, argv, "--force", NULL, &force));
  PetscCall(MSAppHasFlag(argc, argv, "--progress", NULL, &progress));
  PetscCall(MSAppHasFlag(argc, argv, "--quiet", "-q", &quiet));
  for (PetscInt s = 0; s <= MS_FARM_GUIDED; s++)
    if (!strcmp(schedule_name, MSFarmSchedules[s])) schedule = s;
  PetscCheck(schedule >= 0, PETSC_COMM_WORLD, PETSC_ERR_ARG_WRONG, "--schedule %s: expected dynamic, guided, block or cyclic", schedule_name);
  PetscCheck(timeout == 0 || timeout >= 1e-3, PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE, "--timeout %g: expected at least 0.001 seconds", (double)timeout);
  PetscCheck(!workdir || access(workdir, X_OK) == 0, PETSC_COMM_WORLD, PETSC_ERR_ARG_WRONG, "--workdir %s: %s", workdir, strerror(errno));
  PetscCheck(!(resume || retry) || !force, PETSC_COMM_WORLD, PETSC_ERR_ARG_WRONG, "--force replaces the results file: it cannot go with --resume or --retry-failed");
  PetscCall(MSAppCheckOverwrite(output, resume || retry || force, "--resume, --retry-failed or --force", &exists));
  PetscCall(GetTasks(argc, argv, (uint64_t)seed, &c.tasks));
  PetscCheck(!(resume || retry) || exists, PETSC_COMM_WORLD, PETSC_ERR_FILE_OPEN, "cannot resume %s: the file does not exist", output);
  if (exists && force && c.rank == 0) PetscCheck(remove(output) == 0, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "cannot replace %s: %s", output, strerror(errno));

  c.opt.workdir   = workdir;
  c.opt.timeout   = (double)timeout;
  c.opt.keep      = (size_t)keep;
  c.opt.line_keep = c.n_results ? MS_RUN_LINE_KEEP : (size_t)keep;
  PetscCall(PetscMalloc2(c.opt.line_keep + 1, &c.res.out, c.opt.keep + 1, &c.res.err));
  if (gethostname(c.host, sizeof(c.host) - 1)) PetscCall(PetscStrncpy(c.host, "unknown", sizeof(c.host)));
  PetscCall(MSAppChildEnvironment(0, 0, &c.envp));
  while (c.envp[c.n_env]) c.n_env++;
  c.n_env -= 2;

  PetscCall(PetscArraycpy(fields, fields_template, F_N));
  fields[F_STDOUT].size = fields[F_STDERR].size = (size_t)keep + 1;
  PetscCall(MSFarmCreate(PETSC_COMM_WORLD, &farm));
  PetscCall(MSFarmSetTasks(farm, c.tasks.n, PetscMax(c.n_results, 1)));
  PetscCall(MSFarmSetTaskLabels(farm, (const char *const *)c.tasks.cmds));
  PetscCall(MSFarmSetTaskRecord(farm, F_N, fields));
  PetscCall(MSFarmSetSeed(farm, (uint64_t)seed));
  PetscCall(PetscSNPrintf(name, sizeof(name), "run: results-from-stdout %" PetscInt_FMT ", keep-output %" PetscInt_FMT, c.n_results, keep));
  PetscCall(MSFarmSetName(farm, name));
  PetscCall(MSFarmSetSchedule(farm, (MSFarmSchedule)schedule, chunk));
  PetscCall(MSFarmSetOutputFile(farm, output));
  PetscCall(MSFarmSetMaxFailures(farm, max_fails));
  PetscCall(MSFarmSetResume(farm, resume, retry));
  PetscCall(MSFarmSetProgress(farm, c.rank == 0 && !quiet && (progress || MSAppStderrIsTerminal()) ? PETSC_TRUE : PETSC_FALSE));
  PetscCall(MSFarmMap(farm, RunTask, &c, MS_FARM_RESULTS_NONE, NULL));
  PetscCall(MSFarmGetFailures(farm, &n_failed, NULL));
  PetscCall(MSFarmGetSkipped(farm, &n_skipped));
  PetscCall(MSFarmDestroy(&farm));
  PetscCall(PetscFree2(c.res.out, c.res.err));
  PetscCall(PetscStrArrayDestroy(&c.envp));
  n_tasks = c.tasks.n;
  PetscCall(MSAppRunTasksDestroy(&c.tasks));
  PetscCheck(!n_skipped, PETSC_COMM_WORLD, PETSC_ERR_LIB, "stopped after %" PetscInt_FMT " failures (--max-fails %" PetscInt_FMT "): %" PetscInt_FMT " tasks not run (--resume runs them, --retry-failed the failed ones)", n_failed, max_fails, n_skipped);
  PetscCheck(!n_failed, PETSC_COMM_WORLD, PETSC_ERR_LIB, "%" PetscInt_FMT " of %" PetscInt_FMT " tasks failed (metasim run --status %s lists them; re-run them with --retry-failed)", n_failed, n_tasks, output);
  PetscFunctionReturn(0);
}


const MSAppCommand MSAppRunCommand = {"run", "farm your own programs: a task file of shell commands, or a template over a CSV table", Run, 1, RunFlags};
