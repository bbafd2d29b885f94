/* Exactly reproducible sums (binned summation).

   Every finite double is cut, by truncation toward zero, into slices on a fixed grid of binary
   exponents: bin i holds multiples of u_i = 2^(i w - 1074), w the bin width. The slice of x in bin i
   depends on x and i only, and slices are summed exactly (w leaves room for max_terms of them in
   53 bits), so the sum in every bin is the same whatever the order of the terms or their grouping
   over ranks. Each entry keeps the MS_BINNED_BINS bins from its top one (the bin of its largest
   term) down; merging two accumulators first aligns both to the higher top, which only drops
   bins, and the dropped slices are those the higher top would never have kept. The value is the
   sum of the bins, top first: at least (MS_BINNED_BINS - 1) w bits below the largest term are
   exact. Bins near the top of the double range overflow where a plain sum would. A NaN or Inf term makes the entry's top the sentinel and its value the IEEE sum of the
   non-finite terms. */
#include <metasim/binnedsum.h>
#include <math.h>
#include <string.h>

#define MS_BINNED_EMIN      (-1074)
#define MS_BINNED_SENTINEL  1.0e9 /* the top of an entry that received NaN or Inf */
#define MS_BINNED_EMPTY     (-1.0)
#define MS_BINNED_MAX_WIDTH 48    /* keeps each slice's unit above the term's last bit */
#define MS_BINNED_MIN_WIDTH 16

struct _n_MSBinnedSum {
  PetscInt   n, width, n_grid;
  int16_t    top_of_exponent[1024 - MS_BINNED_EMIN + 1]; /* the top bin of a term with |x| < 2^e, at e - MS_BINNED_EMIN */
  PetscReal *top;       /* n: index of each entry's top bin, MS_BINNED_EMPTY or MS_BINNED_SENTINEL */
  PetscReal *bins;      /* n * MS_BINNED_BINS, entry-major: bins[MS_BINNED_BINS j + k] is bin top-k */
  PetscReal *unit, *inv; /* n_grid: u_i and 1/u_i, or 0 where either is not a normal double */
};

/*@C
  MSBinnedSumCreate - an accumulator of n exactly reproducible sums

  Not Collective

  Input Parameters:
+ n         - number of entries
- max_terms - the most terms any entry will receive, over all ranks together (sets the bin width)

  Output Parameter:
. s - the accumulator, zeroed

  Notes:
  The result of each entry is bitwise independent of the order of its terms and of how they are
  split between accumulators (ranks) that are merged with `MSBinnedSumAlign()` and an exact
  addition of the bins (`MSBinnedSumAllreduce()`, or a scatter/reduction with `MPI_SUM`), provided
  every accumulator is created with the same `max_terms`. With `max_terms` up to 2^20 the
  result keeps at least 64 bits below the largest term's, more than the rounding of a plain sum.

  Level: developer

.seealso: `MSBinnedSumAdd()`, `MSBinnedSumAllreduce()`, `MSBinnedSumValues()`
@*/
PetscErrorCode MSBinnedSumCreate(PetscInt n, PetscInt max_terms, MSBinnedSum *s)
{
  MSBinnedSum b;
  PetscInt    bits = 0;

  PetscFunctionBegin;
  PetscCheck(n >= 0, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "MSBinnedSumCreate: negative length %" PetscInt_FMT, n);
  PetscCheck(max_terms >= 1, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "MSBinnedSumCreate: max_terms %" PetscInt_FMT " must be at least 1", max_terms);
  while (bits < 62 && ((PetscInt64)1 << bits) < (PetscInt64)max_terms) bits++;
  PetscCheck(52 - bits >= MS_BINNED_MIN_WIDTH, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "MSBinnedSumCreate: %" PetscInt_FMT " terms per entry is more than a binned sum holds exactly (2^36)", max_terms);
  PetscCall(PetscNew(&b));
  b->n      = n;
  b->width  = PetscMin(52 - bits, MS_BINNED_MAX_WIDTH);
  b->n_grid = (1024 - MS_BINNED_EMIN) / b->width + 1;
  PetscCall(PetscMalloc4(n, &b->top, n * MS_BINNED_BINS, &b->bins, b->n_grid, &b->unit, b->n_grid, &b->inv));
  for (PetscInt i = 0; i < b->n_grid; i++) {
    int e = (int)(i * b->width + MS_BINNED_EMIN);

    b->unit[i] = ldexp(1.0, e);
    b->inv[i]  = ldexp(1.0, -e);
    if (!isnormal(b->unit[i]) || !isnormal(b->inv[i])) b->unit[i] = b->inv[i] = 0.0;
  }
  for (int e = MS_BINNED_EMIN; e <= 1024; e++) b->top_of_exponent[e - MS_BINNED_EMIN] = (int16_t)((e - MS_BINNED_EMIN) / b->width);
  PetscCall(MSBinnedSumZero(b));
  *s = b;
  PetscFunctionReturn(0);
}

/*@C
  MSBinnedSumDestroy - frees an accumulator

  Not Collective

  Input Parameter:
. s - the accumulator

  Level: developer
@*/
PetscErrorCode MSBinnedSumDestroy(MSBinnedSum *s)
{
  PetscFunctionBegin;
  if (!*s) PetscFunctionReturn(0);
  PetscCall(PetscFree4((*s)->top, (*s)->bins, (*s)->unit, (*s)->inv));
  PetscCall(PetscFree(*s));
  PetscFunctionReturn(0);
}

/*@C
  MSBinnedSumZero - empties every entry

  Not Collective

  Input Parameter:
. s - the accumulator

  Level: developer
@*/
PetscErrorCode MSBinnedSumZero(MSBinnedSum s)
{
  PetscFunctionBegin;
  for (PetscInt j = 0; j < s->n; j++) s->top[j] = MS_BINNED_EMPTY;
  PetscCall(PetscArrayzero(s->bins, s->n * MS_BINNED_BINS));
  PetscFunctionReturn(0);
}

/* Moves entry j's bins down so that its top becomes t (>= its current top). */
static inline void MSBinnedShift(PetscReal *bins, PetscReal *top, PetscReal t)
{
  PetscInt shift;

  if (t <= *top) return;
  if (*top == MS_BINNED_EMPTY || t == MS_BINNED_SENTINEL) shift = MS_BINNED_BINS;
  else shift = (PetscInt)(t - *top);
  for (PetscInt k = MS_BINNED_BINS - 1; k >= 0; k--) bins[k] = k >= shift ? bins[k - shift] : 0.0;
  *top = t;
}

/* The slice of x in bin i: x truncated to a multiple of u_i (exact; x * 1/u_i is a power-of-two
   scaling). At the ends of the exponent range, where u_i or 1/u_i is not a normal double, the
   scaling goes through ldexp. */
static inline PetscReal MSBinnedSlice(MSBinnedSum s, PetscReal x, PetscInt i)
{
  int e = (int)(i * s->width + MS_BINNED_EMIN);

  if (s->inv[i] != 0.0) return (PetscReal)(int64_t)(x * s->inv[i]) * s->unit[i]; /* |x / u_i| < 2^48: the cast truncates exactly */
  return ldexp(trunc(ldexp(x, -e)), e);
}

/* Adds the term x to one entry: its slices in the entry's bins from x's own top bin down (the
   bins above it would get zeros; a term whose top is below the entry's kept bins adds nothing). */
static inline void MSBinnedAddOne(MSBinnedSum s, PetscReal *bins, PetscReal *top, PetscReal x)
{
  PetscInt i, t;
  uint64_t bits;
  int      e;

  if (x == 0.0) return;
  memcpy(&bits, &x, sizeof(bits));
  e = (int)((bits >> 52) & 0x7ff);
  if (e == 0x7ff) { /* NaN or Inf */
    MSBinnedShift(bins, top, MS_BINNED_SENTINEL);
    bins[0] += x;
    return;
  }
  if (*top == MS_BINNED_SENTINEL) return;
  if (e) e -= 1022; /* a normal x: |x| < 2^e */
  else (void)frexp(x, &e);
  i = s->top_of_exponent[e - MS_BINNED_EMIN];
  if ((PetscReal)i > *top) MSBinnedShift(bins, top, (PetscReal)i);
  t = (PetscInt)*top;
  for (PetscInt k = t - i; k < MS_BINNED_BINS && t - k >= 0; k++) {
    PetscReal slice = MSBinnedSlice(s, x, t - k);

    bins[k] += slice;
    x -= slice;
  }
}

/*@C
  MSBinnedSumAdd - adds terms to entries: entry idx[i] (or i, with idx NULL) receives x[i]

  Not Collective

  Input Parameters:
+ s   - the accumulator
. n   - number of terms
. idx - entry of each term, or NULL for entries 0..n-1
- x   - the terms

  Level: developer
@*/
PetscErrorCode MSBinnedSumAdd(MSBinnedSum s, PetscInt n, const PetscInt idx[], const PetscReal x[])
{
  PetscFunctionBegin;
  for (PetscInt i = 0; i < n; i++) {
    PetscInt j = idx ? idx[i] : i;

    PetscCheck(j >= 0 && j < s->n, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "MSBinnedSumAdd: entry %" PetscInt_FMT " outside [0, %" PetscInt_FMT ")", j, s->n);
    MSBinnedAddOne(s, s->bins + MS_BINNED_BINS * j, s->top + j, x[i]);
  }
  PetscFunctionReturn(0);
}

/*@C
  MSBinnedSumAddSubset - adds the entries idx[] of a full-length array: entry idx[i] receives x[idx[i]]

  Not Collective

  Input Parameters:
+ s   - the accumulator
. n   - number of entries
. idx - the entries (e.g. the support of one term, where x is non-zero)
- x   - an array of the accumulator's length

  Level: developer

.seealso: `MSBinnedSumAdd()`
@*/
PetscErrorCode MSBinnedSumAddSubset(MSBinnedSum s, PetscInt n, const PetscInt idx[], const PetscReal x[])
{
  PetscFunctionBegin;
  for (PetscInt i = 0; i < n; i++) {
    const PetscInt j = idx[i];

    PetscCheck(j >= 0 && j < s->n, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "MSBinnedSumAddSubset: entry %" PetscInt_FMT " outside [0, %" PetscInt_FMT ")", j, s->n);
    MSBinnedAddOne(s, s->bins + MS_BINNED_BINS * j, s->top + j, x[j]);
  }
  PetscFunctionReturn(0);
}

/*@C
  MSBinnedSumGetArrays - the accumulator's storage, for communication

  Not Collective

  Input Parameter:
. s - the accumulator

  Output Parameters:
+ top  - length n: each entry's top bin index (or NULL if not wanted)
- bins - length n * MS_BINNED_BINS, entry-major (or NULL if not wanted)

  Notes:
  To merge accumulators over ranks: reduce `top` with MPI_MAX, `MSBinnedSumAlign()` each to the
  result, then add `bins` with MPI_SUM (every addition is exact, so any order gives the same bits).

  Level: developer
@*/
PetscErrorCode MSBinnedSumGetArrays(MSBinnedSum s, PetscReal **top, PetscReal **bins)
{
  PetscFunctionBegin;
  if (top) *top = s->top;
  if (bins) *bins = s->bins;
  PetscFunctionReturn(0);
}

/*@C
  MSBinnedSumAlign - moves every entry to a common top, before bins are added across accumulators

  Not Collective

  Input Parameters:
+ s   - the accumulator
- top - the maximum of the entries' tops over every accumulator being merged

  Level: developer
@*/
PetscErrorCode MSBinnedSumAlign(MSBinnedSum s, const PetscReal top[])
{
  PetscFunctionBegin;
  for (PetscInt j = 0; j < s->n; j++) {
    PetscCheck(top[j] >= s->top[j], PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "MSBinnedSumAlign: top %g of entry %" PetscInt_FMT " is below the entry's own %g", (double)top[j], j, (double)s->top[j]);
    MSBinnedShift(s->bins + MS_BINNED_BINS * j, s->top + j, top[j]);
  }
  PetscFunctionReturn(0);
}

/*@C
  MSBinnedSumValues - the values of n entries from their (merged) bins

  Not Collective

  Input Parameters:
+ n    - number of entries
- bins - their bins, entry-major (n * MS_BINNED_BINS)

  Output Parameter:
. values - the sums

  Level: developer
@*/
PetscErrorCode MSBinnedSumValues(PetscInt n, const PetscReal bins[], PetscReal values[])
{
  PetscFunctionBegin;
  for (PetscInt j = 0; j < n; j++) {
    const PetscReal *b = bins + MS_BINNED_BINS * j;
    PetscReal        v = 0.0;

    for (PetscInt k = MS_BINNED_BINS - 1; k >= 0; k--) v += b[k];
    values[j] = v;
  }
  PetscFunctionReturn(0);
}

/*@C
  MSBinnedSumAllreduce - merges the accumulators of every rank of comm; each rank then holds the total

  Collective

  Input Parameters:
+ s    - the accumulator (same length and max_terms on every rank)
- comm - the communicator

  Level: developer
@*/
PetscErrorCode MSBinnedSumAllreduce(MSBinnedSum s, MPI_Comm comm)
{
  PetscReal *top;

  PetscFunctionBegin;
  PetscCall(PetscMalloc1(s->n, &top));
  PetscCallMPI(MPI_Allreduce(s->top, top, (PetscMPIInt)s->n, MPIU_REAL, MPI_MAX, comm));
  PetscCall(MSBinnedSumAlign(s, top));
  PetscCall(PetscFree(top));
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, s->bins, (PetscMPIInt)(s->n * MS_BINNED_BINS), MPIU_REAL, MPI_SUM, comm));
  PetscFunctionReturn(0);
}
