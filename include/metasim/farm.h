/* MSFarm: Pool.map over MPI for parameter sweeps, with per-task counter-based random streams. */
#ifndef METASIM_FARM_H
#define METASIM_FARM_H

#include <stdint.h>
#include <metasim/sys.h>

/*S
  MSRandomStream - a counter-based random stream (Philox-4x32-10) keyed by (seed, stream index).
  Any stream can be recreated anywhere from its key alone, so results never depend on which rank
  or in which order a task ran.

  Level: beginner

.seealso: `MSRandomStreamInitialize()`, `MSRandomStreamUniform()`, `MSRandomStreamInteger()`
S*/
typedef struct {
  uint32_t key[2];   /* the global seed */
  uint32_t ctr[4];   /* ctr[0..1]: block counter within the stream; ctr[2..3]: stream index */
  uint32_t block[4]; /* the current block of output */
  int      used;     /* words of block already handed out */
} MSRandomStream;

PETSC_EXTERN PetscErrorCode MSPhilox4x32(const uint32_t[4], const uint32_t[2], uint32_t[4]);
PETSC_EXTERN PetscErrorCode MSRandomStreamInitialize(MSRandomStream *, uint64_t, uint64_t);
PETSC_EXTERN PetscErrorCode MSRandomStreamUInt32(MSRandomStream *, uint32_t *);
PETSC_EXTERN PetscErrorCode MSRandomStreamUniform(MSRandomStream *, double *);
PETSC_EXTERN PetscErrorCode MSRandomStreamInteger(MSRandomStream *, uint64_t, uint64_t *);

/*S
  MSFarm - maps a task function over N tasks on every rank of a communicator: ordered results,
  per-task random streams, static and dynamic schedules, progress, failure capture, HDF5 results
  with resume. Tasks may themselves be parallel: groups of K ranks each run one task at a time.

  Level: beginner

.seealso: `MSFarmCreate()`, `MSFarmMap()`, `MSFarmSetTasks()`, `MSFarmSetGrid()`
S*/
typedef struct _p_MSFarm *MSFarm;

/*E
  MSFarmSchedule - how tasks are handed to ranks

$ MS_FARM_BLOCK   - rank r runs one contiguous block of tasks
$ MS_FARM_CYCLIC  - rank r runs tasks r, r + size, ...
$ MS_FARM_DYNAMIC - ranks take chunks of -farm_chunk tasks from a shared counter as they finish
$ MS_FARM_GUIDED  - like dynamic, with chunks that shrink as the remaining work shrinks

  Level: beginner

.seealso: `MSFarmSetSchedule()`
E*/
typedef enum {
  MS_FARM_BLOCK,
  MS_FARM_CYCLIC,
  MS_FARM_DYNAMIC,
  MS_FARM_GUIDED
} MSFarmSchedule;
PETSC_EXTERN const char *const MSFarmSchedules[];

/*E
  MSFarmCounter - how the shared counter of the dynamic and guided schedules is served

$ MS_FARM_COUNTER_AUTO   - rma when every rank is on one node, else thread when MPI provides
$                          MPI_THREAD_MULTIPLE, else server
$ MS_FARM_COUNTER_RMA    - an MPI-3 window on rank 0 (MPI_Fetch_and_op); one-sided MPI must reach
$                          every rank (Debian's Open MPI: inside one host only)
$ MS_FARM_COUNTER_THREAD - a thread on rank 0 answers requests sent as messages while rank 0 runs
$                          tasks (needs MPI_THREAD_MULTIPLE)
$ MS_FARM_COUNTER_SERVER - rank 0 answers requests and collects results, and runs no tasks

  Level: intermediate

.seealso: `MSFarmSetCounter()`, `MSFarmSetSchedule()`
E*/
typedef enum {
  MS_FARM_COUNTER_AUTO,
  MS_FARM_COUNTER_RMA,
  MS_FARM_COUNTER_THREAD,
  MS_FARM_COUNTER_SERVER
} MSFarmCounter;
PETSC_EXTERN const char *const MSFarmCounters[];

/*E
  MSFarmGridShape - the index grid of a starmap

$ MS_FARM_GRID_FULL  - every (i, j), 0 <= i < rows, 0 <= j < cols, row by row
$ MS_FARM_GRID_LOWER - the lower triangle (i, j <= i) of a square grid, row by row

  Level: beginner

.seealso: `MSFarmSetGrid()`
E*/
typedef enum {
  MS_FARM_GRID_FULL,
  MS_FARM_GRID_LOWER
} MSFarmGridShape;

/*E
  MSFarmResults - where `MSFarmMap()` puts the ordered results

$ MS_FARM_RESULTS_NONE - nowhere (use the HDF5 output or the streaming callback)
$ MS_FARM_RESULTS_ROOT - on rank 0 only
$ MS_FARM_RESULTS_ALL  - on every rank

  Level: beginner
E*/
typedef enum {
  MS_FARM_RESULTS_NONE,
  MS_FARM_RESULTS_ROOT,
  MS_FARM_RESULTS_ALL
} MSFarmResults;

/*S
  MSFarmTask - what a task function knows about its task

  Level: beginner

.seealso: `MSFarmTaskFn`, `MSFarmMap()`
S*/
typedef struct {
  PetscInt           index;   /* global task index, 0 <= index < n_tasks */
  PetscInt           i, j;    /* grid position (index, 0 for a plain map) */
  const PetscScalar *input;   /* this task's row of the input array, or NULL */
  PetscInt           in_size; /* length of input */
  MSRandomStream     rng;     /* a fresh stream keyed by (seed, index) */
  MPI_Comm           comm;    /* the ranks that run this task together: PETSC_COMM_SELF unless
                                 MSFarmSetGroupSize(); every rank of it calls the task function */
  void              *record;  /* this task's record (MSFarmSetTaskRecord()), zeroed, or NULL */
  const void        *layout;  /* private: where the record's fields are */
} MSFarmTask;

/*E
  MSFarmFieldType - the type of one field of a per-task record

$ MS_FARM_FIELD_INT64  - a 64-bit signed integer
$ MS_FARM_FIELD_DOUBLE - a double
$ MS_FARM_FIELD_STRING - a fixed-size, zero-terminated string of size bytes

  Level: intermediate

.seealso: `MSFarmSetTaskRecord()`
E*/
typedef enum {
  MS_FARM_FIELD_INT64,
  MS_FARM_FIELD_DOUBLE,
  MS_FARM_FIELD_STRING
} MSFarmFieldType;

/*S
  MSFarmField - one field of a per-task record: its name in the HDF5 file, its type, and its
  size in bytes (strings only, including the terminating zero)

  Level: intermediate

.seealso: `MSFarmSetTaskRecord()`
S*/
typedef struct {
  const char     *name;
  MSFarmFieldType type;
  size_t          size;
} MSFarmField;

/* Computes out[0 .. out_size) for one task (collectively on task->comm; the output and record of
   its first rank are kept). An error on any rank of task->comm is recorded and the other tasks go on. */
typedef PetscErrorCode (*MSFarmTaskFn)(MSFarmTask *task, PetscScalar *out, void *ctx);
/* Called on rank 0 as each task completes, in completion order (imap_unordered). */
typedef PetscErrorCode (*MSFarmResultFn)(PetscInt index, const PetscScalar *out, PetscInt out_size, void *ctx);

PETSC_EXTERN PetscClassId  MS_FARM_CLASSID;
PETSC_EXTERN PetscLogEvent MS_FarmMap, MS_FarmTasks, MS_FarmCollect, MS_FarmWrite, MS_FarmGather;
PETSC_EXTERN PetscErrorCode MSFarmInitializePackage(void);

PETSC_EXTERN PetscErrorCode MSFarmCreate(MPI_Comm, MSFarm *);
PETSC_EXTERN PetscErrorCode MSFarmSetTasks(MSFarm, PetscInt, PetscInt);
PETSC_EXTERN PetscErrorCode MSFarmSetGrid(MSFarm, MSFarmGridShape, PetscInt, PetscInt, PetscInt);
PETSC_EXTERN PetscErrorCode MSFarmGetTasks(MSFarm, PetscInt *, PetscInt *);
PETSC_EXTERN PetscErrorCode MSFarmSetInputs(MSFarm, PetscInt, const PetscScalar[]);
PETSC_EXTERN PetscErrorCode MSFarmSetSchedule(MSFarm, MSFarmSchedule, PetscInt);
PETSC_EXTERN PetscErrorCode MSFarmGetSchedule(MSFarm, MSFarmSchedule *, PetscInt *);
PETSC_EXTERN PetscErrorCode MSFarmSetCounter(MSFarm, MSFarmCounter);
PETSC_EXTERN PetscErrorCode MSFarmGetCounter(MSFarm, MSFarmCounter *);
PETSC_EXTERN PetscErrorCode MSFarmSetGroupSize(MSFarm, PetscInt);
PETSC_EXTERN PetscErrorCode MSFarmGetGroupSize(MSFarm, PetscInt *);
PETSC_EXTERN PetscErrorCode MSFarmSetSeed(MSFarm, uint64_t);
PETSC_EXTERN PetscErrorCode MSFarmSetOutputFile(MSFarm, const char[]);
PETSC_EXTERN PetscErrorCode MSFarmSetName(MSFarm, const char[]);
PETSC_EXTERN PetscErrorCode MSFarmSetResume(MSFarm, PetscBool, PetscBool);
PETSC_EXTERN PetscErrorCode MSFarmSetProgress(MSFarm, PetscBool);
PETSC_EXTERN PetscErrorCode MSFarmSetRecordFile(MSFarm, const char[]);
PETSC_EXTERN PetscErrorCode MSFarmSetResultCallback(MSFarm, MSFarmResultFn, void *);
PETSC_EXTERN PetscErrorCode MSFarmSetTaskRecord(MSFarm, PetscInt, const MSFarmField[]);
PETSC_EXTERN PetscErrorCode MSFarmSetTaskLabels(MSFarm, const char *const[]);
PETSC_EXTERN PetscErrorCode MSFarmSetMaxFailures(MSFarm, PetscInt);
PETSC_EXTERN PetscErrorCode MSFarmGetSkipped(MSFarm, PetscInt *);
PETSC_EXTERN PetscErrorCode MSFarmTaskSetInt(MSFarmTask *, PetscInt, int64_t);
PETSC_EXTERN PetscErrorCode MSFarmTaskSetReal(MSFarmTask *, PetscInt, double);
PETSC_EXTERN PetscErrorCode MSFarmTaskSetString(MSFarmTask *, PetscInt, const char[]);
PETSC_EXTERN PetscErrorCode MSFarmSetOptionsPrefix(MSFarm, const char[]);
PETSC_EXTERN PetscErrorCode MSFarmSetFromOptions(MSFarm);
PETSC_EXTERN PetscErrorCode MSFarmSetUp(MSFarm);
PETSC_EXTERN PetscErrorCode MSFarmView(MSFarm, PetscViewer);
PETSC_EXTERN PetscErrorCode MSFarmDestroy(MSFarm *);

PETSC_EXTERN PetscErrorCode MSFarmMap(MSFarm, MSFarmTaskFn, void *, MSFarmResults, PetscScalar[]);
PETSC_EXTERN PetscErrorCode MSFarmGetFailures(MSFarm, PetscInt *, const PetscInt *[]);
PETSC_EXTERN PetscErrorCode MSFarmGetFailureMessage(MSFarm, PetscInt, const char **);

/* Joins of binned or repeated results. */
PETSC_EXTERN PetscErrorCode MSFarmTukeyWindow(PetscInt, PetscReal, PetscReal[]);
PETSC_EXTERN PetscErrorCode MSFarmJoinBins(PetscInt, PetscInt, PetscInt, const PetscInt[], const PetscScalar[], const PetscReal[], PetscScalar[], PetscReal[]);
PETSC_EXTERN PetscErrorCode MSFarmJoinFinish(PetscInt, const PetscScalar[], const PetscReal[], PetscScalar[]);
PETSC_EXTERN PetscErrorCode MSFarmMeanStdErr(PetscInt, PetscInt, const PetscScalar[], PetscScalar[], PetscScalar[]);

#endif
