/* metasim package-level API: initialization, version, class ids and log events. */
#ifndef METASIM_SYS_H
#define METASIM_SYS_H

#include <petscvec.h>

PETSC_EXTERN PetscErrorCode MSInitializePackage(void);
PETSC_EXTERN PetscErrorCode MSFinalizePackage(void);
PETSC_EXTERN PetscErrorCode MSGetVersion(const char **);
PETSC_EXTERN PetscErrorCode MSVecCheckFinite(Vec, const char[]);

/*E
  MSWaitMode - how a rank waits for communication that depends on other ranks' work

$ MS_WAIT_QUIET - poll briefly, then sleep between polls: the core goes to whatever still runs
$ MS_WAIT_SPIN  - `MPI_Wait()`: the lowest latency on a node where every rank has its own core

  Level: intermediate

.seealso: `MSWait()`, `MSMetaSetWaitMode()`
E*/
typedef enum {
  MS_WAIT_QUIET,
  MS_WAIT_SPIN
} MSWaitMode;
PETSC_EXTERN const char *const MSWaitModes[];
PETSC_EXTERN PetscErrorCode MSWait(MSWaitMode, MPI_Request *);
PETSC_EXTERN PetscErrorCode MSWaitQuiet(MPI_Request *, PetscReal);
/* The pauses of a quiet wait: from 1 us, doubling up to 200 us (MSWaitPause()). */
#define MS_WAIT_PAUSE_MIN_NS 1000L
#define MS_WAIT_PAUSE_MAX_NS 200000L
PETSC_EXTERN void MSWaitPause(long *);

/* Class ids, valid after MSInitializePackage() (called by every MS*Create()). */
PETSC_EXTERN PetscClassId MS_SIM_CLASSID;
PETSC_EXTERN PetscClassId MS_MAP_CLASSID;

/* Log events shown by -log_view. */
PETSC_EXTERN PetscLogEvent MS_SimFields, MS_SimDpred, MS_SimJvec, MS_SimJtvec, MS_SimJtJDiag;
PETSC_EXTERN PetscLogEvent MS_MapApply, MS_MapJvec, MS_MapJtvec;

#endif
