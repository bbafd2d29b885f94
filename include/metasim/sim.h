/* MSSim: one simulation d = F(m) with its derivatives. */
#ifndef METASIM_SIM_H
#define METASIM_SIM_H

#include <petscmat.h>
#include <metasim/check.h>

/*S
  MSSim - one simulation: predicted data d = F(m) for a sub-model m, with J v, J^T w, the
  JtJ diagonal and residuals. Fields are computed once per model state and reused.

  Level: beginner

.seealso: `MSSimCreate()`, `MSSimSetType()`, `MSSimType`
S*/
typedef struct _p_MSSim *MSSim;

/*J
  MSSimType - name of a simulation type

  Level: beginner

.seealso: `MSSimSetType()`, `MSSimRegister()`
J*/
typedef const char *MSSimType;
#define MSSIMLINEAR "linear"
#define MSSIMSHELL  "shell"
#define MSSIMDCR    "dcr"

PETSC_EXTERN PetscFunctionList MSSimList;

PETSC_EXTERN PetscErrorCode MSSimCreate(MPI_Comm, MSSim *);
PETSC_EXTERN PetscErrorCode MSSimSetType(MSSim, MSSimType);
PETSC_EXTERN PetscErrorCode MSSimGetType(MSSim, MSSimType *);
PETSC_EXTERN PetscErrorCode MSSimRegister(const char[], PetscErrorCode (*)(MSSim));
PETSC_EXTERN PetscErrorCode MSSimSetOptionsPrefix(MSSim, const char[]);
PETSC_EXTERN PetscErrorCode MSSimSetFromOptions(MSSim);
PETSC_EXTERN PetscErrorCode MSSimSetUp(MSSim);
PETSC_EXTERN PetscErrorCode MSSimView(MSSim, PetscViewer);
PETSC_EXTERN PetscErrorCode MSSimReference(MSSim);
PETSC_EXTERN PetscErrorCode MSSimDestroy(MSSim *);
PETSC_EXTERN PetscErrorCode MSSimGetComm(MSSim, MPI_Comm *);

PETSC_EXTERN PetscErrorCode MSSimSetSizes(MSSim, PetscInt, PetscInt);
PETSC_EXTERN PetscErrorCode MSSimGetSizes(MSSim, PetscInt *, PetscInt *);
PETSC_EXTERN PetscErrorCode MSSimCreateVecs(MSSim, Vec *, Vec *);
PETSC_EXTERN PetscErrorCode MSSimGetCost(MSSim, PetscReal *);

PETSC_EXTERN PetscErrorCode MSSimDpred(MSSim, Vec, Vec);
PETSC_EXTERN PetscErrorCode MSSimJvec(MSSim, Vec, Vec, Vec);
PETSC_EXTERN PetscErrorCode MSSimJtvec(MSSim, Vec, Vec, Vec);
PETSC_EXTERN PetscErrorCode MSSimGetJtJDiagonal(MSSim, Vec, Vec, Vec);
PETSC_EXTERN PetscErrorCode MSSimResidual(MSSim, Vec, Vec, Vec);
PETSC_EXTERN PetscErrorCode MSSimGetNumFieldsComputed(MSSim, PetscInt *);

PETSC_EXTERN PetscErrorCode MSSimCheckAdjoint(MSSim, Vec, PetscRandom, MSAdjointReport *);
PETSC_EXTERN PetscErrorCode MSSimCheckTaylor(MSSim, Vec, Vec, MSTaylorReport *);

/* MSSIMLINEAR */
PETSC_EXTERN PetscErrorCode MSSimLinearSetOperator(MSSim, Mat);
PETSC_EXTERN PetscErrorCode MSSimLinearGetOperator(MSSim, Mat *);

/* MSSIMSHELL: user callbacks */
typedef PetscErrorCode (*MSSimShellFieldsFn)(MSSim, Vec);
typedef PetscErrorCode (*MSSimShellDpredFn)(MSSim, Vec, Vec);
typedef PetscErrorCode (*MSSimShellProductFn)(MSSim, Vec, Vec, Vec);
typedef PetscErrorCode (*MSSimShellJtJDiagFn)(MSSim, Vec, Vec, Vec);
PETSC_EXTERN PetscErrorCode MSSimShellSetContext(MSSim, void *);
PETSC_EXTERN PetscErrorCode MSSimShellGetContext(MSSim, void *);
PETSC_EXTERN PetscErrorCode MSSimShellSetFields(MSSim, MSSimShellFieldsFn);
PETSC_EXTERN PetscErrorCode MSSimShellSetDpred(MSSim, MSSimShellDpredFn);
PETSC_EXTERN PetscErrorCode MSSimShellSetJvec(MSSim, MSSimShellProductFn);
PETSC_EXTERN PetscErrorCode MSSimShellSetJtvec(MSSim, MSSimShellProductFn);
PETSC_EXTERN PetscErrorCode MSSimShellSetJtJDiagonal(MSSim, MSSimShellJtJDiagFn);

#endif
