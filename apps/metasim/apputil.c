/* One-line errors and argument scanning for the sub-commands. */
#include "apputil.h"

PetscErrorCode MSAppRunQuiet(const char name[], MSAppCommandFn body, int argc, char **argv)
{
  PetscErrorCode ierr;

  PetscFunctionBegin;
  PetscCall(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));
  ierr = body(argc, argv);
  PetscCall(PetscPopErrorHandler());
  if (ierr) {
    const char *text;
    char       *specific = NULL;

    PetscCall(PetscErrorMessage(ierr, &text, &specific));
    PetscCall(PetscFPrintf(PETSC_COMM_WORLD, PETSC_STDERR, "metasim %s: %s\n", name, specific && specific[0] ? specific : text));
  }
  PetscFunctionReturn(ierr);
}

PetscErrorCode MSAppHasFlag(int argc, char **argv, const char lng[], const char shrt[], PetscBool *has)
{
  PetscFunctionBegin;
  *has = PETSC_FALSE;
  for (int k = 1; k < argc && !*has; k++) {
    PetscBool a, b = PETSC_FALSE;

    PetscCall(PetscStrcmp(argv[k], lng, &a));
    if (shrt) PetscCall(PetscStrcmp(argv[k], shrt, &b));
    *has = (a || b) ? PETSC_TRUE : PETSC_FALSE;
  }
  PetscFunctionReturn(0);
}

PetscErrorCode MSAppGetValue(int argc, char **argv, const char lng[], const char shrt[], const char *dflt, const char **value)
{
  PetscFunctionBegin;
  *value = dflt;
  for (int k = 1; k < argc; k++) {
    PetscBool a, b = PETSC_FALSE;

    PetscCall(PetscStrcmp(argv[k], lng, &a));
    if (shrt) PetscCall(PetscStrcmp(argv[k], shrt, &b));
    if (!a && !b) continue;
    PetscCheck(k + 1 < argc, PETSC_COMM_WORLD, PETSC_ERR_ARG_WRONG, "%s needs a value", argv[k]);
    *value = argv[k + 1];
  }
  PetscFunctionReturn(0);
}

PetscErrorCode MSAppCommandLine(const char prog[], int argc, char **argv, char **line)
{
  size_t len, total;

  PetscFunctionBegin;
  PetscCall(PetscStrlen(prog, &total));
  for (int k = 0; k < argc; k++) {
    PetscCall(PetscStrlen(argv[k], &len));
    total += len + 1;
  }
  PetscCall(PetscCalloc1(total + 1, line));
  PetscCall(PetscStrlcat(*line, prog, total + 1));
  for (int k = 0; k < argc; k++) {
    PetscCall(PetscStrlcat(*line, " ", total + 1));
    PetscCall(PetscStrlcat(*line, argv[k], total + 1));
  }
  PetscFunctionReturn(0);
}
