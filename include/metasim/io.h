/* Problem and result files (HDF5, docs/format.md): a meta problem stored as per-simulation
   groups read by the ranks that own them, named vectors, and results readable with h5py. */
#ifndef METASIM_IO_H
#define METASIM_IO_H

#include <metasim/sys.h>
#include <metasim/meta.h>

/* The problem and results format version this library writes and the newest it reads. */
#define MS_FORMAT_VERSION 1

/*S
  MSProblemInfo - the summary of a problem file, from its root attributes

  Fields:
+ version - the format version
. kind    - stack, sum or repeat
. n_sims  - number of simulations (maps, for the repeat kind)
. n_model - length of the one global model
- n_data  - length of the predicted data (sum: one simulation's; stack and repeat: all of them)

  Level: beginner

.seealso: `MSProblemGetInfo()`, `MSProblemValidate()`
S*/
typedef struct {
  PetscInt   version;
  MSMetaKind kind;
  PetscInt   n_sims, n_model, n_data;
} MSProblemInfo;

/*S
  MSMapSpec - one step of a simulation's map chain, as the problem writer stores it

  Fields:
+ type    - `MSMAPIDENTITY`, `MSMAPPROJECTION`, `MSMAPEXP`, `MSMAPLINEAR`, `MSMAPTILE` or `MSMAPINJECTACTIVE`
. n_in    - input length of the step
. n_out   - output length of the step
. indices - projection: the n_out selected inputs; injectactive: the n_in output positions of the active entries
. A       - linear: the n_out x n_in matrix A of A m + b; tile: the n_out x n_in averaging matrix (sequential, dense or AIJ)
. b       - linear: the offset (n_out entries), or NULL for none
- value   - injectactive: the value of the inactive entries

  Level: intermediate

.seealso: `MSProblemWriterSetSimulation()`
S*/
typedef struct {
  MSMapType          type;
  PetscInt           n_in, n_out;
  const PetscInt    *indices;
  Mat                A;
  const PetscScalar *b;
  PetscScalar        value;
} MSMapSpec;

/*S
  MSProblemWriter - writes a problem file: simulations from the ranks that hold them, named
  vectors from distributed `Vec`s, and a complete file only when `MSProblemWriterCommit()` succeeds

  Level: intermediate

.seealso: `MSProblemWriterCreate()`
S*/
typedef struct _p_MSProblemWriter *MSProblemWriter;

/*S
  MSResultsInfo - what a results file records about the run besides its vectors

  Fields:
+ problem       - the problem file the results come from (or a description)
. command       - the command line or caller, recorded as the "command" attribute
. kind          - the meta kind
. n_sims        - number of simulations
- jtjdiag_exact - whether the JtJ diagonals are exact

  Level: intermediate

.seealso: `MSResultsWrite()`
S*/
typedef struct {
  const char *problem;
  const char *command;
  MSMetaKind  kind;
  PetscInt    n_sims;
  PetscBool   jtjdiag_exact;
} MSResultsInfo;

PETSC_EXTERN PetscErrorCode MSProblemGetInfo(MPI_Comm, const char[], MSProblemInfo *);
PETSC_EXTERN PetscErrorCode MSProblemValidate(MPI_Comm, const char[], MSProblemInfo *);
PETSC_EXTERN PetscErrorCode MSProblemReadSimulation(const char[], PetscInt, MSSim *, MSMap *);
PETSC_EXTERN PetscErrorCode MSProblemHasVector(MPI_Comm, const char[], const char[], PetscBool *);
PETSC_EXTERN PetscErrorCode MSProblemReadVector(const char[], const char[], Vec);
PETSC_EXTERN PetscErrorCode MSProblemLoad(MPI_Comm, const char[], MSMeta *);

PETSC_EXTERN PetscErrorCode MSProblemWriterCreate(MPI_Comm, const char[], MSMetaKind, PetscInt, PetscInt, MSProblemWriter *);
PETSC_EXTERN PetscErrorCode MSProblemWriterSetSimulation(MSProblemWriter, PetscInt, Mat, PetscInt, const MSMapSpec[]);
PETSC_EXTERN PetscErrorCode MSProblemWriterAddVector(MSProblemWriter, const char[], Vec);
PETSC_EXTERN PetscErrorCode MSProblemWriterCommit(MSProblemWriter);
PETSC_EXTERN PetscErrorCode MSProblemWriterDestroy(MSProblemWriter *);

PETSC_EXTERN PetscErrorCode MSResultsWrite(MPI_Comm, const char[], const MSResultsInfo *, PetscInt, const char *const[], const Vec[]);

#endif
