/* Internal to the map implementations: the linear map's constructor and operator setter, shared
   by MSMAPLINEAR and MSMAPTILE (a linear map whose operator is a validated averaging). */
#ifndef METASIM_MAP_LINEAR_H
#define METASIM_MAP_LINEAR_H

#include <metasim/impl/mapimpl.h>

PETSC_INTERN PetscErrorCode MSMapCreate_Linear(MSMap);
/* Sets u = A m + b without checking the map's type; b may be NULL. */
PETSC_INTERN PetscErrorCode MSMapLinearSetOperator_Internal(MSMap, Mat, Vec, const char[]);

#endif
