/* MSSim type registry. */
#include <metasim/impl/simimpl.h>

PetscFunctionList MSSimList = NULL;

PETSC_INTERN PetscErrorCode MSSimCreate_Linear(MSSim);
PETSC_INTERN PetscErrorCode MSSimCreate_Shell(MSSim);
PETSC_INTERN PetscErrorCode MSSimCreate_DCR(MSSim);

PetscErrorCode MSSimRegisterAll(void)
{
  PetscFunctionBegin;
  PetscCall(MSSimRegister(MSSIMLINEAR, MSSimCreate_Linear));
  PetscCall(MSSimRegister(MSSIMSHELL, MSSimCreate_Shell));
  PetscCall(MSSimRegister(MSSIMDCR, MSSimCreate_DCR));
  PetscFunctionReturn(0);
}

/*@C
  MSSimRegister - adds a simulation type, selectable with `MSSimSetType()` or `-sim_type`

  Not Collective

  Input Parameters:
+ name   - the type name
- create - the constructor: fills sim->ops and sim->data

  Notes:
  The constructor must set at least ops->dpred, ops->jvec and ops->jtvec. Include
  <metasim/impl/simimpl.h> for the private struct.

  Level: advanced

.seealso: `MSSimSetType()`, `MSSimCreate()`
@*/
PetscErrorCode MSSimRegister(const char name[], PetscErrorCode (*create)(MSSim))
{
  PetscFunctionBegin;
  PetscCall(MSInitializePackage());
  PetscCall(PetscFunctionListAdd(&MSSimList, name, create));
  PetscFunctionReturn(0);
}
