/* MSProblemWriter: collects simulations on the ranks that hold them and named vectors, then
   writes the problem file under a temporary name and renames it when complete. */
#include "io/ioformat.h"

/* One simulation set on this rank: its map chain and, except for the repeat kind's maps after
   the first, the simulation (type NULL: none). */
typedef struct {
  PetscInt   index;
  MSSimType  type;
  PetscInt   n_data;
  Mat        G;   /* linear: referenced */
  MSDCRSpec  dcr; /* dcr: arrays owned here */
  PetscInt   n_steps;
  MSMapSpec *steps; /* copies owned here (matrices referenced) */
} MSIOSimEntry;

struct _p_MSProblemWriter {
  MPI_Comm      comm;
  char         *file;
  MSMetaKind    kind;
  PetscInt      n_sims, n_model;
  PetscInt      n_entries, max_entries;
  MSIOSimEntry *entries;
  PetscInt      n_vecs, max_vecs;
  char        **vec_names;
  Vec          *vecs;
  PetscInt      mesh_dim, mesh_shape[MS_MESH_MAX_DIM];
};

/*@C
  MSProblemWriterCreate - starts writing a problem file

  Collective

  Input Parameters:
+ comm    - the ranks that hold the problem's simulations and vectors
. file    - the file to write; it appears only when `MSProblemWriterCommit()` succeeds
. kind    - stack, sum or repeat
. n_sims  - number of simulations (maps, for the repeat kind)
- n_model - length of the global model

  Output Parameter:
. writer - the writer

  Level: intermediate

.seealso: `MSProblemWriterSetSimulation()`, `MSProblemWriterAddVector()`, `MSProblemWriterCommit()`
@*/
PetscErrorCode MSProblemWriterCreate(MPI_Comm comm, const char file[], MSMetaKind kind, PetscInt n_sims, PetscInt n_model, MSProblemWriter *writer)
{
  MSProblemWriter w;

  PetscFunctionBegin;
  PetscCheck(file && writer, comm, PETSC_ERR_ARG_NULL, "MSProblemWriterCreate: file and writer must not be NULL");
  PetscCheck(kind >= MS_META_STACK && kind <= MS_META_REPEAT, comm, PETSC_ERR_ARG_OUTOFRANGE, "MSProblemWriterCreate: unknown kind %d", (int)kind);
  PetscCheck(n_sims > 0 && n_model > 0, comm, PETSC_ERR_ARG_OUTOFRANGE, "MSProblemWriterCreate: n_sims = %" PetscInt_FMT " and n_model = %" PetscInt_FMT " must be positive", n_sims, n_model);
  PetscCall(MSOutputCheck(comm, file, PETSC_TRUE, 0, NULL));
  PetscCall(PetscNew(&w));
  w->comm    = comm;
  w->kind    = kind;
  w->n_sims  = n_sims;
  w->n_model = n_model;
  PetscCall(PetscStrallocpy(file, &w->file));
  *writer = w;
  PetscFunctionReturn(0);
}

/* Checks index, the presence of the simulation (has_sim) for the kind, and the map chain
   (producing n_sub entries), then adds an entry with a copy of the chain. */
static PetscErrorCode MSIOWriterAddEntry(MSProblemWriter w, const char caller[], PetscInt index, PetscBool has_sim, PetscInt n_sub, PetscInt n_steps, const MSMapSpec steps[], MSIOSimEntry **entry)
{
  MSIOSimEntry *e;
  char          where[64];

  PetscFunctionBegin;
  PetscCheck(w, PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "%s: writer is NULL", caller);
  PetscCheck(index >= 0 && index < w->n_sims, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "%s: index %" PetscInt_FMT " is outside [0, %" PetscInt_FMT ")", caller, index, w->n_sims);
  PetscCheck(has_sim || (w->kind == MS_META_REPEAT && index > 0), PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "%s: simulation %" PetscInt_FMT " needs its simulation (NULL only for the repeat kind's indices > 0)", caller, index);
  PetscCheck(!has_sim || w->kind != MS_META_REPEAT || index == 0, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "%s: the repeat kind has one simulation, set with index 0; index %" PetscInt_FMT " takes NULL", caller, index);
  PetscCall(PetscSNPrintf(where, sizeof(where), "simulation %" PetscInt_FMT, index));
  PetscCall(MSIOMapChainCheck(caller, where, w->n_model, has_sim ? n_sub : -1, n_steps, steps));
  if (w->n_entries == w->max_entries) {
    w->max_entries = PetscMax(8, 2 * w->max_entries);
    PetscCall(PetscRealloc(sizeof(MSIOSimEntry) * w->max_entries, &w->entries));
  }
  e = &w->entries[w->n_entries++];
  PetscCall(PetscMemzero(e, sizeof(*e)));
  e->index   = index;
  e->n_steps = n_steps;
  PetscCall(MSIOMapChainCopy(n_steps, steps, &e->steps));
  *entry = e;
  PetscFunctionReturn(0);
}

/*@C
  MSProblemWriterSetSimulation - adds simulation `index` (a linear simulation d = G u) and its map chain

  Not Collective

  Input Parameters:
+ writer  - the writer
. index   - the simulation, in [0, n_sims); each index is set on exactly one rank
. G       - the sequential n_data x n_sub operator (dense, or AIJ stored as CSR); for the repeat
            kind, G of index 0 is the shared simulation and the other indices pass NULL
. n_steps - number of map steps
- steps   - the map chain in the order applied: steps[0] reads the global model (n_in =
            n_model), the last step produces G's n_sub columns

  Notes:
  The writer copies the steps' index and offset arrays and sum terms, and keeps references to
  the matrices.

  Level: intermediate

.seealso: `MSMapSpec`, `MSProblemWriterCreate()`, `MSProblemWriterSetDCRSimulation()`, `MSProblemReadSimulation()`
@*/
PetscErrorCode MSProblemWriterSetSimulation(MSProblemWriter w, PetscInt index, Mat G, PetscInt n_steps, const MSMapSpec steps[])
{
  MSIOSimEntry *e;
  PetscInt      rows = 0, cols = 0;

  PetscFunctionBegin;
  if (G) PetscCall(MatGetSize(G, &rows, &cols));
  PetscCall(MSIOWriterAddEntry(w, "MSProblemWriterSetSimulation", index, G ? PETSC_TRUE : PETSC_FALSE, cols, n_steps, steps, &e));
  if (!G) PetscFunctionReturn(0);
  PetscCall(PetscObjectReference((PetscObject)G));
  e->type   = MSSIMLINEAR;
  e->G      = G;
  e->n_data = rows;
  PetscFunctionReturn(0);
}

/*@C
  MSProblemWriterSetDCRSimulation - adds simulation `index`, a DC resistivity simulation
  (`MSSIMDCR`), and its map chain

  Not Collective

  Input Parameters:
+ writer  - the writer
. index   - the simulation, in [0, n_sims); each index is set on exactly one rank
. spec    - the grid, sources and receivers; for the repeat kind, the spec of index 0 is the
            shared simulation and the other indices pass NULL
. n_steps - number of map steps
- steps   - the map chain in the order applied: steps[0] reads the global model (n_in =
            n_model), the last step produces the grid's cells[0] cells[1] cells[2] entries
            (log conductivities)

  Notes:
  Checks the description at once, with the errors the reader gives for a bad file (naming the
  file and the dataset): at least 2 cells per axis, finite strictly increasing edges, at least one
  source, electrodes inside the grid, finite non-zero currents, receivers listed by source and
  referring to existing sources, every source with a receiver. The writer copies the description
  and the steps' arrays, and keeps references to the steps' matrices. Solver options are not
  stored: the reader's simulation takes them from the options database (-dcr_ksp_type, ...).

  Level: intermediate

.seealso: `MSDCRSpec`, `MSProblemWriterSetSimulation()`, `MSProblemReadSimulation()`, `MSSIMDCR`
@*/
PetscErrorCode MSProblemWriterSetDCRSimulation(MSProblemWriter w, PetscInt index, const MSDCRSpec *spec, PetscInt n_steps, const MSMapSpec steps[])
{
  MSIOSimEntry *e;
  char          group[64];

  PetscFunctionBegin;
  PetscCheck(w, PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "MSProblemWriterSetDCRSimulation: writer is NULL");
  if (spec) {
    PetscCall(MSIOSimGroup(index, group, sizeof(group)));
    PetscCall(MSIODCRSpecCheck(spec, w->file, group));
  }
  PetscCall(MSIOWriterAddEntry(w, "MSProblemWriterSetDCRSimulation", index, spec ? PETSC_TRUE : PETSC_FALSE, spec ? spec->cells[0] * spec->cells[1] * spec->cells[2] : 0, n_steps, steps, &e));
  if (!spec) PetscFunctionReturn(0);
  PetscCall(MSIODCRSpecCopy(spec, &e->dcr));
  e->type   = MSSIMDCR;
  e->n_data = spec->n_receivers;
  PetscFunctionReturn(0);
}

/*@C
  MSProblemWriterAddVector - adds a named vector (a model, observed data, uncertainties)

  Collective

  Input Parameters:
+ writer - the writer
. name   - its path in the file: "models/NAME" (length n_model), "data/NAME" or
           "uncertainties/NAME" (length n_data)
- v      - the vector, any layout on the writer's communicator (copied)

  Level: intermediate

.seealso: `MSProblemReadVector()`, `MSProblemWriterCommit()`
@*/
PetscErrorCode MSProblemWriterAddVector(MSProblemWriter w, const char name[], Vec v)
{
  PetscFunctionBegin;
  PetscCheck(w && name && v, PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "MSProblemWriterAddVector: writer, name and v must not be NULL");
  PetscCall(MSVecCheckFinite(v, name));
  if (w->n_vecs == w->max_vecs) {
    w->max_vecs = PetscMax(4, 2 * w->max_vecs);
    PetscCall(PetscRealloc(sizeof(char *) * w->max_vecs, &w->vec_names));
    PetscCall(PetscRealloc(sizeof(Vec) * w->max_vecs, &w->vecs));
  }
  PetscCall(PetscStrallocpy(name, &w->vec_names[w->n_vecs]));
  PetscCall(VecDuplicate(v, &w->vecs[w->n_vecs]));
  PetscCall(VecCopy(v, w->vecs[w->n_vecs]));
  w->n_vecs++;
  PetscFunctionReturn(0);
}

/* Checks that every index was set once, and computes n_data. */
/*@C
  MSProblemWriterSetMesh - records the tensor mesh of the global model (/mesh/shape), which
  regularization (`metasim invert`'s smoothness) uses

  Logically collective: every rank passes the same mesh

  Input Parameters:
+ writer - the writer
. dim    - number of axes, 1 to `MS_MESH_MAX_DIM`
- shape  - cells along each axis, each at least 1, whose product is n_model; cell (i, j, k) is
           model entry i + shape[0] (j + shape[1] k)

  Level: intermediate

.seealso: `MSProblemGetMesh()`, `MSProblemWriterCreate()`
@*/
PetscErrorCode MSProblemWriterSetMesh(MSProblemWriter w, PetscInt dim, const PetscInt shape[])
{
  PetscInt cells = 1;

  PetscFunctionBegin;
  PetscCheck(w && shape, PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "MSProblemWriterSetMesh: writer and shape must not be NULL");
  PetscCheck(dim >= 1 && dim <= MS_MESH_MAX_DIM, w->comm, PETSC_ERR_ARG_OUTOFRANGE, "MSProblemWriterSetMesh: %" PetscInt_FMT " axes, expected 1 to %d", dim, MS_MESH_MAX_DIM);
  for (PetscInt d = 0; d < dim; d++) {
    PetscCheck(shape[d] >= 1, w->comm, PETSC_ERR_ARG_OUTOFRANGE, "MSProblemWriterSetMesh: shape[%" PetscInt_FMT "] = %" PetscInt_FMT ", expected at least 1 cell", d, shape[d]);
    cells *= shape[d];
  }
  PetscCheck(cells == w->n_model, w->comm, PETSC_ERR_ARG_SIZ, "MSProblemWriterSetMesh: %" PetscInt_FMT " cells, expected n_model = %" PetscInt_FMT, cells, w->n_model);
  w->mesh_dim = dim;
  for (PetscInt d = 0; d < dim; d++) w->mesh_shape[d] = shape[d];
  PetscFunctionReturn(0);
}

static PetscErrorCode MSIOWriterSizes(MSProblemWriter w, PetscInt *n_data)
{
  PetscInt *count, rows_sum = 0, rows_min = PETSC_MAX_INT, rows_max = 0, g[3], bad, times;

  PetscFunctionBegin;
  PetscCall(PetscCalloc1(w->n_sims, &count));
  for (PetscInt k = 0; k < w->n_entries; k++) {
    PetscInt rows;

    count[w->entries[k].index]++;
    if (!w->entries[k].type) continue;
    rows = w->entries[k].n_data;
    rows_sum += rows;
    rows_min = PetscMin(rows_min, rows);
    rows_max = PetscMax(rows_max, rows);
  }
  PetscCall(MPIU_Allreduce(MPI_IN_PLACE, count, w->n_sims, MPIU_INT, MPI_SUM, w->comm));
  for (bad = 0; bad < w->n_sims && count[bad] == 1; bad++) continue;
  times = bad < w->n_sims ? count[bad] : 1;
  PetscCall(PetscFree(count));
  PetscCheck(bad == w->n_sims, w->comm, PETSC_ERR_ARG_WRONGSTATE, "MSProblemWriterCommit: %s: simulation %" PetscInt_FMT " was set %" PetscInt_FMT " times, expected once", w->file, bad, times);
  PetscCall(MPIU_Allreduce(&rows_sum, &g[0], 1, MPIU_INT, MPI_SUM, w->comm));
  PetscCall(MPIU_Allreduce(&rows_min, &g[1], 1, MPIU_INT, MPI_MIN, w->comm));
  PetscCall(MPIU_Allreduce(&rows_max, &g[2], 1, MPIU_INT, MPI_MAX, w->comm));
  PetscCheck(w->kind != MS_META_SUM || g[1] == g[2], w->comm, PETSC_ERR_ARG_SIZ, "MSProblemWriterCommit: %s: the sum kind needs equal data lengths, got %" PetscInt_FMT " to %" PetscInt_FMT, w->file, g[1], g[2]);
  *n_data = w->kind == MS_META_STACK ? g[0] : (w->kind == MS_META_SUM ? g[1] : g[2] * w->n_sims);
  PetscFunctionReturn(0);
}

static PetscErrorCode MSIOWriteRoot(MSH5File *f, MSProblemWriter w, PetscInt n_data)
{
  const char *version;

  PetscFunctionBegin;
  PetscCall(MSGetVersion(&version));
  PetscCall(MSH5WriteAttrString(f, "/", "format", MS_PROBLEM_FORMAT_NAME));
  PetscCall(MSH5WriteAttrInt(f, "/", "format_version", MS_FORMAT_VERSION));
  PetscCall(MSH5WriteAttrString(f, "/", "metasim_version", version));
  PetscCall(MSH5WriteAttrString(f, "/", "kind", MSMetaKinds[w->kind]));
  PetscCall(MSH5WriteAttrInt(f, "/", "n_sims", w->n_sims));
  PetscCall(MSH5WriteAttrInt(f, "/", "n_model", w->n_model));
  PetscCall(MSH5WriteAttrInt(f, "/", "n_data", n_data));
  PetscCall(MSIOWriteMesh(f, w->mesh_dim, w->mesh_shape));
  PetscFunctionReturn(0);
}

static PetscErrorCode MSIOWriteEntries(MSH5File *f, MSProblemWriter w)
{
  char group[64], path[PETSC_MAX_PATH_LEN];

  PetscFunctionBegin;
  for (PetscInt k = 0; k < w->n_entries; k++) {
    MSIOSimEntry *e = &w->entries[k];

    PetscCall(MSIOSimGroup(e->index, group, sizeof(group)));
    PetscCall(MSH5CreateGroup(f, group));
    if (e->type) PetscCall(MSH5WriteAttrString(f, group, "type", e->type));
    if (e->G) {
      PetscCall(PetscSNPrintf(path, sizeof(path), "%s/G", group));
      PetscCall(MSIOWriteMatrix(f, path, e->G));
    }
    if (e->dcr.sources) PetscCall(MSIOWriteDCRSpec(f, group, &e->dcr));
    PetscCall(PetscSNPrintf(path, sizeof(path), "%s/map", group));
    PetscCall(MSIOWriteMap(f, path, e->n_steps, e->steps));
  }
  PetscFunctionReturn(0);
}

/* This rank's turn: rank 0 creates the file and writes the root, then each writes its simulations. */
static PetscErrorCode MSIOWriterTurn(MSProblemWriter w, const char tmp[], PetscBool first, PetscInt n_data)
{
  MSH5File       f = MS_H5_FILE_INITIALIZER(tmp);
  PetscErrorCode ierr;

  PetscFunctionBegin;
  ierr = MSH5CheckSpace(tmp, MS_H5_OVERHEAD_BYTES);
  if (!ierr) ierr = first ? MSH5CreateSerial(tmp, &f) : MSH5OpenWriteSerial(tmp, &f);
  if (!ierr && first) ierr = MSIOWriteRoot(&f, w, n_data);
  if (!ierr) ierr = MSIOWriteEntries(&f, w);
  PetscCall(MSH5CloseTemporary(&f, &ierr));
  PetscCall(ierr);
  PetscFunctionReturn(0);
}

/*@C
  MSProblemWriterCommit - writes the problem file

  Collective

  Input Parameter:
. writer - the writer, with every simulation set on some rank

  Notes:
  Writes "FILE.tmp-XXXXXX": each rank in turn writes the simulations it holds (serial HDF5, rank
  order), then all ranks write the vectors together (MPI-IO, each its own slab). Rank 0 renames
  the temporary file to FILE only when every rank succeeded; otherwise it removes it, and every
  rank returns the error. So a FILE that exists is complete.

  Level: intermediate

.seealso: `MSProblemWriterCreate()`, `MSProblemWriterDestroy()`
@*/
PetscErrorCode MSProblemWriterCommit(MSProblemWriter w)
{
  char           tmp[PETSC_MAX_PATH_LEN];
  PetscMPIInt    rank, size;
  PetscInt       n_data = 0;
  PetscErrorCode ierr = 0, turn = 0;

  PetscFunctionBegin;
  PetscCheck(w, PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "MSProblemWriterCommit: writer is NULL");
  PetscCall(MSIOWriterSizes(w, &n_data));
  PetscCall(MSIOTemporaryName(w->comm, w->file, tmp, sizeof(tmp)));
  PetscCallMPI(MPI_Comm_rank(w->comm, &rank));
  PetscCallMPI(MPI_Comm_size(w->comm, &size));
  for (PetscMPIInt r = 0; r < size && !turn; r++) {
    if (rank == r) ierr = turn = MSIOWriterTurn(w, tmp, r == 0 ? PETSC_TRUE : PETSC_FALSE, n_data);
    PetscCallMPI(MPI_Bcast(&turn, 1, MPI_INT, r, w->comm)); /* the next rank's turn starts after this one ends */
  }
  if (!turn) ierr = MSH5WriteVecs(w->comm, tmp, PETSC_FALSE, NULL, NULL, w->n_vecs, (const char *const *)w->vec_names, w->vecs);
  PetscCall(MSIOFinish(w->comm, ierr, tmp, w->file));
  PetscFunctionReturn(0);
}

/*@C
  MSProblemWriterDestroy - frees a writer; without a successful commit no file is written

  Collective

  Input Parameter:
. writer - the writer, set to NULL

  Level: intermediate

.seealso: `MSProblemWriterCreate()`
@*/
PetscErrorCode MSProblemWriterDestroy(MSProblemWriter *writer)
{
  MSProblemWriter w;

  PetscFunctionBegin;
  if (!writer || !*writer) PetscFunctionReturn(0);
  w = *writer;
  for (PetscInt k = 0; k < w->n_entries; k++) {
    MSIOSimEntry *e = &w->entries[k];

    PetscCall(MatDestroy(&e->G));
    PetscCall(MSIODCRSpecFree(&e->dcr));
    PetscCall(MSIOMapChainFree(e->n_steps, &e->steps));
  }
  PetscCall(PetscFree(w->entries));
  for (PetscInt k = 0; k < w->n_vecs; k++) {
    PetscCall(PetscFree(w->vec_names[k]));
    PetscCall(VecDestroy(&w->vecs[k]));
  }
  PetscCall(PetscFree(w->vec_names));
  PetscCall(PetscFree(w->vecs));
  PetscCall(PetscFree(w->file));
  PetscCall(PetscFree(w));
  *writer = NULL;
  PetscFunctionReturn(0);
}
