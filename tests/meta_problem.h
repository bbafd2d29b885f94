/* A family of small meta problems with a dense reference computed independently on every rank:
   dense linear simulations G_i with identity or projection maps, in every kind. */
#ifndef METASIM_TEST_META_PROBLEM_H
#define METASIM_TEST_META_PROBLEM_H

#include <metasim.h>

typedef struct {
  MSMetaKind kind;
  PetscInt   n_sims;
  PetscInt   n_model;
  PetscBool  repeated_index; /* projections that read one entry twice (no singleton columns) */
  PetscInt   n_built;        /* simulations built by the factory on this rank */
} MetaProblem;

/* Sizes and structure of simulation i. */
PetscInt    mp_n_data(const MetaProblem *, PetscInt i);
PetscInt    mp_n_sub(const MetaProblem *, PetscInt i);
PetscInt    mp_index(const MetaProblem *, PetscInt i, PetscInt k); /* global model index read by entry k */
PetscReal   mp_G(const MetaProblem *, PetscInt i, PetscInt r, PetscInt k);
PetscInt    mp_total_data(const MetaProblem *);

PetscErrorCode mp_factory(MPI_Comm comm, PetscInt i, MSSim *sim, MSMap *map, void *ctx);
PetscErrorCode mp_create_sim(MPI_Comm, const MetaProblem *, PetscInt i, MSSim *sim);
PetscErrorCode mp_create_map(const MetaProblem *, PetscInt i, MSMap *map);
/* Builds the meta simulation through the factory (or by adding every pair when add is true). */
PetscErrorCode mp_create_meta(MPI_Comm, MetaProblem *, PetscBool add, MSMeta *);
/* The dense meta Jacobian, n_rows x n_model row-major (caller frees). */
PetscErrorCode mp_dense_jacobian(const MetaProblem *, PetscReal **J);
/* SimPEG's composed JtJ diagonal from each simulation's own diagonal, W over all rows or NULL. */
PetscErrorCode mp_composed_diagonal(const MetaProblem *, const PetscReal *W, PetscReal *diag);
/* A copy of a distributed Vec on every rank (caller frees). */
PetscErrorCode mp_gather(Vec v, PetscReal **a);

#endif
