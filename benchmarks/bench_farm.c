/* MSFarm overhead and parallel efficiency against synthetic task duration. Tasks spin for an
   exact wall-clock time, so the ideal time on P ranks is n us / P: overhead per task is
   (P T - n us) / n and efficiency n us / (P T). The plain serial loop of the same tasks is timed
   in the same run as the baseline. Prints one JSON object per line.
   With -mixed: one sweep of -mixed_n tasks that sleep 20 ms, every 100th (task 0 first) 1 s, so
   a rank that takes a long task is busy while the others go on (chunk 1 unless -farm_chunk).
   Efficiency is the total task time over P T (sleeping tasks: it measures the schedule, not how
   many cores the ranks share); bound_seconds is the time of the ideal dynamic schedule: pieces
   handed in order to the first free worker at no cost (P workers, P - 1 with -farm_counter server).
   With -task_us LIST only those durations are timed (no count series); with -spin cpu a task
   spins for its duration of its own processor time instead of wall-clock time, so a task whose
   rank shares a core takes longer, as real work does (the contention benchmark uses it).
   usage: mpiexec -n P bench_farm [-farm_schedule dynamic] [-farm_chunk c] [-farm_counter auto]
                                  [-work 0.2] [-task_us 50,1000] [-spin wall|cpu] [-mixed [-mixed_n 600]] */
#define _POSIX_C_SOURCE 200809L /* clock_gettime, nanosleep */
#include <string.h>
#include <time.h>
#include <metasim.h>
#include "benchhelp.h"

static const char usage[] = "MSFarm overhead and parallel efficiency against task duration (JSON lines)\n"
                            "usage: mpiexec -n P bench_farm [-farm_schedule dynamic] [-farm_chunk c] [-farm_counter auto]\n"
                            "                               [-work 0.2] [-task_us 50,1000] [-spin wall|cpu] [-mixed [-mixed_n 600]]\n"
                            "  -task_us: time only these task durations (microseconds), no count series\n"
                            "  -spin cpu: a task spins for its duration of processor time (default: wall-clock time)\n"
                            "  -mixed: 20 ms tasks with every 100th 1 s, efficiency against the ideal dynamic schedule\n";

#define MIXED_SHORT_S 0.02
#define MIXED_LONG_S  1.0

static double Clock(clockid_t id)
{
  struct timespec ts;

  clock_gettime(id, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static double Now(void)
{
  return Clock(CLOCK_MONOTONIC);
}

/* The clock a task spins on: wall-clock time, or the processor time of the calling thread. */
static clockid_t spin_clock = CLOCK_MONOTONIC;

/* Busy work for the given microseconds (what a compute-bound task does to a core). */
static void Spin(double us)
{
  double end = Clock(spin_clock) + 1e-6 * us;

  while (Clock(spin_clock) < end) {}
}

static PetscErrorCode SpinTask(MSFarmTask *task, PetscScalar *out, void *ctx)
{
  PetscFunctionBegin;
  Spin(*(const double *)ctx);
  out[0] = (PetscScalar)task->index;
  PetscFunctionReturn(0);
}

static double MixedSeconds(PetscInt index)
{
  return index % 100 == 0 ? MIXED_LONG_S : MIXED_SHORT_S;
}

static PetscErrorCode SleepTask(MSFarmTask *task, PetscScalar *out, void *ctx)
{
  double          s  = MixedSeconds(task->index);
  struct timespec ts = {(time_t)s, (long)(1e9 * (s - (double)(time_t)s))};

  PetscFunctionBegin;
  (void)ctx;
  nanosleep(&ts, NULL);
  out[0] = (PetscScalar)task->index;
  PetscFunctionReturn(0);
}

/* Seconds for one map of n tasks, all ranks, results on rank 0, and the processor time of all
   ranks (every thread) in it. */
static PetscErrorCode TimeMap(PetscInt n, MSFarmTaskFn fn, void *ctx, double *seconds, double *cpu_seconds, MSFarmCounter *counter)
{
  MSFarm       farm;
  PetscScalar *res;
  double       t0, c0;

  PetscFunctionBegin;
  PetscCall(PetscMalloc1(n, &res));
  PetscCall(MSFarmCreate(PETSC_COMM_WORLD, &farm));
  PetscCall(MSFarmSetTasks(farm, n, 1));
  PetscCall(MSFarmSetFromOptions(farm));
  PetscCall(MSFarmGetCounter(farm, counter));
  PetscCallMPI(MPI_Barrier(PETSC_COMM_WORLD));
  t0 = MPI_Wtime();
  c0 = Clock(CLOCK_PROCESS_CPUTIME_ID);
  PetscCall(MSFarmMap(farm, fn, ctx, MS_FARM_RESULTS_ROOT, res));
  *cpu_seconds = Clock(CLOCK_PROCESS_CPUTIME_ID) - c0;
  *seconds     = MPI_Wtime() - t0;
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, seconds, 1, MPI_DOUBLE, MPI_MAX, PETSC_COMM_WORLD));
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, cpu_seconds, 1, MPI_DOUBLE, MPI_SUM, PETSC_COMM_WORLD));
  PetscCall(MSFarmDestroy(&farm));
  PetscCall(PetscFree(res));
  PetscFunctionReturn(0);
}

/* The baseline: the same tasks in a plain loop on one rank; its processor time in *cpu. */
static double TimeLoop(PetscInt n, double us, double *cpu)
{
  volatile double sink = 0;
  double          t0 = Now(), c0 = Clock(CLOCK_PROCESS_CPUTIME_ID);

  for (PetscInt k = 0; k < n; k++) {
    Spin(us);
    sink += (double)k;
  }
  (void)sink;
  *cpu = Clock(CLOCK_PROCESS_CPUTIME_ID) - c0;
  return Now() - t0;
}

/* cpu_overhead_us_per_task: processor time of all ranks minus that of the serial loop, per task
   (less sensitive than the wall-clock figures to other jobs on a shared machine). */
static PetscErrorCode Report(const char *kind, MSFarmCounter counter, PetscMPIInt size, double us, PetscInt n, double farm_s, double loop_s, double farm_cpu, double loop_cpu)
{
  PetscFunctionBegin;
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "{\"bench\": \"farm\", \"kind\": \"%s\", \"impl\": \"MSFarm\", \"counter\": \"%s\", \"spin\": \"%s\", \"ranks\": %d, \"task_us\": %.1f, \"n_tasks\": %" PetscInt_FMT ", \"seconds\": %.6e, \"serial_seconds\": %.6e, \"overhead_us_per_task\": %.4f, \"efficiency\": %.4f, \"cpu_seconds\": %.6e, \"serial_cpu_seconds\": %.6e, \"cpu_overhead_us_per_task\": %.4f}\n", kind, MSFarmCounters[counter], spin_clock == CLOCK_MONOTONIC ? "wall" : "cpu", (int)size, us, n, farm_s, loop_s,
                        1e6 * farm_s * size / (double)n - us, 1e-6 * us * (double)n / (size * farm_s), farm_cpu, loop_cpu, 1e6 * (farm_cpu - loop_cpu) / (double)n));
  PetscFunctionReturn(0);
}

/* The ideal dynamic schedule of the mixed sweep: pieces of chunk tasks, in order, each to the
   worker that is free first, at no cost. */
static PetscErrorCode MixedBound(PetscInt n, PetscInt chunk, PetscInt workers, double *seconds)
{
  double *free_at;

  PetscFunctionBegin;
  PetscCall(PetscCalloc1(workers, &free_at));
  for (PetscInt first = 0; first < n; first += chunk) {
    PetscInt w = 0;

    for (PetscInt k = 1; k < workers; k++)
      if (free_at[k] < free_at[w]) w = k;
    for (PetscInt k = first; k < PetscMin(n, first + chunk); k++) free_at[w] += MixedSeconds(k);
  }
  *seconds = 0;
  for (PetscInt k = 0; k < workers; k++) *seconds = PetscMax(*seconds, free_at[k]);
  PetscCall(PetscFree(free_at));
  PetscFunctionReturn(0);
}

/* The mixed sweep: mean task length as task_us, the sum of the task times as serial_seconds. */
static PetscErrorCode Mixed(PetscMPIInt size)
{
  PetscInt      n = 600, chunk = 1;
  double        farm_s, farm_cpu, bound_s = 0, total = 0;
  MSFarmCounter counter;
  PetscBool     set;

  PetscFunctionBegin;
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-mixed_n", &n, NULL));
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-farm_chunk", &chunk, &set));
  if (!set) PetscCall(PetscOptionsSetValue(NULL, "-farm_chunk", "1"));
  for (PetscInt k = 0; k < n; k++) total += MixedSeconds(k);
  PetscCall(TimeMap(n, SleepTask, NULL, &farm_s, &farm_cpu, &counter));
  PetscCall(MixedBound(n, chunk, counter == MS_FARM_COUNTER_SERVER && size > 1 ? size - 1 : size, &bound_s));
  PetscCall(Report("mixed", counter, size, 1e6 * total / (double)n, n, farm_s, total, farm_cpu, 0));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "{\"bench\": \"farm\", \"kind\": \"mixed_bound\", \"counter\": \"%s\", \"ranks\": %d, \"n_tasks\": %" PetscInt_FMT ", \"chunk\": %" PetscInt_FMT ", \"seconds\": %.6e, \"bound_seconds\": %.6e, \"efficiency_vs_bound\": %.4f}\n", MSFarmCounters[counter], (int)size, n, chunk, farm_s, bound_s, bound_s / farm_s));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  PetscReal      durations[16] = {1, 10, 50, 100, 1000, 10000};
  PetscInt       n_durations   = 6;
  const PetscInt counts[]      = {1, 10, 100, 1000, 10000, 100000};
  double         ten_us     = 10;
  PetscReal      work       = 0.2; /* seconds of serial work per measurement */
  PetscMPIInt    rank, size;

  MSFarmCounter  counter;
  PetscBool      mixed = PETSC_FALSE, only_durations = PETSC_FALSE;
  char           spin[8] = "wall";

  PETSC_MPI_THREAD_REQUIRED = MPI_THREAD_MULTIPLE; /* as the metasim command: the farm's counter thread */
  if (MSBenchWantsHelp(argc, argv, usage)) return 0;
  PetscCall(PetscInitialize(&argc, &argv, NULL, "MSFarm overhead and efficiency benchmark"));
  PetscCallMPI(MPI_Comm_rank(PETSC_COMM_WORLD, &rank));
  PetscCallMPI(MPI_Comm_size(PETSC_COMM_WORLD, &size));
  PetscCall(PetscOptionsGetReal(NULL, NULL, "-work", &work, NULL));
  PetscCall(PetscOptionsGetBool(NULL, NULL, "-mixed", &mixed, NULL));
  PetscCall(PetscOptionsGetString(NULL, NULL, "-spin", spin, sizeof(spin), NULL));
  PetscCheck(!strcmp(spin, "wall") || !strcmp(spin, "cpu"), PETSC_COMM_WORLD, PETSC_ERR_ARG_WRONG, "-spin %s: expected wall or cpu", spin);
  if (!strcmp(spin, "cpu")) spin_clock = CLOCK_THREAD_CPUTIME_ID;
  n_durations = (PetscInt)(sizeof(durations) / sizeof(durations[0]));
  PetscCall(PetscOptionsGetRealArray(NULL, NULL, "-task_us", durations, &n_durations, &only_durations));
  if (!only_durations) n_durations = 6;
  for (PetscInt d = 0; d < n_durations; d++) PetscCheck(durations[d] > 0, PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE, "-task_us: durations must be positive");
  if (mixed) {
    PetscCall(Mixed(size));
    PetscCall(PetscFinalize());
    return 0;
  }
  /* overhead and efficiency against task duration */
  for (PetscInt d = 0; d < n_durations; d++) {
    PetscInt n = (PetscInt)PetscMax(20 * size, work / (1e-6 * durations[d]));
    double   farm_s, farm_cpu, loop[2] = {0, 0}, us = (double)durations[d];

    PetscCall(TimeMap(n, SpinTask, &us, &farm_s, &farm_cpu, &counter));
    if (rank == 0) loop[0] = TimeLoop(n, us, &loop[1]);
    PetscCallMPI(MPI_Bcast(loop, 2, MPI_DOUBLE, 0, PETSC_COMM_WORLD));
    PetscCall(Report("duration", counter, size, durations[d], n, farm_s, loop[0], farm_cpu, loop[1]));
  }
  /* time against number of tasks for 10 us tasks: where parallel starts to win */
  for (size_t c = 0; !only_durations && c < sizeof(counts) / sizeof(counts[0]); c++) {
    double farm_s, farm_cpu, loop[2] = {0, 0};

    PetscCall(TimeMap(counts[c], SpinTask, &ten_us, &farm_s, &farm_cpu, &counter));
    if (rank == 0) loop[0] = TimeLoop(counts[c], 10, &loop[1]);
    PetscCallMPI(MPI_Bcast(loop, 2, MPI_DOUBLE, 0, PETSC_COMM_WORLD));
    PetscCall(Report("count", counter, size, ten_us, counts[c], farm_s, loop[0], farm_cpu, loop[1]));
  }
  PetscCall(PetscFinalize());
  return 0;
}
