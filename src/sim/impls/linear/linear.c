/* MSSIMLINEAR: d = G m with a dense or sparse PETSc Mat G. */
#include <metasim/impl/simimpl.h>
#include <petscblaslapack.h>

typedef struct {
  Mat G;
  Vec d; /* the fields of a linear simulation: G m at the cached model */
} MSSim_Linear;

static PetscErrorCode MSSimFields_Linear(MSSim sim, Vec m)
{
  MSSim_Linear *lin = (MSSim_Linear *)sim->data;

  PetscFunctionBegin;
  if (!lin->d) PetscCall(MatCreateVecs(lin->G, NULL, &lin->d));
  PetscCall(MatMult(lin->G, m, lin->d));
  PetscFunctionReturn(0);
}

static PetscErrorCode MSSimDpred_Linear(MSSim sim, Vec m, Vec d)
{
  MSSim_Linear *lin = (MSSim_Linear *)sim->data;

  PetscFunctionBegin;
  PetscCall(VecCopy(lin->d, d));
  PetscFunctionReturn(0);
}

static PetscErrorCode MSSimJvec_Linear(MSSim sim, Vec m, Vec v, Vec jv)
{
  MSSim_Linear *lin = (MSSim_Linear *)sim->data;

  PetscFunctionBegin;
  PetscCall(MatMult(lin->G, v, jv));
  PetscFunctionReturn(0);
}

static PetscErrorCode MSSimJtvec_Linear(MSSim sim, Vec m, Vec w, Vec jtw)
{
  MSSim_Linear *lin = (MSSim_Linear *)sim->data;

  PetscFunctionBegin;
  PetscCall(MatMultTranspose(lin->G, w, jtw));
  PetscFunctionReturn(0);
}

/* diag_j = sum_r W_r^2 G_rj^2 over the locally owned rows, then summed over the communicator. */
static PetscErrorCode MSSimJtJDiag_Linear(MSSim sim, Vec m, Vec W, Vec diag)
{
  MSSim_Linear      *lin = (MSSim_Linear *)sim->data;
  const PetscScalar *w = NULL;
  PetscScalar       *sum;
  PetscInt           rstart, rend, ncols, cstart, cend;
  PetscBool          dense;

  PetscFunctionBegin;
  PetscCall(MatGetOwnershipRange(lin->G, &rstart, &rend));
  PetscCall(MatGetSize(lin->G, NULL, &ncols));
  PetscCall(PetscCalloc1(ncols, &sum));
  if (W) PetscCall(VecGetArrayRead(W, &w));
  PetscCall(PetscObjectTypeCompareAny((PetscObject)lin->G, &dense, MATSEQDENSE, MATMPIDENSE, ""));
  if (dense) {
    const PetscScalar *a;
    PetscScalar       *wcol = NULL;
    PetscInt           lda;
    PetscBLASInt       n, one = 1;

    PetscCall(MatDenseGetLDA(lin->G, &lda));
    PetscCall(PetscBLASIntCast(rend - rstart, &n));
    if (w) PetscCall(PetscMalloc1(rend - rstart, &wcol));
    PetscCall(MatDenseGetArrayRead(lin->G, &a));
    for (PetscInt j = 0; j < ncols; j++) { /* |W g_j|^2 with BLAS, g_j column j */
      const PetscScalar *col = a + (size_t)j * lda;

      if (w) {
        for (PetscInt r = 0; r < rend - rstart; r++) wcol[r] = w[r] * col[r];
        col = wcol;
      }
      sum[j] = BLASdot_(&n, col, &one, col, &one);
    }
    PetscCall(MatDenseRestoreArrayRead(lin->G, &a));
    PetscCall(PetscFree(wcol));
  } else {
    for (PetscInt r = rstart; r < rend; r++) {
      const PetscInt    *cols;
      const PetscScalar *vals;
      PetscInt           nz;
      PetscScalar        w2 = w ? w[r - rstart] * w[r - rstart] : 1.0;

      PetscCall(MatGetRow(lin->G, r, &nz, &cols, &vals));
      for (PetscInt k = 0; k < nz; k++) sum[cols[k]] += w2 * vals[k] * vals[k];
      PetscCall(MatRestoreRow(lin->G, r, &nz, &cols, &vals));
    }
  }
  if (W) PetscCall(VecRestoreArrayRead(W, &w));
  PetscCall(MPIU_Allreduce(MPI_IN_PLACE, sum, ncols, MPIU_SCALAR, MPIU_SUM, sim->hdr.comm));
  PetscCall(VecGetOwnershipRange(diag, &cstart, &cend));
  {
    PetscScalar *d;

    PetscCall(VecGetArray(diag, &d));
    for (PetscInt j = cstart; j < cend; j++) d[j - cstart] = sum[j];
    PetscCall(VecRestoreArray(diag, &d));
  }
  PetscCall(PetscFree(sum));
  PetscFunctionReturn(0);
}

/* G must live on the simulation's ranks with the layout of MSSimCreateVecs(): PETSc's default
   split of its rows (data) and columns (model). Checked on every rank, agreed on by all. */
static PetscErrorCode MSSimSetUp_Linear(MSSim sim)
{
  MSSim_Linear *lin = (MSSim_Linear *)sim->data;
  MPI_Comm      gcomm;
  PetscMPIInt   simsize, gsize;
  PetscInt      m, n, M, N, dm = PETSC_DECIDE, dn = PETSC_DECIDE;
  PetscBool     fits, all;

  PetscFunctionBegin;
  PetscCheck(lin->G, sim->hdr.comm, PETSC_ERR_ARG_WRONGSTATE, "MSSIMLINEAR needs its operator: call MSSimLinearSetOperator()");
  PetscCall(PetscObjectGetComm((PetscObject)lin->G, &gcomm));
  PetscCallMPI(MPI_Comm_size(sim->hdr.comm, &simsize));
  PetscCallMPI(MPI_Comm_size(gcomm, &gsize));
  PetscCheck(simsize == gsize, sim->hdr.comm, PETSC_ERR_ARG_INCOMP, "MSSIMLINEAR: G lives on %d rank(s), the simulation on %d: create G on the simulation's communicator", gsize, simsize);
  PetscCall(MatGetLocalSize(lin->G, &m, &n));
  PetscCall(MatGetSize(lin->G, &M, &N));
  PetscCall(PetscSplitOwnership(sim->hdr.comm, &dm, &M));
  PetscCall(PetscSplitOwnership(sim->hdr.comm, &dn, &N));
  fits = (PetscBool)(m == dm && n == dn);
  PetscCall(MPIU_Allreduce(&fits, &all, 1, MPIU_BOOL, MPI_LAND, sim->hdr.comm));
  PetscCheck(all, sim->hdr.comm, PETSC_ERR_ARG_INCOMP, "MSSIMLINEAR: G's rows and columns must have PETSc's default layout on the simulation's ranks (local sizes PETSC_DECIDE), the layout of MSSimCreateVecs()");
  PetscFunctionReturn(0);
}

static PetscErrorCode MSSimView_Linear(MSSim sim, PetscViewer viewer)
{
  MSSim_Linear *lin = (MSSim_Linear *)sim->data;
  MatType       type;

  PetscFunctionBegin;
  if (!lin->G) PetscFunctionReturn(0);
  PetscCall(MatGetType(lin->G, &type));
  PetscCall(PetscViewerASCIIPrintf(viewer, "operator G: %s\n", type));
  PetscFunctionReturn(0);
}

static PetscErrorCode MSSimDestroy_Linear(MSSim sim)
{
  MSSim_Linear *lin = (MSSim_Linear *)sim->data;

  PetscFunctionBegin;
  PetscCall(MatDestroy(&lin->G));
  PetscCall(VecDestroy(&lin->d));
  PetscCall(PetscFree(sim->data));
  PetscFunctionReturn(0);
}

/*@C
  MSSimLinearSetOperator - sets G of a linear simulation d = G m

  Collective on sim

  Input Parameters:
+ sim - a simulation of type `MSSIMLINEAR`
- G   - the n_data x n_model operator, any assembled `Mat` on the simulation's communicator
        (dense or sparse), rows and columns split as PETSc's default (local sizes
        `PETSC_DECIDE`, the layout of `MSSimCreateVecs()`); the simulation takes a reference

  Notes:
  Sets the simulation's sizes. The JtJ diagonal is exact: column sums of (W G)^2.

  Level: beginner

.seealso: `MSSimLinearGetOperator()`, `MSSIMLINEAR`
@*/
PetscErrorCode MSSimLinearSetOperator(MSSim sim, Mat G)
{
  MSSim_Linear *lin;
  PetscBool     assembled;
  PetscInt      rows, cols;

  PetscFunctionBegin;
  MSValidHeader(sim, 1);
  PetscCheck(G, sim->hdr.comm, PETSC_ERR_ARG_NULL, "MSSimLinearSetOperator: G is NULL");
  PetscCall(MSHeaderCheckType(&sim->hdr, MSSIMLINEAR, "MSSimLinearSetOperator"));
  PetscCall(MatAssembled(G, &assembled));
  PetscCheck(assembled, sim->hdr.comm, PETSC_ERR_ARG_WRONGSTATE, "MSSimLinearSetOperator: G is not assembled");
  PetscCall(MatGetSize(G, &rows, &cols));
  PetscCall(MSSimSetSizes(sim, cols, rows));
  lin = (MSSim_Linear *)sim->data;
  PetscCall(PetscObjectReference((PetscObject)G));
  PetscCall(MatDestroy(&lin->G));
  PetscCall(VecDestroy(&lin->d));
  lin->G                = G;
  sim->fields_key.valid = PETSC_FALSE;
  PetscFunctionReturn(0);
}

/*@C
  MSSimLinearGetOperator - the operator G of a linear simulation (borrowed)

  Not Collective

  Level: intermediate

.seealso: `MSSimLinearSetOperator()`
@*/
PetscErrorCode MSSimLinearGetOperator(MSSim sim, Mat *G)
{
  PetscFunctionBegin;
  MSValidHeader(sim, 1);
  PetscCall(MSHeaderCheckType(&sim->hdr, MSSIMLINEAR, "MSSimLinearGetOperator"));
  *G = ((MSSim_Linear *)sim->data)->G;
  PetscFunctionReturn(0);
}

/*MC
  MSSIMLINEAR - "linear": predicted data d = G m for a given `Mat` G

  Level: beginner

  Notes:
  Fields are G m. J = G, so Jvec is G v and Jtvec is G^T w. The JtJ diagonal is exact.

.seealso: `MSSimLinearSetOperator()`, `MSSimCreate()`
M*/
PETSC_INTERN PetscErrorCode MSSimCreate_Linear(MSSim sim)
{
  MSSim_Linear *lin;

  PetscFunctionBegin;
  PetscCall(PetscNew(&lin));
  sim->data         = lin;
  sim->ops->fields  = MSSimFields_Linear;
  sim->ops->dpred   = MSSimDpred_Linear;
  sim->ops->jvec    = MSSimJvec_Linear;
  sim->ops->jtvec   = MSSimJtvec_Linear;
  sim->ops->jtjdiag = MSSimJtJDiag_Linear;
  sim->ops->setup   = MSSimSetUp_Linear;
  sim->ops->view    = MSSimView_Linear;
  sim->ops->destroy = MSSimDestroy_Linear;
  PetscFunctionReturn(0);
}
