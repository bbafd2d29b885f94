/* metasim package-level API: initialization, version, class ids and log events. */
#ifndef METASIM_SYS_H
#define METASIM_SYS_H

#include <petscvec.h>

PETSC_EXTERN PetscErrorCode MSInitializePackage(void);
PETSC_EXTERN PetscErrorCode MSFinalizePackage(void);
PETSC_EXTERN PetscErrorCode MSGetVersion(const char **);
PETSC_EXTERN PetscErrorCode MSVecCheckFinite(Vec, const char[]);

/* Class ids, valid after MSInitializePackage() (called by every MS*Create()). */
PETSC_EXTERN PetscClassId MS_SIM_CLASSID;
PETSC_EXTERN PetscClassId MS_MAP_CLASSID;

/* Log events shown by -log_view. */
PETSC_EXTERN PetscLogEvent MS_SimFields, MS_SimDpred, MS_SimJvec, MS_SimJtvec, MS_SimJtJDiag;
PETSC_EXTERN PetscLogEvent MS_MapApply, MS_MapJvec, MS_MapJtvec;

#endif
