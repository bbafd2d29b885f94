/* The inversion library (apps/inversion): the regularization operator's values and adjoint, the
   objective's gradient (Taylor test), the Gauss-Newton shell against J^T W^2 J + beta R^T R, and
   the problem file's mesh (/mesh/shape) written and read back. */
#include <math.h>
#include <unistd.h>
#include "mstest.h"
#include "meta_problem.h"
#include "inversion.h"

/* R as an MSOperator: apply and jvec are R v, jtvec is R^T w. */
static PetscErrorCode RApply(void *ctx, Vec m, Vec out)
{
  PetscFunctionBegin;
  PetscCall(MatMult((Mat)ctx, m, out));
  PetscFunctionReturn(0);
}

static PetscErrorCode RJvec(void *ctx, Vec m, Vec v, Vec out)
{
  PetscFunctionBegin;
  PetscCall(MatMult((Mat)ctx, v, out));
  PetscFunctionReturn(0);
}

static PetscErrorCode RJtvec(void *ctx, Vec m, Vec w, Vec out)
{
  PetscFunctionBegin;
  PetscCall(MatMultTranspose((Mat)ctx, w, out));
  PetscFunctionReturn(0);
}

/* 1/2 ||R m||^2 for m_c = i + 10 j + 100 k on a 5 x 3 x 2 mesh is
   alpha_s/2 sum m^2 + alpha_x/2 (4 3 2) 1 + alpha_y/2 (5 2 2) 10^2 + alpha_z/2 (5 3 1) 100^2. */
START_TEST(regularization_values)
{
  PetscInt  shape[3] = {5, 3, 2}, lo, hi;
  PetscReal alpha[3] = {4.0, 0.5, 0.25}, alpha_s = 0.125, sum2 = 0.0, norm, expect;
  Vec       m, r;
  Mat       R;

  MSCK(VecCreateMPI(PETSC_COMM_WORLD, PETSC_DECIDE, 30, &m));
  MSCK(VecGetOwnershipRange(m, &lo, &hi));
  for (PetscInt c = 0; c < 30; c++) {
    PetscReal v = (PetscReal)(c % 5 + 10 * ((c / 5) % 3) + 100 * (c / 15));

    sum2 += v * v;
    if (c >= lo && c < hi) MSCK(VecSetValue(m, c, v, INSERT_VALUES));
  }
  MSCK(VecAssemblyBegin(m));
  MSCK(VecAssemblyEnd(m));
  MSCK(InversionRegularizationCreate(m, 3, shape, alpha_s, alpha, &R));
  MSCK(MatCreateVecs(R, NULL, &r));
  MSCK(MatMult(R, m, r));
  MSCK(VecNorm(r, NORM_2, &norm));
  expect = alpha_s * sum2 + alpha[0] * 24 + alpha[1] * 20 * 100 + alpha[2] * 15 * 10000;
  MSCK_REL_CLOSE(norm * norm, expect, 1e-13);
  MSCK(MatGetSize(R, &lo, NULL));
  ck_assert_int_eq(lo, 30 + 24 + 20 + 15);
  MSCK(VecDestroy(&r));
  MSCK(MatDestroy(&R));
  MSCK(VecDestroy(&m));
}
END_TEST

START_TEST(regularization_adjoint)
{
  PetscInt        shape[2] = {7, 4};
  PetscReal       alpha[2] = {2.0, 3.0};
  MSAdjointReport adj;
  MSOperator      op = {RApply, RJvec, RJtvec, NULL, NULL, NULL};
  Mat             R;

  MSCK(VecCreateMPI(PETSC_COMM_WORLD, PETSC_DECIDE, 28, &op.model));
  MSCK(InversionRegularizationCreate(op.model, 2, shape, 0.5, alpha, &R));
  MSCK(MatCreateVecs(R, NULL, &op.output));
  op.ctx = R;
  MSCK(MSCheckAdjoint(&op, NULL, NULL, 0.0, &adj));
  ck_assert_msg(adj.passed, "R adjoint: relative error %g", (double)adj.rel_error);
  MSCK(VecDestroy(&op.output));
  MSCK(VecDestroy(&op.model));
  MSCK(MatDestroy(&R));
}
END_TEST

START_TEST(regularization_bad_input)
{
  PetscInt  shape[2] = {7, 5}, one[1] = {28};
  PetscReal alpha[2] = {1.0, 1.0}, zero[1] = {0.0}, negative[2] = {1.0, -1.0};
  Vec       m;
  Mat       R = NULL;

  MSCK(VecCreateMPI(PETSC_COMM_WORLD, PETSC_DECIDE, 28, &m));
  MSCK_FAILS(InversionRegularizationCreate(m, 2, shape, 1.0, alpha, &R), PETSC_ERR_ARG_SIZ);
  shape[1] = 4;
  MSCK_FAILS(InversionRegularizationCreate(m, 2, shape, 1.0, negative, &R), PETSC_ERR_ARG_OUTOFRANGE);
  MSCK_FAILS(InversionRegularizationCreate(m, 1, one, 0.0, zero, &R), PETSC_ERR_ARG_OUTOFRANGE);
  MSCK_FAILS(InversionRegularizationCreate(m, 4, shape, 1.0, alpha, &R), PETSC_ERR_ARG_OUTOFRANGE);
  ck_assert_ptr_null(R);
  MSCK(VecDestroy(&m));
}
END_TEST

/* The objective phi(m) as an operator onto a 1-entry vector held by rank 0, for MSCheckTaylor(). */
typedef struct {
  InversionObjective *obj;
  Vec                 g;
} ObjectiveOp;

static PetscErrorCode ObjSet(Vec out, PetscReal value)
{
  PetscInt lo, hi;

  PetscFunctionBegin;
  PetscCall(VecGetOwnershipRange(out, &lo, &hi));
  if (lo < hi) PetscCall(VecSetValue(out, 0, value, INSERT_VALUES));
  PetscCall(VecAssemblyBegin(out));
  PetscCall(VecAssemblyEnd(out));
  PetscFunctionReturn(0);
}

static PetscErrorCode ObjApply(void *ctx, Vec m, Vec out)
{
  ObjectiveOp *op = (ObjectiveOp *)ctx;
  PetscReal    f;

  PetscFunctionBegin;
  PetscCall(InversionObjectiveGradient(NULL, m, &f, op->g, op->obj));
  PetscCall(ObjSet(out, f));
  PetscFunctionReturn(0);
}

static PetscErrorCode ObjJvec(void *ctx, Vec m, Vec v, Vec out)
{
  ObjectiveOp *op = (ObjectiveOp *)ctx;
  PetscReal    f;
  PetscScalar  gv;

  PetscFunctionBegin;
  PetscCall(InversionObjectiveGradient(NULL, m, &f, op->g, op->obj));
  PetscCall(VecDot(op->g, v, &gv));
  PetscCall(ObjSet(out, PetscRealPart(gv)));
  PetscFunctionReturn(0);
}

/* A stack meta problem with data d_obs = d(m_obs) + 0.1, W = 1 + index / 10, m_ref = 0.3. */
static void objective_setup(MetaProblem *p, MSMeta *meta, Vec *m, Vec *d_obs, Vec *W, Vec *m_ref)
{
  MSCK(mp_create_meta(PETSC_COMM_WORLD, p, PETSC_FALSE, meta));
  MSCK(MSMetaSetUp(*meta));
  MSCK(MSMetaCreateVecs(*meta, m, d_obs));
  MSCK(VecDuplicate(*d_obs, W));
  MSCK(VecDuplicate(*m, m_ref));
  MSCK(ms_test_vec_fill(*m, 3));
  MSCK(MSMetaDpred(*meta, *m, *d_obs));
  MSCK(VecShift(*d_obs, 0.1));
  MSCK(ms_test_vec_fill(*W, 5));
  MSCK(VecAbs(*W));
  MSCK(VecShift(*W, 0.5));
  MSCK(VecSet(*m_ref, 0.3));
  MSCK(ms_test_vec_fill(*m, 4));
}

START_TEST(objective_taylor)
{
  MetaProblem        p = {MS_META_STACK, 5, 12, PETSC_FALSE, 0};
  PetscInt           shape[2] = {4, 3};
  PetscReal          alpha[2] = {2.0, 0.5};
  MSMeta             meta;
  Vec                m, d_obs, W, m_ref;
  Mat                R;
  InversionObjective obj;
  ObjectiveOp        ctx;
  MSOperator         op = {ObjApply, ObjJvec, NULL, &ctx, NULL, NULL};
  MSTaylorReport     tay;
  PetscMPIInt        rank;

  objective_setup(&p, &meta, &m, &d_obs, &W, &m_ref);
  MSCK(InversionRegularizationCreate(m, 2, shape, 0.25, alpha, &R));
  MSCK(InversionObjectiveCreate(meta, d_obs, W, m_ref, R, 0.7, &obj));
  MSCK(MatDestroy(&R));
  ctx.obj = &obj;
  MSCK(VecDuplicate(m, &ctx.g));
  MSCK(MPI_Comm_rank(PETSC_COMM_WORLD, &rank));
  MSCK(VecCreateMPI(PETSC_COMM_WORLD, rank ? 0 : 1, 1, &op.output));
  op.model = m;
  MSCK(MSCheckTaylor(&op, m, NULL, 0.0, 0, &tay));
  ck_assert_msg(tay.passed && !tay.linear, "objective Taylor test: order %g", (double)tay.order);
  MSCK(VecDestroy(&op.output));
  MSCK(VecDestroy(&ctx.g));
  MSCK(InversionObjectiveDestroy(&obj));
  MSCK(VecDestroy(&m));
  MSCK(VecDestroy(&d_obs));
  MSCK(VecDestroy(&W));
  MSCK(VecDestroy(&m_ref));
  MSCK(MSMetaDestroy(&meta));
}
END_TEST

/* On a linear problem the Gauss-Newton Hessian is the exact one: H v = g(m + v) - g(m), and its
   diagonal is e_j^T H e_j. */
START_TEST(hessian_exact_on_linear)
{
  MetaProblem        p = {MS_META_STACK, 5, 12, PETSC_FALSE, 0};
  PetscInt           shape[1] = {12};
  PetscReal          alpha[1] = {3.0}, f, rel;
  MSMeta             meta;
  Vec                m, d_obs, W, m_ref, v, mv, g0, g1, hv, diag, e;
  Mat                R, H;
  InversionObjective obj;

  objective_setup(&p, &meta, &m, &d_obs, &W, &m_ref);
  MSCK(InversionRegularizationCreate(m, 1, shape, 0.25, alpha, &R));
  MSCK(InversionObjectiveCreate(meta, d_obs, W, m_ref, R, 0.7, &obj));
  MSCK(MatDestroy(&R));
  MSCK(InversionHessianCreate(&obj, &H));
  MSCK(InversionHessianForm(NULL, m, H, H, NULL));
  MSCK(VecDuplicate(m, &v));
  MSCK(VecDuplicate(m, &mv));
  MSCK(VecDuplicate(m, &g0));
  MSCK(VecDuplicate(m, &g1));
  MSCK(VecDuplicate(m, &hv));
  MSCK(VecDuplicate(m, &diag));
  MSCK(VecDuplicate(m, &e));
  MSCK(ms_test_vec_fill(v, 9));
  MSCK(VecWAXPY(mv, 1.0, v, m));
  MSCK(InversionObjectiveGradient(NULL, m, &f, g0, &obj));
  MSCK(InversionObjectiveGradient(NULL, mv, &f, g1, &obj));
  MSCK(VecAXPY(g1, -1.0, g0));
  MSCK(MatMult(H, v, hv));
  MSCK(ms_test_vec_rel_diff(hv, g1, &rel));
  ck_assert_msg(rel < 1e-12, "H v against the gradient difference: %g", (double)rel);
  MSCK(MatGetDiagonal(H, diag));
  for (PetscInt j = 0; j < 12; j++) {
    PetscScalar ehe, dj = 0.0;
    PetscInt    lo, hi;

    MSCK(VecSet(e, 0.0));
    MSCK(VecGetOwnershipRange(e, &lo, &hi));
    if (j >= lo && j < hi) MSCK(VecSetValue(e, j, 1.0, INSERT_VALUES));
    MSCK(VecAssemblyBegin(e));
    MSCK(VecAssemblyEnd(e));
    MSCK(MatMult(H, e, hv));
    MSCK(VecDot(e, hv, &ehe));
    MSCK(VecDot(e, diag, &dj));
    MSCK_REL_CLOSE(PetscRealPart(dj), PetscRealPart(ehe), 1e-12);
  }
  MSCK(VecDestroy(&v));
  MSCK(VecDestroy(&mv));
  MSCK(VecDestroy(&g0));
  MSCK(VecDestroy(&g1));
  MSCK(VecDestroy(&hv));
  MSCK(VecDestroy(&diag));
  MSCK(VecDestroy(&e));
  MSCK(MatDestroy(&H));
  MSCK(InversionObjectiveDestroy(&obj));
  MSCK(VecDestroy(&m));
  MSCK(VecDestroy(&d_obs));
  MSCK(VecDestroy(&W));
  MSCK(VecDestroy(&m_ref));
  MSCK(MSMetaDestroy(&meta));
}
END_TEST

/* The problem writer's mesh is read back by MSProblemGetMesh(); a file without one has dim 0. */
START_TEST(mesh_round_trip)
{
  MetaProblem     p = {MS_META_STACK, 3, 12, PETSC_FALSE, 0};
  MSProblemWriter w;
  PetscInt        shape[2] = {4, 3}, bad[2] = {5, 3}, dim, got[MS_MESH_MAX_DIM];
  char            file[PETSC_MAX_PATH_LEN];
  PetscMPIInt     rank;
  int             stamp = (int)getpid();

  MSCK(MPI_Comm_rank(PETSC_COMM_WORLD, &rank));
  MSCK(MPI_Bcast(&stamp, 1, MPI_INT, 0, PETSC_COMM_WORLD));
  for (int with_mesh = 0; with_mesh < 2; with_mesh++) {
    MSCK(PetscSNPrintf(file, sizeof(file), "test_inversion_mesh_%d_%d.h5", stamp, with_mesh));
    MSCK(MSProblemWriterCreate(PETSC_COMM_WORLD, file, MS_META_STACK, p.n_sims, p.n_model, &w));
    for (PetscInt i = rank; i < p.n_sims; i += ms_test_size) {
      MSMapSpec step = {MSMAPIDENTITY, p.n_model, p.n_model, NULL, NULL, NULL, 0.0, 0, NULL};
      Mat       G;

      MSCK(MatCreateSeqDense(PETSC_COMM_SELF, 2, p.n_model, NULL, &G));
      MSCK(MatZeroEntries(G));
      MSCK(MatShift(G, 1.0));
      MSCK(MSProblemWriterSetSimulation(w, i, G, 1, &step));
      MSCK(MatDestroy(&G));
    }
    MSCK_FAILS(MSProblemWriterSetMesh(w, 2, bad), PETSC_ERR_ARG_SIZ);
    if (with_mesh) MSCK(MSProblemWriterSetMesh(w, 2, shape));
    MSCK(MSProblemWriterCommit(w));
    MSCK(MSProblemWriterDestroy(&w));
    MSCK(MSProblemGetMesh(PETSC_COMM_WORLD, file, &dim, got));
    ck_assert_int_eq(dim, with_mesh ? 2 : 0);
    if (with_mesh) ck_assert_msg(got[0] == 4 && got[1] == 3, "shape read back as %d x %d", (int)got[0], (int)got[1]);
    MSCK(MPI_Barrier(PETSC_COMM_WORLD));
    if (!rank) unlink(file);
  }
}
END_TEST

Suite *ms_test_suite(void)
{
  Suite *s  = suite_create("inversion");
  TCase *tc = tcase_create("inversion");

  tcase_add_test(tc, regularization_values);
  tcase_add_test(tc, regularization_adjoint);
  tcase_add_test(tc, regularization_bad_input);
  tcase_add_test(tc, objective_taylor);
  tcase_add_test(tc, hessian_exact_on_linear);
  tcase_add_test(tc, mesh_round_trip);
  suite_add_tcase(s, tc);
  return s;
}
