/* metasim_farm_groups: a Monte Carlo sweep whose samples are parallel PDE solves (MSFarm on groups). */
#include <math.h>
#include <petscdmda.h>
#include <metasim.h>

static const char help[] =
  "Monte Carlo over random diffusion coefficients, each sample a parallel solve (MSFarm on groups).\n\n"
  "Sample k solves -(a u')' = 1 on (0, 1), u(0) = u(1) = 0, by finite volumes on -cells cells with\n"
  "a = exp(sigma z) per cell, z uniform with mean 0 and variance 1 from the sample's random\n"
  "stream. With -farm_group_size K each sample is one distributed linear system (a 1-D DMDA and a\n"
  "KSP, options prefix -sample_) over the K ranks of a group, and the P / K groups take samples\n"
  "as they finish; the sample's outputs (mean and maximum of u, KSP iterations) come from the\n"
  "group's first rank. Prints the Monte Carlo mean and standard error of both, the same for any\n"
  "K and number of ranks up to the solver tolerance.\n\n"
  "Options:\n"
  "  -samples N       samples (default 64)\n"
  "  -cells n         cells per solve (default 20000)\n"
  "  -sigma s         standard deviation of log a (default 1)\n"
  "  -farm_*          MSFarm options, e.g. -farm_group_size 2, -farm_output samples.h5\n"
  "  -sample_ksp_*, -sample_pc_*   the solver (default CG with block Jacobi / ILU, rtol 1e-10)\n";

typedef struct {
  PetscInt  cells;
  PetscReal sigma;
} SampleCtx;

/* The cell coefficients of one sample: every rank of the group draws the whole sequence (the
   same numbers) and keeps its own cells and their neighbours. */
static PetscErrorCode SampleCoefficient(MSFarmTask *task, const SampleCtx *s, PetscInt lo, PetscInt hi, PetscReal a[])
{
  PetscFunctionBegin;
  for (PetscInt i = 0; i < s->cells; i++) {
    double u;

    PetscCall(MSRandomStreamUniform(&task->rng, &u));
    if (i >= lo - 1 && i <= hi) a[i - lo + 1] = exp(s->sigma * sqrt(3.0) * (2 * u - 1));
  }
  PetscFunctionReturn(0);
}

/* One sample on the task's communicator: out = {mean u, max u, iterations}. */
static PetscErrorCode Sample(MSFarmTask *task, PetscScalar *out, void *ctx)
{
  const SampleCtx *s = (const SampleCtx *)ctx;
  DM               da;
  Mat              A;
  Vec              u, b;
  KSP              ksp;
  PC               pc;
  PetscInt         lo, n, its;
  PetscReal        *a, h2 = (PetscReal)(s->cells * s->cells), umax, usum;

  PetscFunctionBegin;
  PetscCall(DMDACreate1d(task->comm, DM_BOUNDARY_NONE, s->cells, 1, 1, NULL, &da));
  PetscCall(DMSetUp(da));
  PetscCall(DMDAGetCorners(da, &lo, NULL, NULL, &n, NULL, NULL));
  PetscCall(PetscMalloc1(n + 2, &a)); /* a[0]: cell lo - 1, a[n + 1]: cell lo + n */
  PetscCall(SampleCoefficient(task, s, lo, lo + n, a));
  PetscCall(DMCreateMatrix(da, &A));
  for (PetscInt i = lo; i < lo + n; i++) {
    /* face coefficients: harmonic means inside, 2 a at the boundaries (half a cell to u = 0) */
    PetscReal   aw = i == 0 ? 2 * a[1] : 2 * a[i - lo] * a[i - lo + 1] / (a[i - lo] + a[i - lo + 1]);
    PetscReal   ae = i == s->cells - 1 ? 2 * a[n] : 2 * a[i - lo + 1] * a[i - lo + 2] / (a[i - lo + 1] + a[i - lo + 2]);
    MatStencil  row = {0}, col[3] = {{0}};
    PetscScalar v[3];
    PetscInt    nc = 0;

    row.i = i;
    if (i > 0) {
      col[nc].i = i - 1;
      v[nc++]   = -aw * h2;
    }
    col[nc].i = i;
    v[nc++]   = (aw + ae) * h2;
    if (i < s->cells - 1) {
      col[nc].i = i + 1;
      v[nc++]   = -ae * h2;
    }
    PetscCall(MatSetValuesStencil(A, 1, &row, nc, col, v, INSERT_VALUES));
  }
  PetscCall(MatAssemblyBegin(A, MAT_FINAL_ASSEMBLY));
  PetscCall(MatAssemblyEnd(A, MAT_FINAL_ASSEMBLY));
  PetscCall(DMCreateGlobalVector(da, &u));
  PetscCall(VecDuplicate(u, &b));
  PetscCall(VecSet(b, 1.0));
  PetscCall(KSPCreate(task->comm, &ksp));
  PetscCall(KSPSetOptionsPrefix(ksp, "sample_"));
  PetscCall(KSPSetOperators(ksp, A, A));
  PetscCall(KSPSetType(ksp, KSPCG));
  PetscCall(KSPGetPC(ksp, &pc));
  PetscCall(PCSetType(pc, PCBJACOBI));
  PetscCall(KSPSetTolerances(ksp, 1e-10, PETSC_DEFAULT, PETSC_DEFAULT, 10 * s->cells));
  PetscCall(KSPSetFromOptions(ksp));
  PetscCall(KSPSolve(ksp, b, u));
  PetscCall(KSPCheckSolve(ksp, pc, u));
  PetscCall(KSPGetIterationNumber(ksp, &its));
  PetscCall(VecSum(u, &usum));
  PetscCall(VecMax(u, NULL, &umax));
  out[0] = usum / (PetscReal)s->cells;
  out[1] = umax;
  out[2] = (PetscScalar)its;
  PetscCall(KSPDestroy(&ksp));
  PetscCall(VecDestroy(&b));
  PetscCall(VecDestroy(&u));
  PetscCall(MatDestroy(&A));
  PetscCall(PetscFree(a));
  PetscCall(DMDestroy(&da));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  SampleCtx       s = {20000, 1.0};
  PetscInt        n_samples = 64, K, n_failed;
  PetscScalar    *res, mean[3], se[3];
  PetscMPIInt     rank, size;
  MSFarm          farm;

  PetscCall(PetscInitialize(&argc, &argv, NULL, help));
  PetscCallMPI(MPI_Comm_rank(PETSC_COMM_WORLD, &rank));
  PetscCallMPI(MPI_Comm_size(PETSC_COMM_WORLD, &size));
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-samples", &n_samples, NULL));
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-cells", &s.cells, NULL));
  PetscCall(PetscOptionsGetReal(NULL, NULL, "-sigma", &s.sigma, NULL));
  PetscCheck(n_samples >= 2, PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE, "-samples %" PetscInt_FMT ": need at least 2 for a standard error", n_samples);
  PetscCheck(s.cells >= 2, PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE, "-cells %" PetscInt_FMT ": need at least 2", s.cells);
  PetscCall(MSFarmCreate(PETSC_COMM_WORLD, &farm));
  PetscCall(MSFarmSetTasks(farm, n_samples, 3));
  PetscCall(MSFarmSetName(farm, "farm_groups diffusion"));
  PetscCall(MSFarmSetFromOptions(farm));
  PetscCall(MSFarmGetGroupSize(farm, &K));
  PetscCall(PetscMalloc1(3 * n_samples, &res));
  PetscCall(MSFarmMap(farm, Sample, &s, MS_FARM_RESULTS_ROOT, rank == 0 ? res : NULL));
  PetscCall(MSFarmGetFailures(farm, &n_failed, NULL));
  if (rank == 0 && !n_failed) {
    PetscCall(MSFarmMeanStdErr(n_samples, 3, res, mean, se));
    PetscCall(PetscPrintf(PETSC_COMM_SELF, "%" PetscInt_FMT " samples of %" PetscInt_FMT " cells on %d group%s of %" PetscInt_FMT " rank%s\n", n_samples, s.cells, size / (int)K, size / (int)K == 1 ? "" : "s", K, K == 1 ? "" : "s"));
    PetscCall(PetscPrintf(PETSC_COMM_SELF, "mean u: %.10e +- %.3e\nmax u:  %.10e +- %.3e\nKSP iterations per sample: %.1f\n", (double)mean[0], (double)se[0], (double)mean[1], (double)se[1], (double)mean[2]));
  }
  PetscCall(PetscFree(res));
  PetscCall(MSFarmDestroy(&farm));
  PetscCall(PetscFinalize());
  return n_failed ? 1 : 0;
}
