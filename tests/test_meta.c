/* MSMeta: every operation of every kind against a dense computation, at any rank count, with more
   and fewer simulations than ranks; reproducible reductions; collective errors; the MATSHELL. */
#include <math.h>
#include <string.h>
#include "mstest.h"
#include "meta_problem.h"

#define TOL 1e-13

static void assert_close(const char *what, const PetscReal *x, const PetscReal *ref, PetscInt n, PetscReal tol)
{
  PetscReal dmax = 0, rmax = 0;

  for (PetscInt i = 0; i < n; i++) {
    dmax = PetscMax(dmax, PetscAbsReal(x[i] - ref[i]));
    rmax = PetscMax(rmax, PetscAbsReal(ref[i]));
  }
  ck_assert_msg(dmax <= tol * rmax, "%s: relative error %.3e > %.1e", what, dmax / rmax, tol);
}

/* y = J x (or J^T x) with the dense reference */
static void dense_mult(const PetscReal *J, PetscInt rows, PetscInt cols, PetscBool transpose, const PetscReal *x, PetscReal *y)
{
  for (PetscInt i = 0; i < (transpose ? cols : rows); i++) y[i] = 0;
  for (PetscInt r = 0; r < rows; r++)
    for (PetscInt c = 0; c < cols; c++) {
      if (transpose) y[c] += J[r * cols + c] * x[r];
      else y[r] += J[r * cols + c] * x[c];
    }
}

static void check_against_dense(MetaProblem *p, PetscBool add)
{
  MSMeta     meta;
  Vec        m, v, d, w, W, g;
  PetscReal *J, *ma, *va, *wa, *Wa, *out, *ref, *ref2;
  PetscInt   rows = mp_total_data(p), n_sims, n_model, n_data;
  PetscBool  exact;

  MSCK(mp_create_meta(PETSC_COMM_WORLD, p, add, &meta));
  MSCK(MSMetaSetUp(meta));
  MSCK(MSMetaGetSizes(meta, &n_sims, &n_model, &n_data));
  ck_assert_int_eq(n_sims, p->n_sims);
  ck_assert_int_eq(n_model, p->n_model);
  ck_assert_int_eq(n_data, rows);
  MSCK(MSMetaCreateVecs(meta, &m, &d));
  MSCK(VecDuplicate(m, &v));
  MSCK(VecDuplicate(m, &g));
  MSCK(VecDuplicate(d, &w));
  MSCK(VecDuplicate(d, &W));
  MSCK(ms_test_vec_fill(m, 1));
  MSCK(ms_test_vec_fill(v, 2));
  MSCK(ms_test_vec_fill(w, 3));
  MSCK(ms_test_vec_fill(W, 4));
  MSCK(mp_gather(m, &ma));
  MSCK(mp_gather(v, &va));
  MSCK(mp_gather(w, &wa));
  MSCK(mp_gather(W, &Wa));
  MSCK(mp_dense_jacobian(p, &J));
  MSCK(PetscMalloc1(PetscMax(rows, p->n_model), &ref));
  MSCK(PetscMalloc1(p->n_model, &ref2));

  MSCK(MSMetaDpred(meta, m, d));
  MSCK(mp_gather(d, &out));
  dense_mult(J, rows, p->n_model, PETSC_FALSE, ma, ref);
  assert_close("dpred", out, ref, rows, TOL);
  MSCK(PetscFree(out));

  MSCK(MSMetaJvec(meta, m, v, d));
  MSCK(mp_gather(d, &out));
  dense_mult(J, rows, p->n_model, PETSC_FALSE, va, ref);
  assert_close("Jvec", out, ref, rows, TOL);
  MSCK(PetscFree(out));

  MSCK(MSMetaJtvec(meta, m, w, g));
  MSCK(mp_gather(g, &out));
  dense_mult(J, rows, p->n_model, PETSC_TRUE, wa, ref);
  assert_close("Jtvec", out, ref, p->n_model, TOL);
  MSCK(PetscFree(out));

  /* exact diagonal: sum_r W_r^2 J_rj^2 */
  for (PetscInt j = 0; j < p->n_model; j++) {
    ref[j] = 0;
    for (PetscInt r = 0; r < rows; r++) ref[j] += Wa[r] * Wa[r] * J[r * p->n_model + j] * J[r * p->n_model + j];
  }
  MSCK(MSMetaSetJtJDiagonalMethod(meta, MS_JTJDIAG_EXACT));
  MSCK(MSMetaGetJtJDiagonal(meta, m, W, g, &exact));
  ck_assert(exact);
  MSCK(mp_gather(g, &out));
  assert_close("exact weighted JtJ diagonal", out, ref, p->n_model, TOL);
  MSCK(PetscFree(out));

  MSCK(MSMetaSetJtJDiagonalMethod(meta, MS_JTJDIAG_COMPOSE));
  MSCK(MSMetaGetJtJDiagonal(meta, m, W, g, &exact));
  MSCK(mp_gather(g, &out));
  MSCK(mp_composed_diagonal(p, Wa, ref2));
  assert_close("composed weighted JtJ diagonal", out, ref2, p->n_model, TOL);
  { /* simulation 0 of stack and sum has an identity map; the others read a window */
    PetscBool repeats = (PetscBool)(p->repeated_index && (p->kind == MS_META_REPEAT || p->n_sims > 1));
    ck_assert(exact == (PetscBool)(!repeats && (p->kind != MS_META_SUM || p->n_sims == 1)));
  }
  if (exact) assert_close("composed diagonal is exact", out, ref, p->n_model, TOL);
  MSCK(PetscFree(out));
  MSCK(MSMetaGetJtJDiagonal(meta, m, NULL, g, NULL));
  MSCK(mp_gather(g, &out));
  MSCK(mp_composed_diagonal(p, NULL, ref2));
  assert_close("composed JtJ diagonal", out, ref2, p->n_model, TOL);
  MSCK(PetscFree(out));

  MSCK(PetscFree(J));
  MSCK(PetscFree(ma));
  MSCK(PetscFree(va));
  MSCK(PetscFree(wa));
  MSCK(PetscFree(Wa));
  MSCK(PetscFree(ref));
  MSCK(PetscFree(ref2));
  MSCK(VecDestroy(&m));
  MSCK(VecDestroy(&v));
  MSCK(VecDestroy(&d));
  MSCK(VecDestroy(&w));
  MSCK(VecDestroy(&W));
  MSCK(VecDestroy(&g));
  MSCK(MSMetaDestroy(&meta));
}

START_TEST(every_kind_against_dense)
{
  const MSMetaKind kinds[] = {MS_META_STACK, MS_META_SUM, MS_META_REPEAT};
  const PetscInt   counts[] = {1, 2, 7};

  for (int k = 0; k < 3; k++)
    for (int c = 0; c < 3; c++)
      for (int rep = 0; rep < 2; rep++)
        for (int add = 0; add < 2; add++) {
          MetaProblem p = {kinds[k], counts[c], 13, (PetscBool)rep, 0};
          check_against_dense(&p, (PetscBool)add);
        }
}
END_TEST

/* Memory follows ownership: the factory runs only for owned simulations, in contiguous ranges. */
START_TEST(factory_builds_only_owned)
{
  MetaProblem p = {MS_META_STACK, 7, 13, PETSC_FALSE, 0};
  PetscReal   costs[7] = {20, 1, 1, 1, 1, 1, 1};
  MSMeta      meta;
  PetscInt    first, end, total, prev_end;

  MSCK(mp_create_meta(PETSC_COMM_WORLD, &p, PETSC_FALSE, &meta));
  MSCK(MSMetaSetCosts(meta, 7, costs));
  MSCK(MSMetaSetUp(meta));
  MSCK(MSMetaGetOwnershipRange(meta, &first, &end));
  ck_assert_int_eq(p.n_built, end - first);
  MSCK(MPI_Allreduce(&p.n_built, &total, 1, MPIU_INT, MPI_SUM, PETSC_COMM_WORLD));
  ck_assert_int_eq(total, 7);
  MSCK(MPI_Exscan(&end, &prev_end, 1, MPIU_INT, MPI_MAX, PETSC_COMM_WORLD));
  if (ms_test_rank > 0) ck_assert_int_eq(first, prev_end);
  if (ms_test_size > 1 && ms_test_rank == 0) ck_assert_int_eq(end, 1); /* the heavy one alone */
  MSCK(MSMetaDestroy(&meta));
}
END_TEST

/* Reproducible mode: Jtvec, the JtJ diagonal, the data and the misfit value are bitwise equal on
   1..size ranks (sub-communicators of this run). */
START_TEST(reproducible_bitwise)
{
  const MSMetaKind kinds[] = {MS_META_STACK, MS_META_SUM};

  for (int k = 0; k < 2; k++) {
    PetscReal *first[3] = {NULL, NULL, NULL}, first_phi = 0.0;

    for (PetscMPIInt c = 1; c <= ms_test_size; c++) {
      MetaProblem p = {kinds[k], 7, 13, PETSC_TRUE, 0};
      MPI_Comm    sub;
      MSMeta      meta;
      Vec         m, d, g, diag;
      PetscReal  *res[3], phi;

      MSCK(MPI_Comm_split(PETSC_COMM_WORLD, ms_test_rank < c ? 0 : 1, ms_test_rank, &sub));
      MSCK(mp_create_meta(sub, &p, PETSC_FALSE, &meta));
      MSCK(MSMetaSetReproducible(meta, PETSC_TRUE));
      MSCK(MSMetaSetUp(meta));
      MSCK(MSMetaCreateVecs(meta, &m, &d));
      MSCK(VecDuplicate(m, &g));
      MSCK(VecDuplicate(m, &diag));
      MSCK(ms_test_vec_fill(m, 5));
      MSCK(ms_test_vec_fill(d, 6));
      MSCK(MSMetaJtvec(meta, m, d, g));
      MSCK(MSMetaGetJtJDiagonal(meta, m, d, diag, NULL));
      MSCK(MSMetaMisfit(meta, m, d, NULL, &phi, NULL));
      MSCK(MSMetaDpred(meta, m, d));
      MSCK(mp_gather(g, &res[0]));
      MSCK(mp_gather(diag, &res[1]));
      MSCK(mp_gather(d, &res[2]));
      if (ms_test_rank == 0) {
        if (c == 1) first_phi = phi;
        else ck_assert_msg(memcmp(&first_phi, &phi, sizeof(phi)) == 0, "kind %d misfit %.17g on %d ranks, %.17g on 1", k, phi, c, first_phi);
        for (int q = 0; q < 3; q++) {
          PetscInt n = q < 2 ? 13 : mp_total_data(&p);
          if (c == 1) first[q] = res[q];
          else {
            ck_assert_msg(memcmp(first[q], res[q], n * sizeof(PetscReal)) == 0, "kind %d result %d differs bitwise between 1 and %d ranks", k, q, c);
            MSCK(PetscFree(res[q]));
          }
        }
      } else
        for (int q = 0; q < 3; q++) MSCK(PetscFree(res[q]));
      MSCK(VecDestroy(&m));
      MSCK(VecDestroy(&d));
      MSCK(VecDestroy(&g));
      MSCK(VecDestroy(&diag));
      MSCK(MSMetaDestroy(&meta));
      MSCK(MPI_Comm_free(&sub));
    }
    for (int q = 0; q < 3; q++) MSCK(PetscFree(first[q]));
  }
}
END_TEST

/* The default reduction agrees with the reproducible one to 1e-13. */
START_TEST(default_matches_reproducible)
{
  MetaProblem p = {MS_META_SUM, 7, 13, PETSC_FALSE, 0};
  MSMeta      a, b;
  Vec         m, w, ga, gb;
  PetscReal   rel;

  MSCK(mp_create_meta(PETSC_COMM_WORLD, &p, PETSC_FALSE, &a));
  MSCK(mp_create_meta(PETSC_COMM_WORLD, &p, PETSC_FALSE, &b));
  MSCK(MSMetaSetReproducible(b, PETSC_TRUE));
  MSCK(MSMetaSetUp(a));
  MSCK(MSMetaSetUp(b));
  MSCK(MSMetaCreateVecs(a, &m, &w));
  MSCK(VecDuplicate(m, &ga));
  MSCK(VecDuplicate(m, &gb));
  MSCK(ms_test_vec_fill(m, 7));
  MSCK(ms_test_vec_fill(w, 8));
  MSCK(MSMetaJtvec(a, m, w, ga));
  MSCK(MSMetaJtvec(b, m, w, gb));
  MSCK(ms_test_vec_rel_diff(ga, gb, &rel));
  ck_assert(rel <= 1e-13);
  MSCK(VecDestroy(&m));
  MSCK(VecDestroy(&w));
  MSCK(VecDestroy(&ga));
  MSCK(VecDestroy(&gb));
  MSCK(MSMetaDestroy(&a));
  MSCK(MSMetaDestroy(&b));
}
END_TEST

/* Fields are computed once per model state, on the owning rank. */
START_TEST(fields_reused_across_operations)
{
  MetaProblem p = {MS_META_STACK, 7, 13, PETSC_FALSE, 0};
  MSMeta      meta;
  Vec         m, v, d, g;
  PetscInt    first, end;

  MSCK(mp_create_meta(PETSC_COMM_WORLD, &p, PETSC_FALSE, &meta));
  MSCK(MSMetaSetUp(meta));
  MSCK(MSMetaCreateVecs(meta, &m, &d));
  MSCK(VecDuplicate(m, &v));
  MSCK(VecDuplicate(m, &g));
  MSCK(ms_test_vec_fill(m, 1));
  MSCK(ms_test_vec_fill(v, 2));
  MSCK(MSMetaDpred(meta, m, d));
  MSCK(MSMetaJvec(meta, m, v, d));
  MSCK(MSMetaJtvec(meta, m, d, g));
  MSCK(MSMetaGetOwnershipRange(meta, &first, &end));
  for (PetscInt i = first; i < end; i++) {
    MSSim    sim;
    PetscInt n;
    MSCK(MSMetaGetLocalSimulation(meta, i, &sim, NULL));
    MSCK(MSSimGetNumFieldsComputed(sim, &n));
    ck_assert_int_eq(n, 1);
  }
  MSCK(VecScale(m, 2.0));
  MSCK(MSMetaDpred(meta, m, d));
  for (PetscInt i = first; i < end; i++) {
    MSSim    sim;
    PetscInt n;
    MSCK(MSMetaGetLocalSimulation(meta, i, &sim, NULL));
    MSCK(MSSimGetNumFieldsComputed(sim, &n));
    ck_assert_int_eq(n, 2);
  }
  MSCK(VecDestroy(&m));
  MSCK(VecDestroy(&v));
  MSCK(VecDestroy(&d));
  MSCK(VecDestroy(&g));
  MSCK(MSMetaDestroy(&meta));
}
END_TEST

START_TEST(adjoint_taylor_misfit)
{
  MetaProblem     p = {MS_META_STACK, 5, 13, PETSC_FALSE, 0};
  MSMeta          meta;
  MSAdjointReport adj;
  MSTaylorReport  tay;
  Vec             m, dobs, W, grad, r;
  PetscReal       phi, rnorm;

  MSCK(mp_create_meta(PETSC_COMM_WORLD, &p, PETSC_FALSE, &meta));
  MSCK(MSMetaSetUp(meta));
  MSCK(MSMetaCheckAdjoint(meta, NULL, NULL, &adj));
  ck_assert_msg(adj.passed, "adjoint %g", (double)adj.rel_error);
  MSCK(MSMetaCheckTaylor(meta, NULL, NULL, &tay));
  ck_assert(tay.passed);

  /* misfit = 1/2 ||W r||^2, gradient J^T W^2 r */
  MSCK(MSMetaCreateVecs(meta, &m, &dobs));
  MSCK(VecDuplicate(dobs, &W));
  MSCK(VecDuplicate(dobs, &r));
  MSCK(VecDuplicate(m, &grad));
  MSCK(ms_test_vec_fill(m, 1));
  MSCK(ms_test_vec_fill(dobs, 2));
  MSCK(ms_test_vec_fill(W, 3));
  MSCK(MSMetaMisfit(meta, m, dobs, W, &phi, grad));
  MSCK(MSMetaResidual(meta, m, dobs, r));
  MSCK(VecPointwiseMult(r, r, W));
  MSCK(VecNorm(r, NORM_2, &rnorm));
  MSCK_REL_CLOSE(phi, 0.5 * rnorm * rnorm, 1e-14);
  {
    Vec g2;
    PetscReal rel;
    MSCK(VecDuplicate(m, &g2));
    MSCK(VecPointwiseMult(r, r, W));
    MSCK(MSMetaJtvec(meta, m, r, g2));
    MSCK(ms_test_vec_rel_diff(grad, g2, &rel));
    ck_assert(rel <= 1e-14);
    MSCK(VecDestroy(&g2));
  }
  MSCK(VecDestroy(&m));
  MSCK(VecDestroy(&dobs));
  MSCK(VecDestroy(&W));
  MSCK(VecDestroy(&r));
  MSCK(VecDestroy(&grad));
  MSCK(MSMetaDestroy(&meta));
}
END_TEST

/* KSPLSQR through the MATSHELL recovers the model of consistent data. */
START_TEST(jacobian_shell_lsqr)
{
  MetaProblem p = {MS_META_STACK, 7, 13, PETSC_FALSE, 0};
  MSMeta      meta;
  Mat         J;
  KSP         ksp;
  Vec         m, x, x_true, d;
  PetscReal   rel;

  MSCK(mp_create_meta(PETSC_COMM_WORLD, &p, PETSC_FALSE, &meta));
  MSCK(MSMetaSetUp(meta));
  MSCK(MSMetaCreateVecs(meta, &m, &d));
  MSCK(VecDuplicate(m, &x));
  MSCK(VecDuplicate(m, &x_true));
  MSCK(VecSet(m, 0.0));
  MSCK(ms_test_vec_fill(x_true, 9));
  MSCK(MSMetaGetJacobian(meta, m, &J));
  MSCK(MatMult(J, x_true, d));
  MSCK(KSPCreate(PETSC_COMM_WORLD, &ksp));
  MSCK(KSPSetType(ksp, KSPLSQR));
  MSCK(KSPSetOperators(ksp, J, J));
  {
    PC pc;
    MSCK(KSPGetPC(ksp, &pc));
    MSCK(PCSetType(pc, PCNONE));
  }
  MSCK(KSPSetTolerances(ksp, 1e-14, 1e-30, PETSC_DEFAULT, 500));
  MSCK(KSPSolve(ksp, d, x));
  MSCK(ms_test_vec_rel_diff(x, x_true, &rel));
  ck_assert_msg(rel < 1e-8, "LSQR solution off by %g", (double)rel);
  MSCK(KSPDestroy(&ksp));
  MSCK(MatDestroy(&J));
  MSCK(VecDestroy(&m));
  MSCK(VecDestroy(&x));
  MSCK(VecDestroy(&x_true));
  MSCK(VecDestroy(&d));
  MSCK(MSMetaDestroy(&meta));
}
END_TEST

/* A simulation that fails on one rank makes every rank fail: no hang. */
typedef struct {
  PetscInt fail_index; /* dpred of this simulation fails */
  PetscInt fail_build; /* the factory fails for this index */
} FailCtx;

static PetscErrorCode FailingDpred(MSSim sim, Vec m, Vec d)
{
  PetscFunctionBegin;
  SETERRQ(PETSC_COMM_SELF, PETSC_ERR_NOT_CONVERGED, "this simulation's solver diverged");
}

static PetscErrorCode CopyProduct(MSSim sim, Vec m, Vec x, Vec y)
{
  PetscFunctionBegin;
  PetscCall(VecCopy(x, y));
  PetscFunctionReturn(0);
}

static PetscErrorCode CopyDpred(MSSim sim, Vec m, Vec d)
{
  PetscFunctionBegin;
  PetscCall(VecCopy(m, d));
  PetscFunctionReturn(0);
}

static PetscErrorCode FailFactory(MPI_Comm comm, PetscInt i, MSSim *sim, MSMap *map, void *ctx)
{
  FailCtx *f = (FailCtx *)ctx;

  PetscFunctionBegin;
  PetscCheck(i != f->fail_build, PETSC_COMM_SELF, PETSC_ERR_FILE_READ, "cannot read simulation %" PetscInt_FMT, i);
  PetscCall(MSSimCreate(comm, sim));
  PetscCall(MSSimSetType(*sim, MSSIMSHELL));
  PetscCall(MSSimSetSizes(*sim, 4, 4));
  PetscCall(MSSimShellSetDpred(*sim, i == f->fail_index ? FailingDpred : CopyDpred));
  PetscCall(MSSimShellSetJvec(*sim, CopyProduct));
  PetscCall(MSSimShellSetJtvec(*sim, CopyProduct));
  PetscCall(MSMapCreateIdentity(PETSC_COMM_SELF, 4, map));
  PetscFunctionReturn(0);
}

START_TEST(collective_failure)
{
  FailCtx ctx = {3, -1};
  MSMeta  meta;
  Vec     m, d;

  MSCK(MSMetaCreate(PETSC_COMM_WORLD, &meta));
  MSCK(MSMetaSetFactory(meta, 5, FailFactory, &ctx));
  MSCK(MSMetaSetUp(meta));
  MSCK(MSMetaCreateVecs(meta, &m, &d));
  MSCK(VecSet(m, 1.0));
  MSCK_FAILS(MSMetaDpred(meta, m, d), PETSC_ERR_NOT_CONVERGED);
  MSCK_FAILS(MSMetaDpred(meta, m, d), PETSC_ERR_NOT_CONVERGED); /* and again: nothing cached */
  MSCK(VecDestroy(&m));
  MSCK(VecDestroy(&d));
  MSCK(MSMetaDestroy(&meta));

  ctx.fail_index = -1;
  ctx.fail_build = 2;
  MSCK(MSMetaCreate(PETSC_COMM_WORLD, &meta));
  MSCK(MSMetaSetFactory(meta, 5, FailFactory, &ctx));
  MSCK_FAILS(MSMetaSetUp(meta), PETSC_ERR_FILE_READ);
  MSCK(MSMetaDestroy(&meta));
}
END_TEST

/* Set-up rejects inconsistent problems on every rank. */
static PetscErrorCode BadSizesFactory(MPI_Comm comm, PetscInt i, MSSim *sim, MSMap *map, void *ctx)
{
  PetscInt mode = *(PetscInt *)ctx; /* 0: map output != sim model, 1: n_in differs, 2: unequal data */

  PetscFunctionBegin;
  PetscCall(MSSimCreate(comm, sim));
  PetscCall(MSSimSetType(*sim, MSSIMSHELL));
  PetscCall(MSSimSetSizes(*sim, 4, (mode == 2 && i == 3) ? 5 : 4));
  PetscCall(MSSimShellSetDpred(*sim, CopyDpred));
  PetscCall(MSSimShellSetJvec(*sim, CopyProduct));
  PetscCall(MSSimShellSetJtvec(*sim, CopyProduct));
  if (mode == 0 && i == 4) PetscCall(MSMapCreateIdentity(PETSC_COMM_SELF, 5, map));
  else if (mode == 1 && i == 4) {
    PetscInt idx[4] = {0, 1, 2, 3};
    PetscCall(MSMapCreateProjection(PETSC_COMM_SELF, 9, 4, idx, map));
  } else PetscCall(MSMapCreateIdentity(PETSC_COMM_SELF, 4, map));
  PetscFunctionReturn(0);
}

START_TEST(setup_rejects)
{
  MSMeta   meta;
  PetscInt mode;
  MetaProblem p = {MS_META_STACK, 3, 13, PETSC_FALSE, 0};
  Vec      m, d, bad;

  for (mode = 0; mode < 3; mode++) {
    MSCK(MSMetaCreate(PETSC_COMM_WORLD, &meta));
    if (mode == 2) MSCK(MSMetaSetKind(meta, MS_META_SUM));
    MSCK(MSMetaSetFactory(meta, 5, BadSizesFactory, &mode));
    MSCK_FAILS(MSMetaSetUp(meta), PETSC_ERR_ARG_SIZ);
    MSCK(MSMetaDestroy(&meta));
  }
  MSCK(MSMetaCreate(PETSC_COMM_WORLD, &meta));
  MSCK_FAILS(MSMetaSetUp(meta), PETSC_ERR_ARG_WRONGSTATE); /* empty */
  MSCK(MSMetaDestroy(&meta));

  MSCK(mp_create_meta(PETSC_COMM_WORLD, &p, PETSC_FALSE, &meta));
  MSCK(MSMetaSetUp(meta));
  MSCK(MSMetaCreateVecs(meta, &m, &d));
  MSCK(VecCreateMPI(PETSC_COMM_WORLD, PETSC_DECIDE, 12, &bad));
  MSCK_FAILS(MSMetaDpred(meta, bad, d), PETSC_ERR_ARG_SIZ);
  MSCK(VecDestroy(&bad));
  if (ms_test_size > 1) { /* same length, another layout */
    MSCK(VecCreateMPI(PETSC_COMM_WORLD, ms_test_rank == 0 ? mp_total_data(&p) : 0, PETSC_DETERMINE, &bad));
    MSCK_FAILS(MSMetaDpred(meta, m, bad), PETSC_ERR_ARG_INCOMP);
    MSCK(VecDestroy(&bad));
  }
  MSCK(VecSet(m, 1.0));
  if (ms_test_rank == ms_test_size - 1) MSCK(VecSetValue(m, 12, NAN, INSERT_VALUES));
  MSCK(VecAssemblyBegin(m));
  MSCK(VecAssemblyEnd(m));
  MSCK_FAILS(MSMetaDpred(meta, m, d), PETSC_ERR_FP);
  MSCK(VecDestroy(&m));
  MSCK(VecDestroy(&d));
  MSCK(MSMetaDestroy(&meta));
}
END_TEST

/* A user map type that reads half of its input and cannot be restricted: on a rank whose
   support is not the whole model, set-up fails there, and every rank must fail with it. */
#include <metasim/impl/mapimpl.h>

static PetscErrorCode HalfApply(MSMap map, Vec m, Vec u)
{
  PetscFunctionBegin;
  PetscCall(VecCopy(m, u));
  PetscFunctionReturn(0);
}

static PetscErrorCode HalfProduct(MSMap map, Vec m, Vec x, Vec y)
{
  PetscFunctionBegin;
  PetscCall(VecCopy(x, y));
  PetscFunctionReturn(0);
}

static PetscErrorCode HalfSupport(MSMap map, IS *support)
{
  PetscFunctionBegin;
  PetscCall(ISCreateStride(PETSC_COMM_SELF, map->n_in / 2, 0, 1, support));
  PetscFunctionReturn(0);
}

static PetscErrorCode MSMapCreate_Half(MSMap map)
{
  PetscFunctionBegin;
  map->ops->apply        = HalfApply;
  map->ops->jvec         = HalfProduct;
  map->ops->jtvec        = HalfProduct;
  map->ops->squaredjtvec = HalfProduct;
  map->ops->support      = HalfSupport;
  PetscFunctionReturn(0);
}

static PetscErrorCode HalfFactory(MPI_Comm comm, PetscInt i, MSSim *sim, MSMap *map, void *ctx)
{
  PetscFunctionBegin;
  PetscCall(MSSimCreate(comm, sim));
  PetscCall(MSSimSetType(*sim, MSSIMSHELL));
  PetscCall(MSSimSetSizes(*sim, 4, 4));
  PetscCall(MSSimShellSetDpred(*sim, CopyDpred));
  PetscCall(MSSimShellSetJvec(*sim, CopyProduct));
  PetscCall(MSSimShellSetJtvec(*sim, CopyProduct));
  if (i == 0) PetscCall(MSMapCreateIdentity(PETSC_COMM_SELF, 4, map));
  else {
    PetscCall(MSMapCreate(PETSC_COMM_SELF, map));
    PetscCall(MSMapSetType(*map, "half"));
    PetscCall(MSMapSetSizes(*map, 4, 4));
  }
  PetscFunctionReturn(0);
}

START_TEST(unrestrictable_map_fails_everywhere)
{
  MSMeta meta;

  MSCK(MSMapRegister("half", MSMapCreate_Half));
  MSCK(MSMetaCreate(PETSC_COMM_WORLD, &meta));
  MSCK(MSMetaSetFactory(meta, 4, HalfFactory, NULL));
  if (ms_test_size == 1) MSCK(MSMetaSetUp(meta)); /* the identity makes the support everything */
  else MSCK_FAILS(MSMetaSetUp(meta), PETSC_ERR_SUP);
  MSCK(MSMetaDestroy(&meta));
}
END_TEST

/* Any model layout works: the scatter follows it. */
START_TEST(any_model_layout)
{
  MetaProblem p = {MS_META_STACK, 7, 13, PETSC_FALSE, 0};
  MSMeta      meta;
  Vec         m, m2, d, d2;
  PetscReal   rel;

  MSCK(mp_create_meta(PETSC_COMM_WORLD, &p, PETSC_FALSE, &meta));
  MSCK(MSMetaSetUp(meta));
  MSCK(MSMetaCreateVecs(meta, &m, &d));
  MSCK(VecDuplicate(d, &d2));
  MSCK(VecCreateMPI(PETSC_COMM_WORLD, ms_test_rank == 0 ? 13 : 0, 13, &m2));
  MSCK(ms_test_vec_fill(m, 4));
  MSCK(ms_test_vec_fill(m2, 4));
  MSCK(MSMetaDpred(meta, m, d));
  MSCK(MSMetaDpred(meta, m2, d2));
  MSCK(ms_test_vec_rel_diff(d2, d, &rel));
  ck_assert(rel == 0.0);
  MSCK(VecDestroy(&m));
  MSCK(VecDestroy(&m2));
  MSCK(VecDestroy(&d));
  MSCK(VecDestroy(&d2));
  MSCK(MSMetaDestroy(&meta));
}
END_TEST

Suite *ms_test_suite(void)
{
  Suite *s  = suite_create("MSMeta");
  TCase *tc = tcase_create("meta");

  tcase_add_test(tc, every_kind_against_dense);
  tcase_add_test(tc, factory_builds_only_owned);
  tcase_add_test(tc, reproducible_bitwise);
  tcase_add_test(tc, default_matches_reproducible);
  tcase_add_test(tc, fields_reused_across_operations);
  tcase_add_test(tc, adjoint_taylor_misfit);
  tcase_add_test(tc, jacobian_shell_lsqr);
  tcase_add_test(tc, collective_failure);
  tcase_add_test(tc, setup_rejects);
  tcase_add_test(tc, any_model_layout);
  tcase_add_test(tc, unrestrictable_map_fails_everywhere);
  suite_add_tcase(s, tc);
  return s;
}
