/* MSSIMDCR finite-volume operator: face conductances, assembly of A(m), and the derivative
   G(phi) = d(A(m) phi)/dm with its transpose, all as loops over the faces of the owned cells. */
#include "dcrimpl.h"

PetscErrorCode MSDCRFacesDestroy(MSDCRFaces *f)
{
  PetscFunctionBegin;
  PetscCall(PetscFree5(f->lo, f->hi, f->glo, f->ghi, f->owned));
  PetscCall(PetscFree3(f->area, f->dlo, f->dhi));
  PetscCall(PetscFree3(f->T, f->dTlo, f->dThi));
  PetscCall(PetscFree4(f->bcell, f->gbcell, f->bgeom, f->bT));
  f->n_faces  = 0;
  f->n_bfaces = 0;
  PetscFunctionReturn(0);
}

/* Width of cell i along axis d. */
#define MSDCRWidth(g, d, i) ((g)->edges[d][(i) + 1] - (g)->edges[d][i])

/* The mixed condition d phi / dn + alpha phi = 0 with alpha = (r . n) / |r|^2, r from the centre
   of the surface to the face centre: exact for a pole at that point over a homogeneous half-space.
   With phi_face = phi_cell / (1 + alpha h / 2) the outward flux is sigma * area * geom * phi_cell. */
static PetscErrorCode MSDCRBoundaryGeometry(const MSDCRGrid *g, const PetscInt ijk[3], PetscInt d, PetscInt side, PetscReal *geom)
{
  PetscReal ref[3], x[3], area = 1.0, r2 = 0.0, rn, alpha, half;

  PetscFunctionBegin;
  ref[0] = 0.5 * (g->edges[0][0] + g->edges[0][g->n[0]]);
  ref[1] = 0.5 * (g->edges[1][0] + g->edges[1][g->n[1]]);
  ref[2] = g->edges[2][g->n[2]];
  for (PetscInt e = 0; e < 3; e++) {
    x[e] = e == d ? g->edges[e][ijk[e] + side] : g->centres[e][ijk[e]];
    if (e != d) area *= MSDCRWidth(g, e, ijk[e]);
    r2 += (x[e] - ref[e]) * (x[e] - ref[e]);
  }
  rn    = (x[d] - ref[d]) * (side ? 1.0 : -1.0);
  alpha = rn / r2;
  half  = 0.5 * MSDCRWidth(g, d, ijk[d]);
  *geom = area * alpha / (1.0 + alpha * half);
  PetscFunctionReturn(0);
}

/* The number of faces the owned box needs: along each axis, those towards the next cell (the
   last cell of the grid has none) and, where the box does not start at the grid's edge, those
   towards the previous process's cell; and the boundary faces of owned cells (not the surface). */
static PetscErrorCode MSDCRFacesCount(const MSDCRGrid *g, const MSDCRLayout *l, PetscInt *nf, PetscInt *nb)
{
  PetscFunctionBegin;
  *nf = 0;
  *nb = 0;
  for (PetscInt d = 0; d < 3; d++) {
    const PetscInt  cross  = l->xm[(d + 1) % 3] * l->xm[(d + 2) % 3];
    const PetscBool at_lo  = l->xs[d] == 0 ? PETSC_TRUE : PETSC_FALSE;
    const PetscBool at_end = l->xs[d] + l->xm[d] == g->n[d] ? PETSC_TRUE : PETSC_FALSE;

    *nf += cross * (l->xm[d] - (at_end ? 1 : 0) + (at_lo ? 0 : 1));
    *nb += cross * ((at_lo ? 1 : 0) + (d < 2 && at_end ? 1 : 0));
  }
  PetscFunctionReturn(0);
}

/* Enumerates the faces of the owned cells in the ghosted local numbering of da (on one process:
   every face of the grid once, cell by cell, axis by axis), with their DMDA global indices. */
PetscErrorCode MSDCRFacesCreate(MSDCRFaces *f, const MSDCRGrid *g, const MSDCRLayout *l, DM da)
{
  const PetscInt        *n         = g->n;
  const PetscInt         stride[3] = {1, l->gm[0], l->gm[0] * l->gm[1]};
  PetscInt               nf = 0, nb = 0;
  ISLocalToGlobalMapping ltog;

  PetscFunctionBegin;
  PetscCall(MSDCRFacesDestroy(f));
  PetscCall(MSDCRFacesCount(g, l, &f->n_faces, &f->n_bfaces));
  PetscCall(PetscMalloc5(f->n_faces, &f->lo, f->n_faces, &f->hi, f->n_faces, &f->glo, f->n_faces, &f->ghi, f->n_faces, &f->owned));
  PetscCall(PetscMalloc3(f->n_faces, &f->area, f->n_faces, &f->dlo, f->n_faces, &f->dhi));
  PetscCall(PetscMalloc3(f->n_faces, &f->T, f->n_faces, &f->dTlo, f->n_faces, &f->dThi));
  PetscCall(PetscMalloc4(f->n_bfaces, &f->bcell, f->n_bfaces, &f->gbcell, f->n_bfaces, &f->bgeom, f->n_bfaces, &f->bT));
  for (PetscInt k = l->xs[2]; k < l->xs[2] + l->xm[2]; k++)
    for (PetscInt j = l->xs[1]; j < l->xs[1] + l->xm[1]; j++)
      for (PetscInt i = l->xs[0]; i < l->xs[0] + l->xm[0]; i++) {
        const PetscInt ijk[3] = {i, j, k};
        const PetscInt cell   = (i - l->gs[0]) + l->gm[0] * ((j - l->gs[1]) + l->gm[1] * (k - l->gs[2]));

        for (PetscInt d = 0; d < 3; d++) {
          const PetscInt e1 = (d + 1) % 3, e2 = (d + 2) % 3;

          if (ijk[d] + 1 < n[d]) {
            f->lo[nf]    = cell;
            f->hi[nf]    = cell + stride[d];
            f->owned[nf] = MS_DCR_OWN_LO | (ijk[d] + 1 < l->xs[d] + l->xm[d] ? MS_DCR_OWN_HI : 0);
            f->area[nf]  = MSDCRWidth(g, e1, ijk[e1]) * MSDCRWidth(g, e2, ijk[e2]);
            f->dlo[nf]   = g->edges[d][ijk[d] + 1] - g->centres[d][ijk[d]];
            f->dhi[nf]   = g->centres[d][ijk[d] + 1] - g->edges[d][ijk[d] + 1];
            nf++;
          }
          if (ijk[d] == l->xs[d] && ijk[d] > 0) { /* towards the previous process's cell */
            f->lo[nf]    = cell - stride[d];
            f->hi[nf]    = cell;
            f->owned[nf] = MS_DCR_OWN_HI;
            f->area[nf]  = MSDCRWidth(g, e1, ijk[e1]) * MSDCRWidth(g, e2, ijk[e2]);
            f->dlo[nf]   = g->edges[d][ijk[d]] - g->centres[d][ijk[d] - 1];
            f->dhi[nf]   = g->centres[d][ijk[d]] - g->edges[d][ijk[d]];
            nf++;
          }
          for (PetscInt side = 0; side < 2; side++) {
            if (d == 2 && side == 1) continue; /* the insulating surface */
            if (ijk[d] != (side ? n[d] - 1 : 0)) continue;
            f->bcell[nb] = cell;
            PetscCall(MSDCRBoundaryGeometry(g, ijk, d, side, &f->bgeom[nb]));
            nb++;
          }
        }
      }
  PetscCheck(nf == f->n_faces && nb == f->n_bfaces, PETSC_COMM_SELF, PETSC_ERR_PLIB, "MSSIMDCR face count mismatch");
  PetscCall(DMGetLocalToGlobalMapping(da, &ltog));
  PetscCall(ISLocalToGlobalMappingApply(ltog, nf, f->lo, f->glo));
  PetscCall(ISLocalToGlobalMappingApply(ltog, nf, f->hi, f->ghi));
  PetscCall(ISLocalToGlobalMappingApply(ltog, nb, f->bcell, f->gbcell));
  PetscFunctionReturn(0);
}

/* Collective: errors on every process, naming the first cell (natural order) whose conductivity
   exp(m) is not a positive finite number; m is the model in the MSSimCreateVecs() layout. */
PetscErrorCode MSDCRCheckConductivity(MPI_Comm comm, const MSDCRGrid *g, Vec m)
{
  const PetscScalar *x;
  PetscInt           lo, hi, bad = PETSC_MAX_INT, first;
  PetscReal          bad_m = 0.0, first_m;

  PetscFunctionBegin;
  PetscCall(VecGetOwnershipRange(m, &lo, &hi));
  PetscCall(VecGetArrayRead(m, &x));
  for (PetscInt c = lo; c < hi; c++) {
    const PetscReal sigma = PetscExpReal(PetscRealPart(x[c - lo]));

    if (!(sigma > 0.0) || PetscIsInfOrNanReal(sigma)) {
      bad   = c;
      bad_m = PetscRealPart(x[c - lo]);
      break;
    }
  }
  PetscCall(VecRestoreArrayRead(m, &x));
  PetscCallMPI(MPI_Allreduce(&bad, &first, 1, MPIU_INT, MPI_MIN, comm));
  if (first == PETSC_MAX_INT) PetscFunctionReturn(0);
  if (bad != first) bad_m = 0.0;
  PetscCallMPI(MPI_Allreduce(&bad_m, &first_m, 1, MPIU_REAL, MPIU_SUM, comm));
  SETERRQ(comm, PETSC_ERR_ARG_OUTOFRANGE, "MSSIMDCR: the conductivity of cell %" PetscInt_FMT " (i %" PetscInt_FMT ", j %" PetscInt_FMT ", k %" PetscInt_FMT ") is exp(%g) = %g: it must be positive and finite", first, first % g->n[0], (first / g->n[0]) % g->n[1], first / (g->n[0] * g->n[1]),
          (double)first_m, (double)PetscExpReal(first_m));
}

/* Conductances at the model m = log(sigma), given as a ghosted local vector (checked first with
   MSDCRCheckConductivity()). */
PetscErrorCode MSDCRFacesSetConductivity(MSDCRFaces *f, Vec mloc)
{
  const PetscScalar *x;
  PetscReal         *sigma;
  PetscInt           nloc;

  PetscFunctionBegin;
  PetscCall(VecGetLocalSize(mloc, &nloc));
  PetscCall(PetscMalloc1(nloc, &sigma));
  PetscCall(VecGetArrayRead(mloc, &x));
  for (PetscInt c = 0; c < nloc; c++) sigma[c] = PetscExpReal(PetscRealPart(x[c]));
  PetscCall(VecRestoreArrayRead(mloc, &x));
  for (PetscInt k = 0; k < f->n_faces; k++) {
    const PetscReal slo = sigma[f->lo[k]], shi = sigma[f->hi[k]];
    const PetscReal T = f->area[k] / (f->dlo[k] / slo + f->dhi[k] / shi);

    f->T[k]    = T;
    f->dTlo[k] = T * T * f->dlo[k] / (f->area[k] * slo);
    f->dThi[k] = T * T * f->dhi[k] / (f->area[k] * shi);
  }
  for (PetscInt b = 0; b < f->n_bfaces; b++) f->bT[b] = sigma[f->bcell[b]] * f->bgeom[b];
  PetscCall(PetscFree(sigma));
  PetscFunctionReturn(0);
}

/* A = sum over faces of T (e_lo - e_hi)(e_lo - e_hi)^T + sum over boundary faces of bT e_c e_c^T;
   each process adds the rows of its own cells. */
PetscErrorCode MSDCRFacesAssemble(const MSDCRFaces *f, Mat A)
{
  PetscFunctionBegin;
  PetscCall(MatZeroEntries(A));
  for (PetscInt k = 0; k < f->n_faces; k++) {
    const PetscInt    idx[2] = {f->glo[k], f->ghi[k]};
    const PetscScalar v[4]   = {f->T[k], -f->T[k], -f->T[k], f->T[k]};

    if (f->owned[k] == (MS_DCR_OWN_LO | MS_DCR_OWN_HI)) PetscCall(MatSetValues(A, 2, idx, 2, idx, v, ADD_VALUES));
    else if (f->owned[k] == MS_DCR_OWN_LO) PetscCall(MatSetValues(A, 1, &idx[0], 2, idx, v, ADD_VALUES));
    else PetscCall(MatSetValues(A, 1, &idx[1], 2, idx, v + 2, ADD_VALUES));
  }
  for (PetscInt b = 0; b < f->n_bfaces; b++) PetscCall(MatSetValue(A, f->gbcell[b], f->gbcell[b], f->bT[b], ADD_VALUES));
  PetscCall(MatAssemblyBegin(A, MAT_FINAL_ASSEMBLY));
  PetscCall(MatAssemblyEnd(A, MAT_FINAL_ASSEMBLY));
  PetscFunctionReturn(0);
}

/* out = G(phi) v, the change of A(m) phi along the model direction v; all three are ghosted local
   vectors, and out is right on the owned cells only (its ghost entries are partial sums). */
PetscErrorCode MSDCRFacesDerivative(const MSDCRFaces *f, Vec phi, Vec v, Vec out)
{
  const PetscScalar *p, *x;
  PetscScalar       *y;

  PetscFunctionBegin;
  PetscCall(VecSet(out, 0.0));
  PetscCall(VecGetArrayRead(phi, &p));
  PetscCall(VecGetArrayRead(v, &x));
  PetscCall(VecGetArray(out, &y));
  for (PetscInt k = 0; k < f->n_faces; k++) {
    const PetscInt    lo = f->lo[k], hi = f->hi[k];
    const PetscScalar flux = (f->dTlo[k] * x[lo] + f->dThi[k] * x[hi]) * (p[lo] - p[hi]);

    y[lo] += flux;
    y[hi] -= flux;
  }
  for (PetscInt b = 0; b < f->n_bfaces; b++) y[f->bcell[b]] += f->bT[b] * x[f->bcell[b]] * p[f->bcell[b]];
  PetscCall(VecRestoreArray(out, &y));
  PetscCall(VecRestoreArrayRead(v, &x));
  PetscCall(VecRestoreArrayRead(phi, &p));
  PetscFunctionReturn(0);
}

/* out = G(phi)^T u, as MSDCRFacesDerivative(): right on the owned cells of out. */
PetscErrorCode MSDCRFacesDerivativeTranspose(const MSDCRFaces *f, Vec phi, Vec u, Vec out)
{
  const PetscScalar *p, *x;
  PetscScalar       *y;

  PetscFunctionBegin;
  PetscCall(VecSet(out, 0.0));
  PetscCall(VecGetArrayRead(phi, &p));
  PetscCall(VecGetArrayRead(u, &x));
  PetscCall(VecGetArray(out, &y));
  for (PetscInt k = 0; k < f->n_faces; k++) {
    const PetscInt    lo = f->lo[k], hi = f->hi[k];
    const PetscScalar g = (p[lo] - p[hi]) * (x[lo] - x[hi]);

    y[lo] += f->dTlo[k] * g;
    y[hi] += f->dThi[k] * g;
  }
  for (PetscInt b = 0; b < f->n_bfaces; b++) y[f->bcell[b]] += f->bT[b] * p[f->bcell[b]] * x[f->bcell[b]];
  PetscCall(VecRestoreArray(out, &y));
  PetscCall(VecRestoreArrayRead(u, &x));
  PetscCall(VecRestoreArrayRead(phi, &p));
  PetscFunctionReturn(0);
}
