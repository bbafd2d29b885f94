/* Map chains in problem files: group MAP with attribute n_steps and sub-groups step_0, step_1, ...
   in the order applied, each with attributes type, n_in, n_out and its type's datasets. */
#include <string.h>
#include "io/ioformat.h"

/* Deepest nesting of sum steps (a sum term holding a sum ...) a reader follows. */
#define MS_IO_MAX_SUM_DEPTH 32

typedef PetscErrorCode (*MSIOMapReadFn)(MSH5File *, const char[], PetscInt, PetscInt, MSMap);
typedef PetscErrorCode (*MSIOMapWriteFn)(MSH5File *, const char[], const MSMapSpec *);

/* Identity and exp: the sizes are the whole description. */
static PetscErrorCode MSIOReadSquare(MSH5File *f, const char path[], PetscInt n_in, PetscInt n_out, MSMap map)
{
  PetscFunctionBegin;
  PetscCheck(n_in == n_out, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: %s: n_in = %" PetscInt_FMT " and n_out = %" PetscInt_FMT " must be equal for this type", f->name, path, n_in, n_out);
  PetscFunctionReturn(0);
}

static PetscErrorCode MSIOWriteNothing(MSH5File *f, const char path[], const MSMapSpec *spec)
{
  PetscFunctionBegin;
  PetscCheck(spec->n_in == spec->n_out, PETSC_COMM_SELF, PETSC_ERR_ARG_SIZ, "%s: %s: type %s needs n_in = n_out, got %" PetscInt_FMT " and %" PetscInt_FMT, f->name, path, spec->type, spec->n_in, spec->n_out);
  PetscFunctionReturn(0);
}

static PetscErrorCode MSIOReadProjection(MSH5File *f, const char path[], PetscInt n_in, PetscInt n_out, MSMap map)
{
  char     name[PETSC_MAX_PATH_LEN];
  PetscInt n;
  IS       is;

  PetscFunctionBegin;
  PetscCall(PetscSNPrintf(name, sizeof(name), "%s/indices", path));
  PetscCall(MSH5GetShape(f, name, MS_H5_INT64, 1, &n));
  PetscCheck(n == n_out, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: %s: wrong shape, %" PetscInt_FMT " entries, expected n_out = %" PetscInt_FMT, f->name, name, n, n_out);
  PetscCall(MSH5ReadIndices(f, name, n, n_in, &is));
  PetscCall(MSMapProjectionSetIndices(map, n_in, is));
  PetscCall(ISDestroy(&is));
  PetscFunctionReturn(0);
}

static PetscErrorCode MSIOWriteProjection(MSH5File *f, const char path[], const MSMapSpec *spec)
{
  char name[PETSC_MAX_PATH_LEN];

  PetscFunctionBegin;
  PetscCheck(spec->indices, PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "%s: %s: a projection needs its indices", f->name, path);
  for (PetscInt k = 0; k < spec->n_out; k++) PetscCheck(spec->indices[k] >= 0 && spec->indices[k] < spec->n_in, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "%s: %s: index %" PetscInt_FMT " at position %" PetscInt_FMT " is outside [0, %" PetscInt_FMT ")", f->name, path, spec->indices[k], k, spec->n_in);
  PetscCall(PetscSNPrintf(name, sizeof(name), "%s/indices", path));
  PetscCall(MSH5WriteIndices(f, name, spec->n_out, spec->indices));
  PetscFunctionReturn(0);
}

/* Reads matrix `what` of a step and checks it is n_out x n_in. */
static PetscErrorCode MSIOReadStepMatrix(MSH5File *f, const char path[], const char what[], PetscInt n_in, PetscInt n_out, Mat *A)
{
  char     name[PETSC_MAX_PATH_LEN];
  PetscInt rows, cols;

  PetscFunctionBegin;
  PetscCall(PetscSNPrintf(name, sizeof(name), "%s/%s", path, what));
  PetscCall(MSIOReadMatrix(f, name, A));
  PetscCall(MatGetSize(*A, &rows, &cols));
  PetscCheck(rows == n_out && cols == n_in, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: %s: wrong shape, %" PetscInt_FMT " x %" PetscInt_FMT ", expected n_out x n_in = %" PetscInt_FMT " x %" PetscInt_FMT, f->name, name, rows, cols, n_out, n_in);
  PetscFunctionReturn(0);
}

static PetscErrorCode MSIOWriteStepMatrix(MSH5File *f, const char path[], const char what[], const MSMapSpec *spec)
{
  char     name[PETSC_MAX_PATH_LEN];
  PetscInt rows, cols;

  PetscFunctionBegin;
  PetscCheck(spec->A, PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "%s: %s: type %s needs its matrix", f->name, path, spec->type);
  PetscCall(MatGetSize(spec->A, &rows, &cols));
  PetscCheck(rows == spec->n_out && cols == spec->n_in, PETSC_COMM_SELF, PETSC_ERR_ARG_SIZ, "%s: %s: the matrix is %" PetscInt_FMT " x %" PetscInt_FMT ", expected n_out x n_in = %" PetscInt_FMT " x %" PetscInt_FMT, f->name, path, rows, cols, spec->n_out, spec->n_in);
  PetscCall(PetscSNPrintf(name, sizeof(name), "%s/%s", path, what));
  PetscCall(MSIOWriteMatrix(f, name, spec->A));
  PetscFunctionReturn(0);
}

static PetscErrorCode MSIOReadLinear(MSH5File *f, const char path[], PetscInt n_in, PetscInt n_out, MSMap map)
{
  char      name[PETSC_MAX_PATH_LEN];
  Mat       A;
  Vec       b = NULL;
  PetscBool has_b;

  PetscFunctionBegin;
  PetscCall(MSIOReadStepMatrix(f, path, "A", n_in, n_out, &A));
  PetscCall(PetscSNPrintf(name, sizeof(name), "%s/b", path));
  PetscCall(MSH5Exists(f, name, &has_b));
  if (has_b) {
    PetscInt     n;
    PetscScalar *a;

    PetscCall(MSH5GetShape(f, name, MS_H5_FLOAT64, 1, &n));
    PetscCheck(n == n_out, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: %s: wrong shape, %" PetscInt_FMT " entries, expected n_out = %" PetscInt_FMT, f->name, name, n, n_out);
    PetscCall(VecCreateSeq(PETSC_COMM_SELF, n, &b));
    PetscCall(VecGetArrayWrite(b, &a));
    PetscCall(MSH5ReadReal(f, name, n, a));
    PetscCall(VecRestoreArrayWrite(b, &a));
  }
  PetscCall(MSMapLinearSetOperator(map, A, b));
  PetscCall(MatDestroy(&A));
  PetscCall(VecDestroy(&b));
  PetscFunctionReturn(0);
}

static PetscErrorCode MSIOWriteLinear(MSH5File *f, const char path[], const MSMapSpec *spec)
{
  char name[PETSC_MAX_PATH_LEN];

  PetscFunctionBegin;
  PetscCall(MSIOWriteStepMatrix(f, path, "A", spec));
  if (spec->b) {
    PetscCall(PetscSNPrintf(name, sizeof(name), "%s/b", path));
    PetscCall(MSH5WriteReal(f, name, 1, &spec->n_out, spec->b));
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode MSIOReadTile(MSH5File *f, const char path[], PetscInt n_in, PetscInt n_out, MSMap map)
{
  Mat P;

  PetscFunctionBegin;
  PetscCall(MSIOReadStepMatrix(f, path, "P", n_in, n_out, &P));
  PetscCall(MSMapTileSetOperator(map, P));
  PetscCall(MatDestroy(&P));
  PetscFunctionReturn(0);
}

static PetscErrorCode MSIOWriteTile(MSH5File *f, const char path[], const MSMapSpec *spec)
{
  PetscFunctionBegin;
  PetscCall(MSIOWriteStepMatrix(f, path, "P", spec));
  PetscFunctionReturn(0);
}

static PetscErrorCode MSIOReadInjectActive(MSH5File *f, const char path[], PetscInt n_in, PetscInt n_out, MSMap map)
{
  char        name[PETSC_MAX_PATH_LEN];
  PetscInt    n;
  PetscScalar value;
  IS          is;

  PetscFunctionBegin;
  PetscCall(MSH5ReadAttrReal(f, path, "value", &value));
  PetscCall(PetscSNPrintf(name, sizeof(name), "%s/active", path));
  PetscCall(MSH5GetShape(f, name, MS_H5_INT64, 1, &n));
  PetscCheck(n == n_in, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: %s: wrong shape, %" PetscInt_FMT " entries, expected n_in = %" PetscInt_FMT, f->name, name, n, n_in);
  PetscCall(MSH5ReadIndices(f, name, n, n_out, &is));
  PetscCall(MSMapInjectActiveSetActive(map, n_out, is, value));
  PetscCall(ISDestroy(&is));
  PetscFunctionReturn(0);
}

static PetscErrorCode MSIOWriteInjectActive(MSH5File *f, const char path[], const MSMapSpec *spec)
{
  char name[PETSC_MAX_PATH_LEN];

  PetscFunctionBegin;
  PetscCheck(spec->indices, PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "%s: %s: an injectactive map needs its active positions", f->name, path);
  for (PetscInt k = 0; k < spec->n_in; k++) PetscCheck(spec->indices[k] >= 0 && spec->indices[k] < spec->n_out, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "%s: %s: active position %" PetscInt_FMT " at %" PetscInt_FMT " is outside [0, %" PetscInt_FMT ")", f->name, path, spec->indices[k], k, spec->n_out);
  PetscCall(MSH5WriteAttrReal(f, path, "value", spec->value));
  PetscCall(PetscSNPrintf(name, sizeof(name), "%s/active", path));
  PetscCall(MSH5WriteIndices(f, name, spec->n_in, spec->indices));
  PetscFunctionReturn(0);
}

/* Sum: attribute n_terms and groups term_0, term_1, ..., each a chain reading the step's input
   and producing its output. */
static PetscErrorCode MSIOReadSumTerms(MSH5File *f, const char path[], PetscInt n_in, PetscInt n_out, PetscInt n_terms, MSMap terms[])
{
  char     name[PETSC_MAX_PATH_LEN];
  PetscInt produced;

  PetscFunctionBegin;
  for (PetscInt t = 0; t < n_terms; t++) {
    PetscCall(PetscSNPrintf(name, sizeof(name), "%s/term_%" PetscInt_FMT, path, t));
    PetscCall(MSIOReadMap(f, name, n_in, &terms[t]));
    PetscCall(MSMapGetSizes(terms[t], NULL, &produced));
    PetscCheck(produced == n_out, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: %s: produces %" PetscInt_FMT " entries but the sum step has n_out = %" PetscInt_FMT, f->name, name, produced, n_out);
  }
  PetscFunctionReturn(0);
}

/* The number of sum terms that enclose path ("/term_" components). */
static PetscErrorCode MSIOSumDepth(const char path[], PetscInt *depth)
{
  const char *at = path;

  PetscFunctionBegin;
  *depth = 0;
  while ((at = strstr(at, "/term_"))) {
    (*depth)++;
    at++;
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode MSIOReadSum(MSH5File *f, const char path[], PetscInt n_in, PetscInt n_out, MSMap map)
{
  PetscInt       n_terms, depth, links;
  MSMap         *terms;
  PetscErrorCode ierr;

  PetscFunctionBegin;
  PetscCall(MSIOSumDepth(path, &depth));
  PetscCheck(depth < MS_IO_MAX_SUM_DEPTH, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: %s: sum steps nested %" PetscInt_FMT " deep, at most %d are read", f->name, path, depth + 1, MS_IO_MAX_SUM_DEPTH);
  PetscCall(MSH5ReadAttrInt(f, path, "n_terms", &n_terms));
  PetscCheck(n_terms > 0, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: %s: n_terms must be at least 1", f->name, path);
  PetscCall(MSH5CountLinks(f, path, &links));
  PetscCheck(n_terms <= links, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: %s: n_terms = %" PetscInt_FMT " but the group holds %" PetscInt_FMT " terms", f->name, path, n_terms, links);
  PetscCall(PetscCalloc1(n_terms, &terms));
  ierr = MSIOReadSumTerms(f, path, n_in, n_out, n_terms, terms);
  if (!ierr) ierr = MSMapSumSetMaps(map, n_terms, terms);
  for (PetscInt t = 0; t < n_terms; t++) PetscCall(MSMapDestroy(&terms[t]));
  PetscCall(PetscFree(terms));
  PetscCall(ierr);
  PetscFunctionReturn(0);
}

static PetscErrorCode MSIOWriteSum(MSH5File *f, const char path[], const MSMapSpec *spec)
{
  char name[PETSC_MAX_PATH_LEN];

  PetscFunctionBegin;
  PetscCheck(spec->n_terms > 0 && spec->terms, PETSC_COMM_SELF, PETSC_ERR_ARG_SIZ, "%s: %s: a sum map needs at least one term", f->name, path);
  PetscCall(MSH5WriteAttrInt(f, path, "n_terms", spec->n_terms));
  for (PetscInt t = 0; t < spec->n_terms; t++) {
    PetscCall(PetscSNPrintf(name, sizeof(name), "%s/term_%" PetscInt_FMT, path, t));
    PetscCall(MSIOWriteMap(f, name, spec->terms[t].n_steps, spec->terms[t].steps));
  }
  PetscFunctionReturn(0);
}

static const struct {
  const char    *type;
  MSIOMapReadFn  read;
  MSIOMapWriteFn write;
} MSIOMapTypes[] = {
  {MSMAPIDENTITY,   MSIOReadSquare,     MSIOWriteNothing   },
  {MSMAPEXP,        MSIOReadSquare,     MSIOWriteNothing   },
  {MSMAPPROJECTION, MSIOReadProjection, MSIOWriteProjection},
  {MSMAPLINEAR,     MSIOReadLinear,     MSIOWriteLinear    },
  {MSMAPTILE,         MSIOReadTile,         MSIOWriteTile        },
  {MSMAPINJECTACTIVE, MSIOReadInjectActive, MSIOWriteInjectActive},
  {MSMAPSUM,          MSIOReadSum,          MSIOWriteSum         },
};

static PetscErrorCode MSIOFindMapType(MSH5File *f, const char path[], const char type[], size_t *which)
{
  PetscBool match = PETSC_FALSE;

  PetscFunctionBegin;
  for (*which = 0; *which < sizeof(MSIOMapTypes) / sizeof(MSIOMapTypes[0]); (*which)++) {
    PetscCall(PetscStrcmp(type, MSIOMapTypes[*which].type, &match));
    if (match) break;
  }
  PetscCheck(match, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: %s: unknown map type \"%s\"", f->name, path, type);
  PetscFunctionReturn(0);
}

/* Reads one step whose input length must be n_in. */
static PetscErrorCode MSIOReadStep(MSH5File *f, const char path[], PetscInt n_in, MSMap *map)
{
  char           type[64];
  PetscInt       file_n_in, n_out;
  PetscScalar   *probe;
  size_t         which;
  PetscErrorCode ierr;

  PetscFunctionBegin;
  PetscCall(MSH5CheckSingleLink(f, path));
  PetscCall(MSH5ReadAttrString(f, path, "type", type, sizeof(type)));
  PetscCall(MSIOFindMapType(f, path, type, &which));
  PetscCall(MSH5ReadAttrInt(f, path, "n_in", &file_n_in));
  PetscCall(MSH5ReadAttrInt(f, path, "n_out", &n_out));
  PetscCheck(file_n_in == n_in, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: %s: n_in = %" PetscInt_FMT " but the step reads a model of length %" PetscInt_FMT, f->name, path, file_n_in, n_in);
  PetscCheck(n_out > 0, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: %s: n_out must be positive", f->name, path);
  /* the step's output is a vector of n_out entries, which no dataset backs (injectactive): a
     length this process cannot hold is an error naming the step, not a failure deep in MSMap */
  PetscCall(MSH5Memory(f, path, PetscMalloc1(n_out, &probe)));
  PetscCall(PetscFree(probe));
  PetscCall(MSMapCreate(PETSC_COMM_SELF, map));
  PetscCall(MSMapSetType(*map, type));
  PetscCall(MSMapSetSizes(*map, n_in, n_out));
  ierr = MSIOMapTypes[which].read(f, path, n_in, n_out, *map);
  if (!ierr) ierr = MSMapSetUp(*map);
  if (ierr) PetscCall(MSMapDestroy(map));
  PetscCall(ierr);
  PetscFunctionReturn(0);
}

static PetscErrorCode MSIOReadSteps(MSH5File *f, const char path[], PetscInt n_in, PetscInt n_steps, MSMap steps[])
{
  char name[PETSC_MAX_PATH_LEN];

  PetscFunctionBegin;
  for (PetscInt k = 0; k < n_steps; k++) {
    PetscCall(PetscSNPrintf(name, sizeof(name), "%s/step_%" PetscInt_FMT, path, k));
    PetscCall(MSIOReadStep(f, name, n_in, &steps[k]));
    PetscCall(MSMapGetSizes(steps[k], NULL, &n_in));
  }
  PetscFunctionReturn(0);
}

/* Reads the map chain at path, whose first step reads a model of length n_in (the global model,
   or a sum step's input); nothing is left allocated on failure. */
PETSC_INTERN PetscErrorCode MSIOReadMap(MSH5File *f, const char path[], PetscInt n_in, MSMap *map)
{
  PetscInt       n_steps, links;
  MSMap         *steps;
  PetscErrorCode ierr;

  PetscFunctionBegin;
  PetscCall(MSH5CheckSingleLink(f, path));
  PetscCall(MSH5ReadAttrInt(f, path, "n_steps", &n_steps));
  PetscCheck(n_steps > 0, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: %s: n_steps must be at least 1", f->name, path);
  PetscCall(MSH5CountLinks(f, path, &links));
  PetscCheck(n_steps <= links, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: %s: n_steps = %" PetscInt_FMT " but the group holds %" PetscInt_FMT " steps", f->name, path, n_steps, links);
  PetscCall(PetscCalloc1(n_steps, &steps));
  ierr = MSIOReadSteps(f, path, n_in, n_steps, steps);
  if (!ierr && n_steps == 1) {
    *map     = steps[0];
    steps[0] = NULL;
  } else if (!ierr) {
    ierr = MSMapCreate(PETSC_COMM_SELF, map);
    if (!ierr) ierr = MSMapSetType(*map, MSMAPCOMPOSE);
    if (!ierr) ierr = MSMapComposeSetMaps(*map, n_steps, steps);
    if (!ierr) ierr = MSMapSetUp(*map);
    if (ierr) PetscCall(MSMapDestroy(map));
  }
  for (PetscInt k = 0; k < n_steps; k++) PetscCall(MSMapDestroy(&steps[k]));
  PetscCall(PetscFree(steps));
  PetscCall(ierr);
  PetscFunctionReturn(0);
}

/* Writes a map chain; the steps' lengths must chain: step k + 1 reads what step k produces. */
PETSC_INTERN PetscErrorCode MSIOWriteMap(MSH5File *f, const char path[], PetscInt n_steps, const MSMapSpec steps[])
{
  char   name[PETSC_MAX_PATH_LEN];
  size_t which;

  PetscFunctionBegin;
  PetscCall(MSH5CreateGroup(f, path));
  PetscCall(MSH5WriteAttrInt(f, path, "n_steps", n_steps));
  for (PetscInt k = 0; k < n_steps; k++) {
    PetscCall(PetscSNPrintf(name, sizeof(name), "%s/step_%" PetscInt_FMT, path, k));
    PetscCall(MSIOFindMapType(f, name, steps[k].type, &which));
    PetscCheck(k == 0 || steps[k].n_in == steps[k - 1].n_out, PETSC_COMM_SELF, PETSC_ERR_ARG_SIZ, "%s: %s: n_in = %" PetscInt_FMT " does not match the previous step's n_out = %" PetscInt_FMT, f->name, name, steps[k].n_in, steps[k - 1].n_out);
    PetscCall(MSH5CreateGroup(f, name));
    PetscCall(MSH5WriteAttrString(f, name, "type", steps[k].type));
    PetscCall(MSH5WriteAttrInt(f, name, "n_in", steps[k].n_in));
    PetscCall(MSH5WriteAttrInt(f, name, "n_out", steps[k].n_out));
    PetscCall(MSIOMapTypes[which].write(f, name, &steps[k]));
  }
  PetscFunctionReturn(0);
}
