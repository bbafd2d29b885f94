/* MSMap type registry. */
#include <metasim/impl/mapimpl.h>

PetscFunctionList MSMapList = NULL;

PETSC_INTERN PetscErrorCode MSMapCreate_Identity(MSMap);
PETSC_INTERN PetscErrorCode MSMapCreate_Projection(MSMap);
PETSC_INTERN PetscErrorCode MSMapCreate_Exp(MSMap);
PETSC_INTERN PetscErrorCode MSMapCreate_Linear(MSMap);
PETSC_INTERN PetscErrorCode MSMapCreate_Tile(MSMap);
PETSC_INTERN PetscErrorCode MSMapCreate_Compose(MSMap);
PETSC_INTERN PetscErrorCode MSMapCreate_Sum(MSMap);
PETSC_INTERN PetscErrorCode MSMapCreate_InjectActive(MSMap);

PetscErrorCode MSMapRegisterAll(void)
{
  PetscFunctionBegin;
  PetscCall(MSMapRegister(MSMAPIDENTITY, MSMapCreate_Identity));
  PetscCall(MSMapRegister(MSMAPPROJECTION, MSMapCreate_Projection));
  PetscCall(MSMapRegister(MSMAPEXP, MSMapCreate_Exp));
  PetscCall(MSMapRegister(MSMAPLINEAR, MSMapCreate_Linear));
  PetscCall(MSMapRegister(MSMAPTILE, MSMapCreate_Tile));
  PetscCall(MSMapRegister(MSMAPCOMPOSE, MSMapCreate_Compose));
  PetscCall(MSMapRegister(MSMAPSUM, MSMapCreate_Sum));
  PetscCall(MSMapRegister(MSMAPINJECTACTIVE, MSMapCreate_InjectActive));
  PetscFunctionReturn(0);
}

/*@C
  MSMapRegister - adds a map type, selectable with `MSMapSetType()` or `-map_type`

  Not Collective

  Input Parameters:
+ name   - the type name
- create - the constructor: fills map->ops and map->data

  Notes:
  The constructor must set ops->apply, ops->jvec, ops->jtvec and ops->squaredjtvec, and
  map->singleton_columns when every column of the derivative has at most one non-zero. Include
  <metasim/impl/mapimpl.h> for the private struct.

  Level: advanced

.seealso: `MSMapSetType()`, `MSMapCreate()`
@*/
PetscErrorCode MSMapRegister(const char name[], PetscErrorCode (*create)(MSMap))
{
  PetscFunctionBegin;
  PetscCall(MSInitializePackage());
  PetscCall(PetscFunctionListAdd(&MSMapList, name, create));
  PetscFunctionReturn(0);
}
