/* MSMeta: many (simulation, map) pairs run as one simulation, distributed over MPI ranks. */
#ifndef METASIM_META_H
#define METASIM_META_H

#include <metasim/sim.h>
#include <metasim/map.h>
#include <metasim/sys.h>

/*S
  MSMeta - a meta simulation: pairs (S_i, M_i), i = 0..n-1, every map reading the one global
  model m. The ranks form groups of consecutive ranks (one rank each by default); each group owns
  a contiguous range of simulation indices and builds only those, on the group's communicator.

  Level: beginner

.seealso: `MSMetaCreate()`, `MSMetaKind`
S*/
typedef struct _p_MSMeta *MSMeta;

/*E
  MSMetaKind - how the simulations combine

+ MS_META_STACK  - d = [d_0; d_1; ...] (SimPEG MetaSimulation)
. MS_META_SUM    - d = sum_i d_i, equal data lengths (SimPEG SumMetaSimulation)
- MS_META_REPEAT - like stack, with one shared simulation and n maps (SimPEG RepeatedSimulation)

  Level: beginner
E*/
typedef enum {
  MS_META_STACK,
  MS_META_SUM,
  MS_META_REPEAT
} MSMetaKind;
PETSC_EXTERN const char *const MSMetaKinds[];

/*E
  MSJtJDiagMethod - how `MSMetaGetJtJDiagonal()` computes diag(J^T W^T W J)

+ MS_JTJDIAG_COMPOSE - SimPEG's composition sum_i (M_i' o M_i')^T d_i from each simulation's
                       own diagonal d_i; exact when every map has singleton columns and, for the
                       sum kind, there is one simulation
- MS_JTJDIAG_EXACT   - one adjoint product per datum through the whole meta Jacobian; exact always

  Level: intermediate
E*/
typedef enum {
  MS_JTJDIAG_COMPOSE,
  MS_JTJDIAG_EXACT
} MSJtJDiagMethod;
PETSC_EXTERN const char *const MSJtJDiagMethods[];

/* Builds simulation `index` on `comm`, the ranks of the group that owns it (PETSC_COMM_SELF for a
   group of one rank), and its map on PETSC_COMM_SELF; called on every rank of that group. For the
   repeat kind sim is NULL: only the map is built. */
typedef PetscErrorCode (*MSMetaFactoryFn)(MPI_Comm comm, PetscInt index, MSSim *sim, MSMap *map, void *ctx);

/* The relative cost of simulation `index` (work per operation, e.g. cells times sources), for the
   partition; called before any simulation is built. */
typedef PetscErrorCode (*MSMetaCostFn)(PetscInt index, PetscReal *cost, void *ctx);

PETSC_EXTERN PetscClassId MS_META_CLASSID;
PETSC_EXTERN PetscLogEvent MS_MetaScatter, MS_MetaLocalForward, MS_MetaLocalAdjoint, MS_MetaReduce;

PETSC_EXTERN PetscErrorCode MSMetaCreate(MPI_Comm, MSMeta *);
PETSC_EXTERN PetscErrorCode MSMetaSetKind(MSMeta, MSMetaKind);
PETSC_EXTERN PetscErrorCode MSMetaGetKind(MSMeta, MSMetaKind *);
PETSC_EXTERN PetscErrorCode MSMetaSetOptionsPrefix(MSMeta, const char[]);
PETSC_EXTERN PetscErrorCode MSMetaSetFromOptions(MSMeta);
PETSC_EXTERN PetscErrorCode MSMetaAddSimulation(MSMeta, MSSim, MSMap);
PETSC_EXTERN PetscErrorCode MSMetaSetRepeatSimulation(MSMeta, MSSim);
PETSC_EXTERN PetscErrorCode MSMetaSetFactory(MSMeta, PetscInt, MSMetaFactoryFn, void *);
PETSC_EXTERN PetscErrorCode MSMetaSetCosts(MSMeta, PetscInt, const PetscReal[]);
PETSC_EXTERN PetscErrorCode MSMetaSetCostFunction(MSMeta, MSMetaCostFn, void *);
PETSC_EXTERN PetscErrorCode MSMetaSetGroupSize(MSMeta, PetscInt);
PETSC_EXTERN PetscErrorCode MSMetaSetSimulationRanks(MSMeta, PetscInt, const PetscInt[]);
PETSC_EXTERN PetscErrorCode MSMetaSetGroupsFromCosts(MSMeta, PetscBool);
PETSC_EXTERN PetscErrorCode MSMetaSetReproducible(MSMeta, PetscBool);
PETSC_EXTERN PetscErrorCode MSMetaSetWaitMode(MSMeta, MSWaitMode);
PETSC_EXTERN PetscErrorCode MSMetaGetWaitMode(MSMeta, MSWaitMode *);
PETSC_EXTERN PetscErrorCode MSMetaSetJtJDiagonalMethod(MSMeta, MSJtJDiagMethod);
PETSC_EXTERN PetscErrorCode MSMetaSetUp(MSMeta);
PETSC_EXTERN PetscErrorCode MSMetaView(MSMeta, PetscViewer);
PETSC_EXTERN PetscErrorCode MSMetaDestroy(MSMeta *);

PETSC_EXTERN PetscErrorCode MSMetaGetSizes(MSMeta, PetscInt *, PetscInt *, PetscInt *);
PETSC_EXTERN PetscErrorCode MSMetaGetOwnershipRange(MSMeta, PetscInt *, PetscInt *);
PETSC_EXTERN PetscErrorCode MSMetaGetLocalSupport(MSMeta, IS *);
PETSC_EXTERN PetscErrorCode MSMetaGetGroup(MSMeta, MPI_Comm *, PetscMPIInt *, PetscMPIInt *);
PETSC_EXTERN PetscErrorCode MSMetaGetLocalSimulation(MSMeta, PetscInt, MSSim *, MSMap *);
PETSC_EXTERN PetscErrorCode MSMetaCreateVecs(MSMeta, Vec *, Vec *);

PETSC_EXTERN PetscErrorCode MSMetaDpred(MSMeta, Vec, Vec);
PETSC_EXTERN PetscErrorCode MSMetaJvec(MSMeta, Vec, Vec, Vec);
PETSC_EXTERN PetscErrorCode MSMetaJtvec(MSMeta, Vec, Vec, Vec);
PETSC_EXTERN PetscErrorCode MSMetaGetJtJDiagonal(MSMeta, Vec, Vec, Vec, PetscBool *);
PETSC_EXTERN PetscErrorCode MSMetaResidual(MSMeta, Vec, Vec, Vec);
PETSC_EXTERN PetscErrorCode MSMetaMisfit(MSMeta, Vec, Vec, Vec, PetscReal *, Vec);
PETSC_EXTERN PetscErrorCode MSMetaGetJacobian(MSMeta, Vec, Mat *);
PETSC_EXTERN PetscErrorCode MSMetaCheckAdjoint(MSMeta, Vec, PetscRandom, MSAdjointReport *);
PETSC_EXTERN PetscErrorCode MSMetaCheckTaylor(MSMeta, Vec, Vec, MSTaylorReport *);

#endif
