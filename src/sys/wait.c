/* Waiting for MPI without taking a core from the work that is still running. */
#define _POSIX_C_SOURCE 200809L /* nanosleep */
#include <time.h>
#include <metasim/sys.h>

const char *const MSWaitModes[] = {"quiet", "spin", "MSWaitMode", "MS_WAIT_", NULL};

/* The quiet wait: polls for this long as a spinning wait would, then sleeps between polls from
   MS_WAIT_SLEEP_MIN_NS, doubling up to MS_WAIT_SLEEP_MAX_NS. */
#define MS_WAIT_SPIN_NS      50000
#define MS_WAIT_SLEEP_MIN_NS 1000
#define MS_WAIT_SLEEP_MAX_NS 200000

static double MSWaitNow(void)
{
  struct timespec ts;

  clock_gettime(CLOCK_MONOTONIC, &ts);
  return 1e9 * (double)ts.tv_sec + (double)ts.tv_nsec;
}

/*@C
  MSWait - waits for an MPI request to complete, busy-polling or quietly

  Not collective

  Input Parameters:
+ mode - `MS_WAIT_SPIN` (`MPI_Wait()`: lowest latency, takes a core while it waits) or
         `MS_WAIT_QUIET` (the default of the objects that use it)
- req  - the request, `MPI_REQUEST_NULL` on return

  Notes:
  A quiet wait polls with `MPI_Test()` for 50 us, as fast as a spinning wait for short waits, and
  then sleeps between polls (1 us doubling up to 200 us), so a rank that waits long for the others
  (a rank whose share of the work is done, a rank waiting for one that shares its core with another
  program) leaves its core to them. `mpi_yield_when_idle` does not do this: a yielding rank still
  takes its core from processes on other cores' run queues, which the scheduler only moves to an
  idle core.

  Level: developer

.seealso: `MSWaitMode`, `MSMetaSetWaitMode()`
@*/
PetscErrorCode MSWait(MSWaitMode mode, MPI_Request *req)
{
  double start;
  long   pause = MS_WAIT_SLEEP_MIN_NS;
  int    done  = 0;

  PetscFunctionBegin;
  if (mode == MS_WAIT_SPIN) {
    PetscCallMPI(MPI_Wait(req, MPI_STATUS_IGNORE));
    PetscFunctionReturn(0);
  }
  start = MSWaitNow();
  for (;;) {
    PetscCallMPI(MPI_Test(req, &done, MPI_STATUS_IGNORE));
    if (done) break;
    if (MSWaitNow() - start > MS_WAIT_SPIN_NS) {
      struct timespec ts = {0, pause};

      nanosleep(&ts, NULL);
      pause = PetscMin(2 * pause, MS_WAIT_SLEEP_MAX_NS);
    }
  }
  PetscFunctionReturn(0);
}
