/* Derivative checks users can call on any differentiable operator: a dot-product adjoint test
   and a Taylor-convergence test, like SimPEG's assert_isadjoint and check_derivative. */
#ifndef METASIM_CHECK_H
#define METASIM_CHECK_H

#include <petscvec.h>

/*S
  MSOperator - a differentiable operator f(m) described by callbacks, the common ground of the
  derivative checks. `MSSimCheckAdjoint()` and `MSMapCheckAdjoint()` build one for simulations and maps.

  Fields:
+ apply  - out = f(m)
. jvec   - out = f'(m) v
. jtvec  - out = f'(m)^T w
. ctx    - passed to each callback
. model  - a vector with the layout of m (borrowed)
- output - a vector with the layout of f(m) (borrowed)

  Level: intermediate
S*/
typedef struct {
  PetscErrorCode (*apply)(void *ctx, Vec m, Vec out);
  PetscErrorCode (*jvec)(void *ctx, Vec m, Vec v, Vec out);
  PetscErrorCode (*jtvec)(void *ctx, Vec m, Vec w, Vec out);
  void *ctx;
  Vec   model;
  Vec   output;
} MSOperator;

/*S
  MSAdjointReport - result of `MSCheckAdjoint()`: w^T (J v) against v^T (J^T w).

  Fields:
+ wJv       - w^T (J v)
. vJtw      - v^T (J^T w)
. rel_error - |wJv - vJtw| / max(|wJv|, |vJtw|, tiny)
. tol       - the tolerance used
- passed    - rel_error <= tol

  Level: beginner
S*/
typedef struct {
  PetscReal wJv, vJtw, rel_error, tol;
  PetscBool passed;
} MSAdjointReport;

#define MS_TAYLOR_MAX_STEPS 16

/*S
  MSTaylorReport - result of `MSCheckTaylor()`.

  Fields:
+ nsteps - number of step sizes h_k = h0 10^-k
. h      - the step sizes
. err0   - ||f(m + h dm) - f(m)||, which falls as O(h)
. err1   - ||f(m + h dm) - f(m) - h J dm||, which falls as O(h^2)
. order  - median observed order of err1 over the steps above round-off
. linear - PETSC_TRUE when every err1 is at round-off (f is linear along dm)
- passed - order >= 1.5 (or linear)

  Level: beginner
S*/
typedef struct {
  PetscInt  nsteps;
  PetscReal h[MS_TAYLOR_MAX_STEPS], err0[MS_TAYLOR_MAX_STEPS], err1[MS_TAYLOR_MAX_STEPS];
  PetscReal order;
  PetscBool linear, passed;
} MSTaylorReport;

PETSC_EXTERN PetscErrorCode MSCheckAdjoint(const MSOperator *, Vec, PetscRandom, PetscReal, MSAdjointReport *);
PETSC_EXTERN PetscErrorCode MSCheckTaylor(const MSOperator *, Vec, Vec, PetscReal, PetscInt, MSTaylorReport *);
PETSC_EXTERN PetscErrorCode MSAdjointReportView(const MSAdjointReport *, PetscViewer);
PETSC_EXTERN PetscErrorCode MSTaylorReportView(const MSTaylorReport *, PetscViewer);

#endif
