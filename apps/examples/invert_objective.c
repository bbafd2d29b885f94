/* The objective of the inversion example for TAO: data misfit through MSMetaMisfit() plus a
   Tikhonov term, phi(m) = 1/2 ||W (d(m) - d_obs)||^2 + beta/2 ||m - m_ref||^2. */
#include "invert.h"

/* Keeps references to meta, d_obs, W and m_ref; beta >= 0. */
PetscErrorCode InvertObjectiveCreate(MSMeta meta, Vec d_obs, Vec W, Vec m_ref, PetscReal beta, InvertObjective *obj)
{
  PetscFunctionBegin;
  PetscCheck(beta >= 0.0 && !PetscIsInfOrNanReal(beta), PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE, "-beta %g: expected a finite regularization weight >= 0", (double)beta);
  obj->meta  = meta;
  obj->d_obs = d_obs;
  obj->W     = W;
  obj->m_ref = m_ref;
  obj->beta  = beta;
  PetscCall(PetscObjectReference((PetscObject)d_obs));
  PetscCall(PetscObjectReference((PetscObject)W));
  PetscCall(PetscObjectReference((PetscObject)m_ref));
  PetscCall(VecDuplicate(m_ref, &obj->dm));
  PetscFunctionReturn(0);
}

PetscErrorCode InvertObjectiveDestroy(InvertObjective *obj)
{
  PetscFunctionBegin;
  PetscCall(VecDestroy(&obj->d_obs));
  PetscCall(VecDestroy(&obj->W));
  PetscCall(VecDestroy(&obj->m_ref));
  PetscCall(VecDestroy(&obj->dm));
  PetscFunctionReturn(0);
}

/* TAO's objective-and-gradient callback: one MSMetaMisfit() (one dpred, one Jtvec) plus the
   regularization term and its gradient beta (m - m_ref). */
PetscErrorCode InvertObjectiveGradient(Tao tao, Vec m, PetscReal *f, Vec g, void *ctx)
{
  InvertObjective *obj = (InvertObjective *)ctx;
  PetscReal        phi_d, norm_dm;

  PetscFunctionBegin;
  PetscCall(MSMetaMisfit(obj->meta, m, obj->d_obs, obj->W, &phi_d, g));
  PetscCall(VecWAXPY(obj->dm, -1.0, obj->m_ref, m));
  PetscCall(VecNorm(obj->dm, NORM_2, &norm_dm));
  PetscCall(VecAXPY(g, obj->beta, obj->dm));
  *f = phi_d + 0.5 * obj->beta * norm_dm * norm_dm;
  PetscFunctionReturn(0);
}

/* The data misfit alone, 1/2 ||W (d(m) - d_obs)||^2, for monitors and the summary. */
PetscErrorCode InvertDataMisfit(InvertObjective *obj, Vec m, PetscReal *phi_d)
{
  PetscFunctionBegin;
  PetscCall(MSMetaMisfit(obj->meta, m, obj->d_obs, obj->W, phi_d, NULL));
  PetscFunctionReturn(0);
}
