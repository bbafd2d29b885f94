/* MSSIMDCR: solve time per source against grid size, and metasim's overhead against a bare
   PETSc KSP solve of the same assembled system and right-hand sides in the same run. The
   simulation runs on all ranks of the job (mpiexec -n P: one simulation distributed over P
   ranks, for strong scaling); times are wall-clock between barriers, plus this process's CPU
   time (rank 0's), which a shared, overloaded machine disturbs far less than the wall clock. */
static const char help[] = "DC resistivity benchmark: MSSimDpred per source against a bare KSPSolve, on all ranks.\n"
                           "  -n <16,24,32,48,64>  cells along x and y (z gets half), one run per value\n"
                           "  -sources <4>         pole sources\n"
                           "  -reps <5>            repetitions after one warm-up, each at a fresh model (medians reported)\n"
                           "  -dcr_ksp_type, -dcr_pc_type, ...  solver for both (defaults: MSSIMDCR's)\n";

#define _POSIX_C_SOURCE 200809L /* clock_gettime */
#include <time.h>
#include <metasim.h>
#include "benchhelp.h"

/* A grid of n x n x n/2 cells on [-1, 1]^2 x [-1, 0], with pole sources along the x axis and 8
   pole receivers per source on a ring of radius 0.5 around it. */
static PetscErrorCode CreateBenchSim(PetscInt n, PetscInt nsrc, MSSim *sim)
{
  const PetscInt nc[3] = {n, n, PetscMax(n / 2, 2)};
  PetscReal     *e[3];

  PetscFunctionBegin;
  for (PetscInt d = 0; d < 3; d++) {
    const PetscReal lo = -1.0, hi = d == 2 ? 0.0 : 1.0;

    PetscCall(PetscMalloc1(nc[d] + 1, &e[d]));
    for (PetscInt i = 0; i <= nc[d]; i++) e[d][i] = lo + (hi - lo) * (PetscReal)i / (PetscReal)nc[d];
  }
  PetscCall(MSSimCreate(PETSC_COMM_WORLD, sim));
  PetscCall(MSSimSetType(*sim, MSSIMDCR));
  PetscCall(MSSimDCRSetGrid(*sim, nc, (const PetscReal *const *)e));
  for (PetscInt d = 0; d < 3; d++) PetscCall(PetscFree(e[d]));
  for (PetscInt s = 0; s < nsrc; s++) {
    const PetscReal a[3] = {-0.3 + 0.6 * (PetscReal)s / (PetscReal)PetscMax(nsrc - 1, 1), 0.0, 0.0};

    PetscCall(MSSimDCRAddSource(*sim, a, NULL, 1.0, NULL));
    for (PetscInt r = 0; r < 8; r++) {
      const PetscReal t = 2.0 * PETSC_PI * (PetscReal)r / 8.0, p[3] = {a[0] + 0.5 * PetscCosReal(t), 0.5 * PetscSinReal(t), 0.0};

      PetscCall(MSSimDCRAddReceiver(*sim, s, p, NULL));
    }
  }
  PetscCall(MSSimSetUp(*sim));
  PetscFunctionReturn(0);
}

/* A KSP configured like the simulation's (type, PC, factorization package, tolerances), then
   from the same dcr_ options. */
static PetscErrorCode CreateBareKSP(MSSim sim, KSP *bare)
{
  KSP           ksp;
  PC            pc, barepc;
  KSPType       ktype;
  PCType        ptype;
  MatSolverType stype = NULL;
  PetscReal     rtol, atol, dtol;
  PetscInt      maxit;
  PetscBool     factor;

  PetscFunctionBegin;
  PetscCall(MSSimDCRGetKSP(sim, &ksp));
  PetscCall(KSPGetType(ksp, &ktype));
  PetscCall(KSPGetPC(ksp, &pc));
  PetscCall(PCGetType(pc, &ptype));
  PetscCall(KSPGetTolerances(ksp, &rtol, &atol, &dtol, &maxit));
  PetscCall(PetscObjectTypeCompareAny((PetscObject)pc, &factor, PCCHOLESKY, PCLU, ""));
  if (factor) PetscCall(PCFactorGetMatSolverType(pc, &stype));
  PetscCall(KSPCreate(PETSC_COMM_WORLD, bare));
  PetscCall(KSPSetOptionsPrefix(*bare, "dcr_"));
  PetscCall(KSPSetType(*bare, ktype));
  PetscCall(KSPGetPC(*bare, &barepc));
  PetscCall(PCSetType(barepc, ptype));
  if (stype) PetscCall(PCFactorSetMatSolverType(barepc, stype));
  PetscCall(KSPSetTolerances(*bare, rtol, atol, dtol, maxit));
  PetscCall(KSPSetFromOptions(*bare));
  PetscFunctionReturn(0);
}

static PetscErrorCode Median(PetscInt n, PetscReal *v, PetscReal *med)
{
  PetscFunctionBegin;
  PetscCall(PetscSortReal(n, v));
  *med = n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
  PetscFunctionReturn(0);
}

/* The wall-clock and CPU times once every rank has got here. */
static PetscErrorCode SyncedTime(PetscLogDouble *t, PetscLogDouble *cpu)
{
  struct timespec ts;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Barrier(PETSC_COMM_WORLD));
  PetscCall(PetscTime(t));
  PetscCheck(clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts) == 0, PETSC_COMM_SELF, PETSC_ERR_SYS, "bench_dcr: clock_gettime(CLOCK_PROCESS_CPUTIME_ID) failed");
  *cpu = (PetscLogDouble)ts.tv_sec + 1e-9 * (PetscLogDouble)ts.tv_nsec;
  PetscFunctionReturn(0);
}

/* One grid size: one warm-up, then reps x (MSSimDpred at a fresh model; bare solves of the same
   A and q_s); the ratio is the median of the per-repetition ratios. */
static PetscErrorCode RunSize(PetscInt n, PetscInt nsrc, PetscInt reps, PetscBool first)
{
  MSSim      sim;
  KSP        bare, ksp;
  PC         pc;
  Vec        m, d, x;
  Mat        A;
  PetscReal    *tms, *tbare, *ratio, *cms, *cbare, med_ms, med_bare, med_ratio, med_cms, med_cbare, maxdiff = 0.0;
  PetscInt      n_model, lo, hi, its;
  KSPType       ktype;
  PCType        ptype;
  PetscBool     factor;
  MatSolverType stype = NULL;
  PetscMPIInt   size;

  PetscFunctionBegin;
  PetscCall(CreateBenchSim(n, nsrc, &sim));
  PetscCall(CreateBareKSP(sim, &bare));
  PetscCall(MSSimCreateVecs(sim, &m, &d));
  PetscCall(MSSimGetSizes(sim, &n_model, NULL));
  PetscCall(VecGetOwnershipRange(m, &lo, &hi));
  PetscCall(PetscMalloc5(reps + 1, &tms, reps + 1, &tbare, reps + 1, &ratio, reps + 1, &cms, reps + 1, &cbare));
  for (PetscInt k = 0; k <= reps; k++) {
    PetscScalar   *mv;
    PetscLogDouble t0, t1, t2, c0, c1, c2;

    PetscCall(VecGetArrayWrite(m, &mv));
    for (PetscInt c = lo; c < hi; c++) mv[c - lo] = PetscLogReal(0.01) + 0.3 * PetscSinReal(0.37 * (PetscReal)c + (PetscReal)k);
    PetscCall(VecRestoreArrayWrite(m, &mv));
    PetscCall(SyncedTime(&t0, &c0));
    PetscCall(MSSimDpred(sim, m, d));
    PetscCall(SyncedTime(&t1, &c1));
    PetscCall(MSSimDCRGetOperator(sim, &A));
    PetscCall(KSPSetOperators(bare, A, A));
    PetscCall(MatCreateVecs(A, &x, NULL));
    for (PetscInt s = 0; s < nsrc; s++) {
      Vec q;

      PetscCall(MSSimDCRGetSourceVector(sim, s, &q));
      PetscCall(KSPSolve(bare, q, x));
    }
    PetscCall(SyncedTime(&t2, &c2));
    for (PetscInt s = 0; s < nsrc; s++) {
      Vec       q, phi;
      PetscReal diff, norm;

      PetscCall(MSSimDCRGetSourceVector(sim, s, &q));
      PetscCall(KSPSolve(bare, q, x));
      PetscCall(MSSimDCRGetPotential(sim, s, &phi));
      PetscCall(VecNorm(phi, NORM_INFINITY, &norm));
      PetscCall(VecAXPY(x, -1.0, phi));
      PetscCall(VecNorm(x, NORM_INFINITY, &diff));
      maxdiff = PetscMax(maxdiff, diff / norm);
    }
    PetscCall(VecDestroy(&x));
    tms[k]   = (PetscReal)(t1 - t0) / (PetscReal)nsrc;
    tbare[k] = (PetscReal)(t2 - t1) / (PetscReal)nsrc;
    ratio[k] = tms[k] / tbare[k];
    cms[k]   = (PetscReal)(c1 - c0) / (PetscReal)nsrc;
    cbare[k] = (PetscReal)(c2 - c1) / (PetscReal)nsrc;
  }
  PetscCall(Median(reps, tms + 1, &med_ms)); /* entry 0 is the warm-up */
  PetscCall(Median(reps, tbare + 1, &med_bare));
  PetscCall(Median(reps, ratio + 1, &med_ratio));
  PetscCall(Median(reps, cms + 1, &med_cms));
  PetscCall(Median(reps, cbare + 1, &med_cbare));
  PetscCall(MSSimDCRGetKSP(sim, &ksp));
  PetscCall(KSPGetType(ksp, &ktype));
  PetscCall(KSPGetIterationNumber(ksp, &its));
  PetscCall(KSPGetPC(ksp, &pc));
  PetscCall(PCGetType(pc, &ptype));
  PetscCall(PetscObjectTypeCompareAny((PetscObject)pc, &factor, PCCHOLESKY, PCLU, ""));
  if (factor) PetscCall(PCFactorGetMatSolverType(pc, &stype));
  PetscCallMPI(MPI_Comm_size(PETSC_COMM_WORLD, &size));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD,
                        "%s    {\"ranks\": %d, \"n\": [%" PetscInt_FMT ", %" PetscInt_FMT ", %" PetscInt_FMT "], \"cells\": %" PetscInt_FMT ", \"sources\": %" PetscInt_FMT ", \"ksp\": \"%s\", \"pc\": \"%s\", \"factor_package\": \"%s\", \"iterations\": %" PetscInt_FMT ", \"metasim_s_per_source\": %.6e, \"bare_ksp_s_per_source\": %.6e, \"metasim_cpu_s_per_source\": %.6e, \"bare_ksp_cpu_s_per_source\": %.6e, \"ratio\": %.4f, \"overhead_percent\": %.2f, \"max_rel_diff_potential\": %.2e}",
                        first ? "" : ",\n", (int)size, n, n, PetscMax(n / 2, 2), n_model, nsrc, ktype, ptype, stype ? stype : "none", its, (double)med_ms, (double)med_bare, (double)med_cms, (double)med_cbare, (double)med_ratio, (double)(100.0 * (med_ratio - 1.0)), (double)maxdiff));
  PetscCall(PetscFree5(tms, tbare, ratio, cms, cbare));
  PetscCall(VecDestroy(&m));
  PetscCall(VecDestroy(&d));
  PetscCall(KSPDestroy(&bare));
  PetscCall(MSSimDestroy(&sim));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  PetscInt  sizes[16] = {16, 24, 32, 48, 64}, nsizes = 16, nsrc = 4, reps = 5;
  PetscBool set;

  if (MSBenchWantsHelp(argc, argv, help)) return 0;
  PetscCall(PetscInitialize(&argc, &argv, NULL, help));
  PetscCall(PetscOptionsGetIntArray(NULL, NULL, "-n", sizes, &nsizes, &set));
  if (!set) nsizes = 5;
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-sources", &nsrc, NULL));
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-reps", &reps, NULL));
  PetscCheck(nsizes > 0 && nsrc > 0 && reps > 0, PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE, "bench_dcr: -n, -sources and -reps must be positive");
  for (PetscInt i = 0; i < nsizes; i++) PetscCheck(sizes[i] >= 4, PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE, "bench_dcr: -n values must be at least 4, got %" PetscInt_FMT, sizes[i]);
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "{\"benchmark\": \"dcr\", \"reps\": %" PetscInt_FMT ", \"statistic\": \"median\", \"results\": [\n", reps));
  for (PetscInt i = 0; i < nsizes; i++) PetscCall(RunSize(sizes[i], nsrc, reps, i == 0 ? PETSC_TRUE : PETSC_FALSE));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "\n]}\n"));
  PetscCall(PetscFinalize());
  return 0;
}
