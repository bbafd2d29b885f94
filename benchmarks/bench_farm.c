/* MSFarm overhead and parallel efficiency against synthetic task duration. Tasks spin for an
   exact wall-clock time, so the ideal time on P ranks is n us / P: overhead per task is
   (P T - n us) / n and efficiency n us / (P T). The plain serial loop of the same tasks is timed
   in the same run as the baseline. Prints one JSON object per line.
   usage: mpiexec -n P bench_farm [-farm_schedule dynamic] [-farm_chunk c] [-work 0.2] */
#define _POSIX_C_SOURCE 200809L /* clock_gettime */
#include <time.h>
#include <metasim.h>

static double Now(void)
{
  struct timespec ts;

  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Busy work for the given microseconds (what a compute-bound task does to a core). */
static void Spin(double us)
{
  double end = Now() + 1e-6 * us;

  while (Now() < end) {}
}

static PetscErrorCode SpinTask(MSFarmTask *task, PetscScalar *out, void *ctx)
{
  PetscFunctionBegin;
  Spin(*(double *)ctx);
  out[0] = (PetscScalar)task->index;
  PetscFunctionReturn(0);
}

/* Seconds for one map of n tasks of us microseconds, all ranks, results on rank 0. */
static PetscErrorCode TimeMap(PetscInt n, double us, double *seconds)
{
  MSFarm       farm;
  PetscScalar *res;
  double       t0;

  PetscFunctionBegin;
  PetscCall(PetscMalloc1(n, &res));
  PetscCall(MSFarmCreate(PETSC_COMM_WORLD, &farm));
  PetscCall(MSFarmSetTasks(farm, n, 1));
  PetscCall(MSFarmSetFromOptions(farm));
  PetscCallMPI(MPI_Barrier(PETSC_COMM_WORLD));
  t0 = MPI_Wtime();
  PetscCall(MSFarmMap(farm, SpinTask, &us, MS_FARM_RESULTS_ROOT, res));
  *seconds = MPI_Wtime() - t0;
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, seconds, 1, MPI_DOUBLE, MPI_MAX, PETSC_COMM_WORLD));
  PetscCall(MSFarmDestroy(&farm));
  PetscCall(PetscFree(res));
  PetscFunctionReturn(0);
}

/* The baseline: the same tasks in a plain loop on one rank. */
static double TimeLoop(PetscInt n, double us)
{
  volatile double sink = 0;
  double          t0   = Now();

  for (PetscInt k = 0; k < n; k++) {
    Spin(us);
    sink += (double)k;
  }
  (void)sink;
  return Now() - t0;
}

static PetscErrorCode Report(const char *kind, PetscMPIInt size, double us, PetscInt n, double farm_s, double loop_s)
{
  PetscFunctionBegin;
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "{\"bench\": \"farm\", \"kind\": \"%s\", \"impl\": \"MSFarm\", \"ranks\": %d, \"task_us\": %.1f, \"n_tasks\": %" PetscInt_FMT ", \"seconds\": %.6e, \"serial_seconds\": %.6e, \"overhead_us_per_task\": %.4f, \"efficiency\": %.4f}\n", kind, (int)size, us, n, farm_s, loop_s,
                        1e6 * farm_s * size / (double)n - us, 1e-6 * us * (double)n / (size * farm_s)));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  const double durations[] = {1, 10, 50, 100, 1000, 10000};
  const PetscInt counts[]   = {1, 10, 100, 1000, 10000, 100000};
  PetscReal      work       = 0.2; /* seconds of serial work per measurement */
  PetscMPIInt    rank, size;

  PetscCall(PetscInitialize(&argc, &argv, NULL, "MSFarm overhead and efficiency benchmark"));
  PetscCallMPI(MPI_Comm_rank(PETSC_COMM_WORLD, &rank));
  PetscCallMPI(MPI_Comm_size(PETSC_COMM_WORLD, &size));
  PetscCall(PetscOptionsGetReal(NULL, NULL, "-work", &work, NULL));
  /* overhead and efficiency against task duration */
  for (size_t d = 0; d < sizeof(durations) / sizeof(durations[0]); d++) {
    PetscInt n = (PetscInt)PetscMax(20 * size, work / (1e-6 * durations[d]));
    double   farm_s, loop_s = 0;

    PetscCall(TimeMap(n, durations[d], &farm_s));
    if (rank == 0) loop_s = TimeLoop(n, durations[d]);
    PetscCallMPI(MPI_Bcast(&loop_s, 1, MPI_DOUBLE, 0, PETSC_COMM_WORLD));
    PetscCall(Report("duration", size, durations[d], n, farm_s, loop_s));
  }
  /* time against number of tasks for 10 us tasks: where parallel starts to win */
  for (size_t c = 0; c < sizeof(counts) / sizeof(counts[0]); c++) {
    double farm_s, loop_s = 0;

    PetscCall(TimeMap(counts[c], 10, &farm_s));
    if (rank == 0) loop_s = TimeLoop(counts[c], 10);
    PetscCallMPI(MPI_Bcast(&loop_s, 1, MPI_DOUBLE, 0, PETSC_COMM_WORLD));
    PetscCall(Report("count", size, 10, counts[c], farm_s, loop_s));
  }
  PetscCall(PetscFinalize());
  return 0;
}
