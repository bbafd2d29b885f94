/* Results travel to rank 0 in batches as pieces complete: every rank packs its completed tasks
   (index, seconds, status, output, failure message) into a byte buffer; workers send it with
   MPI_Isend, rank 0 accepts its own batches directly and polls for the others' between pieces.
   Task ids travel in the payload; the tag is constant. Messages stay below
   MS_FARM_MESSAGE_BYTES, so MPI counts never overflow int. */
#include <math.h>
#include "farm/farmimpl.h"

#define MS_FARM_TAG 7301

typedef struct {
  int64_t count;
  int32_t rank, unused;
} MSFarmBatchHeader;

typedef struct {
  int64_t index;
  double  seconds;
  int32_t status, message_len; /* message_len: bytes after the output, a multiple of 8 */
} MSFarmRecordHeader;

/* header, output, the task's record (fixed size, a multiple of 8), failure message */
static size_t MSFarmRecordSize(MSFarmRun *run, size_t message_len)
{
  return sizeof(MSFarmRecordHeader) + (size_t)run->farm->out_size * sizeof(PetscScalar) + (run->farm->layout ? run->farm->layout->size : 0) + message_len;
}

static PetscErrorCode MSFarmBatchReserve(MSFarmRun *run, size_t bytes)
{
  PetscFunctionBegin;
  if (run->batch_len + bytes <= run->batch_cap) PetscFunctionReturn(0);
  run->batch_cap = PetscMax(2 * run->batch_cap, run->batch_len + bytes);
  PetscCall(PetscRealloc(run->batch_cap, &run->batch));
  PetscFunctionReturn(0);
}

/* Rank 0: appends a failure to the list of this run (newest last). */
PetscErrorCode MSFarmAddFailure(MSFarmRun *run, PetscInt index, const char message[])
{
  PetscFunctionBegin;
  if (run->n_new_failed == run->max_new_failed) {
    run->max_new_failed = PetscMax(16, 2 * run->max_new_failed);
    PetscCall(PetscRealloc(run->max_new_failed * sizeof(PetscInt), &run->new_failed));
    PetscCall(PetscRealloc(run->max_new_failed * sizeof(*run->new_messages), &run->new_messages));
  }
  run->new_failed[run->n_new_failed] = index;
  PetscCall(PetscStrncpy(run->new_messages[run->n_new_failed], message, MS_FARM_MESSAGE_LEN));
  run->n_new_failed++;
  PetscFunctionReturn(0);
}

/* Rank 0: takes one completed task into the ordered results, the status table, the failure
   list, the callback, the record and the progress count. */
static PetscErrorCode MSFarmAccept(MSFarmRun *run, const MSFarmRecord *rec)
{
  MSFarm   farm = run->farm;
  PetscInt k    = (PetscInt)rec->index;

  PetscFunctionBegin;
  PetscCheck(k >= 0 && k < farm->n_tasks, PETSC_COMM_SELF, PETSC_ERR_PLIB, "MSFarm: rank %d reported task %" PetscInt_FMT " outside [0, %" PetscInt_FMT ")", (int)rec->rank, k, farm->n_tasks);
  run->n_received++;
  if (rec->status == MS_FARM_SKIPPED) { /* not run: stays as it was */
    run->n_skipped++;
    PetscFunctionReturn(0);
  }
  run->status[k] = (int8_t)rec->status;
  if (run->results) PetscCall(PetscArraycpy(run->results + (size_t)k * farm->out_size, rec->out, farm->out_size));
  if (rec->status == MS_FARM_FAILED) {
    PetscCall(MSFarmAddFailure(run, k, rec->message)); /* the message names the rank it failed on */
    run->n_failed_now++;
    PetscCall(MSFarmStopNote(run));
  } else if (farm->result_fn) PetscCall((*farm->result_fn)(k, rec->out, farm->out_size, farm->result_ctx));
  if (run->record) PetscCall(MSFarmRecordWrite(run, rec));
  run->progress.done++;
  PetscFunctionReturn(0);
}

/* Rank 0: unpacks one batch, accepts each task, then writes the batch to the HDF5 file. */
static PetscErrorCode MSFarmAcceptBatch(MSFarmRun *run, const char *buf, size_t len)
{
  MSFarmBatchHeader head;
  MSFarmRecord     *recs;
  size_t            pos = sizeof(head);
  PetscInt          n_run = 0;

  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(MS_FarmCollect, 0, 0, 0, 0));
  PetscCheck(len >= sizeof(head), PETSC_COMM_SELF, PETSC_ERR_PLIB, "MSFarm: truncated batch of %zu bytes", len);
  memcpy(&head, buf, sizeof(head));
  PetscCall(PetscMalloc1(head.count, &recs));
  for (int64_t t = 0; t < head.count; t++) {
    MSFarmRecordHeader rh;

    PetscCheck(pos + sizeof(rh) <= len, PETSC_COMM_SELF, PETSC_ERR_PLIB, "MSFarm: truncated batch from rank %d", (int)head.rank);
    memcpy(&rh, buf + pos, sizeof(rh));
    recs[t].index   = rh.index;
    recs[t].seconds = rh.seconds;
    recs[t].status  = rh.status;
    recs[t].rank    = head.rank;
    recs[t].out     = (const PetscScalar *)(buf + pos + sizeof(rh));
    recs[t].record  = run->farm->layout ? buf + pos + sizeof(rh) + (size_t)run->farm->out_size * sizeof(PetscScalar) : NULL;
    recs[t].message = rh.message_len ? buf + pos + sizeof(rh) + (size_t)run->farm->out_size * sizeof(PetscScalar) + (run->farm->layout ? run->farm->layout->size : 0) : "";
    pos += MSFarmRecordSize(run, (size_t)rh.message_len);
    PetscCheck(pos <= len, PETSC_COMM_SELF, PETSC_ERR_PLIB, "MSFarm: truncated batch from rank %d", (int)head.rank);
    PetscCall(MSFarmAccept(run, &recs[t]));
    if (recs[t].status != MS_FARM_SKIPPED) recs[n_run++] = recs[t];
  }
  PetscCall(PetscLogEventEnd(MS_FarmCollect, 0, 0, 0, 0));
  /* A failed write must not leave the other ranks waiting on rank 0: remember it, keep collecting. */
  if (run->h5.file >= 0 && !run->h5_error && n_run) run->h5_error = MSFarmH5WriteRecords(run, recs, n_run);
  PetscCall(PetscFree(recs));
  PetscCall(MSFarmProgressUpdate(run, PETSC_FALSE));
  PetscFunctionReturn(0);
}

/* Appends one completed task to this rank's batch; sends the batch first if it would grow
   beyond MS_FARM_MESSAGE_BYTES. A failed task's output is NaN. */
PetscErrorCode MSFarmBatchAdd(MSFarmRun *run, PetscInt index, double seconds, int32_t status, const PetscScalar *out, const char *message, const void *record)
{
  size_t             rec_len = run->farm->layout ? run->farm->layout->size : 0;
  size_t             msg_len = status == MS_FARM_FAILED ? ((strlen(message) + 1 + 7) / 8) * 8 : 0;
  size_t             size    = MSFarmRecordSize(run, msg_len);
  MSFarmRecordHeader rh      = {index, seconds, status, (int32_t)msg_len};
  char              *p;

  PetscFunctionBegin;
  if (run->batch_count && run->batch_len + size > MS_FARM_MESSAGE_BYTES) PetscCall(MSFarmBatchFlush(run));
  if (!run->batch_count) {
    PetscCall(MSFarmBatchReserve(run, sizeof(MSFarmBatchHeader)));
    run->batch_len = sizeof(MSFarmBatchHeader);
  }
  PetscCall(MSFarmBatchReserve(run, size));
  p = run->batch + run->batch_len;
  memcpy(p, &rh, sizeof(rh));
  p += sizeof(rh);
  if (status == MS_FARM_FAILED)
    for (PetscInt c = 0; c < run->farm->out_size; c++) ((PetscScalar *)p)[c] = NAN;
  else memcpy(p, out, (size_t)run->farm->out_size * sizeof(PetscScalar));
  p += (size_t)run->farm->out_size * sizeof(PetscScalar);
  if (rec_len) memcpy(p, record, rec_len);
  p += rec_len;
  if (msg_len) {
    memset(p, 0, msg_len);
    memcpy(p, message, strlen(message));
  }
  run->batch_len += size;
  run->batch_count++;
  PetscFunctionReturn(0);
}

/* Frees the buffers of the sends that have completed. */
static PetscErrorCode MSFarmReapSends(MSFarmRun *run)
{
  PetscInt kept = 0;

  PetscFunctionBegin;
  for (PetscInt s = 0; s < run->n_sends; s++) {
    int done;

    PetscCallMPI(MPI_Test(&run->send_reqs[s], &done, MPI_STATUS_IGNORE));
    if (done) PetscCall(PetscFree(run->send_bufs[s]));
    else {
      run->send_reqs[kept] = run->send_reqs[s];
      run->send_bufs[kept] = run->send_bufs[s];
      kept++;
    }
  }
  run->n_sends = kept;
  PetscFunctionReturn(0);
}

/* Hands the current batch on: rank 0 accepts it, the others send it to rank 0. */
PetscErrorCode MSFarmBatchFlush(MSFarmRun *run)
{
  MSFarmBatchHeader head = {run->batch_count, run->rank, 0};

  PetscFunctionBegin;
  if (!run->batch_count) PetscFunctionReturn(0);
  memcpy(run->batch, &head, sizeof(head));
  if (run->rank == 0) PetscCall(MSFarmAcceptBatch(run, run->batch, run->batch_len));
  else {
    PetscCall(MSFarmReapSends(run));
    if (run->n_sends == run->max_sends) {
      run->max_sends = PetscMax(8, 2 * run->max_sends);
      PetscCall(PetscRealloc(run->max_sends * sizeof(MPI_Request), &run->send_reqs));
      PetscCall(PetscRealloc(run->max_sends * sizeof(char *), &run->send_bufs));
    }
    PetscCallMPI(MPI_Isend(run->batch, (int)run->batch_len, MPI_BYTE, 0, MS_FARM_TAG, run->comm, &run->send_reqs[run->n_sends]));
    run->send_bufs[run->n_sends++] = run->batch;
    run->batch     = NULL; /* the send owns it until it completes */
    run->batch_cap = 0;
  }
  run->batch_len   = 0;
  run->batch_count = 0;
  PetscFunctionReturn(0);
}

/* Rank 0: accepts every batch that has arrived; with wait, until every pending task is in
   (sleeping between polls while nothing arrives). */
PetscErrorCode MSFarmCollectPoll(MSFarmRun *run, PetscBool wait)
{
  long pause = MS_WAIT_PAUSE_MIN_NS;

  PetscFunctionBegin;
  while (run->n_received < run->n_pending) {
    MPI_Status st;
    int        flag, len;
    char      *buf;

    PetscCallMPI(MPI_Iprobe(MPI_ANY_SOURCE, MS_FARM_TAG, run->comm, &flag, &st));
    if (!flag && wait) {
      MSWaitPause(&pause);
      continue;
    }
    if (!flag) break;
    pause = MS_WAIT_PAUSE_MIN_NS;
    PetscCallMPI(MPI_Get_count(&st, MPI_BYTE, &len));
    PetscCall(PetscMalloc1(len, &buf));
    PetscCallMPI(MPI_Recv(buf, len, MPI_BYTE, st.MPI_SOURCE, MS_FARM_TAG, run->comm, MPI_STATUS_IGNORE));
    PetscCall(MSFarmAcceptBatch(run, buf, (size_t)len));
    PetscCall(PetscFree(buf));
  }
  PetscFunctionReturn(0);
}

/* Sends what is left and waits, without spinning, until rank 0 has every result and every rank
   is done. */
PetscErrorCode MSFarmCollectFinish(MSFarmRun *run)
{
  PetscFunctionBegin;
  PetscCall(MSFarmBatchFlush(run));
  if (run->rank == 0) PetscCall(MSFarmCollectPoll(run, PETSC_TRUE));
  else
    for (long pause = MS_WAIT_PAUSE_MIN_NS; run->n_sends; MSWaitPause(&pause)) PetscCall(MSFarmReapSends(run));
  PetscCall(MSFarmQuietBarrier(run->comm));
  PetscCall(PetscFree(run->send_reqs));
  PetscCall(PetscFree(run->send_bufs));
  PetscCall(PetscFree(run->batch));
  PetscFunctionReturn(0);
}
