/* MSBinnedSum: bitwise the same sum for any order and any split of the terms over accumulators
   and ranks; exact where the exact sum is representable; IEEE behaviour for NaN and Inf. */
#include "mstest.h"
#include <metasim/binnedsum.h>
#include <math.h>

#define N_TERMS 2000

/* Terms over 40 decades with both signs and heavy cancellation; deterministic. */
static void fill_terms(PetscReal x[], PetscInt n, unsigned seed)
{
  unsigned s = seed;

  for (PetscInt i = 0; i < n; i++) {
    s        = s * 1664525u + 1013904223u;
    double u = (double)(s >> 8) / 16777216.0;
    s        = s * 1664525u + 1013904223u;
    int e    = (int)(s >> 26) - 20; /* exponents -20..43 */
    x[i]     = ldexp(u + 0.5, e) * ((s & 1u) ? -1.0 : 1.0);
  }
}

/* The binned sum of x[perm[0..n-1]] into one entry, added in chunks of `chunk` accumulators merged
   by Align and exact addition. */
static PetscErrorCode binned_sum(const PetscReal x[], const PetscInt perm[], PetscInt n, PetscInt chunk, PetscReal *v)
{
  MSBinnedSum total, part;
  PetscReal  *ttop, *tbins, *ptop, *pbins;

  PetscFunctionBegin;
  PetscCall(MSBinnedSumCreate(1, n, &total));
  PetscCall(MSBinnedSumCreate(1, n, &part));
  PetscCall(MSBinnedSumGetArrays(total, &ttop, &tbins));
  PetscCall(MSBinnedSumGetArrays(part, &ptop, &pbins));
  for (PetscInt start = 0; start < n; start += chunk) {
    PetscReal top;

    PetscCall(MSBinnedSumZero(part));
    for (PetscInt i = start; i < PetscMin(n, start + chunk); i++) PetscCall(MSBinnedSumAdd(part, 1, NULL, &x[perm[i]]));
    top = PetscMax(ttop[0], ptop[0]);
    PetscCall(MSBinnedSumAlign(total, &top));
    PetscCall(MSBinnedSumAlign(part, &top));
    for (PetscInt k = 0; k < MS_BINNED_BINS; k++) tbins[k] += pbins[k];
  }
  PetscCall(MSBinnedSumValues(1, tbins, v));
  PetscCall(MSBinnedSumDestroy(&part));
  PetscCall(MSBinnedSumDestroy(&total));
  PetscFunctionReturn(0);
}

START_TEST(order_and_grouping_do_not_show)
{
  PetscReal x[N_TERMS], ref, v, plain_fwd = 0, plain_rev = 0;
  PetscInt  perm[N_TERMS];
  unsigned  s = 7;

  fill_terms(x, N_TERMS, 1);
  for (PetscInt i = 0; i < N_TERMS; i++) perm[i] = i;
  MSCK(binned_sum(x, perm, N_TERMS, N_TERMS, &ref));
  for (PetscInt i = 0; i < N_TERMS; i++) plain_fwd += x[i];
  for (PetscInt i = N_TERMS - 1; i >= 0; i--) plain_rev += x[i];
  ck_assert_msg(plain_fwd != plain_rev, "the terms must be hard enough that plain sums depend on order");
  for (int trial = 0; trial < 20; trial++) {
    for (PetscInt i = N_TERMS - 1; i > 0; i--) { /* Fisher-Yates with a fixed LCG */
      PetscInt j, t;

      s       = s * 1664525u + 1013904223u;
      j       = (PetscInt)(s % (unsigned)(i + 1));
      t       = perm[i];
      perm[i] = perm[j];
      perm[j] = t;
    }
    MSCK(binned_sum(x, perm, N_TERMS, 1 + trial * 97 % N_TERMS, &v));
    ck_assert_msg(memcmp(&v, &ref, sizeof(v)) == 0, "trial %d: %.17g differs from %.17g", trial, v, ref);
  }
}
END_TEST

/* Pairs that cancel exactly plus one value: the binned sum returns the value exactly, also where
   a plain sum overflows or loses it entirely. */
START_TEST(exact_where_representable)
{
  PetscReal x[2 * N_TERMS + 1], v;
  PetscInt  perm[2 * N_TERMS + 1];

  fill_terms(x, N_TERMS, 3);
  for (PetscInt i = 0; i < N_TERMS; i++) x[N_TERMS + i] = -x[i];
  x[2 * N_TERMS] = 0.1; /* 2^-60 of the largest term is far below it */
  for (PetscInt i = 0; i <= 2 * N_TERMS; i++) perm[i] = i;
  MSCK(binned_sum(x, perm, 2 * N_TERMS + 1, 333, &v));
  ck_assert_msg(v == 0.1, "sum %.17g, expected 0.1", v);
  {
    const PetscReal big[3]   = {1e300, 1e283, -1e300}; /* a plain sum loses 1e283 */
    const PetscInt  order[3] = {0, 1, 2};

    ck_assert(big[0] + big[1] + big[2] == 0.0);
    MSCK(binned_sum(big, order, 3, 3, &v));
    ck_assert_msg(fabs(v - 1e283) <= ldexp(1e300, -64), "huge terms: %.17g, expected 1e283 within 2^-64 of 1e300", v);
  }
  {
    const PetscReal tiny[3] = {4.9e-324, 4.9e-324, 1e-310};
    const PetscInt  order[3] = {2, 0, 1};

    MSCK(binned_sum(tiny, order, 3, 1, &v));
    ck_assert_msg(v == 1e-310 + 2 * 4.9e-324, "subnormal terms: %.17g", v);
  }
}
END_TEST

START_TEST(non_finite_terms)
{
  const PetscReal inf = INFINITY;
  PetscReal       v;
  const PetscInt  order[3] = {0, 1, 2};
  const PetscReal a[3] = {1.0, inf, 2.0}, b[3] = {inf, 1.0, -inf}, c[3] = {NAN, 1.0, 2.0};

  MSCK(binned_sum(a, order, 3, 1, &v));
  ck_assert(isinf(v) && v > 0);
  MSCK(binned_sum(b, order, 3, 2, &v));
  ck_assert(isnan(v));
  MSCK(binned_sum(c, order, 3, 3, &v));
  ck_assert(isnan(v));
}
END_TEST

/* Each rank adds a different share of the same terms (round robin, so shares interleave), in
   reverse order; MSBinnedSumAllreduce gives every rank the one-accumulator bits. */
START_TEST(allreduce_matches_one_rank)
{
  PetscReal   x[N_TERMS], v[2], *bins;
  PetscInt    perm[N_TERMS], idx[N_TERMS];
  MSBinnedSum s;
  PetscInt    n = 0;

  fill_terms(x, N_TERMS, 5);
  MSCK(MSBinnedSumCreate(2, N_TERMS, &s));
  for (PetscInt i = N_TERMS - 1; i >= 0; i--) {
    if (i % ms_test_size != ms_test_rank) continue;
    idx[n]  = i % 2 ? 1 : 0;
    perm[n] = i;
    n++;
  }
  for (PetscInt i = 0; i < n; i++) MSCK(MSBinnedSumAdd(s, 1, &idx[i], &x[perm[i]]));
  for (PetscInt i = 0; i < n; i++) MSCK(MSBinnedSumAdd(s, 1, &idx[i], &x[perm[i]])); /* twice: entry sums are 2 * odd or even parts */
  MSCK(MSBinnedSumAllreduce(s, PETSC_COMM_WORLD));
  MSCK(MSBinnedSumGetArrays(s, NULL, &bins));
  MSCK(MSBinnedSumValues(2, bins, v));
  {
    PetscReal even_odd[2], xe[N_TERMS], xo[N_TERMS];
    PetscInt  ne = 0, no = 0, pe[2 * N_TERMS], po[2 * N_TERMS];

    for (PetscInt i = 0; i < N_TERMS; i++) {
      if (i % 2) xo[no++] = x[i];
      else xe[ne++] = x[i];
    }
    for (PetscInt i = 0; i < 2 * ne; i++) pe[i] = i % ne;
    for (PetscInt i = 0; i < 2 * no; i++) po[i] = i % no;
    MSCK(binned_sum(xe, pe, 2 * ne, 2 * ne, &even_odd[0]));
    MSCK(binned_sum(xo, po, 2 * no, 2 * no, &even_odd[1]));
    ck_assert_msg(memcmp(v, even_odd, sizeof(v)) == 0, "allreduce over %d ranks: %.17g %.17g, one accumulator %.17g %.17g", ms_test_size, v[0], v[1], even_odd[0], even_odd[1]);
  }
  MSCK(MSBinnedSumDestroy(&s));
}
END_TEST

START_TEST(bad_arguments)
{
  MSBinnedSum s;
  PetscReal   one = 1.0;
  PetscInt    out = 3;

  MSCK_FAILS(MSBinnedSumCreate(2, 0, &s), PETSC_ERR_ARG_OUTOFRANGE);
  MSCK(MSBinnedSumCreate(2, PETSC_MAX_INT, &s)); /* the widest count still sums exactly */
  MSCK(MSBinnedSumDestroy(&s));
  MSCK(MSBinnedSumCreate(2, 10, &s));
  MSCK_FAILS(MSBinnedSumAdd(s, 1, &out, &one), PETSC_ERR_ARG_OUTOFRANGE);
  MSCK(MSBinnedSumDestroy(&s));
}
END_TEST

Suite *ms_test_suite(void)
{
  Suite *s  = suite_create("MSBinnedSum");
  TCase *tc = tcase_create("binnedsum");

  tcase_add_test(tc, order_and_grouping_do_not_show);
  tcase_add_test(tc, exact_where_representable);
  tcase_add_test(tc, non_finite_terms);
  tcase_add_test(tc, allreduce_matches_one_rank);
  tcase_add_test(tc, bad_arguments);
  suite_add_tcase(s, tc);
  return s;
}
