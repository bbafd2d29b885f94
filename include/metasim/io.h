/* Problem and result files (HDF5, docs/format.md): a meta problem stored as per-simulation
   groups read by the ranks that own them, named vectors, and results readable with h5py. */
#ifndef METASIM_IO_H
#define METASIM_IO_H

#include <metasim/sys.h>
#include <metasim/meta.h>

/* The problem and results format version this library writes and the newest it reads. */
#define MS_FORMAT_VERSION 1

/* The most axes of a problem's tensor mesh (/mesh/shape). */
#define MS_MESH_MAX_DIM 3

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

typedef struct _n_MSMapSpec MSMapSpec;

/*S
  MSMapChainSpec - a map chain as the problem writer stores it: steps applied in order

  Fields:
+ n_steps - number of steps, at least 1
- steps   - the steps; steps[k + 1] reads what steps[k] produces

  Level: intermediate

.seealso: `MSMapSpec`
S*/
typedef struct {
  PetscInt         n_steps;
  const MSMapSpec *steps;
} MSMapChainSpec;

/*S
  MSMapSpec - one step of a simulation's map chain, as the problem writer stores it

  Fields:
+ type    - `MSMAPIDENTITY`, `MSMAPPROJECTION`, `MSMAPEXP`, `MSMAPLINEAR`, `MSMAPTILE`, `MSMAPINJECTACTIVE` or `MSMAPSUM`
. n_in    - input length of the step
. n_out   - output length of the step
. indices - projection: the n_out selected inputs; injectactive: the n_in output positions of the active entries
. A       - linear: the n_out x n_in matrix A of A m + b; tile: the n_out x n_in averaging matrix (sequential, dense or AIJ)
. b       - linear: the offset (n_out entries), or NULL for none
. value   - injectactive: the value of the inactive entries
. n_terms - sum: number of terms, at least 1
- terms   - sum: the terms, each a chain reading n_in entries and producing n_out

  Level: intermediate

.seealso: `MSProblemWriterSetSimulation()`, `MSMapChainSpec`
S*/
struct _n_MSMapSpec {
  MSMapType             type;
  PetscInt              n_in, n_out;
  const PetscInt       *indices;
  Mat                   A;
  const PetscScalar    *b;
  PetscScalar           value;
  PetscInt              n_terms;
  const MSMapChainSpec *terms;
};

/*S
  MSDCRSourceSpec - one current source of a DC resistivity simulation, as stored in a problem file

  Fields:
+ a       - position of the electrode injecting the current
. b       - position of the return electrode (read only when dipole is true)
. dipole  - whether the source has a return electrode; otherwise it is a pole
- current - the current, finite and non-zero

  Level: intermediate

.seealso: `MSDCRSpec`, `MSSimDCRAddSource()`
S*/
typedef struct {
  PetscReal a[3], b[3];
  PetscBool dipole;
  PetscReal current;
} MSDCRSourceSpec;

/*S
  MSDCRReceiverSpec - one receiver of a DC resistivity simulation, as stored in a problem file

  Fields:
+ source     - index of its source
. m          - position of the first potential electrode
. n          - position of the second (read only when difference is true)
- difference - whether the datum is phi(m) - phi(n); otherwise it is phi(m)

  Level: intermediate

.seealso: `MSDCRSpec`, `MSSimDCRAddReceiver()`
S*/
typedef struct {
  PetscInt  source;
  PetscReal m[3], n[3];
  PetscBool difference;
} MSDCRReceiverSpec;

/*S
  MSDCRSpec - a DC resistivity simulation (`MSSIMDCR`) as stored in a problem file: its grid and survey

  Fields:
+ cells       - number of cells along x, y and z, each at least 2
. edges       - per axis, the cells[d] + 1 strictly increasing, finite cell edges
. n_sources   - number of sources, at least 1
. sources     - the sources
. n_receivers - number of receivers (= the simulation's data length)
- receivers   - the receivers in data order: by source (non-decreasing source index), every
                source with at least one receiver

  Notes:
  Every electrode lies in the closed box of the grid. The simulation's model is log(sigma) per
  cell, cells[0] cells[1] cells[2] entries. Solver options are not stored: they come from the
  options database (-dcr_ksp_type, -dcr_pc_type, ...).

  Level: intermediate

.seealso: `MSProblemWriterSetDCRSimulation()`, `MSSIMDCR`
S*/
typedef struct {
  PetscInt                 cells[3];
  const PetscReal         *edges[3];
  PetscInt                 n_sources;
  const MSDCRSourceSpec   *sources;
  PetscInt                 n_receivers;
  const MSDCRReceiverSpec *receivers;
} MSDCRSpec;

/*S
  MSProblemSimInfo - the summary of one simulation of a problem file, without building it

  Fields:
+ type      - the simulation type (`MSSIMLINEAR`, `MSSIMDCR`)
. n_sub     - length of its model (what its map produces)
. n_data    - length of its data
. sparse    - linear: whether G is stored as CSR
. cells     - dcr: number of cells along each axis
- n_sources - dcr: number of sources

  Level: intermediate

.seealso: `MSProblemGetSimulationInfo()`
S*/
typedef struct {
  char      type[32];
  PetscInt  n_sub, n_data;
  PetscBool sparse;
  PetscInt  cells[3];
  PetscInt  n_sources;
} MSProblemSimInfo;

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
PETSC_EXTERN PetscErrorCode MSProblemGetSimulationInfo(MPI_Comm, const char[], PetscInt, MSProblemSimInfo *);
PETSC_EXTERN PetscErrorCode MSProblemHasVector(MPI_Comm, const char[], const char[], PetscBool *);
PETSC_EXTERN PetscErrorCode MSProblemReadVector(const char[], const char[], Vec);
PETSC_EXTERN PetscErrorCode MSProblemLoad(MPI_Comm, const char[], MSMeta *);
PETSC_EXTERN PetscErrorCode MSProblemReadMatrix(const char[], const char[], Vec, Mat *);
PETSC_EXTERN PetscErrorCode MSProblemGetMesh(MPI_Comm, const char[], PetscInt *, PetscInt[]);

PETSC_EXTERN PetscErrorCode MSProblemWriterCreate(MPI_Comm, const char[], MSMetaKind, PetscInt, PetscInt, MSProblemWriter *);
PETSC_EXTERN PetscErrorCode MSProblemWriterSetSimulation(MSProblemWriter, PetscInt, Mat, PetscInt, const MSMapSpec[]);
PETSC_EXTERN PetscErrorCode MSProblemWriterSetDCRSimulation(MSProblemWriter, PetscInt, const MSDCRSpec *, PetscInt, const MSMapSpec[]);
PETSC_EXTERN PetscErrorCode MSProblemWriterSetMesh(MSProblemWriter, PetscInt, const PetscInt[]);
PETSC_EXTERN PetscErrorCode MSProblemWriterAddVector(MSProblemWriter, const char[], Vec);
PETSC_EXTERN PetscErrorCode MSProblemWriterCommit(MSProblemWriter);
PETSC_EXTERN PetscErrorCode MSProblemWriterDestroy(MSProblemWriter *);

/* Longest output path written with MPI-IO: Open MPI 4.1's shared-file-pointer component aborts
   ("buffer overflow detected") from 234 characters on, temporary suffix excluded (measured). */
#define MS_OUTPUT_MAX_PARALLEL_PATH 200
PETSC_EXTERN PetscErrorCode MSOutputCheck(MPI_Comm, const char[], PetscBool, PetscInt, const char *const[]);
PETSC_EXTERN PetscErrorCode MSResultsWrite(MPI_Comm, const char[], const MSResultsInfo *, PetscInt, const char *const[], const Vec[]);

#endif
