/* Checks of an output path before anything is written: a name, a writable directory, not a
   directory itself, not one of the inputs by any spelling, and short enough for MPI-IO. */
#define _POSIX_C_SOURCE 200809L /* realpath */
#include <libgen.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include "io/h5util.h"

/* The canonical name of a path whose last component may not exist: realpath of its directory,
   then the last component. Empty when the directory does not resolve. */
static PetscErrorCode MSOutputCanonical(const char file[], char canon[], size_t len)
{
  char  dir_copy[PETSC_MAX_PATH_LEN], base_copy[PETSC_MAX_PATH_LEN], real[PATH_MAX];
  char *dir, *base;

  PetscFunctionBegin;
  canon[0] = '\0';
  PetscCall(PetscStrncpy(dir_copy, file, sizeof(dir_copy)));
  PetscCall(PetscStrncpy(base_copy, file, sizeof(base_copy)));
  dir  = dirname(dir_copy);
  base = basename(base_copy);
  if (realpath(dir, real)) PetscCall(PetscSNPrintf(canon, len, "%s/%s", real, base));
  PetscFunctionReturn(0);
}

/* Whether two paths name the same file: the same inode when both exist, else the same canonical name. */
static PetscErrorCode MSOutputSameFile(const char a[], const char b[], PetscBool *same)
{
  struct stat sa, sb;
  char        ca[PETSC_MAX_PATH_LEN], cb[PETSC_MAX_PATH_LEN];
  PetscBool   exist_a = stat(a, &sa) == 0 ? PETSC_TRUE : PETSC_FALSE, exist_b = stat(b, &sb) == 0 ? PETSC_TRUE : PETSC_FALSE;

  PetscFunctionBegin;
  if (exist_a && exist_b) {
    *same = sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino ? PETSC_TRUE : PETSC_FALSE;
    PetscFunctionReturn(0);
  }
  *same = PETSC_FALSE;
  if (exist_a != exist_b) PetscFunctionReturn(0);
  PetscCall(MSOutputCanonical(a, ca, sizeof(ca)));
  PetscCall(MSOutputCanonical(b, cb, sizeof(cb)));
  if (ca[0] && cb[0]) PetscCall(PetscStrcmp(ca, cb, same));
  PetscFunctionReturn(0);
}

static PetscErrorCode MSOutputCheckLocal(const char file[], PetscBool parallel, PetscInt n_inputs, const char *const inputs[])
{
  char        dir_copy[PETSC_MAX_PATH_LEN], *dir;
  struct stat st;
  size_t      len;

  PetscFunctionBegin;
  PetscCheck(file && file[0], PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "the output file name is empty");
  PetscCall(PetscStrlen(file, &len));
  PetscCheck(len < sizeof(dir_copy), PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "%.64s...: the output path is %zu characters long, longer than the %d this system allows", file, len, (int)sizeof(dir_copy) - 1);
  PetscCheck(!parallel || len <= MS_OUTPUT_MAX_PARALLEL_PATH, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "%s: the output path is %zu characters long; files written with MPI-IO may have at most %d (Open MPI's shared file pointers fail beyond that): choose a shorter path", file, len,
             MS_OUTPUT_MAX_PARALLEL_PATH);
  PetscCheck(!(stat(file, &st) == 0 && S_ISDIR(st.st_mode)), PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "%s: is a directory, not an output file name", file);
  for (PetscInt k = 0; k < n_inputs; k++) {
    PetscBool same;

    if (!inputs[k]) continue;
    PetscCall(MSOutputSameFile(file, inputs[k], &same));
    PetscCheck(!same, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "%s: is the same file as %s, which this command reads or writes: choose another output name", file, inputs[k]);
  }
  PetscCall(PetscStrncpy(dir_copy, file, sizeof(dir_copy)));
  dir = dirname(dir_copy);
  PetscCheck(stat(dir, &st) == 0, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "%s: the directory %s does not exist", file, dir);
  PetscCheck(S_ISDIR(st.st_mode), PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "%s: %s is not a directory", file, dir);
  PetscCheck(access(dir, W_OK | X_OK) == 0, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "%s: the directory %s is not writable", file, dir);
  PetscFunctionReturn(0);
}

/*@C
  MSOutputCheck - checks an output path before anything is computed or written

  Collective

  Input Parameters:
+ comm     - the ranks that write the file (rank 0 checks, every rank gets the answer)
. file     - the output file
. parallel - whether the file is written with MPI-IO (results, problems), which limits the path length
. n_inputs - number of other files of the same run (inputs, other outputs)
- inputs   - their names (NULL entries are skipped)

  Notes:
  Refuses, with one message naming the file: an empty name; a path longer than
  `MS_OUTPUT_MAX_PARALLEL_PATH` characters for MPI-IO; an existing directory; the same file as
  one of inputs by any spelling (./, .., symbolic and hard links: the same device and inode when
  both exist, the same canonical directory and name otherwise); a directory that does not exist
  or is not writable. `MSResultsWrite()`, `MSProblemWriterCreate()` and `MSFarmMap()` call it;
  commands call it first, with their inputs, before they compute anything.

  Level: intermediate

.seealso: `MSResultsWrite()`, `MSProblemWriterCreate()`, `MSFarmSetOutputFile()`
@*/
PetscErrorCode MSOutputCheck(MPI_Comm comm, const char file[], PetscBool parallel, PetscInt n_inputs, const char *const inputs[])
{
  PetscMPIInt rank;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCall(MSIOAgree(comm, rank == 0 ? MSOutputCheckLocal(file, parallel, n_inputs, inputs) : 0));
  PetscFunctionReturn(0);
}
