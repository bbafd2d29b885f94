/* The dcr simulation type and the sum map in problem files: a tiled DC resistivity survey written
   with MSProblemWriterSetDCRSimulation() and loaded with MSProblemLoad() computes what the same
   MSMeta built in code computes; a sum-map chain reads back as the map built directly; the
   writer refuses bad descriptions with the reader's errors. */
#include <math.h>
#include <unistd.h>
#include "mstest.h"
#include "dcr_grids.h"
#include "meta_problem.h"

#define N_TILES 3
#define N_RX    4

/* The global grid: 12 x 12 x 6 uniform cells on [-1, 1]^2 x [-1, 0]. */
static const PetscInt  global_n[3] = {12, 12, 6};
static const PetscReal domain_lo[3] = {-1.0, -1.0, -1.0}, domain_hi[3] = {1.0, 1.0, 0.0};
static const PetscReal tile_source[N_TILES][3] = {{-0.4, -0.4, 0.0}, {0.4, -0.3, 0.0}, {0.0, 0.4, 0.0}};

/* Tile t's grid and survey, kept as the arrays an MSDCRSpec points to. */
typedef struct {
  PetscInt          cells[3];
  PetscReal        *edges[3];
  MSDCRSourceSpec   source;
  MSDCRReceiverSpec rx[N_RX];
  MSDCRSpec         spec;
} Tile;

/* Tile t: a pole source (a dipole for tile 1), three pole receivers and one dipole receiver. */
static PetscErrorCode TileCreate(PetscInt t, Tile *tile)
{
  const PetscReal *a = tile_source[t];
  PetscReal       *ge[3];

  PetscFunctionBegin;
  PetscCall(PetscMemzero(tile, sizeof(*tile)));
  PetscCall(dg_uniform_edges(global_n, domain_lo, domain_hi, ge));
  for (PetscInt d = 0; d < 2; d++) PetscCall(dg_tile_axis_edges(ge[d], global_n[d], a[d] - 0.5, a[d] + 0.5, &tile->cells[d], &tile->edges[d]));
  PetscCall(dg_tile_axis_edges(ge[2], global_n[2], -0.4, 0.0, &tile->cells[2], &tile->edges[2]));
  PetscCall(dg_free_edges(ge));
  for (PetscInt d = 0; d < 3; d++) tile->source.a[d] = a[d];
  tile->source.current = 1.0 + 0.5 * t;
  if (t == 1) {
    tile->source.dipole = PETSC_TRUE;
    tile->source.b[0]   = a[0] - 0.3;
    tile->source.b[1]   = a[1] + 0.1;
  }
  for (PetscInt r = 0; r < N_RX; r++) {
    const PetscReal th = 2.0 * PETSC_PI * r / N_RX + 0.3;

    tile->rx[r].m[0] = a[0] + 0.3 * cos(th);
    tile->rx[r].m[1] = a[1] + 0.3 * sin(th);
    tile->rx[r].m[2] = r == 2 ? -0.2 : 0.0;
  }
  tile->rx[N_RX - 1].difference = PETSC_TRUE;
  tile->rx[N_RX - 1].n[0]       = a[0] - 0.1;
  tile->rx[N_RX - 1].n[1]       = a[1] + 0.25;
  for (PetscInt d = 0; d < 3; d++) {
    tile->spec.cells[d] = tile->cells[d];
    tile->spec.edges[d] = tile->edges[d];
  }
  tile->spec.n_sources   = 1;
  tile->spec.sources     = &tile->source;
  tile->spec.n_receivers = N_RX;
  tile->spec.receivers   = tile->rx;
  PetscFunctionReturn(0);
}

static PetscErrorCode TileDestroy(Tile *tile)
{
  PetscFunctionBegin;
  PetscCall(dg_free_edges(tile->edges));
  PetscFunctionReturn(0);
}

static PetscErrorCode TileMap(const Tile *tile, MSMap *map)
{
  PetscReal *ge[3];

  PetscFunctionBegin;
  PetscCall(dg_uniform_edges(global_n, domain_lo, domain_hi, ge));
  PetscCall(MSMapCreateTileFromGrids(PETSC_COMM_SELF, global_n, (const PetscReal **)ge, tile->cells, (const PetscReal **)tile->edges, map));
  PetscCall(dg_free_edges(ge));
  PetscFunctionReturn(0);
}

/* The reference: tile t built with the dcr API and the tile map, independently of the format. */
static PetscErrorCode TileFactory(MPI_Comm comm, PetscInt t, MSSim *sim, MSMap *map, void *ctx)
{
  Tile tile;

  PetscFunctionBegin;
  PetscCall(TileCreate(t, &tile));
  PetscCall(MSSimCreate(comm, sim));
  PetscCall(MSSimSetType(*sim, MSSIMDCR));
  PetscCall(MSSimDCRSetGrid(*sim, tile.cells, (const PetscReal *const *)tile.edges));
  PetscCall(MSSimDCRAddSource(*sim, tile.source.a, tile.source.dipole ? tile.source.b : NULL, tile.source.current, NULL));
  for (PetscInt r = 0; r < N_RX; r++) PetscCall(MSSimDCRAddReceiver(*sim, 0, tile.rx[r].m, tile.rx[r].difference ? tile.rx[r].n : NULL));
  PetscCall(MSSimSetUp(*sim));
  PetscCall(TileMap(&tile, map));
  PetscCall(TileDestroy(&tile));
  PetscFunctionReturn(0);
}

/* The tile map's averaging matrix, row r = M^T e_r (the map is linear). */
static PetscErrorCode MapMatrix(MSMap map, Mat *P)
{
  Vec                m, u, row;
  PetscInt           n_in, n_out;
  const PetscScalar *a;

  PetscFunctionBegin;
  PetscCall(MSMapGetSizes(map, &n_in, &n_out));
  PetscCall(MSMapCreateVecs(map, &m, &u));
  PetscCall(VecDuplicate(m, &row));
  PetscCall(VecSet(m, 0.0));
  PetscCall(MatCreateSeqAIJ(PETSC_COMM_SELF, n_out, n_in, 32, NULL, P));
  for (PetscInt r = 0; r < n_out; r++) {
    PetscCall(VecSet(u, 0.0));
    PetscCall(VecSetValue(u, r, 1.0, INSERT_VALUES));
    PetscCall(VecAssemblyBegin(u));
    PetscCall(VecAssemblyEnd(u));
    PetscCall(MSMapJtvec(map, m, u, row));
    PetscCall(VecGetArrayRead(row, &a));
    for (PetscInt c = 0; c < n_in; c++)
      if (a[c] != 0.0) PetscCall(MatSetValue(*P, r, c, a[c], INSERT_VALUES));
    PetscCall(VecRestoreArrayRead(row, &a));
  }
  PetscCall(MatAssemblyBegin(*P, MAT_FINAL_ASSEMBLY));
  PetscCall(MatAssemblyEnd(*P, MAT_FINAL_ASSEMBLY));
  PetscCall(VecDestroy(&m));
  PetscCall(VecDestroy(&u));
  PetscCall(VecDestroy(&row));
  PetscFunctionReturn(0);
}

/* Writes the tiled survey, rank r setting the tiles t with t % size == r. */
static PetscErrorCode WriteTiled(const char file[])
{
  MSProblemWriter w;
  const PetscInt  n_model = global_n[0] * global_n[1] * global_n[2];

  PetscFunctionBegin;
  PetscCall(MSProblemWriterCreate(PETSC_COMM_WORLD, file, MS_META_STACK, N_TILES, n_model, &w));
  for (PetscInt t = ms_test_rank; t < N_TILES; t += ms_test_size) {
    Tile      tile;
    MSMap     map;
    MSMapSpec step = {MSMAPTILE, n_model, 0, NULL, NULL, NULL, 0.0, 0, NULL};

    PetscCall(TileCreate(t, &tile));
    PetscCall(TileMap(&tile, &map));
    PetscCall(MapMatrix(map, &step.A));
    step.n_out = tile.cells[0] * tile.cells[1] * tile.cells[2];
    PetscCall(MSProblemWriterSetDCRSimulation(w, t, &tile.spec, 1, &step));
    PetscCall(MatDestroy(&step.A));
    PetscCall(MSMapDestroy(&map));
    PetscCall(TileDestroy(&tile));
  }
  PetscCall(MSProblemWriterCommit(w));
  PetscCall(MSProblemWriterDestroy(&w));
  PetscFunctionReturn(0);
}

/* log(sigma): 0.01 S/m with a conductive block. */
static PetscErrorCode FillModel(Vec m)
{
  PetscScalar *a;
  PetscInt     lo, hi;

  PetscFunctionBegin;
  PetscCall(VecGetOwnershipRange(m, &lo, &hi));
  PetscCall(VecGetArrayWrite(m, &a));
  for (PetscInt c = lo; c < hi; c++) {
    const PetscInt i = c % global_n[0], j = (c / global_n[0]) % global_n[1], k = c / (global_n[0] * global_n[1]);

    a[c - lo] = (i >= 3 && i < 7 && j >= 4 && j < 8 && k >= 2 && k < 5) ? log(0.1) : log(0.01);
  }
  PetscCall(VecRestoreArrayWrite(m, &a));
  PetscFunctionReturn(0);
}

/* max |x - y| / max |y| over the gathered entries of two vectors of the same length. */
static PetscErrorCode GatheredRelDiff(Vec x, Vec y, PetscReal *rel)
{
  PetscReal *a, *b, dmax = 0.0, ymax = 0.0;
  PetscInt   n;

  PetscFunctionBegin;
  PetscCall(VecGetSize(y, &n));
  PetscCall(mp_gather(x, &a));
  PetscCall(mp_gather(y, &b));
  for (PetscInt k = 0; k < n; k++) {
    dmax = PetscMax(dmax, PetscAbsReal(a[k] - b[k]));
    ymax = PetscMax(ymax, PetscAbsReal(b[k]));
  }
  *rel = dmax / ymax;
  PetscCall(PetscFree(a));
  PetscCall(PetscFree(b));
  PetscFunctionReturn(0);
}

/* dpred, J v and J^T w of the loaded problem against the MSMeta built in code, at every rank count. */
START_TEST(dcr_load_matches_library)
{
  char             file[64];
  MSMeta           ref, loaded;
  Vec              m, v, w, d[2], jv[2], jtw[2];
  MSMeta           metas[2];
  MSProblemInfo    info;
  MSProblemSimInfo sinfo;
  PetscReal        rel;
  Tile             tile;

  MSCK(PetscSNPrintf(file, sizeof(file), "test_io_dcr_tiled_np%d.h5", (int)ms_test_size));
  MSCK(WriteTiled(file));
  MSCK(MSProblemValidate(PETSC_COMM_WORLD, file, &info));
  ck_assert_int_eq(info.n_sims, N_TILES);
  ck_assert_int_eq(info.n_model, global_n[0] * global_n[1] * global_n[2]);
  ck_assert_int_eq(info.n_data, N_TILES * N_RX);
  MSCK(TileCreate(1, &tile));
  MSCK(MSProblemGetSimulationInfo(PETSC_COMM_WORLD, file, 1, &sinfo));
  ck_assert_str_eq(sinfo.type, MSSIMDCR);
  ck_assert_int_eq(sinfo.n_sources, 1);
  ck_assert_int_eq(sinfo.n_data, N_RX);
  for (PetscInt k = 0; k < 3; k++) ck_assert_int_eq(sinfo.cells[k], tile.cells[k]);
  ck_assert_int_eq(sinfo.n_sub, tile.cells[0] * tile.cells[1] * tile.cells[2]);
  MSCK(TileDestroy(&tile));

  MSCK(MSMetaCreate(PETSC_COMM_WORLD, &ref));
  MSCK(MSMetaSetKind(ref, MS_META_STACK));
  MSCK(MSMetaSetFactory(ref, N_TILES, TileFactory, NULL));
  MSCK(MSMetaSetUp(ref));
  MSCK(MSProblemLoad(PETSC_COMM_WORLD, file, &loaded));
  metas[0] = ref;
  metas[1] = loaded;
  MSCK(MSMetaCreateVecs(ref, &m, NULL));
  MSCK(VecDuplicate(m, &v));
  MSCK(FillModel(m));
  MSCK(ms_test_vec_fill(v, 5));
  for (PetscInt k = 0; k < 2; k++) {
    MSCK(MSMetaCreateVecs(metas[k], &jtw[k], &d[k]));
    MSCK(VecDuplicate(d[k], &jv[k]));
    if (k == 0) {
      MSCK(VecDuplicate(d[0], &w));
      MSCK(ms_test_vec_fill(w, 6));
    }
    MSCK(MSMetaDpred(metas[k], m, d[k]));
    MSCK(MSMetaJvec(metas[k], m, v, jv[k]));
    MSCK(MSMetaJtvec(metas[k], m, w, jtw[k]));
  }
  MSCK(GatheredRelDiff(d[1], d[0], &rel));
  ck_assert_msg(rel <= 1e-10, "dpred of the loaded problem differs by %.3e relative", (double)rel);
  MSCK(GatheredRelDiff(jv[1], jv[0], &rel));
  ck_assert_msg(rel <= 1e-10, "Jvec of the loaded problem differs by %.3e relative", (double)rel);
  MSCK(GatheredRelDiff(jtw[1], jtw[0], &rel));
  ck_assert_msg(rel <= 1e-10, "Jtvec of the loaded problem differs by %.3e relative", (double)rel);
  MSCK(VecNorm(d[0], NORM_INFINITY, &rel));
  ck_assert_msg(rel > 0.0, "the reference data are zero: the comparison would prove nothing");
  for (PetscInt k = 0; k < 2; k++) {
    MSCK(VecDestroy(&d[k]));
    MSCK(VecDestroy(&jv[k]));
    MSCK(VecDestroy(&jtw[k]));
  }
  MSCK(VecDestroy(&m));
  MSCK(VecDestroy(&v));
  MSCK(VecDestroy(&w));
  MSCK(MSMetaDestroy(&ref));
  MSCK(MSMetaDestroy(&loaded));
}
END_TEST

#define N_MODEL 16
#define N_SUB   6

static MSMapSpec Step(MSMapType type, PetscInt n_in, PetscInt n_out)
{
  MSMapSpec s = {type, n_in, n_out, NULL, NULL, NULL, 0.0, 0, NULL};
  return s;
}

static const PetscInt  sum_idx0[N_SUB] = {0, 3, 5, 7, 11, 15}, sum_idx1[N_SUB] = {2, 2, 9, 4, 13, 1};
static const PetscReal sum_b[N_SUB]    = {0.5, -0.25, 0.0, 1.0, 0.125, -1.0};

static PetscErrorCode SumDense(PetscInt rows, PetscInt cols, PetscInt seed, Mat *A)
{
  PetscFunctionBegin;
  PetscCall(MatCreateSeqDense(PETSC_COMM_SELF, rows, cols, NULL, A));
  for (PetscInt r = 0; r < rows; r++)
    for (PetscInt c = 0; c < cols; c++) PetscCall(MatSetValue(*A, r, c, sin((double)(3 * r + c + seed)) / (1.0 + r), INSERT_VALUES));
  PetscCall(MatAssemblyBegin(*A, MAT_FINAL_ASSEMBLY));
  PetscCall(MatAssemblyEnd(*A, MAT_FINAL_ASSEMBLY));
  PetscFunctionReturn(0);
}

/* The reference map, built directly: exp(P0 m + exp(P1 m) + A m + b). */
static PetscErrorCode SumReferenceMap(Mat A, MSMap *map)
{
  MSMap terms[3], chain[2], expmap, sum;
  Vec   b;

  PetscFunctionBegin;
  PetscCall(MSMapCreateProjection(PETSC_COMM_SELF, N_MODEL, N_SUB, sum_idx0, &terms[0]));
  PetscCall(MSMapCreateProjection(PETSC_COMM_SELF, N_MODEL, N_SUB, sum_idx1, &chain[0]));
  PetscCall(MSMapCreate(PETSC_COMM_SELF, &chain[1]));
  PetscCall(MSMapSetType(chain[1], MSMAPEXP));
  PetscCall(MSMapSetSizes(chain[1], N_SUB, N_SUB));
  PetscCall(MSMapSetUp(chain[1]));
  PetscCall(MSMapCreate(PETSC_COMM_SELF, &terms[1]));
  PetscCall(MSMapSetType(terms[1], MSMAPCOMPOSE));
  PetscCall(MSMapComposeSetMaps(terms[1], 2, chain));
  PetscCall(MSMapSetUp(terms[1]));
  PetscCall(VecCreateSeqWithArray(PETSC_COMM_SELF, 1, N_SUB, (PetscScalar *)sum_b, &b));
  PetscCall(MSMapCreate(PETSC_COMM_SELF, &terms[2]));
  PetscCall(MSMapSetType(terms[2], MSMAPLINEAR));
  PetscCall(MSMapLinearSetOperator(terms[2], A, b));
  PetscCall(MSMapSetUp(terms[2]));
  PetscCall(VecDestroy(&b));
  PetscCall(MSMapCreate(PETSC_COMM_SELF, &sum));
  PetscCall(MSMapSetType(sum, MSMAPSUM));
  PetscCall(MSMapSumSetMaps(sum, 3, terms));
  PetscCall(MSMapSetUp(sum));
  PetscCall(MSMapCreate(PETSC_COMM_SELF, &expmap));
  PetscCall(MSMapSetType(expmap, MSMAPEXP));
  PetscCall(MSMapSetSizes(expmap, N_SUB, N_SUB));
  PetscCall(MSMapSetUp(expmap));
  PetscCall(MSMapDestroy(&chain[0]));
  PetscCall(MSMapDestroy(&chain[1]));
  chain[0] = sum;
  chain[1] = expmap;
  PetscCall(MSMapCreate(PETSC_COMM_SELF, map));
  PetscCall(MSMapSetType(*map, MSMAPCOMPOSE));
  PetscCall(MSMapComposeSetMaps(*map, 2, chain));
  PetscCall(MSMapSetUp(*map));
  for (PetscInt k = 0; k < 3; k++) PetscCall(MSMapDestroy(&terms[k]));
  for (PetscInt k = 0; k < 2; k++) PetscCall(MSMapDestroy(&chain[k]));
  PetscFunctionReturn(0);
}

/* max |x - y| / max |y| of two sequential vectors */
static PetscReal SeqRelDiff(Vec x, Vec y)
{
  PetscReal rel = -1.0;

  ck_assert_int_eq(ms_test_vec_rel_diff(x, y, &rel), 0);
  return rel;
}

/* A map chain [sum of three chains, exp] written, read back and loaded: the same map values,
   derivative and transpose as the map built directly, and the same meta results. */
START_TEST(sum_map_roundtrip)
{
  char            file[64];
  Mat             A, G;
  MSMapSpec       term0 = Step(MSMAPPROJECTION, N_MODEL, N_SUB), term1[2] = {Step(MSMAPPROJECTION, N_MODEL, N_SUB), Step(MSMAPEXP, N_SUB, N_SUB)}, term2 = Step(MSMAPLINEAR, N_MODEL, N_SUB);
  MSMapChainSpec  terms[3] = {{1, &term0}, {2, term1}, {1, &term2}};
  MSMapSpec       chain[2] = {Step(MSMAPSUM, N_MODEL, N_SUB), Step(MSMAPEXP, N_SUB, N_SUB)};
  MSProblemWriter w;
  MSSim           sim;
  MSMap           map, ref;
  MSMapType       type;
  Vec             m, v, u[2], jv[2], wv, jtw[2];
  MSMeta          meta;
  Vec             mm, dm, dref;
  PetscReal      *dloaded;
  PetscInt        n_data;

  MSCK(SumDense(N_SUB, N_MODEL, 1, &A));
  MSCK(SumDense(5, N_SUB, 2, &G));
  term0.indices    = sum_idx0;
  term1[0].indices = sum_idx1;
  term2.A          = A;
  term2.b          = sum_b;
  chain[0].n_terms = 3;
  chain[0].terms   = terms;
  MSCK(PetscSNPrintf(file, sizeof(file), "test_io_dcr_sum_np%d.h5", (int)ms_test_size));
  MSCK(MSProblemWriterCreate(PETSC_COMM_WORLD, file, MS_META_SUM, 2, N_MODEL, &w));
  for (PetscInt i = ms_test_rank; i < 2; i += ms_test_size) MSCK(MSProblemWriterSetSimulation(w, i, G, 2, chain));
  MSCK(MSProblemWriterCommit(w));
  MSCK(MSProblemWriterDestroy(&w));

  MSCK(MSProblemReadSimulation(file, 1, &sim, &map));
  MSCK(MSMapGetType(map, &type));
  ck_assert_str_eq(type, MSMAPCOMPOSE);
  MSCK(SumReferenceMap(A, &ref));
  MSCK(MSMapCreateVecs(ref, &m, &u[0]));
  MSCK(VecDuplicate(m, &v));
  MSCK(VecDuplicate(m, &jtw[0]));
  MSCK(VecDuplicate(m, &jtw[1]));
  MSCK(VecDuplicate(u[0], &u[1]));
  MSCK(VecDuplicate(u[0], &jv[0]));
  MSCK(VecDuplicate(u[0], &jv[1]));
  MSCK(VecDuplicate(u[0], &wv));
  MSCK(ms_test_vec_fill(m, 1));
  MSCK(VecScale(m, 0.3));
  MSCK(ms_test_vec_fill(v, 2));
  MSCK(ms_test_vec_fill(wv, 3));
  MSCK(MSMapApply(ref, m, u[0]));
  MSCK(MSMapApply(map, m, u[1]));
  MSCK(MSMapJvec(ref, m, v, jv[0]));
  MSCK(MSMapJvec(map, m, v, jv[1]));
  MSCK(MSMapJtvec(ref, m, wv, jtw[0]));
  MSCK(MSMapJtvec(map, m, wv, jtw[1]));
  ck_assert_msg(SeqRelDiff(u[1], u[0]) <= 1e-14, "the read sum map's values differ");
  ck_assert_msg(SeqRelDiff(jv[1], jv[0]) <= 1e-14, "the read sum map's derivative differs");
  ck_assert_msg(SeqRelDiff(jtw[1], jtw[0]) <= 1e-14, "the read sum map's transpose differs");

  /* the loaded sum-kind meta: d = sum_i G exp(sum(m)) = 2 G u */
  MSCK(MSProblemLoad(PETSC_COMM_WORLD, file, &meta));
  MSCK(MSMetaCreateVecs(meta, &mm, &dm));
  MSCK(ms_test_vec_fill(mm, 1));
  MSCK(VecScale(mm, 0.3));
  MSCK(MSMetaDpred(meta, mm, dm));
  MSCK(mp_gather(dm, &dloaded));
  MSCK(MSSimCreateVecs(sim, NULL, &dref));
  MSCK(MSSimDpred(sim, u[0], dref));
  MSCK(VecScale(dref, 2.0));
  MSCK(VecGetSize(dref, &n_data));
  {
    const PetscScalar *a;

    MSCK(VecGetArrayRead(dref, &a));
    for (PetscInt k = 0; k < n_data; k++) MSCK_REL_CLOSE(dloaded[k], a[k], 1e-13);
    MSCK(VecRestoreArrayRead(dref, &a));
  }
  MSCK(PetscFree(dloaded));
  MSCK(VecDestroy(&mm));
  MSCK(VecDestroy(&dm));
  MSCK(VecDestroy(&dref));
  MSCK(MSMetaDestroy(&meta));
  for (PetscInt k = 0; k < 2; k++) {
    MSCK(VecDestroy(&u[k]));
    MSCK(VecDestroy(&jv[k]));
    MSCK(VecDestroy(&jtw[k]));
  }
  MSCK(VecDestroy(&m));
  MSCK(VecDestroy(&v));
  MSCK(VecDestroy(&wv));
  MSCK(MSSimDestroy(&sim));
  MSCK(MSMapDestroy(&map));
  MSCK(MSMapDestroy(&ref));
  MSCK(MatDestroy(&A));
  MSCK(MatDestroy(&G));
}
END_TEST

/* The writer refuses bad dcr descriptions and bad sum steps with the reader's error classes. */
START_TEST(writer_rejects_bad_dcr_and_sum)
{
  const PetscInt    n_model = global_n[0] * global_n[1] * global_n[2];
  char              file[64];
  MSProblemWriter   w;
  Tile              tile;
  MSDCRSpec         bad;
  MSDCRSourceSpec   src;
  MSDCRReceiverSpec rx[N_RX];
  PetscReal         saved;
  MSMapSpec         step = Step(MSMAPIDENTITY, n_model, n_model), sum = Step(MSMAPSUM, n_model, n_model), wrong = Step(MSMAPIDENTITY, n_model + 1, n_model + 1);
  MSMapChainSpec    term = {1, &wrong};

  MSCK(PetscSNPrintf(file, sizeof(file), "test_io_dcr_bad_np%d.h5", (int)ms_test_size));
  MSCK(MSProblemWriterCreate(PETSC_COMM_WORLD, file, MS_META_STACK, 1, n_model, &w));
  MSCK(TileCreate(0, &tile));
  step.n_out = tile.cells[0] * tile.cells[1] * tile.cells[2];
  step.type  = MSMAPTILE;
  /* the map must produce the grid's cells */
  {
    MSMapSpec id = Step(MSMAPIDENTITY, n_model, n_model);

    MSCK_FAILS(MSProblemWriterSetDCRSimulation(w, 0, &tile.spec, 1, &id), PETSC_ERR_ARG_SIZ);
  }
  bad = tile.spec;
  saved = tile.edges[0][2];
  tile.edges[0][2] = tile.edges[0][1]; /* non-increasing */
  MSCK_FAILS(MSProblemWriterSetDCRSimulation(w, 0, &bad, 1, &step), PETSC_ERR_ARG_WRONG);
  tile.edges[0][2] = NAN;
  MSCK_FAILS(MSProblemWriterSetDCRSimulation(w, 0, &bad, 1, &step), PETSC_ERR_FP);
  tile.edges[0][2] = saved;
  bad.cells[2] = 1;
  MSCK_FAILS(MSProblemWriterSetDCRSimulation(w, 0, &bad, 1, &step), PETSC_ERR_ARG_OUTOFRANGE);
  bad = tile.spec;
  bad.n_sources = 0;
  MSCK_FAILS(MSProblemWriterSetDCRSimulation(w, 0, &bad, 1, &step), PETSC_ERR_ARG_OUTOFRANGE);
  src      = tile.source;
  src.a[2] = 0.5; /* above the surface */
  bad      = tile.spec;
  bad.sources = &src;
  MSCK_FAILS(MSProblemWriterSetDCRSimulation(w, 0, &bad, 1, &step), PETSC_ERR_ARG_OUTOFRANGE);
  src         = tile.source;
  src.current = 0.0;
  MSCK_FAILS(MSProblemWriterSetDCRSimulation(w, 0, &bad, 1, &step), PETSC_ERR_ARG_OUTOFRANGE);
  bad = tile.spec;
  for (PetscInt r = 0; r < N_RX; r++) rx[r] = tile.rx[r];
  bad.receivers = rx;
  rx[2].source  = 1; /* a missing source */
  MSCK_FAILS(MSProblemWriterSetDCRSimulation(w, 0, &bad, 1, &step), PETSC_ERR_ARG_OUTOFRANGE);
  rx[2].source = 0;
  rx[3].n[0]   = -5.0; /* second electrode of a difference outside */
  MSCK_FAILS(MSProblemWriterSetDCRSimulation(w, 0, &bad, 1, &step), PETSC_ERR_ARG_OUTOFRANGE);
  /* sum steps: no terms, a term of the wrong size */
  MSCK_FAILS(MSProblemWriterSetSimulation(w, 0, NULL, 1, &sum), PETSC_ERR_ARG_NULL);
  {
    Mat G;

    MSCK(SumDense(3, n_model, 4, &G));
    MSCK_FAILS(MSProblemWriterSetSimulation(w, 0, G, 1, &sum), PETSC_ERR_ARG_SIZ);
    sum.n_terms = 1;
    sum.terms   = &term;
    MSCK_FAILS(MSProblemWriterSetSimulation(w, 0, G, 1, &sum), PETSC_ERR_ARG_SIZ);
    MSCK(MatDestroy(&G));
  }
  /* nothing was added: committing reports simulation 0 as missing and leaves no file */
  MSCK_FAILS(MSProblemWriterCommit(w), PETSC_ERR_ARG_WRONGSTATE);
  ck_assert_int_ne(access(file, F_OK), 0);
  MSCK(MSProblemWriterDestroy(&w));
  MSCK(TileDestroy(&tile));
}
END_TEST

/* Uneven tiles: tile t is a cube of uneven_cells[t]^3 cells with one pole source, so its cost is
   cells times sources. */
#define N_UNEVEN 5
static const PetscInt uneven_cells[N_UNEVEN] = {8, 3, 3, 4, 3};

static PetscErrorCode UnevenCost(PetscInt t, PetscReal *cost, void *ctx)
{
  PetscFunctionBegin;
  *cost = (PetscReal)(uneven_cells[t] * uneven_cells[t] * uneven_cells[t]);
  PetscFunctionReturn(0);
}

/* A stand-in for tile t with the same sizes, for a reference partition. */
static PetscErrorCode UnevenStandIn(MPI_Comm comm, PetscInt t, MSSim *sim, MSMap *map, void *ctx)
{
  PetscInt n = uneven_cells[t] * uneven_cells[t] * uneven_cells[t], *idx;
  Mat      G;

  PetscFunctionBegin;
  PetscCall(MatCreateDense(comm, PETSC_DECIDE, PETSC_DECIDE, 1, n, NULL, &G));
  PetscCall(MatAssemblyBegin(G, MAT_FINAL_ASSEMBLY));
  PetscCall(MatAssemblyEnd(G, MAT_FINAL_ASSEMBLY));
  PetscCall(MSSimCreate(comm, sim));
  PetscCall(MSSimSetType(*sim, MSSIMLINEAR));
  PetscCall(MSSimLinearSetOperator(*sim, G));
  PetscCall(MatDestroy(&G));
  PetscCall(PetscMalloc1(n, &idx));
  for (PetscInt k = 0; k < n; k++) idx[k] = k;
  PetscCall(MSMapCreateProjection(PETSC_COMM_SELF, 512, n, idx, map));
  PetscCall(PetscFree(idx));
  PetscFunctionReturn(0);
}

/* A dcr file with one large tile and four small ones is split by cost (cells x sources), not by
   count: the loaded partition equals the one MSMetaSetCostFunction() gives for the same costs,
   and at 2 ranks the large tile is alone on rank 0. */
START_TEST(dcr_file_partition_by_cost)
{
  char            file[PETSC_MAX_PATH_LEN];
  MSProblemWriter w;
  MSMeta          loaded, reference;
  PetscInt        lo, hi, rlo, rhi;
  const PetscReal lo3[3] = {-1.0, -1.0, -1.0}, hi3[3] = {1.0, 1.0, 0.0};

  MSCK(PetscSNPrintf(file, sizeof(file), "test_io_dcr_uneven_np%d.h5", (int)ms_test_size));
  MSCK(MSProblemWriterCreate(PETSC_COMM_WORLD, file, MS_META_STACK, N_UNEVEN, 512, &w));
  for (PetscInt t = ms_test_rank; t < N_UNEVEN; t += ms_test_size) {
    const PetscInt    c = uneven_cells[t], n[3] = {c, c, c};
    PetscReal        *e[3];
    PetscInt         *idx;
    MSDCRSourceSpec   src = {{0.0, 0.0, 0.0}, {0.0, 0.0, 0.0}, PETSC_FALSE, 1.0};
    MSDCRReceiverSpec rx  = {0, {0.5, 0.0, 0.0}, {0.0, 0.0, 0.0}, PETSC_FALSE};
    MSDCRSpec         spec;
    MSMapSpec         step = Step(MSMAPPROJECTION, 512, c * c * c);

    MSCK(dg_uniform_edges(n, lo3, hi3, e));
    MSCK(PetscMemzero(&spec, sizeof(spec)));
    for (PetscInt d = 0; d < 3; d++) {
      spec.cells[d] = c;
      spec.edges[d] = e[d];
    }
    spec.n_sources   = 1;
    spec.sources     = &src;
    spec.n_receivers = 1;
    spec.receivers   = &rx;
    MSCK(PetscMalloc1(step.n_out, &idx));
    for (PetscInt k = 0; k < step.n_out; k++) idx[k] = k;
    step.indices = idx;
    MSCK(MSProblemWriterSetDCRSimulation(w, t, &spec, 1, &step));
    MSCK(PetscFree(idx));
    MSCK(dg_free_edges(e));
  }
  MSCK(MSProblemWriterCommit(w));
  MSCK(MSProblemWriterDestroy(&w));

  MSCK(MSProblemLoad(PETSC_COMM_WORLD, file, &loaded));
  MSCK(MSMetaCreate(PETSC_COMM_WORLD, &reference));
  MSCK(MSMetaSetFactory(reference, N_UNEVEN, UnevenStandIn, NULL));
  MSCK(MSMetaSetCostFunction(reference, UnevenCost, NULL));
  MSCK(MSMetaSetUp(reference));
  MSCK(MSMetaGetOwnershipRange(loaded, &lo, &hi));
  MSCK(MSMetaGetOwnershipRange(reference, &rlo, &rhi));
  ck_assert_int_eq(lo, rlo);
  ck_assert_int_eq(hi, rhi);
  if (ms_test_size == 2) { /* by count rank 0 would own [0, 3) */
    ck_assert_int_eq(hi - lo, ms_test_rank == 0 ? 1 : N_UNEVEN - 1);
  }
  MSCK(MSMetaDestroy(&loaded));
  MSCK(MSMetaDestroy(&reference));
  if (ms_test_rank == 0) ck_assert_int_eq(unlink(file), 0);
}
END_TEST

/* A cost function that fails, or gives a cost that is not positive, fails set-up on every rank. */
static PetscErrorCode BadCost(PetscInt t, PetscReal *cost, void *ctx)
{
  PetscFunctionBegin;
  *cost = t == N_UNEVEN - 1 ? -1.0 : 1.0;
  PetscFunctionReturn(0);
}

START_TEST(cost_function_rejects_bad_costs)
{
  MSMeta meta;

  MSCK(MSMetaCreate(PETSC_COMM_WORLD, &meta));
  MSCK(MSMetaSetFactory(meta, N_UNEVEN, UnevenStandIn, NULL));
  MSCK(MSMetaSetCostFunction(meta, BadCost, NULL));
  MSCK_FAILS(MSMetaSetUp(meta), PETSC_ERR_ARG_OUTOFRANGE);
  MSCK(MSMetaDestroy(&meta));
}
END_TEST

Suite *ms_test_suite(void)
{
  Suite *s  = suite_create("io_dcr");
  TCase *tc = tcase_create("io_dcr");

  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, dcr_load_matches_library);
  tcase_add_test(tc, sum_map_roundtrip);
  tcase_add_test(tc, writer_rejects_bad_dcr_and_sum);
  tcase_add_test(tc, dcr_file_partition_by_cost);
  tcase_add_test(tc, cost_function_rejects_bad_costs);
  suite_add_tcase(s, tc);
  return s;
}
