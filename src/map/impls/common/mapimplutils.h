/* Helpers shared by several MSMap types (not installed: internal to the map implementations). */
#ifndef METASIM_MAPIMPLUTILS_H
#define METASIM_MAPIMPLUTILS_H

#include <metasim/impl/mapimpl.h>

/* An owned list of set-up child maps, as held by MSMAPCOMPOSE and MSMAPSUM. */
typedef struct {
  PetscInt n;
  MSMap   *maps;
} MSMapArray;

PETSC_INTERN PetscErrorCode MSMapArrayCheck(MSMap, PetscInt, const MSMap[], const char[]);
PETSC_INTERN PetscErrorCode MSMapArraySet(MSMapArray *, PetscInt, const MSMap[]);
PETSC_INTERN PetscErrorCode MSMapArrayDestroy(MSMapArray *);
PETSC_INTERN PetscErrorCode MSMapArrayView(const MSMapArray *, PetscViewer);
PETSC_INTERN PetscErrorCode MSMapArrayAllSingleton(const MSMapArray *, PetscBool *);

/* Errors unless the map lives on a one-rank communicator, as types reading index arrays need. */
PETSC_INTERN PetscErrorCode MSMapCheckSequential(MSMap);

#endif
