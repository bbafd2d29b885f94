/* The tiled forward problem of the inversion example: tile t is a linear simulation of exp of its
   window of one global log-model, built through MSMeta's factory on the rank that owns it. */
#include "invert.h"

/* Reads -tiles, -tile_step, -tile_width, -tile_data and checks them. */
PetscErrorCode InvertGeometryFromOptions(InvertGeometry *g)
{
  PetscFunctionBegin;
  g->n_tiles      = 12;
  g->step         = 20;
  g->width        = 40;
  g->n_data       = 40;
  g->kernel_width = 1.5;
  PetscOptionsBegin(PETSC_COMM_WORLD, NULL, "Inversion example: the tiled problem", NULL);
  PetscCall(PetscOptionsInt("-tiles", "Number of tiles (simulations)", NULL, g->n_tiles, &g->n_tiles, NULL));
  PetscCall(PetscOptionsInt("-tile_step", "Offset between neighbouring tile windows (model cells)", NULL, g->step, &g->step, NULL));
  PetscCall(PetscOptionsInt("-tile_width", "Model cells per tile window", NULL, g->width, &g->width, NULL));
  PetscCall(PetscOptionsInt("-tile_data", "Data per tile", NULL, g->n_data, &g->n_data, NULL));
  PetscCall(PetscOptionsReal("-kernel_width", "Width of the Gaussian kernel (model cells)", NULL, g->kernel_width, &g->kernel_width, NULL));
  PetscOptionsEnd();
  PetscCheck(g->n_tiles >= 1 && g->n_tiles <= 100000, PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE, "-tiles %" PetscInt_FMT ": expected a number of tiles in [1, 100000]", g->n_tiles);
  PetscCheck(g->width >= 2, PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE, "-tile_width %" PetscInt_FMT ": expected at least 2 cells", g->width);
  PetscCheck(g->step >= 1 && g->step <= g->width, PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE, "-tile_step %" PetscInt_FMT ": expected a step in [1, tile_width = %" PetscInt_FMT "] so that the windows cover the model", g->step, g->width);
  PetscCheck(g->n_data >= 2, PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE, "-tile_data %" PetscInt_FMT ": expected at least 2 data per tile", g->n_data);
  PetscCheck(PetscIsNormalReal(g->kernel_width) && g->kernel_width > 0.0, PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE, "-kernel_width %g: expected a finite width > 0", (double)g->kernel_width);
  g->n_model = g->step * (g->n_tiles - 1) + g->width;
  PetscFunctionReturn(0);
}

/* G_t[r][c] = (1 + t / T) exp(-((x_r - c) / kernel_width)^2), the data positions x_r spread over the window:
   a smooth kernel, with a tile-dependent gain so that no two tiles are alike. */
static PetscErrorCode InvertCreateKernel(MPI_Comm comm, const InvertGeometry *g, PetscInt t, Mat *G)
{
  PetscScalar *a;
  PetscReal    gain = 1.0 + (PetscReal)t / (PetscReal)g->n_tiles;
  PetscInt     rstart, rend;

  PetscFunctionBegin;
  PetscCall(MatCreateDense(comm, PETSC_DECIDE, PETSC_DECIDE, g->n_data, g->width, NULL, G));
  PetscCall(MatGetOwnershipRange(*G, &rstart, &rend));
  PetscCall(MatDenseGetArrayWrite(*G, &a));
  for (PetscInt c = 0; c < g->width; c++)
    for (PetscInt r = rstart; r < rend; r++) {
      PetscReal x = (PetscReal)r * (PetscReal)(g->width - 1) / (PetscReal)(g->n_data - 1);

      a[(size_t)c * (size_t)(rend - rstart) + (size_t)(r - rstart)] = gain * PetscExpReal(-PetscSqr((x - (PetscReal)c) / g->kernel_width));
    }
  PetscCall(MatDenseRestoreArrayWrite(*G, &a));
  PetscCall(MatAssemblyBegin(*G, MAT_FINAL_ASSEMBLY));
  PetscCall(MatAssemblyEnd(*G, MAT_FINAL_ASSEMBLY));
  PetscFunctionReturn(0);
}

/* The map of tile t: compose(projection onto the window, exp). */
static PetscErrorCode InvertCreateTileMap(const InvertGeometry *g, PetscInt t, MSMap *map)
{
  PetscInt *idx;
  MSMap     chain[2];

  PetscFunctionBegin;
  PetscCall(PetscMalloc1(g->width, &idx));
  for (PetscInt k = 0; k < g->width; k++) idx[k] = t * g->step + k;
  PetscCall(MSMapCreateProjection(PETSC_COMM_SELF, g->n_model, g->width, idx, &chain[0]));
  PetscCall(PetscFree(idx));
  PetscCall(MSMapCreate(PETSC_COMM_SELF, &chain[1]));
  PetscCall(MSMapSetType(chain[1], MSMAPEXP));
  PetscCall(MSMapSetSizes(chain[1], g->width, g->width));
  PetscCall(MSMapSetUp(chain[1]));
  PetscCall(MSMapCreate(PETSC_COMM_SELF, map));
  PetscCall(MSMapSetType(*map, MSMAPCOMPOSE));
  PetscCall(MSMapComposeSetMaps(*map, 2, chain));
  PetscCall(MSMapSetUp(*map));
  PetscCall(MSMapDestroy(&chain[0]));
  PetscCall(MSMapDestroy(&chain[1]));
  PetscFunctionReturn(0);
}

/* MSMeta's factory: runs only on the rank that owns tile t. */
static PetscErrorCode InvertFactory(MPI_Comm comm, PetscInt t, MSSim *sim, MSMap *map, void *ctx)
{
  const InvertGeometry *g = (const InvertGeometry *)ctx;
  Mat                   G;

  PetscFunctionBegin;
  PetscCall(InvertCreateKernel(comm, g, t, &G));
  PetscCall(MSSimCreate(comm, sim));
  PetscCall(MSSimSetType(*sim, MSSIMLINEAR));
  PetscCall(MSSimLinearSetOperator(*sim, G));
  PetscCall(MatDestroy(&G));
  PetscCall(InvertCreateTileMap(g, t, map));
  PetscFunctionReturn(0);
}

/* The stack meta simulation of all tiles on PETSC_COMM_WORLD (-meta_* options apply); g must
   outlive the meta simulation's set-up. */
PetscErrorCode InvertCreateMeta(InvertGeometry *g, MSMeta *meta)
{
  PetscFunctionBegin;
  PetscCall(MSMetaCreate(PETSC_COMM_WORLD, meta));
  PetscCall(MSMetaSetKind(*meta, MS_META_STACK));
  PetscCall(MSMetaSetFactory(*meta, g->n_tiles, InvertFactory, g));
  PetscCall(MSMetaSetFromOptions(*meta));
  PetscCall(MSMetaSetUp(*meta));
  PetscFunctionReturn(0);
}
