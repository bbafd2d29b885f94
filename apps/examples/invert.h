/* The inversion example (metasim_invert): a tiled nonlinear problem built through MSMeta's
   factory, synthetic data from a known model, and its recovery with PETSc TAO. */
#ifndef METASIM_EXAMPLE_INVERT_H
#define METASIM_EXAMPLE_INVERT_H

#include "inversion.h"

/* Tile t is a linear simulation d_t = G_t exp(m[t step, t step + width)) with n_data rows, G_t a
   Gaussian kernel of kernel_width cells. */
typedef struct {
  PetscInt  n_tiles, step, width, n_data;
  PetscReal kernel_width;
  PetscInt  n_model; /* step (n_tiles - 1) + width */
} InvertGeometry;

/* The log-model's background: the reference model and the starting model of the inversion. */
#define INVERT_BACKGROUND (-2.0)

/* Synthetic observations: d_obs = d(m_true) + noise std z, std = rel_std |d(m_true)| + floor_std
   max |d(m_true)|, z standard normal drawn by global datum index from seed. */
typedef struct {
  PetscReal rel_std, floor_std, noise;
  PetscInt  seed;
} InvertDataOptions;

PetscErrorCode InvertGeometryFromOptions(InvertGeometry *);
PetscErrorCode InvertCreateMeta(InvertGeometry *, MSMeta *);

PetscErrorCode InvertDataOptionsFromOptions(InvertDataOptions *);
PetscErrorCode InvertTrueModel(const InvertGeometry *, Vec);
PetscErrorCode InvertSyntheticData(MSMeta, Vec, const InvertDataOptions *, Vec, Vec);

#endif
