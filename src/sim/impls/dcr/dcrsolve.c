/* MSSIMDCR linear solver: the DMDA, the operator's storage, the KSP with its defaults, and the
   checked solve that turns a KSP failure into an error naming the source (on every process: the
   converged reason is collective). */
#include "dcrimpl.h"

/* Defaults: a direct Cholesky solve on grids of at most MS_DCR_DIRECT_MAX_CELLS cells, with MUMPS
   when this PETSc has it for A (checked at run time) and PETSc's own factorization on one process
   otherwise; CG with algebraic multigrid on larger grids, and on several processes without
   MUMPS. Options with the prefix dcr_ override both. */
static PetscErrorCode MSDCRSolverSetDefaults(KSP ksp, Mat A, PetscInt ncells)
{
  PC          pc;
  PetscBool   mumps;
  PetscMPIInt size;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_size(PetscObjectComm((PetscObject)ksp), &size));
  PetscCall(MatGetFactorAvailable(A, MATSOLVERMUMPS, MAT_FACTOR_CHOLESKY, &mumps));
  PetscCall(KSPGetPC(ksp, &pc));
  if (ncells <= MS_DCR_DIRECT_MAX_CELLS && (mumps || size == 1)) {
    PetscCall(KSPSetType(ksp, KSPPREONLY));
    PetscCall(PCSetType(pc, PCCHOLESKY));
    if (mumps) PetscCall(PCFactorSetMatSolverType(pc, MATSOLVERMUMPS));
  } else {
    PetscCall(KSPSetType(ksp, KSPCG));
    PetscCall(PCSetType(pc, PCGAMG));
    PetscCall(KSPSetTolerances(ksp, 1e-10, PETSC_DEFAULT, PETSC_DEFAULT, PETSC_DEFAULT));
  }
  PetscFunctionReturn(0);
}

/* Creates the DMDA over the cells (distributed over the simulation's communicator), its layout,
   the (symmetric positive definite) operator's storage, the work vectors and the KSP, whose
   options prefix is the simulation's followed by dcr_. */
PetscErrorCode MSDCRSolverSetUp(MSSim sim)
{
  MSSim_DCR      *dcr = (MSSim_DCR *)sim->data;
  const PetscInt *n   = dcr->grid.n;
  PetscInt        ncells;

  PetscFunctionBegin;
  PetscCall(MSDCRGridNumCells(&dcr->grid, &ncells));
  PetscCall(DMDACreate3d(sim->hdr.comm, DM_BOUNDARY_NONE, DM_BOUNDARY_NONE, DM_BOUNDARY_NONE, DMDA_STENCIL_STAR, n[0], n[1], n[2], PETSC_DECIDE, PETSC_DECIDE, PETSC_DECIDE, 1, 1, NULL, NULL, NULL, &dcr->da));
  PetscCall(DMSetUp(dcr->da));
  PetscCall(MSDCRLayoutCreate(&dcr->layout, dcr->da, ncells));
  PetscCall(DMCreateMatrix(dcr->da, &dcr->A));
  PetscCall(MatSetOption(dcr->A, MAT_SPD, PETSC_TRUE));
  PetscCall(MatSetOption(dcr->A, MAT_SYMMETRIC, PETSC_TRUE));
  PetscCall(MatSetOption(dcr->A, MAT_NO_OFF_PROC_ENTRIES, PETSC_TRUE));
  PetscCall(DMCreateGlobalVector(dcr->da, &dcr->work));
  PetscCall(VecDuplicate(dcr->work, &dcr->work2));
  PetscCall(VecDuplicate(dcr->work, &dcr->mda));
  PetscCall(DMCreateLocalVector(dcr->da, &dcr->xloc));
  PetscCall(VecSet(dcr->xloc, 0.0)); /* the corners of the ghosted box are never exchanged */
  PetscCall(VecDuplicate(dcr->xloc, &dcr->ploc));
  PetscCall(VecDuplicate(dcr->xloc, &dcr->yloc));
  PetscCall(KSPCreate(sim->hdr.comm, &dcr->ksp));
  PetscCall(KSPSetDM(dcr->ksp, dcr->da));
  PetscCall(KSPSetDMActive(dcr->ksp, PETSC_FALSE));
  PetscCall(KSPSetOptionsPrefix(dcr->ksp, sim->hdr.prefix));
  PetscCall(KSPAppendOptionsPrefix(dcr->ksp, "dcr_"));
  PetscCall(MSDCRSolverSetDefaults(dcr->ksp, dcr->A, ncells));
  PetscCall(KSPSetFromOptions(dcr->ksp));
  PetscFunctionReturn(0);
}

/* x = A^{-1} b; a KSP that fails is an error naming the operation, the source and the reason. */
PetscErrorCode MSDCRSolve(MSSim sim, PetscInt source, const char what[], Vec b, Vec x)
{
  MSSim_DCR         *dcr = (MSSim_DCR *)sim->data;
  KSPConvergedReason reason;
  PetscInt           its;

  PetscFunctionBegin;
  PetscCall(KSPSolve(dcr->ksp, b, x));
  PetscCall(KSPGetConvergedReason(dcr->ksp, &reason));
  PetscCall(KSPGetIterationNumber(dcr->ksp, &its));
  PetscCheck(reason > 0, sim->hdr.comm, PETSC_ERR_NOT_CONVERGED, "MSSIMDCR%s%s: the %s solve for source %" PetscInt_FMT " did not converge: %s after %" PetscInt_FMT " iterations", sim->hdr.prefix ? " with prefix " : "", sim->hdr.prefix ? sim->hdr.prefix : "", what, source,
             KSPConvergedReasons[reason], its);
  PetscFunctionReturn(0);
}
