/* metasim sweep: runs one of the example parameter sweeps through MSFarm. */
#define _POSIX_C_SOURCE 200809L /* nanosleep */
#include <time.h>
#include <hdf5.h>
#include "commands.h"
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
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "usage: mpiexec -n N metasim sweep <example> [-n N] [-o out.h5] [--resume] [--retry-failed] [--delay-us D] [-farm_* options]\n\nexamples:\n"));
  for (size_t e = 0; e < sizeof(examples) / sizeof(examples[0]); e++) PetscCall(PetscPrintf(PETSC_COMM_WORLD, "  %-10s %s (default n = %" PetscInt_FMT ")\n", examples[e]->name, examples[e]->summary, examples[e]->default_n));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "\n  -n N            size of the sweep (tasks, weights, matrix order or bins)\n"
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
  hid_t       file, group, space, dset;
  hsize_t     dims[1] = {(hsize_t)n};
  const char *names[] = {"x", "y", "stderr"};
  const PetscScalar *data[] = {x, y, err};

  PetscFunctionBegin;
  if (!output) PetscFunctionReturn(0);
  PetscCheck((file = H5Fopen(output, H5F_ACC_RDWR, H5P_DEFAULT)) >= 0, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "metasim sweep: cannot reopen %s to add the curve", output);
  if (H5Lexists(file, "curve", H5P_DEFAULT) > 0) H5Ldelete(file, "curve", H5P_DEFAULT);
  group = H5Gcreate2(file, "curve", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  space = H5Screate_simple(1, dims, NULL);
  for (int d = 0; d < 3; d++) {
    if (!data[d]) continue;
    dset = H5Dcreate2(group, names[d], H5T_NATIVE_DOUBLE, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    PetscCheck(dset >= 0 && H5Dwrite(dset, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, data[d]) >= 0, PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "metasim sweep: cannot write /curve/%s to %s", names[d], output);
    H5Dclose(dset);
  }
  H5Sclose(space);
  H5Gclose(group);
  PetscCheck(H5Fclose(file) >= 0, PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "metasim sweep: cannot close %s", output);
  PetscFunctionReturn(0);
}

/* Reads the command's own flags; PETSc has already read the -farm_* options. */
static PetscErrorCode ParseArgs(int argc, char **argv, PetscInt *n, const char **output, PetscBool *resume, PetscBool *retry, PetscInt *delay_us, PetscBool *help)
{
  PetscFunctionBegin;
  for (int a = 2; a < argc; a++) {
    PetscBool is_n, is_o, is_resume, is_retry, is_delay, is_help;

    PetscCall(PetscStrcmp(argv[a], "-n", &is_n));
    PetscCall(PetscStrcmp(argv[a], "-o", &is_o));
    PetscCall(PetscStrcmp(argv[a], "--resume", &is_resume));
    PetscCall(PetscStrcmp(argv[a], "--retry-failed", &is_retry));
    PetscCall(PetscStrcmp(argv[a], "--delay-us", &is_delay));
    PetscCall(PetscStrcmp(argv[a], "--help", &is_help));
    if ((is_n || is_o || is_delay) && a + 1 >= argc) SETERRQ(PETSC_COMM_WORLD, PETSC_ERR_ARG_WRONG, "metasim sweep: %s needs a value", argv[a]);
    if (is_n) PetscCall(PetscOptionsStringToInt(argv[++a], n));
    else if (is_delay) PetscCall(PetscOptionsStringToInt(argv[++a], delay_us));
    else if (is_o) *output = argv[++a];
    else if (is_resume) *resume = PETSC_TRUE;
    else if (is_retry) *retry = PETSC_TRUE;
    else if (is_help) *help = PETSC_TRUE;
  }
  PetscFunctionReturn(0);
}

PetscErrorCode MSAppSweep(int argc, char **argv)
{
  const MSAppSweepExample *example = NULL;
  SweepCtx                 s       = {NULL, NULL, 0};
  MSFarm                   farm;
  PetscScalar             *results = NULL;
  PetscInt                 n = -1, n_tasks, out_size, n_failed;
  const char              *output = NULL;
  PetscBool                resume = PETSC_FALSE, retry = PETSC_FALSE, help = PETSC_FALSE;
  PetscMPIInt              rank;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(PETSC_COMM_WORLD, &rank));
  for (size_t e = 0; argc > 1 && e < sizeof(examples) / sizeof(examples[0]); e++) {
    PetscBool same;

    PetscCall(PetscStrcmp(argv[1], examples[e]->name, &same));
    if (same) example = examples[e];
  }
  PetscCall(ParseArgs(argc, argv, &n, &output, &resume, &retry, &s.delay_us, &help));
  if (help || argc < 2 || (argc == 2 && !example)) {
    PetscCall(PrintHelp());
    PetscFunctionReturn(0);
  }
  PetscCheck(example, PETSC_COMM_WORLD, PETSC_ERR_ARG_UNKNOWN_TYPE, "metasim sweep: unknown example \"%s\" (try metasim sweep --help)", argv[1]);
  PetscCheck(s.delay_us >= 0, PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE, "metasim sweep: --delay-us must be >= 0");
  s.example = example;
  PetscCall(MSFarmCreate(PETSC_COMM_WORLD, &farm));
  PetscCall(example->setup(farm, n < 0 ? example->default_n : n, &s.ctx));
  if (output) PetscCall(MSFarmSetOutputFile(farm, output));
  PetscCall(MSFarmSetResume(farm, resume, retry));
  PetscCall(MSFarmSetFromOptions(farm));
  PetscCall(MSFarmGetTasks(farm, &n_tasks, &out_size));
  if (rank == 0) PetscCall(PetscMalloc1((size_t)n_tasks * out_size, &results));
  PetscCall(MSFarmMap(farm, SweepTask, &s, MS_FARM_RESULTS_ROOT, results));
  PetscCall(MSFarmGetFailures(farm, &n_failed, NULL));
  if (rank == 0 && !n_failed) PetscCall(example->finish(farm, results, output ? output : NULL, s.ctx));
  PetscCall(PetscFree(results));
  PetscCall(example->destroy(&s.ctx));
  PetscCall(MSFarmDestroy(&farm));
  PetscCheck(!n_failed, PETSC_COMM_WORLD, PETSC_ERR_LIB, "metasim sweep %s: %" PetscInt_FMT " task(s) failed", example->name, n_failed);
  PetscFunctionReturn(0);
}
