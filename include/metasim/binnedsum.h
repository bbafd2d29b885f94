/* Exactly reproducible sums: a binned accumulator whose result does not depend on the order in
   which terms are added, nor on how they are split between ranks (see src/sys/binnedsum.c). */
#ifndef METASIM_BINNEDSUM_H
#define METASIM_BINNEDSUM_H

#include <petscsys.h>

/* Each entry keeps MS_BINNED_BINS partial sums on a fixed grid of binary exponents. */
#define MS_BINNED_BINS 3

typedef struct _n_MSBinnedSum *MSBinnedSum;

PETSC_EXTERN PetscErrorCode MSBinnedSumCreate(PetscInt, PetscInt, MSBinnedSum *);
PETSC_EXTERN PetscErrorCode MSBinnedSumDestroy(MSBinnedSum *);
PETSC_EXTERN PetscErrorCode MSBinnedSumZero(MSBinnedSum);
PETSC_EXTERN PetscErrorCode MSBinnedSumAdd(MSBinnedSum, PetscInt, const PetscInt[], const PetscReal[]);
PETSC_EXTERN PetscErrorCode MSBinnedSumAddSubset(MSBinnedSum, PetscInt, const PetscInt[], const PetscReal[]);
PETSC_EXTERN PetscErrorCode MSBinnedSumGetArrays(MSBinnedSum, PetscReal **, PetscReal **);
PETSC_EXTERN PetscErrorCode MSBinnedSumAlign(MSBinnedSum, const PetscReal[]);
PETSC_EXTERN PetscErrorCode MSBinnedSumValues(PetscInt, const PetscReal[], PetscReal[]);
PETSC_EXTERN PetscErrorCode MSBinnedSumAllreduce(MSBinnedSum, MPI_Comm);

#endif
