/* MSSIMDCR survey: current sources, potential receivers, and the per-source right-hand sides
   and receiver interpolation matrices built from them. */
#include "dcrimpl.h"

/* The simulation's DCR context, after checking its type and that the survey can still change. */
static PetscErrorCode MSDCRGetEditable(MSSim sim, const char caller[], MSSim_DCR **dcr)
{
  PetscFunctionBegin;
  MSValidHeader(sim, 1);
  PetscCall(MSHeaderCheckType(&sim->hdr, MSSIMDCR, caller));
  *dcr = (MSSim_DCR *)sim->data;
  PetscCheck((*dcr)->grid_set, sim->hdr.comm, PETSC_ERR_ORDER, "%s: set the grid with MSSimDCRSetGrid() first", caller);
  PetscCheck(!sim->hdr.setupcalled, sim->hdr.comm, PETSC_ERR_ARG_WRONGSTATE, "%s: the survey cannot change after MSSimSetUp()", caller);
  PetscFunctionReturn(0);
}

/* Makes room for one more element in a growing array. */
static PetscErrorCode MSDCRGrow(size_t elem, PetscInt n, PetscInt *max, void **array)
{
  PetscFunctionBegin;
  if (n < *max) PetscFunctionReturn(0);
  *max = PetscMax(8, 2 * *max);
  PetscCall(PetscRealloc(elem * (size_t)*max, array));
  PetscFunctionReturn(0);
}

/*@C
  MSSimDCRAddSource - adds a current source: a pole (one electrode) or a dipole (two)

  Logically Collective

  Input Parameters:
+ sim     - a simulation of type `MSSIMDCR` with its grid set
. a       - position of the electrode injecting the current, inside the grid
. b       - position of the return electrode, inside the grid, or NULL for a pole (return at infinity)
- current - the current I injected at a (and withdrawn at b), finite and non-zero

  Output Parameter:
. index - the source's index, for `MSSimDCRAddReceiver()` (or NULL)

  Notes:
  The current is spread over the up to 8 cells around each electrode with the trilinear weights
  receivers use to interpolate, so the discrete problem is reciprocal. Each source costs one
  solve per model and one per J v. Call before `MSSimSetUp()`.

  Level: beginner

.seealso: `MSSimDCRAddReceiver()`, `MSSimDCRSetGrid()`, `MSSIMDCR`
@*/
PetscErrorCode MSSimDCRAddSource(MSSim sim, const PetscReal a[3], const PetscReal b[3], PetscReal current, PetscInt *index)
{
  MSSim_DCR   *dcr;
  MSDCRSource *s;

  PetscFunctionBegin;
  PetscCall(MSDCRGetEditable(sim, "MSSimDCRAddSource", &dcr));
  PetscCall(MSDCRGridCheckPoint(&dcr->grid, sim->hdr.comm, a, "source A"));
  if (b) PetscCall(MSDCRGridCheckPoint(&dcr->grid, sim->hdr.comm, b, "source B"));
  PetscCheck(!PetscIsInfOrNanReal(current) && current != 0.0, sim->hdr.comm, PETSC_ERR_ARG_OUTOFRANGE, "MSSimDCRAddSource: the current must be finite and non-zero, got %g", (double)current);
  PetscCall(MSDCRGrow(sizeof(MSDCRSource), dcr->n_sources, &dcr->max_sources, (void **)&dcr->sources));
  s = &dcr->sources[dcr->n_sources];
  PetscCall(PetscArraycpy(s->a, a, 3));
  if (b) PetscCall(PetscArraycpy(s->b, b, 3));
  s->dipole  = b ? PETSC_TRUE : PETSC_FALSE;
  s->current = current;
  if (index) *index = dcr->n_sources;
  dcr->n_sources++;
  PetscFunctionReturn(0);
}

/*@C
  MSSimDCRAddReceiver - adds a receiver of a source: the potential at m, or the difference phi(m) - phi(n)

  Logically Collective

  Input Parameters:
+ sim    - a simulation of type `MSSIMDCR` with its grid set
. source - index of the source, from `MSSimDCRAddSource()`
. m      - position of the first potential electrode, inside the grid
- n      - position of the second, or NULL for a pole receiver (the potential itself)

  Notes:
  Potentials are interpolated trilinearly from the cell centres; beyond the outermost centres
  (for instance on the surface, which is insulating) the end cell's value is used. The data
  vector holds the receivers of source 0 in the order added, then those of source 1, and so on.
  Call before `MSSimSetUp()`.

  Level: beginner

.seealso: `MSSimDCRAddSource()`, `MSSIMDCR`
@*/
PetscErrorCode MSSimDCRAddReceiver(MSSim sim, PetscInt source, const PetscReal m[3], const PetscReal n[3])
{
  MSSim_DCR     *dcr;
  MSDCRReceiver *r;

  PetscFunctionBegin;
  PetscCall(MSDCRGetEditable(sim, "MSSimDCRAddReceiver", &dcr));
  PetscCheck(source >= 0 && source < dcr->n_sources, sim->hdr.comm, PETSC_ERR_ARG_OUTOFRANGE, "MSSimDCRAddReceiver: source %" PetscInt_FMT " does not exist (the simulation has %" PetscInt_FMT " sources)", source, dcr->n_sources);
  PetscCall(MSDCRGridCheckPoint(&dcr->grid, sim->hdr.comm, m, "receiver M"));
  if (n) PetscCall(MSDCRGridCheckPoint(&dcr->grid, sim->hdr.comm, n, "receiver N"));
  PetscCall(MSDCRGrow(sizeof(MSDCRReceiver), dcr->n_receivers, &dcr->max_receivers, (void **)&dcr->receivers));
  r         = &dcr->receivers[dcr->n_receivers];
  r->source = source;
  PetscCall(PetscArraycpy(r->m, m, 3));
  if (n) PetscCall(PetscArraycpy(r->n, n, 3));
  r->difference = n ? PETSC_TRUE : PETSC_FALSE;
  dcr->n_receivers++;
  PetscFunctionReturn(0);
}

/*@C
  MSSimDCRGetNumSources - the number of sources added so far

  Not Collective

  Level: intermediate

.seealso: `MSSimDCRAddSource()`
@*/
PetscErrorCode MSSimDCRGetNumSources(MSSim sim, PetscInt *n)
{
  PetscFunctionBegin;
  MSValidHeader(sim, 1);
  PetscCall(MSHeaderCheckType(&sim->hdr, MSSIMDCR, "MSSimDCRGetNumSources"));
  PetscCheck(n, sim->hdr.comm, PETSC_ERR_ARG_NULL, "MSSimDCRGetNumSources: output pointer is NULL");
  *n = ((MSSim_DCR *)sim->data)->n_sources;
  PetscFunctionReturn(0);
}

/* Row `row` of Q += scale * (interpolation weights at p), in the DMDA's column numbering. */
static PetscErrorCode MSDCRAddStencilRow(const MSSim_DCR *dcr, const PetscReal p[3], PetscReal scale, PetscInt row, Mat Q)
{
  MSDCRStencil st;
  PetscInt     cols[8];
  PetscScalar  w[8];

  PetscFunctionBegin;
  PetscCall(MSDCRGridStencil(&dcr->grid, p, &st));
  for (PetscInt k = 0; k < st.count; k++) {
    PetscCall(MSDCRLayoutGlobalIndex(&dcr->layout, st.cell[k], &cols[k]));
    w[k] = scale * st.weight[k];
  }
  PetscCall(MatSetValues(Q, 1, &row, st.count, cols, w, ADD_VALUES));
  PetscFunctionReturn(0);
}

/* The right-hand side of a source: its current spread over the cells around its electrodes, each
   process setting the cells it owns. */
static PetscErrorCode MSDCRSourceVector(const MSSim_DCR *dcr, const MSDCRSource *src, Vec q)
{
  PetscScalar *a;

  PetscFunctionBegin;
  PetscCall(VecSet(q, 0.0));
  PetscCall(VecGetArray(q, &a));
  PetscCall(MSDCRLayoutAddStencil(&dcr->layout, &dcr->grid, src->a, src->current, a));
  if (src->dipole) PetscCall(MSDCRLayoutAddStencil(&dcr->layout, &dcr->grid, src->b, -src->current, a));
  PetscCall(VecRestoreArray(q, &a));
  PetscFunctionReturn(0);
}

/* Builds, per source, its data range, right-hand side q_s, receiver matrix Q_s (rows: its data
   owned here in the MSSimCreateVecs() layout of the data; columns: the DMDA's) and potential
   storage; maps each datum to its receiver; sets the simulation's sizes. Needs the DMDA. */
PetscErrorCode MSDCRSurveySetUp(MSSim sim)
{
  MSSim_DCR  *dcr = (MSSim_DCR *)sim->data;
  PetscLayout data;
  PetscInt    ncells, dlo, dhi, *row;

  PetscFunctionBegin;
  PetscCheck(dcr->n_sources > 0, sim->hdr.comm, PETSC_ERR_ARG_WRONGSTATE, "MSSIMDCR has no sources: call MSSimDCRAddSource()");
  PetscCall(MSDCRGridNumCells(&dcr->grid, &ncells));
  PetscCall(PetscCalloc1(dcr->n_sources + 1, &dcr->data_start));
  for (PetscInt r = 0; r < dcr->n_receivers; r++) dcr->data_start[dcr->receivers[r].source + 1]++;
  for (PetscInt s = 0; s < dcr->n_sources; s++) {
    PetscCheck(dcr->data_start[s + 1] > 0, sim->hdr.comm, PETSC_ERR_ARG_WRONGSTATE, "MSSIMDCR: source %" PetscInt_FMT " has no receivers: call MSSimDCRAddReceiver()", s);
    dcr->data_start[s + 1] += dcr->data_start[s];
  }
  PetscCall(PetscLayoutCreateFromSizes(sim->hdr.comm, PETSC_DECIDE, dcr->n_receivers, 1, &data));
  PetscCall(PetscLayoutGetRange(data, &dlo, &dhi));
  PetscCall(PetscLayoutDestroy(&data));
  PetscCall(PetscCalloc4(dcr->n_sources, &dcr->Q, dcr->n_sources, &dcr->q, dcr->n_sources, &dcr->phi, dcr->n_sources, &dcr->rows));
  PetscCall(PetscMalloc1(dcr->n_receivers, &dcr->datum_receiver));
  for (PetscInt s = 0; s < dcr->n_sources; s++) {
    const PetscInt first = PetscMax(dlo, dcr->data_start[s]), nlocal = PetscMax(0, PetscMin(dhi, dcr->data_start[s + 1]) - first);

    PetscCall(DMCreateGlobalVector(dcr->da, &dcr->q[s]));
    PetscCall(VecDuplicate(dcr->q[s], &dcr->phi[s]));
    PetscCall(MSDCRSourceVector(dcr, &dcr->sources[s], dcr->q[s]));
    /* an empty local part still starts inside the owned range, so the rows stay contiguous here */
    PetscCall(ISCreateStride(sim->hdr.comm, nlocal, nlocal ? first : dlo, 1, &dcr->rows[s]));
    PetscCall(MatCreateAIJ(sim->hdr.comm, nlocal, dcr->layout.rend - dcr->layout.rstart, PETSC_DETERMINE, ncells, 16, NULL, 16, NULL, &dcr->Q[s]));
    PetscCall(MatSetOption(dcr->Q[s], MAT_NO_OFF_PROC_ENTRIES, PETSC_TRUE));
  }
  PetscCall(PetscCalloc1(dcr->n_sources, &row));
  for (PetscInt r = 0; r < dcr->n_receivers; r++) {
    const MSDCRReceiver *rec   = &dcr->receivers[r];
    const PetscInt       datum = dcr->data_start[rec->source] + row[rec->source];
    Mat                  Q     = dcr->Q[rec->source];

    dcr->datum_receiver[datum] = r;
    if (datum >= dlo && datum < dhi) {
      PetscCall(MSDCRAddStencilRow(dcr, rec->m, 1.0, row[rec->source], Q));
      if (rec->difference) PetscCall(MSDCRAddStencilRow(dcr, rec->n, -1.0, row[rec->source], Q));
    }
    row[rec->source]++;
  }
  PetscCall(PetscFree(row));
  for (PetscInt s = 0; s < dcr->n_sources; s++) {
    PetscCall(MatAssemblyBegin(dcr->Q[s], MAT_FINAL_ASSEMBLY));
    PetscCall(MatAssemblyEnd(dcr->Q[s], MAT_FINAL_ASSEMBLY));
  }
  PetscCall(MSSimSetSizes(sim, ncells, dcr->n_receivers));
  PetscFunctionReturn(0);
}

/* Frees what MSDCRSurveySetUp() built; the sources and receivers stay. */
PetscErrorCode MSDCRSurveyReset(MSSim_DCR *dcr)
{
  PetscFunctionBegin;
  if (dcr->Q) {
    for (PetscInt s = 0; s < dcr->n_sources; s++) {
      PetscCall(MatDestroy(&dcr->Q[s]));
      PetscCall(VecDestroy(&dcr->q[s]));
      PetscCall(VecDestroy(&dcr->phi[s]));
      PetscCall(ISDestroy(&dcr->rows[s]));
    }
  }
  PetscCall(PetscFree4(dcr->Q, dcr->q, dcr->phi, dcr->rows));
  PetscCall(PetscFree(dcr->data_start));
  PetscCall(PetscFree(dcr->datum_receiver));
  PetscFunctionReturn(0);
}
