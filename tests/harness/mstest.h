/* The Check + MPI test harness: each suite file defines ms_test_suite(); harness/main.c runs it
   on every rank without forking and agrees on the result. */
#ifndef METASIM_TEST_H
#define METASIM_TEST_H

#include <check.h>
#include <metasim.h>

Suite *ms_test_suite(void);

extern PetscMPIInt ms_test_rank, ms_test_size;

/* Asserts that a PETSc-style call succeeded. */
#define MSCK(call) \
  do { \
    PetscErrorCode ms_ck_ierr_ = (call); \
    ck_assert_msg(ms_ck_ierr_ == 0, "%s returned error %d", #call, (int)ms_ck_ierr_); \
  } while (0)

/* Asserts that a call fails, with the given PETSc error code, without printing a traceback. */
#define MSCK_FAILS(call, code) \
  do { \
    PetscErrorCode ms_ck_ierr_; \
    PetscPushErrorHandler(PetscReturnErrorHandler, NULL); \
    ms_ck_ierr_ = (call); \
    PetscPopErrorHandler(); \
    ck_assert_msg(ms_ck_ierr_ == (code), "%s returned %d, expected error %d", #call, (int)ms_ck_ierr_, (int)(code)); \
  } while (0)

/* |a - b| <= tol * max(|a|, |b|, 1e-300) */
#define MSCK_REL_CLOSE(a, b, tol) \
  do { \
    double ms_a_ = (double)(a), ms_b_ = (double)(b); \
    double ms_s_ = fmax(fmax(fabs(ms_a_), fabs(ms_b_)), 1e-300); \
    ck_assert_msg(fabs(ms_a_ - ms_b_) <= (tol) * ms_s_, "%s = %.17g and %s = %.17g differ by %.3e relative (tol %.1e)", #a, ms_a_, #b, ms_b_, fabs(ms_a_ - ms_b_) / ms_s_, (double)(tol)); \
  } while (0)

/* max_i |x_i - y_i| / max_i |y_i| over two vectors with the same layout */
PetscErrorCode ms_test_vec_rel_diff(Vec x, Vec y, PetscReal *rel);
/* Fills a vector with values that depend only on the global index and seed, not on the layout. */
PetscErrorCode ms_test_vec_fill(Vec v, PetscInt seed);

#endif
