/* MSMeta reproduces SimPEG 0.24's own answers on its reference problems (tests/data/reference). */
#include <hdf5.h>
#include "mstest.h"

#define REF_TOL 1e-12

typedef struct {
  hid_t    file;
  PetscInt n_sims, n_data, n_model;
  char     kind[16];
} RefFile;

static void ref_open(const char *name, RefFile *f)
{
  char   path[PETSC_MAX_PATH_LEN];
  hid_t  a, t;
  long long n;

  snprintf(path, sizeof(path), "%s/reference/%s", MS_TEST_DATA_DIR, name);
  f->file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
  ck_assert_msg(f->file >= 0, "cannot open %s", path);
  const char *ints[3] = {"n_sims", "n_data", "n_model"};
  PetscInt   *dst[3]  = {&f->n_sims, &f->n_data, &f->n_model};
  for (int i = 0; i < 3; i++) {
    a = H5Aopen(f->file, ints[i], H5P_DEFAULT);
    ck_assert(H5Aread(a, H5T_NATIVE_LLONG, &n) >= 0);
    *dst[i] = (PetscInt)n;
    H5Aclose(a);
  }
  a = H5Aopen(f->file, "kind", H5P_DEFAULT);
  t = H5Tcopy(H5T_C_S1);
  H5Tset_size(t, H5T_VARIABLE);
  H5Tset_cset(t, H5T_CSET_UTF8);
  {
    char *s = NULL;
    ck_assert(H5Aread(a, t, &s) >= 0);
    snprintf(f->kind, sizeof(f->kind), "%s", s);
    H5free_memory(s);
  }
  H5Tclose(t);
  H5Aclose(a);
}

/* A whole dataset of doubles or int64 into a new array. */
static void *ref_read(RefFile *f, const char *name, hid_t type, size_t elsize, hsize_t dims[2])
{
  hid_t  d = H5Dopen2(f->file, name, H5P_DEFAULT), s;
  int    rank;
  void  *buf;

  ck_assert_msg(d >= 0, "no dataset %s", name);
  s    = H5Dget_space(d);
  rank = H5Sget_simple_extent_ndims(s);
  dims[1] = 1;
  H5Sget_simple_extent_dims(s, dims, NULL);
  if (rank == 1) dims[1] = 1;
  buf = malloc(elsize * dims[0] * dims[1]);
  ck_assert(H5Dread(d, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) >= 0);
  H5Sclose(s);
  H5Dclose(d);
  return buf;
}

/* A distributed Vec from a 1-D dataset. */
static Vec ref_vec(RefFile *f, const char *name, PetscInt local)
{
  hsize_t   dims[2];
  double   *a = ref_read(f, name, H5T_NATIVE_DOUBLE, sizeof(double), dims);
  Vec       v;
  PetscInt  lo, hi;
  PetscScalar *x;

  MSCK(VecCreateMPI(PETSC_COMM_WORLD, local, (PetscInt)dims[0], &v));
  MSCK(VecGetOwnershipRange(v, &lo, &hi));
  MSCK(VecGetArray(v, &x));
  for (PetscInt i = lo; i < hi; i++) x[i - lo] = a[i];
  MSCK(VecRestoreArray(v, &x));
  free(a);
  return v;
}

static void ref_compare(RefFile *f, const char *name, Vec x)
{
  Vec       ref = ref_vec(f, name, PETSC_DECIDE), y;
  PetscReal rel;

  /* compare in the reference's layout */
  MSCK(VecDuplicate(ref, &y));
  {
    VecScatter sc;
    IS         is;
    PetscInt   lo, hi;
    MSCK(VecGetOwnershipRange(ref, &lo, &hi));
    MSCK(ISCreateStride(PETSC_COMM_WORLD, hi - lo, lo, 1, &is));
    MSCK(VecScatterCreate(x, is, y, NULL, &sc));
    MSCK(VecScatterBegin(sc, x, y, INSERT_VALUES, SCATTER_FORWARD));
    MSCK(VecScatterEnd(sc, x, y, INSERT_VALUES, SCATTER_FORWARD));
    MSCK(VecScatterDestroy(&sc));
    MSCK(ISDestroy(&is));
  }
  MSCK(ms_test_vec_rel_diff(y, ref, &rel));
  ck_assert_msg(rel <= REF_TOL, "%s: relative error %.3e against SimPEG", name, (double)rel);
  MSCK(VecDestroy(&ref));
  MSCK(VecDestroy(&y));
}

typedef struct {
  RefFile *f;
} RefCtx;

/* Simulation i of the file: a dense linear G_i and a projection (identity: all indices) map. */
static PetscErrorCode RefFactory(MPI_Comm comm, PetscInt i, MSSim *sim, MSMap *map, void *ctx)
{
  RefFile   *f = ((RefCtx *)ctx)->f;
  char       name[64];
  hsize_t    gd[2], id[2];
  double    *g;
  long long *idx;
  PetscInt  *pidx;
  Mat        G;
  PetscInt   rstart, rend;

  PetscFunctionBegin;
  snprintf(name, sizeof(name), "/sim_%03d/G", (int)i);
  g = ref_read(f, name, H5T_NATIVE_DOUBLE, sizeof(double), gd);
  snprintf(name, sizeof(name), "/sim_%03d/map/indices", (int)i);
  idx = ref_read(f, name, H5T_NATIVE_LLONG, sizeof(long long), id);
  PetscCall(MatCreateDense(comm, PETSC_DECIDE, PETSC_DECIDE, (PetscInt)gd[0], (PetscInt)gd[1], NULL, &G));
  PetscCall(MatGetOwnershipRange(G, &rstart, &rend));
  for (PetscInt r = rstart; r < rend; r++)
    for (hsize_t c = 0; c < gd[1]; c++) PetscCall(MatSetValue(G, r, (PetscInt)c, g[(hsize_t)r * gd[1] + c], INSERT_VALUES));
  PetscCall(MatAssemblyBegin(G, MAT_FINAL_ASSEMBLY));
  PetscCall(MatAssemblyEnd(G, MAT_FINAL_ASSEMBLY));
  PetscCall(MSSimCreate(comm, sim));
  PetscCall(MSSimSetType(*sim, MSSIMLINEAR));
  PetscCall(MSSimLinearSetOperator(*sim, G));
  PetscCall(MatDestroy(&G));
  PetscCall(PetscMalloc1(id[0], &pidx));
  for (hsize_t k = 0; k < id[0]; k++) pidx[k] = (PetscInt)idx[k];
  PetscCall(MSMapCreateProjection(PETSC_COMM_SELF, f->n_model, (PetscInt)id[0], pidx, map));
  PetscCall(PetscFree(pidx));
  free(g);
  free(idx);
  PetscFunctionReturn(0);
}

static void check_reference(const char *file, MSMetaKind kind, PetscBool ref_exact)
{
  RefFile   f;
  RefCtx    ctx = {&f};
  MSMeta    meta;
  Vec       m, v, w, W, d, g;
  PetscInt  dlocal;
  PetscBool exact;

  ref_open(file, &f);
  MSCK(MSMetaCreate(PETSC_COMM_WORLD, &meta));
  MSCK(MSMetaSetKind(meta, kind));
  MSCK(MSMetaSetFactory(meta, f.n_sims, RefFactory, &ctx));
  MSCK(MSMetaSetUp(meta));
  MSCK(MSMetaCreateVecs(meta, NULL, &d));
  MSCK(VecGetLocalSize(d, &dlocal));
  m = ref_vec(&f, "/m", PETSC_DECIDE);
  v = ref_vec(&f, "/v", PETSC_DECIDE);
  w = ref_vec(&f, "/w", dlocal);
  W = ref_vec(&f, "/W_diag", dlocal);
  MSCK(VecDuplicate(m, &g));

  MSCK(MSMetaDpred(meta, m, d));
  ref_compare(&f, "/ref/dpred", d);
  MSCK(MSMetaJvec(meta, m, v, d));
  ref_compare(&f, "/ref/Jvec", d);
  MSCK(MSMetaJtvec(meta, m, w, g));
  ref_compare(&f, "/ref/Jtvec", g);
  MSCK(MSMetaGetJtJDiagonal(meta, m, NULL, g, &exact));
  ck_assert(exact == ref_exact);
  ref_compare(&f, "/ref/JtJdiag", g);
  MSCK(MSMetaGetJtJDiagonal(meta, m, W, g, NULL));
  ref_compare(&f, "/ref/JtJdiag_W", g);
  MSCK(MSMetaSetJtJDiagonalMethod(meta, MS_JTJDIAG_EXACT));
  MSCK(MSMetaGetJtJDiagonal(meta, m, NULL, g, &exact));
  ck_assert(exact);
  ref_compare(&f, "/exact/JtJdiag", g);
  MSCK(MSMetaGetJtJDiagonal(meta, m, W, g, NULL));
  ref_compare(&f, "/exact/JtJdiag_W", g);

  MSCK(VecDestroy(&m));
  MSCK(VecDestroy(&v));
  MSCK(VecDestroy(&w));
  MSCK(VecDestroy(&W));
  MSCK(VecDestroy(&d));
  MSCK(VecDestroy(&g));
  MSCK(MSMetaDestroy(&meta));
  H5Fclose(f.file);
}

START_TEST(simpeg_meta_projection)
{
  check_reference("simpeg_meta_projection.h5", MS_META_STACK, PETSC_TRUE);
}
END_TEST

START_TEST(simpeg_sum_identity)
{
  check_reference("simpeg_sum_identity.h5", MS_META_SUM, PETSC_FALSE);
}
END_TEST

Suite *ms_test_suite(void)
{
  Suite *s  = suite_create("MSMeta against SimPEG 0.24");
  TCase *tc = tcase_create("reference");

  tcase_add_test(tc, simpeg_meta_projection);
  tcase_add_test(tc, simpeg_sum_identity);
  suite_add_tcase(s, tc);
  return s;
}
