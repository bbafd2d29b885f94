/* MSSim operations: fields cache, dpred, J v, J^T w, JtJ diagonal, residual. */
#include <metasim/impl/simimpl.h>

static PetscErrorCode MSSimCheckModel(MSSim sim, Vec m)
{
  PetscFunctionBegin;
  MSValidHeader(sim, 1);
  MSCheckSetUp(sim, "MSSim");
  PetscCall(MSVecCheckSize(m, sim->n_model, "MSSim", "model"));
  PetscFunctionReturn(0);
}

/* Computes the fields at m unless the cache already holds them for this exact model state. */
static PetscErrorCode MSSimEnsureFields(MSSim sim, Vec m)
{
  PetscBool cached;

  PetscFunctionBegin;
  PetscCall(MSVecKeyMatches(&sim->fields_key, m, &cached));
  if (cached) PetscFunctionReturn(0);
  sim->fields_key.valid = PETSC_FALSE;
  PetscCall(MSVecCheckFinite(m, "simulation model"));
  if (sim->ops->fields) {
    PetscCall(PetscLogEventBegin(MS_SimFields, 0, 0, 0, 0));
    PetscCall((*sim->ops->fields)(sim, m));
    PetscCall(PetscLogEventEnd(MS_SimFields, 0, 0, 0, 0));
  }
  sim->n_fields_computed++;
  PetscCall(MSVecKeySet(&sim->fields_key, m));
  PetscFunctionReturn(0);
}

/*@C
  MSSimDpred - predicted data d = F(m)

  Collective on sim

  Input Parameters:
+ sim - the simulation, set up
- m   - the model, length n_model, finite

  Output Parameter:
. d - the predicted data, length n_data

  Notes:
  Fields are computed at the first operation on a model state and reused by later dpred, Jvec
  and Jtvec calls on the same `Vec` until it changes.

  Level: beginner

.seealso: `MSSimJvec()`, `MSSimJtvec()`
@*/
PetscErrorCode MSSimDpred(MSSim sim, Vec m, Vec d)
{
  PetscFunctionBegin;
  PetscCall(MSSimCheckModel(sim, m));
  PetscCall(MSVecCheckSize(d, sim->n_data, "MSSimDpred", "data"));
  PetscCall(MSSimEnsureFields(sim, m));
  PetscCall(PetscLogEventBegin(MS_SimDpred, 0, 0, 0, 0));
  PetscCall((*sim->ops->dpred)(sim, m, d));
  PetscCall(PetscLogEventEnd(MS_SimDpred, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

/*@C
  MSSimJvec - sensitivity times a vector, J(m) v

  Collective on sim

  Input Parameters:
+ sim - the simulation
. m   - the model at which J is taken
- v   - model perturbation, length n_model

  Output Parameter:
. jv - J v, length n_data

  Level: beginner

.seealso: `MSSimJtvec()`, `MSSimCheckTaylor()`
@*/
PetscErrorCode MSSimJvec(MSSim sim, Vec m, Vec v, Vec jv)
{
  PetscFunctionBegin;
  PetscCall(MSSimCheckModel(sim, m));
  PetscCall(MSVecCheckSize(v, sim->n_model, "MSSimJvec", "input"));
  PetscCall(MSVecCheckSize(jv, sim->n_data, "MSSimJvec", "output"));
  PetscCall(MSSimEnsureFields(sim, m));
  PetscCall(PetscLogEventBegin(MS_SimJvec, 0, 0, 0, 0));
  PetscCall((*sim->ops->jvec)(sim, m, v, jv));
  PetscCall(PetscLogEventEnd(MS_SimJvec, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

/*@C
  MSSimJtvec - adjoint sensitivity times a vector, J(m)^T w

  Collective on sim

  Input Parameters:
+ sim - the simulation
. m   - the model at which J is taken
- w   - data-space vector, length n_data

  Output Parameter:
. jtw - J^T w, length n_model

  Level: beginner

.seealso: `MSSimJvec()`, `MSSimCheckAdjoint()`
@*/
PetscErrorCode MSSimJtvec(MSSim sim, Vec m, Vec w, Vec jtw)
{
  PetscFunctionBegin;
  PetscCall(MSSimCheckModel(sim, m));
  PetscCall(MSVecCheckSize(w, sim->n_data, "MSSimJtvec", "input"));
  PetscCall(MSVecCheckSize(jtw, sim->n_model, "MSSimJtvec", "output"));
  PetscCall(MSSimEnsureFields(sim, m));
  PetscCall(PetscLogEventBegin(MS_SimJtvec, 0, 0, 0, 0));
  PetscCall((*sim->ops->jtvec)(sim, m, w, jtw));
  PetscCall(PetscLogEventEnd(MS_SimJtvec, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

/* The exact diagonal from one adjoint product per datum: diag = sum_r W_r^2 (J^T e_r)^2. */
/* After a step of a simulation on several ranks that failed on some of them: every rank fails,
   the others with the failing rank's error code, before any rank goes on to the next collective. */
static PetscErrorCode MSSimAgreeStep(MSSim sim, PetscErrorCode lerr)
{
  int         in = (int)lerr, out = in;
  PetscMPIInt size;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_size(sim->hdr.comm, &size));
  if (size > 1) PetscCallMPI(MPI_Allreduce(&in, &out, 1, MPI_INT, MPI_MAX, sim->hdr.comm));
  PetscCall(lerr);
  PetscCheck(!out, PETSC_COMM_SELF, (PetscErrorCode)out, "MSSim of type %s failed on another of its ranks", sim->hdr.type_name);
  PetscFunctionReturn(0);
}

static PetscErrorCode MSSimJtJDiagonalByAdjointProbing(MSSim sim, Vec m, Vec W, Vec diag)
{
  Vec            e, row;
  PetscInt       rstart, rend;
  PetscErrorCode ierr = 0;

  PetscFunctionBegin;
  PetscCall(VecDuplicate(diag, &row));
  PetscCall(MSSimCreateVecs(sim, NULL, &e));
  PetscCall(VecGetOwnershipRange(e, &rstart, &rend));
  PetscCall(VecSet(diag, 0.0));
  for (PetscInt r = 0; r < sim->n_data; r++) {
    PetscScalar wr = 1.0;

    PetscCall(VecSet(e, 0.0));
    if (r >= rstart && r < rend) {
      if (W) PetscCall(VecGetValues(W, 1, &r, &wr));
      PetscCall(VecSetValue(e, r, wr, INSERT_VALUES));
    }
    PetscCall(VecAssemblyBegin(e));
    PetscCall(VecAssemblyEnd(e));
    ierr = MSSimAgreeStep(sim, (*sim->ops->jtvec)(sim, m, e, row)); /* before the next row's assembly */
    if (ierr) break;
    PetscCall(VecPointwiseMult(row, row, row));
    PetscCall(VecAXPY(diag, 1.0, row));
  }
  PetscCall(VecDestroy(&e));
  PetscCall(VecDestroy(&row));
  PetscCall(ierr);
  PetscFunctionReturn(0);
}

/*@C
  MSSimGetJtJDiagonal - the diagonal of J^T W^T W J (SimPEG's getJtJdiag)

  Collective on sim

  Input Parameters:
+ sim - the simulation
. m   - the model at which J is taken
- W   - the diagonal of W, the square roots of the data weights, length n_data; NULL for W = I

  Output Parameter:
. diag - the diagonal, length n_model

  Notes:
  Exact for every type. Types without their own formula use one adjoint product per datum,
  which costs n_data times a `MSSimJtvec()`.

  Level: intermediate

.seealso: `MSSimJtvec()`
@*/
PetscErrorCode MSSimGetJtJDiagonal(MSSim sim, Vec m, Vec W, Vec diag)
{
  PetscFunctionBegin;
  PetscCall(MSSimCheckModel(sim, m));
  if (W) {
    PetscCall(MSVecCheckSize(W, sim->n_data, "MSSimGetJtJDiagonal", "weights"));
    PetscCall(MSVecCheckFinite(W, "data weights"));
  }
  PetscCall(MSVecCheckSize(diag, sim->n_model, "MSSimGetJtJDiagonal", "output"));
  PetscCall(MSSimEnsureFields(sim, m));
  PetscCall(PetscLogEventBegin(MS_SimJtJDiag, 0, 0, 0, 0));
  if (sim->ops->jtjdiag) PetscCall((*sim->ops->jtjdiag)(sim, m, W, diag));
  else PetscCall(MSSimJtJDiagonalByAdjointProbing(sim, m, W, diag));
  PetscCall(PetscLogEventEnd(MS_SimJtJDiag, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

/*@C
  MSSimResidual - the data residual r = F(m) - d_obs

  Collective on sim

  Input Parameters:
+ sim   - the simulation
. m     - the model
- d_obs - observed data, length n_data, finite

  Output Parameter:
. r - the residual, length n_data

  Level: beginner

.seealso: `MSSimDpred()`
@*/
PetscErrorCode MSSimResidual(MSSim sim, Vec m, Vec d_obs, Vec r)
{
  PetscFunctionBegin;
  PetscCall(MSVecCheckSize(d_obs, sim->n_data, "MSSimResidual", "observed data"));
  PetscCall(MSVecCheckFinite(d_obs, "observed data"));
  PetscCall(MSSimDpred(sim, m, r));
  PetscCall(VecAXPY(r, -1.0, d_obs));
  PetscFunctionReturn(0);
}

/*@C
  MSSimGetNumFieldsComputed - how many times the simulation has computed its fields

  Not Collective

  Notes:
  Operations at an unchanged model reuse the fields, so this counts distinct model states seen.

  Level: developer
@*/
PetscErrorCode MSSimGetNumFieldsComputed(MSSim sim, PetscInt *n)
{
  PetscFunctionBegin;
  MSValidHeader(sim, 1);
  *n = sim->n_fields_computed;
  PetscFunctionReturn(0);
}
