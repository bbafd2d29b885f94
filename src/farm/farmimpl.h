/* Private tier of MSFarm: the object, and the state of one MSFarmMap() run shared by the
   schedule, collection, HDF5 and progress files. */
#ifndef METASIM_FARMIMPL_H
#define METASIM_FARMIMPL_H

#include <stdio.h>
#include <hdf5.h>
#include <metasim/farm.h>
#include <metasim/impl/objectimpl.h>

/* Status of a task in memory and in the HDF5 /status table. */
#define MS_FARM_MISSING 0
#define MS_FARM_DONE    1
#define MS_FARM_FAILED  2
#define MS_FARM_SKIPPED 3 /* in batches only: not run after -farm_max_failures failures */

/* Largest message a rank sends to rank 0 in one piece; keeps MPI counts far below INT_MAX. */
#define MS_FARM_MESSAGE_BYTES (16 * 1024 * 1024)
#define MS_FARM_MESSAGE_LEN   256 /* longest failure message kept, with its terminating zero */

/* The layout of the per-task record (MSFarmSetTaskRecord()): packed fields in the given order. */
typedef struct {
  PetscInt     n_fields;
  MSFarmField *fields; /* names owned */
  size_t      *offset;
  size_t       size;
} MSFarmLayout;

struct _p_MSFarm {
  MSHeader           hdr;
  PetscInt           n_tasks, out_size;
  MSFarmGridShape    grid;
  PetscInt           rows, cols;
  PetscInt           in_size;
  const PetscScalar *inputs; /* borrowed: n_tasks x in_size, on every rank */
  MSFarmSchedule     schedule;
  PetscInt           chunk; /* 0: automatic */
  MSFarmCounter      counter;
  PetscInt           group_size; /* ranks per task, dividing the communicator's size */
  uint64_t           seed;
  char              *output, *record, *name; /* name: what defines the sweep, recorded in the output */
  PetscBool          resume, retry_failed, progress;
  MSFarmLayout      *layout;       /* per-task record, or NULL */
  PetscInt           max_failures; /* stop handing out tasks after this many failures; 0: never */
  PetscInt           n_skipped;    /* tasks the last map did not run (max_failures) */
  char             **labels;       /* n_tasks labels (MSFarmSetTaskLabels()), or NULL */
  MSFarmResultFn     result_fn;
  void              *result_ctx;
  /* failures of the last MSFarmMap(), the same on every rank, sorted by task index */
  PetscInt n_failed;
  PetscInt *failed;
  char    (*messages)[MS_FARM_MESSAGE_LEN];
};

/* One completed task as rank 0 receives it. */
typedef struct {
  int64_t            index;
  double             seconds;
  int32_t            status, rank;
  const PetscScalar *out;
  const char        *message; /* "" unless failed */
  const void        *record;  /* the task's record (layout->size bytes), or NULL */
} MSFarmRecord;

typedef struct {
  hid_t       file, results, status, records; /* -1 when not open */
  H5E_auto2_t saved_func;            /* HDF5's error printer, silenced while the file is in use */
  void       *saved_data;
  PetscBool   silenced;
} MSFarmH5;

typedef struct {
  PetscBool tty;
  double    start, last;
  PetscInt  done, total;
} MSFarmProgress;


/* The piece counter of the dynamic schedules (run/counter.c). */
typedef struct _n_MSFarmCounterCtx MSFarmCounterCtx;

typedef struct {
  MSFarm       farm;
  MSFarmTaskFn fn;
  void        *ctx;
  PetscMPIInt  rank, size;
  MPI_Comm     comm; /* private duplicate: the farm's messages never meet the user's */
  /* groups (run/group.c): ranks [g K, (g + 1) K) run the tasks group g takes. The schedule and
     the counter live on the leaders (the groups' first ranks); with K = 1 that is comm itself. */
  PetscMPIInt group_size, group_rank;
  MPI_Comm    group;     /* the farm's messages inside a group; MPI_COMM_NULL for K = 1 */
  MPI_Comm    task_comm; /* what the task function gets: PETSC_COMM_SELF for K = 1 */
  MPI_Comm    leaders;   /* the groups' first ranks; MPI_COMM_NULL on the other ranks */
  PetscMPIInt leader_rank, n_groups; /* this group's index, the number of groups */
  /* tasks this run computes: pending[p] for p < n_pending, or p itself when pending is NULL */
  PetscInt  n_pending, *pending;
  /* schedule */
  PetscInt  chunk, next_piece, n_pieces, *piece_start; /* piece_start: guided bounds, n_pieces + 1 */
  MSFarmCounterCtx *counter; /* dynamic and guided; NULL for the static schedules */
  /* max_failures: failures seen here (rank 0: all reported this run), whether this rank stopped */
  PetscInt     n_failed_now, n_skipped;
  PetscBool    stop, stop_sent;
  MPI_Request *stop_reqs;
  /* the batch this rank is filling, and the sends still in flight (workers) */
  char      *batch;
  size_t     batch_len, batch_cap;
  int64_t    batch_count;
  PetscInt   n_sends, max_sends;
  MPI_Request *send_reqs;
  char       **send_bufs;
  /* rank 0 only */
  int8_t        *status;  /* n_tasks */
  PetscScalar   *results; /* n_tasks x out_size, or NULL when nobody asked for the results */
  PetscBool      own_results;
  PetscInt       n_received;
  PetscInt       n_new_failed, max_new_failed;
  PetscInt      *new_failed;
  char         (*new_messages)[MS_FARM_MESSAGE_LEN];
  FILE          *record;
  MSFarmH5       h5;
  PetscErrorCode h5_error; /* first failed write: collection goes on, every rank fails at the end */
  MSFarmProgress progress;
} MSFarmRun;

PETSC_INTERN PetscErrorCode MSFarmGridIndex(MSFarm, PetscInt, PetscInt *, PetscInt *);

PETSC_INTERN PetscErrorCode MSFarmScheduleBegin(MSFarmRun *);
PETSC_INTERN PetscErrorCode MSFarmScheduleNext(MSFarmRun *, PetscInt *, PetscInt *, PetscInt *, PetscBool *);
PETSC_INTERN PetscErrorCode MSFarmScheduleEnd(MSFarmRun *);
PETSC_INTERN PetscErrorCode MSFarmCounterBegin(MSFarmRun *, PetscInt);
PETSC_INTERN PetscErrorCode MSFarmCounterNext(MSFarmRun *, int64_t *);
PETSC_INTERN PetscErrorCode MSFarmCounterEnd(MSFarmRun *);
PETSC_INTERN PetscErrorCode MSFarmQuietBarrier(MPI_Comm);

PETSC_INTERN PetscErrorCode MSFarmGroupsBegin(MSFarmRun *);
PETSC_INTERN PetscErrorCode MSFarmGroupShare(MSFarmRun *, PetscInt *, PetscInt *, PetscInt *, PetscBool *);
PETSC_INTERN PetscErrorCode MSFarmGroupAgree(MSFarmRun *, PetscBool *, char[]);
PETSC_INTERN PetscErrorCode MSFarmGroupsEnd(MSFarmRun *);

PETSC_INTERN PetscErrorCode MSFarmBatchAdd(MSFarmRun *, PetscInt, double, int32_t, const PetscScalar *, const char *, const void *);
PETSC_INTERN PetscErrorCode MSFarmBatchFlush(MSFarmRun *);
PETSC_INTERN PetscErrorCode MSFarmCollectPoll(MSFarmRun *, PetscBool);
PETSC_INTERN PetscErrorCode MSFarmCollectFinish(MSFarmRun *);
PETSC_INTERN PetscErrorCode MSFarmAddFailure(MSFarmRun *, PetscInt, const char[]);
PETSC_INTERN PetscErrorCode MSFarmStopCheck(MSFarmRun *, PetscBool *);
PETSC_INTERN PetscErrorCode MSFarmStopNote(MSFarmRun *);
PETSC_INTERN PetscErrorCode MSFarmStopFinish(MSFarmRun *);

PETSC_INTERN PetscErrorCode MSFarmLayoutDestroy(MSFarmLayout **);
PETSC_INTERN PetscErrorCode MSFarmH5CreateTaskData(MSFarmRun *);
PETSC_INTERN PetscErrorCode MSFarmH5CheckTaskData(MSFarmRun *, hid_t);
PETSC_INTERN PetscErrorCode MSFarmH5OpenTaskData(MSFarmRun *);
PETSC_INTERN PetscErrorCode MSFarmH5WriteTaskRecords(MSFarmRun *, const MSFarmRecord *, PetscInt);
PETSC_INTERN PetscErrorCode MSFarmH5Open(MSFarmRun *);
PETSC_INTERN PetscErrorCode MSFarmH5ReadResults(MSFarmRun *);
PETSC_INTERN PetscErrorCode MSFarmH5ReadFailures(MSFarmRun *);
PETSC_INTERN PetscErrorCode MSFarmH5WriteRecords(MSFarmRun *, const MSFarmRecord *, PetscInt);
PETSC_INTERN PetscErrorCode MSFarmH5Close(MSFarmRun *);
PETSC_INTERN PetscErrorCode MSFarmH5Abandon(MSFarmRun *);

PETSC_INTERN PetscErrorCode MSFarmProgressBegin(MSFarmRun *);
PETSC_INTERN PetscErrorCode MSFarmProgressUpdate(MSFarmRun *, PetscBool);
PETSC_INTERN PetscErrorCode MSFarmProgressEnd(MSFarmRun *);
PETSC_INTERN PetscErrorCode MSFarmRecordWrite(MSFarmRun *, const MSFarmRecord *);

#endif
