/* MSFarm's class id and log events. */
#include <metasim/farm.h>

PetscClassId  MS_FARM_CLASSID;
PetscLogEvent MS_FarmMap, MS_FarmTasks, MS_FarmCollect, MS_FarmWrite, MS_FarmGather;

static PetscBool MSFarmPackageInitialized = PETSC_FALSE;

static PetscErrorCode MSFarmFinalizePackage(void)
{
  PetscFunctionBegin;
  MSFarmPackageInitialized = PETSC_FALSE;
  PetscFunctionReturn(0);
}

/*@C
  MSFarmInitializePackage - registers the MSFarm class and its log events. Called by
  `MSFarmCreate()`; calling it again does nothing.

  Not Collective

  Notes:
  -log_view shows MSFarmMap (a whole map), MSFarmTasks (running tasks), MSFarmCollect (rank 0
  receiving results), MSFarmWrite (HDF5 writes) and MSFarmGather (distributing ordered results).

  Level: developer

.seealso: `MSInitializePackage()`, `MSFarmCreate()`
@*/
PetscErrorCode MSFarmInitializePackage(void)
{
  PetscFunctionBegin;
  if (MSFarmPackageInitialized) PetscFunctionReturn(0);
  MSFarmPackageInitialized = PETSC_TRUE;
  PetscCall(MSInitializePackage());
  PetscCall(PetscClassIdRegister("MS Farm", &MS_FARM_CLASSID));
  PetscCall(PetscLogEventRegister("MSFarmMap", MS_FARM_CLASSID, &MS_FarmMap));
  PetscCall(PetscLogEventRegister("MSFarmTasks", MS_FARM_CLASSID, &MS_FarmTasks));
  PetscCall(PetscLogEventRegister("MSFarmCollect", MS_FARM_CLASSID, &MS_FarmCollect));
  PetscCall(PetscLogEventRegister("MSFarmWrite", MS_FARM_CLASSID, &MS_FarmWrite));
  PetscCall(PetscLogEventRegister("MSFarmGather", MS_FARM_CLASSID, &MS_FarmGather));
  PetscCall(PetscRegisterFinalize(MSFarmFinalizePackage));
  PetscFunctionReturn(0);
}
