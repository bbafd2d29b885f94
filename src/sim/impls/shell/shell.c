/* MSSIMSHELL: a simulation whose operations are user callbacks. */
#include <metasim/impl/simimpl.h>

typedef struct {
  void               *ctx;
  MSSimShellFieldsFn  fields;
  MSSimShellDpredFn   dpred;
  MSSimShellProductFn jvec, jtvec;
  MSSimShellJtJDiagFn jtjdiag;
} MSSim_Shell;

static PetscErrorCode MSSimFields_Shell(MSSim sim, Vec m)
{
  MSSim_Shell *sh = (MSSim_Shell *)sim->data;

  PetscFunctionBegin;
  if (sh->fields) PetscCall((*sh->fields)(sim, m));
  PetscFunctionReturn(0);
}

static PetscErrorCode MSSimDpred_Shell(MSSim sim, Vec m, Vec d)
{
  MSSim_Shell *sh = (MSSim_Shell *)sim->data;

  PetscFunctionBegin;
  PetscCall((*sh->dpred)(sim, m, d));
  PetscFunctionReturn(0);
}

static PetscErrorCode MSSimJvec_Shell(MSSim sim, Vec m, Vec v, Vec jv)
{
  MSSim_Shell *sh = (MSSim_Shell *)sim->data;

  PetscFunctionBegin;
  PetscCall((*sh->jvec)(sim, m, v, jv));
  PetscFunctionReturn(0);
}

static PetscErrorCode MSSimJtvec_Shell(MSSim sim, Vec m, Vec w, Vec jtw)
{
  MSSim_Shell *sh = (MSSim_Shell *)sim->data;

  PetscFunctionBegin;
  PetscCall((*sh->jtvec)(sim, m, w, jtw));
  PetscFunctionReturn(0);
}

static PetscErrorCode MSSimJtJDiag_Shell(MSSim sim, Vec m, Vec W, Vec diag)
{
  MSSim_Shell *sh = (MSSim_Shell *)sim->data;

  PetscFunctionBegin;
  PetscCall((*sh->jtjdiag)(sim, m, W, diag));
  PetscFunctionReturn(0);
}

static PetscErrorCode MSSimSetUp_Shell(MSSim sim)
{
  MSSim_Shell *sh = (MSSim_Shell *)sim->data;

  PetscFunctionBegin;
  PetscCheck(sh->dpred && sh->jvec && sh->jtvec, sim->hdr.comm, PETSC_ERR_ARG_WRONGSTATE, "MSSIMSHELL needs dpred, jvec and jtvec callbacks: call MSSimShellSetDpred(), MSSimShellSetJvec() and MSSimShellSetJtvec()");
  PetscFunctionReturn(0);
}

static PetscErrorCode MSSimDestroy_Shell(MSSim sim)
{
  PetscFunctionBegin;
  PetscCall(PetscFree(sim->data));
  PetscFunctionReturn(0);
}

static PetscErrorCode MSSimShellGet(MSSim sim, const char caller[], MSSim_Shell **sh)
{
  PetscFunctionBegin;
  MSValidHeader(sim, 1);
  PetscCall(MSHeaderCheckType(&sim->hdr, MSSIMSHELL, caller));
  *sh = (MSSim_Shell *)sim->data;
  PetscFunctionReturn(0);
}

/*@C
  MSSimShellSetContext - the user context handed back by `MSSimShellGetContext()` in callbacks

  Logically Collective

  Level: beginner
@*/
PetscErrorCode MSSimShellSetContext(MSSim sim, void *ctx)
{
  MSSim_Shell *sh = NULL;

  PetscFunctionBegin;
  PetscCall(MSSimShellGet(sim, "MSSimShellSetContext", &sh));
  sh->ctx = ctx;
  PetscFunctionReturn(0);
}

/*@C
  MSSimShellGetContext - the user context of a shell simulation

  Not Collective

  Output Parameter:
. ctx - address of a pointer that receives the context

  Level: beginner
@*/
PetscErrorCode MSSimShellGetContext(MSSim sim, void *ctx)
{
  MSSim_Shell *sh = NULL;

  PetscFunctionBegin;
  PetscCall(MSSimShellGet(sim, "MSSimShellGetContext", &sh));
  *(void **)ctx = sh->ctx;
  PetscFunctionReturn(0);
}

/*@C
  MSSimShellSetFields - callback fields(sim, m) run once per model state before other callbacks

  Logically Collective

  Notes:
  Store the fields in the context; dpred, jvec and jtvec at the same model then reuse them.

  Level: intermediate
@*/
PetscErrorCode MSSimShellSetFields(MSSim sim, MSSimShellFieldsFn fn)
{
  MSSim_Shell *sh = NULL;

  PetscFunctionBegin;
  PetscCall(MSSimShellGet(sim, "MSSimShellSetFields", &sh));
  sh->fields = fn;
  PetscFunctionReturn(0);
}

/*@C
  MSSimShellSetDpred - callback dpred(sim, m, d) computing d = F(m) (required)

  Logically Collective

  Level: beginner
@*/
PetscErrorCode MSSimShellSetDpred(MSSim sim, MSSimShellDpredFn fn)
{
  MSSim_Shell *sh = NULL;

  PetscFunctionBegin;
  PetscCall(MSSimShellGet(sim, "MSSimShellSetDpred", &sh));
  sh->dpred = fn;
  PetscFunctionReturn(0);
}

/*@C
  MSSimShellSetJvec - callback jvec(sim, m, v, jv) computing J(m) v (required)

  Logically Collective

  Level: beginner
@*/
PetscErrorCode MSSimShellSetJvec(MSSim sim, MSSimShellProductFn fn)
{
  MSSim_Shell *sh = NULL;

  PetscFunctionBegin;
  PetscCall(MSSimShellGet(sim, "MSSimShellSetJvec", &sh));
  sh->jvec = fn;
  PetscFunctionReturn(0);
}

/*@C
  MSSimShellSetJtvec - callback jtvec(sim, m, w, jtw) computing J(m)^T w (required)

  Logically Collective

  Level: beginner
@*/
PetscErrorCode MSSimShellSetJtvec(MSSim sim, MSSimShellProductFn fn)
{
  MSSim_Shell *sh = NULL;

  PetscFunctionBegin;
  PetscCall(MSSimShellGet(sim, "MSSimShellSetJtvec", &sh));
  sh->jtvec = fn;
  PetscFunctionReturn(0);
}

/*@C
  MSSimShellSetJtJDiagonal - callback jtjdiag(sim, m, W, diag) computing diag(J^T W^T W J), W
  possibly NULL (optional)

  Logically Collective

  Notes:
  The callback must return the exact diagonal. Without one, metasim uses one `MSSimJtvec()` per
  datum.

  Level: intermediate
@*/
PetscErrorCode MSSimShellSetJtJDiagonal(MSSim sim, MSSimShellJtJDiagFn fn)
{
  MSSim_Shell *sh = NULL;

  PetscFunctionBegin;
  PetscCall(MSSimShellGet(sim, "MSSimShellSetJtJDiagonal", &sh));
  sh->jtjdiag       = fn;
  sim->ops->jtjdiag = fn ? MSSimJtJDiag_Shell : NULL;
  PetscFunctionReturn(0);
}

/*MC
  MSSIMSHELL - "shell": a simulation defined by user callbacks, so inversion codes plug in their
  own physics

  Level: beginner

  Notes:
  Set the sizes with `MSSimSetSizes()` and the callbacks with `MSSimShellSetDpred()`,
  `MSSimShellSetJvec()`, `MSSimShellSetJtvec()`, optionally `MSSimShellSetFields()` and
  `MSSimShellSetJtJDiagonal()`. A callback that returns an error makes the operation fail; through
  `MSMeta` every rank then fails together.

.seealso: `MSSimShellSetContext()`, `MSSimCreate()`
M*/
PETSC_INTERN PetscErrorCode MSSimCreate_Shell(MSSim sim)
{
  MSSim_Shell *sh = NULL;

  PetscFunctionBegin;
  PetscCall(PetscNew(&sh));
  sim->data         = sh;
  sim->ops->fields  = MSSimFields_Shell;
  sim->ops->dpred   = MSSimDpred_Shell;
  sim->ops->jvec    = MSSimJvec_Shell;
  sim->ops->jtvec   = MSSimJtvec_Shell;
  sim->ops->setup   = MSSimSetUp_Shell;
  sim->ops->destroy = MSSimDestroy_Shell;
  PetscFunctionReturn(0);
}
