/* The problem file format (docs/format.md) at the level of its objects: matrices, map chains,
   simulations and the root attributes. */
#ifndef METASIM_IO_IOFORMAT_H
#define METASIM_IO_IOFORMAT_H

#include "io/h5util.h"

#define MS_PROBLEM_FORMAT_NAME "metasim-problem"
#define MS_RESULTS_FORMAT_NAME "metasim-results"

/* The meta kind named by the file's "kind" attribute: stack, sum or repeat (MSMetaKinds[]). */
PETSC_INTERN PetscErrorCode MSIOKindFromName(MSH5File *, const char[], MSMetaKind *);
/* The group of simulation i: "/sim_000042". */
PETSC_INTERN PetscErrorCode MSIOSimGroup(PetscInt, char[], size_t);

PETSC_INTERN PetscErrorCode MSIOReadMatrix(MSH5File *, const char[], Mat *);
PETSC_INTERN PetscErrorCode MSIOWriteMatrix(MSH5File *, const char[], Mat);

PETSC_INTERN PetscErrorCode MSIOReadInfo(MSH5File *, MSProblemInfo *);
/* The tensor mesh /mesh/shape: read and checked (dim 0 when absent), written (nothing when dim is 0). */
PETSC_INTERN PetscErrorCode MSIOReadMesh(MSH5File *, PetscInt *, PetscInt[]);
PETSC_INTERN PetscErrorCode MSIOWriteMesh(MSH5File *, PetscInt, const PetscInt[]);
PETSC_INTERN PetscErrorCode MSIOReadMap(MSH5File *, const char[], PetscInt, MSMap *);
PETSC_INTERN PetscErrorCode MSIOWriteMap(MSH5File *, const char[], PetscInt, const MSMapSpec[]);
/* Reads simulation i (sim may be NULL: the map only) and returns its data length. */
PETSC_INTERN PetscErrorCode MSIOReadSimulation(MSH5File *, const MSProblemInfo *, PetscInt, MSSim *, MSMap *, PetscInt *);
/* The type and sizes of simulation i from attributes and shapes, without building it. */
PETSC_INTERN PetscErrorCode MSIODescribeSimulation(MSH5File *, const MSProblemInfo *, PetscInt, MSProblemSimInfo *);

/* The writer's map chains (mapspec.c): size checks naming caller and where, copies and release. */
PETSC_INTERN PetscErrorCode MSIOMapChainCheck(const char[], const char[], PetscInt, PetscInt, PetscInt, const MSMapSpec[]);
PETSC_INTERN PetscErrorCode MSIOMapChainCopy(PetscInt, const MSMapSpec[], MSMapSpec **);
PETSC_INTERN PetscErrorCode MSIOMapChainFree(PetscInt, MSMapSpec **);

/* DC resistivity simulations (dcrspec.c, dcrio.c): checks whose errors name the file and the
   dataset of the simulation's group, copies, the MSSIMDCR built, and the file form. */
PETSC_INTERN PetscErrorCode MSIODCRSpecCheck(const MSDCRSpec *, const char[], const char[]);
PETSC_INTERN PetscErrorCode MSIODCRSpecCopy(const MSDCRSpec *, MSDCRSpec *);
PETSC_INTERN PetscErrorCode MSIODCRSpecFree(MSDCRSpec *);
PETSC_INTERN PetscErrorCode MSIODCRSpecCreateSim(MPI_Comm, const MSDCRSpec *, MSSim *);
PETSC_INTERN PetscErrorCode MSIOReadDCRSpec(MSH5File *, const char[], MSDCRSpec *);
PETSC_INTERN PetscErrorCode MSIODescribeDCR(MSH5File *, const char[], MSProblemSimInfo *);
PETSC_INTERN PetscErrorCode MSIOWriteDCRSpec(MSH5File *, const char[], const MSDCRSpec *);

/* A rank's contiguous share [lo, hi) of the simulations, read and checked by MSIOReadShare():
   every rank reads its share, all agree on failure, and the data lengths must add up. */
typedef struct {
  MSProblemInfo info;
  PetscInt      lo, hi;
  MSSim        *sims; /* kept simulations (NULL entries: discarded, or maps only) */
  MSMap        *maps;
  PetscInt      n_data; /* summed over the share */
} MSIOShare;
PETSC_INTERN PetscErrorCode MSIOReadShare(MPI_Comm, const char[], PetscBool, MSIOShare *);
PETSC_INTERN PetscErrorCode MSIOShareDestroy(MSIOShare *);

#endif
