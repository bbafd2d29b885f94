/* The derivative checks themselves: they pass on right derivatives and fail on wrong ones. */
#include <math.h>
#include "mstest.h"

/* f(m)_i = sin(m_i) + m_{i+1}^2 (cyclic); jscale scales J v, tbroken breaks J^T. */
typedef struct {
  PetscReal jscale;
  PetscBool tbroken;
} Fn;

static PetscErrorCode FApply(void *ctx, Vec m, Vec out)
{
  const PetscScalar *x;
  PetscScalar       *y;
  PetscInt           n;

  PetscFunctionBegin;
  PetscCall(VecGetSize(m, &n));
  PetscCall(VecGetArrayRead(m, &x));
  PetscCall(VecGetArray(out, &y));
  for (PetscInt i = 0; i < n; i++) y[i] = PetscSinScalar(x[i]) + x[(i + 1) % n] * x[(i + 1) % n];
  PetscCall(VecRestoreArray(out, &y));
  PetscCall(VecRestoreArrayRead(m, &x));
  PetscFunctionReturn(0);
}

static PetscErrorCode FJvec(void *ctx, Vec m, Vec v, Vec out)
{
  Fn                *fn = (Fn *)ctx;
  const PetscScalar *x, *dv;
  PetscScalar       *y;
  PetscInt           n;

  PetscFunctionBegin;
  PetscCall(VecGetSize(m, &n));
  PetscCall(VecGetArrayRead(m, &x));
  PetscCall(VecGetArrayRead(v, &dv));
  PetscCall(VecGetArray(out, &y));
  for (PetscInt i = 0; i < n; i++) y[i] = fn->jscale * (PetscCosScalar(x[i]) * dv[i] + 2 * x[(i + 1) % n] * dv[(i + 1) % n]);
  PetscCall(VecRestoreArray(out, &y));
  PetscCall(VecRestoreArrayRead(v, &dv));
  PetscCall(VecRestoreArrayRead(m, &x));
  PetscFunctionReturn(0);
}

static PetscErrorCode FJtvec(void *ctx, Vec m, Vec w, Vec out)
{
  Fn                *fn = (Fn *)ctx;
  const PetscScalar *x, *wv;
  PetscScalar       *y;
  PetscInt           n;

  PetscFunctionBegin;
  PetscCall(VecGetSize(m, &n));
  PetscCall(VecGetArrayRead(m, &x));
  PetscCall(VecGetArrayRead(w, &wv));
  PetscCall(VecGetArray(out, &y));
  for (PetscInt j = 0; j < n; j++) {
    PetscInt i = (j + n - 1) % n; /* row whose second term reads j */
    y[j]       = fn->jscale * (PetscCosScalar(x[j]) * wv[j] + 2 * x[j] * wv[fn->tbroken ? j : i]);
  }
  PetscCall(VecRestoreArray(out, &y));
  PetscCall(VecRestoreArrayRead(w, &wv));
  PetscCall(VecRestoreArrayRead(m, &x));
  PetscFunctionReturn(0);
}

static void run(Fn *fn, MSAdjointReport *adj, MSTaylorReport *tay)
{
  MSOperator op = {FApply, FJvec, FJtvec, fn, NULL, NULL};

  MSCK(VecCreateSeq(PETSC_COMM_SELF, 9, &op.model));
  MSCK(VecCreateSeq(PETSC_COMM_SELF, 9, &op.output));
  MSCK(MSCheckAdjoint(&op, NULL, NULL, 0.0, adj));
  MSCK(MSCheckTaylor(&op, NULL, NULL, 0.0, 0, tay));
  MSCK(VecDestroy(&op.model));
  MSCK(VecDestroy(&op.output));
}

START_TEST(right_derivative_passes)
{
  Fn              fn = {1.0, PETSC_FALSE};
  MSAdjointReport adj;
  MSTaylorReport  tay;

  run(&fn, &adj, &tay);
  ck_assert_msg(adj.passed && adj.rel_error < 1e-14, "adjoint %g", (double)adj.rel_error);
  ck_assert_msg(tay.passed && !tay.linear && fabs(tay.order - 2.0) < 0.1, "order %g", (double)tay.order);
  for (PetscInt k = 0; k + 1 < tay.nsteps; k++) ck_assert(tay.err0[k + 1] < tay.err0[k]);
}
END_TEST

START_TEST(wrong_derivative_fails)
{
  Fn              fn = {1.01, PETSC_FALSE};
  MSAdjointReport adj;
  MSTaylorReport  tay;

  run(&fn, &adj, &tay);
  ck_assert(adj.passed); /* J and J^T are still consistent */
  ck_assert_msg(!tay.passed && fabs(tay.order - 1.0) < 0.2, "order %g", (double)tay.order);
}
END_TEST

START_TEST(wrong_adjoint_fails)
{
  Fn              fn = {1.0, PETSC_TRUE};
  MSAdjointReport adj;
  MSTaylorReport  tay;

  run(&fn, &adj, &tay);
  ck_assert(!adj.passed && adj.rel_error > 1e-3);
  ck_assert(tay.passed);
}
END_TEST

START_TEST(bad_step_count)
{
  Fn             fn = {1.0, PETSC_FALSE};
  MSOperator     op = {FApply, FJvec, FJtvec, &fn, NULL, NULL};
  MSTaylorReport tay;

  MSCK(VecCreateSeq(PETSC_COMM_SELF, 3, &op.model));
  MSCK(VecCreateSeq(PETSC_COMM_SELF, 3, &op.output));
  MSCK_FAILS(MSCheckTaylor(&op, NULL, NULL, 0.0, MS_TAYLOR_MAX_STEPS + 1, &tay), PETSC_ERR_ARG_OUTOFRANGE);
  MSCK(VecDestroy(&op.model));
  MSCK(VecDestroy(&op.output));
}
END_TEST

Suite *ms_test_suite(void)
{
  Suite *s  = suite_create("MSCheck");
  TCase *tc = tcase_create("check");

  tcase_add_test(tc, right_derivative_passes);
  tcase_add_test(tc, wrong_derivative_fails);
  tcase_add_test(tc, wrong_adjoint_fails);
  tcase_add_test(tc, bad_step_count);
  suite_add_tcase(s, tc);
  return s;
}
