/* MSSIMDCR: analytic half-space potential under refinement, adjoint and Taylor tests,
   reciprocity, exact JtJ diagonal, and bad input. Every simulation lives on PETSC_COMM_WORLD, so
   at 2 and 3 ranks it runs on a distributed DMDA; the distributed results are compared with the
   same simulation on PETSC_COMM_SELF. */
#include <math.h>
#include "mstest.h"

/* n + 1 edges from lo to hi; the interior edges are moved by `stretch` (0: uniform) so the grid
   is non-uniform but still increasing. */
static PetscErrorCode FillEdges(PetscInt n, PetscReal lo, PetscReal hi, PetscReal stretch, PetscReal *e)
{
  PetscFunctionBegin;
  for (PetscInt i = 0; i <= n; i++) {
    PetscReal t = (PetscReal)i / (PetscReal)n;

    e[i] = lo + (hi - lo) * (t + stretch * sin(2.0 * PETSC_PI * t) / (2.0 * PETSC_PI));
  }
  PetscFunctionReturn(0);
}

/* A DCR simulation on [-1, 1] x [-1, 1] x [-depth, 0] with n cells on comm, not yet set up. */
static PetscErrorCode CreateDCROn(MPI_Comm comm, const PetscInt n[3], PetscReal depth, PetscReal stretch, const char prefix[], MSSim *sim)
{
  PetscReal *e[3];

  PetscFunctionBegin;
  for (PetscInt d = 0; d < 3; d++) PetscCall(PetscMalloc1(n[d] + 1, &e[d]));
  PetscCall(FillEdges(n[0], -1.0, 1.0, stretch, e[0]));
  PetscCall(FillEdges(n[1], -1.0, 1.0, stretch, e[1]));
  PetscCall(FillEdges(n[2], -depth, 0.0, stretch, e[2]));
  PetscCall(MSSimCreate(comm, sim));
  if (prefix) PetscCall(MSSimSetOptionsPrefix(*sim, prefix));
  PetscCall(MSSimSetType(*sim, MSSIMDCR));
  PetscCall(MSSimDCRSetGrid(*sim, n, (const PetscReal *const *)e));
  for (PetscInt d = 0; d < 3; d++) PetscCall(PetscFree(e[d]));
  PetscFunctionReturn(0);
}

static PetscErrorCode CreateDCR(const PetscInt n[3], PetscReal depth, PetscReal stretch, const char prefix[], MSSim *sim)
{
  PetscFunctionBegin;
  PetscCall(CreateDCROn(PETSC_COMM_WORLD, n, depth, stretch, prefix, sim));
  PetscFunctionReturn(0);
}

/* A sequential copy of a distributed vector on every rank (destroy it). */
static PetscErrorCode GatherAll(Vec v, Vec *all)
{
  VecScatter toall;

  PetscFunctionBegin;
  PetscCall(VecScatterCreateToAll(v, &toall, all));
  PetscCall(VecScatterBegin(toall, v, *all, INSERT_VALUES, SCATTER_FORWARD));
  PetscCall(VecScatterEnd(toall, v, *all, INSERT_VALUES, SCATTER_FORWARD));
  PetscCall(VecScatterDestroy(&toall));
  PetscFunctionReturn(0);
}

/* A heterogeneous log-conductivity around log(0.01) that depends only on the cell index. */
static PetscErrorCode FillModel(Vec m)
{
  PetscFunctionBegin;
  PetscCall(ms_test_vec_fill(m, 7));
  PetscCall(VecScale(m, 0.5));
  PetscCall(VecShift(m, log(0.01)));
  PetscFunctionReturn(0);
}

/* The potential of a pole of current I at the surface of a half-space: I / (2 pi sigma r). */
static PetscReal HalfSpacePole(PetscReal current, PetscReal sigma, const PetscReal a[3], const PetscReal p[3])
{
  return current / (2.0 * PETSC_PI * sigma * sqrt(PetscSqr(p[0] - a[0]) + PetscSqr(p[1] - a[1]) + PetscSqr(p[2] - a[2])));
}

/* Observed order of the error against the analytic pole potential, halving h: per receiver
   between 24 x 24 x 12 and 48 x 48 x 24 cells (the finer one solved with the default CG + GAMG).
   Receivers sit on cell edges at both levels, at 0.5 to 0.8 from the source; coarser grids are
   still pre-asymptotic on the axes through the source. */
START_TEST(halfspace_pole_convergence)
{
  const PetscReal a[3]    = {0.0, 0.0, 0.0}, sigma = 0.01, current = 2.0;
  const PetscReal rx[][3] = {{0.5, 0.0, 0.0}, {1.0 / 3, -0.5, 0.0}, {-0.5, 2.0 / 3, 0.0}, {1.0 / 3, 1.0 / 3, -0.5}};
  const PetscInt  nrx = 4, nlevels = 2;
  PetscReal       err[2][4];

  for (PetscInt l = 0; l < nlevels; l++) {
    const PetscInt     n[3] = {24 << l, 24 << l, 12 << l};
    MSSim              sim;
    Vec                m, d, dall;
    const PetscScalar *v;

    MSCK(CreateDCR(n, 1.0, 0.0, NULL, &sim));
    MSCK(MSSimDCRAddSource(sim, a, NULL, current, NULL));
    for (PetscInt r = 0; r < nrx; r++) MSCK(MSSimDCRAddReceiver(sim, 0, rx[r], NULL));
    MSCK(MSSimSetUp(sim));
    MSCK(MSSimCreateVecs(sim, &m, &d));
    MSCK(VecSet(m, log(sigma)));
    MSCK(MSSimDpred(sim, m, d));
    MSCK(GatherAll(d, &dall));
    MSCK(VecGetArrayRead(dall, &v));
    for (PetscInt r = 0; r < nrx; r++) {
      PetscReal exact = HalfSpacePole(current, sigma, a, rx[r]);

      err[l][r] = fabs(PetscRealPart(v[r]) - exact) / exact;
    }
    MSCK(VecRestoreArrayRead(dall, &v));
    MSCK(VecDestroy(&dall));
    MSCK(VecDestroy(&m));
    MSCK(VecDestroy(&d));
    MSCK(MSSimDestroy(&sim));
  }
  for (PetscInt r = 0; r < nrx; r++) {
    PetscReal order = log2(err[0][r] / err[1][r]);

    ck_assert_msg(order > 1.8 && order < 2.3, "receiver %d: observed order %g (relative errors %g, %g)", (int)r, (double)order, (double)err[0][r], (double)err[1][r]);
    ck_assert_msg(err[1][r] < 3e-3, "receiver %d: relative error %g on the finer grid", (int)r, (double)err[1][r]);
  }
}
END_TEST

/* Two sources (pole, dipole) with pole and dipole receivers on a stretched grid, on comm. */
static PetscErrorCode CreateSurveySimOn(MPI_Comm comm, const PetscInt n[3], const char prefix[], MSSim *sim)
{
  const PetscReal A[3] = {-0.3, 0.1, 0.0}, B[3] = {0.4, -0.2, 0.0}, C[3] = {0.05, 0.3, -0.2};
  const PetscReal M[3] = {0.6, 0.5, 0.0}, N[3] = {-0.7, -0.6, 0.0}, P[3] = {0.1, -0.5, -0.5};

  PetscFunctionBegin;
  PetscCall(CreateDCROn(comm, n, 1.5, 0.3, prefix, sim));
  PetscCall(MSSimDCRAddSource(*sim, A, NULL, 1.0, NULL));
  PetscCall(MSSimDCRAddSource(*sim, B, C, 0.5, NULL));
  PetscCall(MSSimDCRAddReceiver(*sim, 1, M, N));
  PetscCall(MSSimDCRAddReceiver(*sim, 0, M, NULL));
  PetscCall(MSSimDCRAddReceiver(*sim, 0, N, P));
  PetscCall(MSSimDCRAddReceiver(*sim, 1, P, NULL));
  PetscCall(MSSimDCRAddReceiver(*sim, 0, P, NULL));
  PetscCall(MSSimSetUp(*sim));
  PetscFunctionReturn(0);
}

static PetscErrorCode CreateSurveySim(const PetscInt n[3], const char prefix[], MSSim *sim)
{
  PetscFunctionBegin;
  PetscCall(CreateSurveySimOn(PETSC_COMM_WORLD, n, prefix, sim));
  PetscFunctionReturn(0);
}

START_TEST(adjoint_and_taylor)
{
  const PetscInt  n[3] = {6, 5, 4};
  MSSim           sim;
  Vec             m;
  MSAdjointReport adj;
  MSTaylorReport  tay;
  PetscInt        n_model, n_data;
  PetscReal       cost;

  MSCK(CreateSurveySim(n, NULL, &sim));
  MSCK(MSSimGetSizes(sim, &n_model, &n_data));
  ck_assert_int_eq(n_model, 120);
  ck_assert_int_eq(n_data, 5);
  MSCK(MSSimGetCost(sim, &cost));
  ck_assert(cost == 120.0 * 2); /* cells times sources, for MSMeta's load balance */
  MSCK(MSSimCreateVecs(sim, &m, NULL));
  MSCK(FillModel(m));
  MSCK(MSSimCheckAdjoint(sim, m, NULL, &adj));
  ck_assert_msg(adj.passed, "adjoint test: relative difference %g", (double)adj.rel_error);
  MSCK(MSSimCheckTaylor(sim, m, NULL, &tay));
  ck_assert_msg(tay.passed && !tay.linear && tay.order > 1.8, "Taylor test: order %g", (double)tay.order);
  MSCK(VecDestroy(&m));
  MSCK(MSSimDestroy(&sim));
}
END_TEST

/* The ready-made tile of the demo and the scaling benchmark: its sizes, its derivatives, and
   the smallest size refused. */
START_TEST(ready_made_tile)
{
  MSSim           sim;
  Vec             m;
  MSAdjointReport adj;
  MSTaylorReport  tay;
  PetscInt        n_model, n_data;

  MSCK(MSSimDCRCreateTile(PETSC_COMM_WORLD, 6, &sim));
  MSCK(MSSimSetUp(sim));
  MSCK(MSSimGetSizes(sim, &n_model, &n_data));
  ck_assert_int_eq(n_model, 6 * 6 * 3);
  ck_assert_int_eq(n_data, 8);
  MSCK(MSSimCreateVecs(sim, &m, NULL));
  MSCK(FillModel(m));
  MSCK(MSSimCheckAdjoint(sim, m, NULL, &adj));
  ck_assert_msg(adj.passed, "adjoint test: relative difference %g", (double)adj.rel_error);
  MSCK(MSSimCheckTaylor(sim, m, NULL, &tay));
  ck_assert_msg(tay.passed && tay.order > 1.8, "Taylor test: order %g", (double)tay.order);
  MSCK(VecDestroy(&m));
  MSCK(MSSimDestroy(&sim));
  sim = NULL;
  MSCK_FAILS(MSSimDCRCreateTile(PETSC_COMM_WORLD, 1, &sim), PETSC_ERR_ARG_OUTOFRANGE);
  ck_assert(sim == NULL);
}
END_TEST

/* Data of one pole-pole or dipole-dipole configuration at the heterogeneous model. */
static PetscErrorCode Transfer(const PetscReal A[3], const PetscReal B[3], const PetscReal M[3], const PetscReal N[3], const char prefix[], PetscReal *value)
{
  const PetscInt     n[3] = {10, 9, 6};
  MSSim              sim;
  Vec                m, d, dall;
  const PetscScalar *v;

  PetscFunctionBegin;
  PetscCall(CreateDCR(n, 1.5, 0.2, prefix, &sim));
  PetscCall(MSSimDCRAddSource(sim, A, B, 1.0, NULL));
  PetscCall(MSSimDCRAddReceiver(sim, 0, M, N));
  PetscCall(MSSimSetUp(sim));
  PetscCall(MSSimCreateVecs(sim, &m, &d));
  PetscCall(FillModel(m));
  PetscCall(MSSimDpred(sim, m, d));
  PetscCall(GatherAll(d, &dall));
  PetscCall(VecGetArrayRead(dall, &v));
  *value = PetscRealPart(v[0]);
  PetscCall(VecRestoreArrayRead(dall, &v));
  PetscCall(VecDestroy(&dall));
  PetscCall(VecDestroy(&m));
  PetscCall(VecDestroy(&d));
  PetscCall(MSSimDestroy(&sim));
  PetscFunctionReturn(0);
}

/* Swapping source and receiver electrodes gives the same transfer resistance: to round-off with
   the direct solver, to the solver tolerance with CG + GAMG chosen through options. */
START_TEST(reciprocity)
{
  const PetscReal A[3] = {-0.5, 0.2, 0.0}, B[3] = {0.3, 0.3, -0.3}, M[3] = {0.45, -0.35, 0.0}, N[3] = {-0.1, -0.6, -0.7};
  PetscReal       ab_mn, mn_ab, a_m, m_a;

  MSCK(Transfer(A, NULL, M, NULL, NULL, &a_m));
  MSCK(Transfer(M, NULL, A, NULL, NULL, &m_a));
  MSCK_REL_CLOSE(a_m, m_a, 1e-12);
  MSCK(Transfer(A, B, M, N, NULL, &ab_mn));
  MSCK(Transfer(M, N, A, B, NULL, &mn_ab));
  MSCK_REL_CLOSE(ab_mn, mn_ab, 1e-12);
  ck_assert(fabs(ab_mn) > 0.0);

  MSCK(PetscOptionsSetValue(NULL, "-iter_dcr_ksp_type", "cg"));
  MSCK(PetscOptionsSetValue(NULL, "-iter_dcr_pc_type", "gamg"));
  MSCK(PetscOptionsSetValue(NULL, "-iter_dcr_ksp_rtol", "1e-12"));
  MSCK(Transfer(M, N, A, B, "iter_", &mn_ab));
  MSCK(PetscOptionsClearValue(NULL, "-iter_dcr_ksp_type"));
  MSCK(PetscOptionsClearValue(NULL, "-iter_dcr_pc_type"));
  MSCK(PetscOptionsClearValue(NULL, "-iter_dcr_ksp_rtol"));
  MSCK_REL_CLOSE(ab_mn, mn_ab, 1e-8);
}
END_TEST

/* The type's own diagonal (one adjoint solve per datum) against sum_r W_r^2 (J^T e_r)^2. */
START_TEST(jtj_diagonal)
{
  const PetscInt n[3] = {4, 4, 3};
  MSSim              sim;
  Vec                m, W, Wall, e, row, diag, ref;
  const PetscScalar *w;
  PetscInt           n_data, lo, hi;
  PetscReal          rel;

  MSCK(CreateSurveySim(n, NULL, &sim));
  MSCK(MSSimGetSizes(sim, NULL, &n_data));
  MSCK(MSSimCreateVecs(sim, &m, &W));
  MSCK(VecDuplicate(W, &e));
  MSCK(VecDuplicate(m, &row));
  MSCK(VecDuplicate(m, &diag));
  MSCK(VecDuplicate(m, &ref));
  MSCK(FillModel(m));
  MSCK(ms_test_vec_fill(W, 3));
  MSCK(MSSimGetJtJDiagonal(sim, m, W, diag));
  MSCK(VecSet(ref, 0.0));
  MSCK(GatherAll(W, &Wall));
  MSCK(VecGetArrayRead(Wall, &w));
  MSCK(VecGetOwnershipRange(e, &lo, &hi));
  for (PetscInt r = 0; r < n_data; r++) {
    MSCK(VecSet(e, 0.0));
    if (r >= lo && r < hi) MSCK(VecSetValue(e, r, 1.0, INSERT_VALUES));
    MSCK(VecAssemblyBegin(e));
    MSCK(VecAssemblyEnd(e));
    MSCK(MSSimJtvec(sim, m, e, row));
    MSCK(VecPointwiseMult(row, row, row));
    MSCK(VecAXPY(ref, w[r] * w[r], row));
  }
  MSCK(VecRestoreArrayRead(Wall, &w));
  MSCK(VecDestroy(&Wall));
  MSCK(ms_test_vec_rel_diff(diag, ref, &rel));
  ck_assert_msg(rel < 1e-12, "JtJ diagonal differs from the J^T e_r probes by %g", (double)rel);
  MSCK(VecDestroy(&m));
  MSCK(VecDestroy(&W));
  MSCK(VecDestroy(&e));
  MSCK(VecDestroy(&row));
  MSCK(VecDestroy(&diag));
  MSCK(VecDestroy(&ref));
  MSCK(MSSimDestroy(&sim));
}
END_TEST

START_TEST(bad_grid_and_survey)
{
  const PetscInt  n[3] = {4, 4, 3}, flat[3] = {4, 1, 3};
  const PetscReal ex[5] = {0, 1, 2, 3, 4}, bad[5] = {0, 1, 1, 3, 4}, ez[4] = {-3, -2, -1, 0};
  PetscReal       nan_edges[5] = {0, 1, 2, 3, 4};
  const PetscReal *edges[3] = {ex, ex, ez}, *bad_edges[3] = {ex, bad, ez}, *nan_e[3] = {ex, nan_edges, ez};
  const PetscReal inside[3] = {1.0, 1.0, 0.0}, outside[3] = {1.0, 5.0, 0.0}, above[3] = {1.0, 1.0, 0.5};
  MSSim           sim, lin;

  nan_edges[2] = NAN;
  MSCK(MSSimCreate(PETSC_COMM_SELF, &sim));
  MSCK(MSSimSetType(sim, MSSIMDCR));
  MSCK_FAILS(MSSimSetUp(sim), PETSC_ERR_ARG_WRONGSTATE); /* no grid */
  MSCK_FAILS(MSSimDCRAddSource(sim, inside, NULL, 1.0, NULL), PETSC_ERR_ORDER);
  MSCK_FAILS(MSSimDCRSetGrid(sim, flat, edges), PETSC_ERR_ARG_OUTOFRANGE);
  MSCK_FAILS(MSSimDCRSetGrid(sim, n, bad_edges), PETSC_ERR_ARG_WRONG);
  MSCK_FAILS(MSSimDCRSetGrid(sim, n, nan_e), PETSC_ERR_FP);
  MSCK(MSSimDCRSetGrid(sim, n, edges));
  MSCK_FAILS(MSSimDCRAddSource(sim, outside, NULL, 1.0, NULL), PETSC_ERR_ARG_OUTOFRANGE);
  MSCK_FAILS(MSSimDCRAddSource(sim, inside, above, 1.0, NULL), PETSC_ERR_ARG_OUTOFRANGE);
  MSCK_FAILS(MSSimDCRAddSource(sim, inside, NULL, 0.0, NULL), PETSC_ERR_ARG_OUTOFRANGE);
  MSCK_FAILS(MSSimDCRAddReceiver(sim, 0, inside, NULL), PETSC_ERR_ARG_OUTOFRANGE); /* no source 0 */
  MSCK(MSSimDCRAddSource(sim, inside, NULL, 1.0, NULL));
  MSCK_FAILS(MSSimDCRAddReceiver(sim, 0, inside, outside), PETSC_ERR_ARG_OUTOFRANGE);
  MSCK_FAILS(MSSimDCRSetGrid(sim, n, edges), PETSC_ERR_ORDER); /* after sources */
  MSCK_FAILS(MSSimSetUp(sim), PETSC_ERR_ARG_WRONGSTATE);      /* a source without receivers */
  MSCK(MSSimDestroy(&sim));

  MSCK(MSSimCreate(PETSC_COMM_SELF, &lin));
  MSCK(MSSimSetType(lin, MSSIMLINEAR));
  MSCK_FAILS(MSSimDCRSetGrid(lin, n, edges), PETSC_ERR_ARG_WRONG);
  MSCK(MSSimDestroy(&lin));
}
END_TEST

START_TEST(bad_model_and_solver)
{
  const PetscInt n[3] = {4, 4, 3};
  MSSim          sim, fail;
  Vec            m, d;

  MSCK(CreateSurveySim(n, NULL, &sim));
  MSCK(MSSimCreateVecs(sim, &m, &d));
  MSCK(FillModel(m));
  if (ms_test_rank == 0) MSCK(VecSetValue(m, 5, 800.0, INSERT_VALUES)); /* sigma = exp(800) = Inf */
  MSCK(VecAssemblyBegin(m));
  MSCK(VecAssemblyEnd(m));
  MSCK_FAILS(MSSimDpred(sim, m, d), PETSC_ERR_ARG_OUTOFRANGE);
  if (ms_test_rank == 0) MSCK(VecSetValue(m, 5, -800.0, INSERT_VALUES)); /* sigma = 0 */
  MSCK(VecAssemblyBegin(m));
  MSCK(VecAssemblyEnd(m));
  MSCK_FAILS(MSSimDpred(sim, m, d), PETSC_ERR_ARG_OUTOFRANGE);
  if (ms_test_rank == 0) MSCK(VecSetValue(m, 5, NAN, INSERT_VALUES));
  MSCK(VecAssemblyBegin(m));
  MSCK(VecAssemblyEnd(m));
  MSCK_FAILS(MSSimDpred(sim, m, d), PETSC_ERR_FP);
  MSCK(FillModel(m));
  MSCK(MSSimDpred(sim, m, d)); /* recovers once the model is valid */

  /* an iterative solver limited to 2 iterations cannot converge: an error naming the source */
  MSCK(PetscOptionsSetValue(NULL, "-fail_dcr_ksp_type", "cg"));
  MSCK(PetscOptionsSetValue(NULL, "-fail_dcr_pc_type", "none"));
  MSCK(PetscOptionsSetValue(NULL, "-fail_dcr_ksp_max_it", "2"));
  MSCK(CreateSurveySim(n, "fail_", &fail));
  MSCK(PetscOptionsClearValue(NULL, "-fail_dcr_ksp_type"));
  MSCK(PetscOptionsClearValue(NULL, "-fail_dcr_pc_type"));
  MSCK(PetscOptionsClearValue(NULL, "-fail_dcr_ksp_max_it"));
  MSCK_FAILS(MSSimDpred(fail, m, d), PETSC_ERR_NOT_CONVERGED);
  MSCK_FAILS(MSSimDpred(fail, m, d), PETSC_ERR_NOT_CONVERGED); /* never cached */

  MSCK(VecDestroy(&m));
  MSCK(VecDestroy(&d));
  MSCK(MSSimDestroy(&sim));
  MSCK(MSSimDestroy(&fail));
}
END_TEST

/* Records the first message of an error on this rank and returns the error. */
static PetscErrorCode RecordError(MPI_Comm comm, int line, const char *fun, const char *file, PetscErrorCode n, PetscErrorType p, const char *mess, void *ctx)
{
  char *buf = (char *)ctx;

  if (p == PETSC_ERROR_INITIAL && mess) PetscStrncpy(buf, mess, 512);
  return n;
}

/* The default parallel solver held to one iteration fails on every rank with the same error,
   which names the solve, the source and the KSP's reason. */
START_TEST(solver_failure_is_collective)
{
  const PetscInt n[3] = {9, 7, 6};
  MSSim          sim;
  Vec            m, d;
  char           msg[512] = "";
  PetscErrorCode ierr;
  char          *named;

  MSCK(PetscOptionsSetValue(NULL, "-one_dcr_ksp_type", "cg"));
  MSCK(PetscOptionsSetValue(NULL, "-one_dcr_pc_type", "gamg"));
  MSCK(PetscOptionsSetValue(NULL, "-one_dcr_ksp_max_it", "1"));
  MSCK(CreateSurveySim(n, "one_", &sim));
  MSCK(PetscOptionsClearValue(NULL, "-one_dcr_ksp_type"));
  MSCK(PetscOptionsClearValue(NULL, "-one_dcr_pc_type"));
  MSCK(PetscOptionsClearValue(NULL, "-one_dcr_ksp_max_it"));
  MSCK(MSSimCreateVecs(sim, &m, &d));
  MSCK(FillModel(m));
  PetscPushErrorHandler(RecordError, msg);
  ierr = MSSimDpred(sim, m, d);
  PetscPopErrorHandler();
  ck_assert_int_eq(ierr, PETSC_ERR_NOT_CONVERGED);
  MSCK(PetscStrstr(msg, "with prefix one_: the forward solve for source 0 did not converge: DIVERGED_ITS after 1 iterations", &named));
  ck_assert_msg(named, "rank %d: unexpected message \"%s\"", (int)ms_test_rank, msg);
  MSCK(VecDestroy(&m));
  MSCK(VecDestroy(&d));
  MSCK(MSSimDestroy(&sim));
}
END_TEST

/* The solver each simulation gets without options: Cholesky up to MS_DCR_DIRECT_MAX_CELLS cells
   (MUMPS wherever this PETSc has it for the operator, PETSc's own on one rank otherwise), CG +
   GAMG on larger grids and on several ranks without MUMPS. */
START_TEST(default_solvers)
{
  const PetscInt small[3] = {9, 7, 6}, large[3] = {34, 34, 30}; /* 378 and 34680 cells */
  MSSim          sim;
  KSP            ksp;
  PC             pc;
  Mat            probe;
  PetscBool      mumps, match;
  MatSolverType  stype;
  PetscReal      rtol;

  MSCK(MatCreateAIJ(PETSC_COMM_WORLD, PETSC_DECIDE, PETSC_DECIDE, 8, 8, 1, NULL, 0, NULL, &probe));
  MSCK(MatGetFactorAvailable(probe, MATSOLVERMUMPS, MAT_FACTOR_CHOLESKY, &mumps));
  MSCK(MatDestroy(&probe));

  MSCK(CreateSurveySim(small, NULL, &sim));
  MSCK(MSSimDCRGetKSP(sim, &ksp));
  MSCK(KSPGetPC(ksp, &pc));
  if (mumps || ms_test_size == 1) {
    MSCK(PetscObjectTypeCompare((PetscObject)ksp, KSPPREONLY, &match));
    ck_assert(match);
    MSCK(PetscObjectTypeCompare((PetscObject)pc, PCCHOLESKY, &match));
    ck_assert(match);
    MSCK(PCFactorGetMatSolverType(pc, &stype));
    MSCK(PetscStrcmp(stype, mumps ? MATSOLVERMUMPS : MATSOLVERPETSC, &match));
    ck_assert_msg(match, "factorization package %s", stype);
  } else {
    MSCK(PetscObjectTypeCompare((PetscObject)pc, PCGAMG, &match));
    ck_assert(match);
  }
  MSCK(MSSimDestroy(&sim));

  MSCK(CreateSurveySim(large, NULL, &sim));
  MSCK(MSSimDCRGetKSP(sim, &ksp));
  MSCK(KSPGetPC(ksp, &pc));
  MSCK(PetscObjectTypeCompare((PetscObject)ksp, KSPCG, &match));
  ck_assert(match);
  MSCK(PetscObjectTypeCompare((PetscObject)pc, PCGAMG, &match));
  ck_assert(match);
  MSCK(KSPGetTolerances(ksp, &rtol, NULL, NULL, NULL));
  ck_assert(rtol == 1e-10);
  MSCK(MSSimDestroy(&sim));
}
END_TEST

/* max relative difference between a distributed vector and a sequential one of the same length */
static PetscErrorCode RelDiffToSerial(Vec dist, Vec serial, PetscReal *rel)
{
  Vec all;

  PetscFunctionBegin;
  PetscCall(GatherAll(dist, &all));
  PetscCall(ms_test_vec_rel_diff(all, serial, rel));
  PetscCall(VecDestroy(&all));
  PetscFunctionReturn(0);
}

/* dpred, J v, J^T w and the weighted JtJ diagonal of the survey on PETSC_COMM_WORLD (a distributed
   DMDA at 2 and 3 ranks) against the same simulation on PETSC_COMM_SELF; returns the largest
   relative difference. */
static PetscErrorCode DistributedAgainstSerial(const char prefix[], PetscReal *maxrel)
{
  const PetscInt n[3] = {9, 7, 6};
  MSSim          sim[2];
  Vec            m[2], v[2], d[2], w[2], out[2];
  PetscReal      rel;

  PetscFunctionBegin;
  *maxrel = 0.0;
  PetscCall(CreateSurveySimOn(PETSC_COMM_WORLD, n, prefix, &sim[0]));
  PetscCall(CreateSurveySimOn(PETSC_COMM_SELF, n, prefix, &sim[1]));
  for (PetscInt k = 0; k < 2; k++) {
    PetscCall(MSSimCreateVecs(sim[k], &m[k], &d[k]));
    PetscCall(VecDuplicate(m[k], &v[k]));
    PetscCall(VecDuplicate(m[k], &out[k]));
    PetscCall(VecDuplicate(d[k], &w[k]));
    PetscCall(FillModel(m[k]));
    PetscCall(ms_test_vec_fill(v[k], 11));
    PetscCall(ms_test_vec_fill(w[k], 5));
  }
  for (PetscInt k = 0; k < 2; k++) PetscCall(MSSimDpred(sim[k], m[k], d[k]));
  PetscCall(RelDiffToSerial(d[0], d[1], &rel));
  *maxrel = PetscMax(*maxrel, rel);
  for (PetscInt k = 0; k < 2; k++) PetscCall(MSSimJvec(sim[k], m[k], v[k], d[k]));
  PetscCall(RelDiffToSerial(d[0], d[1], &rel));
  *maxrel = PetscMax(*maxrel, rel);
  for (PetscInt k = 0; k < 2; k++) PetscCall(MSSimJtvec(sim[k], m[k], w[k], out[k]));
  PetscCall(RelDiffToSerial(out[0], out[1], &rel));
  *maxrel = PetscMax(*maxrel, rel);
  for (PetscInt k = 0; k < 2; k++) PetscCall(MSSimGetJtJDiagonal(sim[k], m[k], w[k], out[k]));
  PetscCall(RelDiffToSerial(out[0], out[1], &rel));
  *maxrel = PetscMax(*maxrel, rel);
  for (PetscInt k = 0; k < 2; k++) {
    PetscCall(VecDestroy(&m[k]));
    PetscCall(VecDestroy(&v[k]));
    PetscCall(VecDestroy(&d[k]));
    PetscCall(VecDestroy(&w[k]));
    PetscCall(VecDestroy(&out[k]));
    PetscCall(MSSimDestroy(&sim[k]));
  }
  PetscFunctionReturn(0);
}

/* The distributed simulation gives the one-rank results: to 1e-10 with the default direct solver
   (Cholesky, MUMPS in parallel; measured 1e-15), to 1e-9 with CG + GAMG at a relative tolerance
   of 1e-12 (measured 2.5e-12). */
START_TEST(distributed_equals_serial)
{
  PetscReal rel;

  MSCK(DistributedAgainstSerial(NULL, &rel));
  ck_assert_msg(rel < 1e-12, "direct solver: distributed and serial results differ by %g", (double)rel);
  MSCK(PetscOptionsSetValue(NULL, "-iter_dcr_ksp_type", "cg"));
  MSCK(PetscOptionsSetValue(NULL, "-iter_dcr_pc_type", "gamg"));
  MSCK(PetscOptionsSetValue(NULL, "-iter_dcr_ksp_rtol", "1e-12"));
  MSCK(DistributedAgainstSerial("iter_", &rel));
  MSCK(PetscOptionsClearValue(NULL, "-iter_dcr_ksp_type"));
  MSCK(PetscOptionsClearValue(NULL, "-iter_dcr_pc_type"));
  MSCK(PetscOptionsClearValue(NULL, "-iter_dcr_ksp_rtol"));
  ck_assert_msg(rel < 1e-9, "CG + GAMG: distributed and serial results differ by %g", (double)rel);
}
END_TEST

/* On several ranks the cells are really distributed, and a model vector in another layout than
   MSSimCreateVecs() gives is refused on every rank. */
START_TEST(distributed_layout)
{
  const PetscInt n[3] = {9, 7, 6};
  MSSim          sim;
  Vec            m, d, phi, other;
  PetscInt       nlocal, ncells = 9 * 7 * 6;

  MSCK(CreateSurveySim(n, NULL, &sim));
  MSCK(MSSimCreateVecs(sim, &m, &d));
  MSCK(FillModel(m));
  MSCK(MSSimDpred(sim, m, d));
  MSCK(MSSimDCRGetPotential(sim, 0, &phi));
  MSCK(VecGetLocalSize(phi, &nlocal));
  if (ms_test_size > 1) ck_assert_msg(nlocal < ncells, "rank %d holds %d of %d cells", (int)ms_test_rank, (int)nlocal, (int)ncells);
  else ck_assert_int_eq(nlocal, ncells);
  if (ms_test_size > 1) {
    MSCK(VecCreateMPI(PETSC_COMM_WORLD, ms_test_rank == 0 ? ncells : 0, ncells, &other));
    MSCK(FillModel(other));
    MSCK_FAILS(MSSimDpred(sim, other, d), PETSC_ERR_ARG_INCOMP);
    MSCK(VecDestroy(&other));
  }
  MSCK(VecDestroy(&m));
  MSCK(VecDestroy(&d));
  MSCK(MSSimDestroy(&sim));
}
END_TEST

Suite *ms_test_suite(void)
{
  Suite *s  = suite_create("dcr");
  TCase *tc = tcase_create("dcr");

  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, halfspace_pole_convergence);
  tcase_add_test(tc, adjoint_and_taylor);
  tcase_add_test(tc, ready_made_tile);
  tcase_add_test(tc, reciprocity);
  tcase_add_test(tc, jtj_diagonal);
  tcase_add_test(tc, bad_grid_and_survey);
  tcase_add_test(tc, bad_model_and_solver);
  tcase_add_test(tc, distributed_equals_serial);
  tcase_add_test(tc, distributed_layout);
  tcase_add_test(tc, solver_failure_is_collective);
  tcase_add_test(tc, default_solvers);
  suite_add_tcase(s, tc);
  return s;
}
