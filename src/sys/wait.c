/* Waiting for MPI without taking a core from the work that is still running. */
#define _POSIX_C_SOURCE 200809L /* nanosleep */
#include <time.h>
#include <metasim/sys.h>

const char *const MSWaitModes[] = {"quiet", "spin", "MSWaitMode", "MS_WAIT_", NULL};

/* How long a quiet wait of MSMeta polls before it sleeps: a wait this short costs nothing extra */
#define MS_WAIT_SPIN_SECONDS 50e-6

/*@C
  MSWaitPause - sleeps between two polls of a loop that waits for something to arrive

  Not collective

  Input/Output Parameter:
. ns - the pause in nanoseconds: start it at `MS_WAIT_PAUSE_MIN_NS` and set it back there when
       something arrived; each call sleeps that long and doubles it, up to `MS_WAIT_PAUSE_MAX_NS`

  Notes:
  A waiting loop that pauses this way answers within about 0.2 ms and, while nothing arrives,
  leaves its core to the work still running (other ranks, other programs on a shared machine).

  Level: developer

.seealso: `MSWaitQuiet()`, `MSWait()`
@*/
void MSWaitPause(long *ns)
{
  struct timespec ts = {0, *ns};

  nanosleep(&ts, NULL);
  *ns = PetscMin(2 * *ns, MS_WAIT_PAUSE_MAX_NS);
}

/*@C
  MSWaitQuiet - waits for an MPI request: tests it in a loop for a while, then sleeps between tests

  Not collective

  Input Parameters:
+ req  - the request, `MPI_REQUEST_NULL` on return
- spin - seconds to test without sleeping first (0: sleep from the first test on)

  Notes:
  A short spin keeps short waits as fast as `MPI_Wait()`; after it the pauses of `MSWaitPause()`
  leave the core to others. `mpi_yield_when_idle` does not do this: a yielding rank still holds its
  core against processes queued on other cores, which the scheduler moves only to an idle core.

  Level: developer

.seealso: `MSWait()`, `MSWaitPause()`
@*/
PetscErrorCode MSWaitQuiet(MPI_Request *req, PetscReal spin)
{
  long   pause = MS_WAIT_PAUSE_MIN_NS;
  double until = spin > 0 ? MPI_Wtime() + (double)spin : 0;
  int    done  = 0;

  PetscFunctionBegin;
  for (;;) {
    PetscCallMPI(MPI_Test(req, &done, MPI_STATUS_IGNORE));
    if (done) break;
    if (!until || MPI_Wtime() > until) MSWaitPause(&pause);
  }
  PetscFunctionReturn(0);
}

/*@C
  MSWait - waits for an MPI request to complete, busy-polling or quietly

  Not collective

  Input Parameters:
+ mode - `MS_WAIT_SPIN` (`MPI_Wait()`: lowest latency, takes a core while it waits) or
         `MS_WAIT_QUIET` (the default of the objects that use it)
- req  - the request, `MPI_REQUEST_NULL` on return

  Notes:
  A quiet wait is `MSWaitQuiet()` with a 50 us spin: as fast as a spinning wait for short waits,
  then asleep between tests (1 us doubling up to 200 us), so a rank that waits long for the others
  (its share of the work done, or waiting for a rank that shares its core with another program)
  leaves its core to them.

  Level: developer

.seealso: `MSWaitMode`, `MSMetaSetWaitMode()`, `MSWaitQuiet()`
@*/
PetscErrorCode MSWait(MSWaitMode mode, MPI_Request *req)
{
  PetscFunctionBegin;
  if (mode == MS_WAIT_SPIN) PetscCallMPI(MPI_Wait(req, MPI_STATUS_IGNORE));
  else PetscCall(MSWaitQuiet(req, MS_WAIT_SPIN_SECONDS));
  PetscFunctionReturn(0);
}
