/* MSFarm interface: life cycle, task description and options. */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include "farm/farmimpl.h"

const char *const MSFarmSchedules[] = {"block", "cyclic", "dynamic", "guided", "MSFarmSchedule", "MS_FARM_", NULL};
const char *const MSFarmCounters[]  = {"auto", "rma", "thread", "server", "MSFarmCounter", "MS_FARM_COUNTER_", NULL};

/*@C
  MSFarmCreate - creates a task farm on a communicator

  Collective

  Input Parameter:
. comm - the ranks that run the tasks (every rank, rank 0 included, runs tasks)

  Output Parameter:
. farm - the new farm

  Notes:
  Defaults: dynamic schedule with automatic chunks, seed 0, no output file, no progress bar.

  Level: beginner

.seealso: `MSFarmSetTasks()`, `MSFarmSetGrid()`, `MSFarmSetFromOptions()`, `MSFarmMap()`, `MSFarmDestroy()`
@*/
PetscErrorCode MSFarmCreate(MPI_Comm comm, MSFarm *farm)
{
  MSFarm f;

  PetscFunctionBegin;
  PetscCheck(farm, PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "MSFarmCreate: null pointer for the farm (argument 2)");
  *farm = NULL;
  PetscCall(MSFarmInitializePackage());
  PetscCall(PetscNew(&f));
  PetscCall(MSHeaderInitialize(&f->hdr, comm, MS_FARM_CLASSID, "MSFarm"));
  f->n_tasks  = -1;
  f->out_size = -1;
  f->schedule   = MS_FARM_DYNAMIC;
  f->group_size = 1;
  PetscCall(MSHeaderSetTypeName(&f->hdr, MSFarmSchedules[f->schedule]));
  *farm = f;
  PetscFunctionReturn(0);
}

static PetscErrorCode MSFarmCheckNotSetUp(MSFarm farm, const char caller[])
{
  PetscFunctionBegin;
  MSValidHeader(farm, 1);
  PetscCheck(!farm->hdr.setupcalled, farm->hdr.comm, PETSC_ERR_ARG_WRONGSTATE, "%s: cannot change an MSFarm after MSFarmSetUp()", caller);
  PetscFunctionReturn(0);
}

/*@C
  MSFarmSetTasks - sets the number of tasks of a plain map and the length of each task's output

  Logically Collective

  Input Parameters:
+ farm     - the farm
. n_tasks  - number of tasks, at least 1
- out_size - number of `PetscScalar` each task writes, at least 1

  Level: beginner

.seealso: `MSFarmSetGrid()`, `MSFarmSetInputs()`, `MSFarmMap()`
@*/
PetscErrorCode MSFarmSetTasks(MSFarm farm, PetscInt n_tasks, PetscInt out_size)
{
  PetscFunctionBegin;
  PetscCall(MSFarmCheckNotSetUp(farm, "MSFarmSetTasks"));
  PetscCheck(n_tasks >= 1, farm->hdr.comm, PETSC_ERR_ARG_OUTOFRANGE, "MSFarmSetTasks: the number of tasks must be at least 1, got %" PetscInt_FMT, n_tasks);
  PetscCheck(out_size >= 1, farm->hdr.comm, PETSC_ERR_ARG_OUTOFRANGE, "MSFarmSetTasks: the output size must be at least 1, got %" PetscInt_FMT, out_size);
  PetscCheck((size_t)out_size * sizeof(PetscScalar) <= MS_FARM_MESSAGE_BYTES / 2, farm->hdr.comm, PETSC_ERR_ARG_OUTOFRANGE, "MSFarmSetTasks: an output of %" PetscInt_FMT " scalars exceeds the largest supported per-task output (%d bytes)", out_size, MS_FARM_MESSAGE_BYTES / 2);
  farm->n_tasks  = n_tasks;
  farm->out_size = out_size;
  farm->grid     = MS_FARM_GRID_FULL;
  farm->rows     = n_tasks;
  farm->cols     = 1;
  PetscFunctionReturn(0);
}

/*@C
  MSFarmSetGrid - makes the farm a starmap over an index grid

  Logically Collective

  Input Parameters:
+ farm     - the farm
. shape    - `MS_FARM_GRID_FULL` (rows x cols tasks) or `MS_FARM_GRID_LOWER` (i, j <= i: rows (rows + 1) / 2 tasks)
. rows     - number of rows
. cols     - number of columns (must equal rows for `MS_FARM_GRID_LOWER`)
- out_size - number of `PetscScalar` each task writes

  Notes:
  Tasks run over the grid row by row; `MSFarmTask` gives each task its (i, j). The lower
  triangle is what symmetric and Hermitian matrix assembly needs: H[j][i] = conj(H[i][j]).

  Level: beginner

.seealso: `MSFarmSetTasks()`, `MSFarmTask`
@*/
PetscErrorCode MSFarmSetGrid(MSFarm farm, MSFarmGridShape shape, PetscInt rows, PetscInt cols, PetscInt out_size)
{
  PetscInt n;

  PetscFunctionBegin;
  PetscCall(MSFarmCheckNotSetUp(farm, "MSFarmSetGrid"));
  PetscCheck(rows >= 1 && cols >= 1, farm->hdr.comm, PETSC_ERR_ARG_OUTOFRANGE, "MSFarmSetGrid: the grid needs at least one row and column, got %" PetscInt_FMT " x %" PetscInt_FMT, rows, cols);
  PetscCheck(shape == MS_FARM_GRID_FULL || shape == MS_FARM_GRID_LOWER, farm->hdr.comm, PETSC_ERR_ARG_OUTOFRANGE, "MSFarmSetGrid: unknown grid shape %d", (int)shape);
  PetscCheck(shape != MS_FARM_GRID_LOWER || rows == cols, farm->hdr.comm, PETSC_ERR_ARG_SIZ, "MSFarmSetGrid: a lower-triangular grid must be square, got %" PetscInt_FMT " x %" PetscInt_FMT, rows, cols);
  PetscCheck(rows <= PETSC_MAX_INT / cols, farm->hdr.comm, PETSC_ERR_ARG_OUTOFRANGE, "MSFarmSetGrid: %" PetscInt_FMT " x %" PetscInt_FMT " tasks overflow PetscInt", rows, cols);
  n = shape == MS_FARM_GRID_FULL ? rows * cols : rows * (rows + 1) / 2;
  PetscCall(MSFarmSetTasks(farm, n, out_size));
  farm->grid = shape;
  farm->rows = rows;
  farm->cols = cols;
  PetscFunctionReturn(0);
}

/*@C
  MSFarmGetTasks - the number of tasks and the output size

  Not Collective

  Output Parameters:
+ n_tasks  - number of tasks (or NULL)
- out_size - scalars per task output (or NULL)

  Level: beginner

.seealso: `MSFarmSetTasks()`
@*/
PetscErrorCode MSFarmGetTasks(MSFarm farm, PetscInt *n_tasks, PetscInt *out_size)
{
  PetscFunctionBegin;
  MSValidHeader(farm, 1);
  if (n_tasks) *n_tasks = farm->n_tasks;
  if (out_size) *out_size = farm->out_size;
  PetscFunctionReturn(0);
}

/*@C
  MSFarmSetInputs - gives every task a row of a user array

  Logically Collective

  Input Parameters:
+ farm    - the farm
. in_size - scalars per task
- inputs  - n_tasks x in_size values, row by task index, the same on every rank (borrowed: keep it alive until `MSFarmMap()` returns)

  Level: beginner

.seealso: `MSFarmTask`, `MSFarmMap()`
@*/
PetscErrorCode MSFarmSetInputs(MSFarm farm, PetscInt in_size, const PetscScalar inputs[])
{
  PetscFunctionBegin;
  MSValidHeader(farm, 1);
  PetscCheck(in_size >= 1 && inputs, farm->hdr.comm, PETSC_ERR_ARG_WRONG, "MSFarmSetInputs: need a non-NULL input array with at least one scalar per task, got in_size %" PetscInt_FMT, in_size);
  farm->in_size = in_size;
  farm->inputs  = inputs;
  PetscFunctionReturn(0);
}

/*@C
  MSFarmSetSchedule - chooses how tasks are handed to ranks

  Logically Collective

  Input Parameters:
+ farm     - the farm
. schedule - `MS_FARM_BLOCK`, `MS_FARM_CYCLIC`, `MS_FARM_DYNAMIC` or `MS_FARM_GUIDED`
- chunk    - tasks per chunk (dynamic), smallest chunk (guided), tasks between reports to rank 0 (static); 0 for automatic

  Options Database Keys:
+ -farm_schedule <block,cyclic,dynamic,guided> - the schedule
- -farm_chunk <n> - the chunk size

  Notes:
  Results never depend on the schedule. The dynamic schedules share one counter of pieces,
  served as `MSFarmSetCounter()` says; every rank, rank 0 included, runs tasks (unless the
  counter is served by rank 0 alone). The automatic chunk is max(1, tasks / (32 size)).

  Level: beginner

.seealso: `MSFarmSchedule`, `MSFarmGetSchedule()`, `MSFarmSetCounter()`
@*/
PetscErrorCode MSFarmSetSchedule(MSFarm farm, MSFarmSchedule schedule, PetscInt chunk)
{
  PetscFunctionBegin;
  MSValidHeader(farm, 1);
  PetscCheck(schedule >= MS_FARM_BLOCK && schedule <= MS_FARM_GUIDED, farm->hdr.comm, PETSC_ERR_ARG_OUTOFRANGE, "MSFarmSetSchedule: unknown schedule %d", (int)schedule);
  PetscCheck(chunk >= 0, farm->hdr.comm, PETSC_ERR_ARG_OUTOFRANGE, "MSFarmSetSchedule: the chunk size must be 0 (automatic) or positive, got %" PetscInt_FMT, chunk);
  farm->schedule = schedule;
  farm->chunk    = chunk;
  PetscCall(MSHeaderSetTypeName(&farm->hdr, MSFarmSchedules[schedule]));
  PetscFunctionReturn(0);
}

/*@C
  MSFarmSetCounter - chooses how the shared counter of the dynamic and guided schedules is served

  Logically Collective

  Input Parameters:
+ farm    - the farm
- counter - `MS_FARM_COUNTER_AUTO` (the default), `MS_FARM_COUNTER_RMA`, `MS_FARM_COUNTER_THREAD`
            or `MS_FARM_COUNTER_SERVER`

  Options Database Key:
. -farm_counter <auto,rma,thread,server> - the counter

  Notes:
  auto works on every transport: one-sided MPI where every rank shares one node, else a thread
  on rank 0 (when MPI was initialised with `MPI_THREAD_MULTIPLE`: set
  `PETSC_MPI_THREAD_REQUIRED = MPI_THREAD_MULTIPLE` before `PetscInitialize()`, as the metasim
  command does), else rank 0 as a server that runs no tasks. In no case does a rank wait for
  rank 0 to finish a task. rma across hosts needs an osc component that reaches them (Open MPI:
  `--mca osc pt2pt` where it is not excluded); it fails with a clear error otherwise.

  Level: intermediate

.seealso: `MSFarmCounter`, `MSFarmGetCounter()`, `MSFarmSetSchedule()`
@*/
PetscErrorCode MSFarmSetCounter(MSFarm farm, MSFarmCounter counter)
{
  PetscFunctionBegin;
  MSValidHeader(farm, 1);
  PetscCheck(counter >= MS_FARM_COUNTER_AUTO && counter <= MS_FARM_COUNTER_SERVER, farm->hdr.comm, PETSC_ERR_ARG_OUTOFRANGE, "MSFarmSetCounter: unknown counter %d", (int)counter);
  farm->counter = counter;
  PetscFunctionReturn(0);
}

/*@C
  MSFarmGetCounter - how the counter of the dynamic schedules is served (as set; auto is decided
  at each `MSFarmMap()`)

  Not Collective

  Output Parameter:
. counter - the counter

  Level: intermediate

.seealso: `MSFarmSetCounter()`
@*/
PetscErrorCode MSFarmGetCounter(MSFarm farm, MSFarmCounter *counter)
{
  PetscFunctionBegin;
  MSValidHeader(farm, 1);
  *counter = farm->counter;
  PetscFunctionReturn(0);
}

/*@C
  MSFarmSetGroupSize - makes every task run on a group of ranks (MPI-parallel tasks)

  Logically Collective

  Input Parameters:
+ farm       - the farm
- group_size - ranks per task, at least 1 (default 1); must divide the size of the farm's communicator

  Options Database Key:
. -farm_group_size <K> - the group size

  Notes:
  The farm's communicator is split into groups of K consecutive ranks; each task runs on one
  group: every rank of it calls the task function with `MSFarmTask`.comm, the group's
  communicator (`PETSC_COMM_SELF` for K = 1), and the same index, input and random stream. The
  output of the group's first rank is kept. Groups take tasks under the farm's schedule as single
  ranks do (with the server counter, the first group serves and runs no tasks). A task fails when
  it returns an error on any rank of its group; it is recorded once, with the first failing
  rank's message, and the group goes on. A task that fails on some ranks must not leave the others
  waiting in one of its own collective calls. A K that does not divide the number of ranks is an
  error of `MSFarmSetUp()` on every rank.

  Level: intermediate

.seealso: `MSFarmTask`, `MSFarmGetGroupSize()`, `MSFarmSetSchedule()`
@*/
PetscErrorCode MSFarmSetGroupSize(MSFarm farm, PetscInt group_size)
{
  PetscFunctionBegin;
  PetscCall(MSFarmCheckNotSetUp(farm, "MSFarmSetGroupSize"));
  PetscCheck(group_size >= 1 && group_size <= PETSC_MPI_INT_MAX, farm->hdr.comm, PETSC_ERR_ARG_OUTOFRANGE, "MSFarmSetGroupSize: the group size must be in [1, %d], got %" PetscInt_FMT, PETSC_MPI_INT_MAX, group_size);
  farm->group_size = group_size;
  PetscFunctionReturn(0);
}

/*@C
  MSFarmGetGroupSize - the number of ranks that run each task

  Not Collective

  Output Parameter:
. group_size - ranks per task

  Level: intermediate

.seealso: `MSFarmSetGroupSize()`
@*/
PetscErrorCode MSFarmGetGroupSize(MSFarm farm, PetscInt *group_size)
{
  PetscFunctionBegin;
  MSValidHeader(farm, 1);
  *group_size = farm->group_size;
  PetscFunctionReturn(0);
}

/*@C
  MSFarmGetSchedule - the schedule and chunk size

  Not Collective

  Level: beginner

.seealso: `MSFarmSetSchedule()`
@*/
PetscErrorCode MSFarmGetSchedule(MSFarm farm, MSFarmSchedule *schedule, PetscInt *chunk)
{
  PetscFunctionBegin;
  MSValidHeader(farm, 1);
  if (schedule) *schedule = farm->schedule;
  if (chunk) *chunk = farm->chunk;
  PetscFunctionReturn(0);
}

/*@C
  MSFarmSetSeed - the global seed of the per-task random streams

  Logically Collective

  Options Database Key:
. -farm_seed <s> - the seed (default 0)

  Notes:
  Task k gets the stream `MSRandomStreamInitialize`(seed, k), whatever rank runs it.

  Level: beginner

.seealso: `MSFarmTask`, `MSRandomStream`
@*/
PetscErrorCode MSFarmSetSeed(MSFarm farm, uint64_t seed)
{
  PetscFunctionBegin;
  MSValidHeader(farm, 1);
  farm->seed = seed;
  PetscFunctionReturn(0);
}

static PetscErrorCode MSFarmSetString(MSFarm farm, char **dest, const char value[])
{
  PetscFunctionBegin;
  PetscCall(PetscFree(*dest));
  if (value && value[0]) PetscCall(PetscStrallocpy(value, dest));
  PetscFunctionReturn(0);
}

/*@C
  MSFarmSetOutputFile - streams results and the task-status table to an HDF5 file

  Logically Collective

  Input Parameters:
+ farm     - the farm
- filename - the HDF5 file, or NULL for none

  Options Database Key:
. -farm_output <file.h5> - the file

  Notes:
  Rank 0 writes /results (n_tasks x out_size float64, NaN until computed), /status (int8: 0
  missing, 1 done, 2 failed) as batches of results arrive, flushing after each, so a killed run
  loses at most the batches in flight. The file must not exist unless the farm resumes it. See
  docs/farm.md for the format.

  Level: beginner

.seealso: `MSFarmSetResume()`
@*/
PetscErrorCode MSFarmSetOutputFile(MSFarm farm, const char filename[])
{
  PetscFunctionBegin;
  PetscCall(MSFarmCheckNotSetUp(farm, "MSFarmSetOutputFile"));
  PetscCall(MSFarmSetString(farm, &farm->output, filename));
  PetscFunctionReturn(0);
}

/*@C
  MSFarmSetName - names what defines the sweep beyond its sizes and seed (its kind and parameters)

  Logically Collective

  Input Parameters:
+ farm - the farm
- name - e.g. "lif n=100" (at most 255 characters), or NULL

  Notes:
  Recorded in the output file as the root attribute "sweep"; `-farm_resume` refuses a file whose
  sweep differs (also the number of tasks, output size, seed and a checksum of the task inputs),
  naming the first difference.

  Level: intermediate

.seealso: `MSFarmSetOutputFile()`, `MSFarmSetResume()`
@*/
PetscErrorCode MSFarmSetName(MSFarm farm, const char name[])
{
  size_t len;

  PetscFunctionBegin;
  PetscCall(MSFarmCheckNotSetUp(farm, "MSFarmSetName"));
  PetscCall(PetscStrlen(name, &len));
  PetscCheck(len < MS_FARM_MESSAGE_LEN, farm->hdr.comm, PETSC_ERR_ARG_OUTOFRANGE, "MSFarmSetName: the name has %zu characters, more than %d", len, MS_FARM_MESSAGE_LEN - 1);
  PetscCall(MSFarmSetString(farm, &farm->name, name));
  PetscFunctionReturn(0);
}

/*@C
  MSFarmSetResume - continues an existing output file instead of creating one

  Logically Collective

  Input Parameters:
+ farm         - the farm
. resume       - run only the tasks the file has not got (status missing)
- retry_failed - run the tasks that failed (status failed)

  Options Database Keys:
+ -farm_resume       - resume
- -farm_retry_failed - retry failed tasks

  Notes:
  The file must come from the same sweep: same name (`MSFarmSetName()`), number of tasks, output
  size, seed and task inputs, else the map fails naming the first difference, and the file is
  left untouched.

  Level: beginner

.seealso: `MSFarmSetOutputFile()`
@*/
PetscErrorCode MSFarmSetResume(MSFarm farm, PetscBool resume, PetscBool retry_failed)
{
  PetscFunctionBegin;
  PetscCall(MSFarmCheckNotSetUp(farm, "MSFarmSetResume"));
  farm->resume       = resume;
  farm->retry_failed = retry_failed;
  PetscFunctionReturn(0);
}

/*@C
  MSFarmSetProgress - shows a progress bar on rank 0's stderr

  Logically Collective

  Options Database Key:
. -farm_progress - show it

  Notes:
  On a terminal the bar (done/total, rate, ETA) is redrawn in place; otherwise a plain line is
  printed every few seconds.

  Level: beginner

.seealso: `MSFarmSetRecordFile()`
@*/
PetscErrorCode MSFarmSetProgress(MSFarm farm, PetscBool progress)
{
  PetscFunctionBegin;
  MSValidHeader(farm, 1);
  farm->progress = progress;
  PetscFunctionReturn(0);
}

/*@C
  MSFarmSetRecordFile - writes one JSON line per completed task: index, rank, seconds, status

  Logically Collective

  Options Database Key:
. -farm_record <file> - the JSON-lines file (rank 0 writes it)

  Level: intermediate

.seealso: `MSFarmSetProgress()`
@*/
PetscErrorCode MSFarmSetRecordFile(MSFarm farm, const char filename[])
{
  PetscFunctionBegin;
  MSValidHeader(farm, 1);
  PetscCall(MSFarmSetString(farm, &farm->record, filename));
  PetscFunctionReturn(0);
}

/*@C
  MSFarmSetResultCallback - calls a function on rank 0 for each result as it arrives, in
  completion order (like imap_unordered)

  Logically Collective

  Input Parameters:
+ farm - the farm
. fn   - the callback (index, out, out_size, ctx), or NULL; failed tasks are not passed
- ctx  - its context

  Level: intermediate

.seealso: `MSFarmMap()`
@*/
PetscErrorCode MSFarmSetResultCallback(MSFarm farm, MSFarmResultFn fn, void *ctx)
{
  PetscFunctionBegin;
  MSValidHeader(farm, 1);
  farm->result_fn  = fn;
  farm->result_ctx = ctx;
  PetscFunctionReturn(0);
}

/*@C
  MSFarmSetMaxFailures - stops running tasks once this many have failed in one map

  Logically Collective

  Input Parameters:
+ farm         - the farm
- max_failures - the limit, 0 for none (the default)

  Options Database Key:
. -farm_max_failures <n> - the limit

  Notes:
  Tasks already running finish; the tasks not run keep their status in the output file (missing,
  or failed in an earlier run), so -farm_resume or -farm_retry_failed runs them later.
  `MSFarmGetSkipped()` says how many were not run. Ranks learn of the limit from rank 0 as its
  count reaches it, so a few more tasks than the limit may fail.

  Level: intermediate

.seealso: `MSFarmGetSkipped()`, `MSFarmGetFailures()`
@*/
PetscErrorCode MSFarmSetMaxFailures(MSFarm farm, PetscInt max_failures)
{
  PetscFunctionBegin;
  PetscCall(MSFarmCheckNotSetUp(farm, "MSFarmSetMaxFailures"));
  PetscCheck(max_failures >= 0, farm->hdr.comm, PETSC_ERR_ARG_OUTOFRANGE, "MSFarmSetMaxFailures: the limit must be at least 0, got %" PetscInt_FMT, max_failures);
  farm->max_failures = max_failures;
  PetscFunctionReturn(0);
}

/*@C
  MSFarmGetSkipped - how many tasks the last `MSFarmMap()` did not run because of the failure limit

  Not Collective (the same on every rank)

  Level: intermediate

.seealso: `MSFarmSetMaxFailures()`
@*/
PetscErrorCode MSFarmGetSkipped(MSFarm farm, PetscInt *n_skipped)
{
  PetscFunctionBegin;
  MSValidHeader(farm, 1);
  *n_skipped = farm->n_skipped;
  PetscFunctionReturn(0);
}

/*@C
  MSFarmSetOptionsPrefix - prefix for every option this farm reads

  Logically Collective

  Level: intermediate

.seealso: `MSFarmSetFromOptions()`
@*/
PetscErrorCode MSFarmSetOptionsPrefix(MSFarm farm, const char prefix[])
{
  PetscFunctionBegin;
  MSValidHeader(farm, 1);
  PetscCall(MSHeaderSetOptionsPrefix(&farm->hdr, prefix));
  PetscFunctionReturn(0);
}

/* The value of -farm_NAME in [min, max]: digits only, no sign, no wrap-around, no trailing text. */
static PetscErrorCode MSFarmParseCount(MSFarm farm, const char name[], const char text[], uint64_t min, uint64_t max, uint64_t *value)
{
  unsigned long long v;
  char              *end;

  PetscFunctionBegin;
  errno = 0;
  v     = strtoull(text, &end, 10);
  PetscCheck(isdigit((unsigned char)text[0]) && !*end && errno != ERANGE && v >= min && v <= max, farm->hdr.comm, PETSC_ERR_ARG_OUTOFRANGE, "MSFarm: -%sfarm_%s %s: expected an integer in [%llu, %llu]", farm->hdr.prefix ? farm->hdr.prefix : "", name, text, (unsigned long long)min, (unsigned long long)max);
  *value = (uint64_t)v;
  PetscFunctionReturn(0);
}

/* The index of value in names[0 .. n), or -1. */
static PetscErrorCode MSFarmFindName(const char *const names[], PetscInt n, const char value[], PetscInt *found)
{
  PetscFunctionBegin;
  *found = -1;
  for (PetscInt k = 0; k < n && *found < 0; k++) {
    PetscBool same;

    PetscCall(PetscStrcmp(value, names[k], &same));
    if (same) *found = k;
  }
  PetscFunctionReturn(0);
}

/*@C
  MSFarmSetFromOptions - reads the farm's options

  Collective

  Options Database Keys:
+ -farm_schedule <block,cyclic,dynamic,guided> - the schedule
. -farm_chunk <n>         - chunk size (0: automatic)
. -farm_max_failures <n>  - stop running tasks after n failures
. -farm_counter <auto,rma,thread,server> - how the counter of the dynamic schedules is served
. -farm_group_size <K>    - ranks per task (default 1)
. -farm_seed <s>          - global seed of the task streams
. -farm_progress          - progress bar on rank 0's stderr
. -farm_record <file>     - JSON line per task
. -farm_output <file.h5>  - HDF5 results and status
. -farm_resume            - continue the output file
- -farm_retry_failed      - re-run the failed tasks of the output file

  Level: beginner

.seealso: `MSFarmSetSchedule()`, `MSFarmSetOutputFile()`
@*/
PetscErrorCode MSFarmSetFromOptions(MSFarm farm)
{
  char      file[PETSC_MAX_PATH_LEN], schedule[64], counter[64], seed[32], chunk[32], group[32];
  PetscInt  found = -1, found_counter = -1, max_failures = farm->max_failures;
  uint64_t  value;
  PetscBool set, seed_set, chunk_set, group_set, flg;

  PetscFunctionBegin;
  MSValidHeader(farm, 1);
  /* names and numbers are read as strings and checked after PetscOptionsEnd(), so a bad value
     is a clean error that leaves nothing allocated */
  PetscCall(PetscStrncpy(schedule, MSFarmSchedules[farm->schedule], sizeof(schedule)));
  PetscCall(PetscStrncpy(counter, MSFarmCounters[farm->counter], sizeof(counter)));
  PetscOptionsBegin(farm->hdr.comm, farm->hdr.prefix, "Task farm (MSFarm) options", "MSFarm");
  PetscCall(PetscOptionsString("-farm_schedule", "How tasks are handed to ranks: block, cyclic, dynamic, guided", "MSFarmSetSchedule", MSFarmSchedules[farm->schedule], schedule, sizeof(schedule), NULL));
  PetscCall(PetscSNPrintf(chunk, sizeof(chunk), "%" PetscInt_FMT, farm->chunk));
  PetscCall(PetscOptionsString("-farm_chunk", "Tasks per chunk (0: automatic)", "MSFarmSetSchedule", chunk, chunk, sizeof(chunk), &chunk_set));
  PetscCall(PetscOptionsString("-farm_counter", "How the counter of the dynamic schedules is served: auto, rma, thread, server", "MSFarmSetCounter", MSFarmCounters[farm->counter], counter, sizeof(counter), NULL));
  PetscCall(PetscSNPrintf(group, sizeof(group), "%" PetscInt_FMT, farm->group_size));
  PetscCall(PetscOptionsString("-farm_group_size", "Ranks per task (MPI-parallel tasks); divides the number of ranks", "MSFarmSetGroupSize", group, group, sizeof(group), &group_set));
  PetscCall(PetscSNPrintf(seed, sizeof(seed), "%" PRIu64, farm->seed));
  PetscCall(PetscOptionsString("-farm_seed", "Global seed of the per-task random streams, in [0, 2^64)", "MSFarmSetSeed", seed, seed, sizeof(seed), &seed_set));
  PetscCall(PetscOptionsBool("-farm_progress", "Progress bar on rank 0's stderr", "MSFarmSetProgress", farm->progress, &farm->progress, NULL));
  PetscCall(PetscOptionsString("-farm_record", "JSON-lines record of every task", "MSFarmSetRecordFile", farm->record ? farm->record : "", file, sizeof(file), &set));
  if (set) PetscCall(MSFarmSetRecordFile(farm, file));
  PetscCall(PetscOptionsString("-farm_output", "HDF5 file of results and task status", "MSFarmSetOutputFile", farm->output ? farm->output : "", file, sizeof(file), &set));
  if (set) PetscCall(MSFarmSetOutputFile(farm, file));
  PetscCall(PetscOptionsInt("-farm_max_failures", "Stop running tasks after this many failures (0: never)", "MSFarmSetMaxFailures", farm->max_failures, &max_failures, &flg));
  if (flg) PetscCall(MSFarmSetMaxFailures(farm, max_failures));
  PetscCall(PetscOptionsBool("-farm_resume", "Run only the tasks missing from the output file", "MSFarmSetResume", farm->resume, &farm->resume, NULL));
  PetscCall(PetscOptionsBool("-farm_retry_failed", "Re-run the failed tasks of the output file", "MSFarmSetResume", farm->retry_failed, &farm->retry_failed, NULL));
  PetscOptionsEnd();
  if (seed_set) {
    PetscCall(MSFarmParseCount(farm, "seed", seed, 0, UINT64_MAX, &value));
    PetscCall(MSFarmSetSeed(farm, value));
  }
  if (group_set) {
    PetscCall(MSFarmParseCount(farm, "group_size", group, 1, PETSC_MPI_INT_MAX, &value));
    PetscCall(MSFarmSetGroupSize(farm, (PetscInt)value));
  }
  value = (uint64_t)farm->chunk;
  if (chunk_set) PetscCall(MSFarmParseCount(farm, "chunk", chunk, 0, PETSC_MAX_INT, &value));
  PetscCall(MSFarmFindName(MSFarmSchedules, MS_FARM_GUIDED + 1, schedule, &found));
  PetscCheck(found >= 0, farm->hdr.comm, PETSC_ERR_ARG_UNKNOWN_TYPE, "MSFarm: unknown schedule \"%s\" for -%sfarm_schedule; known schedules: block, cyclic, dynamic, guided", schedule, farm->hdr.prefix ? farm->hdr.prefix : "");
  PetscCall(MSFarmFindName(MSFarmCounters, MS_FARM_COUNTER_SERVER + 1, counter, &found_counter));
  PetscCheck(found_counter >= 0, farm->hdr.comm, PETSC_ERR_ARG_UNKNOWN_TYPE, "MSFarm: unknown counter \"%s\" for -%sfarm_counter; known counters: auto, rma, thread, server", counter, farm->hdr.prefix ? farm->hdr.prefix : "");
  PetscCall(MSFarmSetSchedule(farm, (MSFarmSchedule)found, (PetscInt)value));
  PetscCall(MSFarmSetCounter(farm, (MSFarmCounter)found_counter));
  PetscFunctionReturn(0);
}

/* Collective: the group size is the same on every rank and divides the communicator's size. */
static PetscErrorCode MSFarmCheckGroupSize(MSFarm farm)
{
  PetscMPIInt size, range[2], all[2];

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_size(farm->hdr.comm, &size));
  range[0] = (PetscMPIInt)PetscMin(farm->group_size, PETSC_MPI_INT_MAX);
  range[1] = -range[0];
  PetscCallMPI(MPI_Allreduce(range, all, 2, MPI_INT, MPI_MAX, farm->hdr.comm));
  PetscCheck(all[0] == -all[1], farm->hdr.comm, PETSC_ERR_ARG_INCOMP, "MSFarm: the group size (-farm_group_size) differs between ranks: from %d to %d", -all[1], all[0]);
  PetscCheck(size % all[0] == 0, farm->hdr.comm, PETSC_ERR_ARG_INCOMP, "MSFarm: -farm_group_size %d does not divide the %d rank%s of the farm's communicator", all[0], size, size == 1 ? "" : "s");
  PetscFunctionReturn(0);
}

/*@C
  MSFarmSetUp - checks the farm is complete

  Collective

  Level: intermediate

.seealso: `MSFarmMap()`
@*/
PetscErrorCode MSFarmSetUp(MSFarm farm)
{
  PetscFunctionBegin;
  MSValidHeader(farm, 1);
  if (farm->hdr.setupcalled) PetscFunctionReturn(0);
  PetscCheck(farm->n_tasks >= 1 && farm->out_size >= 1, farm->hdr.comm, PETSC_ERR_ARG_WRONGSTATE, "MSFarm has no tasks: call MSFarmSetTasks() or MSFarmSetGrid() first");
  PetscCheck(!(farm->resume || farm->retry_failed) || farm->output, farm->hdr.comm, PETSC_ERR_ARG_WRONGSTATE, "MSFarm: -farm_resume and -farm_retry_failed need an output file (-farm_output)");
  PetscCall(MSFarmCheckGroupSize(farm));
  farm->hdr.setupcalled = PETSC_TRUE;
  PetscFunctionReturn(0);
}

/*@C
  MSFarmView - prints the farm's set-up and the failures of its last map

  Collective

  Level: beginner

.seealso: `MSFarmCreate()`
@*/
PetscErrorCode MSFarmView(MSFarm farm, PetscViewer viewer)
{
  const char *shapes[] = {"full", "lower triangle"};

  PetscFunctionBegin;
  MSValidHeader(farm, 1);
  if (!viewer) PetscCall(PetscViewerASCIIGetStdout(farm->hdr.comm, &viewer));
  PetscCall(MSHeaderView(&farm->hdr, viewer));
  PetscCall(PetscViewerASCIIPushTab(viewer));
  PetscCall(PetscViewerASCIIPrintf(viewer, "tasks: %" PetscInt_FMT " (grid %s %" PetscInt_FMT " x %" PetscInt_FMT "), output size %" PetscInt_FMT ", input size %" PetscInt_FMT "\n", farm->n_tasks, shapes[farm->grid], farm->rows, farm->cols, farm->out_size, farm->in_size));
  PetscCall(PetscViewerASCIIPrintf(viewer, "chunk: %" PetscInt_FMT "%s, counter: %s, ranks per task: %" PetscInt_FMT ", seed: %" PRIu64 "\n", farm->chunk, farm->chunk ? "" : " (automatic)", MSFarmCounters[farm->counter], farm->group_size, farm->seed));
  if (farm->output) PetscCall(PetscViewerASCIIPrintf(viewer, "output: %s%s%s\n", farm->output, farm->resume ? " (resume)" : "", farm->retry_failed ? " (retry failed)" : ""));
  PetscCall(PetscViewerASCIIPrintf(viewer, "failed tasks in the last map: %" PetscInt_FMT "\n", farm->n_failed));
  PetscCall(PetscViewerASCIIPopTab(viewer));
  PetscFunctionReturn(0);
}

/*@C
  MSFarmGetFailures - the tasks that failed in the last `MSFarmMap()`

  Not Collective (the same on every rank)

  Output Parameters:
+ n_failed - how many failed (or NULL)
- indices  - their task indices, ascending (or NULL); owned by the farm

  Level: beginner

.seealso: `MSFarmGetFailureMessage()`, `MSFarmMap()`
@*/
PetscErrorCode MSFarmGetFailures(MSFarm farm, PetscInt *n_failed, const PetscInt *indices[])
{
  PetscFunctionBegin;
  MSValidHeader(farm, 1);
  if (n_failed) *n_failed = farm->n_failed;
  if (indices) *indices = farm->failed;
  PetscFunctionReturn(0);
}

/*@C
  MSFarmGetFailureMessage - the error message of the k-th failure of the last `MSFarmMap()`

  Not Collective

  Input Parameters:
+ farm - the farm
- k    - 0 <= k < n_failed

  Output Parameter:
. message - "rank R: message (function at file:line)"; owned by the farm

  Level: beginner

.seealso: `MSFarmGetFailures()`
@*/
PetscErrorCode MSFarmGetFailureMessage(MSFarm farm, PetscInt k, const char **message)
{
  PetscFunctionBegin;
  MSValidHeader(farm, 1);
  PetscCheck(k >= 0 && k < farm->n_failed, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "MSFarmGetFailureMessage: failure %" PetscInt_FMT " is out of range [0, %" PetscInt_FMT ")", k, farm->n_failed);
  *message = farm->messages[k];
  PetscFunctionReturn(0);
}

/*@C
  MSFarmDestroy - destroys the farm and sets the handle to NULL

  Collective

  Level: beginner

.seealso: `MSFarmCreate()`
@*/
PetscErrorCode MSFarmDestroy(MSFarm *farm)
{
  PetscFunctionBegin;
  if (!farm || !*farm) PetscFunctionReturn(0);
  if (--(*farm)->hdr.refct > 0) {
    *farm = NULL;
    PetscFunctionReturn(0);
  }
  PetscCall(PetscFree((*farm)->output));
  PetscCall(PetscFree((*farm)->record));
  PetscCall(PetscFree((*farm)->name));
  PetscCall(PetscFree((*farm)->failed));
  PetscCall(PetscFree((*farm)->messages));
  PetscCall(MSFarmLayoutDestroy(&(*farm)->layout));
  if ((*farm)->labels) PetscCall(PetscStrArrayDestroy(&(*farm)->labels));
  PetscCall(MSHeaderFinalize(&(*farm)->hdr));
  PetscCall(PetscFree(*farm));
  PetscFunctionReturn(0);
}
