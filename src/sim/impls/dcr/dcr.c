/* MSSIMDCR: the simulation type's operations (fields, dpred, J v, J^T w, JtJ diagonal), its
   life cycle and its accessors. Model m = log(sigma) per cell; A(m) phi_s = q_s per source s;
   data d_s = Q_s phi_s. Then J v = -Q_s A^{-1} G(phi_s) v and J^T w = -sum_s G(phi_s)^T A^{-1} Q_s^T w_s,
   with G(phi) = d(A(m) phi)/dm. */
#include "dcrimpl.h"

/* loc = the ghosted local form of a model-space vector v given in the MSSimCreateVecs() layout
   (natural cell order), through the DMDA's global layout. */
static PetscErrorCode MSDCRModelToLocal(MSSim_DCR *dcr, Vec v, Vec loc)
{
  PetscFunctionBegin;
  PetscCall(VecScatterBegin(dcr->layout.model_to_da, v, dcr->mda, INSERT_VALUES, SCATTER_FORWARD));
  PetscCall(VecScatterEnd(dcr->layout.model_to_da, v, dcr->mda, INSERT_VALUES, SCATTER_FORWARD));
  PetscCall(DMGlobalToLocal(dcr->da, dcr->mda, INSERT_VALUES, loc));
  PetscFunctionReturn(0);
}

/* v (MSSimCreateVecs() layout) = the DMDA global vector g. */
static PetscErrorCode MSDCRToModel(MSSim_DCR *dcr, Vec g, Vec v)
{
  PetscFunctionBegin;
  PetscCall(VecScatterBegin(dcr->layout.model_to_da, g, v, INSERT_VALUES, SCATTER_REVERSE));
  PetscCall(VecScatterEnd(dcr->layout.model_to_da, g, v, INSERT_VALUES, SCATTER_REVERSE));
  PetscFunctionReturn(0);
}

/* out (DMDA global) = G(phi_s)^T u for u a DMDA global vector; uses the local work vectors. */
static PetscErrorCode MSDCRDerivativeTranspose(MSSim_DCR *dcr, PetscInt s, Vec u, Vec out)
{
  PetscFunctionBegin;
  PetscCall(DMGlobalToLocal(dcr->da, dcr->phi[s], INSERT_VALUES, dcr->ploc));
  PetscCall(DMGlobalToLocal(dcr->da, u, INSERT_VALUES, dcr->xloc));
  PetscCall(MSDCRFacesDerivativeTranspose(&dcr->faces, dcr->ploc, dcr->xloc, dcr->yloc));
  PetscCall(DMLocalToGlobal(dcr->da, dcr->yloc, INSERT_VALUES, out));
  PetscFunctionReturn(0);
}

/* Assembles A(m) once and solves for the potential of every source. */
static PetscErrorCode MSSimFields_DCR(MSSim sim, Vec m)
{
  MSSim_DCR *dcr = (MSSim_DCR *)sim->data;

  PetscFunctionBegin;
  PetscCall(MSDCRLayoutCheckModelVec(&dcr->layout, sim->hdr.comm, m, "model"));
  PetscCall(MSDCRCheckConductivity(sim->hdr.comm, &dcr->grid, m));
  PetscCall(MSDCRModelToLocal(dcr, m, dcr->xloc));
  PetscCall(MSDCRFacesSetConductivity(&dcr->faces, dcr->xloc));
  PetscCall(MSDCRFacesAssemble(&dcr->faces, dcr->A));
  PetscCall(KSPSetOperators(dcr->ksp, dcr->A, dcr->A));
  for (PetscInt s = 0; s < dcr->n_sources; s++) PetscCall(MSDCRSolve(sim, s, "forward", dcr->q[s], dcr->phi[s]));
  PetscFunctionReturn(0);
}

static PetscErrorCode MSSimDpred_DCR(MSSim sim, Vec m, Vec d)
{
  MSSim_DCR *dcr = (MSSim_DCR *)sim->data;

  PetscFunctionBegin;
  for (PetscInt s = 0; s < dcr->n_sources; s++) {
    Vec ds;

    PetscCall(VecGetSubVector(d, dcr->rows[s], &ds));
    PetscCall(MatMult(dcr->Q[s], dcr->phi[s], ds));
    PetscCall(VecRestoreSubVector(d, dcr->rows[s], &ds));
  }
  PetscFunctionReturn(0);
}

/* One solve per source: J v = -Q_s A^{-1} G(phi_s) v. */
static PetscErrorCode MSSimJvec_DCR(MSSim sim, Vec m, Vec v, Vec jv)
{
  MSSim_DCR *dcr = (MSSim_DCR *)sim->data;

  PetscFunctionBegin;
  PetscCall(MSDCRLayoutCheckModelVec(&dcr->layout, sim->hdr.comm, v, "input"));
  PetscCall(MSDCRModelToLocal(dcr, v, dcr->xloc));
  for (PetscInt s = 0; s < dcr->n_sources; s++) {
    Vec js;

    PetscCall(DMGlobalToLocal(dcr->da, dcr->phi[s], INSERT_VALUES, dcr->ploc));
    PetscCall(MSDCRFacesDerivative(&dcr->faces, dcr->ploc, dcr->xloc, dcr->yloc));
    PetscCall(DMLocalToGlobal(dcr->da, dcr->yloc, INSERT_VALUES, dcr->work));
    PetscCall(MSDCRSolve(sim, s, "sensitivity", dcr->work, dcr->work2));
    PetscCall(VecGetSubVector(jv, dcr->rows[s], &js));
    PetscCall(MatMult(dcr->Q[s], dcr->work2, js));
    PetscCall(VecScale(js, -1.0));
    PetscCall(VecRestoreSubVector(jv, dcr->rows[s], &js));
  }
  PetscFunctionReturn(0);
}

/* One adjoint solve per source (A is symmetric): J^T w = -sum_s G(phi_s)^T A^{-1} Q_s^T w_s,
   summed in the DMDA's layout. */
static PetscErrorCode MSSimJtvec_DCR(MSSim sim, Vec m, Vec w, Vec jtw)
{
  MSSim_DCR *dcr = (MSSim_DCR *)sim->data;

  PetscFunctionBegin;
  PetscCall(MSDCRLayoutCheckModelVec(&dcr->layout, sim->hdr.comm, jtw, "output"));
  PetscCall(VecSet(dcr->mda, 0.0));
  for (PetscInt s = 0; s < dcr->n_sources; s++) {
    Vec ws;

    PetscCall(VecGetSubVector(w, dcr->rows[s], &ws));
    PetscCall(MatMultTranspose(dcr->Q[s], ws, dcr->work));
    PetscCall(VecRestoreSubVector(w, dcr->rows[s], &ws));
    PetscCall(MSDCRSolve(sim, s, "adjoint", dcr->work, dcr->work2));
    PetscCall(MSDCRDerivativeTranspose(dcr, s, dcr->work2, dcr->work));
    PetscCall(VecAXPY(dcr->mda, -1.0, dcr->work));
  }
  PetscCall(MSDCRToModel(dcr, dcr->mda, jtw));
  PetscFunctionReturn(0);
}

/* Exact diagonal: row r of J is -(G(phi_s)^T A^{-1} Q_r^T)^T, one adjoint solve per datum
   (n_data solves, reusing the factorization or preconditioner of the fields). Every process
   takes part in every solve, so each needs every weight. */
static PetscErrorCode MSSimJtJDiag_DCR(MSSim sim, Vec m, Vec W, Vec diag)
{
  MSSim_DCR         *dcr = (MSSim_DCR *)sim->data;
  const PetscScalar *w   = NULL;
  VecScatter         toall = NULL;
  Vec                Wall  = NULL;

  PetscFunctionBegin;
  PetscCall(MSDCRLayoutCheckModelVec(&dcr->layout, sim->hdr.comm, diag, "output"));
  if (W) {
    PetscCall(VecScatterCreateToAll(W, &toall, &Wall));
    PetscCall(VecScatterBegin(toall, W, Wall, INSERT_VALUES, SCATTER_FORWARD));
    PetscCall(VecScatterEnd(toall, W, Wall, INSERT_VALUES, SCATTER_FORWARD));
    PetscCall(VecGetArrayRead(Wall, &w));
  }
  PetscCall(VecSet(dcr->mda, 0.0));
  for (PetscInt datum = 0; datum < dcr->n_receivers; datum++) {
    const MSDCRReceiver *rec = &dcr->receivers[dcr->datum_receiver[datum]];
    const PetscScalar    wr  = w ? w[datum] : 1.0;
    PetscScalar         *a;

    PetscCall(VecSet(dcr->work, 0.0));
    PetscCall(VecGetArray(dcr->work, &a));
    PetscCall(MSDCRLayoutAddStencil(&dcr->layout, &dcr->grid, rec->m, 1.0, a));
    if (rec->difference) PetscCall(MSDCRLayoutAddStencil(&dcr->layout, &dcr->grid, rec->n, -1.0, a));
    PetscCall(VecRestoreArray(dcr->work, &a));
    PetscCall(MSDCRSolve(sim, rec->source, "adjoint", dcr->work, dcr->work2));
    PetscCall(MSDCRDerivativeTranspose(dcr, rec->source, dcr->work2, dcr->work));
    PetscCall(VecPointwiseMult(dcr->work, dcr->work, dcr->work));
    PetscCall(VecAXPY(dcr->mda, wr * wr, dcr->work));
  }
  if (W) {
    PetscCall(VecRestoreArrayRead(Wall, &w));
    PetscCall(VecDestroy(&Wall));
    PetscCall(VecScatterDestroy(&toall));
  }
  PetscCall(MSDCRToModel(dcr, dcr->mda, diag));
  PetscFunctionReturn(0);
}

/* Frees everything MSSimSetUp() built (after a failed set-up, before the next attempt). */
static PetscErrorCode MSDCRReset(MSSim_DCR *dcr)
{
  PetscFunctionBegin;
  PetscCall(MSDCRSurveyReset(dcr));
  PetscCall(MSDCRFacesDestroy(&dcr->faces));
  PetscCall(KSPDestroy(&dcr->ksp));
  PetscCall(MatDestroy(&dcr->A));
  PetscCall(VecDestroy(&dcr->work));
  PetscCall(VecDestroy(&dcr->work2));
  PetscCall(VecDestroy(&dcr->mda));
  PetscCall(VecDestroy(&dcr->xloc));
  PetscCall(VecDestroy(&dcr->ploc));
  PetscCall(VecDestroy(&dcr->yloc));
  PetscCall(MSDCRLayoutDestroy(&dcr->layout));
  PetscCall(DMDestroy(&dcr->da));
  PetscFunctionReturn(0);
}

static PetscErrorCode MSSimSetUp_DCR(MSSim sim)
{
  MSSim_DCR *dcr = (MSSim_DCR *)sim->data;

  PetscFunctionBegin;
  PetscCheck(dcr->grid_set, sim->hdr.comm, PETSC_ERR_ARG_WRONGSTATE, "MSSIMDCR needs its grid: call MSSimDCRSetGrid()");
  PetscCall(MSDCRReset(dcr));
  PetscCall(MSDCRSolverSetUp(sim));
  PetscCall(MSDCRFacesCreate(&dcr->faces, &dcr->grid, &dcr->layout, dcr->da));
  PetscCall(MSDCRSurveySetUp(sim));
  PetscFunctionReturn(0);
}

static PetscErrorCode MSSimView_DCR(MSSim sim, PetscViewer viewer)
{
  MSSim_DCR *dcr = (MSSim_DCR *)sim->data;

  PetscFunctionBegin;
  if (dcr->grid_set) {
    const MSDCRGrid *g = &dcr->grid;

    PetscCall(PetscViewerASCIIPrintf(viewer, "grid %" PetscInt_FMT " x %" PetscInt_FMT " x %" PetscInt_FMT " cells over [%g, %g] x [%g, %g] x [%g, %g] (surface at z = %g)\n", g->n[0], g->n[1], g->n[2], (double)g->edges[0][0], (double)g->edges[0][g->n[0]], (double)g->edges[1][0],
                                     (double)g->edges[1][g->n[1]], (double)g->edges[2][0], (double)g->edges[2][g->n[2]], (double)g->edges[2][g->n[2]]));
  }
  PetscCall(PetscViewerASCIIPrintf(viewer, "%" PetscInt_FMT " sources, %" PetscInt_FMT " receivers\n", dcr->n_sources, dcr->n_receivers));
  if (dcr->ksp) PetscCall(KSPView(dcr->ksp, viewer));
  PetscFunctionReturn(0);
}

static PetscErrorCode MSSimDestroy_DCR(MSSim sim)
{
  MSSim_DCR *dcr = (MSSim_DCR *)sim->data;

  PetscFunctionBegin;
  PetscCall(MSDCRReset(dcr));
  PetscCall(MSDCRGridDestroy(&dcr->grid));
  PetscCall(PetscFree(dcr->sources));
  PetscCall(PetscFree(dcr->receivers));
  PetscCall(PetscFree(sim->data));
  PetscFunctionReturn(0);
}

/* The DCR context of a simulation, after checking its type (and its set-up when asked). */
static PetscErrorCode MSDCRGet(MSSim sim, const char caller[], PetscBool need_setup, MSSim_DCR **dcr)
{
  PetscFunctionBegin;
  MSValidHeader(sim, 1);
  PetscCall(MSHeaderCheckType(&sim->hdr, MSSIMDCR, caller));
  if (need_setup) PetscCheck(sim->hdr.setupcalled, sim->hdr.comm, PETSC_ERR_ORDER, "%s: call MSSimSetUp() first", caller);
  *dcr = (MSSim_DCR *)sim->data;
  PetscFunctionReturn(0);
}

/*@C
  MSSimDCRSetGrid - sets the tensor grid of a DC resistivity simulation

  Logically Collective

  Input Parameters:
+ sim   - a simulation of type `MSSIMDCR`
. n     - the number of cells along x, y and z, each at least 2
- edges - per axis, the n[d] + 1 cell edges, finite and strictly increasing (copied)

  Notes:
  z points up; the top face z = edges[2][n[2]] is the ground surface. Cell (i, j, k) is model
  entry i + n[0] (j + n[1] k), so the model length is n[0] n[1] n[2]. Set the grid before adding
  sources and receivers.

  Level: beginner

.seealso: `MSSimDCRGetGrid()`, `MSSimDCRAddSource()`, `MSSIMDCR`
@*/
PetscErrorCode MSSimDCRSetGrid(MSSim sim, const PetscInt n[3], const PetscReal *const edges[3])
{
  MSSim_DCR *dcr;

  PetscFunctionBegin;
  PetscCall(MSDCRGet(sim, "MSSimDCRSetGrid", PETSC_FALSE, &dcr));
  PetscCheck(!sim->hdr.setupcalled, sim->hdr.comm, PETSC_ERR_ARG_WRONGSTATE, "MSSimDCRSetGrid: the grid cannot change after MSSimSetUp()");
  PetscCheck(dcr->n_sources == 0, sim->hdr.comm, PETSC_ERR_ORDER, "MSSimDCRSetGrid: set the grid before adding sources");
  PetscCall(MSDCRGridSet(&dcr->grid, sim->hdr.comm, n, edges));
  dcr->grid_set = PETSC_TRUE;
  PetscFunctionReturn(0);
}

/*@C
  MSSimDCRGetGrid - the grid of a DC resistivity simulation

  Not Collective

  Input Parameter:
. sim - a simulation of type `MSSIMDCR` with its grid set

  Output Parameters:
+ n     - the number of cells along x, y and z
- edges - per axis, the n[d] + 1 cell edges (borrowed; do not free)

  Level: intermediate

.seealso: `MSSimDCRSetGrid()`
@*/
PetscErrorCode MSSimDCRGetGrid(MSSim sim, PetscInt n[3], const PetscReal *edges[3])
{
  MSSim_DCR *dcr;

  PetscFunctionBegin;
  PetscCall(MSDCRGet(sim, "MSSimDCRGetGrid", PETSC_FALSE, &dcr));
  PetscCheck(dcr->grid_set, sim->hdr.comm, PETSC_ERR_ORDER, "MSSimDCRGetGrid: the grid is not set");
  for (PetscInt d = 0; d < 3; d++) {
    if (n) n[d] = dcr->grid.n[d];
    if (edges) edges[d] = dcr->grid.edges[d];
  }
  PetscFunctionReturn(0);
}

/*@C
  MSSimDCRGetKSP - the linear solver of a DC resistivity simulation (borrowed)

  Not Collective

  Input Parameter:
. sim - a simulation of type `MSSIMDCR`, set up

  Output Parameter:
. ksp - the solver used for every forward, sensitivity and adjoint solve

  Options Database Keys:
. -dcr_ksp_type, -dcr_pc_type, ... - any KSP and PC option with the prefix dcr_ (after the
  simulation's own prefix), read by `MSSimSetUp()`

  Notes:
  Defaults: Cholesky up to `MS_DCR_DIRECT_MAX_CELLS` cells (MUMPS when PETSc has it, checked at
  run time; PETSc's own on one process otherwise), else, and on several processes without MUMPS,
  CG with GAMG and a relative tolerance of 1e-10.

  Level: intermediate

.seealso: `MSSimSetOptionsPrefix()`, `MSSIMDCR`
@*/
PetscErrorCode MSSimDCRGetKSP(MSSim sim, KSP *ksp)
{
  MSSim_DCR *dcr;

  PetscFunctionBegin;
  PetscCall(MSDCRGet(sim, "MSSimDCRGetKSP", PETSC_TRUE, &dcr));
  PetscCheck(ksp, sim->hdr.comm, PETSC_ERR_ARG_NULL, "MSSimDCRGetKSP: output pointer is NULL");
  *ksp = dcr->ksp;
  PetscFunctionReturn(0);
}

/*@C
  MSSimDCRGetOperator - the assembled operator A(m) at the model of the cached fields (borrowed)

  Not Collective

  Input Parameter:
. sim - a simulation of type `MSSIMDCR` that has computed fields (any operation at a model)

  Output Parameter:
. A - the symmetric positive definite cell-centred operator (DMDA ordering)

  Level: developer

.seealso: `MSSimDCRGetSourceVector()`, `MSSimDCRGetPotential()`
@*/
PetscErrorCode MSSimDCRGetOperator(MSSim sim, Mat *A)
{
  MSSim_DCR *dcr;

  PetscFunctionBegin;
  PetscCall(MSDCRGet(sim, "MSSimDCRGetOperator", PETSC_TRUE, &dcr));
  PetscCheck(sim->fields_key.valid, sim->hdr.comm, PETSC_ERR_ORDER, "MSSimDCRGetOperator: no model yet; call MSSimDpred() first");
  PetscCheck(A, sim->hdr.comm, PETSC_ERR_ARG_NULL, "MSSimDCRGetOperator: output pointer is NULL");
  *A = dcr->A;
  PetscFunctionReturn(0);
}

/*@C
  MSSimDCRGetSourceVector - the right-hand side q_s of a source (borrowed)

  Not Collective

  Input Parameters:
+ sim    - a simulation of type `MSSIMDCR`, set up
- source - the source index

  Output Parameter:
. q - the source term: the current spread over the cells around the electrodes (DMDA ordering)

  Level: developer

.seealso: `MSSimDCRGetOperator()`, `MSSimDCRGetPotential()`
@*/
PetscErrorCode MSSimDCRGetSourceVector(MSSim sim, PetscInt source, Vec *q)
{
  MSSim_DCR *dcr;

  PetscFunctionBegin;
  PetscCall(MSDCRGet(sim, "MSSimDCRGetSourceVector", PETSC_TRUE, &dcr));
  PetscCheck(source >= 0 && source < dcr->n_sources, sim->hdr.comm, PETSC_ERR_ARG_OUTOFRANGE, "MSSimDCRGetSourceVector: source %" PetscInt_FMT " does not exist (%" PetscInt_FMT " sources)", source, dcr->n_sources);
  PetscCheck(q, sim->hdr.comm, PETSC_ERR_ARG_NULL, "MSSimDCRGetSourceVector: output pointer is NULL");
  *q = dcr->q[source];
  PetscFunctionReturn(0);
}

/*@C
  MSSimDCRGetPotential - the cell-centred potential of a source at the cached model (borrowed)

  Not Collective

  Input Parameters:
+ sim    - a simulation of type `MSSIMDCR` that has computed fields
- source - the source index

  Output Parameter:
. phi - the potential, one value per cell in the DMDA's global ordering (model order on one process)

  Level: intermediate

.seealso: `MSSimDCRGetOperator()`, `MSSimDpred()`
@*/
PetscErrorCode MSSimDCRGetPotential(MSSim sim, PetscInt source, Vec *phi)
{
  MSSim_DCR *dcr;

  PetscFunctionBegin;
  PetscCall(MSDCRGet(sim, "MSSimDCRGetPotential", PETSC_TRUE, &dcr));
  PetscCheck(sim->fields_key.valid, sim->hdr.comm, PETSC_ERR_ORDER, "MSSimDCRGetPotential: no model yet; call MSSimDpred() first");
  PetscCheck(source >= 0 && source < dcr->n_sources, sim->hdr.comm, PETSC_ERR_ARG_OUTOFRANGE, "MSSimDCRGetPotential: source %" PetscInt_FMT " does not exist (%" PetscInt_FMT " sources)", source, dcr->n_sources);
  PetscCheck(phi, sim->hdr.comm, PETSC_ERR_ARG_NULL, "MSSimDCRGetPotential: output pointer is NULL");
  *phi = dcr->phi[source];
  PetscFunctionReturn(0);
}

/* One solve per source on the whole grid: cells times sources unknowns. */
static PetscErrorCode MSSimCost_DCR(MSSim sim, PetscReal *cost)
{
  MSSim_DCR *dcr = (MSSim_DCR *)sim->data;
  PetscInt   cells;

  PetscFunctionBegin;
  PetscCall(MSDCRGridNumCells(&dcr->grid, &cells));
  *cost = (PetscReal)cells * (PetscReal)dcr->n_sources;
  PetscFunctionReturn(0);
}

/*MC
  MSSIMDCR - "dcr": DC resistivity, steady current flow -div(sigma grad phi) = q on a 3-D tensor grid

  Level: beginner

  Notes:
  Cell-centred finite volumes with harmonic face conductivities; the surface (top face) is
  insulating and the other faces carry the mixed condition d phi/dn + (r . n / r^2) phi = 0 with r
  from the centre of the surface, exact for a pole there over a homogeneous half-space. The model
  is log-conductivity per cell; data are the receivers of every source, source by source.

  Costs per model: one assembly and one solve per source (fields, cached by model state); J v:
  one solve per source; J^T w: one adjoint solve per source; JtJ diagonal: one adjoint solve per
  datum (exact). The operator is assembled once per model and its factorization or
  preconditioner reused by every solve at that model.

  Runs on the communicator it was created on: the cells are a DMDA distributed over it, and the
  model and data vectors are distributed as `MSSimCreateVecs()` makes them (the model in natural
  cell order; each operation moves it to and from the DMDA's layout). Potentials, right-hand
  sides and the operator are in the DMDA's global ordering, which is the natural order on one
  process.

.seealso: `MSSimDCRSetGrid()`, `MSSimDCRAddSource()`, `MSSimDCRAddReceiver()`, `MSSimDCRGetKSP()`
M*/
PETSC_INTERN PetscErrorCode MSSimCreate_DCR(MSSim sim)
{
  MSSim_DCR *dcr;

  PetscFunctionBegin;
  PetscCall(PetscNew(&dcr));
  sim->data         = dcr;
  sim->ops->fields  = MSSimFields_DCR;
  sim->ops->dpred   = MSSimDpred_DCR;
  sim->ops->jvec    = MSSimJvec_DCR;
  sim->ops->jtvec   = MSSimJtvec_DCR;
  sim->ops->jtjdiag = MSSimJtJDiag_DCR;
  sim->ops->cost    = MSSimCost_DCR;
  sim->ops->setup   = MSSimSetUp_DCR;
  sim->ops->view    = MSSimView_DCR;
  sim->ops->destroy = MSSimDestroy_DCR;
  PetscFunctionReturn(0);
}
