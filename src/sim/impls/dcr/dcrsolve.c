/* MSSIMDCR linear solver: the DMDA, the operator's storage, the KSP with its defaults, and the
   checked solve that turns a KSP failure into an error naming the source. */
#include "dcrimpl.h"

/* Defaults by size: a direct Cholesky solve (MUMPS when PETSc has it) on small grids, CG with
   algebraic multigrid on larger ones. Options with the prefix dcr_ override both. */
static PetscErrorCode MSDCRSolverSetDefaults(KSP ksp, PetscInt ncells)
{
  PC pc;

  PetscFunctionBegin;
  PetscCall(KSPGetPC(ksp, &pc));
  if (ncells <= MS_DCR_DIRECT_MAX_CELLS) {
    PetscCall(KSPSetType(ksp, KSPPREONLY));
    PetscCall(PCSetType(pc, PCCHOLESKY));
#if defined(PETSC_HAVE_MUMPS)
    PetscCall(PCFactorSetMatSolverType(pc, MATSOLVERMUMPS));
#endif
  } else {
    PetscCall(KSPSetType(ksp, KSPCG));
    PetscCall(PCSetType(pc, PCGAMG));
    PetscCall(KSPSetTolerances(ksp, 1e-10, PETSC_DEFAULT, PETSC_DEFAULT, PETSC_DEFAULT));
  }
  PetscFunctionReturn(0);
}

/* Creates the DMDA over the cells, the (symmetric positive definite) operator's storage and the
   KSP, whose options prefix is the simulation's followed by dcr_. */
PetscErrorCode MSDCRSolverSetUp(MSSim sim)
{
  MSSim_DCR      *dcr = (MSSim_DCR *)sim->data;
  const PetscInt *n   = dcr->grid.n;
  PetscMPIInt     size;
  PetscInt        ncells;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_size(sim->hdr.comm, &size));
  PetscCheck(size == 1, sim->hdr.comm, PETSC_ERR_SUP, "MSSIMDCR runs on one process (PETSC_COMM_SELF); its communicator has %d", (int)size);
  PetscCall(DMDACreate3d(sim->hdr.comm, DM_BOUNDARY_NONE, DM_BOUNDARY_NONE, DM_BOUNDARY_NONE, DMDA_STENCIL_STAR, n[0], n[1], n[2], 1, 1, 1, 1, 1, NULL, NULL, NULL, &dcr->da));
  PetscCall(DMSetUp(dcr->da));
  PetscCall(DMCreateMatrix(dcr->da, &dcr->A));
  PetscCall(MatSetOption(dcr->A, MAT_SPD, PETSC_TRUE));
  PetscCall(MatSetOption(dcr->A, MAT_SYMMETRIC, PETSC_TRUE));
  PetscCall(DMCreateGlobalVector(dcr->da, &dcr->work));
  PetscCall(VecDuplicate(dcr->work, &dcr->work2));
  PetscCall(KSPCreate(sim->hdr.comm, &dcr->ksp));
  PetscCall(KSPSetDM(dcr->ksp, dcr->da));
  PetscCall(KSPSetDMActive(dcr->ksp, PETSC_FALSE));
  PetscCall(KSPSetOptionsPrefix(dcr->ksp, sim->hdr.prefix));
  PetscCall(KSPAppendOptionsPrefix(dcr->ksp, "dcr_"));
  PetscCall(MSDCRGridNumCells(&dcr->grid, &ncells));
  PetscCall(MSDCRSolverSetDefaults(dcr->ksp, ncells));
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
