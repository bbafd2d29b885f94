/* MSSim: linear (dense, sparse, parallel) and shell simulations against direct computations. */
#include <math.h>
#include "mstest.h"

/* G[i][j] = cos(i + 2j) / (1 + j), n_data x n_model, as a dense or AIJ Mat on comm. */
static PetscErrorCode CreateG(MPI_Comm comm, PetscBool sparse, PetscInt n_data, PetscInt n_model, Mat *G)
{
  PetscInt lo, hi;

  PetscFunctionBegin;
  PetscCall(MatCreate(comm, G));
  PetscCall(MatSetSizes(*G, PETSC_DECIDE, PETSC_DECIDE, n_data, n_model));
  PetscCall(MatSetType(*G, sparse ? MATAIJ : MATDENSE));
  PetscCall(MatSetUp(*G));
  PetscCall(MatGetOwnershipRange(*G, &lo, &hi));
  for (PetscInt i = lo; i < hi; i++)
    for (PetscInt j = 0; j < n_model; j++)
      if (!sparse || (i + j) % 3 == 0) PetscCall(MatSetValue(*G, i, j, cos((double)(i + 2 * j)) / (1.0 + j), INSERT_VALUES));
  PetscCall(MatAssemblyBegin(*G, MAT_FINAL_ASSEMBLY));
  PetscCall(MatAssemblyEnd(*G, MAT_FINAL_ASSEMBLY));
  PetscFunctionReturn(0);
}

static PetscErrorCode CreateLinear(MPI_Comm comm, PetscBool sparse, MSSim *sim, Mat *G)
{
  PetscFunctionBegin;
  PetscCall(CreateG(comm, sparse, 7, 5, G));
  PetscCall(MSSimCreate(comm, sim));
  PetscCall(MSSimSetType(*sim, MSSIMLINEAR));
  PetscCall(MSSimLinearSetOperator(*sim, *G));
  PetscCall(MSSimSetUp(*sim));
  PetscFunctionReturn(0);
}

/* Checks every operation of a linear simulation against the Mat it wraps. */
static void check_linear(MPI_Comm comm, PetscBool sparse)
{
  MSSim           sim;
  Mat             G;
  Vec             m, v, d, ref, jtw, w, W, diag, refdiag, col;
  MSAdjointReport adj;
  MSTaylorReport  tay;
  PetscReal       rel;
  PetscInt        lo, hi;

  MSCK(CreateLinear(comm, sparse, &sim, &G));
  MSCK(MSSimCreateVecs(sim, &m, &d));
  MSCK(VecDuplicate(m, &v));
  MSCK(VecDuplicate(m, &jtw));
  MSCK(VecDuplicate(d, &w));
  MSCK(VecDuplicate(d, &ref));
  MSCK(ms_test_vec_fill(m, 1));
  MSCK(ms_test_vec_fill(v, 2));
  MSCK(ms_test_vec_fill(w, 3));

  MSCK(MSSimDpred(sim, m, d));
  MSCK(MatMult(G, m, ref));
  MSCK(ms_test_vec_rel_diff(d, ref, &rel));
  ck_assert(rel <= 1e-15);
  MSCK(MSSimJvec(sim, m, v, d));
  MSCK(MatMult(G, v, ref));
  MSCK(ms_test_vec_rel_diff(d, ref, &rel));
  ck_assert(rel <= 1e-15);
  MSCK(MSSimJtvec(sim, m, w, jtw));
  MSCK(VecDuplicate(m, &col));
  MSCK(MatMultTranspose(G, w, col));
  MSCK(ms_test_vec_rel_diff(jtw, col, &rel));
  ck_assert(rel <= 1e-15);

  /* JtJ diagonal with weights W: sum_r W_r^2 G_rj^2, from columns G e_j */
  MSCK(VecDuplicate(d, &W));
  MSCK(ms_test_vec_fill(W, 4));
  MSCK(VecDuplicate(m, &diag));
  MSCK(VecDuplicate(m, &refdiag));
  MSCK(MSSimGetJtJDiagonal(sim, m, W, diag));
  MSCK(VecGetOwnershipRange(refdiag, &lo, &hi));
  for (PetscInt j = 0; j < 5; j++) {
    PetscReal s;

    MSCK(VecSet(v, 0.0));
    if (j >= lo && j < hi) MSCK(VecSetValue(v, j, 1.0, INSERT_VALUES));
    MSCK(VecAssemblyBegin(v));
    MSCK(VecAssemblyEnd(v));
    MSCK(MatMult(G, v, ref));
    MSCK(VecPointwiseMult(ref, ref, W));
    MSCK(VecNorm(ref, NORM_2, &s));
    if (j >= lo && j < hi) MSCK(VecSetValue(refdiag, j, s * s, INSERT_VALUES));
  }
  MSCK(VecAssemblyBegin(refdiag));
  MSCK(VecAssemblyEnd(refdiag));
  MSCK(ms_test_vec_rel_diff(diag, refdiag, &rel));
  ck_assert_msg(rel <= 1e-14, "weighted JtJ diagonal off by %g", (double)rel);

  MSCK(MSSimCheckAdjoint(sim, m, NULL, &adj));
  ck_assert_msg(adj.passed, "adjoint test: %g", (double)adj.rel_error);
  MSCK(MSSimCheckTaylor(sim, m, NULL, &tay));
  ck_assert(tay.passed && tay.linear);

  MSCK(VecDestroy(&m));
  MSCK(VecDestroy(&v));
  MSCK(VecDestroy(&d));
  MSCK(VecDestroy(&ref));
  MSCK(VecDestroy(&jtw));
  MSCK(VecDestroy(&w));
  MSCK(VecDestroy(&W));
  MSCK(VecDestroy(&diag));
  MSCK(VecDestroy(&refdiag));
  MSCK(VecDestroy(&col));
  MSCK(MatDestroy(&G));
  MSCK(MSSimDestroy(&sim));
  ck_assert_ptr_null(sim);
}

START_TEST(linear_dense_self)
{
  check_linear(PETSC_COMM_SELF, PETSC_FALSE);
}
END_TEST

START_TEST(linear_sparse_self)
{
  check_linear(PETSC_COMM_SELF, PETSC_TRUE);
}
END_TEST

START_TEST(linear_dense_parallel)
{
  check_linear(PETSC_COMM_WORLD, PETSC_FALSE);
}
END_TEST

START_TEST(linear_sparse_parallel)
{
  check_linear(PETSC_COMM_WORLD, PETSC_TRUE);
}
END_TEST

/* A simulation on a group of k consecutive ranks (k = 1, 2, 3; the last group may be smaller), as
   MSMeta builds it: every operation, adjoint and Taylor tests on the group's communicator. */
START_TEST(linear_on_groups)
{
  for (PetscMPIInt k = 1; k <= 3; k++) {
    MPI_Comm    group;
    PetscMPIInt gsize;

    MSCK(MPI_Comm_split(PETSC_COMM_WORLD, ms_test_rank / k, ms_test_rank, &group));
    MSCK(MPI_Comm_size(group, &gsize));
    ck_assert_int_eq(gsize, PetscMin(k, ms_test_size - (ms_test_rank / k) * k));
    check_linear(group, PETSC_FALSE);
    check_linear(group, PETSC_TRUE);
    MSCK(MPI_Comm_free(&group));
  }
}
END_TEST

/* G on the simulation's ranks but not in the layout of MSSimCreateVecs(), or on other ranks:
   set-up fails on every rank with one message. */
START_TEST(linear_bad_layout)
{
  MSSim sim;
  Mat   G;

  MSCK(MatCreateDense(PETSC_COMM_WORLD, ms_test_rank == 0 ? 7 : 0, PETSC_DECIDE, 7, 5, NULL, &G));
  MSCK(MatAssemblyBegin(G, MAT_FINAL_ASSEMBLY));
  MSCK(MatAssemblyEnd(G, MAT_FINAL_ASSEMBLY));
  MSCK(MSSimCreate(PETSC_COMM_WORLD, &sim));
  MSCK(MSSimSetType(sim, MSSIMLINEAR));
  MSCK(MSSimLinearSetOperator(sim, G));
  if (ms_test_size > 1) MSCK_FAILS(MSSimSetUp(sim), PETSC_ERR_ARG_INCOMP);
  else MSCK(MSSimSetUp(sim)); /* one rank: every layout is the default */
  MSCK(MSSimDestroy(&sim));
  MSCK(MatDestroy(&G));
  if (ms_test_size > 1) {
    MSCK(MatCreateDense(PETSC_COMM_SELF, PETSC_DECIDE, PETSC_DECIDE, 7, 5, NULL, &G));
    MSCK(MatAssemblyBegin(G, MAT_FINAL_ASSEMBLY));
    MSCK(MatAssemblyEnd(G, MAT_FINAL_ASSEMBLY));
    MSCK(MSSimCreate(PETSC_COMM_WORLD, &sim));
    MSCK(MSSimSetType(sim, MSSIMLINEAR));
    MSCK(MSSimLinearSetOperator(sim, G));
    MSCK_FAILS(MSSimSetUp(sim), PETSC_ERR_ARG_INCOMP);
    MSCK(MSSimDestroy(&sim));
    MSCK(MatDestroy(&G));
  }
}
END_TEST

/* Fields are computed once per model state: the same Vec reuses them, any change recomputes. */
START_TEST(fields_cached_by_state)
{
  MSSim    sim;
  Mat      G;
  Vec      m, m2, d, v;
  PetscInt n;

  MSCK(CreateLinear(PETSC_COMM_SELF, PETSC_FALSE, &sim, &G));
  MSCK(MSSimCreateVecs(sim, &m, &d));
  MSCK(VecDuplicate(m, &v));
  MSCK(VecDuplicate(m, &m2));
  MSCK(VecSet(m, 1.0));
  MSCK(VecSet(v, 1.0));
  MSCK(MSSimDpred(sim, m, d));
  MSCK(MSSimJvec(sim, m, v, d));
  MSCK(MSSimDpred(sim, m, d));
  MSCK(MSSimGetNumFieldsComputed(sim, &n));
  ck_assert_int_eq(n, 1);
  MSCK(VecSetValue(m, 0, 1.0 + 1e-15, INSERT_VALUES)); /* however small the change */
  MSCK(VecAssemblyBegin(m));
  MSCK(VecAssemblyEnd(m));
  MSCK(MSSimDpred(sim, m, d));
  MSCK(MSSimGetNumFieldsComputed(sim, &n));
  ck_assert_int_eq(n, 2);
  MSCK(VecCopy(m, m2)); /* same values, another Vec */
  MSCK(MSSimDpred(sim, m2, d));
  MSCK(MSSimGetNumFieldsComputed(sim, &n));
  ck_assert_int_eq(n, 3);
  MSCK(VecDestroy(&m));
  MSCK(VecDestroy(&m2));
  MSCK(VecDestroy(&d));
  MSCK(VecDestroy(&v));
  MSCK(MatDestroy(&G));
  MSCK(MSSimDestroy(&sim));
}
END_TEST

START_TEST(bad_input)
{
  MSSim       sim, empty;
  Mat         G;
  Vec         m, d, short_m;
  PetscScalar nan = NAN;
  PetscInt    zero = 0;

  MSCK(MSSimCreate(PETSC_COMM_SELF, &empty));
  MSCK_FAILS(MSSimSetType(empty, "no-such-type"), PETSC_ERR_ARG_UNKNOWN_TYPE);
  MSCK_FAILS(MSSimSetUp(empty), PETSC_ERR_ORDER);
  MSCK(MSSimSetType(empty, MSSIMLINEAR));
  MSCK_FAILS(MSSimSetUp(empty), PETSC_ERR_ARG_WRONGSTATE); /* no operator */
  MSCK(VecCreateSeq(PETSC_COMM_SELF, 5, &m));
  MSCK(VecCreateSeq(PETSC_COMM_SELF, 7, &d));
  MSCK_FAILS(MSSimDpred(empty, m, d), PETSC_ERR_ORDER); /* before set-up */
  MSCK_FAILS(MSSimShellSetDpred(empty, NULL), PETSC_ERR_ARG_WRONG); /* wrong type */
  MSCK_FAILS(MSSimSetSizes(empty, 0, 3), PETSC_ERR_ARG_OUTOFRANGE);

  MSCK(CreateLinear(PETSC_COMM_SELF, PETSC_FALSE, &sim, &G));
  MSCK(VecCreateSeq(PETSC_COMM_SELF, 4, &short_m));
  MSCK_FAILS(MSSimDpred(sim, short_m, d), PETSC_ERR_ARG_SIZ);
  MSCK_FAILS(MSSimDpred(sim, m, short_m), PETSC_ERR_ARG_SIZ);
  MSCK_FAILS(MSSimJtvec(sim, m, short_m, m), PETSC_ERR_ARG_SIZ);
  MSCK(VecSet(m, 1.0));
  MSCK(VecSetValue(m, 3, nan, INSERT_VALUES));
  MSCK(VecAssemblyBegin(m));
  MSCK(VecAssemblyEnd(m));
  MSCK_FAILS(MSSimDpred(sim, m, d), PETSC_ERR_FP);
  MSCK_FAILS(MSSimDpred(sim, m, d), PETSC_ERR_FP); /* a failed model is never cached */
  MSCK(VecSetValue(m, 3, 0.0, INSERT_VALUES));
  MSCK(VecAssemblyBegin(m));
  MSCK(VecAssemblyEnd(m));
  MSCK(MSSimDpred(sim, m, d));
  MSCK(VecGetValues(d, 1, &zero, &nan));
  ck_assert(isfinite(nan));

  MSCK(VecDestroy(&m));
  MSCK(VecDestroy(&d));
  MSCK(VecDestroy(&short_m));
  MSCK(MatDestroy(&G));
  MSCK(MSSimDestroy(&sim));
  MSCK(MSSimDestroy(&empty));
}
END_TEST

/* A nonlinear shell simulation: d_i = exp(a_i . m) with a_ij = (i + 1) / (j + 2) / 10. */
typedef struct {
  PetscInt n_model, n_data;
  PetscInt fail_dpred;
} ShellCtx;

static PetscReal A(PetscInt i, PetscInt j)
{
  return (i + 1.0) / (j + 2.0) / 10.0;
}

static PetscErrorCode ShellDpred(MSSim sim, Vec m, Vec d)
{
  ShellCtx          *ctx;
  const PetscScalar *x;
  PetscScalar       *y;

  PetscFunctionBegin;
  PetscCall(MSSimShellGetContext(sim, &ctx));
  PetscCheck(!ctx->fail_dpred, PETSC_COMM_SELF, PETSC_ERR_NOT_CONVERGED, "the user's solver diverged");
  PetscCall(VecGetArrayRead(m, &x));
  PetscCall(VecGetArrayWrite(d, &y));
  for (PetscInt i = 0; i < ctx->n_data; i++) {
    PetscScalar s = 0;
    for (PetscInt j = 0; j < ctx->n_model; j++) s += A(i, j) * x[j];
    y[i] = PetscExpScalar(s);
  }
  PetscCall(VecRestoreArrayRead(m, &x));
  PetscCall(VecRestoreArrayWrite(d, &y));
  PetscFunctionReturn(0);
}

/* J = diag(d) A */
static PetscErrorCode ShellProduct(MSSim sim, Vec m, Vec x, Vec y, PetscBool transpose)
{
  ShellCtx          *ctx;
  Vec                d;
  const PetscScalar *dv, *xv;
  PetscScalar       *yv;

  PetscFunctionBegin;
  PetscCall(MSSimShellGetContext(sim, &ctx));
  PetscCall(VecCreateSeq(PETSC_COMM_SELF, ctx->n_data, &d));
  PetscCall(ShellDpred(sim, m, d));
  PetscCall(VecGetArrayRead(d, &dv));
  PetscCall(VecGetArrayRead(x, &xv));
  PetscCall(VecSet(y, 0.0));
  PetscCall(VecGetArray(y, &yv));
  for (PetscInt i = 0; i < ctx->n_data; i++)
    for (PetscInt j = 0; j < ctx->n_model; j++) {
      if (transpose) yv[j] += dv[i] * A(i, j) * xv[i];
      else yv[i] += dv[i] * A(i, j) * xv[j];
    }
  PetscCall(VecRestoreArray(y, &yv));
  PetscCall(VecRestoreArrayRead(x, &xv));
  PetscCall(VecRestoreArrayRead(d, &dv));
  PetscCall(VecDestroy(&d));
  PetscFunctionReturn(0);
}

static PetscErrorCode ShellJvec(MSSim sim, Vec m, Vec v, Vec jv)
{
  return ShellProduct(sim, m, v, jv, PETSC_FALSE);
}

static PetscErrorCode ShellJtvec(MSSim sim, Vec m, Vec w, Vec jtw)
{
  return ShellProduct(sim, m, w, jtw, PETSC_TRUE);
}

START_TEST(shell_nonlinear)
{
  ShellCtx          ctx = {6, 4, 0};
  MSSim             sim;
  Vec               m, d, diag, W;
  MSAdjointReport   adj;
  MSTaylorReport    tay;
  const PetscScalar *dv, *mv, *wv;
  PetscScalar       *diagv;

  MSCK(MSSimCreate(PETSC_COMM_SELF, &sim));
  MSCK(MSSimSetType(sim, MSSIMSHELL));
  MSCK(MSSimSetSizes(sim, ctx.n_model, ctx.n_data));
  MSCK(MSSimShellSetContext(sim, &ctx));
  MSCK(MSSimShellSetDpred(sim, ShellDpred));
  MSCK_FAILS(MSSimSetUp(sim), PETSC_ERR_ARG_WRONGSTATE); /* jvec, jtvec missing */
  MSCK(MSSimShellSetJvec(sim, ShellJvec));
  MSCK(MSSimShellSetJtvec(sim, ShellJtvec));
  MSCK(MSSimSetUp(sim));
  MSCK(MSSimCreateVecs(sim, &m, &d));
  MSCK(ms_test_vec_fill(m, 5));
  MSCK(MSSimCheckAdjoint(sim, m, NULL, &adj));
  ck_assert_msg(adj.passed, "adjoint %g", (double)adj.rel_error);
  MSCK(MSSimCheckTaylor(sim, m, NULL, &tay));
  ck_assert_msg(tay.passed && !tay.linear && fabs(tay.order - 2.0) < 0.2, "Taylor order %g", (double)tay.order);

  /* default JtJ diagonal (adjoint probing) against sum_i W_i^2 d_i^2 A_ij^2 */
  MSCK(VecDuplicate(m, &diag));
  MSCK(VecDuplicate(d, &W));
  MSCK(ms_test_vec_fill(W, 6));
  MSCK(MSSimGetJtJDiagonal(sim, m, W, diag));
  MSCK(MSSimDpred(sim, m, d));
  MSCK(VecGetArrayRead(d, &dv));
  MSCK(VecGetArrayRead(m, &mv));
  MSCK(VecGetArrayRead(W, &wv));
  MSCK(VecGetArray(diag, &diagv));
  for (PetscInt j = 0; j < ctx.n_model; j++) {
    PetscReal s = 0;
    for (PetscInt i = 0; i < ctx.n_data; i++) s += wv[i] * wv[i] * dv[i] * dv[i] * A(i, j) * A(i, j);
    MSCK_REL_CLOSE(diagv[j], s, 1e-14);
  }
  MSCK(VecRestoreArray(diag, &diagv));
  MSCK(VecRestoreArrayRead(W, &wv));
  MSCK(VecRestoreArrayRead(m, &mv));
  MSCK(VecRestoreArrayRead(d, &dv));

  /* a callback's error reaches the caller */
  ctx.fail_dpred = 1;
  MSCK(VecShift(m, 1.0));
  MSCK_FAILS(MSSimDpred(sim, m, d), PETSC_ERR_NOT_CONVERGED);

  MSCK(VecDestroy(&m));
  MSCK(VecDestroy(&d));
  MSCK(VecDestroy(&diag));
  MSCK(VecDestroy(&W));
  MSCK(MSSimDestroy(&sim));
}
END_TEST

START_TEST(options_and_view)
{
  MSSim       sim;
  MSSimType   type;
  PetscViewer viewer;

  MSCK(PetscOptionsSetValue(NULL, "-t1_sim_type", "shell"));
  MSCK(MSSimCreate(PETSC_COMM_SELF, &sim));
  MSCK(MSSimSetOptionsPrefix(sim, "t1_"));
  MSCK(MSSimSetFromOptions(sim));
  MSCK(MSSimGetType(sim, &type));
  ck_assert_str_eq(type, MSSIMSHELL);
  MSCK(PetscViewerASCIIOpen(PETSC_COMM_SELF, "/dev/null", &viewer));
  MSCK(MSSimView(sim, viewer));
  MSCK(PetscViewerDestroy(&viewer));
  MSCK(MSSimDestroy(&sim));
  MSCK(PetscOptionsClearValue(NULL, "-t1_sim_type"));
}
END_TEST

Suite *ms_test_suite(void)
{
  Suite *s  = suite_create("MSSim");
  TCase *tc = tcase_create("sim");

  tcase_add_test(tc, linear_dense_self);
  tcase_add_test(tc, linear_sparse_self);
  tcase_add_test(tc, linear_dense_parallel);
  tcase_add_test(tc, linear_sparse_parallel);
  tcase_add_test(tc, linear_on_groups);
  tcase_add_test(tc, linear_bad_layout);
  tcase_add_test(tc, fields_cached_by_state);
  tcase_add_test(tc, bad_input);
  tcase_add_test(tc, shell_nonlinear);
  tcase_add_test(tc, options_and_view);
  suite_add_tcase(s, tc);
  return s;
}
