/* metasim scale: a strong or weak scaling study. Runs the workload program bench_scale at each
   rank count through a launcher, collects its JSON records in OUT/runs.jsonl, then the report
   (scripts/scale_report.py) writes OUT/table.csv, OUT/summary.json and the plots, and projects the
   operations' times to larger rank counts with a latency-bandwidth model. --emit writes batch job
   scripts that run the same study on a cluster instead. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "apputil.h"
#include "launch.h"

static const char MSAppScaleHelp[] =
  "usage: metasim scale [options] [-- WORKLOAD_OPTIONS]     (run it without mpiexec)\n\n"
  "A strong or weak scaling study: runs the workload at each rank count, then writes\n"
  "OUT/runs.jsonl (one JSON record per run and operation), OUT/table.csv (time per operation,\n"
  "speedup, efficiency, per-phase times, peak RSS), OUT/summary.json and the plots\n"
  "OUT/time.png, OUT/efficiency.png and OUT/phases.png (with python3-matplotlib).\n\n"
  "  --workload W      linear (default): tiled linear simulations; dcr: tiled DC resistivity;\n"
  "                    farm: MSFarm tasks of fixed duration; file: a problem file (--file)\n"
  "  --file F          the problem file of --workload file\n"
  "  --mode M          strong (default: the same problem at every rank count) or weak (work per\n"
  "                    rank fixed: --tiles per rank)\n"
  "  --ranks LIST      rank counts, e.g. 1,2,4 (default 1,2)\n"
  "  --tiles T         tiles (farm: tasks) in all, or per rank with --mode weak (default 8)\n"
  "  --repeat K        timed runs per point after one warm-up (default 5): min and median\n"
  "  --out DIR         output folder (default metasim-scale); must not exist unless --force\n"
  "  --force           replace the files of an existing DIR\n"
  "  --launcher WORDS  how to start the workload, {np} for the rank count (default\n"
  "                    \"mpiexec -n {np} --oversubscribe\", or $METASIM_LAUNCHER)\n"
  "  --hostfile F      adds --hostfile F to the default launcher\n"
  "  --project LIST    also project each operation to these rank counts (default 64,1024,10000)\n"
  "  --emit slurm|pbs  write OUT/job.sh for the scheduler instead of running; after the job,\n"
  "                    `metasim scale --report OUT` makes the table and plots\n"
  "  --report DIR      only (re)make the table, plots and projection from DIR/runs.jsonl\n"
  "WORKLOAD_OPTIONS pass to the workload (e.g. -tile_cells 4000, -task_ms 20, -meta_reproducible);\n"
  "see `bench_scale --help` (in the benchmark folder). docs/scaling.md explains the study.\n";

static const char *const scale_options[] = {"--workload", "--file", "--mode", "--ranks", "--tiles", "--repeat", "--out", "--launcher", "--hostfile", "--project", "--emit", "--report"};
static const char *const scale_flags[]   = {"--force", "--help", "-h"};

typedef struct {
  const char *workload, *file, *mode, *ranks, *tiles, *repeat, *out, *launcher, *hostfile, *project, *emit, *report;
  PetscBool   force;
  int         n_extra;
  char      **extra; /* after "--" */
} ScaleArgs;

/* Every word before "--" must be a known option (with its value) or flag. */
static PetscErrorCode ScaleCheckWords(int argc, char **argv, int *end)
{
  PetscFunctionBegin;
  *end = argc;
  for (int k = 1; k < argc; k++) {
    PetscBool known = PETSC_FALSE;

    if (!strcmp(argv[k], "--")) {
      *end = k;
      break;
    }
    for (size_t i = 0; i < sizeof(scale_options) / sizeof(scale_options[0]) && !known; i++)
      if (!strcmp(argv[k], scale_options[i])) {
        known = PETSC_TRUE;
        k++;
      }
    for (size_t i = 0; i < sizeof(scale_flags) / sizeof(scale_flags[0]) && !known; i++) known = strcmp(argv[k], scale_flags[i]) ? PETSC_FALSE : PETSC_TRUE;
    PetscCheck(known, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "unknown option \"%s\" (metasim scale --help lists them; workload options go after --)", argv[k]);
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode ScaleParse(int argc, char **argv, ScaleArgs *a)
{
  int       end;
  PetscBool ok;

  PetscFunctionBegin;
  PetscCall(ScaleCheckWords(argc, argv, &end));
  PetscCall(MSAppGetValue(end, argv, "--workload", NULL, "linear", &a->workload));
  PetscCall(MSAppGetValue(end, argv, "--file", NULL, NULL, &a->file));
  PetscCall(MSAppGetValue(end, argv, "--mode", NULL, "strong", &a->mode));
  PetscCall(MSAppGetValue(end, argv, "--ranks", NULL, "1,2", &a->ranks));
  PetscCall(MSAppGetValue(end, argv, "--tiles", NULL, "8", &a->tiles));
  PetscCall(MSAppGetValue(end, argv, "--repeat", NULL, "5", &a->repeat));
  PetscCall(MSAppGetValue(end, argv, "--out", NULL, "metasim-scale", &a->out));
  PetscCall(MSAppGetValue(end, argv, "--launcher", NULL, NULL, &a->launcher));
  PetscCall(MSAppGetValue(end, argv, "--hostfile", NULL, NULL, &a->hostfile));
  PetscCall(MSAppGetValue(end, argv, "--project", NULL, "64,1024,10000", &a->project));
  PetscCall(MSAppGetValue(end, argv, "--emit", NULL, NULL, &a->emit));
  PetscCall(MSAppGetValue(end, argv, "--report", NULL, NULL, &a->report));
  PetscCall(MSAppHasFlag(end, argv, "--force", NULL, &a->force));
  a->n_extra = end < argc ? argc - end - 1 : 0;
  a->extra   = argv + end + 1;
  ok         = !strcmp(a->workload, "linear") || !strcmp(a->workload, "dcr") || !strcmp(a->workload, "farm") || !strcmp(a->workload, "file") ? PETSC_TRUE : PETSC_FALSE;
  PetscCheck(ok, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "--workload %s: expected linear, dcr, farm or file", a->workload);
  PetscCheck(strcmp(a->workload, "file") || a->file, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "--workload file needs --file FILE");
  PetscCheck(!a->file || access(a->file, R_OK) == 0, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "--file %s: cannot read it", a->file);
  PetscCheck(!strcmp(a->mode, "strong") || !strcmp(a->mode, "weak"), PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "--mode %s: expected strong or weak", a->mode);
  PetscCheck(!a->emit || !strcmp(a->emit, "slurm") || !strcmp(a->emit, "pbs"), PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "--emit %s: expected slurm or pbs", a->emit);
  PetscCheck(!a->launcher || !a->hostfile, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "--hostfile goes with the default launcher; put it in --launcher instead");
  PetscFunctionReturn(0);
}

/* A positive integer, whole string. */
static PetscErrorCode ScaleParseCount(const char opt[], const char text[], long max, long *v)
{
  char *end;

  PetscFunctionBegin;
  errno = 0;
  *v    = strtol(text, &end, 10);
  PetscCheck(errno == 0 && end != text && *end == '\0' && *v >= 1 && *v <= max, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "%s %s: expected a whole number in [1, %ld]", opt, text, max);
  PetscFunctionReturn(0);
}

/* Checks a comma-separated list of rank counts; *n is how many. */
static PetscErrorCode ScaleCheckList(const char opt[], const char list[], int *n)
{
  char *copy, *w, *save = NULL;
  long  v;

  PetscFunctionBegin;
  PetscCall(PetscStrallocpy(list, &copy));
  *n = 0;
  for (w = strtok_r(copy, ",", &save); w; w = strtok_r(NULL, ",", &save), (*n)++) PetscCall(ScaleParseCount(opt, w, 1000000, &v));
  PetscCall(PetscFree(copy));
  PetscCheck(*n > 0, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "%s \"%s\": expected counts separated by commas", opt, list);
  PetscFunctionReturn(0);
}

/* The output folder: made new, or reused with --force. */
static PetscErrorCode ScalePrepareOut(const ScaleArgs *a)
{
  struct stat st;

  PetscFunctionBegin;
  PetscCheck(a->out[0], PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "--out: empty folder name");
  if (stat(a->out, &st) == 0) {
    PetscCheck(S_ISDIR(st.st_mode), PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "--out %s: exists and is not a folder", a->out);
    PetscCheck(a->force, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "--out %s: exists (add --force to replace its results)", a->out);
  } else PetscCheck(mkdir(a->out, 0755) == 0, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "--out %s: cannot create the folder (%s)", a->out, strerror(errno));
  PetscFunctionReturn(0);
}

/* The workload's own options: -workload, -repeat, -tiles or -tiles_per_rank, -file, then the extra ones. */
static PetscErrorCode ScaleWorkloadArgs(const ScaleArgs *a, int *n, char ***args)
{
  int k = 0;

  PetscFunctionBegin;
  PetscCall(PetscCalloc1(8 + (size_t)a->n_extra, args));
  (*args)[k++] = (char *)"-workload";
  (*args)[k++] = (char *)a->workload;
  (*args)[k++] = (char *)"-repeat";
  (*args)[k++] = (char *)a->repeat;
  (*args)[k++] = (char *)(strcmp(a->mode, "weak") ? "-tiles" : "-tiles_per_rank");
  (*args)[k++] = (char *)a->tiles;
  if (a->file) {
    (*args)[k++] = (char *)"-file";
    (*args)[k++] = (char *)a->file;
  }
  for (int i = 0; i < a->n_extra; i++) (*args)[k++] = a->extra[i];
  *n = k;
  PetscFunctionReturn(0);
}

/* OUT/job.sh: the same study as a batch job; its runs append to OUT/runs.jsonl. */
static PetscErrorCode ScaleEmit(const ScaleArgs *a, const char prog[], int nargs, char **args)
{
  char  path[PETSC_MAX_PATH_LEN], *copy, *w, *save = NULL, maxnp[32] = "1", *words;
  FILE *f;
  long  v, vmax = 1;

  PetscFunctionBegin;
  PetscCall(PetscStrallocpy(a->ranks, &copy));
  for (w = strtok_r(copy, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
    PetscCall(ScaleParseCount("--ranks", w, 1000000, &v));
    vmax = PetscMax(vmax, v);
  }
  PetscCall(PetscFree(copy));
  PetscCall(PetscSNPrintf(maxnp, sizeof(maxnp), "%ld", vmax));
  PetscCall(PetscSNPrintf(path, sizeof(path), "%s/job.sh", a->out));
  f = fopen(path, "w");
  PetscCheck(f, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "cannot write %s", path);
  fprintf(f, "#!/bin/bash\n# metasim scale study (%s scaling, workload %s): submit with %s, then\n# metasim scale --report %s\n", a->mode, a->workload, strcmp(a->emit, "slurm") ? "qsub job.sh" : "sbatch job.sh", a->out);
  if (!strcmp(a->emit, "slurm")) fprintf(f, "#SBATCH --job-name=metasim-scale\n#SBATCH --ntasks=%s\n#SBATCH --time=01:00:00\n#SBATCH --output=job.%%j.log\ncd \"$SLURM_SUBMIT_DIR\"\nLAUNCH='srun --ntasks={np} --cpu-bind=cores'\n", maxnp);
  else fprintf(f, "#PBS -N metasim-scale\n#PBS -l select=1:ncpus=%s:mpiprocs=%s\n#PBS -l walltime=01:00:00\ncd \"$PBS_O_WORKDIR\"\nLAUNCH='mpiexec -n {np} --hostfile '\"$PBS_NODEFILE\"\n", maxnp, maxnp);
  PetscCall(PetscStrallocpy(a->ranks, &words));
  for (char *c = words; *c; c++)
    if (*c == ',') *c = ' ';
  fprintf(f, "set -euo pipefail\nfor np in %s; do\n  ${LAUNCH//\"{np}\"/$np} %s", words, prog);
  PetscCall(PetscFree(words));
  for (int k = 0; k < nargs; k++) fprintf(f, " '%s'", args[k]);
  fprintf(f, " >> runs.jsonl\ndone\n");
  PetscCheck(fclose(f) == 0, PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "cannot write %s", path);
  PetscCheck(chmod(path, 0755) == 0, PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "cannot make %s executable", path);
  PetscCall(PetscPrintf(PETSC_COMM_SELF, "wrote %s: copy %s to the cluster, submit job.sh from it (its 'for np in %s' loop needs %s ranks),\nthen run `metasim scale --report %s` there or on the copied-back folder\n", path, a->out, a->ranks, maxnp, a->out));
  PetscFunctionReturn(0);
}

/* python3 scale_report.py DIR --project LIST (the report tells strong from weak by the sizes) */
static PetscErrorCode ScaleReport(const char dir[], const char project[])
{
  char  scripts[PETSC_MAX_PATH_LEN], script[PETSC_MAX_PATH_LEN];
  char *argv[] = {(char *)METASIM_PYTHON3, script, (char *)dir, (char *)"--project", (char *)project, NULL};

  PetscFunctionBegin;
  PetscCall(MSAppScriptDir(scripts, sizeof(scripts)));
  PetscCall(PetscSNPrintf(script, sizeof(script), "%s/scale_report.py", scripts));
  PetscCheck(access(script, R_OK) == 0, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "the report script %s is missing", script);
  PetscCall(MSAppSpawn(argv, NULL));
  PetscFunctionReturn(0);
}

static PetscErrorCode Scale(int argc, char **argv)
{
  ScaleArgs   a;
  PetscBool   help;
  PetscMPIInt size;
  char        dir[PETSC_MAX_PATH_LEN], prog[PETSC_MAX_PATH_LEN], launcher[PETSC_MAX_PATH_LEN], runs[PETSC_MAX_PATH_LEN], **args = NULL, *copy, *np, *save = NULL;
  int         nargs = 0, n_ranks;
  long        v;

  PetscFunctionBegin;
  PetscCall(MSAppHasFlag(argc, argv, "--help", "-h", &help));
  if (help) {
    PetscCall(PetscPrintf(PETSC_COMM_WORLD, "%s", MSAppScaleHelp));
    PetscFunctionReturn(0);
  }
  PetscCallMPI(MPI_Comm_size(PETSC_COMM_WORLD, &size));
  PetscCheck(size == 1, PETSC_COMM_WORLD, PETSC_ERR_ARG_WRONG, "run metasim scale on one rank (without mpiexec): it starts the workload at each --ranks count");
  PetscCall(ScaleParse(argc, argv, &a));
  PetscCall(ScaleCheckList("--project", a.project, &n_ranks));
  if (a.report) {
    PetscCall(ScaleReport(a.report, a.project));
    PetscFunctionReturn(0);
  }
  PetscCall(ScaleCheckList("--ranks", a.ranks, &n_ranks));
  PetscCall(ScaleParseCount("--tiles", a.tiles, 100000000, &v));
  PetscCall(ScaleParseCount("--repeat", a.repeat, 100000, &v));
  PetscCall(MSAppBenchDir(dir, sizeof(dir)));
  PetscCall(PetscSNPrintf(prog, sizeof(prog), "%s/bench_scale", dir));
  PetscCheck(access(prog, X_OK) == 0, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "the workload program %s is missing (metasim bench --help says where benchmarks are looked up)", prog);
  PetscCall(ScalePrepareOut(&a));
  PetscCall(ScaleWorkloadArgs(&a, &nargs, &args));
  if (a.emit) {
    PetscCall(ScaleEmit(&a, prog, nargs, args));
    PetscCall(PetscFree(args));
    PetscFunctionReturn(0);
  }
  if (a.launcher) PetscCall(PetscStrncpy(launcher, a.launcher, sizeof(launcher)));
  else PetscCall(MSAppDefaultLauncher(launcher, sizeof(launcher)));
  if (a.hostfile) {
    PetscCall(PetscStrlcat(launcher, " --hostfile ", sizeof(launcher)));
    PetscCall(PetscStrlcat(launcher, a.hostfile, sizeof(launcher)));
  }
  PetscCall(PetscSNPrintf(runs, sizeof(runs), "%s/runs.jsonl", a.out));
  PetscCheck(unlink(runs) == 0 || errno == ENOENT, PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "cannot replace %s", runs);
  PetscCall(PetscStrallocpy(a.ranks, &copy));
  for (np = strtok_r(copy, ",", &save); np; np = strtok_r(NULL, ",", &save)) {
    PetscCall(PetscPrintf(PETSC_COMM_SELF, "metasim scale: %s ranks ...\n", np));
    PetscCall(MSAppLaunch(launcher, np, prog, nargs, args, runs));
  }
  PetscCall(PetscFree(copy));
  PetscCall(PetscFree(args));
  PetscCall(ScaleReport(a.out, a.project));
  PetscFunctionReturn(0);
}

/* Its own checks (ScaleCheckWords): the options after "--" belong to the workload. */
static const MSAppFlag ScaleFlags[] = {{"--help", "-h", PETSC_FALSE}, {NULL, NULL, PETSC_FALSE}};

const MSAppCommand MSAppScaleCommand = {"scale", "a strong or weak scaling study: times, efficiency, phases, plots, projection", Scale, -1, ScaleFlags};
