/* Backend-author tier: the header shared by every metasim object (MSSim, MSMap, MSMeta, MSFarm).
   Type implementers include the object's impl header; applications never need this one. */
#ifndef METASIM_OBJECTIMPL_H
#define METASIM_OBJECTIMPL_H

#include <metasim/sys.h>
#include <metasim/check.h>

/* Exported by libpetsc but declared only in its private headers in 3.18. */
PETSC_EXTERN PetscErrorCode PetscObjectStateGet(PetscObject, PetscObjectState *);

/*S
  MSHeader - the common part of every metasim object: communicator, class, type name, options
  prefix, reference count and set-up flag. Each object's private struct begins with one.
S*/
typedef struct {
  MPI_Comm     comm;
  PetscClassId classid;
  const char  *class_name;
  char        *type_name;
  char        *prefix;
  PetscInt     refct;
  PetscBool    setupcalled;
} MSHeader;

PETSC_INTERN PetscErrorCode MSHeaderInitialize(MSHeader *, MPI_Comm, PetscClassId, const char[]);
PETSC_INTERN PetscErrorCode MSHeaderFinalize(MSHeader *);
PETSC_INTERN PetscErrorCode MSHeaderSetOptionsPrefix(MSHeader *, const char[]);
PETSC_INTERN PetscErrorCode MSHeaderFindType(MSHeader *, PetscFunctionList, const char[], void (**)(void));
PETSC_INTERN PetscErrorCode MSHeaderSetTypeName(MSHeader *, const char[]);
PETSC_INTERN PetscErrorCode MSHeaderView(MSHeader *, PetscViewer);
PETSC_INTERN PetscErrorCode MSHeaderCheckType(MSHeader *, const char[], const char[]);

/* Checks shared by the interface files. The object must begin with an MSHeader named hdr. */
#define MSValidHeader(obj, arg) \
  do { \
    PetscCheck((obj), PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "Null object: argument # %d", (arg)); \
  } while (0)
#define MSCheckSetUp(obj, name) \
  PetscCheck((obj)->hdr.setupcalled, (obj)->hdr.comm, PETSC_ERR_ORDER, "%s must be set up (call %sSetUp()) before this operation", (name), (name))
#define MSCheckTyped(obj, name) \
  PetscCheck((obj)->hdr.type_name, (obj)->hdr.comm, PETSC_ERR_ORDER, "%s has no type: call %sSetType() or %sSetFromOptions() first", (name), (name), (name))

/* Sizes of a sequential or parallel Vec against an expected global length. */
PETSC_INTERN PetscErrorCode MSVecCheckSize(Vec, PetscInt, const char[], const char[]);
/* (id, state) of a Vec: the key under which values computed from it are cached. */
typedef struct {
  PetscObjectId    id;
  PetscObjectState state;
  PetscBool        valid;
} MSVecKey;
PETSC_INTERN PetscErrorCode MSVecKeyMatches(MSVecKey *, Vec, PetscBool *);
PETSC_INTERN PetscErrorCode MSVecKeySet(MSVecKey *, Vec);

/* Runs an adjoint (taylor false) or Taylor test on op, then destroys op's template vectors. */
PETSC_INTERN PetscErrorCode MSCheckRunAndFree(MSOperator *, PetscBool, Vec, Vec, PetscRandom, void *);

#endif
