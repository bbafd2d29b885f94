/* The command line of every sub-command: checks, one-line collective errors, number parsing. */
#include <ctype.h>
#include <fcntl.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "apputil.h"

/* PETSc options that metasim reads (prefixes farm_ and meta_ are metasim's alone: any other name
   under them is an error), and PETSc's own most common ones; a name close to one of these but
   not equal is taken for a misspelling. */
static const char *const MSAppKnownOptions[] = {"-farm_schedule", "-farm_chunk", "-farm_counter", "-farm_group_size", "-farm_seed", "-farm_progress", "-farm_record", "-farm_output", "-farm_resume", "-farm_retry_failed", "-farm_max_failures",
                                                "-meta_kind", "-meta_jtjdiag", "-meta_reproducible", "-meta_view", "-meta_wait", "-meta_group_size", "-meta_simulation_ranks", "-meta_group_by_cost", "-sim_type", "-map_type", "-problem_read_timeout", "-log_view", "-help",
                                                "-options_left", "-malloc_debug", "-malloc_dump", "-on_error_abort", "-dcr_ksp_type", "-dcr_pc_type", "-dcr_ksp_rtol", "-dcr_ksp_monitor"};
static const char *const MSAppOwnedPrefixes[] = {"-farm_", "-meta_"};
/* Prefixes of PETSc's own objects' options (solvers, logging, memory): passed through unchecked,
   as the objects read them (-tao_type is not a misspelled -map_type). */
static const char *const MSAppPetscPrefixes[] = {"-tao_", "-ksp_", "-pc_", "-snes_", "-mat_", "-vec_", "-dcr_", "-log", "-malloc", "-options_", "-info", "-viewer_", "-fp_trap", "-on_error_"};

#define MS_APP_MAX_NAMES 64

/* Levenshtein distance, bounded: names are short. */
static PetscInt MSAppDistance(const char a[], const char b[])
{
  size_t   la = strlen(a), lb = strlen(b);
  PetscInt row[MS_APP_MAX_NAMES + 1];

  if (lb > MS_APP_MAX_NAMES) lb = MS_APP_MAX_NAMES;
  for (size_t j = 0; j <= lb; j++) row[j] = (PetscInt)j;
  for (size_t i = 1; i <= la; i++) {
    PetscInt diag = row[0];

    row[0] = (PetscInt)i;
    for (size_t j = 1; j <= lb; j++) {
      PetscInt up = row[j];

      row[j] = PetscMin(PetscMin(row[j] + 1, row[j - 1] + 1), diag + (a[i - 1] != b[j - 1]));
      diag   = up;
    }
  }
  return row[lb];
}

PetscErrorCode MSAppNearest(const char word[], PetscInt n, const char *const names[], const char **nearest)
{
  PetscInt best = PETSC_MAX_INT;

  PetscFunctionBegin;
  *nearest = NULL;
  for (PetscInt k = 0; k < n; k++) {
    PetscInt d = MSAppDistance(word, names[k]);

    if (d < best) {
      best     = d;
      *nearest = names[k];
    }
  }
  PetscFunctionReturn(0);
}

/* Whether word spells a flag of the command (long or short). */
static const MSAppFlag *MSAppFindFlag(const MSAppCommand *cmd, const char word[])
{
  for (const MSAppFlag *f = cmd->flags; f && f->name; f++)
    if (!strcmp(word, f->name) || (f->alias && !strcmp(word, f->alias))) return f;
  return NULL;
}

/* PETSc's rule for whether an argument is an option name rather than a value ("-5" is a value). */
static PetscBool MSAppIsKey(const char arg[])
{
  return arg[0] == '-' && (isalpha((unsigned char)arg[1]) || arg[1] == '-') ? PETSC_TRUE : PETSC_FALSE;
}

/* A PETSc option (single dash, not the command's): under metasim's prefixes it must be one of
   metasim's options; elsewhere it must not be a near miss of one. */
static PetscErrorCode MSAppCheckPetscOption(const char arg[])
{
  const PetscInt n = (PetscInt)(sizeof(MSAppKnownOptions) / sizeof(MSAppKnownOptions[0]));
  const char    *nearest;
  PetscBool      owned = PETSC_FALSE;

  PetscFunctionBegin;
  for (PetscInt k = 0; k < n; k++)
    if (!strcmp(arg, MSAppKnownOptions[k])) PetscFunctionReturn(0);
  for (size_t p = 0; p < sizeof(MSAppPetscPrefixes) / sizeof(MSAppPetscPrefixes[0]); p++)
    if (!strncmp(arg, MSAppPetscPrefixes[p], strlen(MSAppPetscPrefixes[p]))) PetscFunctionReturn(0);
  for (size_t p = 0; p < sizeof(MSAppOwnedPrefixes) / sizeof(MSAppOwnedPrefixes[0]); p++)
    if (!strncmp(arg, MSAppOwnedPrefixes[p], strlen(MSAppOwnedPrefixes[p]))) owned = PETSC_TRUE;
  PetscCall(MSAppNearest(arg, n, MSAppKnownOptions, &nearest));
  PetscCheck(!owned && (strlen(arg) < 5 || MSAppDistance(arg, nearest) > 2), PETSC_COMM_WORLD, PETSC_ERR_ARG_WRONG, "unknown option %s (did you mean %s?)", arg, nearest);
  PetscFunctionReturn(0);
}

/* Every argument of the command line: the command's flags (with their values), at most
   max_positional plain arguments, and PETSc options. */
static PetscErrorCode MSAppCheckArgs(const MSAppCommand *cmd, int argc, char **argv)
{
  const char *names[MS_APP_MAX_NAMES], *nearest;
  PetscInt    n_names = 0;
  int         positional = 0;

  PetscFunctionBegin;
  if (cmd->max_positional < 0) PetscFunctionReturn(0);
  for (const MSAppFlag *f = cmd->flags; f && f->name && n_names < MS_APP_MAX_NAMES; f++) names[n_names++] = f->name;
  for (int k = 1; k < argc; k++) {
    const MSAppFlag *flag = MSAppFindFlag(cmd, argv[k]);

    if (flag) {
      PetscCheck(!flag->has_value || k + 1 < argc, PETSC_COMM_WORLD, PETSC_ERR_ARG_WRONG, "%s needs a value", argv[k]);
      if (flag->has_value) k++;
    } else if (argv[k][0] == '-' && argv[k][1] == '-') {
      PetscCall(MSAppNearest(argv[k], n_names, names, &nearest));
      SETERRQ(PETSC_COMM_WORLD, PETSC_ERR_ARG_WRONG, "unknown option %s%s%s%s (see metasim %s --help)", argv[k], nearest ? " (did you mean " : "", nearest ? nearest : "", nearest ? "?)" : "", cmd->name);
    } else if (MSAppIsKey(argv[k])) {
      PetscCall(MSAppCheckPetscOption(argv[k]));
      if (k + 1 < argc && !MSAppIsKey(argv[k + 1])) k++; /* its value */
    } else {
      PetscCheck(positional < cmd->max_positional, PETSC_COMM_WORLD, PETSC_ERR_ARG_WRONG, "unexpected argument \"%s\" (see metasim %s --help)", argv[k], cmd->name);
      positional++;
    }
  }
  PetscFunctionReturn(0);
}

/* The error code and message of the lowest failing rank, on every rank (code 0: none failed). */
static PetscErrorCode MSAppFirstError(PetscErrorCode err, int *code, char message[], size_t len)
{
  PetscMPIInt rank, size, first, local;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(PETSC_COMM_WORLD, &rank));
  PetscCallMPI(MPI_Comm_size(PETSC_COMM_WORLD, &size));
  local = err ? rank : size;
  PetscCallMPI(MPI_Allreduce(&local, &first, 1, MPI_INT, MPI_MIN, PETSC_COMM_WORLD));
  *code      = 0;
  message[0] = '\0';
  if (first == size) PetscFunctionReturn(0);
  if (rank == first) {
    const char *text;
    char       *specific = NULL;

    PetscCall(PetscErrorMessage(err, &text, &specific));
    PetscCall(PetscStrncpy(message, specific && specific[0] ? specific : (text ? text : "error"), len));
    *code = (int)err;
  }
  PetscCallMPI(MPI_Bcast(message, (PetscMPIInt)len, MPI_CHAR, first, PETSC_COMM_WORLD));
  PetscCallMPI(MPI_Bcast(code, 1, MPI_INT, first, PETSC_COMM_WORLD));
  PetscFunctionReturn(0);
}

PetscErrorCode MSAppAgree(PetscErrorCode err)
{
  char message[1024];
  int  code;

  PetscFunctionBegin;
  PetscCall(MSAppFirstError(err, &code, message, sizeof(message)));
  PetscCheck(!code, PETSC_COMM_WORLD, (PetscErrorCode)code, "%s", message);
  PetscFunctionReturn(0);
}

PetscErrorCode MSAppRun(const MSAppCommand *cmd, int argc, char **argv)
{
  PetscErrorCode ierr;
  char           message[1024];
  int            code;

  PetscFunctionBegin;
  PetscCall(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));
  ierr = MSAppCheckArgs(cmd, argc, argv);
  if (!ierr) ierr = cmd->run(argc, argv);
  PetscCall(PetscPopErrorHandler());
  PetscCall(MSAppFirstError(ierr, &code, message, sizeof(message)));
  if (code) PetscCall(PetscFPrintf(PETSC_COMM_WORLD, PETSC_STDERR, "metasim %s: %s\n", cmd->name, message));
  PetscFunctionReturn(code ? (PetscErrorCode)code : 0);
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
    *value = argv[++k];
  }
  PetscFunctionReturn(0);
}

/* The spelling of a flag the user typed (the short one when argv holds it), for messages. */
static const char *MSAppSpelling(int argc, char **argv, const char lng[], const char shrt[])
{
  for (int k = 1; shrt && k < argc; k++)
    if (!strcmp(argv[k], shrt)) return shrt;
  return lng;
}

PetscErrorCode MSAppGetInt(int argc, char **argv, const char lng[], const char shrt[], PetscInt dflt, PetscInt min, PetscInt max, PetscInt *value)
{
  const char *text;
  char       *end;
  long long   v;

  PetscFunctionBegin;
  PetscCall(MSAppGetValue(argc, argv, lng, shrt, NULL, &text));
  *value = dflt;
  if (!text) PetscFunctionReturn(0);
  errno = 0;
  v     = strtoll(text, &end, 10);
  PetscCheck(text[0] && !isspace((unsigned char)text[0]) && !*end && errno != ERANGE && v >= min && v <= max, PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE, "%s %s: expected an integer in [%" PetscInt_FMT ", %" PetscInt_FMT "]", MSAppSpelling(argc, argv, lng, shrt), text, min, max);
  *value = (PetscInt)v;
  PetscFunctionReturn(0);
}

PetscErrorCode MSAppGetReal(int argc, char **argv, const char lng[], const char shrt[], PetscReal dflt, PetscReal min, PetscReal *value)
{
  const char *text;
  char       *end;

  PetscFunctionBegin;
  PetscCall(MSAppGetValue(argc, argv, lng, shrt, NULL, &text));
  *value = dflt;
  if (!text) PetscFunctionReturn(0);
  *value = (PetscReal)strtod(text, &end);
  PetscCheck(text[0] && !isspace((unsigned char)text[0]) && !*end && !PetscIsInfOrNanReal(*value) && *value >= min, PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE, "%s %s: expected a finite number >= %.6g", MSAppSpelling(argc, argv, lng, shrt), text, (double)min);
  PetscFunctionReturn(0);
}

PetscErrorCode MSAppCheckOverwrite(const char file[], PetscBool allowed, const char how[], PetscBool *exists)
{
  PetscMPIInt rank;
  int         found = 0;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(PETSC_COMM_WORLD, &rank));
  if (!rank && file) found = access(file, F_OK) == 0;
  PetscCallMPI(MPI_Bcast(&found, 1, MPI_INT, 0, PETSC_COMM_WORLD));
  PetscCheck(!found || allowed, PETSC_COMM_WORLD, PETSC_ERR_FILE_OPEN, "%s exists: pass %s", file, how);
  if (exists) *exists = found ? PETSC_TRUE : PETSC_FALSE;
  PetscFunctionReturn(0);
}

PetscBool MSAppStderrIsTerminal(void)
{
  int fd;

  if (isatty(STDERR_FILENO)) return PETSC_TRUE;
  if (!getenv("OMPI_COMM_WORLD_SIZE")) return PETSC_FALSE;
  fd = open("/dev/tty", O_WRONLY | O_NOCTTY);
  if (fd < 0) return PETSC_FALSE;
  close(fd);
  return PETSC_TRUE;
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
