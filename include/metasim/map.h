/* MSMap: a model map from the one global model onto a simulation's sub-model. */
#ifndef METASIM_MAP_H
#define METASIM_MAP_H

#include <petscmat.h>
#include <metasim/check.h>

/*S
  MSMap - a differentiable map u = M(m) from a model of length n_in onto one of length n_out,
  with M'(m) v, M'(m)^T w and its support (the input indices it reads).

  Level: beginner

.seealso: `MSMapCreate()`, `MSMapSetType()`, `MSMapType`
S*/
typedef struct _p_MSMap *MSMap;

/*J
  MSMapType - name of a map type

  Level: beginner

.seealso: `MSMapSetType()`, `MSMapRegister()`
J*/
typedef const char *MSMapType;
#define MSMAPIDENTITY     "identity"
#define MSMAPPROJECTION   "projection"
#define MSMAPEXP          "exp"
#define MSMAPLINEAR       "linear"
#define MSMAPCOMPOSE      "compose"
#define MSMAPSUM          "sum"
#define MSMAPINJECTACTIVE "injectactive"
#define MSMAPTILE         "tile"

PETSC_EXTERN PetscFunctionList MSMapList;

PETSC_EXTERN PetscErrorCode MSMapCreate(MPI_Comm, MSMap *);
PETSC_EXTERN PetscErrorCode MSMapSetType(MSMap, MSMapType);
PETSC_EXTERN PetscErrorCode MSMapGetType(MSMap, MSMapType *);
PETSC_EXTERN PetscErrorCode MSMapRegister(const char[], PetscErrorCode (*)(MSMap));
PETSC_EXTERN PetscErrorCode MSMapSetOptionsPrefix(MSMap, const char[]);
PETSC_EXTERN PetscErrorCode MSMapSetFromOptions(MSMap);
PETSC_EXTERN PetscErrorCode MSMapSetUp(MSMap);
PETSC_EXTERN PetscErrorCode MSMapView(MSMap, PetscViewer);
PETSC_EXTERN PetscErrorCode MSMapReference(MSMap);
PETSC_EXTERN PetscErrorCode MSMapDestroy(MSMap *);
PETSC_EXTERN PetscErrorCode MSMapGetComm(MSMap, MPI_Comm *);

PETSC_EXTERN PetscErrorCode MSMapSetSizes(MSMap, PetscInt, PetscInt);
PETSC_EXTERN PetscErrorCode MSMapGetSizes(MSMap, PetscInt *, PetscInt *);
PETSC_EXTERN PetscErrorCode MSMapCreateVecs(MSMap, Vec *, Vec *);

PETSC_EXTERN PetscErrorCode MSMapApply(MSMap, Vec, Vec);
PETSC_EXTERN PetscErrorCode MSMapJvec(MSMap, Vec, Vec, Vec);
PETSC_EXTERN PetscErrorCode MSMapJtvec(MSMap, Vec, Vec, Vec);
PETSC_EXTERN PetscErrorCode MSMapSquaredJtvec(MSMap, Vec, Vec, Vec);
PETSC_EXTERN PetscErrorCode MSMapGetSupport(MSMap, IS *);
PETSC_EXTERN PetscErrorCode MSMapHasSingletonColumns(MSMap, PetscBool *);
PETSC_EXTERN PetscErrorCode MSMapCreateRestricted(MSMap, IS, MSMap *);

PETSC_EXTERN PetscErrorCode MSMapCheckAdjoint(MSMap, Vec, PetscRandom, MSAdjointReport *);
PETSC_EXTERN PetscErrorCode MSMapCheckTaylor(MSMap, Vec, Vec, MSTaylorReport *);

/* Type-specific set-up */
PETSC_EXTERN PetscErrorCode MSMapProjectionSetIndices(MSMap, PetscInt, IS);
PETSC_EXTERN PetscErrorCode MSMapLinearSetOperator(MSMap, Mat, Vec);
PETSC_EXTERN PetscErrorCode MSMapComposeSetMaps(MSMap, PetscInt, const MSMap[]);
PETSC_EXTERN PetscErrorCode MSMapSumSetMaps(MSMap, PetscInt, const MSMap[]);
PETSC_EXTERN PetscErrorCode MSMapInjectActiveSetActive(MSMap, PetscInt, IS, PetscScalar);
PETSC_EXTERN PetscErrorCode MSMapInjectActiveSetInactiveValues(MSMap, Vec);
PETSC_EXTERN PetscErrorCode MSMapTileSetOperator(MSMap, Mat);

/* Convenience constructors */
PETSC_EXTERN PetscErrorCode MSMapCreateIdentity(MPI_Comm, PetscInt, MSMap *);
PETSC_EXTERN PetscErrorCode MSMapCreateProjection(MPI_Comm, PetscInt, PetscInt, const PetscInt[], MSMap *);
PETSC_EXTERN PetscErrorCode MSMapCreateTileFromGrids(MPI_Comm, const PetscInt[3], const PetscReal *[3], const PetscInt[3], const PetscReal *[3], MSMap *);

#endif
