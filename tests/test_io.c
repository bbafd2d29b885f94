/* Problem and result files: a written problem reads back as the same simulations, maps and
   vectors; a loaded MSMeta gives the numbers of a direct computation; results read back. */
#include <math.h>
#include <unistd.h>
#include <hdf5.h>
#include "mstest.h"

#define N_MODEL 16

/* One simulation of the test problem: G (n_data x n_sub) and a map chain of up to two steps. */
typedef struct {
  Mat       G;
  PetscInt  n_steps;
  MSMapSpec steps[2];
  PetscInt  idx[2][N_MODEL];
  PetscReal b[N_MODEL];
  Mat       A;
} TestSim;

static PetscErrorCode CreateMat(PetscBool sparse, PetscInt rows, PetscInt cols, PetscInt seed, Mat *A)
{
  PetscFunctionBegin;
  if (sparse) PetscCall(MatCreateSeqAIJ(PETSC_COMM_SELF, rows, cols, cols, NULL, A));
  else PetscCall(MatCreateSeqDense(PETSC_COMM_SELF, rows, cols, NULL, A));
  for (PetscInt r = 0; r < rows; r++)
    for (PetscInt c = 0; c < cols; c++)
      if (!sparse || (r + c + seed) % 3 == 0) PetscCall(MatSetValue(*A, r, c, cos((double)(r + 2 * c + seed)) / (1.0 + c), INSERT_VALUES));
  PetscCall(MatAssemblyBegin(*A, MAT_FINAL_ASSEMBLY));
  PetscCall(MatAssemblyEnd(*A, MAT_FINAL_ASSEMBLY));
  PetscFunctionReturn(0);
}

static MSMapSpec Step(MSMapType type, PetscInt n_in, PetscInt n_out)
{
  MSMapSpec s = {type, n_in, n_out, NULL, NULL, NULL, 0.0, 0, NULL};
  return s;
}

/* Simulation i of the stack problem: every map type, dense and sparse operators. */
static PetscErrorCode TestSimCreate(PetscInt i, TestSim *t)
{
  PetscInt  n_sub = 0, rows = 4 + i % 3;
  PetscBool sparse = (i % 2) ? PETSC_TRUE : PETSC_FALSE;

  PetscFunctionBegin;
  PetscCall(PetscMemzero(t, sizeof(*t)));
  t->n_steps = 1;
  switch (i % 6) {
  case 0: /* projection onto a window */
    n_sub       = 8;
    t->steps[0] = Step(MSMAPPROJECTION, N_MODEL, n_sub);
    for (PetscInt k = 0; k < n_sub; k++) t->idx[0][k] = (i + k) % N_MODEL;
    t->steps[0].indices = t->idx[0];
    break;
  case 1:
    n_sub       = N_MODEL;
    t->steps[0] = Step(MSMAPIDENTITY, N_MODEL, N_MODEL);
    break;
  case 2: /* projection, then exp */
    n_sub       = 8;
    t->n_steps  = 2;
    t->steps[0] = Step(MSMAPPROJECTION, N_MODEL, n_sub);
    for (PetscInt k = 0; k < n_sub; k++) t->idx[0][k] = (3 * k + i) % N_MODEL;
    t->steps[0].indices = t->idx[0];
    t->steps[1]         = Step(MSMAPEXP, n_sub, n_sub);
    break;
  case 3: /* linear A m + b */
    n_sub       = 6;
    t->steps[0] = Step(MSMAPLINEAR, N_MODEL, n_sub);
    PetscCall(CreateMat(PETSC_FALSE, n_sub, N_MODEL, i + 7, &t->A));
    for (PetscInt k = 0; k < n_sub; k++) t->b[k] = 0.5 - 0.1 * k;
    t->steps[0].A = t->A;
    t->steps[0].b = t->b;
    break;
  case 4: /* tile (sparse averaging) */
    n_sub       = 5;
    t->steps[0] = Step(MSMAPTILE, N_MODEL, n_sub);
    PetscCall(MatCreateSeqAIJ(PETSC_COMM_SELF, n_sub, N_MODEL, 3, NULL, &t->A));
    for (PetscInt r = 0; r < n_sub; r++)
      for (PetscInt c = 3 * r; c < 3 * r + 3; c++) PetscCall(MatSetValue(t->A, r, c, 1.0 / 3.0, INSERT_VALUES));
    PetscCall(MatAssemblyBegin(t->A, MAT_FINAL_ASSEMBLY));
    PetscCall(MatAssemblyEnd(t->A, MAT_FINAL_ASSEMBLY));
    t->steps[0].A = t->A;
    break;
  default: /* projection onto 6 active cells, injected into a mesh of 10 */
    n_sub       = 10;
    t->n_steps  = 2;
    t->steps[0] = Step(MSMAPPROJECTION, N_MODEL, 6);
    for (PetscInt k = 0; k < 6; k++) t->idx[0][k] = 2 * k + 1;
    t->steps[0].indices = t->idx[0];
    t->steps[1]         = Step(MSMAPINJECTACTIVE, 6, n_sub);
    for (PetscInt k = 0; k < 6; k++) t->idx[1][k] = (k * 7) % n_sub;
    t->steps[1].indices = t->idx[1];
    t->steps[1].value   = 0.25;
  }
  PetscCall(CreateMat(sparse, rows, n_sub, i, &t->G));
  PetscFunctionReturn(0);
}

static PetscErrorCode TestSimDestroy(TestSim *t)
{
  PetscFunctionBegin;
  PetscCall(MatDestroy(&t->G));
  PetscCall(MatDestroy(&t->A));
  PetscFunctionReturn(0);
}

/* The reference objects, built directly with the map and simulation constructors. */
static PetscErrorCode TestStepMap(const MSMapSpec *s, MSMap *map)
{
  PetscBool is;
  IS        idx;

  PetscFunctionBegin;
  PetscCall(MSMapCreate(PETSC_COMM_SELF, map));
  PetscCall(MSMapSetType(*map, s->type));
  PetscCall(MSMapSetSizes(*map, s->n_in, s->n_out));
  PetscCall(PetscStrcmp(s->type, MSMAPPROJECTION, &is));
  if (is) {
    PetscCall(ISCreateGeneral(PETSC_COMM_SELF, s->n_out, s->indices, PETSC_COPY_VALUES, &idx));
    PetscCall(MSMapProjectionSetIndices(*map, s->n_in, idx));
    PetscCall(ISDestroy(&idx));
  }
  PetscCall(PetscStrcmp(s->type, MSMAPINJECTACTIVE, &is));
  if (is) {
    PetscCall(ISCreateGeneral(PETSC_COMM_SELF, s->n_in, s->indices, PETSC_COPY_VALUES, &idx));
    PetscCall(MSMapInjectActiveSetActive(*map, s->n_out, idx, s->value));
    PetscCall(ISDestroy(&idx));
  }
  PetscCall(PetscStrcmp(s->type, MSMAPLINEAR, &is));
  if (is) {
    Vec b;

    PetscCall(VecCreateSeqWithArray(PETSC_COMM_SELF, 1, s->n_out, s->b, &b));
    PetscCall(MSMapLinearSetOperator(*map, s->A, b));
    PetscCall(VecDestroy(&b));
  }
  PetscCall(PetscStrcmp(s->type, MSMAPTILE, &is));
  if (is) PetscCall(MSMapTileSetOperator(*map, s->A));
  PetscCall(MSMapSetUp(*map));
  PetscFunctionReturn(0);
}

static PetscErrorCode TestReference(const TestSim *t, MSSim *sim, MSMap *map)
{
  MSMap steps[2];

  PetscFunctionBegin;
  PetscCall(MSSimCreate(PETSC_COMM_SELF, sim));
  PetscCall(MSSimSetType(*sim, MSSIMLINEAR));
  PetscCall(MSSimLinearSetOperator(*sim, t->G));
  PetscCall(MSSimSetUp(*sim));
  for (PetscInt k = 0; k < t->n_steps; k++) PetscCall(TestStepMap(&t->steps[k], &steps[k]));
  if (t->n_steps == 1) *map = steps[0];
  else {
    PetscCall(MSMapCreate(PETSC_COMM_SELF, map));
    PetscCall(MSMapSetType(*map, MSMAPCOMPOSE));
    PetscCall(MSMapComposeSetMaps(*map, t->n_steps, steps));
    PetscCall(MSMapSetUp(*map));
    for (PetscInt k = 0; k < t->n_steps; k++) PetscCall(MSMapDestroy(&steps[k]));
  }
  PetscFunctionReturn(0);
}

/* d = S(M(m)) for the serial model m. */
static PetscErrorCode PairDpred(MSSim sim, MSMap map, Vec m, Vec *d)
{
  Vec u;

  PetscFunctionBegin;
  PetscCall(MSMapCreateVecs(map, NULL, &u));
  PetscCall(MSSimCreateVecs(sim, NULL, d));
  PetscCall(MSMapApply(map, m, u));
  PetscCall(MSSimDpred(sim, u, *d));
  PetscCall(VecDestroy(&u));
  PetscFunctionReturn(0);
}

static PetscErrorCode FileName(const char stem[], char name[], size_t len)
{
  PetscFunctionBegin;
  PetscCall(PetscSNPrintf(name, len, "test_io_%s_np%d.h5", stem, (int)ms_test_size));
  PetscFunctionReturn(0);
}

/* Writes the n_sims stack problem, each rank setting the simulations i with i % size == rank,
   with model "models/m" and data "data/dobs". */
static PetscErrorCode WriteStack(const char file[], PetscInt n_sims, Vec *m_out)
{
  MSProblemWriter w;
  TestSim         t;
  Vec             m, d;
  PetscInt        n_data = 0;

  PetscFunctionBegin;
  PetscCall(MSProblemWriterCreate(PETSC_COMM_WORLD, file, MS_META_STACK, n_sims, N_MODEL, &w));
  for (PetscInt i = 0; i < n_sims; i++) {
    PetscInt rows;

    PetscCall(TestSimCreate(i, &t));
    PetscCall(MatGetSize(t.G, &rows, NULL));
    n_data += rows;
    if (i % ms_test_size == ms_test_rank) PetscCall(MSProblemWriterSetSimulation(w, i, t.G, t.n_steps, t.steps));
    PetscCall(TestSimDestroy(&t));
  }
  PetscCall(VecCreateMPI(PETSC_COMM_WORLD, PETSC_DECIDE, N_MODEL, &m));
  PetscCall(VecCreateMPI(PETSC_COMM_WORLD, PETSC_DECIDE, n_data, &d));
  PetscCall(ms_test_vec_fill(m, 1));
  PetscCall(ms_test_vec_fill(d, 2));
  PetscCall(MSProblemWriterAddVector(w, "models/m", m));
  PetscCall(MSProblemWriterAddVector(w, "data/dobs", d));
  PetscCall(MSProblemWriterCommit(w));
  PetscCall(MSProblemWriterDestroy(&w));
  PetscCall(VecDestroy(&d));
  *m_out = m;
  PetscFunctionReturn(0);
}

/* Every simulation and map reads back as one that computes what the original computes. */
START_TEST(roundtrip_simulations)
{
  char          file[64];
  const PetscInt n_sims = 12;
  Vec           m, mseq, dref, dread, v, jref, jread;
  MSProblemInfo info;
  TestSim       t;
  PetscReal     rel;

  MSCK(FileName("roundtrip", file, sizeof(file)));
  MSCK(WriteStack(file, n_sims, &m));
  MSCK(MSProblemValidate(PETSC_COMM_WORLD, file, &info));
  ck_assert_int_eq(info.version, MS_FORMAT_VERSION);
  ck_assert_int_eq(info.kind, MS_META_STACK);
  ck_assert_int_eq(info.n_sims, n_sims);
  ck_assert_int_eq(info.n_model, N_MODEL);
  MSCK(VecCreateSeq(PETSC_COMM_SELF, N_MODEL, &mseq));
  MSCK(VecCreateSeq(PETSC_COMM_SELF, N_MODEL, &v));
  MSCK(ms_test_vec_fill(mseq, 1));
  MSCK(ms_test_vec_fill(v, 3));
  for (PetscInt i = 0; i < n_sims; i++) {
    MSSim     sim, rsim;
    MSMap     map, rmap;
    MSMapType type;

    MSCK(TestSimCreate(i, &t));
    MSCK(TestReference(&t, &rsim, &rmap));
    MSCK(MSProblemReadSimulation(file, i, &sim, &map));
    MSCK(MSMapGetType(map, &type));
    ck_assert_str_eq(type, t.n_steps == 2 ? MSMAPCOMPOSE : t.steps[0].type);
    MSCK(PairDpred(rsim, rmap, mseq, &dref));
    MSCK(PairDpred(sim, map, mseq, &dread));
    MSCK(ms_test_vec_rel_diff(dread, dref, &rel));
    ck_assert_msg(rel <= 1e-15, "simulation %d: dpred differs by %g", (int)i, (double)rel);
    /* the map's derivative too */
    MSCK(MSMapCreateVecs(map, NULL, &jread));
    MSCK(VecDuplicate(jread, &jref));
    MSCK(MSMapJvec(map, mseq, v, jread));
    MSCK(MSMapJvec(rmap, mseq, v, jref));
    MSCK(ms_test_vec_rel_diff(jread, jref, &rel));
    ck_assert_msg(rel <= 1e-15, "simulation %d: map Jvec differs by %g", (int)i, (double)rel);
    MSCK(VecDestroy(&jread));
    MSCK(VecDestroy(&jref));
    MSCK(VecDestroy(&dref));
    MSCK(VecDestroy(&dread));
    MSCK(MSSimDestroy(&sim));
    MSCK(MSMapDestroy(&map));
    MSCK(MSSimDestroy(&rsim));
    MSCK(MSMapDestroy(&rmap));
    MSCK(TestSimDestroy(&t));
  }
  /* vectors read back into another layout */
  {
    Vec       m2;
    PetscBool has;

    Vec ref;

    /* another layout than the writer's: rank 0 holds every entry */
    MSCK(VecCreateMPI(PETSC_COMM_WORLD, ms_test_rank == 0 ? N_MODEL : 0, N_MODEL, &m2));
    MSCK(MSProblemReadVector(file, "models/m", m2));
    MSCK(VecDuplicate(m2, &ref));
    MSCK(ms_test_vec_fill(ref, 1));
    MSCK(ms_test_vec_rel_diff(m2, ref, &rel));
    ck_assert_msg(rel == 0.0, "model read back differs by %g", (double)rel);
    MSCK(VecDestroy(&ref));
    MSCK(MSProblemHasVector(PETSC_COMM_WORLD, file, "data/dobs", &has));
    ck_assert(has);
    MSCK(MSProblemHasVector(PETSC_COMM_WORLD, file, "models/nothing", &has));
    ck_assert(!has);
    MSCK_FAILS(MSProblemReadVector(file, "models/nothing", m2), PETSC_ERR_FILE_UNEXPECTED);
    MSCK_FAILS(MSProblemReadVector(file, "data/dobs", m2), PETSC_ERR_FILE_UNEXPECTED); /* wrong length */
    MSCK(VecDestroy(&m2));
  }
  MSCK_FAILS(MSProblemReadSimulation(file, n_sims, NULL, NULL), PETSC_ERR_ARG_NULL);
  {
    MSMap map;

    MSCK_FAILS(MSProblemReadSimulation(file, n_sims, NULL, &map), PETSC_ERR_ARG_OUTOFRANGE);
  }
  MSCK(VecDestroy(&mseq));
  MSCK(VecDestroy(&v));
  MSCK(VecDestroy(&m));
}
END_TEST

/* Vec of the global values of a distributed vector, on every rank. */
static PetscErrorCode Gather(Vec v, Vec *all)
{
  VecScatter sc;

  PetscFunctionBegin;
  PetscCall(VecScatterCreateToAll(v, &sc, all));
  PetscCall(VecScatterBegin(sc, v, *all, INSERT_VALUES, SCATTER_FORWARD));
  PetscCall(VecScatterEnd(sc, v, *all, INSERT_VALUES, SCATTER_FORWARD));
  PetscCall(VecScatterDestroy(&sc));
  PetscFunctionReturn(0);
}

/* A loaded stack problem computes what the direct pairs compute: dpred, Jvec and Jtvec. */
START_TEST(load_matches_direct)
{
  char           file[64];
  const PetscInt n_sims = 7;
  MSMeta         meta;
  Vec                m, d, dall, v, jv, jvall, w, wall, jtw, jtwall, mseq, vseq, ref, jvref, jtwref;
  PetscInt           n_data, off = 0, lo, hi;
  PetscReal          rel;
  PetscScalar       *r, *rj;
  const PetscScalar *ws;

  MSCK(FileName("load", file, sizeof(file)));
  MSCK(WriteStack(file, n_sims, &m));
  MSCK(VecDestroy(&m));
  MSCK(MSProblemLoad(PETSC_COMM_WORLD, file, &meta));
  MSCK(MSMetaGetOwnershipRange(meta, &lo, &hi));
  MSCK(MSMetaCreateVecs(meta, &m, &d));
  MSCK(MSMetaGetSizes(meta, NULL, NULL, &n_data));
  MSCK(MSProblemReadVector(file, "models/m", m));
  MSCK(VecDuplicate(m, &v));
  MSCK(VecDuplicate(m, &jtw));
  MSCK(VecDuplicate(d, &jv));
  MSCK(VecDuplicate(d, &w));
  MSCK(ms_test_vec_fill(v, 3));
  MSCK(ms_test_vec_fill(w, 4));
  MSCK(MSMetaDpred(meta, m, d));
  MSCK(MSMetaJvec(meta, m, v, jv));
  MSCK(MSMetaJtvec(meta, m, w, jtw));
  MSCK(Gather(d, &dall));
  MSCK(Gather(jv, &jvall));
  MSCK(Gather(jtw, &jtwall));
  MSCK(Gather(w, &wall));
  MSCK(Gather(m, &mseq));
  MSCK(Gather(v, &vseq));

  /* direct: every rank runs every pair */
  MSCK(VecDuplicate(dall, &ref));
  MSCK(VecDuplicate(dall, &jvref));
  MSCK(VecDuplicate(mseq, &jtwref));
  MSCK(VecSet(jtwref, 0.0));
  MSCK(VecGetArray(ref, &r));
  MSCK(VecGetArray(jvref, &rj));
  MSCK(VecGetArrayRead(wall, &ws));
  for (PetscInt i = 0; i < n_sims; i++) {
    TestSim            t;
    MSSim              sim;
    MSMap              map;
    Vec                di, u, du, dj, wi, tu, tm;
    const PetscScalar *a;
    PetscInt           nd;

    MSCK(TestSimCreate(i, &t));
    MSCK(TestReference(&t, &sim, &map));
    MSCK(PairDpred(sim, map, mseq, &di));
    MSCK(VecGetSize(di, &nd));
    MSCK(VecGetArrayRead(di, &a));
    for (PetscInt k = 0; k < nd; k++) r[off + k] = a[k];
    MSCK(VecRestoreArrayRead(di, &a));
    /* J^T w: M'^T G^T w_i */
    MSCK(MSMapCreateVecs(map, NULL, &u));
    MSCK(VecDuplicate(u, &tu));
    MSCK(VecDuplicate(mseq, &tm));
    MSCK(MSMapApply(map, mseq, u));
    MSCK(VecCreateSeqWithArray(PETSC_COMM_SELF, 1, nd, ws + off, &wi));
    MSCK(MSSimJtvec(sim, u, wi, tu));
    MSCK(MSMapJtvec(map, mseq, tu, tm));
    MSCK(VecAXPY(jtwref, 1.0, tm));
    /* J v: G M' v */
    MSCK(VecDuplicate(u, &du));
    MSCK(VecDuplicate(di, &dj));
    MSCK(MSMapJvec(map, mseq, vseq, du));
    MSCK(MSSimJvec(sim, u, du, dj));
    MSCK(VecGetArrayRead(dj, &a));
    for (PetscInt k = 0; k < nd; k++) rj[off + k] = a[k];
    MSCK(VecRestoreArrayRead(dj, &a));
    MSCK(VecDestroy(&du));
    MSCK(VecDestroy(&dj));
    off += nd;
    MSCK(VecDestroy(&wi));
    MSCK(VecDestroy(&u));
    MSCK(VecDestroy(&tu));
    MSCK(VecDestroy(&tm));
    MSCK(VecDestroy(&di));
    MSCK(MSSimDestroy(&sim));
    MSCK(MSMapDestroy(&map));
    MSCK(TestSimDestroy(&t));
  }
  MSCK(VecRestoreArrayRead(wall, &ws));
  MSCK(VecRestoreArray(ref, &r));
  MSCK(VecRestoreArray(jvref, &rj));
  ck_assert_int_eq(off, n_data);
  MSCK(ms_test_vec_rel_diff(dall, ref, &rel));
  ck_assert_msg(rel <= 1e-14, "dpred differs by %g", (double)rel);
  MSCK(ms_test_vec_rel_diff(jvall, jvref, &rel));
  ck_assert_msg(rel <= 1e-14, "Jvec differs by %g", (double)rel);
  MSCK(ms_test_vec_rel_diff(jtwall, jtwref, &rel));
  ck_assert_msg(rel <= 1e-13, "Jtvec differs by %g", (double)rel);
  {
    MSAdjointReport adj;

    MSCK(MSMetaCheckAdjoint(meta, m, NULL, &adj));
    ck_assert_msg(adj.passed, "adjoint %g", (double)adj.rel_error);
  }
  MSCK(VecDestroy(&m));
  MSCK(VecDestroy(&d));
  MSCK(VecDestroy(&dall));
  MSCK(VecDestroy(&v));
  MSCK(VecDestroy(&jv));
  MSCK(VecDestroy(&jvall));
  MSCK(VecDestroy(&w));
  MSCK(VecDestroy(&wall));
  MSCK(VecDestroy(&jtw));
  MSCK(VecDestroy(&jtwall));
  MSCK(VecDestroy(&mseq));
  MSCK(VecDestroy(&vseq));
  MSCK(VecDestroy(&ref));
  MSCK(VecDestroy(&jvref));
  MSCK(VecDestroy(&jtwref));
  MSCK(MSMetaDestroy(&meta));
}
END_TEST

/* Results: vectors read back at any layout, attributes recorded, no temporary file left. */
START_TEST(results_roundtrip)
{
  char          file[64];
  Vec           a, b, back;
  const char   *names[] = {"dpred", "Jtvec"};
  Vec           vecs[2];
  MSResultsInfo info = {"problem.h5", "test_io", MS_META_SUM, 3, PETSC_TRUE};
  PetscReal     rel;
  hid_t         f, attr;
  long long     n_ranks = -1;

  MSCK(FileName("results", file, sizeof(file)));
  MSCK(VecCreateMPI(PETSC_COMM_WORLD, PETSC_DECIDE, 37, &a));
  MSCK(VecCreateMPI(PETSC_COMM_WORLD, ms_test_rank == 0 ? 5 : 0, 5, &b));
  MSCK(ms_test_vec_fill(a, 5));
  MSCK(ms_test_vec_fill(b, 6));
  vecs[0] = a;
  vecs[1] = b;
  MSCK(MSResultsWrite(PETSC_COMM_WORLD, file, &info, 2, names, vecs));
  MSCK(VecCreateMPI(PETSC_COMM_WORLD, ms_test_rank == ms_test_size - 1 ? 37 : 0, 37, &back));
  MSCK(MSProblemReadVector(file, "dpred", back));
  {
    Vec ref;

    MSCK(VecDuplicate(back, &ref));
    MSCK(ms_test_vec_fill(ref, 5));
    MSCK(ms_test_vec_rel_diff(back, ref, &rel));
    ck_assert_msg(rel == 0.0, "dpred read back differs by %g", (double)rel);
    MSCK(VecDestroy(&ref));
  }
  f    = H5Fopen(file, H5F_ACC_RDONLY, H5P_DEFAULT);
  attr = H5Aopen(f, "n_ranks", H5P_DEFAULT);
  ck_assert(attr >= 0 && H5Aread(attr, H5T_NATIVE_LLONG, &n_ranks) >= 0);
  ck_assert_int_eq(n_ranks, ms_test_size);
  H5Aclose(attr);
  H5Fclose(f);
  MSCK(MPI_Barrier(PETSC_COMM_WORLD));
  /* an unwritable path fails on every rank and leaves nothing */
  MSCK_FAILS(MSResultsWrite(PETSC_COMM_WORLD, "no-such-dir/results.h5", &info, 2, names, vecs), PETSC_ERR_FILE_OPEN);
  ck_assert_int_ne(access("no-such-dir", F_OK), 0);
  MSCK(VecDestroy(&a));
  MSCK(VecDestroy(&b));
  MSCK(VecDestroy(&back));
}
END_TEST

/* The sum and repeat kinds: written, loaded, and dpred against the direct sum / stack. */
static void check_kind(MSMetaKind kind)
{
  char            file[64];
  const PetscInt  n_sims = 5, rows = 6, n_sub = 8;
  MSProblemWriter w;
  MSMeta          meta;
  Vec             m, d, dall, mseq, ref;
  MSMapSpec       spec = Step(MSMAPPROJECTION, N_MODEL, n_sub);
  PetscInt        idx[8];
  Mat             G[5];
  PetscReal       rel;
  PetscScalar    *r;
  MSProblemInfo   info;

  spec.indices = idx;
  MSCK(FileName(kind == MS_META_SUM ? "sum" : "repeat", file, sizeof(file)));
  MSCK(MSProblemWriterCreate(PETSC_COMM_WORLD, file, kind, n_sims, N_MODEL, &w));
  for (PetscInt i = 0; i < n_sims; i++) {
    MSCK(CreateMat(i % 2 ? PETSC_TRUE : PETSC_FALSE, rows, n_sub, kind == MS_META_REPEAT ? 0 : i, &G[i]));
    for (PetscInt k = 0; k < n_sub; k++) idx[k] = (2 * i + k) % N_MODEL;
    if (i % ms_test_size == ms_test_rank) MSCK(MSProblemWriterSetSimulation(w, i, (kind == MS_META_REPEAT && i > 0) ? NULL : G[i], 1, &spec));
  }
  MSCK(MSProblemWriterCommit(w));
  MSCK(MSProblemWriterDestroy(&w));
  MSCK(MSProblemValidate(PETSC_COMM_WORLD, file, &info));
  ck_assert_int_eq(info.kind, kind);
  ck_assert_int_eq(info.n_data, kind == MS_META_SUM ? rows : rows * n_sims);

  MSCK(MSProblemLoad(PETSC_COMM_WORLD, file, &meta));
  MSCK(MSMetaCreateVecs(meta, &m, &d));
  MSCK(ms_test_vec_fill(m, 8));
  MSCK(MSMetaDpred(meta, m, d));
  MSCK(Gather(d, &dall));
  MSCK(Gather(m, &mseq));
  MSCK(VecDuplicate(dall, &ref));
  MSCK(VecSet(ref, 0.0));
  MSCK(VecGetArray(ref, &r));
  for (PetscInt i = 0; i < n_sims; i++) {
    Vec                u, di;
    const PetscScalar *x, *a;

    MSCK(VecCreateSeq(PETSC_COMM_SELF, n_sub, &u));
    MSCK(VecCreateSeq(PETSC_COMM_SELF, rows, &di));
    MSCK(VecGetArrayRead(mseq, &x));
    for (PetscInt k = 0; k < n_sub; k++) MSCK(VecSetValue(u, k, x[(2 * i + k) % N_MODEL], INSERT_VALUES));
    MSCK(VecRestoreArrayRead(mseq, &x));
    MSCK(VecAssemblyBegin(u));
    MSCK(VecAssemblyEnd(u));
    MSCK(MatMult(G[kind == MS_META_REPEAT ? 0 : i], u, di));
    MSCK(VecGetArrayRead(di, &a));
    for (PetscInt k = 0; k < rows; k++) r[(kind == MS_META_SUM ? 0 : i * rows) + k] += a[k];
    MSCK(VecRestoreArrayRead(di, &a));
    MSCK(VecDestroy(&u));
    MSCK(VecDestroy(&di));
  }
  MSCK(VecRestoreArray(ref, &r));
  MSCK(ms_test_vec_rel_diff(dall, ref, &rel));
  ck_assert_msg(rel <= 1e-14, "%s: dpred differs by %g", MSMetaKinds[kind], (double)rel);
  for (PetscInt i = 0; i < n_sims; i++) MSCK(MatDestroy(&G[i]));
  MSCK(VecDestroy(&m));
  MSCK(VecDestroy(&d));
  MSCK(VecDestroy(&dall));
  MSCK(VecDestroy(&mseq));
  MSCK(VecDestroy(&ref));
  MSCK(MSMetaDestroy(&meta));
}

START_TEST(sum_kind)
{
  check_kind(MS_META_SUM);
}
END_TEST

START_TEST(repeat_kind)
{
  check_kind(MS_META_REPEAT);
}
END_TEST

/* Writer misuse fails on every rank and writes no file. */
START_TEST(writer_bad_input)
{
  char            file[64];
  MSProblemWriter w;
  TestSim         t;
  MSMapSpec       bad;

  MSCK(FileName("badwriter", file, sizeof(file)));
  MSCK(TestSimCreate(0, &t));
  MSCK_FAILS(MSProblemWriterCreate(PETSC_COMM_WORLD, file, MS_META_STACK, 0, N_MODEL, &w), PETSC_ERR_ARG_OUTOFRANGE);
  MSCK(MSProblemWriterCreate(PETSC_COMM_WORLD, file, MS_META_STACK, 2, N_MODEL, &w));
  MSCK_FAILS(MSProblemWriterSetSimulation(w, 2, t.G, t.n_steps, t.steps), PETSC_ERR_ARG_OUTOFRANGE);
  MSCK_FAILS(MSProblemWriterSetSimulation(w, 0, NULL, t.n_steps, t.steps), PETSC_ERR_ARG_NULL);
  bad      = t.steps[0];
  bad.n_in = N_MODEL + 1;
  MSCK_FAILS(MSProblemWriterSetSimulation(w, 0, t.G, 1, &bad), PETSC_ERR_ARG_SIZ);
  /* simulation 0 set on every rank (twice or more with several ranks), 1 never */
  MSCK(MSProblemWriterSetSimulation(w, 0, t.G, t.n_steps, t.steps));
  MSCK_FAILS(MSProblemWriterCommit(w), PETSC_ERR_ARG_WRONGSTATE);
  MSCK(MSProblemWriterDestroy(&w));
  ck_assert_int_ne(access(file, F_OK), 0);
  /* a projection index out of range is caught when writing, and the temporary file removed */
  MSCK(MSProblemWriterCreate(PETSC_COMM_WORLD, file, MS_META_STACK, 1, N_MODEL, &w));
  t.idx[0][3] = N_MODEL;
  if (ms_test_rank == 0) MSCK(MSProblemWriterSetSimulation(w, 0, t.G, t.n_steps, t.steps));
  MSCK_FAILS(MSProblemWriterCommit(w), PETSC_ERR_ARG_OUTOFRANGE);
  MSCK(MSProblemWriterDestroy(&w));
  ck_assert_int_ne(access(file, F_OK), 0);
  MSCK(TestSimDestroy(&t));
}
END_TEST

Suite *ms_test_suite(void)
{
  Suite *s  = suite_create("io");
  TCase *tc = tcase_create("io");

  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, roundtrip_simulations);
  tcase_add_test(tc, load_matches_direct);
  tcase_add_test(tc, results_roundtrip);
  tcase_add_test(tc, sum_kind);
  tcase_add_test(tc, repeat_kind);
  tcase_add_test(tc, writer_bad_input);
  suite_add_tcase(s, tc);
  return s;
}
