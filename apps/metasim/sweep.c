/* metasim sweep: runs one of the example parameter sweeps through MSFarm. */
#define _POSIX_C_SOURCE 200809L /* nanosleep */
#include <time.h>
#include <hdf5.h>
#include "apputil.h"
#include "sweep.h"

static const MSAppSweepExample *const examples[] = {&MSAppSweepSquares, &MSAppSweepLIF, &MSAppSweepHermitian, &MSAppSweepBins};

typedef struct {
  const MSAppSweepExample *example;
  void                    *ctx;
  PetscInt                 delay_us;
} SweepCtx;

/* The example's task, then an optional pause that stands in for a longer computation. */
static PetscErrorCode SweepTask(MSFarmTask *task, PetscScalar *out, void *ctx)
{
  SweepCtx *s = (SweepCtx *)ctx;

  PetscFunctionBegin;
  PetscCall((*s->example->task)(task, out, s->ctx));
  if (s->delay_us) {
    struct timespec ts = {(time_t)(s->delay_us / 1000000), (long)(s->delay_us % 1000000) * 1000};

    nanosleep(&ts, NULL);
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode PrintHelp(void)
{
  PetscFunctionBegin;
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "usage: mpiexec -n N metasim sweep <example> [-n N] [-o out.h5] [--resume] [--retry-failed] [--delay-us D] [-q] [-farm_* options]\n\nexamples:\n"));
  for (size_t e = 0; e < sizeof(examples) / sizeof(examples[0]); e++) PetscCall(PetscPrintf(PETSC_COMM_WORLD, "  %-10s %s (default n = %" PetscInt_FMT ")\n", examples[e]->name, examples[e]->summary, examples[e]->default_n));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "\n  -n, --size N    size of the sweep (tasks, weights, matrix order or bins)\n"
                                          "  -q, --quiet     no progress bar (it is on when stderr is a terminal)\n"
                                          "  -o FILE.h5      stream results and task status to FILE.h5 (same as -farm_output)\n"
                                          "  --resume        run only the tasks missing from FILE.h5 (same as -farm_resume)\n"
                                          "  --retry-failed  re-run the tasks that failed (same as -farm_retry_failed)\n"
                                          "  --delay-us D    sleep D microseconds in every task (to try kill and resume)\n"
                                          "  -farm_schedule block|cyclic|dynamic|guided, -farm_chunk, -farm_seed, -farm_progress, -farm_record FILE\n\n"
                                          "Exits non-zero when a task failed. Plot a curve with: python3 scripts/plot_farm.py FILE.h5 FILE.png\n"));
  PetscFunctionReturn(0);
}

PetscErrorCode MSAppSweepWriteCurve(const char *output, PetscInt n, const PetscScalar *x, const PetscScalar *y, const PetscScalar *err)
{
  hid_t       file, group, space, dset, ocpl, dcpl;
  hsize_t     dims[1] = {(hsize_t)n};
  const char *names[] = {"x", "y", "stderr"};
  const PetscScalar *data[] = {x, y, err};

  PetscFunctionBegin;
  if (!output) PetscFunctionReturn(0);
  PetscCheck((file = H5Fopen(output, H5F_ACC_RDWR, H5P_DEFAULT)) >= 0, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "cannot reopen %s to add the curve", output);
  if (H5Lexists(file, "curve", H5P_DEFAULT) > 0) H5Ldelete(file, "curve", H5P_DEFAULT);
  ocpl  = H5Pcreate(H5P_GROUP_CREATE); /* no time stamps: identical sweeps, identical bytes */
  dcpl  = H5Pcreate(H5P_DATASET_CREATE);
  PetscCheck(ocpl >= 0 && dcpl >= 0 && H5Pset_obj_track_times(ocpl, 0) >= 0 && H5Pset_obj_track_times(dcpl, 0) >= 0, PETSC_COMM_SELF, PETSC_ERR_LIB, "cannot prepare the /curve of %s", output);
  group = H5Gcreate2(file, "curve", H5P_DEFAULT, ocpl, H5P_DEFAULT);
  space = H5Screate_simple(1, dims, NULL);
  for (int d = 0; d < 3; d++) {
    if (!data[d]) continue;
    dset = H5Dcreate2(group, names[d], H5T_NATIVE_DOUBLE, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    PetscCheck(dset >= 0 && H5Dwrite(dset, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, data[d]) >= 0, PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "cannot write /curve/%s to %s", names[d], output);
    H5Dclose(dset);
  }
  H5Sclose(space);
  H5Gclose(group);
  H5Pclose(ocpl);
  H5Pclose(dcpl);
  PetscCheck(H5Fclose(file) >= 0, PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "cannot close %s", output);
  PetscFunctionReturn(0);
}

static PetscErrorCode Sweep(int argc, char **argv)
{
  const MSAppSweepExample *example = NULL;
  SweepCtx                 s       = {NULL, NULL, 0};
  MSFarm                   farm;
  PetscScalar             *results = NULL;
  PetscInt                 n, n_tasks, out_size, n_failed;
  const char              *output, *names[sizeof(examples) / sizeof(examples[0])], *nearest;
  PetscBool                resume, retry, help, quiet;
  PetscMPIInt              rank;
  PetscErrorCode           ierr = 0;
  char                     name[64];

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(PETSC_COMM_WORLD, &rank));
  PetscCall(MSAppHasFlag(argc, argv, "--help", "-h", &help));
  if (help || argc < 2) {
    PetscCall(PrintHelp());
    PetscFunctionReturn(0);
  }
  for (size_t e = 0; e < sizeof(examples) / sizeof(examples[0]); e++) {
    PetscBool same;

    names[e] = examples[e]->name;
    PetscCall(PetscStrcmp(argv[1], examples[e]->name, &same));
    if (same) example = examples[e];
  }
  PetscCall(MSAppNearest(argv[1], (PetscInt)(sizeof(examples) / sizeof(examples[0])), names, &nearest));
  PetscCheck(example, PETSC_COMM_WORLD, PETSC_ERR_ARG_UNKNOWN_TYPE, "unknown sweep \"%s\" (did you mean %s? sweeps: squares, lif, hermitian, bins)", argv[1], nearest);
  PetscCall(MSAppGetInt(argc, argv, "--size", "-n", example->default_n, 1, PETSC_MAX_INT, &n));
  PetscCall(MSAppGetInt(argc, argv, "--delay-us", NULL, 0, 0, 1000000000, &s.delay_us));
  PetscCall(MSAppGetValue(argc, argv, "--output", "-o", NULL, &output));
  PetscCall(MSAppHasFlag(argc, argv, "--resume", NULL, &resume));
  PetscCall(MSAppHasFlag(argc, argv, "--retry-failed", NULL, &retry));
  PetscCall(MSAppHasFlag(argc, argv, "--quiet", "-q", &quiet));
  s.example = example;
  PetscCall(MSFarmCreate(PETSC_COMM_WORLD, &farm));
  PetscCall(example->setup(farm, n, &s.ctx));
  PetscCall(PetscSNPrintf(name, sizeof(name), "%s n=%" PetscInt_FMT, example->name, n));
  PetscCall(MSFarmSetName(farm, name));
  if (output) PetscCall(MSOutputCheck(PETSC_COMM_WORLD, output, PETSC_FALSE, 0, NULL));
  if (output) PetscCall(MSFarmSetOutputFile(farm, output));
  PetscCall(MSFarmSetResume(farm, resume, retry));
  /* the progress bar is on when rank 0's stderr reaches a terminal (-farm_progress decides otherwise) */
  PetscCall(MSFarmSetProgress(farm, !quiet && rank == 0 && MSAppStderrIsTerminal() ? PETSC_TRUE : PETSC_FALSE));
  PetscCall(MSFarmSetFromOptions(farm));
  PetscCall(MSFarmGetTasks(farm, &n_tasks, &out_size));
  /* rank 0 alone holds the results: every rank learns whether it got the memory */
  if (rank == 0 && PetscMalloc1((size_t)n_tasks * out_size, &results)) ierr = PetscError(PETSC_COMM_SELF, __LINE__, PETSC_FUNCTION_NAME, __FILE__, PETSC_ERR_MEM, PETSC_ERROR_INITIAL, "rank 0 cannot allocate the results of %" PetscInt_FMT " tasks (%.3g GB): use a smaller -n", n_tasks, (double)n_tasks * out_size * sizeof(PetscScalar) / 1e9);
  PetscCall(MSAppAgree(ierr));
  PetscCall(MSFarmMap(farm, SweepTask, &s, MS_FARM_RESULTS_ROOT, results));
  PetscCall(MSFarmGetFailures(farm, &n_failed, NULL));
  if (rank == 0 && !n_failed) PetscCall(example->finish(farm, results, output ? output : NULL, s.ctx));
  PetscCall(PetscFree(results));
  PetscCall(example->destroy(&s.ctx));
  PetscCall(MSFarmDestroy(&farm));
  PetscCheck(!n_failed, PETSC_COMM_WORLD, PETSC_ERR_LIB, "%s: %" PetscInt_FMT " task(s) failed", example->name, n_failed);
  PetscFunctionReturn(0);
}

static const MSAppFlag SweepFlags[] = {
  {"--help",   "-h", PETSC_FALSE},
  {"--size",   "-n", PETSC_TRUE },
  {"--quiet",  "-q", PETSC_FALSE},
  {"--output", "-o", PETSC_TRUE },
  {"--resume", NULL, PETSC_FALSE},
  {"--retry-failed", NULL, PETSC_FALSE},
  {"--delay-us", NULL, PETSC_TRUE},
  {NULL, NULL, PETSC_FALSE}
};

const MSAppCommand MSAppSweepCommand = {"sweep", "parameter sweeps over MPI (Pool.map done right): squares, lif, hermitian, bins", Sweep, 1, SweepFlags};
