/* MSMeta over groups of ranks: every layout the rank count allows (uniform groups, uneven groups
   from per-simulation rank counts and from costs) against one rank per simulation, to round-off
   with parallel linear simulations and bitwise in reproducible mode with simulations whose own
   arithmetic does not depend on their layout; failures inside a group; sizes that do not fit. */
#include <math.h>
#include <string.h>
#include "mstest.h"
#include "meta_problem.h"

typedef struct {
  PetscInt group_size;    /* uniform groups, or 0 */
  PetscInt n_ranks;       /* per-simulation rank counts (one group each), or 0 */
  PetscInt ranks[4];
  PetscInt n_sims;
} Layout;

/* The layouts of this rank count: uniform groups of every size that divides it, (size-1) + 1,
   and 1 + 2 + 1 at four ranks. */
static PetscInt Layouts(Layout out[8])
{
  PetscInt n = 0;

  for (PetscInt k = 1; k <= ms_test_size; k++)
    if (ms_test_size % k == 0) out[n++] = (Layout){k, 0, {0}, 5};
  if (ms_test_size > 1) out[n++] = (Layout){0, 2, {ms_test_size - 1, 1}, 2};
  if (ms_test_size == 4) out[n++] = (Layout){0, 3, {1, 2, 1}, 3};
  return n;
}

/* A simulation d = G_i m whose every rank computes the whole product in the same order from the
   gathered input and keeps its part: its results do not depend on its layout, and it uses its
   communicator (the gathers). It can fail after the gather on the last rank of its group. */
typedef struct {
  const MetaProblem *p;
  PetscInt           index;
  PetscBool          fail_dpred, fail_jtvec;
} ShellCtx;

static ShellCtx shell_ctx[8];

static PetscErrorCode ShellProduct(MSSim sim, Vec x, Vec y, PetscBool transpose)
{
  ShellCtx          *c;
  VecScatter         sc;
  Vec                all;
  const PetscScalar *a;
  PetscScalar       *b;
  PetscInt           lo, hi, nd, ns;

  PetscFunctionBegin;
  PetscCall(MSSimShellGetContext(sim, &c));
  nd = mp_n_data(c->p, c->index);
  ns = mp_n_sub(c->p, c->index);
  PetscCall(VecScatterCreateToAll(x, &sc, &all));
  PetscCall(VecScatterBegin(sc, x, all, INSERT_VALUES, SCATTER_FORWARD));
  PetscCall(VecScatterEnd(sc, x, all, INSERT_VALUES, SCATTER_FORWARD));
  PetscCall(VecGetOwnershipRange(y, &lo, &hi));
  PetscCall(VecGetArrayRead(all, &a));
  PetscCall(VecGetArrayWrite(y, &b));
  for (PetscInt i = lo; i < hi; i++) {
    PetscScalar s = 0;

    if (transpose)
      for (PetscInt r = 0; r < nd; r++) s += mp_G(c->p, c->index, r, i) * a[r];
    else
      for (PetscInt k = 0; k < ns; k++) s += mp_G(c->p, c->index, i, k) * a[k];
    b[i - lo] = s;
  }
  PetscCall(VecRestoreArrayWrite(y, &b));
  PetscCall(VecRestoreArrayRead(all, &a));
  PetscCall(VecScatterDestroy(&sc));
  PetscCall(VecDestroy(&all));
  PetscFunctionReturn(0);
}

static PetscErrorCode ShellCheckFail(MSSim sim, PetscBool fail)
{
  MPI_Comm    comm;
  PetscMPIInt rank, size;

  PetscFunctionBegin;
  PetscCall(MSSimGetComm(sim, &comm));
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCallMPI(MPI_Comm_size(comm, &size));
  PetscCheck(!fail || rank < size - 1, PETSC_COMM_SELF, PETSC_ERR_NOT_CONVERGED, "the solver diverged on this simulation's last rank");
  PetscFunctionReturn(0);
}

static PetscErrorCode ShellDpred(MSSim sim, Vec m, Vec d)
{
  ShellCtx *c;

  PetscFunctionBegin;
  PetscCall(MSSimShellGetContext(sim, &c));
  PetscCall(ShellProduct(sim, m, d, PETSC_FALSE));
  PetscCall(ShellCheckFail(sim, c->fail_dpred));
  PetscFunctionReturn(0);
}

static PetscErrorCode ShellJvec(MSSim sim, Vec m, Vec v, Vec jv)
{
  PetscFunctionBegin;
  PetscCall(ShellProduct(sim, v, jv, PETSC_FALSE));
  PetscFunctionReturn(0);
}

static PetscErrorCode ShellJtvec(MSSim sim, Vec m, Vec w, Vec jtw)
{
  ShellCtx *c;

  PetscFunctionBegin;
  PetscCall(MSSimShellGetContext(sim, &c));
  PetscCall(ShellProduct(sim, w, jtw, PETSC_TRUE));
  PetscCall(ShellCheckFail(sim, c->fail_jtvec));
  PetscFunctionReturn(0);
}

static PetscErrorCode ShellFactory(MPI_Comm comm, PetscInt i, MSSim *sim, MSMap *map, void *ctx)
{
  MetaProblem *p = (MetaProblem *)ctx;

  PetscFunctionBegin;
  shell_ctx[i].p     = p;
  shell_ctx[i].index = i;
  PetscCall(MSSimCreate(comm, sim));
  PetscCall(MSSimSetType(*sim, MSSIMSHELL));
  PetscCall(MSSimSetSizes(*sim, mp_n_sub(p, i), mp_n_data(p, i)));
  PetscCall(MSSimShellSetContext(*sim, &shell_ctx[i]));
  PetscCall(MSSimShellSetDpred(*sim, ShellDpred));
  PetscCall(MSSimShellSetJvec(*sim, ShellJvec));
  PetscCall(MSSimShellSetJtvec(*sim, ShellJtvec));
  PetscCall(mp_create_map(p, i, map));
  PetscFunctionReturn(0);
}

/* The factory of simulation fail_build fails on the first rank of its group only. */
static PetscInt fail_build = -1;

static PetscErrorCode FailingFactory(MPI_Comm comm, PetscInt i, MSSim *sim, MSMap *map, void *ctx)
{
  PetscMPIInt rank;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCheck(i != fail_build || rank > 0, PETSC_COMM_SELF, PETSC_ERR_FILE_READ, "cannot read simulation %" PetscInt_FMT " on this rank", i);
  PetscCall(ShellFactory(comm, i, sim, map, ctx));
  PetscFunctionReturn(0);
}

static PetscErrorCode SetLayout(MSMeta meta, const Layout *L)
{
  PetscFunctionBegin;
  if (L->group_size) PetscCall(MSMetaSetGroupSize(meta, L->group_size));
  if (L->n_ranks) PetscCall(MSMetaSetSimulationRanks(meta, L->n_ranks, L->ranks));
  PetscFunctionReturn(0);
}

static PetscErrorCode CreateMeta(MetaProblem *p, PetscBool shell, PetscBool reproducible, const Layout *L, MSMeta *meta)
{
  PetscFunctionBegin;
  PetscCall(MSMetaCreate(PETSC_COMM_WORLD, meta));
  PetscCall(MSMetaSetKind(*meta, p->kind));
  PetscCall(MSMetaSetFactory(*meta, p->n_sims, shell ? ShellFactory : mp_factory, p));
  PetscCall(MSMetaSetReproducible(*meta, reproducible));
  if (L) PetscCall(SetLayout(*meta, L));
  PetscCall(MSMetaSetUp(*meta));
  PetscFunctionReturn(0);
}

/* max |a - b| / max |b| (0 when both are 0) */
static PetscReal RelDiff(PetscInt n, const PetscReal *a, const PetscReal *b)
{
  PetscReal diff = 0, scale = 0;

  for (PetscInt i = 0; i < n; i++) {
    diff  = PetscMax(diff, PetscAbsReal(a[i] - b[i]));
    scale = PetscMax(scale, PetscAbsReal(b[i]));
  }
  return scale > 0 ? diff / scale : diff;
}

/* The operations' results gathered on every rank: dpred, Jvec, Jtvec, the composed and exact JtJ
   diagonals, the misfit gradient (n_model or n_data each), then the misfit. */
#define N_RESULTS 6
static PetscErrorCode Evaluate(MSMeta meta, PetscReal *out[N_RESULTS], PetscReal *phi)
{
  Vec       m, v, d, w, W, g;
  PetscBool exact;

  PetscFunctionBegin;
  PetscCall(MSMetaCreateVecs(meta, &m, &d));
  PetscCall(VecDuplicate(m, &v));
  PetscCall(VecDuplicate(m, &g));
  PetscCall(VecDuplicate(d, &w));
  PetscCall(VecDuplicate(d, &W));
  PetscCall(ms_test_vec_fill(m, 1));
  PetscCall(ms_test_vec_fill(v, 2));
  PetscCall(ms_test_vec_fill(w, 3));
  PetscCall(ms_test_vec_fill(W, 4));
  PetscCall(MSMetaDpred(meta, m, d));
  PetscCall(mp_gather(d, &out[0]));
  PetscCall(MSMetaJvec(meta, m, v, d));
  PetscCall(mp_gather(d, &out[1]));
  PetscCall(MSMetaJtvec(meta, m, w, g));
  PetscCall(mp_gather(g, &out[2]));
  PetscCall(MSMetaSetJtJDiagonalMethod(meta, MS_JTJDIAG_COMPOSE));
  PetscCall(MSMetaGetJtJDiagonal(meta, m, W, g, &exact));
  PetscCall(mp_gather(g, &out[3]));
  PetscCall(MSMetaSetJtJDiagonalMethod(meta, MS_JTJDIAG_EXACT));
  PetscCall(MSMetaGetJtJDiagonal(meta, m, W, g, &exact));
  PetscCall(mp_gather(g, &out[4]));
  PetscCall(MSMetaMisfit(meta, m, w, W, phi, g));
  PetscCall(mp_gather(g, &out[5]));
  PetscCall(VecDestroy(&m));
  PetscCall(VecDestroy(&v));
  PetscCall(VecDestroy(&g));
  PetscCall(VecDestroy(&d));
  PetscCall(VecDestroy(&w));
  PetscCall(VecDestroy(&W));
  PetscFunctionReturn(0);
}

/* Every layout against one rank per simulation: within tol (0: bitwise). */
static void check_layouts(MSMetaKind kind, PetscBool shell, PetscBool reproducible, PetscReal tol)
{
  Layout   layouts[8];
  PetscInt n_layouts = Layouts(layouts);

  for (PetscInt l = 0; l < n_layouts; l++) {
    MetaProblem p = {kind, layouts[l].n_sims, 13, PETSC_FALSE, 0};
    MSMeta      ref, grouped;
    PetscReal  *a[N_RESULTS], *b[N_RESULTS], phi_a, phi_b;
    PetscInt    n_model, n_data;

    MSCK(CreateMeta(&p, shell, reproducible, NULL, &ref));
    MSCK(CreateMeta(&p, shell, reproducible, &layouts[l], &grouped));
    MSCK(MSMetaGetSizes(ref, NULL, &n_model, &n_data));
    MSCK(Evaluate(ref, a, &phi_a));
    MSCK(Evaluate(grouped, b, &phi_b));
    for (PetscInt r = 0; r < N_RESULTS; r++) {
      PetscInt  n   = r < 2 ? n_data : n_model;
      PetscReal rel = RelDiff(n, b[r], a[r]);

      if (tol == 0) ck_assert_msg(!memcmp(a[r], b[r], sizeof(PetscReal) * n), "kind %s, layout %" PetscInt_FMT ", result %" PetscInt_FMT ": not bitwise equal (relative difference %g)", MSMetaKinds[kind], l, r, (double)rel);
      else ck_assert_msg(rel <= tol, "kind %s, layout %" PetscInt_FMT ", result %" PetscInt_FMT ": relative difference %g", MSMetaKinds[kind], l, r, (double)rel);
      MSCK(PetscFree(a[r]));
      MSCK(PetscFree(b[r]));
    }
    if (tol == 0) ck_assert_msg(phi_a == phi_b, "misfit %.17g and %.17g", (double)phi_a, (double)phi_b);
    else MSCK_REL_CLOSE(phi_b, phi_a, tol);
    MSCK(MSMetaDestroy(&ref));
    MSCK(MSMetaDestroy(&grouped));
  }
}

/* Parallel linear simulations (MPI dense G on the group): the same results to round-off. */
START_TEST(linear_groups_match_one_rank)
{
  check_layouts(MS_META_STACK, PETSC_FALSE, PETSC_FALSE, 1e-12);
  check_layouts(MS_META_SUM, PETSC_FALSE, PETSC_FALSE, 1e-12);
  check_layouts(MS_META_STACK, PETSC_FALSE, PETSC_TRUE, 1e-12);
}
END_TEST

/* Simulations whose own results do not depend on their layout: in reproducible mode every result
   is bitwise the same for every grouping. */
START_TEST(reproducible_bitwise_for_any_grouping)
{
  check_layouts(MS_META_STACK, PETSC_TRUE, PETSC_TRUE, 0.0);
  check_layouts(MS_META_SUM, PETSC_TRUE, PETSC_TRUE, 0.0);
}
END_TEST

/* Adjoint and Taylor tests of the whole operator at every layout. */
START_TEST(adjoint_and_taylor_on_groups)
{
  Layout   layouts[8];
  PetscInt n_layouts = Layouts(layouts);

  for (PetscInt l = 0; l < n_layouts; l++) {
    MetaProblem     p = {MS_META_STACK, layouts[l].n_sims, 13, PETSC_FALSE, 0};
    MSMeta          meta;
    MSAdjointReport adj;
    MSTaylorReport  tay;

    MSCK(CreateMeta(&p, PETSC_FALSE, PETSC_FALSE, &layouts[l], &meta));
    MSCK(MSMetaCheckAdjoint(meta, NULL, NULL, &adj));
    ck_assert_msg(adj.passed, "layout %" PetscInt_FMT ": adjoint test %g", l, (double)adj.rel_error);
    MSCK(MSMetaCheckTaylor(meta, NULL, NULL, &tay));
    ck_assert_msg(tay.passed && tay.linear, "layout %" PetscInt_FMT ": Taylor test", l);
    MSCK(MSMetaDestroy(&meta));
  }
}
END_TEST

/* A simulation that fails on one of its group's ranks, after a collective: every rank returns the
   same error, at every layout and for each simulation, in dpred, Jtvec and the JtJ diagonal;
   the same for a factory that fails on one rank of the group. Nothing hangs. */
START_TEST(failure_inside_a_group)
{
  Layout   layouts[8];
  PetscInt n_layouts = Layouts(layouts);

  for (PetscInt l = 0; l < n_layouts; l++)
    for (PetscInt f = 0; f < layouts[l].n_sims; f++) {
      MetaProblem p = {MS_META_STACK, layouts[l].n_sims, 13, PETSC_FALSE, 0};
      MSMeta      meta;
      Vec         m, d, g;

      MSCK(CreateMeta(&p, PETSC_TRUE, PETSC_FALSE, &layouts[l], &meta));
      MSCK(MSMetaCreateVecs(meta, &m, &d));
      MSCK(VecDuplicate(m, &g));
      MSCK(VecSet(m, 1.0));
      MSCK(VecSet(d, 1.0));
      shell_ctx[f].fail_dpred = PETSC_TRUE;
      MSCK_FAILS(MSMetaDpred(meta, m, d), PETSC_ERR_NOT_CONVERGED);
      shell_ctx[f].fail_dpred = PETSC_FALSE;
      MSCK(MSMetaDpred(meta, m, d)); /* usable again */
      shell_ctx[f].fail_jtvec = PETSC_TRUE;
      MSCK_FAILS(MSMetaJtvec(meta, m, d, g), PETSC_ERR_NOT_CONVERGED);
      MSCK(MSMetaSetJtJDiagonalMethod(meta, MS_JTJDIAG_EXACT));
      MSCK_FAILS(MSMetaGetJtJDiagonal(meta, m, NULL, g, NULL), PETSC_ERR_NOT_CONVERGED);
      MSCK(MSMetaSetJtJDiagonalMethod(meta, MS_JTJDIAG_COMPOSE));
      MSCK_FAILS(MSMetaGetJtJDiagonal(meta, m, NULL, g, NULL), PETSC_ERR_NOT_CONVERGED);
      shell_ctx[f].fail_jtvec = PETSC_FALSE;
      MSCK(MSMetaJtvec(meta, m, d, g));
      MSCK(VecDestroy(&m));
      MSCK(VecDestroy(&d));
      MSCK(VecDestroy(&g));
      MSCK(MSMetaDestroy(&meta));

      fail_build = f;
      MSCK(MSMetaCreate(PETSC_COMM_WORLD, &meta));
      MSCK(MSMetaSetFactory(meta, p.n_sims, FailingFactory, &p));
      MSCK(SetLayout(meta, &layouts[l]));
      MSCK_FAILS(MSMetaSetUp(meta), PETSC_ERR_FILE_READ);
      MSCK(MSMetaDestroy(&meta));
      fail_build = -1;
    }
}
END_TEST

/* A simulation on PETSC_COMM_SELF in a group of several ranks. */
static PetscErrorCode SelfFactory(MPI_Comm comm, PetscInt i, MSSim *sim, MSMap *map, void *ctx)
{
  PetscFunctionBegin;
  PetscCall(ShellFactory(PETSC_COMM_SELF, i, sim, map, ctx));
  PetscFunctionReturn(0);
}

/* Sizes that do not fit the communicator, and other misuse: one error on every rank. */
START_TEST(bad_group_sizes)
{
  MetaProblem p = {MS_META_STACK, 3, 13, PETSC_FALSE, 0};
  MSMeta      meta;
  PetscInt    too_many[3] = {ms_test_size, 1, 1}, wrong_count[2] = {1, 1};

  MSCK(MSMetaCreate(PETSC_COMM_WORLD, &meta));
  MSCK_FAILS(MSMetaSetGroupSize(meta, 0), PETSC_ERR_ARG_OUTOFRANGE);
  MSCK(MSMetaSetFactory(meta, 3, ShellFactory, &p));
  MSCK(MSMetaSetGroupSize(meta, ms_test_size + 1)); /* never divides the size */
  MSCK_FAILS(MSMetaSetUp(meta), PETSC_ERR_ARG_INCOMP);
  MSCK(MSMetaDestroy(&meta));

  MSCK(MSMetaCreate(PETSC_COMM_WORLD, &meta));
  MSCK(MSMetaSetFactory(meta, 3, ShellFactory, &p));
  MSCK(MSMetaSetSimulationRanks(meta, 3, too_many));
  MSCK_FAILS(MSMetaSetUp(meta), PETSC_ERR_ARG_SIZ);
  MSCK(MSMetaDestroy(&meta));

  MSCK(MSMetaCreate(PETSC_COMM_WORLD, &meta));
  MSCK(MSMetaSetFactory(meta, 3, ShellFactory, &p));
  MSCK(MSMetaSetSimulationRanks(meta, 2, wrong_count));
  MSCK_FAILS(MSMetaSetUp(meta), PETSC_ERR_ARG_SIZ);
  MSCK(MSMetaDestroy(&meta));

  MSCK(MSMetaCreate(PETSC_COMM_WORLD, &meta));
  MSCK(MSMetaSetFactory(meta, 3, ShellFactory, &p));
  MSCK(MSMetaSetGroupSize(meta, 1));
  MSCK(MSMetaSetGroupsFromCosts(meta, PETSC_TRUE));
  MSCK(MSMetaSetSimulationRanks(meta, 3, too_many));
  MSCK_FAILS(MSMetaSetUp(meta), PETSC_ERR_ARG_INCOMP);
  MSCK(MSMetaDestroy(&meta));

  if (ms_test_size > 1) {
    MSCK(MSMetaCreate(PETSC_COMM_WORLD, &meta));
    MSCK(MSMetaSetFactory(meta, 3, SelfFactory, &p));
    MSCK(MSMetaSetGroupSize(meta, ms_test_size));
    MSCK_FAILS(MSMetaSetUp(meta), PETSC_ERR_ARG_WRONG);
    MSCK(MSMetaDestroy(&meta));
  }
}
END_TEST

/* Groups from costs: fewer simulations than ranks give each simulation a group with ranks in
   proportion to its cost; at least as many give one rank each. The factory receives the group's
   communicator. */
START_TEST(groups_from_costs)
{
  MetaProblem p        = {MS_META_STACK, 2, 13, PETSC_FALSE, 0};
  PetscReal   costs[2] = {3.0, 1.0};
  MSMeta      meta;
  MPI_Comm    gcomm;
  PetscMPIInt group, n_groups, gsize;
  PetscInt    first, end;

  MSCK(MSMetaCreate(PETSC_COMM_WORLD, &meta));
  MSCK(MSMetaSetFactory(meta, 2, ShellFactory, &p));
  MSCK(MSMetaSetCosts(meta, 2, costs));
  MSCK(MSMetaSetGroupsFromCosts(meta, PETSC_TRUE));
  MSCK(MSMetaSetUp(meta));
  MSCK(MSMetaGetGroup(meta, &gcomm, &group, &n_groups));
  MSCK(MSMetaGetOwnershipRange(meta, &first, &end));
  MSCK(MPI_Comm_size(gcomm, &gsize));
  if (ms_test_size == 1) {
    ck_assert_int_eq(n_groups, 1);
    ck_assert_int_eq(end - first, 2);
  } else {
    PetscMPIInt expect = ms_test_size == 4 ? 3 : ms_test_size - 1; /* 3:1 over 2, 3 or 4 ranks */

    ck_assert_int_eq(n_groups, 2);
    ck_assert_int_eq(gsize, group == 0 ? expect : ms_test_size - expect);
    ck_assert_int_eq(first, group);
    ck_assert_int_eq(end, group + 1);
  }
  MSCK(MSMetaDestroy(&meta));
}
END_TEST

Suite *ms_test_suite(void)
{
  Suite *s  = suite_create("MSMeta groups");
  TCase *tc = tcase_create("groups");

  tcase_add_test(tc, linear_groups_match_one_rank);
  tcase_add_test(tc, reproducible_bitwise_for_any_grouping);
  tcase_add_test(tc, adjoint_and_taylor_on_groups);
  tcase_add_test(tc, failure_inside_a_group);
  tcase_add_test(tc, bad_group_sizes);
  tcase_add_test(tc, groups_from_costs);
  suite_add_tcase(s, tc);
  return s;
}
