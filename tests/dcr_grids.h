/* Tensor grids shared by the DC resistivity test suites: uniform global grids and coarser
   tile grids cut from them. */
#ifndef METASIM_TEST_DCR_GRIDS_H
#define METASIM_TEST_DCR_GRIDS_H

#include <metasim.h>

/* Uniform edges of n[d] cells on [lo[d], hi[d]] per axis (free with dg_free_edges()). */
PetscErrorCode dg_uniform_edges(const PetscInt n[3], const PetscReal lo[3], const PetscReal hi[3], PetscReal *e[3]);
PetscErrorCode dg_free_edges(PetscReal *e[3]);
/* A tile axis from global edges ge (ng cells): every global edge within [lo, hi], every third one
   outside, and the last; *nl is the number of tile cells. */
PetscErrorCode dg_tile_axis_edges(const PetscReal *ge, PetscInt ng, PetscReal lo, PetscReal hi, PetscInt *nl, PetscReal **le);

#endif
