/* The problem writer's map chains: their size checks, and copies (index and offset arrays and
   sum terms copied recursively, matrices referenced) with their release. */
#include "io/ioformat.h"

/* Checks that a chain is not empty, reads n_in entries, produces n_out (when n_out >= 0), and
   that its steps' lengths follow each other; sum steps' terms are checked the same way. */
PETSC_INTERN PetscErrorCode MSIOMapChainCheck(const char caller[], const char where[], PetscInt n_in, PetscInt n_out, PetscInt n_steps, const MSMapSpec steps[])
{
  PetscFunctionBegin;
  PetscCheck(n_steps > 0 && steps, PETSC_COMM_SELF, PETSC_ERR_ARG_SIZ, "%s: %s needs at least one map step", caller, where);
  for (PetscInt k = 0; k < n_steps; k++) {
    const MSMapSpec *s    = &steps[k];
    PetscInt         read = k ? steps[k - 1].n_out : n_in;
    PetscBool        sum;
    char             term[256];

    PetscCheck(s->type, PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "%s: %s: map step %" PetscInt_FMT " has no type", caller, where, k);
    PetscCheck(s->n_in == read, PETSC_COMM_SELF, PETSC_ERR_ARG_SIZ, "%s: %s: map step %" PetscInt_FMT " reads %" PetscInt_FMT " entries, but %s %" PetscInt_FMT, caller, where, k, s->n_in, k ? "the previous step produces" : "its input has", read);
    PetscCheck(s->n_out > 0, PETSC_COMM_SELF, PETSC_ERR_ARG_SIZ, "%s: %s: map step %" PetscInt_FMT " produces %" PetscInt_FMT " entries, expected a positive number", caller, where, k, s->n_out);
    PetscCall(PetscStrcmp(s->type, MSMAPSUM, &sum));
    if (!sum) continue;
    PetscCheck(s->n_terms > 0 && s->terms, PETSC_COMM_SELF, PETSC_ERR_ARG_SIZ, "%s: %s: the sum map of step %" PetscInt_FMT " needs at least one term", caller, where, k);
    for (PetscInt t = 0; t < s->n_terms; t++) {
      PetscCall(PetscSNPrintf(term, sizeof(term), "%s, step %" PetscInt_FMT ", term %" PetscInt_FMT, where, k, t));
      PetscCall(MSIOMapChainCheck(caller, term, s->n_in, s->n_out, s->terms[t].n_steps, s->terms[t].steps));
    }
  }
  PetscCheck(n_out < 0 || steps[n_steps - 1].n_out == n_out, PETSC_COMM_SELF, PETSC_ERR_ARG_SIZ, "%s: %s: the map produces %" PetscInt_FMT " entries, but %" PetscInt_FMT " are needed", caller, where, steps[n_steps - 1].n_out, n_out);
  PetscFunctionReturn(0);
}

/* The number of entries of a step's indices: the active entries (injectactive) or the outputs. */
static PetscErrorCode MSIOSpecIndexCount(const MSMapSpec *spec, PetscInt *n)
{
  PetscBool inject;

  PetscFunctionBegin;
  PetscCall(PetscStrcmp(spec->type, MSMAPINJECTACTIVE, &inject));
  *n = inject ? spec->n_in : spec->n_out;
  PetscFunctionReturn(0);
}

static PetscErrorCode MSIOMapSpecCopy(const MSMapSpec *src, MSMapSpec *dst)
{
  PetscFunctionBegin;
  *dst         = *src;
  dst->indices = NULL;
  dst->b       = NULL;
  dst->terms   = NULL;
  if (src->indices) {
    PetscInt  n;
    PetscInt *copy;

    PetscCall(MSIOSpecIndexCount(src, &n));
    PetscCall(PetscMalloc1(n, &copy));
    PetscCall(PetscArraycpy(copy, src->indices, n));
    dst->indices = copy;
  }
  if (src->b) {
    PetscScalar *copy;

    PetscCall(PetscMalloc1(src->n_out, &copy));
    PetscCall(PetscArraycpy(copy, src->b, src->n_out));
    dst->b = copy;
  }
  if (src->A) PetscCall(PetscObjectReference((PetscObject)src->A));
  if (src->terms && src->n_terms > 0) {
    MSMapChainSpec *terms;

    PetscCall(PetscCalloc1(src->n_terms, &terms));
    dst->terms = terms;
    for (PetscInt k = 0; k < src->n_terms; k++) {
      MSMapSpec *steps = NULL;

      PetscCall(MSIOMapChainCopy(src->terms[k].n_steps, src->terms[k].steps, &steps));
      terms[k].n_steps = src->terms[k].n_steps;
      terms[k].steps   = steps;
    }
  } else dst->n_terms = 0;
  PetscFunctionReturn(0);
}

static PetscErrorCode MSIOMapSpecFree(MSMapSpec *spec)
{
  PetscFunctionBegin;
  PetscCall(PetscFree(spec->indices));
  PetscCall(PetscFree(spec->b));
  PetscCall(MatDestroy(&spec->A));
  for (PetscInt k = 0; spec->terms && k < spec->n_terms; k++) {
    MSMapSpec *steps = (MSMapSpec *)spec->terms[k].steps;

    PetscCall(MSIOMapChainFree(spec->terms[k].n_steps, &steps));
  }
  PetscCall(PetscFree(spec->terms));
  PetscFunctionReturn(0);
}

/* A copy of a chain of n_steps steps, to be freed with MSIOMapChainFree(). */
PETSC_INTERN PetscErrorCode MSIOMapChainCopy(PetscInt n_steps, const MSMapSpec src[], MSMapSpec **dst)
{
  PetscFunctionBegin;
  PetscCall(PetscCalloc1(n_steps, dst));
  for (PetscInt k = 0; k < n_steps; k++) PetscCall(MSIOMapSpecCopy(&src[k], &(*dst)[k]));
  PetscFunctionReturn(0);
}

/* Frees a chain made by MSIOMapChainCopy(), also a partly made one (zeroed entries are skipped). */
PETSC_INTERN PetscErrorCode MSIOMapChainFree(PetscInt n_steps, MSMapSpec **steps)
{
  PetscFunctionBegin;
  for (PetscInt k = 0; *steps && k < n_steps; k++) PetscCall(MSIOMapSpecFree(&(*steps)[k]));
  PetscCall(PetscFree(*steps));
  PetscFunctionReturn(0);
}
