/* The common object header: creation, type lookup, prefix and view. */
#include <metasim/impl/objectimpl.h>

PetscErrorCode MSHeaderInitialize(MSHeader *h, MPI_Comm comm, PetscClassId classid, const char class_name[])
{
  PetscFunctionBegin;
  PetscCheck(comm != MPI_COMM_NULL, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "%s: MPI_COMM_NULL is not a valid communicator", class_name);
  h->comm        = comm;
  h->classid     = classid;
  h->class_name  = class_name;
  h->type_name   = NULL;
  h->prefix      = NULL;
  h->refct       = 1;
  h->setupcalled = PETSC_FALSE;
  PetscFunctionReturn(0);
}

PetscErrorCode MSHeaderFinalize(MSHeader *h)
{
  PetscFunctionBegin;
  PetscCall(PetscFree(h->type_name));
  PetscCall(PetscFree(h->prefix));
  PetscFunctionReturn(0);
}

PetscErrorCode MSHeaderSetOptionsPrefix(MSHeader *h, const char prefix[])
{
  PetscFunctionBegin;
  PetscCall(PetscFree(h->prefix));
  if (prefix && prefix[0]) {
    PetscCheck(prefix[0] != '-', h->comm, PETSC_ERR_ARG_WRONG, "%s options prefix \"%s\" must not begin with a hyphen", h->class_name, prefix);
    PetscCall(PetscStrallocpy(prefix, &h->prefix));
  }
  PetscFunctionReturn(0);
}

/* Looks up a constructor by type name and fails with the list of known names. */
PetscErrorCode MSHeaderFindType(MSHeader *h, PetscFunctionList list, const char name[], void (**ctor)(void))
{
  PetscFunctionBegin;
  PetscCheck(name, h->comm, PETSC_ERR_ARG_NULL, "%s type name is NULL", h->class_name);
  PetscCall(PetscFunctionListFind(list, name, ctor));
  if (!*ctor) {
    char         known[1024] = "";
    const char **names;
    int          n;

    PetscCall(PetscFunctionListGet(list, &names, &n));
    for (int i = 0; i < n; i++) {
      if (i) PetscCall(PetscStrlcat(known, ", ", sizeof(known)));
      PetscCall(PetscStrlcat(known, names[i], sizeof(known)));
    }
    PetscCall(PetscFree(names));
    SETERRQ(h->comm, PETSC_ERR_ARG_UNKNOWN_TYPE, "Unknown %s type \"%s\"; known types: %s", h->class_name, name, known);
  }
  PetscFunctionReturn(0);
}

PetscErrorCode MSHeaderSetTypeName(MSHeader *h, const char name[])
{
  PetscFunctionBegin;
  PetscCall(PetscFree(h->type_name));
  PetscCall(PetscStrallocpy(name, &h->type_name));
  PetscFunctionReturn(0);
}

PetscErrorCode MSHeaderView(MSHeader *h, PetscViewer viewer)
{
  PetscFunctionBegin;
  PetscCall(PetscViewerASCIIPrintf(viewer, "%s Object: %s%s%s\n", h->class_name, h->prefix ? "(" : "", h->prefix ? h->prefix : "", h->prefix ? ")" : ""));
  PetscCall(PetscViewerASCIIPrintf(viewer, "  type: %s\n", h->type_name ? h->type_name : "not yet set"));
  PetscFunctionReturn(0);
}

/* Errors unless the object has the given type: guards type-specific setters. */
PetscErrorCode MSHeaderCheckType(MSHeader *h, const char type[], const char caller[])
{
  PetscBool same;

  PetscFunctionBegin;
  PetscCall(PetscStrcmp(h->type_name, type, &same));
  PetscCheck(same, h->comm, PETSC_ERR_ARG_WRONG, "%s needs an %s of type %s, not %s", caller, h->class_name, type, h->type_name ? h->type_name : "(no type)");
  PetscFunctionReturn(0);
}
