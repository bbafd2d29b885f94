/* Package initialization: class ids, log events, type registries and BLAS threading. */
#include <dlfcn.h>
#include <stdlib.h>
#include <metasim/impl/simimpl.h>
#include <metasim/impl/mapimpl.h>
#include <metasim/meta.h>

PetscClassId  MS_SIM_CLASSID, MS_MAP_CLASSID, MS_META_CLASSID;
PetscLogEvent MS_SimFields, MS_SimDpred, MS_SimJvec, MS_SimJtvec, MS_SimJtJDiag;
PetscLogEvent MS_MapApply, MS_MapJvec, MS_MapJtvec;
PetscLogEvent MS_MetaScatter, MS_MetaLocalForward, MS_MetaLocalAdjoint, MS_MetaReduce;

static PetscBool MSPackageInitialized = PETSC_FALSE;

PETSC_INTERN PetscErrorCode MSSimRegisterAll(void);
PETSC_INTERN PetscErrorCode MSMapRegisterAll(void);

/* One BLAS thread per MPI rank: OpenBLAS otherwise starts one thread per core in every rank and
   the ranks fight for the cores. An explicit OPENBLAS_NUM_THREADS from the user wins. */
static void MSLimitBLASThreads(void)
{
  void (*set_threads)(int);

  if (getenv("OPENBLAS_NUM_THREADS")) return;
  *(void **)(&set_threads) = dlsym(RTLD_DEFAULT, "openblas_set_num_threads");
  if (set_threads) set_threads(1);
}

/*@C
  MSFinalizePackage - frees the type registries; registered with `PetscRegisterFinalize()` by
  `MSInitializePackage()`, so users never call it.

  Not Collective

  Level: developer

.seealso: `MSInitializePackage()`
@*/
PetscErrorCode MSFinalizePackage(void)
{
  PetscFunctionBegin;
  PetscCall(PetscFunctionListDestroy(&MSSimList));
  PetscCall(PetscFunctionListDestroy(&MSMapList));
  MSPackageInitialized = PETSC_FALSE;
  PetscFunctionReturn(0);
}

/*@C
  MSInitializePackage - registers metasim's classes, log events and built-in types. Called by
  every `MS*Create()`; calling it again does nothing.

  Not Collective

  Notes:
  Also limits OpenBLAS to one thread per rank unless `OPENBLAS_NUM_THREADS` is set.

  Level: developer

.seealso: `MSFinalizePackage()`
@*/
PetscErrorCode MSInitializePackage(void)
{
  PetscFunctionBegin;
  if (MSPackageInitialized) PetscFunctionReturn(0);
  MSPackageInitialized = PETSC_TRUE;
  MSLimitBLASThreads();
  PetscCall(PetscClassIdRegister("MS Simulation", &MS_SIM_CLASSID));
  PetscCall(PetscClassIdRegister("MS Model Map", &MS_MAP_CLASSID));
  PetscCall(PetscClassIdRegister("MS Meta Simulation", &MS_META_CLASSID));
  PetscCall(PetscLogEventRegister("MSSimFields", MS_SIM_CLASSID, &MS_SimFields));
  PetscCall(PetscLogEventRegister("MSSimDpred", MS_SIM_CLASSID, &MS_SimDpred));
  PetscCall(PetscLogEventRegister("MSSimJvec", MS_SIM_CLASSID, &MS_SimJvec));
  PetscCall(PetscLogEventRegister("MSSimJtvec", MS_SIM_CLASSID, &MS_SimJtvec));
  PetscCall(PetscLogEventRegister("MSSimJtJDiag", MS_SIM_CLASSID, &MS_SimJtJDiag));
  PetscCall(PetscLogEventRegister("MSMapApply", MS_MAP_CLASSID, &MS_MapApply));
  PetscCall(PetscLogEventRegister("MSMapJvec", MS_MAP_CLASSID, &MS_MapJvec));
  PetscCall(PetscLogEventRegister("MSMapJtvec", MS_MAP_CLASSID, &MS_MapJtvec));
  PetscCall(PetscLogEventRegister("MSMetaScatter", MS_META_CLASSID, &MS_MetaScatter));
  PetscCall(PetscLogEventRegister("MSMetaLocalFwd", MS_META_CLASSID, &MS_MetaLocalForward));
  PetscCall(PetscLogEventRegister("MSMetaLocalAdj", MS_META_CLASSID, &MS_MetaLocalAdjoint));
  PetscCall(PetscLogEventRegister("MSMetaReduce", MS_META_CLASSID, &MS_MetaReduce));
  PetscCall(MSSimRegisterAll());
  PetscCall(MSMapRegisterAll());
  PetscCall(PetscRegisterFinalize(MSFinalizePackage));
  PetscFunctionReturn(0);
}

/*@C
  MSGetVersion - the metasim version string, "major.minor.patch"

  Not Collective

  Output Parameter:
. version - a static string, do not free

  Level: beginner
@*/
PetscErrorCode MSGetVersion(const char **version)
{
  PetscFunctionBegin;
  *version = METASIM_VERSION_STRING;
  PetscFunctionReturn(0);
}
