/* The inversion library shared by the example metasim_invert and `metasim invert`: a Tikhonov
   objective on MSMeta for PETSc TAO, its Gauss-Newton Hessian as a MATSHELL, and the
   regularization operator of a tensor mesh. Internal to the project's programs (not installed). */
#ifndef METASIM_INVERSION_H
#define METASIM_INVERSION_H

#include <petsctao.h>
#include <metasim.h>

/* The largest mesh dimension of InversionRegularizationCreate(). */
#define INVERSION_MAX_DIM MS_MESH_MAX_DIM

/* phi(m) = phi_d + beta phi_m, phi_d = 1/2 ||W (d(m) - d_obs)||^2, phi_m = 1/2 ||R (m - m_ref)||^2,
   W = 1 / std, R = identity when NULL. */
typedef struct {
  MSMeta    meta;
  Vec       d_obs, W, m_ref;
  Mat       R;
  PetscReal beta;
  Vec       dm;  /* work: m - m_ref */
  Vec       r;   /* work: R (m - m_ref), R's row layout; NULL when R is the identity */
  Vec       rtr; /* diag(R^T R) */
} InversionObjective;

PetscErrorCode InversionObjectiveCreate(MSMeta, Vec, Vec, Vec, Mat, PetscReal, InversionObjective *);
PetscErrorCode InversionObjectiveSetBeta(InversionObjective *, PetscReal);
PetscErrorCode InversionObjectiveDestroy(InversionObjective *);
PetscErrorCode InversionObjectiveGradient(Tao, Vec, PetscReal *, Vec, void *);
PetscErrorCode InversionObjectiveTerms(InversionObjective *, Vec, PetscReal *, PetscReal *);
PetscErrorCode InversionRegularizationApplyNormal(InversionObjective *, Vec, Vec);

PetscErrorCode InversionHessianCreate(InversionObjective *, Mat *);
PetscErrorCode InversionHessianForm(Tao, Vec, Mat, Mat, void *);
PetscErrorCode InversionSetDefaultPC(Tao);

PetscErrorCode InversionRegularizationCreate(Vec, PetscInt, const PetscInt[], PetscReal, const PetscReal[], Mat *);

#endif
