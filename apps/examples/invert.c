/* metasim_invert: an inversion on PETSc TAO through MSMeta. */
#include "invert.h"

static const char help[] =
  "Inversion example: recovers a log-model from synthetic data with PETSc TAO through MSMeta.\n\n"
  "The forward problem is T tiles (-tiles, default 12), each a linear simulation\n"
  "d_t = G_t exp(m[window_t]) of a Gaussian kernel G_t (-tile_data rows) on its window of\n"
  "-tile_width cells of one global log-model m; windows start every -tile_step cells, so\n"
  "neighbours overlap. Each rank builds only the tiles it owns (MSMeta's factory). The data\n"
  "come from a known model (two bumps on a background of -2) with uncertainties\n"
  "std = rel_std |d| + floor_std max|d| and optional seeded Gaussian noise, the same for any\n"
  "number of ranks. TAO minimises\n"
  "  phi(m) = 1/2 ||(d(m) - d_obs) / std||^2 + beta/2 ||m - m_ref||^2,  m_ref = -2,\n"
  "starting from m_ref, with the misfit and its gradient from MSMetaMisfit(). Newton solvers\n"
  "(-tao_type nls or ntr) get the Gauss-Newton Hessian J^T W^T W J + beta I as a MATSHELL\n"
  "whose diagonal comes from MSMetaGetJtJDiagonal() (-tao_pc_type jacobi).\n"
  "Prints one line per iteration and a summary; exits non-zero if TAO does not converge.\n\n"
  "Options:\n"
  "  -tiles T, -tile_step S, -tile_width W, -tile_data N   the tiled problem (12, 20, 40, 40)\n"
  "  -kernel_width k            width of G_t's Gaussian in cells (1.5)\n"
  "  -rel_std r, -floor_std f   uncertainties (0.05, 0.01)\n"
  "  -noise a, -seed s          noise of a std (default 0: noise-free), its seed (42)\n"
  "  -beta b                    regularization weight (default 1e-2; about 1 with -noise 1)\n"
  "  -invert_monitor <bool>     the per-iteration line (default true)\n"
  "  -tao_*, -meta_*            TAO (default blmvm) and MSMeta options, e.g. -tao_type nls\n"
  "                             -tao_ksp_type cg -tao_pc_type jacobi, -meta_view, -log_view\n";

/* One line per TAO iteration: objective, data misfit, chi^2 and gradient norm. */
static PetscErrorCode InvertMonitor(Tao tao, void *ctx)
{
  InversionObjective *obj = (InversionObjective *)ctx;
  PetscInt         its, n_data;
  PetscReal        f, gnorm, phi_d;
  Vec              m;

  PetscFunctionBegin;
  PetscCall(TaoGetSolutionStatus(tao, &its, &f, &gnorm, NULL, NULL, NULL));
  PetscCall(TaoGetSolution(tao, &m));
  PetscCall(MSMetaMisfit(obj->meta, m, obj->d_obs, obj->W, &phi_d, NULL));
  PetscCall(VecGetSize(obj->d_obs, &n_data));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "iteration %4" PetscInt_FMT "  phi %.6e  phi_d %.6e  chi2 %.4e  |grad| %.3e\n", its, (double)f, (double)phi_d, (double)(2.0 * phi_d / n_data), (double)gnorm));
  PetscFunctionReturn(0);
}

typedef struct {
  char               type[64];
  TaoConvergedReason reason;
  PetscInt           iterations, n_data;
  PetscReal          phi_d0, phi_d, model_error, seconds;
} InvertSummary;

/* The summary, one "key value" per line for scripts (tests/check_invert.py reads it). */
static PetscErrorCode InvertPrintSummary(const InvertSummary *s)
{
  PetscMPIInt size;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_size(PETSC_COMM_WORLD, &size));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "summary ranks %d\n", (int)size));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "summary tao_type %s\n", s->type));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "summary reason %s\n", TaoConvergedReasons[s->reason]));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "summary converged %s\n", s->reason > 0 ? "yes" : "no"));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "summary iterations %" PetscInt_FMT "\n", s->iterations));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "summary initial_misfit %.17g\n", (double)s->phi_d0));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "summary final_misfit %.17g\n", (double)s->phi_d));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "summary chi2 %.17g\n", (double)(2.0 * s->phi_d / s->n_data)));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "summary model_error %.17g\n", (double)s->model_error));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "summary solve_seconds %.6f\n", (double)s->seconds));
  PetscFunctionReturn(0);
}

/* ||m - m_true|| / ||m_true|| */
static PetscErrorCode InvertModelError(Vec m, Vec m_true, PetscReal *error)
{
  Vec       diff;
  PetscReal norm_diff, norm_true;

  PetscFunctionBegin;
  PetscCall(VecDuplicate(m, &diff));
  PetscCall(VecWAXPY(diff, -1.0, m_true, m));
  PetscCall(VecNorm(diff, NORM_2, &norm_diff));
  PetscCall(VecNorm(m_true, NORM_2, &norm_true));
  PetscCall(VecDestroy(&diff));
  *error = norm_diff / norm_true;
  PetscFunctionReturn(0);
}

/* Runs TAO from m (updated in place) and fills the summary; the time is the slowest rank's. */
static PetscErrorCode InvertSolve(InversionObjective *obj, Mat H, PetscBool monitor, Vec m, InvertSummary *s)
{
  Tao            tao;
  PetscLogDouble t0, t1;
  PetscReal      local;
  TaoType        type;

  PetscFunctionBegin;
  PetscCall(TaoCreate(PETSC_COMM_WORLD, &tao));
  PetscCall(TaoSetType(tao, TAOBLMVM));
  PetscCall(TaoSetSolution(tao, m));
  PetscCall(TaoSetObjectiveAndGradient(tao, NULL, InversionObjectiveGradient, obj));
  PetscCall(TaoSetHessian(tao, H, H, InversionHessianForm, NULL));
  PetscCall(TaoSetTolerances(tao, 0.0, 0.0, 1e-7));
  PetscCall(TaoSetMaximumIterations(tao, 2000));
  if (monitor) PetscCall(TaoSetMonitor(tao, InvertMonitor, obj, NULL));
  PetscCall(TaoSetFromOptions(tao));
  PetscCall(InversionSetDefaultPC(tao));
  PetscCall(MSMetaMisfit(obj->meta, m, obj->d_obs, obj->W, &s->phi_d0, NULL));
  PetscCallMPI(MPI_Barrier(PETSC_COMM_WORLD));
  PetscCall(PetscTime(&t0));
  PetscCall(TaoSolve(tao));
  PetscCall(PetscTime(&t1));
  local = (PetscReal)(t1 - t0);
  PetscCall(MPIU_Allreduce(&local, &s->seconds, 1, MPIU_REAL, MPIU_MAX, PETSC_COMM_WORLD));
  PetscCall(TaoGetType(tao, &type));
  PetscCall(PetscStrncpy(s->type, type, sizeof(s->type)));
  PetscCall(TaoGetConvergedReason(tao, &s->reason));
  PetscCall(TaoGetIterationNumber(tao, &s->iterations));
  PetscCall(MSMetaMisfit(obj->meta, m, obj->d_obs, obj->W, &s->phi_d, NULL));
  PetscCall(TaoDestroy(&tao));
  PetscFunctionReturn(0);
}

static PetscErrorCode InvertRun(void)
{
  InvertGeometry    geometry;
  InvertDataOptions data;
  InversionObjective obj;
  InvertSummary     summary;
  PetscReal         beta    = 1e-2;
  PetscBool         monitor = PETSC_TRUE;
  MSMeta            meta;
  Vec               m, m_true, m_ref, d_obs, W;
  Mat               H;

  PetscFunctionBegin;
  PetscCall(InvertGeometryFromOptions(&geometry));
  PetscCall(InvertDataOptionsFromOptions(&data));
  PetscOptionsBegin(PETSC_COMM_WORLD, NULL, "Inversion example: the objective", NULL);
  PetscCall(PetscOptionsReal("-beta", "Regularization weight", NULL, beta, &beta, NULL));
  PetscCall(PetscOptionsBool("-invert_monitor", "Print one line per iteration", NULL, monitor, &monitor, NULL));
  PetscOptionsEnd();

  PetscCall(InvertCreateMeta(&geometry, &meta));
  PetscCall(MSMetaCreateVecs(meta, &m, &d_obs));
  PetscCall(VecDuplicate(m, &m_true));
  PetscCall(VecDuplicate(m, &m_ref));
  PetscCall(VecDuplicate(d_obs, &W));
  PetscCall(InvertTrueModel(&geometry, m_true));
  PetscCall(InvertSyntheticData(meta, m_true, &data, d_obs, W));
  PetscCall(VecSet(m_ref, INVERT_BACKGROUND));
  PetscCall(VecCopy(m_ref, m));
  PetscCall(VecGetSize(d_obs, &summary.n_data));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "metasim_invert: %" PetscInt_FMT " tiles, model %" PetscInt_FMT " cells, %" PetscInt_FMT " data, beta %g, noise %g std\n", geometry.n_tiles, geometry.n_model, summary.n_data, (double)beta, (double)data.noise));

  PetscCall(InversionObjectiveCreate(meta, d_obs, W, m_ref, NULL, beta, &obj));
  PetscCall(InversionHessianCreate(&obj, &H));
  PetscCall(InvertSolve(&obj, H, monitor, m, &summary));
  PetscCall(InvertModelError(m, m_true, &summary.model_error));
  PetscCall(InvertPrintSummary(&summary));

  PetscCall(MatDestroy(&H));
  PetscCall(InversionObjectiveDestroy(&obj));
  PetscCall(VecDestroy(&m));
  PetscCall(VecDestroy(&m_true));
  PetscCall(VecDestroy(&m_ref));
  PetscCall(VecDestroy(&d_obs));
  PetscCall(VecDestroy(&W));
  PetscCall(MSMetaDestroy(&meta));
  PetscCheck(summary.reason > 0, PETSC_COMM_WORLD, PETSC_ERR_NOT_CONVERGED, "TAO did not converge: %s after %" PetscInt_FMT " iterations", TaoConvergedReasons[summary.reason], summary.iterations);
  PetscFunctionReturn(0);
}

/* Errors are collective here (every rank fails the same check), so each is reported once, as one
   line from rank 0, and the program exits 1; PETSc's traceback handler would hold the other ranks
   back for seconds. */
int main(int argc, char **argv)
{
  PetscErrorCode ierr;

  PetscCall(PetscInitialize(&argc, &argv, NULL, help));
  PetscCall(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));
  ierr = InvertRun();
  PetscCall(PetscPopErrorHandler());
  if (ierr) {
    const char *text;
    char       *specific = NULL;

    PetscCall(PetscErrorMessage(ierr, &text, &specific));
    PetscCall(PetscFPrintf(PETSC_COMM_WORLD, PETSC_STDERR, "metasim_invert: %s\n", specific && specific[0] ? specific : text));
  }
  PetscCall(PetscFinalize());
  return ierr ? 1 : 0;
}
