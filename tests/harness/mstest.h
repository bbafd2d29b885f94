/* The Check + MPI test harness: each suite file defines ms_test_suite(); harness/main.c runs it
   on every rank without forking. After every test the ranks agree whether a check failed on any
   of them; a rank whose check failed while the others still wait in a collective it left aborts
   the job with a message, so a failure on one rank never hangs the others. */
#ifndef METASIM_TEST_H
#define METASIM_TEST_H

#include <check.h>
#include <metasim.h>

Suite *ms_test_suite(void);

extern PetscMPIInt ms_test_rank, ms_test_size;
/* the test program's command line (data paths come from here or from MS_TEST_DATA_DIR) */
extern int    ms_test_argc;
extern char **ms_test_argv;

/* Every test case gets the harness's per-test agreement, and every failed check is noted by the
   harness before Check sees it: both redirections apply to the suite files, not to the harness. */
TCase *ms_test_tcase_create(const char *name);
void   ms_test_check_failed(const char *file, int line, const char *expr, const char *msg, ...) CK_ATTRIBUTE_NORETURN CK_ATTRIBUTE_FORMAT(printf, 4, 5);
#ifndef MS_TEST_HARNESS
  #define tcase_create      ms_test_tcase_create
  #define _ck_assert_failed ms_test_check_failed
#endif

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
