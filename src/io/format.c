/* The root of a problem file: format name and version, kind and sizes; and group names. */
#include "io/ioformat.h"

PETSC_INTERN PetscErrorCode MSIOKindFromName(MSH5File *f, const char name[], MSMetaKind *kind)
{
  PetscBool match = PETSC_FALSE;

  PetscFunctionBegin;
  for (int k = MS_META_STACK; k <= MS_META_REPEAT && !match; k++) {
    PetscCall(PetscStrcmp(name, MSMetaKinds[k], &match));
    if (match) *kind = (MSMetaKind)k;
  }
  PetscCheck(match, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: /: unknown kind \"%s\" (expected stack, sum or repeat)", f->name, name);
  PetscFunctionReturn(0);
}

PETSC_INTERN PetscErrorCode MSIOSimGroup(PetscInt i, char group[], size_t len)
{
  PetscFunctionBegin;
  PetscCall(PetscSNPrintf(group, len, "/sim_%06" PetscInt_FMT, i));
  PetscFunctionReturn(0);
}

/* Reads and checks the root attributes. */
PETSC_INTERN PetscErrorCode MSIOReadInfo(MSH5File *f, MSProblemInfo *info)
{
  char      text[64];
  PetscBool match;
  PetscInt  links;

  PetscFunctionBegin;
  PetscCall(MSH5ReadAttrString(f, "/", "format", text, sizeof(text)));
  PetscCall(PetscStrcmp(text, MS_PROBLEM_FORMAT_NAME, &match));
  PetscCheck(match, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: /: attribute \"format\" is \"%s\", not a metasim problem (\"%s\")", f->name, text, MS_PROBLEM_FORMAT_NAME);
  PetscCall(MSH5ReadAttrInt(f, "/", "format_version", &info->version));
  PetscCheck(info->version >= 1, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: /: invalid format_version %" PetscInt_FMT, f->name, info->version);
  PetscCheck(info->version <= MS_FORMAT_VERSION, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: /: format_version %" PetscInt_FMT " is newer than this metasim supports (%d): upgrade metasim", f->name, info->version, MS_FORMAT_VERSION);
  PetscCall(MSH5ReadAttrString(f, "/", "kind", text, sizeof(text)));
  PetscCall(MSIOKindFromName(f, text, &info->kind));
  PetscCall(MSH5ReadAttrInt(f, "/", "n_sims", &info->n_sims));
  PetscCheck(info->n_sims > 0, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: /: empty problem (n_sims = 0)", f->name);
  PetscCall(MSH5CountLinks(f, "/", &links));
  PetscCheck(info->n_sims <= links, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: /: n_sims = %" PetscInt_FMT " but the file holds %" PetscInt_FMT " groups", f->name, info->n_sims, links);
  PetscCall(MSH5ReadAttrInt(f, "/", "n_model", &info->n_model));
  PetscCheck(info->n_model > 0, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: /: n_model must be positive", f->name);
  PetscCall(MSH5ReadAttrInt(f, "/", "n_data", &info->n_data));
  PetscCheck(info->n_data > 0, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: /: n_data must be positive", f->name);
  PetscFunctionReturn(0);
}
