/* MSMap types: values against direct formulas, adjoint and Taylor tests, support, restriction. */
#include <math.h>
#include <stdio.h>
#include <unistd.h>
#include "mstest.h"

/* Adjoint + Taylor tests, and the restricted map agreeing with the map on the compressed model. */
static void check_map_generic(MSMap map)
{
  MSAdjointReport adj;
  MSTaylorReport  tay;
  MSMap           rmap;
  IS              support;
  Vec             m, u, x, ru;
  PetscInt        n_in, n_out, ns;
  const PetscInt *s;
  PetscReal       rel;

  MSCK(MSMapCreateVecs(map, &m, &u));
  MSCK(ms_test_vec_fill(m, 11));
  MSCK(MSMapCheckAdjoint(map, m, NULL, &adj));
  ck_assert_msg(adj.passed, "adjoint %g", (double)adj.rel_error);
  MSCK(MSMapCheckTaylor(map, m, NULL, &tay));
  ck_assert_msg(tay.passed, "Taylor order %g", (double)tay.order);

  MSCK(MSMapGetSizes(map, &n_in, &n_out));
  MSCK(MSMapGetSupport(map, &support));
  MSCK(MSMapCreateRestricted(map, support, &rmap));
  MSCK(ISGetLocalSize(support, &ns));
  MSCK(VecCreateSeq(PETSC_COMM_SELF, ns, &x));
  MSCK(VecDuplicate(u, &ru));
  MSCK(ISGetIndices(support, &s));
  for (PetscInt k = 0; k < ns; k++) {
    PetscScalar val;
    MSCK(VecGetValues(m, 1, &s[k], &val));
    MSCK(VecSetValue(x, k, val, INSERT_VALUES));
  }
  MSCK(ISRestoreIndices(support, &s));
  MSCK(VecAssemblyBegin(x));
  MSCK(VecAssemblyEnd(x));
  MSCK(MSMapApply(map, m, u));
  MSCK(MSMapApply(rmap, x, ru));
  MSCK(ms_test_vec_rel_diff(ru, u, &rel));
  ck_assert(rel == 0.0);
  MSCK(MSMapCheckAdjoint(rmap, x, NULL, &adj));
  ck_assert(adj.passed);

  MSCK(VecDestroy(&m));
  MSCK(VecDestroy(&u));
  MSCK(VecDestroy(&x));
  MSCK(VecDestroy(&ru));
  MSCK(MSMapDestroy(&rmap));
}

/* The dense derivative M'(m), row-major n_out x n_in, column by column with MSMapJvec. */
static PetscScalar *dense_derivative(MSMap map, Vec m)
{
  PetscInt     n_in, n_out;
  PetscScalar *J;
  Vec          e, col;

  MSCK(MSMapGetSizes(map, &n_in, &n_out));
  MSCK(MSMapCreateVecs(map, &e, &col));
  MSCK(PetscMalloc1(n_in * n_out, &J));
  for (PetscInt j = 0; j < n_in; j++) {
    MSCK(VecSet(e, 0.0));
    MSCK(VecSetValue(e, j, 1.0, INSERT_VALUES));
    MSCK(VecAssemblyBegin(e));
    MSCK(VecAssemblyEnd(e));
    MSCK(MSMapJvec(map, m, e, col));
    for (PetscInt i = 0; i < n_out; i++) MSCK(VecGetValues(col, 1, &i, &J[i * n_in + j]));
  }
  MSCK(VecDestroy(&e));
  MSCK(VecDestroy(&col));
  return J;
}

/* MSMapSquaredJtvec against sum_i d_i M'_ij^2 from the explicit derivative, for a random d; and
   the singleton-columns flag against the derivative's structure. */
static void check_squared_exact(MSMap map)
{
  PetscInt     n_in, n_out;
  PetscScalar *J, *expect;
  PetscRandom  rnd;
  PetscBool    single, dense_single = PETSC_TRUE;
  Vec          m, d, v, ve;
  PetscReal    rel;

  MSCK(MSMapGetSizes(map, &n_in, &n_out));
  MSCK(MSMapCreateVecs(map, &m, &d));
  MSCK(VecDuplicate(m, &v));
  MSCK(VecDuplicate(m, &ve));
  MSCK(ms_test_vec_fill(m, 5));
  MSCK(PetscRandomCreate(PETSC_COMM_SELF, &rnd));
  MSCK(PetscRandomSetSeed(rnd, 42));
  MSCK(PetscRandomSeed(rnd));
  MSCK(VecSetRandom(d, rnd));
  J = dense_derivative(map, m);
  MSCK(PetscCalloc1(n_in, &expect));
  for (PetscInt j = 0; j < n_in; j++) {
    PetscInt nz = 0;
    for (PetscInt i = 0; i < n_out; i++) {
      PetscScalar di;
      MSCK(VecGetValues(d, 1, &i, &di));
      expect[j] += di * J[i * n_in + j] * J[i * n_in + j];
      nz += J[i * n_in + j] != 0.0;
    }
    if (nz > 1) dense_single = PETSC_FALSE;
    MSCK(VecSetValue(ve, j, expect[j], INSERT_VALUES));
  }
  MSCK(VecAssemblyBegin(ve));
  MSCK(VecAssemblyEnd(ve));
  MSCK(MSMapSquaredJtvec(map, m, d, v));
  MSCK(ms_test_vec_rel_diff(v, ve, &rel));
  ck_assert_msg(rel <= 1e-13, "squared Jt: rel diff %g", (double)rel);
  MSCK(MSMapHasSingletonColumns(map, &single));
  ck_assert(single == dense_single);
  MSCK(PetscFree(J));
  MSCK(PetscFree(expect));
  MSCK(PetscRandomDestroy(&rnd));
  MSCK(VecDestroy(&m));
  MSCK(VecDestroy(&d));
  MSCK(VecDestroy(&v));
  MSCK(VecDestroy(&ve));
}

static void check_support(MSMap map, PetscInt n, const PetscInt expected[])
{
  IS              support;
  PetscInt        ns;
  const PetscInt *s;

  MSCK(MSMapGetSupport(map, &support));
  MSCK(ISGetLocalSize(support, &ns));
  ck_assert_int_eq(ns, n);
  MSCK(ISGetIndices(support, &s));
  for (PetscInt k = 0; k < n; k++) ck_assert_int_eq(s[k], expected[k]);
  MSCK(ISRestoreIndices(support, &s));
}

/* Values of u = M(m) against a directly computed array. */
static void check_values(MSMap map, Vec m, const PetscScalar expect[], PetscReal tol)
{
  PetscInt n_out;
  Vec      u;

  MSCK(MSMapGetSizes(map, NULL, &n_out));
  MSCK(MSMapCreateVecs(map, NULL, &u));
  MSCK(MSMapApply(map, m, u));
  for (PetscInt i = 0; i < n_out; i++) {
    PetscScalar ui;
    MSCK(VecGetValues(u, 1, &i, &ui));
    if (expect[i] == 0.0) ck_assert_msg(PetscAbsScalar(ui) <= tol, "u[%d] = %g, expected 0", (int)i, (double)ui);
    else MSCK_REL_CLOSE(ui, expect[i], tol);
  }
  MSCK(VecDestroy(&u));
}

/* The entries of a vector as a fresh array. */
static PetscScalar *vec_values(Vec v)
{
  PetscInt     n;
  PetscScalar *a;

  MSCK(VecGetSize(v, &n));
  MSCK(PetscMalloc1(n, &a));
  for (PetscInt i = 0; i < n; i++) MSCK(VecGetValues(v, 1, &i, &a[i]));
  return a;
}

/* A sequential matrix from a row-major array, dense or AIJ (zeros not stored in AIJ). */
static Mat mat_from(PetscInt nr, PetscInt nc, const PetscScalar a[], PetscBool dense)
{
  Mat A;

  if (dense) MSCK(MatCreateSeqDense(PETSC_COMM_SELF, nr, nc, NULL, &A));
  else MSCK(MatCreateSeqAIJ(PETSC_COMM_SELF, nr, nc, nc, NULL, &A));
  for (PetscInt i = 0; i < nr; i++)
    for (PetscInt j = 0; j < nc; j++)
      if (dense || a[i * nc + j] != 0.0) MSCK(MatSetValue(A, i, j, a[i * nc + j], INSERT_VALUES));
  MSCK(MatAssemblyBegin(A, MAT_FINAL_ASSEMBLY));
  MSCK(MatAssemblyEnd(A, MAT_FINAL_ASSEMBLY));
  return A;
}

static Vec vec_from(PetscInt n, const PetscScalar a[])
{
  Vec v;

  MSCK(VecCreateSeq(PETSC_COMM_SELF, n, &v));
  for (PetscInt i = 0; i < n; i++) MSCK(VecSetValue(v, i, a[i], INSERT_VALUES));
  MSCK(VecAssemblyBegin(v));
  MSCK(VecAssemblyEnd(v));
  return v;
}

static MSMap linear_map(PetscInt nr, PetscInt nc, const PetscScalar a[], const PetscScalar b[], PetscBool dense)
{
  MSMap map;
  Mat   A  = mat_from(nr, nc, a, dense);
  Vec   bv = b ? vec_from(nr, b) : NULL;

  MSCK(MSMapCreate(PETSC_COMM_SELF, &map));
  MSCK(MSMapSetType(map, MSMAPLINEAR));
  MSCK(MSMapLinearSetOperator(map, A, bv));
  MSCK(MSMapSetUp(map));
  MSCK(MatDestroy(&A));
  MSCK(VecDestroy(&bv));
  return map;
}

static MSMap exp_map(PetscInt n)
{
  MSMap map;

  MSCK(MSMapCreate(PETSC_COMM_SELF, &map));
  MSCK(MSMapSetType(map, MSMAPEXP));
  MSCK(MSMapSetSizes(map, n, n));
  MSCK(MSMapSetUp(map));
  return map;
}

/* Whether the map's ASCII view contains a string. */
static PetscBool view_contains(MSMap map, const char what[])
{
  char        dir[PETSC_MAX_PATH_LEN], path[PETSC_MAX_PATH_LEN], buf[4096];
  PetscViewer viewer;
  FILE       *f;
  size_t      len;
  char       *found;

  MSCK(PetscGetTmp(PETSC_COMM_SELF, dir, sizeof(dir)));
  MSCK(PetscSNPrintf(path, sizeof(path), "%s/test_map_view_%d.txt", dir, (int)getpid()));
  MSCK(PetscViewerASCIIOpen(PETSC_COMM_SELF, path, &viewer));
  MSCK(MSMapView(map, viewer));
  MSCK(PetscViewerDestroy(&viewer));
  f = fopen(path, "r");
  ck_assert(f != NULL);
  len      = fread(buf, 1, sizeof(buf) - 1, f);
  buf[len] = 0;
  fclose(f);
  remove(path);
  MSCK(PetscStrstr(buf, what, &found));
  return found ? PETSC_TRUE : PETSC_FALSE;
}

/* 3 x 5: column 3 is zero, columns 0 and 2 hold two non-zeros each */
static const PetscScalar A1[15] = {1, 0, 2, 0, 0, 0, -1, 3, 0, 0.5, 4, 0, 0, 0, 0};
static const PetscScalar b1[3]  = {0.5, -1, 2};
/* 3 x 5 with singleton columns, reading inputs 1 and 3 only */
static const PetscScalar A2[15] = {0, 2, 0, 0, 0, 0, 0, 0, -3, 0, 0, 0, 0, 0, 0};
static const PetscScalar b2[3]  = {1, 1, -4};

START_TEST(exp_values)
{
  MSMap        map = exp_map(5);
  Vec          m;
  PetscScalar *mv, expect[5];

  MSCK(MSMapCreateVecs(map, &m, NULL));
  MSCK(ms_test_vec_fill(m, 4));
  mv = vec_values(m);
  for (PetscInt i = 0; i < 5; i++) expect[i] = exp(mv[i]);
  check_values(map, m, expect, 1e-15);
  check_support(map, 5, (PetscInt[]){0, 1, 2, 3, 4});
  check_squared_exact(map);
  check_map_generic(map);
  MSCK(PetscFree(mv));
  MSCK(VecDestroy(&m));
  MSCK(MSMapDestroy(&map));
}
END_TEST

START_TEST(exp_bad_input)
{
  MSMap map;
  Vec   m, u;

  MSCK(MSMapCreate(PETSC_COMM_SELF, &map));
  MSCK(MSMapSetType(map, MSMAPEXP));
  MSCK(MSMapSetSizes(map, 3, 4));
  MSCK_FAILS(MSMapSetUp(map), PETSC_ERR_ARG_SIZ);
  MSCK_FAILS(MSMapLinearSetOperator(map, NULL, NULL), PETSC_ERR_ARG_WRONG);
  MSCK(MSMapDestroy(&map));
  map = exp_map(3);
  MSCK(MSMapCreateVecs(map, &m, &u));
  MSCK(VecSet(m, 1000.0)); /* overflows */
  MSCK_FAILS(MSMapApply(map, m, u), PETSC_ERR_FP);
  MSCK(VecDestroy(&m));
  MSCK(VecDestroy(&u));
  MSCK(MSMapDestroy(&map));
}
END_TEST

START_TEST(linear_dense)
{
  MSMap        map = linear_map(3, 5, A1, b1, PETSC_TRUE);
  Vec          m;
  PetscScalar *mv, expect[3];
  PetscBool    single;

  MSCK(MSMapCreateVecs(map, &m, NULL));
  MSCK(ms_test_vec_fill(m, 2));
  mv = vec_values(m);
  for (PetscInt i = 0; i < 3; i++) {
    expect[i] = b1[i];
    for (PetscInt j = 0; j < 5; j++) expect[i] += A1[i * 5 + j] * mv[j];
  }
  check_values(map, m, expect, 1e-14);
  check_support(map, 4, (PetscInt[]){0, 1, 2, 4});
  MSCK(MSMapHasSingletonColumns(map, &single));
  ck_assert(!single);
  check_squared_exact(map);
  check_map_generic(map);
  ck_assert(view_contains(map, "offset b: set"));
  ck_assert(view_contains(map, "reads 4 of 5 inputs"));
  MSCK(PetscFree(mv));
  MSCK(VecDestroy(&m));
  MSCK(MSMapDestroy(&map));
}
END_TEST

START_TEST(linear_sparse)
{
  MSMap     map;
  Mat       A;
  PetscBool single;

  /* AIJ with an explicitly stored zero in column 4, which must not count as read */
  MSCK(MatCreateSeqAIJ(PETSC_COMM_SELF, 3, 5, 2, NULL, &A));
  MSCK(MatSetValue(A, 0, 1, 2.0, INSERT_VALUES));
  MSCK(MatSetValue(A, 1, 3, -3.0, INSERT_VALUES));
  MSCK(MatSetValue(A, 2, 4, 0.0, INSERT_VALUES));
  MSCK(MatAssemblyBegin(A, MAT_FINAL_ASSEMBLY));
  MSCK(MatAssemblyEnd(A, MAT_FINAL_ASSEMBLY));
  MSCK(MSMapCreate(PETSC_COMM_SELF, &map));
  MSCK(MSMapSetType(map, MSMAPLINEAR));
  MSCK(MSMapLinearSetOperator(map, A, NULL));
  MSCK(MSMapSetUp(map));
  check_support(map, 2, (PetscInt[]){1, 3});
  MSCK(MSMapHasSingletonColumns(map, &single));
  ck_assert(single);
  check_squared_exact(map);
  check_map_generic(map);
  ck_assert(view_contains(map, "offset b: none"));
  /* changing A behind the map's back is an error, not a stale A o A */
  MSCK(MatScale(A, 2.0));
  {
    Vec m, u;
    MSCK(MSMapCreateVecs(map, &m, &u));
    MSCK(VecSet(m, 1.0));
    MSCK_FAILS(MSMapApply(map, m, u), PETSC_ERR_ARG_WRONGSTATE);
    MSCK(MSMapLinearSetOperator(map, A, NULL));
    MSCK(MSMapApply(map, m, u));
    MSCK(VecDestroy(&m));
    MSCK(VecDestroy(&u));
  }
  MSCK(MatDestroy(&A));
  MSCK(MSMapDestroy(&map));
}
END_TEST

START_TEST(linear_bad_input)
{
  MSMap             map;
  Mat               A;
  Vec               b;
  const PetscScalar nan_a[4] = {1, 0, 0, NAN};

  MSCK(MSMapCreate(PETSC_COMM_SELF, &map));
  MSCK(MSMapSetType(map, MSMAPLINEAR));
  MSCK_FAILS(MSMapSetUp(map), PETSC_ERR_ARG_WRONGSTATE);
  MSCK_FAILS(MSMapLinearSetOperator(map, NULL, NULL), PETSC_ERR_ARG_NULL);
  A = mat_from(3, 5, A1, PETSC_TRUE);
  b = vec_from(2, b1);
  MSCK_FAILS(MSMapLinearSetOperator(map, A, b), PETSC_ERR_ARG_SIZ);
  MSCK(MatDestroy(&A));
  A = mat_from(2, 2, nan_a, PETSC_TRUE);
  MSCK_FAILS(MSMapLinearSetOperator(map, A, NULL), PETSC_ERR_FP);
  MSCK_FAILS(MSMapTileSetOperator(map, A), PETSC_ERR_ARG_WRONG);
  MSCK(MatDestroy(&A));
  MSCK(VecDestroy(&b));
  MSCK(MSMapDestroy(&map));
}
END_TEST

/* P rows against hand-computed overlap fractions */
static void check_dense_equals(MSMap map, PetscInt n_out, PetscInt n_in, const PetscScalar expect[])
{
  Vec          m;
  PetscScalar *J;
  PetscInt     ni, no;

  MSCK(MSMapGetSizes(map, &ni, &no));
  ck_assert_int_eq(ni, n_in);
  ck_assert_int_eq(no, n_out);
  MSCK(MSMapCreateVecs(map, &m, NULL));
  MSCK(VecSet(m, 0.0));
  J = dense_derivative(map, m);
  for (PetscInt k = 0; k < n_in * n_out; k++) ck_assert_msg(PetscAbsScalar(J[k] - expect[k]) <= 1e-15, "P[%d, %d] = %.17g, expected %.17g", (int)(k / n_in), (int)(k % n_in), (double)J[k], (double)expect[k]);
  MSCK(PetscFree(J));
  MSCK(VecDestroy(&m));
}

START_TEST(tile_grids_1d)
{
  const PetscReal   ge[] = {0, 1, 2, 3, 4}, la[] = {0.5, 2, 4}, lb[] = {0.5, 1.5, 3};
  const PetscInt    ng[3] = {4, 1, 1}, nl[3] = {2, 1, 1};
  const PetscScalar Pa[] = {1.0 / 3, 2.0 / 3, 0, 0, 0, 0, 0.5, 0.5};
  const PetscScalar Pb[] = {0.5, 0.5, 0, 0, 0, 1.0 / 3, 2.0 / 3, 0};
  MSMap             map;
  MSMapType         type;
  PetscBool         single;

  MSCK(MSMapCreateTileFromGrids(PETSC_COMM_SELF, ng, (const PetscReal *[3]){ge, NULL, NULL}, nl, (const PetscReal *[3]){la, NULL, NULL}, &map));
  MSCK(MSMapGetType(map, &type));
  ck_assert_str_eq(type, MSMAPTILE);
  check_dense_equals(map, 2, 4, Pa);
  check_support(map, 4, (PetscInt[]){0, 1, 2, 3});
  MSCK(MSMapHasSingletonColumns(map, &single));
  ck_assert(single); /* each global cell lies in one local cell */
  check_squared_exact(map);
  check_map_generic(map);
  MSCK(MSMapDestroy(&map));

  /* global cell 1 is split between the two local cells; global cell 3 is not read */
  MSCK(MSMapCreateTileFromGrids(PETSC_COMM_SELF, ng, (const PetscReal *[3]){ge, NULL, NULL}, nl, (const PetscReal *[3]){lb, NULL, NULL}, &map));
  check_dense_equals(map, 2, 4, Pb);
  check_support(map, 3, (PetscInt[]){0, 1, 2});
  MSCK(MSMapHasSingletonColumns(map, &single));
  ck_assert(!single);
  check_squared_exact(map);
  check_map_generic(map);
  MSCK(MSMapDestroy(&map));
}
END_TEST

/* 3-D: the fractions are products of hand-computed 1-D fractions, cells numbered x fastest */
START_TEST(tile_grids_3d)
{
  const PetscReal gx[] = {0, 1, 2}, gy[] = {0, 1, 2, 3}, gz[] = {0, 1, 2};
  const PetscReal lx[] = {0.5, 1.5}, ly[] = {1, 2.5}, lz[] = {0, 2};
  const PetscInt  ng[3] = {2, 3, 2}, nl[3] = {1, 1, 1};
  const PetscReal wx[2] = {0.5, 0.5}, wy[3] = {0, 2.0 / 3, 1.0 / 3}, wz[2] = {0.5, 0.5};
  PetscScalar     P[12];
  MSMap           map;

  for (PetscInt k = 0; k < 2; k++)
    for (PetscInt j = 0; j < 3; j++)
      for (PetscInt i = 0; i < 2; i++) P[i + 2 * (j + 3 * k)] = wx[i] * wy[j] * wz[k];
  MSCK(MSMapCreateTileFromGrids(PETSC_COMM_SELF, ng, (const PetscReal *[3]){gx, gy, gz}, nl, (const PetscReal *[3]){lx, ly, lz}, &map));
  check_dense_equals(map, 1, 12, P);
  check_support(map, 8, (PetscInt[]){2, 3, 4, 5, 8, 9, 10, 11});
  check_map_generic(map);
  MSCK(MSMapDestroy(&map));
}
END_TEST

START_TEST(tile_bad_input)
{
  const PetscReal   ge[] = {0, 1, 2, 3, 4}, out[] = {-1, 2}, flat[] = {0, 1, 1, 2}, ok[] = {0, 2};
  const PetscInt    ng[3] = {4, 1, 1}, nl[3] = {1, 1, 1}, ngflat[3] = {3, 1, 1};
  const PetscScalar short_row[] = {0.5, 0.5, 0, 0, 0.3, 0.6}, negative[] = {1.5, -0.5, 0, 0, 0, 1};
  MSMap             map;
  Mat               P;

  MSCK_FAILS(MSMapCreateTileFromGrids(PETSC_COMM_SELF, ng, (const PetscReal *[3]){ge, NULL, NULL}, nl, (const PetscReal *[3]){out, NULL, NULL}, &map), PETSC_ERR_ARG_OUTOFRANGE);
  MSCK_FAILS(MSMapCreateTileFromGrids(PETSC_COMM_SELF, ngflat, (const PetscReal *[3]){flat, NULL, NULL}, nl, (const PetscReal *[3]){ok, NULL, NULL}, &map), PETSC_ERR_ARG_WRONG);
  MSCK_FAILS(MSMapCreateTileFromGrids(PETSC_COMM_SELF, ng, (const PetscReal *[3]){ge, ok, NULL}, nl, (const PetscReal *[3]){ok, NULL, NULL}, &map), PETSC_ERR_ARG_NULL);
  ck_assert(map == NULL);

  MSCK(MSMapCreate(PETSC_COMM_SELF, &map));
  MSCK(MSMapSetType(map, MSMAPTILE));
  P = mat_from(2, 3, short_row, PETSC_FALSE);
  MSCK_FAILS(MSMapTileSetOperator(map, P), PETSC_ERR_ARG_OUTOFRANGE);
  MSCK_FAILS(MSMapLinearSetOperator(map, P, NULL), PETSC_ERR_ARG_WRONG);
  MSCK(MatDestroy(&P));
  P = mat_from(2, 3, negative, PETSC_FALSE);
  MSCK_FAILS(MSMapTileSetOperator(map, P), PETSC_ERR_ARG_OUTOFRANGE);
  MSCK(MatDestroy(&P));
  MSCK_FAILS(MSMapTileSetOperator(map, NULL), PETSC_ERR_ARG_NULL);
  MSCK_FAILS(MSMapSetUp(map), PETSC_ERR_ARG_WRONGSTATE);
  MSCK(MSMapDestroy(&map));
}
END_TEST

static MSMap compose_of(PetscInt n, const MSMap maps[])
{
  MSMap map;

  MSCK(MSMapCreate(PETSC_COMM_SELF, &map));
  MSCK(MSMapSetType(map, MSMAPCOMPOSE));
  MSCK(MSMapComposeSetMaps(map, n, maps));
  MSCK(MSMapSetUp(map));
  return map;
}

/* SimPEG's "projection, exp" chain: u_k = exp(m[idx[k]]) */
START_TEST(compose_projection_exp)
{
  const PetscInt idx[] = {4, 1, 3};
  MSMap          chain[2], map;
  Vec            m;
  PetscScalar   *mv, expect[3];

  MSCK(MSMapCreateProjection(PETSC_COMM_SELF, 6, 3, idx, &chain[0]));
  chain[1] = exp_map(3);
  map      = compose_of(2, chain);
  MSCK(MSMapDestroy(&chain[0]));
  MSCK(MSMapDestroy(&chain[1]));
  MSCK(MSMapCreateVecs(map, &m, NULL));
  MSCK(ms_test_vec_fill(m, 7));
  mv = vec_values(m);
  for (PetscInt k = 0; k < 3; k++) expect[k] = exp(mv[idx[k]]);
  check_values(map, m, expect, 1e-15);
  /* the cached intermediate model follows a change of m */
  MSCK(VecScale(m, 2.0));
  for (PetscInt k = 0; k < 3; k++) expect[k] = exp(2.0 * mv[idx[k]]);
  check_values(map, m, expect, 1e-15);
  check_support(map, 3, (PetscInt[]){1, 3, 4});
  check_squared_exact(map);
  check_map_generic(map);
  ck_assert(view_contains(map, "chain of 2 maps"));
  MSCK(PetscFree(mv));
  MSCK(VecDestroy(&m));
  MSCK(MSMapDestroy(&map));
}
END_TEST

/* projection, exp, linear: every map but the last has singleton columns, so squared Jt is exact */
START_TEST(compose_three)
{
  const PetscInt idx[] = {0, 2, 1, 4, 6};
  MSMap          chain[3], map;
  PetscBool      single;

  MSCK(MSMapCreateProjection(PETSC_COMM_SELF, 7, 5, idx, &chain[0]));
  chain[1] = exp_map(5);
  chain[2] = linear_map(3, 5, A1, b1, PETSC_TRUE);
  map      = compose_of(3, chain);
  MSCK(MSMapHasSingletonColumns(map, &single));
  ck_assert(!single);
  check_support(map, 5, (PetscInt[]){0, 1, 2, 4, 6});
  check_squared_exact(map);
  check_map_generic(map);
  for (PetscInt k = 0; k < 3; k++) MSCK(MSMapDestroy(&chain[k]));
  MSCK(MSMapDestroy(&map));
}
END_TEST

START_TEST(compose_bad_input)
{
  MSMap chain[2], map;

  chain[0] = exp_map(3);
  chain[1] = exp_map(4);
  MSCK(MSMapCreate(PETSC_COMM_SELF, &map));
  MSCK(MSMapSetType(map, MSMAPCOMPOSE));
  MSCK_FAILS(MSMapSetUp(map), PETSC_ERR_ARG_WRONGSTATE);
  MSCK_FAILS(MSMapComposeSetMaps(map, 2, chain), PETSC_ERR_ARG_SIZ);
  MSCK_FAILS(MSMapComposeSetMaps(map, 0, chain), PETSC_ERR_ARG_OUTOFRANGE);
  MSCK_FAILS(MSMapComposeSetMaps(map, 2, (MSMap[]){chain[0], NULL}), PETSC_ERR_ARG_NULL);
  MSCK_FAILS(MSMapComposeSetMaps(map, 1, &map), PETSC_ERR_ARG_WRONG);
  MSCK_FAILS(MSMapSumSetMaps(map, 1, chain), PETSC_ERR_ARG_WRONG);
  MSCK(MSMapDestroy(&chain[0]));
  MSCK(MSMapDestroy(&chain[1]));
  MSCK(MSMapDestroy(&map));
}
END_TEST

static MSMap sum_of(PetscInt n, const MSMap maps[])
{
  MSMap map;

  MSCK(MSMapCreate(PETSC_COMM_SELF, &map));
  MSCK(MSMapSetType(map, MSMAPSUM));
  MSCK(MSMapSumSetMaps(map, n, maps));
  MSCK(MSMapSetUp(map));
  return map;
}

START_TEST(sum_two_linear)
{
  MSMap        terms[2], map;
  Vec          m, d, v, ve;
  PetscScalar *mv, *dv, expect[3];
  PetscBool    single;
  PetscReal    rel;

  terms[0] = linear_map(3, 5, A1, b1, PETSC_TRUE);
  terms[1] = linear_map(3, 5, A2, b2, PETSC_FALSE);
  map      = sum_of(2, terms);
  MSCK(MSMapCreateVecs(map, &m, &d));
  MSCK(ms_test_vec_fill(m, 3));
  mv = vec_values(m);
  for (PetscInt i = 0; i < 3; i++) {
    expect[i] = b1[i] + b2[i];
    for (PetscInt j = 0; j < 5; j++) expect[i] += (A1[i * 5 + j] + A2[i * 5 + j]) * mv[j];
  }
  check_values(map, m, expect, 1e-14);
  check_support(map, 5, (PetscInt[]){0, 1, 2, 3, 4});
  MSCK(MSMapHasSingletonColumns(map, &single));
  ck_assert(!single);
  /* squared Jt is the sum of the terms' own: (A1 o A1 + A2 o A2)^T d */
  MSCK(ms_test_vec_fill(d, 8));
  dv = vec_values(d);
  MSCK(VecDuplicate(m, &v));
  MSCK(VecDuplicate(m, &ve));
  for (PetscInt j = 0; j < 5; j++) {
    PetscScalar s = 0.0;
    for (PetscInt i = 0; i < 3; i++) s += dv[i] * (A1[i * 5 + j] * A1[i * 5 + j] + A2[i * 5 + j] * A2[i * 5 + j]);
    MSCK(VecSetValue(ve, j, s, INSERT_VALUES));
  }
  MSCK(VecAssemblyBegin(ve));
  MSCK(VecAssemblyEnd(ve));
  MSCK(MSMapSquaredJtvec(map, m, d, v));
  MSCK(ms_test_vec_rel_diff(v, ve, &rel));
  ck_assert_msg(rel <= 1e-14, "sum squared Jt rel diff %g", (double)rel);
  check_map_generic(map);
  MSCK(MSMapDestroy(&map));
  MSCK(MSMapDestroy(&terms[0]));

  /* a sum of terms reading a subset is restricted term by term */
  terms[0] = linear_map(3, 5, A2, NULL, PETSC_TRUE);
  map      = sum_of(2, (MSMap[]){terms[1], terms[0]});
  check_support(map, 2, (PetscInt[]){1, 3});
  check_map_generic(map);
  MSCK(MSMapDestroy(&map));
  MSCK(MSMapDestroy(&terms[0]));
  MSCK(MSMapDestroy(&terms[1]));
  MSCK(PetscFree(mv));
  MSCK(PetscFree(dv));
  MSCK(VecDestroy(&m));
  MSCK(VecDestroy(&d));
  MSCK(VecDestroy(&v));
  MSCK(VecDestroy(&ve));
}
END_TEST

/* Terms with singleton columns: the squared transpose squares the summed derivative. */
START_TEST(sum_singleton_terms)
{
  const PetscInt reversed[] = {4, 3, 2, 1, 0}, same[] = {0, 1, 2, 3, 4};
  MSMap          terms[2], map;
  Vec            m, d, v;
  PetscScalar   *dv, *vv;
  PetscBool      single;

  /* u = m + m: M' = 2I, singleton columns, diagonal 4 d */
  MSCK(MSMapCreateIdentity(PETSC_COMM_SELF, 5, &terms[0]));
  map = sum_of(2, (MSMap[]){terms[0], terms[0]});
  MSCK(MSMapHasSingletonColumns(map, &single));
  ck_assert(single);
  check_squared_exact(map);
  MSCK(MSMapCreateVecs(map, &m, &d));
  MSCK(VecDuplicate(m, &v));
  MSCK(ms_test_vec_fill(m, 2));
  MSCK(ms_test_vec_fill(d, 9));
  MSCK(MSMapSquaredJtvec(map, m, d, v));
  dv = vec_values(d);
  vv = vec_values(v);
  for (PetscInt j = 0; j < 5; j++) ck_assert_msg(PetscAbsScalar(vv[j] - 4.0 * dv[j]) <= 1e-14 * PetscAbsScalar(dv[j]), "column %d: %g, expected 4 d = %g", (int)j, (double)vv[j], (double)(4.0 * dv[j]));
  check_map_generic(map);
  MSCK(MSMapDestroy(&map));

  /* exp(m) + P m, P the same rows: still singleton columns */
  terms[1] = exp_map(5);
  MSCK(MSMapDestroy(&terms[0]));
  MSCK(MSMapCreateProjection(PETSC_COMM_SELF, 5, 5, same, &terms[0]));
  map = sum_of(2, terms);
  check_squared_exact(map);
  MSCK(MSMapDestroy(&map));
  MSCK(MSMapDestroy(&terms[0]));

  /* exp(m) + P m, P reversed: two non-zeros per column except the middle one (not singleton),
     and the squared transpose is still exact */
  MSCK(MSMapCreateProjection(PETSC_COMM_SELF, 5, 5, reversed, &terms[0]));
  map = sum_of(2, terms);
  MSCK(MSMapHasSingletonColumns(map, &single));
  ck_assert(!single);
  check_squared_exact(map);
  check_map_generic(map);
  MSCK(MSMapDestroy(&map));
  MSCK(MSMapDestroy(&terms[0]));
  MSCK(MSMapDestroy(&terms[1]));
  MSCK(PetscFree(dv));
  MSCK(PetscFree(vv));
  MSCK(VecDestroy(&m));
  MSCK(VecDestroy(&d));
  MSCK(VecDestroy(&v));
}
END_TEST

/* A meta simulation whose map is u = m + m: the default (composed) JtJ diagonal equals the exact
   one (-meta_jtjdiag exact) and says it is exact. */
START_TEST(sum_meta_jtjdiag)
{
  const PetscScalar G[15] = {1, 2, 0, -1, 3, 0.5, 0, 4, 1, -2, 2, 1, 1, 0, 0.25};
  MSMap             id, map;
  MSSim             sim;
  MSMeta            meta;
  Mat               A;
  Vec               m, d, composed, exact;
  PetscBool         flag;
  PetscReal         rel;

  MSCK(MSMapCreateIdentity(PETSC_COMM_SELF, 5, &id));
  map = sum_of(2, (MSMap[]){id, id});
  A   = mat_from(3, 5, G, PETSC_TRUE);
  MSCK(MSSimCreate(PETSC_COMM_SELF, &sim));
  MSCK(MSSimSetType(sim, MSSIMLINEAR));
  MSCK(MSSimLinearSetOperator(sim, A));
  MSCK(MSSimSetUp(sim));
  MSCK(MSMetaCreate(PETSC_COMM_SELF, &meta));
  MSCK(MSMetaSetKind(meta, MS_META_STACK));
  MSCK(MSMetaAddSimulation(meta, sim, map));
  MSCK(MSMetaSetUp(meta));
  MSCK(MSMetaCreateVecs(meta, &m, &d));
  MSCK(ms_test_vec_fill(m, 4));
  MSCK(VecDuplicate(m, &composed));
  MSCK(VecDuplicate(m, &exact));
  MSCK(MSMetaGetJtJDiagonal(meta, m, NULL, composed, &flag));
  ck_assert_msg(flag, "u = m + m has singleton columns: the composed diagonal is exact");
  MSCK(MSMetaSetJtJDiagonalMethod(meta, MS_JTJDIAG_EXACT));
  MSCK(MSMetaGetJtJDiagonal(meta, m, NULL, exact, &flag));
  ck_assert(flag);
  MSCK(ms_test_vec_rel_diff(composed, exact, &rel));
  ck_assert_msg(rel <= 1e-14, "composed JtJ diagonal differs from the exact one: rel %g", (double)rel);
  /* and the exact one is 4 colsum(G o G) */
  for (PetscInt j = 0; j < 5; j++) {
    PetscScalar e, want = 0.0;

    for (PetscInt i = 0; i < 3; i++) want += 4.0 * G[i * 5 + j] * G[i * 5 + j];
    MSCK(VecGetValues(exact, 1, &j, &e));
    ck_assert_msg(PetscAbsScalar(e - want) <= 1e-13 * PetscAbsScalar(want), "column %d: %g, expected %g", (int)j, (double)e, (double)want);
  }
  MSCK(VecDestroy(&m));
  MSCK(VecDestroy(&d));
  MSCK(VecDestroy(&composed));
  MSCK(VecDestroy(&exact));
  MSCK(MSMetaDestroy(&meta));
  MSCK(MSSimDestroy(&sim));
  MSCK(MatDestroy(&A));
  MSCK(MSMapDestroy(&map));
  MSCK(MSMapDestroy(&id));
}
END_TEST

START_TEST(sum_bad_input)
{
  MSMap terms[2], map;
  PetscBool single;

  terms[0] = exp_map(3);
  terms[1] = exp_map(4);
  MSCK(MSMapCreate(PETSC_COMM_SELF, &map));
  MSCK(MSMapSetType(map, MSMAPSUM));
  MSCK_FAILS(MSMapSumSetMaps(map, 2, terms), PETSC_ERR_ARG_SIZ);
  MSCK_FAILS(MSMapSumSetMaps(map, 2, NULL), PETSC_ERR_ARG_NULL);
  MSCK_FAILS(MSMapComposeSetMaps(map, 1, terms), PETSC_ERR_ARG_WRONG);
  MSCK_FAILS(MSMapSetUp(map), PETSC_ERR_ARG_WRONGSTATE);
  MSCK(MSMapSumSetMaps(map, 1, terms));
  MSCK(MSMapSetUp(map));
  MSCK(MSMapHasSingletonColumns(map, &single));
  ck_assert(single); /* a single term with singleton columns */
  MSCK(MSMapDestroy(&terms[0]));
  MSCK(MSMapDestroy(&terms[1]));
  MSCK(MSMapDestroy(&map));
}
END_TEST

START_TEST(inject_active)
{
  const PetscInt active[] = {5, 0, 3};
  MSMap          map;
  IS             is;
  Vec            m, values;
  PetscScalar   *mv, expect[7];

  MSCK(ISCreateGeneral(PETSC_COMM_SELF, 3, active, PETSC_COPY_VALUES, &is));
  MSCK(MSMapCreate(PETSC_COMM_SELF, &map));
  MSCK(MSMapSetType(map, MSMAPINJECTACTIVE));
  MSCK(MSMapInjectActiveSetActive(map, 7, is, -2.0));
  MSCK(MSMapSetUp(map));
  MSCK(MSMapCreateVecs(map, &m, &values));
  MSCK(ms_test_vec_fill(m, 1));
  mv = vec_values(m);
  for (PetscInt i = 0; i < 7; i++) expect[i] = -2.0;
  for (PetscInt k = 0; k < 3; k++) expect[active[k]] = mv[k];
  check_values(map, m, expect, 0.0);
  ck_assert(view_contains(map, "inactive value -2"));
  for (PetscInt i = 0; i < 7; i++) {
    MSCK(VecSetValue(values, i, 10.0 + i, INSERT_VALUES));
    expect[i] = 10.0 + i;
  }
  MSCK(VecAssemblyBegin(values));
  MSCK(VecAssemblyEnd(values));
  MSCK(MSMapInjectActiveSetInactiveValues(map, values));
  for (PetscInt k = 0; k < 3; k++) expect[active[k]] = mv[k];
  check_values(map, m, expect, 0.0);
  check_support(map, 3, (PetscInt[]){0, 1, 2});
  check_squared_exact(map);
  check_map_generic(map);
  MSCK(PetscFree(mv));
  MSCK(VecDestroy(&m));
  MSCK(VecDestroy(&values));
  MSCK(ISDestroy(&is));
  MSCK(MSMapDestroy(&map));
}
END_TEST

START_TEST(inject_active_bad_input)
{
  const PetscInt dup[] = {1, 4, 1}, out[] = {0, 7};
  MSMap          map;
  IS             is;
  Vec            values;

  MSCK(MSMapCreate(PETSC_COMM_SELF, &map));
  MSCK(MSMapSetType(map, MSMAPINJECTACTIVE));
  MSCK(VecCreateSeq(PETSC_COMM_SELF, 6, &values));
  MSCK_FAILS(MSMapInjectActiveSetInactiveValues(map, values), PETSC_ERR_ORDER);
  MSCK_FAILS(MSMapInjectActiveSetActive(map, 7, NULL, 0.0), PETSC_ERR_ARG_NULL);
  MSCK(ISCreateGeneral(PETSC_COMM_SELF, 3, dup, PETSC_COPY_VALUES, &is));
  MSCK_FAILS(MSMapInjectActiveSetActive(map, 7, is, 0.0), PETSC_ERR_ARG_WRONG);
  MSCK(ISDestroy(&is));
  MSCK(ISCreateGeneral(PETSC_COMM_SELF, 2, out, PETSC_COPY_VALUES, &is));
  MSCK_FAILS(MSMapInjectActiveSetActive(map, 7, is, 0.0), PETSC_ERR_ARG_OUTOFRANGE);
  MSCK_FAILS(MSMapInjectActiveSetActive(map, 8, is, NAN), PETSC_ERR_FP);
  MSCK(MSMapInjectActiveSetActive(map, 8, is, 1.0));
  MSCK_FAILS(MSMapInjectActiveSetInactiveValues(map, values), PETSC_ERR_ARG_SIZ);
  MSCK_FAILS(MSMapProjectionSetIndices(map, 8, is), PETSC_ERR_ARG_WRONG);
  MSCK(ISDestroy(&is));
  MSCK(VecDestroy(&values));
  MSCK(MSMapDestroy(&map));
}
END_TEST

START_TEST(identity)
{
  MSMap     map;
  PetscBool single;
  IS        support;
  PetscInt  ns;

  MSCK(MSMapCreateIdentity(PETSC_COMM_SELF, 6, &map));
  MSCK(MSMapHasSingletonColumns(map, &single));
  ck_assert(single);
  MSCK(MSMapGetSupport(map, &support));
  MSCK(ISGetLocalSize(support, &ns));
  ck_assert_int_eq(ns, 6);
  check_map_generic(map);
  MSCK(MSMapDestroy(&map));
}
END_TEST

START_TEST(projection)
{
  const PetscInt  idx[] = {7, 2, 2, 5};
  MSMap           map;
  Vec             m, u, w, v;
  PetscBool       single;
  IS              support;
  PetscInt        ns;
  const PetscInt *s;
  PetscScalar     uv[4], vv[8];
  const PetscInt  all[] = {0, 1, 2, 3, 4, 5, 6, 7};

  MSCK(MSMapCreateProjection(PETSC_COMM_SELF, 8, 4, idx, &map));
  MSCK(MSMapHasSingletonColumns(map, &single));
  ck_assert(!single); /* index 2 repeats */
  MSCK(MSMapGetSupport(map, &support));
  MSCK(ISGetLocalSize(support, &ns));
  ck_assert_int_eq(ns, 3);
  MSCK(ISGetIndices(support, &s));
  ck_assert(s[0] == 2 && s[1] == 5 && s[2] == 7);
  MSCK(ISRestoreIndices(support, &s));

  MSCK(MSMapCreateVecs(map, &m, &u));
  MSCK(ms_test_vec_fill(m, 3));
  MSCK(MSMapApply(map, m, u));
  MSCK(VecGetValues(u, 4, (PetscInt[]){0, 1, 2, 3}, uv));
  for (PetscInt k = 0; k < 4; k++) {
    PetscScalar mk;
    MSCK(VecGetValues(m, 1, &idx[k], &mk));
    ck_assert(uv[k] == mk);
  }
  MSCK(VecDuplicate(u, &w));
  MSCK(VecDuplicate(m, &v));
  MSCK(VecSet(w, 1.0));
  MSCK(MSMapJtvec(map, m, w, v));
  MSCK(VecGetValues(v, 8, all, vv));
  ck_assert(vv[2] == 2.0 && vv[5] == 1.0 && vv[7] == 1.0 && vv[0] == 0.0);
  check_map_generic(map);
  MSCK(VecDestroy(&m));
  MSCK(VecDestroy(&u));
  MSCK(VecDestroy(&w));
  MSCK(VecDestroy(&v));
  MSCK(MSMapDestroy(&map));
}
END_TEST

START_TEST(bad_input)
{
  const PetscInt neg[] = {0, -1}, big[] = {0, 8};
  MSMap          map, empty;
  IS             keep;
  Vec            m, u;

  MSCK_FAILS(MSMapCreateProjection(PETSC_COMM_SELF, 8, 2, neg, &map), PETSC_ERR_ARG_OUTOFRANGE);
  MSCK(MSMapDestroy(&map));
  MSCK_FAILS(MSMapCreateProjection(PETSC_COMM_SELF, 8, 2, big, &map), PETSC_ERR_ARG_OUTOFRANGE);
  MSCK(MSMapDestroy(&map));
  MSCK(MSMapCreate(PETSC_COMM_SELF, &empty));
  MSCK_FAILS(MSMapSetType(empty, "warp"), PETSC_ERR_ARG_UNKNOWN_TYPE);
  MSCK_FAILS(MSMapSetUp(empty), PETSC_ERR_ORDER);
  MSCK(MSMapSetType(empty, MSMAPPROJECTION));
  MSCK_FAILS(MSMapSetUp(empty), PETSC_ERR_ARG_WRONGSTATE);
  MSCK(MSMapDestroy(&empty));

  MSCK(MSMapCreateProjection(PETSC_COMM_SELF, 8, 1, big, &map));
  MSCK(VecCreateSeq(PETSC_COMM_SELF, 7, &m));
  MSCK(VecCreateSeq(PETSC_COMM_SELF, 1, &u));
  MSCK_FAILS(MSMapApply(map, m, u), PETSC_ERR_ARG_SIZ);
  MSCK(ISCreateStride(PETSC_COMM_SELF, 2, 3, 1, &keep)); /* misses index 0 */
  MSCK_FAILS(MSMapCreateRestricted(map, keep, &empty), PETSC_ERR_ARG_WRONG);
  MSCK(ISDestroy(&keep));
  MSCK(VecDestroy(&m));
  MSCK(VecDestroy(&u));
  MSCK(MSMapDestroy(&map));
}
END_TEST

Suite *ms_test_suite(void)
{
  Suite *s  = suite_create("MSMap");
  TCase *tc = tcase_create("map");

  tcase_add_test(tc, identity);
  tcase_add_test(tc, projection);
  tcase_add_test(tc, bad_input);
  tcase_add_test(tc, exp_values);
  tcase_add_test(tc, exp_bad_input);
  tcase_add_test(tc, linear_dense);
  tcase_add_test(tc, linear_sparse);
  tcase_add_test(tc, linear_bad_input);
  tcase_add_test(tc, tile_grids_1d);
  tcase_add_test(tc, tile_grids_3d);
  tcase_add_test(tc, tile_bad_input);
  tcase_add_test(tc, compose_projection_exp);
  tcase_add_test(tc, compose_three);
  tcase_add_test(tc, compose_bad_input);
  tcase_add_test(tc, sum_two_linear);
  tcase_add_test(tc, sum_bad_input);
  tcase_add_test(tc, sum_singleton_terms);
  tcase_add_test(tc, sum_meta_jtjdiag);
  tcase_add_test(tc, inject_active);
  tcase_add_test(tc, inject_active_bad_input);
  suite_add_tcase(s, tc);
  return s;
}
