/* MSSIMDCR tiled through MSMeta: a survey split into tiles, each simulated on its own coarser
   local grid with a tile map from the global model, against one simulation on the global grid;
   rank-count independence, adjoint and Taylor tests of the composition, collective KSP failure;
   the tiles on groups of ranks, each tile's grid distributed over its group. */
#include <math.h>
#include "mstest.h"
#include "dcr_grids.h"
#include "meta_problem.h"

#define N_TILES 4

/* The global grid: 24 x 24 x 12 uniform cells on [-1, 1]^2 x [-1, 0]. */
static const PetscInt  global_n[3] = {24, 24, 12};
static const PetscReal domain_lo[3] = {-1.0, -1.0, -1.0}, domain_hi[3] = {1.0, 1.0, 0.0};

/* Tile t: a pole source, four pole receivers on a ring of radius 0.3 and one dipole receiver. */
static const PetscReal tile_source[N_TILES][3] = {{-0.4, -0.4, 0.0}, {0.4, -0.4, 0.0}, {-0.4, 0.4, 0.0}, {0.4, 0.4, 0.0}};
#define N_RX_PER_TILE 5

static PetscErrorCode AddTileSurvey(MSSim sim, PetscInt t)
{
  const PetscReal *a = tile_source[t];
  PetscInt         s;

  PetscFunctionBegin;
  PetscCall(MSSimDCRAddSource(sim, a, NULL, 1.0, &s));
  for (PetscInt r = 0; r < 4; r++) {
    const PetscReal th = 0.5 * PETSC_PI * r + 0.3, p[3] = {a[0] + 0.3 * cos(th), a[1] + 0.3 * sin(th), 0.0};

    PetscCall(MSSimDCRAddReceiver(sim, s, p, NULL));
  }
  {
    const PetscReal M[3] = {a[0] + 0.2, a[1] + 0.1, 0.0}, N[3] = {a[0] - 0.1, a[1] + 0.25, 0.0};

    PetscCall(MSSimDCRAddReceiver(sim, s, M, N));
  }
  PetscFunctionReturn(0);
}

/* Tile t on a grid that keeps the global spacing within 0.55 of its source (and 0.45 of the
   surface) and merges three global cells elsewhere; the map averages the global model onto it. */
static PetscErrorCode TileFactory(MPI_Comm comm, PetscInt t, MSSim *sim, MSMap *map, void *ctx)
{
  PetscReal *ge[3], *le[3];
  PetscInt   nl[3];
  char       prefix[32];

  PetscFunctionBegin;
  PetscCall(dg_uniform_edges(global_n, domain_lo, domain_hi, ge));
  for (PetscInt d = 0; d < 2; d++) PetscCall(dg_tile_axis_edges(ge[d], global_n[d], tile_source[t][d] - 0.55, tile_source[t][d] + 0.55, &nl[d], &le[d]));
  PetscCall(dg_tile_axis_edges(ge[2], global_n[2], -0.45, 0.0, &nl[2], &le[2]));
  PetscCall(PetscSNPrintf(prefix, sizeof(prefix), "tile%" PetscInt_FMT "_", t));
  PetscCall(MSSimCreate(comm, sim));
  PetscCall(MSSimSetOptionsPrefix(*sim, prefix));
  PetscCall(MSSimSetType(*sim, MSSIMDCR));
  PetscCall(MSSimDCRSetGrid(*sim, nl, (const PetscReal *const *)le));
  PetscCall(AddTileSurvey(*sim, t));
  PetscCall(MSSimSetUp(*sim));
  PetscCall(MSMapCreateTileFromGrids(PETSC_COMM_SELF, global_n, (const PetscReal **)ge, nl, (const PetscReal **)le, map));
  PetscCall(dg_free_edges(ge));
  PetscCall(dg_free_edges(le));
  PetscFunctionReturn(0);
}

/* log(sigma) of global cell c: 0.01 S/m with a conductive (0.1) and a resistive (0.002) block. */
static PetscReal BlockModel(PetscInt c)
{
  const PetscInt i = c % global_n[0], j = (c / global_n[0]) % global_n[1], k = c / (global_n[0] * global_n[1]);
  PetscReal      x[3];
  const PetscInt ijk[3] = {i, j, k};

  for (PetscInt d = 0; d < 3; d++) x[d] = domain_lo[d] + (domain_hi[d] - domain_lo[d]) * (ijk[d] + 0.5) / global_n[d];
  if (x[0] > -0.6 && x[0] < -0.1 && x[1] > -0.2 && x[1] < 0.5 && x[2] > -0.5 && x[2] < -0.1) return log(0.1);
  if (x[0] > 0.1 && x[0] < 0.7 && x[1] > -0.7 && x[1] < -0.1 && x[2] > -0.4 && x[2] < -0.1) return log(0.002);
  return log(0.01);
}

static PetscErrorCode FillBlockModel(Vec m)
{
  PetscScalar *a;
  PetscInt     lo, hi;

  PetscFunctionBegin;
  PetscCall(VecGetOwnershipRange(m, &lo, &hi));
  PetscCall(VecGetArrayWrite(m, &a));
  for (PetscInt c = lo; c < hi; c++) a[c - lo] = BlockModel(c);
  PetscCall(VecRestoreArrayWrite(m, &a));
  PetscFunctionReturn(0);
}

/* Makes the dcr solver of tile t fail (CG without preconditioner, two iterations), or undoes it. */
static PetscErrorCode BreakTileSolver(PetscInt t, PetscBool broken)
{
  const char *const keys[] = {"ksp_type", "pc_type", "ksp_max_it"}, *const values[] = {"cg", "none", "2"};

  PetscFunctionBegin;
  for (int k = 0; k < 3; k++) {
    char name[64];

    PetscCall(PetscSNPrintf(name, sizeof(name), "-tile%" PetscInt_FMT "_dcr_%s", t, keys[k]));
    if (broken) PetscCall(PetscOptionsSetValue(NULL, name, values[k]));
    else PetscCall(PetscOptionsClearValue(NULL, name));
  }
  PetscFunctionReturn(0);
}

/* The first n tiles; on groups of group_size ranks, or one group of ranks[t] ranks per tile
   (neither: one rank per tile). */
static PetscErrorCode CreateTilesOnGroups(PetscInt n, PetscInt group_size, const PetscInt ranks[], MSMeta *meta)
{
  PetscFunctionBegin;
  PetscCall(MSMetaCreate(PETSC_COMM_WORLD, meta));
  PetscCall(MSMetaSetKind(*meta, MS_META_STACK));
  PetscCall(MSMetaSetFactory(*meta, n, TileFactory, NULL));
  if (group_size) PetscCall(MSMetaSetGroupSize(*meta, group_size));
  if (ranks) PetscCall(MSMetaSetSimulationRanks(*meta, n, ranks));
  PetscCall(MSMetaSetUp(*meta));
  PetscFunctionReturn(0);
}

static PetscErrorCode CreateTiledMeta(MSMeta *meta)
{
  PetscFunctionBegin;
  PetscCall(CreateTilesOnGroups(N_TILES, 0, NULL, meta));
  PetscFunctionReturn(0);
}

/* The data of the whole survey from one simulation on the global grid (on every rank). */
static PetscErrorCode GlobalGridData(PetscReal *data)
{
  PetscReal         *ge[3];
  MSSim              sim;
  Vec                m, d;
  const PetscScalar *v;
  PetscInt           n_data;

  PetscFunctionBegin;
  PetscCall(dg_uniform_edges(global_n, domain_lo, domain_hi, ge));
  PetscCall(MSSimCreate(PETSC_COMM_SELF, &sim));
  PetscCall(MSSimSetType(sim, MSSIMDCR));
  PetscCall(MSSimDCRSetGrid(sim, global_n, (const PetscReal *const *)ge));
  PetscCall(dg_free_edges(ge));
  for (PetscInt t = 0; t < N_TILES; t++) PetscCall(AddTileSurvey(sim, t));
  PetscCall(MSSimSetUp(sim));
  PetscCall(MSSimCreateVecs(sim, &m, &d));
  PetscCall(FillBlockModel(m));
  PetscCall(MSSimDpred(sim, m, d));
  PetscCall(VecGetSize(d, &n_data));
  PetscCall(VecGetArrayRead(d, &v));
  for (PetscInt r = 0; r < n_data; r++) data[r] = PetscRealPart(v[r]);
  PetscCall(VecRestoreArrayRead(d, &v));
  PetscCall(VecDestroy(&m));
  PetscCall(VecDestroy(&d));
  PetscCall(MSSimDestroy(&sim));
  PetscFunctionReturn(0);
}

/* The tiled data computed tile by tile on this rank alone: map, then simulate. */
static PetscErrorCode SerialTiledData(PetscReal *data)
{
  Vec mglobal;

  PetscFunctionBegin;
  PetscCall(VecCreateSeq(PETSC_COMM_SELF, global_n[0] * global_n[1] * global_n[2], &mglobal));
  PetscCall(FillBlockModel(mglobal));
  for (PetscInt t = 0; t < N_TILES; t++) {
    MSSim              sim;
    MSMap              map;
    Vec                mloc, d;
    const PetscScalar *v;

    PetscCall(TileFactory(PETSC_COMM_SELF, t, &sim, &map, NULL));
    PetscCall(MSMapCreateVecs(map, NULL, &mloc));
    PetscCall(MSSimCreateVecs(sim, NULL, &d));
    PetscCall(MSMapApply(map, mglobal, mloc));
    PetscCall(MSSimDpred(sim, mloc, d));
    PetscCall(VecGetArrayRead(d, &v));
    for (PetscInt r = 0; r < N_RX_PER_TILE; r++) data[t * N_RX_PER_TILE + r] = PetscRealPart(v[r]);
    PetscCall(VecRestoreArrayRead(d, &v));
    PetscCall(VecDestroy(&mloc));
    PetscCall(VecDestroy(&d));
    PetscCall(MSSimDestroy(&sim));
    PetscCall(MSMapDestroy(&map));
  }
  PetscCall(VecDestroy(&mglobal));
  PetscFunctionReturn(0);
}

/* The tiled survey agrees with the global-grid simulation to discretization tolerance, and with
   the same tiles run serially on one rank to round-off, whatever the number of ranks. */
START_TEST(tiled_matches_global_grid)
{
  const PetscInt n_data = N_TILES * N_RX_PER_TILE;
  MSMeta         meta;
  Vec            m, d;
  PetscReal     *tiled, global[N_TILES * N_RX_PER_TILE], serial[N_TILES * N_RX_PER_TILE], dmax = 0, rmax = 0, smax = 0;
  PetscInt       n_sims, n_model, n_meta_data;

  MSCK(CreateTiledMeta(&meta));
  MSCK(MSMetaGetSizes(meta, &n_sims, &n_model, &n_meta_data));
  ck_assert_int_eq(n_sims, N_TILES);
  ck_assert_int_eq(n_model, global_n[0] * global_n[1] * global_n[2]);
  ck_assert_int_eq(n_meta_data, n_data);
  MSCK(MSMetaCreateVecs(meta, &m, &d));
  MSCK(FillBlockModel(m));
  MSCK(MSMetaDpred(meta, m, d));
  MSCK(mp_gather(d, &tiled));
  MSCK(GlobalGridData(global));
  MSCK(SerialTiledData(serial));
  for (PetscInt r = 0; r < n_data; r++) {
    dmax = PetscMax(dmax, PetscAbsReal(tiled[r] - global[r]));
    smax = PetscMax(smax, PetscAbsReal(tiled[r] - serial[r]));
    rmax = PetscMax(rmax, PetscAbsReal(global[r]));
  }
  ck_assert_msg(dmax <= 0.02 * rmax, "tiled and global-grid data differ by %.3e relative", (double)(dmax / rmax));
  ck_assert_msg(smax <= 1e-12 * rmax, "tiled data on %d ranks and on one rank differ by %.3e relative", (int)ms_test_size, (double)(smax / rmax));
  MSCK(PetscFree(tiled));
  MSCK(VecDestroy(&m));
  MSCK(VecDestroy(&d));
  MSCK(MSMetaDestroy(&meta));
}
END_TEST

START_TEST(tiled_adjoint_and_taylor)
{
  MSMeta          meta;
  Vec             m;
  MSAdjointReport adj;
  MSTaylorReport  tay;

  MSCK(CreateTiledMeta(&meta));
  MSCK(MSMetaCreateVecs(meta, &m, NULL));
  MSCK(FillBlockModel(m));
  MSCK(MSMetaCheckAdjoint(meta, m, NULL, &adj));
  ck_assert_msg(adj.passed, "adjoint test of the tiled survey: %g", (double)adj.rel_error);
  MSCK(MSMetaCheckTaylor(meta, m, NULL, &tay));
  ck_assert_msg(tay.passed && !tay.linear && tay.order > 1.8, "Taylor test of the tiled survey: order %g", (double)tay.order);
  MSCK(VecDestroy(&m));
  MSCK(MSMetaDestroy(&meta));
}
END_TEST

/* Tile 2's solver cannot converge: every rank gets PETSC_ERR_NOT_CONVERGED, nothing hangs. */
START_TEST(tile_solver_failure_is_collective)
{
  MSMeta meta;
  Vec    m, d;

  MSCK(BreakTileSolver(2, PETSC_TRUE));
  MSCK(CreateTiledMeta(&meta));
  MSCK(BreakTileSolver(2, PETSC_FALSE));
  MSCK(MSMetaCreateVecs(meta, &m, &d));
  MSCK(FillBlockModel(m));
  MSCK_FAILS(MSMetaDpred(meta, m, d), PETSC_ERR_NOT_CONVERGED);
  MSCK(VecDestroy(&m));
  MSCK(VecDestroy(&d));
  MSCK(MSMetaDestroy(&meta));
}
END_TEST

/* dpred and Jtvec of the tiles on groups of ranks (each tile's DMDA distributed over its group)
   against one rank per tile: groups of every size that divides the rank count (2 x 2 at four
   ranks), and (size-1) + 1 on the first two tiles (3 + 1 at four ranks, 2 + 1 at three). The
   solvers differ with the layout (direct on one rank, MUMPS or CG + GAMG with rtol 1e-10 on
   several), so the results agree to the solver's tolerance. */
static void check_tiles_on_groups(PetscInt n, PetscInt group_size, const PetscInt ranks[])
{
  MSMeta     ref, grouped;
  Vec        m, d, w, g;
  PetscReal *a[2], *b[2];
  PetscInt   n_data, n_model;

  MSCK(CreateTilesOnGroups(n, 0, NULL, &ref));
  MSCK(CreateTilesOnGroups(n, group_size, ranks, &grouped));
  MSCK(MSMetaGetSizes(ref, NULL, &n_model, &n_data));
  for (int which = 0; which < 2; which++) {
    MSMeta     meta = which ? grouped : ref;
    PetscReal **out = which ? b : a;

    MSCK(MSMetaCreateVecs(meta, &m, &d));
    MSCK(VecDuplicate(d, &w));
    MSCK(VecDuplicate(m, &g));
    MSCK(FillBlockModel(m));
    MSCK(ms_test_vec_fill(w, 5));
    MSCK(MSMetaDpred(meta, m, d));
    MSCK(mp_gather(d, &out[0]));
    MSCK(MSMetaJtvec(meta, m, w, g));
    MSCK(mp_gather(g, &out[1]));
    MSCK(VecDestroy(&m));
    MSCK(VecDestroy(&d));
    MSCK(VecDestroy(&w));
    MSCK(VecDestroy(&g));
  }
  for (int r = 0; r < 2; r++) {
    PetscInt  len = r ? n_model : n_data;
    PetscReal diff = 0, scale = 0;

    for (PetscInt i = 0; i < len; i++) {
      diff  = PetscMax(diff, PetscAbsReal(a[r][i] - b[r][i]));
      scale = PetscMax(scale, PetscAbsReal(a[r][i]));
    }
    ck_assert_msg(diff <= 1e-7 * scale, "%s of %" PetscInt_FMT " tiles on groups (size %" PetscInt_FMT ") differs from one rank per tile by %.3e relative", r ? "Jtvec" : "dpred", n, group_size, (double)(diff / scale));
    MSCK(PetscFree(a[r]));
    MSCK(PetscFree(b[r]));
  }
  MSCK(MSMetaDestroy(&ref));
  MSCK(MSMetaDestroy(&grouped));
}

START_TEST(tiles_on_groups_match_one_rank)
{
  for (PetscInt k = 2; k <= ms_test_size; k++)
    if (ms_test_size % k == 0) check_tiles_on_groups(N_TILES, k, NULL);
  if (ms_test_size > 1) {
    const PetscInt uneven[2] = {ms_test_size - 1, 1};

    check_tiles_on_groups(2, 0, uneven);
  }
}
END_TEST

/* On groups: adjoint and Taylor tests of the tiles' composition, and a tile whose solver cannot
   converge fails every rank with PETSC_ERR_NOT_CONVERGED, at every layout. */
START_TEST(tiles_on_groups_adjoint_taylor_failure)
{
  for (PetscInt k = 2; k <= ms_test_size; k++) {
    const PetscInt uneven[2] = {ms_test_size - 1, 1};
    const PetscInt n = ms_test_size % k == 0 ? N_TILES : 2;
    MSMeta          meta;
    Vec             m, d;
    MSAdjointReport adj;
    MSTaylorReport  tay;

    if (ms_test_size % k && k != ms_test_size - 1) continue;
    MSCK(CreateTilesOnGroups(n, ms_test_size % k == 0 ? k : 0, ms_test_size % k == 0 ? NULL : uneven, &meta));
    MSCK(MSMetaCreateVecs(meta, &m, &d));
    MSCK(FillBlockModel(m));
    MSCK(MSMetaCheckAdjoint(meta, m, NULL, &adj));
    ck_assert_msg(adj.passed, "adjoint test of the tiles on groups: %g", (double)adj.rel_error);
    MSCK(MSMetaCheckTaylor(meta, m, NULL, &tay));
    ck_assert_msg(tay.passed && !tay.linear && tay.order > 1.8, "Taylor test of the tiles on groups: order %g", (double)tay.order);
    MSCK(VecDestroy(&m));
    MSCK(VecDestroy(&d));
    MSCK(MSMetaDestroy(&meta));

    MSCK(BreakTileSolver(0, PETSC_TRUE));
    MSCK(CreateTilesOnGroups(n, ms_test_size % k == 0 ? k : 0, ms_test_size % k == 0 ? NULL : uneven, &meta));
    MSCK(BreakTileSolver(0, PETSC_FALSE));
    MSCK(MSMetaCreateVecs(meta, &m, &d));
    MSCK(FillBlockModel(m));
    MSCK_FAILS(MSMetaDpred(meta, m, d), PETSC_ERR_NOT_CONVERGED);
    MSCK(VecDestroy(&m));
    MSCK(VecDestroy(&d));
    MSCK(MSMetaDestroy(&meta));
  }
}
END_TEST

Suite *ms_test_suite(void)
{
  Suite *s  = suite_create("dcr_tiled");
  TCase *tc = tcase_create("dcr_tiled");

  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, tiled_matches_global_grid);
  tcase_add_test(tc, tiled_adjoint_and_taylor);
  tcase_add_test(tc, tile_solver_failure_is_collective);
  tcase_add_test(tc, tiles_on_groups_match_one_rank);
  tcase_add_test(tc, tiles_on_groups_adjoint_taylor_failure);
  suite_add_tcase(s, tc);
  return s;
}
