/* Results files: named distributed vectors and attributes recording how they were computed. */
#include "io/ioformat.h"

typedef struct {
  MPI_Comm             comm;
  const MSResultsInfo *info;
} MSIOResults;

static PetscErrorCode MSIOWriteResultsRoot(MSH5File *f, void *ctx)
{
  const MSResultsInfo *info = ((MSIOResults *)ctx)->info;
  MPI_Comm             comm = ((MSIOResults *)ctx)->comm;
  const char          *version;
  char       *options;
  PetscMPIInt size;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_size(comm, &size));
  PetscCall(MSGetVersion(&version));
  PetscCall(PetscOptionsGetAll(NULL, &options));
  PetscCall(MSH5WriteAttrString(f, "/", "format", MS_RESULTS_FORMAT_NAME));
  PetscCall(MSH5WriteAttrInt(f, "/", "format_version", MS_FORMAT_VERSION));
  PetscCall(MSH5WriteAttrString(f, "/", "metasim_version", version));
  PetscCall(MSH5WriteAttrInt(f, "/", "n_ranks", size));
  PetscCall(MSH5WriteAttrString(f, "/", "options", options));
  PetscCall(MSH5WriteAttrString(f, "/", "command", info->command ? info->command : ""));
  PetscCall(MSH5WriteAttrString(f, "/", "problem", info->problem ? info->problem : ""));
  PetscCall(MSH5WriteAttrString(f, "/", "kind", MSMetaKinds[info->kind]));
  PetscCall(MSH5WriteAttrInt(f, "/", "n_sims", info->n_sims));
  PetscCall(MSH5WriteAttrInt(f, "/", "jtjdiag_exact", info->jtjdiag_exact ? 1 : 0));
  PetscCall(PetscFree(options));
  PetscFunctionReturn(0);
}

/*@C
  MSResultsWrite - writes named result vectors (dpred, Jvec, Jtvec, JtJdiag, ...) to an HDF5 file

  Collective

  Input Parameters:
+ comm  - the communicator of the vectors
. file  - the results file; it appears only when complete
. info  - what the results come from, recorded as root attributes
. n     - number of vectors
. names - their dataset names (e.g. "dpred"), one per vector
- vecs  - the vectors, each distributed on comm in any layout; each rank writes its own slab

  Notes:
  Root attributes: format ("metasim-results"), format_version, metasim_version, n_ranks, options
  (every PETSc option set), command, problem, kind, n_sims, jtjdiag_exact. A vector with a NaN or
  Inf is an error that names its dataset and entry, and nothing is written. Writes "FILE.tmp-XXXXXX"
  with MPI-IO and renames it on rank 0 after every rank closed it; on any failure the temporary
  file is removed and every rank returns the error. See docs/format.md for reading it with h5py.

  Level: beginner

.seealso: `MSProblemLoad()`, `MSProblemReadVector()`
@*/
PetscErrorCode MSResultsWrite(MPI_Comm comm, const char file[], const MSResultsInfo *info, PetscInt n, const char *const names[], const Vec vecs[])
{
  MSIOResults r = {comm, info};
  char        tmp[PETSC_MAX_PATH_LEN];

  PetscFunctionBegin;
  PetscCheck(file && info, comm, PETSC_ERR_ARG_NULL, "MSResultsWrite: file and info must not be NULL");
  PetscCheck(n >= 0 && (n == 0 || (names && vecs)), comm, PETSC_ERR_ARG_NULL, "MSResultsWrite: %" PetscInt_FMT " vectors need their names and vectors", n);
  PetscCheck(info->kind >= MS_META_STACK && info->kind <= MS_META_REPEAT, comm, PETSC_ERR_ARG_OUTOFRANGE, "MSResultsWrite: unknown kind %d", (int)info->kind);
  for (PetscInt k = 0; k < n; k++) PetscCheck(names[k] && vecs[k], comm, PETSC_ERR_ARG_NULL, "MSResultsWrite: vector %" PetscInt_FMT " or its name is NULL", k);
  for (PetscInt k = 0; k < n; k++) { /* a result that is not finite is an error, and no file appears */
    char what[PETSC_MAX_PATH_LEN];

    PetscCall(PetscSNPrintf(what, sizeof(what), "result /%s (so %s was not written)", names[k], file));
    PetscCall(MSVecCheckFinite(vecs[k], what));
  }
  PetscCall(MSOutputCheck(comm, file, PETSC_TRUE, 0, NULL));
  PetscCall(MSIOTemporaryName(comm, file, tmp, sizeof(tmp)));
  PetscCall(MSIOFinish(comm, MSH5WriteVecs(comm, tmp, PETSC_TRUE, MSIOWriteResultsRoot, &r, n, names, vecs), tmp, file));
  PetscFunctionReturn(0);
}
