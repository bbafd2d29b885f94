/* MSSIMDCR: DC resistivity, steady current flow -div(sigma grad phi) = q on a 3-D tensor grid. */
#ifndef METASIM_DCR_H
#define METASIM_DCR_H

#include <petscksp.h>
#include <metasim/sim.h>

/* Grids of at most this many cells get a direct solver (Cholesky, MUMPS when available) by
   default; larger ones, and distributed ones without MUMPS, get CG preconditioned with GAMG. */
#define MS_DCR_DIRECT_MAX_CELLS 32768

PETSC_EXTERN PetscErrorCode MSSimDCRSetGrid(MSSim, const PetscInt[3], const PetscReal *const[3]);
PETSC_EXTERN PetscErrorCode MSSimDCRGetGrid(MSSim, PetscInt[3], const PetscReal *[3]);
PETSC_EXTERN PetscErrorCode MSSimDCRAddSource(MSSim, const PetscReal[3], const PetscReal[3], PetscReal, PetscInt *);
PETSC_EXTERN PetscErrorCode MSSimDCRAddReceiver(MSSim, PetscInt, const PetscReal[3], const PetscReal[3]);
PETSC_EXTERN PetscErrorCode MSSimDCRGetNumSources(MSSim, PetscInt *);
PETSC_EXTERN PetscErrorCode MSSimDCRGetKSP(MSSim, KSP *);
PETSC_EXTERN PetscErrorCode MSSimDCRGetOperator(MSSim, Mat *);
PETSC_EXTERN PetscErrorCode MSSimDCRGetSourceVector(MSSim, PetscInt, Vec *);
PETSC_EXTERN PetscErrorCode MSSimDCRGetPotential(MSSim, PetscInt, Vec *);
PETSC_EXTERN PetscErrorCode MSSimDCRCreateTile(MPI_Comm, PetscInt, MSSim *);

#endif
