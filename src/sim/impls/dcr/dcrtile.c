/* A ready-made dcr tile: the problem of metasim demo --dcr and the scaling benchmark. */
#include <metasim/dcr.h>

/*@C
  MSSimDCRCreateTile - creates a dcr simulation of one survey tile of a standard shape: n x n x
  n/2 cells (at least 2 deep) on [0,1] x [0,1] x [-0.5,0], two pole sources on the surface at
  x = 0.3 and 0.7, each read by four surface dipoles

  Collective

  Input Parameters:
+ comm - the ranks the simulation runs on (its grid is distributed over them)
- n    - cells per horizontal direction, at least 2

  Output Parameter:
. sim - the simulation, options read (`MSSimSetFromOptions()`), not yet set up

  Notes:
  Its model is the cell conductivity (or its log, with an exp map), n * n * max(n/2, 2) entries;
  16 data. `metasim demo --dcr N` and `bench_scale -workload dcr` build their tiles with it, so
  their cost per tile is the same problem.

  Level: beginner

.seealso: `MSSimDCRSetGrid()`, `MSSimDCRAddSource()`, `MSSimDCRAddReceiver()`
@*/
PetscErrorCode MSSimDCRCreateTile(MPI_Comm comm, PetscInt n, MSSim *sim)
{
  const PetscInt nc[3] = {n, n, PetscMax(n / 2, 2)};
  PetscReal     *e[3];

  PetscFunctionBegin;
  PetscCheck(n >= 2, comm, PETSC_ERR_ARG_OUTOFRANGE, "MSSimDCRCreateTile: %" PetscInt_FMT " cells per direction, need at least 2", n);
  PetscCall(MSSimCreate(comm, sim));
  PetscCall(MSSimSetType(*sim, MSSIMDCR));
  for (PetscInt d = 0; d < 3; d++) {
    PetscCall(PetscMalloc1(nc[d] + 1, &e[d]));
    for (PetscInt i = 0; i <= nc[d]; i++) e[d][i] = d == 2 ? -0.5 + 0.5 * (PetscReal)i / nc[d] : (PetscReal)i / nc[d];
  }
  PetscCall(MSSimDCRSetGrid(*sim, nc, (const PetscReal *const *)e));
  for (PetscInt d = 0; d < 3; d++) PetscCall(PetscFree(e[d]));
  for (PetscInt s = 0; s < 2; s++) {
    const PetscReal a[3] = {0.3 + 0.4 * s, 0.5, 0.0};
    PetscInt        id;

    PetscCall(MSSimDCRAddSource(*sim, a, NULL, 1.0, &id));
    for (PetscInt r = 0; r < 4; r++) {
      const PetscReal m[3] = {0.1 + 0.2 * r, 0.3, 0.0}, q[3] = {0.1 + 0.2 * r, 0.7, 0.0};

      PetscCall(MSSimDCRAddReceiver(*sim, id, m, q));
    }
  }
  PetscCall(MSSimSetFromOptions(*sim));
  PetscFunctionReturn(0);
}
