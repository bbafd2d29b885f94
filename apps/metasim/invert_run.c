/* metasim invert: the beta stages, each one TaoSolve() from the model the previous one ended at,
   with the iteration table, the target misfit and a checkpoint of OUT after every stage. */
#include "invert.h"

PetscErrorCode InvHistoryAppend(InvHistory *h, const PetscReal row[])
{
  PetscFunctionBegin;
  if (h->n == h->max) {
    PetscReal *rows;

    h->max = h->max ? 2 * h->max : 64;
    PetscCall(PetscMalloc1(h->max * INV_NCOLS, &rows));
    if (h->n) PetscCall(PetscArraycpy(rows, h->rows, h->n * INV_NCOLS));
    PetscCall(PetscFree(h->rows));
    h->rows = rows;
  }
  PetscCall(PetscArraycpy(h->rows + h->n * INV_NCOLS, row, INV_NCOLS));
  h->n++;
  PetscFunctionReturn(0);
}

PetscErrorCode InvHistoryDestroy(InvHistory *h)
{
  PetscFunctionBegin;
  PetscCall(PetscFree(h->rows));
  h->n = h->max = 0;
  PetscFunctionReturn(0);
}

/* TAO's convergence test, called at every iterate: TAO's own test, then the table row, the history
   and the target misfit (chi^2 = 2 phi_d / n_data <= target stops the stage and the run). */
static PetscErrorCode InvIterate(Tao tao, void *ctx)
{
  InvRun   *run = (InvRun *)ctx;
  PetscInt  its;
  PetscReal f, gnorm, chi2, row[INV_NCOLS];
  Vec       m;

  PetscFunctionBegin;
  PetscCall(TaoDefaultConvergenceTest(tao, NULL));
  PetscCall(TaoGetSolutionStatus(tao, &its, &f, &gnorm, NULL, NULL, NULL));
  PetscCall(TaoGetSolution(tao, &m));
  PetscCall(InversionObjectiveTerms(&run->obj, m, &run->phi_d, &run->phi_m));
  chi2                   = 2.0 * run->phi_d / (PetscReal)run->n_data;
  row[INV_COL_STAGE]     = (PetscReal)run->stage;
  row[INV_COL_ITERATION] = (PetscReal)(run->iterations + its);
  row[INV_COL_PHI_D]     = run->phi_d;
  row[INV_COL_PHI_M]     = run->phi_m;
  row[INV_COL_BETA]      = run->obj.beta;
  row[INV_COL_GNORM]     = gnorm;
  PetscCall(InvHistoryAppend(&run->history, row));
  if (!run->o.quiet)
    PetscCall(PetscPrintf(PETSC_COMM_WORLD, "%5" PetscInt_FMT " %6" PetscInt_FMT "  %12.5e %12.5e %10.3e %10.3e %10.3e\n", run->stage, run->iterations + its, (double)run->phi_d, (double)run->phi_m, (double)run->obj.beta, (double)gnorm, (double)chi2));
  if (run->o.target_chi2 > 0.0 && chi2 <= run->o.target_chi2) {
    run->target_reached = PETSC_TRUE;
    PetscCall(TaoSetConvergedReason(tao, TAO_CONVERGED_USER));
  }
  PetscFunctionReturn(0);
}

/* One beta stage from run->m (updated in place). */
static PetscErrorCode InvRunStage(InvRun *run, PetscReal beta)
{
  Tao                tao;
  PetscInt           its;
  TaoConvergedReason reason;

  PetscFunctionBegin;
  PetscCall(InversionObjectiveSetBeta(&run->obj, beta));
  PetscCall(TaoCreate(PETSC_COMM_WORLD, &tao));
  PetscCall(TaoSetType(tao, TAOBLMVM));
  PetscCall(TaoSetSolution(tao, run->m));
  PetscCall(TaoSetObjectiveAndGradient(tao, NULL, InversionObjectiveGradient, &run->obj));
  PetscCall(TaoSetHessian(tao, run->H, run->H, InversionHessianForm, NULL));
  PetscCall(TaoSetTolerances(tao, 0.0, 0.0, 1e-7));
  PetscCall(TaoSetMaximumIterations(tao, run->o.cooling_rate > 0 ? run->o.cooling_rate : 2000));
  PetscCall(TaoSetConvergenceTest(tao, InvIterate, run));
  PetscCall(TaoSetFromOptions(tao));
  PetscCall(InversionSetDefaultPC(tao));
  PetscCall(TaoSolve(tao));
  PetscCall(TaoGetIterationNumber(tao, &its));
  PetscCall(TaoGetConvergedReason(tao, &reason));
  PetscCall(TaoDestroy(&tao));
  run->iterations += its;
  PetscCheck(reason > 0 || reason == TAO_DIVERGED_MAXITS, PETSC_COMM_WORLD, PETSC_ERR_NOT_CONVERGED, "stage %" PetscInt_FMT " (beta %.6g): TAO failed, %s after %" PetscInt_FMT " iterations", run->stage, (double)beta, TaoConvergedReasons[reason], its);
  PetscFunctionReturn(0);
}

/*
  InvRunStages - runs the beta stages run->stage, ..., stages - 1, beta_s = beta0 / cooling^s, until
  the target misfit is reached; writes OUT after each stage

  Collective
*/
PetscErrorCode InvRunStages(InvRun *run)
{
  PetscFunctionBegin;
  if (!run->o.quiet && !run->target_reached && run->stage < run->o.stages) PetscCall(PetscPrintf(PETSC_COMM_WORLD, "%5s %6s  %12s %12s %10s %10s %10s\n", "stage", "iter", "phi_d", "phi_m", "beta", "|g|", "chi2"));
  while (run->stage < run->o.stages && !run->target_reached) {
    PetscCall(InvRunStage(run, run->o.beta0 / PetscPowReal(run->o.cooling, (PetscReal)run->stage)));
    run->stage++;
    PetscCall(InvWriteOutput(run));
  }
  PetscFunctionReturn(0);
}
