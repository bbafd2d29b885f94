/* The Tikhonov objective for TAO: data misfit through MSMetaMisfit() plus beta/2 ||R (m - m_ref)||^2. */
#include "inversion.h"

/*
  InversionObjectiveCreate - the objective phi(m) = 1/2 ||W (d(m) - d_obs)||^2 + beta/2 ||R (m - m_ref)||^2

  Collective

  Input Parameters:
+ meta  - the meta simulation d(m)
. d_obs - the observed data (data layout)
. W     - the data weights 1 / std (data layout)
. m_ref - the reference model (model layout)
. R     - the regularization operator (columns in the model layout), or NULL for the identity
- beta  - the regularization weight, finite and >= 0

  Output Parameter:
. obj - the objective; keeps references to the vectors and R

  Level: developer
*/
PetscErrorCode InversionObjectiveCreate(MSMeta meta, Vec d_obs, Vec W, Vec m_ref, Mat R, PetscReal beta, InversionObjective *obj)
{
  PetscFunctionBegin;
  PetscCall(PetscMemzero(obj, sizeof(*obj)));
  obj->meta  = meta;
  obj->d_obs = d_obs;
  obj->W     = W;
  obj->m_ref = m_ref;
  obj->R     = R;
  PetscCall(InversionObjectiveSetBeta(obj, beta));
  PetscCall(PetscObjectReference((PetscObject)d_obs));
  PetscCall(PetscObjectReference((PetscObject)W));
  PetscCall(PetscObjectReference((PetscObject)m_ref));
  PetscCall(VecDuplicate(m_ref, &obj->dm));
  PetscCall(VecDuplicate(m_ref, &obj->rtr));
  if (R) {
    Mat RtR;

    PetscCall(PetscObjectReference((PetscObject)R));
    PetscCall(MatCreateVecs(R, NULL, &obj->r));
    /* diag(R^T R) from the distributed product: no rank holds more than its rows */
    PetscCall(MatTransposeMatMult(R, R, MAT_INITIAL_MATRIX, PETSC_DEFAULT, &RtR));
    PetscCall(MatGetDiagonal(RtR, obj->rtr));
    PetscCall(MatDestroy(&RtR));
  } else PetscCall(VecSet(obj->rtr, 1.0));
  PetscFunctionReturn(0);
}

/* Sets the regularization weight beta (finite, >= 0). */
PetscErrorCode InversionObjectiveSetBeta(InversionObjective *obj, PetscReal beta)
{
  PetscFunctionBegin;
  PetscCheck(beta >= 0.0 && !PetscIsInfOrNanReal(beta), PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE, "-beta %.6g: expected a finite regularization weight >= 0", (double)beta);
  obj->beta = beta;
  PetscFunctionReturn(0);
}

PetscErrorCode InversionObjectiveDestroy(InversionObjective *obj)
{
  PetscFunctionBegin;
  PetscCall(VecDestroy(&obj->d_obs));
  PetscCall(VecDestroy(&obj->W));
  PetscCall(VecDestroy(&obj->m_ref));
  PetscCall(MatDestroy(&obj->R));
  PetscCall(VecDestroy(&obj->dm));
  PetscCall(VecDestroy(&obj->r));
  PetscCall(VecDestroy(&obj->rtr));
  PetscFunctionReturn(0);
}

/* phi_m = 1/2 ||R dm||^2 of obj->dm, leaving R dm in obj->r (R not the identity). */
static PetscErrorCode InversionRegularizationNorm(InversionObjective *obj, PetscReal *phi_m)
{
  PetscReal norm;

  PetscFunctionBegin;
  if (obj->R) {
    PetscCall(MatMult(obj->R, obj->dm, obj->r));
    PetscCall(VecNorm(obj->r, NORM_2, &norm));
  } else PetscCall(VecNorm(obj->dm, NORM_2, &norm));
  *phi_m = 0.5 * norm * norm;
  PetscFunctionReturn(0);
}

/*
  InversionRegularizationApplyNormal - y = R^T R x (y = x when R is the identity)

  Collective

  Level: developer
*/
PetscErrorCode InversionRegularizationApplyNormal(InversionObjective *obj, Vec x, Vec y)
{
  PetscFunctionBegin;
  if (obj->R) {
    PetscCall(MatMult(obj->R, x, obj->r));
    PetscCall(MatMultTranspose(obj->R, obj->r, y));
  } else PetscCall(VecCopy(x, y));
  PetscFunctionReturn(0);
}

/*
  InversionObjectiveGradient - TAO's objective-and-gradient callback: one MSMetaMisfit() (one dpred,
  one Jtvec) plus the regularization and its gradient beta R^T R (m - m_ref)

  Collective

  Level: developer
*/
PetscErrorCode InversionObjectiveGradient(Tao tao, Vec m, PetscReal *f, Vec g, void *ctx)
{
  InversionObjective *obj = (InversionObjective *)ctx;
  PetscReal           phi_d, phi_m;

  PetscFunctionBegin;
  PetscCall(MSMetaMisfit(obj->meta, m, obj->d_obs, obj->W, &phi_d, g));
  PetscCall(VecWAXPY(obj->dm, -1.0, obj->m_ref, m));
  PetscCall(InversionRegularizationNorm(obj, &phi_m));
  if (obj->R) {
    PetscCall(VecScale(obj->r, obj->beta));
    PetscCall(MatMultTransposeAdd(obj->R, obj->r, g, g));
  } else PetscCall(VecAXPY(g, obj->beta, obj->dm));
  *f = phi_d + obj->beta * phi_m;
  PetscFunctionReturn(0);
}

/*
  InversionObjectiveTerms - the data misfit phi_d and the regularization phi_m (without beta) at m

  Collective

  Level: developer
*/
PetscErrorCode InversionObjectiveTerms(InversionObjective *obj, Vec m, PetscReal *phi_d, PetscReal *phi_m)
{
  PetscFunctionBegin;
  PetscCall(MSMetaMisfit(obj->meta, m, obj->d_obs, obj->W, phi_d, NULL));
  PetscCall(VecWAXPY(obj->dm, -1.0, obj->m_ref, m));
  PetscCall(InversionRegularizationNorm(obj, phi_m));
  PetscFunctionReturn(0);
}
