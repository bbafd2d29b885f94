/* MSMap types: values against direct formulas, adjoint and Taylor tests, support, restriction. */
#include <math.h>
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
  suite_add_tcase(s, tc);
  return s;
}
