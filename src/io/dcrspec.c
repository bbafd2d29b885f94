/* DC resistivity simulations as the problem format describes them (MSDCRSpec): the checks shared
   by the reader and the writer, copies, and the MSSIMDCR built from a description. */
#include <metasim/dcr.h>
#include "io/ioformat.h"

static const char *const MSIODCRAxes[3] = {"x", "y", "z"};

static PetscErrorCode MSIODCRCheckFinite(const char file[], const char path[], const char what[], PetscInt index, const PetscReal p[3])
{
  PetscFunctionBegin;
  for (PetscInt d = 0; d < 3; d++) PetscCheck(!PetscIsInfOrNanReal(p[d]), PETSC_COMM_SELF, PETSC_ERR_FP, "%s: %s: %s %" PetscInt_FMT " has a NaN or Inf %s coordinate", file, path, what, index, MSIODCRAxes[d]);
  PetscFunctionReturn(0);
}

/* Errors unless electrode `index` of dataset path lies in the closed box of the grid. */
static PetscErrorCode MSIODCRCheckElectrode(const MSDCRSpec *spec, const char file[], const char group[], const char dataset[], const char what[], PetscInt index, const PetscReal p[3])
{
  char path[PETSC_MAX_PATH_LEN];

  PetscFunctionBegin;
  PetscCall(PetscSNPrintf(path, sizeof(path), "%s/%s", group, dataset));
  PetscCall(MSIODCRCheckFinite(file, path, what, index, p));
  for (PetscInt d = 0; d < 3; d++) {
    const PetscReal lo = spec->edges[d][0], hi = spec->edges[d][spec->cells[d]];

    PetscCheck(p[d] >= lo && p[d] <= hi, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "%s: %s: %s %" PetscInt_FMT " at (%g, %g, %g) lies outside the grid: %s = %g is not in [%g, %g]", file, path, what, index, (double)p[0], (double)p[1], (double)p[2], MSIODCRAxes[d], (double)p[d], (double)lo, (double)hi);
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode MSIODCRCheckGrid(const MSDCRSpec *spec, const char file[], const char group[])
{
  char path[PETSC_MAX_PATH_LEN];

  PetscFunctionBegin;
  for (PetscInt d = 0; d < 3; d++) {
    const PetscReal *e = spec->edges[d];

    PetscCall(PetscSNPrintf(path, sizeof(path), "%s/grid/%s", group, MSIODCRAxes[d]));
    PetscCheck(spec->cells[d] >= 2, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "%s: %s: the grid needs at least 2 cells (3 edges) along %s, got %" PetscInt_FMT " cell(s)", file, path, MSIODCRAxes[d], spec->cells[d]);
    PetscCheck(e, PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "%s: %s: the edges are NULL", file, path);
    for (PetscInt i = 0; i <= spec->cells[d]; i++) PetscCheck(!PetscIsInfOrNanReal(e[i]), PETSC_COMM_SELF, PETSC_ERR_FP, "%s: %s: edge %" PetscInt_FMT " is NaN or Inf", file, path, i);
    for (PetscInt i = 0; i < spec->cells[d]; i++) PetscCheck(e[i + 1] > e[i], PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "%s: %s: edges must increase strictly, but edge %" PetscInt_FMT " = %g and edge %" PetscInt_FMT " = %g", file, path, i, (double)e[i], i + 1, (double)e[i + 1]);
  }
  PetscCheck((PetscInt64)spec->cells[0] * spec->cells[1] * spec->cells[2] <= PETSC_MAX_INT, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "%s: %s/grid: %" PetscInt_FMT " x %" PetscInt_FMT " x %" PetscInt_FMT " cells overflow PetscInt", file, group, spec->cells[0], spec->cells[1], spec->cells[2]);
  PetscFunctionReturn(0);
}

static PetscErrorCode MSIODCRCheckSources(const MSDCRSpec *spec, const char file[], const char group[])
{
  PetscFunctionBegin;
  PetscCheck(spec->n_sources > 0, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "%s: %s/sources: no sources (n_sources = %" PetscInt_FMT "): a dcr simulation needs at least one", file, group, spec->n_sources);
  PetscCheck(spec->sources, PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "%s: %s/sources: the sources are NULL", file, group);
  for (PetscInt s = 0; s < spec->n_sources; s++) {
    const MSDCRSourceSpec *src = &spec->sources[s];

    PetscCall(MSIODCRCheckElectrode(spec, file, group, "sources/a", "source", s, src->a));
    if (src->dipole) PetscCall(MSIODCRCheckElectrode(spec, file, group, "sources/b", "source", s, src->b));
    PetscCheck(!PetscIsInfOrNanReal(src->current) && src->current != 0.0, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "%s: %s/sources/current: source %" PetscInt_FMT " has current %g, expected a finite non-zero value", file, group, s, (double)src->current);
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode MSIODCRCheckReceivers(const MSDCRSpec *spec, const char file[], const char group[])
{
  PetscInt next = 0; /* the source whose receivers come next */

  PetscFunctionBegin;
  PetscCheck(spec->n_receivers > 0, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "%s: %s/receivers: no receivers (n_receivers = %" PetscInt_FMT ")", file, group, spec->n_receivers);
  PetscCheck(spec->receivers, PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "%s: %s/receivers: the receivers are NULL", file, group);
  for (PetscInt r = 0; r < spec->n_receivers; r++) {
    const MSDCRReceiverSpec *rx = &spec->receivers[r];

    PetscCheck(rx->source >= 0 && rx->source < spec->n_sources, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "%s: %s/receivers/source: receiver %" PetscInt_FMT " refers to source %" PetscInt_FMT ", which does not exist (%" PetscInt_FMT " sources)", file, group, r, rx->source, spec->n_sources);
    PetscCheck(rx->source >= next - 1, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "%s: %s/receivers/source: receivers must be listed by source (non-decreasing), but receiver %" PetscInt_FMT " of source %" PetscInt_FMT " follows one of source %" PetscInt_FMT, file, group, r, rx->source, next - 1);
    PetscCheck(rx->source <= next, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "%s: %s/receivers/source: source %" PetscInt_FMT " has no receivers", file, group, next);
    next = rx->source + 1;
    PetscCall(MSIODCRCheckElectrode(spec, file, group, "receivers/m", "receiver", r, rx->m));
    if (rx->difference) PetscCall(MSIODCRCheckElectrode(spec, file, group, "receivers/n", "receiver", r, rx->n));
  }
  PetscCheck(next == spec->n_sources, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "%s: %s/receivers/source: source %" PetscInt_FMT " has no receivers", file, group, next);
  PetscFunctionReturn(0);
}

/* Checks a description completely; errors name the file and the dataset of group it concerns. */
PETSC_INTERN PetscErrorCode MSIODCRSpecCheck(const MSDCRSpec *spec, const char file[], const char group[])
{
  PetscFunctionBegin;
  PetscCall(MSIODCRCheckGrid(spec, file, group));
  PetscCall(MSIODCRCheckSources(spec, file, group));
  PetscCall(MSIODCRCheckReceivers(spec, file, group));
  PetscFunctionReturn(0);
}

/* A copy whose arrays are owned by dst, to be freed with MSIODCRSpecFree(). */
PETSC_INTERN PetscErrorCode MSIODCRSpecCopy(const MSDCRSpec *src, MSDCRSpec *dst)
{
  MSDCRSourceSpec   *sources;
  MSDCRReceiverSpec *receivers;

  PetscFunctionBegin;
  *dst = *src;
  for (PetscInt d = 0; d < 3; d++) {
    PetscReal *e;

    PetscCall(PetscMalloc1(src->cells[d] + 1, &e));
    PetscCall(PetscArraycpy(e, src->edges[d], src->cells[d] + 1));
    dst->edges[d] = e;
  }
  PetscCall(PetscMalloc1(src->n_sources, &sources));
  PetscCall(PetscArraycpy(sources, src->sources, src->n_sources));
  dst->sources = sources;
  PetscCall(PetscMalloc1(src->n_receivers, &receivers));
  PetscCall(PetscArraycpy(receivers, src->receivers, src->n_receivers));
  dst->receivers = receivers;
  PetscFunctionReturn(0);
}

/* Frees the arrays of a description made by MSIODCRSpecCopy() or MSIOReadDCRSpec(). */
PETSC_INTERN PetscErrorCode MSIODCRSpecFree(MSDCRSpec *spec)
{
  PetscFunctionBegin;
  for (PetscInt d = 0; d < 3; d++) PetscCall(PetscFree(spec->edges[d]));
  PetscCall(PetscFree(spec->sources));
  PetscCall(PetscFree(spec->receivers));
  PetscFunctionReturn(0);
}

static PetscErrorCode MSIODCRSpecBuild(const MSDCRSpec *spec, MSSim sim)
{
  PetscFunctionBegin;
  PetscCall(MSSimSetType(sim, MSSIMDCR));
  PetscCall(MSSimDCRSetGrid(sim, spec->cells, spec->edges));
  for (PetscInt s = 0; s < spec->n_sources; s++) {
    const MSDCRSourceSpec *src = &spec->sources[s];

    PetscCall(MSSimDCRAddSource(sim, src->a, src->dipole ? src->b : NULL, src->current, NULL));
  }
  for (PetscInt r = 0; r < spec->n_receivers; r++) {
    const MSDCRReceiverSpec *rx = &spec->receivers[r];

    PetscCall(MSSimDCRAddReceiver(sim, rx->source, rx->m, rx->difference ? rx->n : NULL));
  }
  PetscCall(MSSimSetUp(sim));
  PetscFunctionReturn(0);
}

/* The MSSIMDCR of a checked description on comm (every rank of it passes the same description;
   on several ranks the simulation is distributed over them), set up (solver from the options
   database); nothing is left behind on failure. */
PETSC_INTERN PetscErrorCode MSIODCRSpecCreateSim(const MSDCRSpec *spec, MPI_Comm comm, MSSim *sim)
{
  PetscErrorCode ierr;

  PetscFunctionBegin;
  PetscCall(MSSimCreate(comm, sim));
  ierr = MSIODCRSpecBuild(spec, *sim);
  if (ierr) PetscCall(MSSimDestroy(sim));
  PetscCall(ierr);
  PetscFunctionReturn(0);
}
