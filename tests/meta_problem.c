/* See meta_problem.h. */
#include <math.h>
#include "meta_problem.h"

PetscInt mp_n_data(const MetaProblem *p, PetscInt i)
{
  if (p->kind == MS_META_SUM) return 5;
  if (p->kind == MS_META_REPEAT) return 4;
  return 3 + i % 3;
}

static PetscBool mp_is_identity(const MetaProblem *p, PetscInt i)
{
  return (p->kind != MS_META_REPEAT && i % 3 == 0) ? PETSC_TRUE : PETSC_FALSE;
}

PetscInt mp_n_sub(const MetaProblem *p, PetscInt i)
{
  return mp_is_identity(p, i) ? p->n_model : 6;
}

PetscInt mp_index(const MetaProblem *p, PetscInt i, PetscInt k)
{
  if (mp_is_identity(p, i)) return k;
  if (p->repeated_index && k == 5) return (2 * i) % 7; /* reads the window's first entry again */
  return (2 * i) % 7 + k;
}

PetscReal mp_G(const MetaProblem *p, PetscInt i, PetscInt r, PetscInt k)
{
  PetscInt s = p->kind == MS_META_REPEAT ? 0 : i;
  return sin(12.9898 * (r + 1) * (k + 1) + 78.233 * (k + 1) * (k + 1) + 37.719 * (s + 1) * (r + 1));
}

PetscInt mp_total_data(const MetaProblem *p)
{
  PetscInt n = 0;
  if (p->kind == MS_META_SUM) return mp_n_data(p, 0);
  for (PetscInt i = 0; i < p->n_sims; i++) n += mp_n_data(p, i);
  return n;
}

PetscErrorCode mp_create_sim(MPI_Comm comm, const MetaProblem *p, PetscInt i, MSSim *sim)
{
  Mat      G;
  PetscInt nd = mp_n_data(p, i), ns = mp_n_sub(p, i), rstart, rend;

  PetscFunctionBegin;
  PetscCall(MatCreateDense(comm, PETSC_DECIDE, PETSC_DECIDE, nd, ns, NULL, &G));
  PetscCall(MatGetOwnershipRange(G, &rstart, &rend));
  for (PetscInt r = rstart; r < rend; r++)
    for (PetscInt k = 0; k < ns; k++) PetscCall(MatSetValue(G, r, k, mp_G(p, i, r, k), INSERT_VALUES));
  PetscCall(MatAssemblyBegin(G, MAT_FINAL_ASSEMBLY));
  PetscCall(MatAssemblyEnd(G, MAT_FINAL_ASSEMBLY));
  PetscCall(MSSimCreate(comm, sim));
  PetscCall(MSSimSetType(*sim, MSSIMLINEAR));
  PetscCall(MSSimLinearSetOperator(*sim, G));
  PetscCall(MatDestroy(&G));
  PetscFunctionReturn(0);
}

PetscErrorCode mp_create_map(const MetaProblem *p, PetscInt i, MSMap *map)
{
  PetscInt idx[6];

  PetscFunctionBegin;
  if (mp_is_identity(p, i)) PetscCall(MSMapCreateIdentity(PETSC_COMM_SELF, p->n_model, map));
  else {
    for (PetscInt k = 0; k < 6; k++) idx[k] = mp_index(p, i, k);
    PetscCall(MSMapCreateProjection(PETSC_COMM_SELF, p->n_model, 6, idx, map));
  }
  PetscFunctionReturn(0);
}

PetscErrorCode mp_factory(MPI_Comm comm, PetscInt i, MSSim *sim, MSMap *map, void *ctx)
{
  MetaProblem *p = (MetaProblem *)ctx;

  PetscFunctionBegin;
  if (sim) PetscCall(mp_create_sim(comm, p, i, sim));
  PetscCall(mp_create_map(p, i, map));
  p->n_built++;
  PetscFunctionReturn(0);
}

PetscErrorCode mp_create_meta(MPI_Comm comm, MetaProblem *p, PetscBool add, MSMeta *meta)
{
  PetscFunctionBegin;
  PetscCall(MSMetaCreate(comm, meta));
  PetscCall(MSMetaSetKind(*meta, p->kind));
  if (p->kind == MS_META_REPEAT) {
    MSSim sim;

    PetscCall(mp_create_sim(PETSC_COMM_SELF, p, 0, &sim));
    PetscCall(MSMetaSetRepeatSimulation(*meta, sim));
    PetscCall(MSSimDestroy(&sim));
  }
  if (add) {
    for (PetscInt i = 0; i < p->n_sims; i++) {
      MSSim sim = NULL;
      MSMap map;

      PetscCall(mp_factory(PETSC_COMM_SELF, i, p->kind == MS_META_REPEAT ? NULL : &sim, &map, p));
      PetscCall(MSMetaAddSimulation(*meta, sim, map));
      PetscCall(MSSimDestroy(&sim));
      PetscCall(MSMapDestroy(&map));
    }
  } else PetscCall(MSMetaSetFactory(*meta, p->n_sims, mp_factory, p));
  PetscCall(MSMetaSetFromOptions(*meta));
  PetscFunctionReturn(0);
}

PetscErrorCode mp_dense_jacobian(const MetaProblem *p, PetscReal **J)
{
  PetscInt rows = mp_total_data(p), off = 0;

  PetscFunctionBegin;
  PetscCall(PetscCalloc1(rows * p->n_model, J));
  for (PetscInt i = 0; i < p->n_sims; i++) {
    for (PetscInt r = 0; r < mp_n_data(p, i); r++)
      for (PetscInt k = 0; k < mp_n_sub(p, i); k++) (*J)[(off + r) * p->n_model + mp_index(p, i, k)] += mp_G(p, i, r, k);
    if (p->kind != MS_META_SUM) off += mp_n_data(p, i);
  }
  PetscFunctionReturn(0);
}

PetscErrorCode mp_composed_diagonal(const MetaProblem *p, const PetscReal *W, PetscReal *diag)
{
  PetscInt off = 0;

  PetscFunctionBegin;
  PetscCall(PetscArrayzero(diag, p->n_model));
  for (PetscInt i = 0; i < p->n_sims; i++) {
    for (PetscInt k = 0; k < mp_n_sub(p, i); k++) {
      PetscReal d = 0;
      for (PetscInt r = 0; r < mp_n_data(p, i); r++) {
        PetscReal w = W ? W[off + r] : 1.0, g = mp_G(p, i, r, k);
        d += w * w * g * g;
      }
      diag[mp_index(p, i, k)] += d;
    }
    if (p->kind != MS_META_SUM) off += mp_n_data(p, i);
  }
  PetscFunctionReturn(0);
}

PetscErrorCode mp_gather(Vec v, PetscReal **a)
{
  VecScatter         sc;
  Vec                all;
  const PetscScalar *x;
  PetscInt           n;

  PetscFunctionBegin;
  PetscCall(VecScatterCreateToAll(v, &sc, &all));
  PetscCall(VecScatterBegin(sc, v, all, INSERT_VALUES, SCATTER_FORWARD));
  PetscCall(VecScatterEnd(sc, v, all, INSERT_VALUES, SCATTER_FORWARD));
  PetscCall(VecGetSize(v, &n));
  PetscCall(PetscMalloc1(n, a));
  PetscCall(VecGetArrayRead(all, &x));
  PetscCall(PetscArraycpy(*a, x, n));
  PetscCall(VecRestoreArrayRead(all, &x));
  PetscCall(VecScatterDestroy(&sc));
  PetscCall(VecDestroy(&all));
  PetscFunctionReturn(0);
}
