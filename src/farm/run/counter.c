/* The shared piece counter of the dynamic and guided schedules: each rank asks it for the next
   piece number as it finishes one. With groups (run/group.c) "rank" here is a group's first rank
   and the counter lives on those (run->leaders); rank 0 is the first group's. It is served one
   of three ways (MSFarmCounter):
     rma    - an MPI-3 window on rank 0 that every rank increments with MPI_Fetch_and_op. Needs an
              osc component that reaches every rank: Debian's Open MPI has one only inside a
              host (osc sm; osc pt2pt and ucx are excluded, osc rdma cannot use the TCP BTL).
     thread - a thread on rank 0 answers requests sent as messages while rank 0 runs its own
              tasks, which it takes with an atomic add. Needs MPI_THREAD_MULTIPLE.
     server - rank 0 answers requests and collects results between pauses, and runs no tasks.
   auto takes rma when every rank is on one node, else thread when MPI provides
   MPI_THREAD_MULTIPLE, else server. In every way no rank waits for rank 0 to finish a task.
   An idle server sleeps between polls (MSWaitPause(): 1 us doubling up to 0.2 ms), so it does
   not take a core from the tasks; so do ranks that wait for the others at the end of a map. */
#include <pthread.h>
#include <stdatomic.h>
#include "farm/farmimpl.h"

#define MS_FARM_TAG_ASK     7302
#define MS_FARM_TAG_ANSWER  7303

struct _n_MSFarmCounterCtx {
  MSFarmCounter        type; /* resolved: never auto */
  int64_t              n_pieces;
  int                  rank, size;
  MPI_Win              win;  /* rma */
  int64_t             *cell; /* rma: the counter in rank 0's window */
  MPI_Comm             comm; /* thread, server: requests and answers only */
  atomic_int_least64_t next; /* thread, server: the next piece, on rank 0 */
  MPI_Request          ask;  /* rank 0: the posted receive of the next request */
  int                  finals; /* rank 0: ranks that have been told there is nothing left */
  pthread_t            thread;
  PetscBool            thread_started;
  int                  thread_error; /* MPI error code the server thread stopped on */
};

/* Every rank: a barrier that sleeps between polls instead of spinning (ranks that finished their
   tasks early wait here for the last ones). */
PetscErrorCode MSFarmQuietBarrier(MPI_Comm comm)
{
  MPI_Request req;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Ibarrier(comm, &req));
  PetscCall(MSWaitQuiet(&req, 0));
  PetscFunctionReturn(0);
}

/* Rank 0: answers every request that has arrived (plain MPI: also runs on the server thread).
   Returns an MPI error code; *answered tells whether there was any. */
static int MSFarmCounterAnswer(MSFarmCounterCtx *c, PetscBool *answered)
{
  *answered = PETSC_FALSE;
  while (c->finals < c->size - 1) {
    MPI_Status st;
    int        flag, err;
    int64_t    piece;

    if ((err = MPI_Test(&c->ask, &flag, &st))) return err;
    if (!flag) return 0;
    piece = atomic_fetch_add(&c->next, 1);
    if ((err = MPI_Send(&piece, 1, MPI_INT64_T, st.MPI_SOURCE, MS_FARM_TAG_ANSWER, c->comm))) return err;
    if (piece >= c->n_pieces) c->finals++;
    if (c->finals < c->size - 1 && (err = MPI_Irecv(NULL, 0, MPI_BYTE, MPI_ANY_SOURCE, MS_FARM_TAG_ASK, c->comm, &c->ask))) return err;
    *answered = PETSC_TRUE;
  }
  return 0;
}

static void *MSFarmCounterThread(void *arg)
{
  MSFarmCounterCtx *c     = (MSFarmCounterCtx *)arg;
  long              pause = MS_WAIT_PAUSE_MIN_NS;
  int               err   = 0;

  while (!err && c->finals < c->size - 1) {
    PetscBool answered;

    err = MSFarmCounterAnswer(c, &answered);
    if (answered) pause = MS_WAIT_PAUSE_MIN_NS;
    else MSWaitPause(&pause);
  }
  c->thread_error = err;
  return NULL;
}

/* Every rank agrees on the way to serve the counter when it is auto. */
static PetscErrorCode MSFarmCounterResolve(MSFarmRun *run, MSFarmCounter *type)
{
  MPI_Comm node;
  int      node_size, provided, mine[2], all[2];

  PetscFunctionBegin;
  *type = run->farm->counter;
  PetscCallMPI(MPI_Query_thread(&provided));
  if (*type == MS_FARM_COUNTER_AUTO) {
    PetscCallMPI(MPI_Comm_split_type(run->leaders, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &node));
    PetscCallMPI(MPI_Comm_size(node, &node_size));
    PetscCallMPI(MPI_Comm_free(&node));
    mine[0] = node_size == run->n_groups;
    mine[1] = provided == MPI_THREAD_MULTIPLE;
    PetscCallMPI(MPI_Allreduce(mine, all, 2, MPI_INT, MPI_MIN, run->leaders));
    *type = all[0] ? MS_FARM_COUNTER_RMA : all[1] ? MS_FARM_COUNTER_THREAD : MS_FARM_COUNTER_SERVER;
  } else if (*type == MS_FARM_COUNTER_THREAD) {
    mine[0] = provided == MPI_THREAD_MULTIPLE;
    PetscCallMPI(MPI_Allreduce(mine, all, 1, MPI_INT, MPI_MIN, run->leaders));
    PetscCheck(all[0], run->farm->hdr.comm, PETSC_ERR_SUP_SYS, "MSFarm: -farm_counter thread needs MPI_THREAD_MULTIPLE on every rank (set PETSC_MPI_THREAD_REQUIRED = MPI_THREAD_MULTIPLE before PetscInitialize()); use -farm_counter server or auto");
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode MSFarmCounterBeginRMA(MSFarmRun *run, MSFarmCounterCtx *c)
{
  int failed, any_failed;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_set_errhandler(run->leaders, MPI_ERRORS_RETURN));
  failed = MPI_Win_allocate(run->leader_rank == 0 ? (MPI_Aint)sizeof(int64_t) : 0, sizeof(int64_t), MPI_INFO_NULL, run->leaders, &c->cell, &c->win) != MPI_SUCCESS;
  PetscCallMPI(MPI_Allreduce(&failed, &any_failed, 1, MPI_INT, MPI_MAX, run->leaders));
  PetscCheck(!any_failed, run->farm->hdr.comm, PETSC_ERR_SUP_SYS, "MSFarm: -farm_counter rma: MPI_Win_allocate failed (one-sided MPI does not reach every rank here, e.g. ranks on several hosts with osc pt2pt excluded); use -farm_counter auto, thread or server");
  if (run->leader_rank == 0) {
    PetscCallMPI(MPI_Win_lock(MPI_LOCK_EXCLUSIVE, 0, 0, c->win));
    *c->cell = 0;
    PetscCallMPI(MPI_Win_unlock(0, c->win));
  }
  PetscCallMPI(MPI_Barrier(run->leaders));
  PetscCallMPI(MPI_Win_lock_all(MPI_MODE_NOCHECK, c->win));
  PetscFunctionReturn(0);
}

/* Collective on the leaders: creates the counter of a dynamic or guided schedule, at piece 0 of n_pieces. */
PetscErrorCode MSFarmCounterBegin(MSFarmRun *run, PetscInt n_pieces)
{
  MSFarmCounterCtx *c;

  PetscFunctionBegin;
  PetscCall(PetscNew(&c));
  c->n_pieces = n_pieces;
  c->rank     = run->leader_rank;
  c->size     = run->n_groups;
  c->win      = MPI_WIN_NULL;
  c->comm     = MPI_COMM_NULL;
  atomic_init(&c->next, 0);
  run->counter = c;
  PetscCall(MSFarmCounterResolve(run, &c->type));
  if (c->type == MS_FARM_COUNTER_RMA) PetscCall(MSFarmCounterBeginRMA(run, c));
  else if (run->n_groups > 1) {
    PetscCallMPI(MPI_Comm_dup(run->leaders, &c->comm));
    if (run->leader_rank == 0) {
      PetscCallMPI(MPI_Irecv(NULL, 0, MPI_BYTE, MPI_ANY_SOURCE, MS_FARM_TAG_ASK, c->comm, &c->ask));
      if (c->type == MS_FARM_COUNTER_THREAD) {
        PetscCheck(pthread_create(&c->thread, NULL, MSFarmCounterThread, c) == 0, PETSC_COMM_SELF, PETSC_ERR_SYS, "MSFarm: cannot start the counter thread on rank 0");
        c->thread_started = PETSC_TRUE;
      }
    }
  }
  PetscFunctionReturn(0);
}

/* Server, rank 0: answers requests and collects results until every other rank has been told
   there is nothing left. */
static PetscErrorCode MSFarmCounterServe(MSFarmRun *run, MSFarmCounterCtx *c)
{
  long pause = MS_WAIT_PAUSE_MIN_NS;

  PetscFunctionBegin;
  while (c->finals < c->size - 1) {
    PetscBool answered;
    PetscInt  received = run->n_received;

    PetscCallMPI(MSFarmCounterAnswer(c, &answered));
    PetscCall(MSFarmCollectPoll(run, PETSC_FALSE));
    if (answered || run->n_received > received) pause = MS_WAIT_PAUSE_MIN_NS;
    else MSWaitPause(&pause);
  }
  PetscFunctionReturn(0);
}

/* The next piece number for this rank (n_pieces or more: none left). */
PetscErrorCode MSFarmCounterNext(MSFarmRun *run, int64_t *piece)
{
  MSFarmCounterCtx *c   = run->counter;
  int64_t           one = 1;

  PetscFunctionBegin;
  if (c->type == MS_FARM_COUNTER_RMA) {
    PetscCallMPI(MPI_Fetch_and_op(&one, piece, MPI_INT64_T, 0, 0, MPI_SUM, c->win));
    PetscCallMPI(MPI_Win_flush(0, c->win));
  } else if (run->leader_rank != 0) { /* ask, and sleep between polls for the answer */
    MPI_Request req;

    PetscCallMPI(MPI_Irecv(piece, 1, MPI_INT64_T, 0, MS_FARM_TAG_ANSWER, c->comm, &req));
    PetscCallMPI(MPI_Send(NULL, 0, MPI_BYTE, 0, MS_FARM_TAG_ASK, c->comm));
    PetscCall(MSWaitQuiet(&req, 0));
  } else if (c->type == MS_FARM_COUNTER_SERVER && run->n_groups > 1) {
    PetscCall(MSFarmCounterServe(run, c));
    *piece = c->n_pieces;
  } else *piece = atomic_fetch_add(&c->next, 1);
  PetscFunctionReturn(0);
}

/* Collective on the leaders: waits for the server thread and frees the counter. */
PetscErrorCode MSFarmCounterEnd(MSFarmRun *run)
{
  MSFarmCounterCtx *c = run->counter;

  PetscFunctionBegin;
  if (!c) PetscFunctionReturn(0);
  if (c->thread_started) {
    PetscCheck(pthread_join(c->thread, NULL) == 0, PETSC_COMM_SELF, PETSC_ERR_SYS, "MSFarm: cannot join the counter thread on rank 0");
    PetscCallMPI(c->thread_error);
  }
  if (c->win != MPI_WIN_NULL) {
    PetscCallMPI(MPI_Win_unlock_all(c->win));
    PetscCallMPI(MPI_Win_free(&c->win));
  }
  if (c->comm != MPI_COMM_NULL) PetscCallMPI(MPI_Comm_free(&c->comm));
  PetscCall(PetscFree(run->counter));
  PetscFunctionReturn(0);
}
