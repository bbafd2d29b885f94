/* Synthetic observations for the inversion example: a known log-model, its predicted data,
   uncertainties and seeded Gaussian noise drawn by global datum index, so the data are the same
   for any number of ranks. */
#include <stdint.h>
#include "invert.h"

/* Reads -rel_std, -floor_std, -noise, -seed and checks them. */
PetscErrorCode InvertDataOptionsFromOptions(InvertDataOptions *o)
{
  PetscFunctionBegin;
  o->rel_std   = 0.05;
  o->floor_std = 0.01;
  o->noise     = 0.0;
  o->seed      = 42;
  PetscOptionsBegin(PETSC_COMM_WORLD, NULL, "Inversion example: synthetic data", NULL);
  PetscCall(PetscOptionsReal("-rel_std", "Uncertainty relative to each datum", NULL, o->rel_std, &o->rel_std, NULL));
  PetscCall(PetscOptionsReal("-floor_std", "Uncertainty floor, relative to the largest datum", NULL, o->floor_std, &o->floor_std, NULL));
  PetscCall(PetscOptionsReal("-noise", "Noise added to the data, in units of the uncertainty (0: noise-free)", NULL, o->noise, &o->noise, NULL));
  PetscCall(PetscOptionsInt("-seed", "Seed of the noise", NULL, o->seed, &o->seed, NULL));
  PetscOptionsEnd();
  PetscCheck(PetscIsNormalReal(o->rel_std) || o->rel_std == 0.0, PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE, "-rel_std %g: expected a finite number >= 0", (double)o->rel_std);
  PetscCheck(PetscIsNormalReal(o->floor_std) || o->floor_std == 0.0, PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE, "-floor_std %g: expected a finite number >= 0", (double)o->floor_std);
  PetscCheck(o->rel_std >= 0.0 && o->floor_std >= 0.0 && o->rel_std + o->floor_std > 0.0, PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE,
             "-rel_std %g, -floor_std %g: expected both >= 0 and one of them > 0 (the uncertainties must be positive)", (double)o->rel_std, (double)o->floor_std);
  PetscCheck(PetscIsNormalReal(o->noise) || o->noise == 0.0, PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE, "-noise %g: expected a finite number >= 0", (double)o->noise);
  PetscCheck(o->noise >= 0.0, PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE, "-noise %g: expected a number >= 0", (double)o->noise);
  PetscFunctionReturn(0);
}

/* m_j = background + 1.5 b(j; 0.35 n, 0.06 n) - 0.8 b(j; 0.7 n, 0.05 n), b(x; c, w) = exp(-((x - c) / w)^2):
   a conductive and a resistive bump in the log-model, by global index. */
PetscErrorCode InvertTrueModel(const InvertGeometry *g, Vec m)
{
  PetscScalar *a;
  PetscInt     lo, hi;
  PetscReal    n = (PetscReal)g->n_model;

  PetscFunctionBegin;
  PetscCall(VecGetOwnershipRange(m, &lo, &hi));
  PetscCall(VecGetArrayWrite(m, &a));
  for (PetscInt j = lo; j < hi; j++) {
    PetscReal x = (PetscReal)j;

    a[j - lo] = INVERT_BACKGROUND + 1.5 * PetscExpReal(-PetscSqr((x - 0.35 * n) / (0.06 * n))) - 0.8 * PetscExpReal(-PetscSqr((x - 0.7 * n) / (0.05 * n)));
  }
  PetscCall(VecRestoreArrayWrite(m, &a));
  PetscFunctionReturn(0);
}

/* SplitMix64's output function: a well-mixed 64-bit hash of x. */
static PetscErrorCode InvertHash(uint64_t x, uint64_t *h)
{
  PetscFunctionBegin;
  x += 0x9E3779B97F4A7C15ULL;
  x  = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x  = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  *h = x ^ (x >> 31);
  PetscFunctionReturn(0);
}

/* A standard normal number that depends only on (seed, i): Box-Muller on two hashed uniforms. */
static PetscErrorCode InvertNormal(PetscInt seed, PetscInt i, PetscReal *z)
{
  uint64_t  key, h1, h2;
  PetscReal u1, u2;

  PetscFunctionBegin;
  PetscCall(InvertHash((uint64_t)seed, &key));
  PetscCall(InvertHash(key ^ (2 * (uint64_t)i), &h1));
  PetscCall(InvertHash(key ^ (2 * (uint64_t)i + 1), &h2));
  u1 = ((PetscReal)(h1 >> 11) + 0.5) / 9007199254740992.0; /* in (0, 1): 2^53 */
  u2 = ((PetscReal)(h2 >> 11) + 0.5) / 9007199254740992.0;
  *z = PetscSqrtReal(-2.0 * PetscLogReal(u1)) * PetscCosReal(2.0 * PETSC_PI * u2);
  PetscFunctionReturn(0);
}

/* d_obs = d(m_true) + noise std z and W = 1 / std (data layout of the meta simulation). */
PetscErrorCode InvertSyntheticData(MSMeta meta, Vec m_true, const InvertDataOptions *o, Vec d_obs, Vec W)
{
  PetscScalar *d, *w;
  PetscReal    dmax;
  PetscInt     lo, hi;

  PetscFunctionBegin;
  PetscCall(MSMetaDpred(meta, m_true, d_obs));
  PetscCall(VecNorm(d_obs, NORM_INFINITY, &dmax));
  PetscCall(VecGetOwnershipRange(d_obs, &lo, &hi));
  PetscCall(VecGetArray(d_obs, &d));
  PetscCall(VecGetArrayWrite(W, &w));
  for (PetscInt i = lo; i < hi; i++) {
    PetscReal std = o->rel_std * PetscAbsScalar(d[i - lo]) + o->floor_std * dmax, z;

    PetscCall(InvertNormal(o->seed, i, &z));
    w[i - lo] = 1.0 / std;
    d[i - lo] += o->noise * std * z;
  }
  PetscCall(VecRestoreArrayWrite(W, &w));
  PetscCall(VecRestoreArray(d_obs, &d));
  PetscCall(MSVecCheckFinite(W, "data weights 1/std (zero uncertainty: set -floor_std > 0)"));
  PetscFunctionReturn(0);
}
