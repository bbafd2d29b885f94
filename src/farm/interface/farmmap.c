/* MSFarmMap: runs the pending tasks under the schedule, collects them on rank 0 in task order,
   agrees on the failures and hands out the results. */
#include <math.h>
#include "farm/farmimpl.h"
#include "io/h5util.h"

#define MS_FARM_BCAST_BYTES (1 << 30)
#define MS_FARM_MESSAGE_TEXT (MS_FARM_MESSAGE_LEN - 32) /* what a task's error keeps: room for "rank R: " */

/* Broadcasts bytes from rank 0 in pieces whose counts fit an int. */
static PetscErrorCode MSFarmBcastBytes(void *buf, size_t bytes, MPI_Comm comm)
{
  PetscFunctionBegin;
  for (size_t off = 0; off < bytes; off += MS_FARM_BCAST_BYTES) PetscCallMPI(MPI_Bcast((char *)buf + off, (int)PetscMin((size_t)MS_FARM_BCAST_BYTES, bytes - off), MPI_BYTE, 0, comm));
  PetscFunctionReturn(0);
}

/* Error handler pushed around each task: keeps the first message instead of printing it. */
static PetscErrorCode MSFarmCaptureError(MPI_Comm comm, int line, const char *func, const char *file, PetscErrorCode n, PetscErrorType p, const char *mess, void *ctx)
{
  char *message = (char *)ctx;

  PetscFunctionBegin;
  if (p == PETSC_ERROR_INITIAL && !message[0]) snprintf(message, MS_FARM_MESSAGE_TEXT, "%s (%s() at %s:%d)", mess ? mess : "", func, file, line);
  PetscFunctionReturn(n);
}

/* Rank 0: the status table, the ordered results (the user's array), the HDF5 file and the record. */
static PetscErrorCode MSFarmOpenOutputs(MSFarmRun *run, MSFarmResults where, PetscScalar results[])
{
  MSFarm farm = run->farm;

  PetscFunctionBegin;
  PetscCall(PetscCalloc1(farm->n_tasks, &run->status));
  if (where != MS_FARM_RESULTS_NONE) {
    run->results = results;
    for (size_t k = 0; k < (size_t)farm->n_tasks * farm->out_size; k++) run->results[k] = NAN;
  }
  if (farm->record) { /* first: a record that cannot be opened leaves no results file behind */
    run->record = fopen(farm->record, farm->resume || farm->retry_failed ? "a" : "w");
    PetscCheck(run->record, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "MSFarm: cannot open the record file %s for writing", farm->record);
  }
  if (farm->output) {
    PetscCall(MSFarmH5Open(run));
    if (farm->resume || farm->retry_failed) {
      PetscCall(MSFarmH5ReadFailures(run));
      if (run->results) PetscCall(MSFarmH5ReadResults(run));
    }
  }
  PetscFunctionReturn(0);
}

/* Every rank: the list of tasks to run, from rank 0's status table when resuming. */
static PetscErrorCode MSFarmSelectPending(MSFarmRun *run)
{
  MSFarm  farm = run->farm;
  int64_t n    = farm->n_tasks;

  PetscFunctionBegin;
  if (!(farm->resume || farm->retry_failed)) {
    run->n_pending = farm->n_tasks;
    PetscFunctionReturn(0);
  }
  if (run->rank == 0) {
    PetscCall(PetscMalloc1(farm->n_tasks, &run->pending));
    n = 0;
    for (PetscInt k = 0; k < farm->n_tasks; k++)
      if ((farm->resume && run->status[k] == MS_FARM_MISSING) || (farm->retry_failed && run->status[k] == MS_FARM_FAILED)) run->pending[n++] = k;
  }
  PetscCallMPI(MPI_Bcast(&n, 1, MPI_INT64_T, 0, run->comm));
  if (run->rank != 0) PetscCall(PetscMalloc1(n, &run->pending));
  PetscCall(MSFarmBcastBytes(run->pending, (size_t)n * sizeof(PetscInt), run->comm));
  run->n_pending = (PetscInt)n;
  PetscFunctionReturn(0);
}

/* Runs one task with its own stream (and its zeroed record) on this rank; *failed when it returned
   an error, with the message "rank R: error (function() at file:line)". */
static PetscErrorCode MSFarmRunTask(MSFarmRun *run, PetscInt index, PetscScalar *out, void *record, PetscBool *failed, char message[])
{
  MSFarm         farm = run->farm;
  MSFarmTask     task;
  char           text[MS_FARM_MESSAGE_TEXT];
  PetscErrorCode ierr;

  PetscFunctionBegin;
  task.index   = index;
  task.input   = farm->inputs ? farm->inputs + (size_t)index * farm->in_size : NULL;
  task.in_size = farm->in_size;
  task.comm    = run->task_comm;
  PetscCall(MSFarmGridIndex(farm, index, &task.i, &task.j));
  PetscCall(MSRandomStreamInitialize(&task.rng, farm->seed, (uint64_t)index));
  PetscCall(PetscArrayzero(out, farm->out_size));
  task.record = record;
  task.layout = farm->layout;
  if (record) PetscCall(PetscMemzero(record, farm->layout->size));
  text[0] = 0;
  PetscCall(PetscPushErrorHandler(MSFarmCaptureError, text));
  ierr = (*run->fn)(&task, out, run->ctx);
  PetscCall(PetscPopErrorHandler());
  *failed = ierr ? PETSC_TRUE : PETSC_FALSE;
  message[0] = 0;
  if (!ierr) PetscFunctionReturn(0);
  if (!text[0]) snprintf(text, sizeof(text), "the task function returned error code %d", (int)ierr);
  snprintf(message, MS_FARM_MESSAGE_LEN, "rank %d: %s", (int)run->rank, text);
  PetscFunctionReturn(0);
}

/* This rank's share of the work: pieces from the schedule (taken by the group's leader and shared
   with its group), each task run by every rank of the group and reported to rank 0 by the leader. */
static PetscErrorCode MSFarmRunPieces(MSFarmRun *run)
{
  PetscScalar *out;
  char        *record = NULL;
  char         message[MS_FARM_MESSAGE_LEN];
  PetscInt     first = 0, count = 0, stride = 0;
  PetscBool    more  = PETSC_FALSE, leader = run->group_rank == 0 ? PETSC_TRUE : PETSC_FALSE;

  PetscFunctionBegin;
  PetscCall(PetscMalloc1(run->farm->out_size, &out));
  if (run->farm->layout) PetscCall(PetscMalloc1(run->farm->layout->size, &record));
  for (;;) {
    if (leader) PetscCall(MSFarmScheduleNext(run, &first, &count, &stride, &more));
    if (run->group_size > 1) PetscCall(MSFarmGroupShare(run, &first, &count, &stride, &more));
    if (!more) break;
    PetscCall(PetscLogEventBegin(MS_FarmTasks, 0, 0, 0, 0));
    for (PetscInt t = 0; t < count; t++) {
      PetscInt  p     = first + t * stride, index = run->pending ? run->pending[p] : p;
      double    start = MPI_Wtime();
      PetscBool failed, skip = PETSC_FALSE;

      if (leader) PetscCall(MSFarmStopCheck(run, &skip)); /* the group follows its leader */
      if (run->group_size > 1) PetscCallMPI(MPI_Bcast(&skip, 1, MPIU_BOOL, 0, run->group));
      if (skip) {
        if (leader) PetscCall(MSFarmBatchAdd(run, index, 0, MS_FARM_SKIPPED, out, "", record));
        continue;
      }
      PetscCall(MSFarmRunTask(run, index, out, record, &failed, message));
      if (run->group_size > 1) PetscCall(MSFarmGroupAgree(run, &failed, message));
      if (failed && leader && run->rank) run->n_failed_now++; /* rank 0 counts every group's failures as they arrive */
      if (leader) PetscCall(MSFarmBatchAdd(run, index, MPI_Wtime() - start, failed ? MS_FARM_FAILED : MS_FARM_DONE, out, message, record));
    }
    PetscCall(PetscLogEventEnd(MS_FarmTasks, 0, 0, 0, 0));
    PetscCall(MSFarmBatchFlush(run));
    if (run->rank == 0) PetscCall(MSFarmCollectPoll(run, PETSC_FALSE));
  }
  PetscCall(PetscFree(out));
  PetscCall(PetscFree(record));
  PetscFunctionReturn(0);
}

/* The final failure list, from rank 0's status table (messages: newest report of each task),
   made the same on every rank. */
static PetscErrorCode MSFarmAgreeFailures(MSFarmRun *run)
{
  MSFarm  farm = run->farm;
  int64_t n    = 0;

  PetscFunctionBegin;
  if (run->rank == 0)
    for (PetscInt k = 0; k < farm->n_tasks; k++) n += run->status[k] == MS_FARM_FAILED;
  PetscCallMPI(MPI_Bcast(&n, 1, MPI_INT64_T, 0, run->comm));
  PetscCall(PetscFree(farm->failed));
  PetscCall(PetscFree(farm->messages));
  farm->n_failed = (PetscInt)n;
  PetscCall(PetscMalloc1(n, &farm->failed));
  PetscCall(PetscCalloc1(n, &farm->messages));
  if (run->rank == 0) {
    n = 0;
    for (PetscInt k = 0; k < farm->n_tasks; k++)
      if (run->status[k] == MS_FARM_FAILED) {
        farm->failed[n] = k;
        PetscCall(PetscStrncpy(farm->messages[n++], "failed in an earlier run", MS_FARM_MESSAGE_LEN));
      }
    for (PetscInt f = 0; f < run->n_new_failed; f++) {
      PetscInt loc;

      PetscCall(PetscFindInt(run->new_failed[f], farm->n_failed, farm->failed, &loc));
      if (loc >= 0) PetscCall(PetscStrncpy(farm->messages[loc], run->new_messages[f], MS_FARM_MESSAGE_LEN));
    }
  }
  PetscCall(MSFarmBcastBytes(farm->failed, (size_t)farm->n_failed * sizeof(PetscInt), run->comm));
  PetscCall(MSFarmBcastBytes(farm->messages, (size_t)farm->n_failed * MS_FARM_MESSAGE_LEN, run->comm));
  PetscFunctionReturn(0);
}

/* Rank 0: closes the outputs and prints the failure summary. */
static PetscErrorCode MSFarmCloseOutputs(MSFarmRun *run)
{
  MSFarm farm = run->farm;

  PetscFunctionBegin;
  if (run->h5.file >= 0) PetscCall(MSFarmH5Close(run));
  if (run->record) PetscCheck(fclose(run->record) == 0, PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "MSFarm: error writing the record file %s", farm->record);
  run->record = NULL;
  if (farm->n_failed) {
    PetscCall(PetscFPrintf(PETSC_COMM_SELF, stderr, "MSFarm: %" PetscInt_FMT " of %" PetscInt_FMT " tasks failed%s\n", farm->n_failed, farm->n_tasks, farm->output ? " (re-run them with -farm_retry_failed)" : ""));
    for (PetscInt f = 0; f < PetscMin(farm->n_failed, 10); f++) PetscCall(PetscFPrintf(PETSC_COMM_SELF, stderr, "  task %" PetscInt_FMT ": %s\n", farm->failed[f], farm->messages[f]));
    if (farm->n_failed > 10) PetscCall(PetscFPrintf(PETSC_COMM_SELF, stderr, "  ... and %" PetscInt_FMT " more\n", farm->n_failed - 10));
  }
  PetscCall(PetscFree(run->status));
  PetscCall(PetscFree(run->new_failed));
  PetscCall(PetscFree(run->new_messages));
  PetscFunctionReturn(0);
}

/*@C
  MSFarmMap - runs a task function over every task of the farm (Pool.map / starmap over MPI)

  Collective

  Input Parameters:
+ farm  - the farm, with its tasks set (`MSFarmSetTasks()` or `MSFarmSetGrid()`)
. fn    - the task function: fn(task, out, ctx) writes out[0 .. out_size) (zeroed before the call)
. ctx   - its context
- where - `MS_FARM_RESULTS_ROOT`, `MS_FARM_RESULTS_ALL` or `MS_FARM_RESULTS_NONE`

  Output Parameter:
. results - n_tasks x out_size in task order, on rank 0 (ROOT) or every rank (ALL); NULL
            elsewhere is fine. Failed tasks' rows are NaN; on resume the rows computed by earlier
            runs are read from the output file.

  Options Database Keys:
+ -farm_schedule <block,cyclic,dynamic,guided> - the schedule
. -farm_chunk <n>        - chunk size
. -farm_group_size <K>   - ranks per task (`MSFarmSetGroupSize()`)
. -farm_seed <s>         - seed of the per-task streams
. -farm_progress         - progress bar
. -farm_record <file>    - JSON line per task
. -farm_output <file.h5> - HDF5 results and status
. -farm_resume           - run only the tasks missing from the output file
- -farm_retry_failed     - run only the tasks that failed

  Notes:
  Task k gets the random stream (seed, k) and its grid position, so results are bitwise the
  same for any rank count and schedule. A task that returns an error is recorded (index, rank,
  message) and the others go on; the map still returns 0: ask `MSFarmGetFailures()`. A summary
  of the failures is printed on rank 0's stderr. Every rank runs tasks; completed batches go to
  rank 0, which writes the file, calls the result callback and draws the progress bar between
  its own pieces. With groups (`MSFarmSetGroupSize()`) every rank of a group runs the group's
  tasks together on `MSFarmTask`.comm, and the group's first rank reports them.

  Level: beginner

.seealso: `MSFarmCreate()`, `MSFarmTask`, `MSFarmTaskFn`, `MSFarmGetFailures()`, `MSFarmSetResultCallback()`
@*/
PetscErrorCode MSFarmMap(MSFarm farm, MSFarmTaskFn fn, void *ctx, MSFarmResults where, PetscScalar results[])
{
  MSFarmRun      run;
  PetscErrorCode ierr = 0;
  int            missing, any_missing;

  PetscFunctionBegin;
  MSValidHeader(farm, 1);
  PetscCheck(fn, farm->hdr.comm, PETSC_ERR_ARG_NULL, "MSFarmMap: the task function is NULL");
  PetscCheck(where >= MS_FARM_RESULTS_NONE && where <= MS_FARM_RESULTS_ALL, farm->hdr.comm, PETSC_ERR_ARG_OUTOFRANGE, "MSFarmMap: unknown results destination %d", (int)where);
  PetscCall(MSFarmSetUp(farm));
  PetscCall(PetscMemzero(&run, sizeof(run)));
  run.farm    = farm;
  run.fn      = fn;
  run.ctx     = ctx;
  run.h5.file = run.h5.results = run.h5.status = run.h5.records = -1;
  PetscCallMPI(MPI_Comm_dup(farm->hdr.comm, &run.comm));
  PetscCallMPI(MPI_Comm_rank(run.comm, &run.rank));
  PetscCallMPI(MPI_Comm_size(run.comm, &run.size));
  missing = !results && (where == MS_FARM_RESULTS_ALL || (where == MS_FARM_RESULTS_ROOT && run.rank == 0));
  PetscCallMPI(MPI_Allreduce(&missing, &any_missing, 1, MPI_INT, MPI_MAX, run.comm));
  PetscCheck(!any_missing, farm->hdr.comm, PETSC_ERR_ARG_NULL, "MSFarmMap: the results array is NULL on a rank that receives results");
  if (farm->output) {
    const char *record = farm->record;

    PetscCall(MSOutputCheck(farm->hdr.comm, farm->output, PETSC_FALSE, 1, &record));
  }
  PetscCall(PetscLogEventBegin(MS_FarmMap, 0, 0, 0, 0));
  PetscCall(MSFarmGroupsBegin(&run));

  if (run.rank == 0) ierr = MSFarmOpenOutputs(&run, where, results);
  PetscCallMPI(MPI_Bcast(&ierr, 1, MPI_INT, 0, run.comm));
  if (ierr) { /* every rank leaves cleanly; rank 0 printed why */
    PetscCall(MSFarmH5Abandon(&run));
    if (run.record) (void)fclose(run.record);
    PetscCall(PetscFree(run.status));
    PetscCall(PetscFree(run.new_failed));
    PetscCall(PetscFree(run.new_messages));
    PetscCall(MSFarmGroupsEnd(&run));
    PetscCallMPI(MPI_Comm_free(&run.comm));
    PetscCall(PetscLogEventEnd(MS_FarmMap, 0, 0, 0, 0));
  }
  PetscCall(MSIOAgree(farm->hdr.comm, ierr)); /* rank 0's message, on every rank */
  PetscCall(MSFarmSelectPending(&run));

  PetscCall(MSFarmProgressBegin(&run));
  PetscCall(MSIOAgree(farm->hdr.comm, run.group_rank == 0 ? MSFarmScheduleBegin(&run) : 0)); /* the counter lives on the leaders */
  PetscCall(MSFarmRunPieces(&run));
  PetscCall(MSFarmCollectFinish(&run));
  PetscCall(MSFarmStopFinish(&run));
  PetscCall(MSFarmScheduleEnd(&run));
  PetscCall(MSFarmGroupsEnd(&run));
  PetscCall(MSFarmProgressEnd(&run));
  PetscCallMPI(MPI_Bcast(&run.h5_error, 1, MPI_INT, 0, run.comm));
  if (run.h5_error && run.rank == 0) PetscCall(MSFarmH5Abandon(&run)); /* what was written stays valid for --resume */
  PetscCall(MSIOAgree(farm->hdr.comm, run.h5_error)); /* the tasks whose status is done in the file are kept */

  PetscCall(MSFarmAgreeFailures(&run));
  ierr = run.rank == 0 ? MSFarmCloseOutputs(&run) : 0;
  PetscCallMPI(MPI_Bcast(&ierr, 1, MPI_INT, 0, run.comm));
  PetscCall(MSIOAgree(farm->hdr.comm, ierr));
  if (where == MS_FARM_RESULTS_ALL) {
    PetscCall(PetscLogEventBegin(MS_FarmGather, 0, 0, 0, 0));
    PetscCall(MSFarmBcastBytes(results, (size_t)farm->n_tasks * farm->out_size * sizeof(PetscScalar), run.comm));
    PetscCall(PetscLogEventEnd(MS_FarmGather, 0, 0, 0, 0));
  }
  PetscCall(PetscFree(run.pending));
  PetscCallMPI(MPI_Comm_free(&run.comm));
  PetscCall(PetscLogEventEnd(MS_FarmMap, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}
