/* The workload of `metasim scale`: one point of a strong or weak scaling study. Runs the MSMeta
   operations on a tiled problem (linear or dcr simulations, or a problem file), or an MSFarm map
   of fixed-duration tasks, with warm-up and repeats, and prints one JSON record per operation:
   min and median time (slowest rank), the per-phase times from metasim's log events (slowest
   rank, per operation), peak RSS per rank, the hosts the ranks ran on, and the problem's sizes and
   communication volume, which the report's latency-bandwidth model reads. */
#include <metasim.h>
#include "benchhelp.h"
#include <petsctime.h>
#include <sys/resource.h>

static const char help[] = "metasim scale workload (run through `metasim scale`, see its --help):\n"
                           "  -workload linear|dcr|farm|file  what to run (default linear)\n"
                           "  -tiles T             tiles in all (strong scaling)\n"
                           "  -tiles_per_rank T    tiles per rank (weak scaling; overrides -tiles)\n"
                           "  -tile_cells C        model cells per tile (linear; default 2000)\n"
                           "  -tile_data D         data per tile (linear; default 200)\n"
                           "  -dcr_n N             dcr tiles: N x N x N/2 cells (default 12)\n"
                           "  -task_ms MS          farm: task duration (default 5)\n"
                           "  -file F              file: a problem file (metasim eval's input)\n"
                           "  -repeat K            timed repeats after one warm-up (default 5)\n";

typedef struct {
  char      workload[16];
  PetscInt  tiles, tile_cells, tile_data, dcr_n, repeat;
  PetscReal task_ms;
} ScaleOptions;

/* Tile t reads exp of window [t C/2, t C/2 + C) of the global log-model (neighbours overlap by half). */
static PetscErrorCode TileMap(const ScaleOptions *o, PetscInt t, PetscInt n_cells, MSMap *map)
{
  PetscInt *idx;
  MSMap     chain[2];

  PetscFunctionBegin;
  PetscCall(PetscMalloc1(n_cells, &idx));
  for (PetscInt k = 0; k < n_cells; k++) idx[k] = t * (n_cells / 2) + k;
  PetscCall(MSMapCreateProjection(PETSC_COMM_SELF, (o->tiles + 1) * (n_cells / 2), n_cells, idx, &chain[0]));
  PetscCall(PetscFree(idx));
  PetscCall(MSMapCreate(PETSC_COMM_SELF, &chain[1]));
  PetscCall(MSMapSetType(chain[1], MSMAPEXP));
  PetscCall(MSMapSetSizes(chain[1], n_cells, n_cells));
  PetscCall(MSMapSetUp(chain[1]));
  PetscCall(MSMapCreate(PETSC_COMM_SELF, map));
  PetscCall(MSMapSetType(*map, MSMAPCOMPOSE));
  PetscCall(MSMapComposeSetMaps(*map, 2, chain));
  PetscCall(MSMapSetUp(*map));
  PetscCall(MSMapDestroy(&chain[0]));
  PetscCall(MSMapDestroy(&chain[1]));
  PetscFunctionReturn(0);
}

static PetscErrorCode LinearTile(MPI_Comm comm, const ScaleOptions *o, PetscInt t, MSSim *sim)
{
  Mat          G;
  PetscScalar *a;
  PetscInt     nd = o->tile_data, nc = o->tile_cells, rstart, rend;

  PetscFunctionBegin;
  PetscCall(MatCreateDense(comm, PETSC_DECIDE, PETSC_DECIDE, nd, nc, NULL, &G));
  PetscCall(MatGetOwnershipRange(G, &rstart, &rend));
  PetscCall(MatDenseGetArrayWrite(G, &a));
  for (PetscInt c = 0; c < nc; c++)
    for (PetscInt r = rstart; r < rend; r++) {
      PetscReal x = (PetscReal)r * nc / nd - c;

      a[(r - rstart) + c * (rend - rstart)] = (1.0 + 0.1 * (t % 7)) * PetscExpReal(-x * x / 50.0) / nc;
    }
  PetscCall(MatDenseRestoreArrayWrite(G, &a));
  PetscCall(MatAssemblyBegin(G, MAT_FINAL_ASSEMBLY));
  PetscCall(MatAssemblyEnd(G, MAT_FINAL_ASSEMBLY));
  PetscCall(MSSimCreate(comm, sim));
  PetscCall(MSSimSetType(*sim, MSSIMLINEAR));
  PetscCall(MSSimLinearSetOperator(*sim, G));
  PetscCall(MatDestroy(&G));
  PetscFunctionReturn(0);
}

static PetscErrorCode TileFactory(MPI_Comm comm, PetscInt t, MSSim *sim, MSMap *map, void *ctx)
{
  const ScaleOptions *o = (const ScaleOptions *)ctx;
  PetscBool           dcr;
  PetscInt            n_cells;

  PetscFunctionBegin;
  PetscCall(PetscStrcmp(o->workload, "dcr", &dcr));
  if (dcr) PetscCall(MSSimDCRCreateTile(comm, o->dcr_n, sim));
  else PetscCall(LinearTile(comm, o, t, sim));
  n_cells = dcr ? o->dcr_n * o->dcr_n * PetscMax(o->dcr_n / 2, 2) : o->tile_cells;
  PetscCall(TileMap(o, t, n_cells, map));
  PetscFunctionReturn(0);
}

typedef enum {
  OP_DPRED,
  OP_JVEC,
  OP_JTVEC,
  OP_JTJDIAG,
  OP_MISFIT,
  OP_COUNT
} Op;
static const char *const op_names[] = {"dpred", "jvec", "jtvec", "jtjdiag", "misfit"};

typedef struct {
  MSMeta meta;
  Vec    m, v, d, g, d_obs;
} MetaRun;

static PetscErrorCode RunOp(MetaRun *r, Op op, PetscInt rep)
{
  PetscReal phi;

  PetscFunctionBegin;
  switch (op) {
  case OP_DPRED:
    PetscCall(VecShift(r->m, rep % 2 ? 1e-3 : -1e-3)); /* a new model state: nothing cached */
    PetscCall(MSMetaDpred(r->meta, r->m, r->d));
    break;
  case OP_JVEC:
    PetscCall(MSMetaJvec(r->meta, r->m, r->v, r->d));
    break;
  case OP_JTVEC:
    PetscCall(MSMetaJtvec(r->meta, r->m, r->d_obs, r->g));
    break;
  case OP_JTJDIAG:
    PetscCall(MSMetaGetJtJDiagonal(r->meta, r->m, NULL, r->g, NULL));
    break;
  default:
    PetscCall(MSMetaMisfit(r->meta, r->m, r->d_obs, NULL, &phi, r->g));
  }
  PetscFunctionReturn(0);
}

/* Seconds of one log event on this rank so far. */
static PetscErrorCode EventSeconds(PetscLogEvent e, PetscReal *s)
{
  PetscEventPerfInfo info;

  PetscFunctionBegin;
  PetscCall(PetscLogEventGetPerfInfo(PETSC_DETERMINE, e, &info));
  *s = info.time;
  PetscFunctionReturn(0);
}

/* The distinct processor names of the ranks. */
static PetscErrorCode CountHosts(PetscInt *hosts)
{
  char        name[MPI_MAX_PROCESSOR_NAME] = {0}, *all = NULL;
  int         len;
  PetscMPIInt size, rank;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_size(PETSC_COMM_WORLD, &size));
  PetscCallMPI(MPI_Comm_rank(PETSC_COMM_WORLD, &rank));
  PetscCallMPI(MPI_Get_processor_name(name, &len));
  if (rank == 0) PetscCall(PetscMalloc1((size_t)size * MPI_MAX_PROCESSOR_NAME, &all));
  PetscCallMPI(MPI_Gather(name, MPI_MAX_PROCESSOR_NAME, MPI_CHAR, all, MPI_MAX_PROCESSOR_NAME, MPI_CHAR, 0, PETSC_COMM_WORLD));
  *hosts = 0;
  if (rank == 0) {
    for (PetscMPIInt r = 0; r < size; r++) {
      PetscBool seen = PETSC_FALSE;

      for (PetscMPIInt q = 0; q < r && !seen; q++) seen = strcmp(all + (size_t)r * MPI_MAX_PROCESSOR_NAME, all + (size_t)q * MPI_MAX_PROCESSOR_NAME) ? PETSC_FALSE : PETSC_TRUE;
      if (!seen) (*hosts)++;
    }
    PetscCall(PetscFree(all));
  }
  PetscCallMPI(MPI_Bcast(hosts, 1, MPIU_INT, 0, PETSC_COMM_WORLD));
  PetscFunctionReturn(0);
}

/* Median one-way time of a ping-pong of n bytes between rank 0 and the last rank (0 on one rank). */
static PetscErrorCode PingPong(size_t n, PetscReal *seconds)
{
  PetscMPIInt size, rank;
  char       *buf;
  PetscReal   t[21];

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_size(PETSC_COMM_WORLD, &size));
  PetscCallMPI(MPI_Comm_rank(PETSC_COMM_WORLD, &rank));
  *seconds = 0;
  if (size == 1) PetscFunctionReturn(0);
  PetscCall(PetscCalloc1(n, &buf));
  for (int k = 0; k < 21; k++) {
    PetscLogDouble t0, t1;

    PetscCallMPI(MPI_Barrier(PETSC_COMM_WORLD));
    PetscCall(PetscTime(&t0));
    if (rank == 0) {
      PetscCallMPI(MPI_Send(buf, (int)n, MPI_CHAR, size - 1, 0, PETSC_COMM_WORLD));
      PetscCallMPI(MPI_Recv(buf, (int)n, MPI_CHAR, size - 1, 0, PETSC_COMM_WORLD, MPI_STATUS_IGNORE));
    } else if (rank == size - 1) {
      PetscCallMPI(MPI_Recv(buf, (int)n, MPI_CHAR, 0, 0, PETSC_COMM_WORLD, MPI_STATUS_IGNORE));
      PetscCallMPI(MPI_Send(buf, (int)n, MPI_CHAR, 0, 0, PETSC_COMM_WORLD));
    }
    PetscCall(PetscTime(&t1));
    t[k] = 0.5 * (t1 - t0);
  }
  PetscCall(PetscFree(buf));
  PetscCall(PetscSortReal(21, t));
  *seconds = t[10];
  PetscCallMPI(MPI_Bcast(seconds, 1, MPIU_REAL, 0, PETSC_COMM_WORLD));
  PetscFunctionReturn(0);
}

/* Latency (8 B) and bandwidth (4 MiB) between the first and the last rank, for the report's model. */
static PetscReal latency_s, bandwidth_Bps;

static PetscErrorCode MeasureNetwork(void)
{
  PetscReal t_big;

  PetscFunctionBegin;
  PetscCall(PingPong(8, &latency_s));
  PetscCall(PingPong((size_t)4 << 20, &t_big));
  bandwidth_Bps = t_big > latency_s ? (PetscReal)((size_t)4 << 20) / (t_big - latency_s) : 0;
  PetscFunctionReturn(0);
}

/* The fields every record shares: workload, ranks, hosts, peak RSS, latency and bandwidth. */
static PetscErrorCode PrintCommon(const ScaleOptions *o, const char op[])
{
  struct rusage ru;
  PetscReal     rss, rss_max;
  PetscMPIInt   size;
  PetscInt      hosts;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_size(PETSC_COMM_WORLD, &size));
  PetscCall(CountHosts(&hosts));
  PetscCheck(getrusage(RUSAGE_SELF, &ru) == 0, PETSC_COMM_SELF, PETSC_ERR_SYS, "getrusage failed");
  rss = (PetscReal)ru.ru_maxrss / 1024.0; /* kB -> MiB */
  PetscCallMPI(MPI_Allreduce(&rss, &rss_max, 1, MPIU_REAL, MPIU_MAX, PETSC_COMM_WORLD));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "{\"benchmark\": \"scale\", \"workload\": \"%s\", \"op\": \"%s\", \"ranks\": %d, \"hosts\": %" PetscInt_FMT ", \"peak_rss_mib_max\": %.1f, \"repeat\": %" PetscInt_FMT ", \"latency_s\": %.3e, \"bandwidth_Bps\": %.4e", o->workload, op, (int)size, hosts, (double)rss_max, o->repeat, (double)latency_s, (double)bandwidth_Bps));
  PetscFunctionReturn(0);
}

/* min, median and mean of the slowest rank's seconds over the repeats */
static PetscErrorCode Summarize(PetscInt n, PetscReal t[], PetscReal *tmin, PetscReal *tmed, PetscReal *tmean)
{
  PetscFunctionBegin;
  *tmean = 0;
  for (PetscInt k = 0; k < n; k++) *tmean += t[k] / n;
  PetscCall(PetscSortReal(n, t));
  *tmin = t[0];
  *tmed = n % 2 ? t[n / 2] : 0.5 * (t[n / 2 - 1] + t[n / 2]);
  PetscFunctionReturn(0);
}

static PetscErrorCode RunMeta(const ScaleOptions *o, const char file[])
{
  const char *const phase_names[] = {"scatter", "local_forward", "local_adjoint", "reduce"};
  PetscLogEvent     phases[4];
  MetaRun           r;
  PetscBool         is_dcr;
  PetscInt          tile_cells, n_sims, n_model, n_data, n_support, sup_sum, sup_max;
  PetscReal          *t;
  PetscMPIInt         size;
  IS                  support;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_size(PETSC_COMM_WORLD, &size));
  PetscCall(PetscStrcmp(o->workload, "dcr", &is_dcr));
  tile_cells = file[0] ? -1 : (is_dcr ? o->dcr_n * o->dcr_n * PetscMax(o->dcr_n / 2, 2) : o->tile_cells);
  if (file[0]) PetscCall(MSProblemLoad(PETSC_COMM_WORLD, file, &r.meta));
  else {
    PetscCall(MSMetaCreate(PETSC_COMM_WORLD, &r.meta));
    PetscCall(MSMetaSetFactory(r.meta, o->tiles, TileFactory, (void *)o));
    PetscCall(MSMetaSetFromOptions(r.meta));
    PetscCall(MSMetaSetUp(r.meta));
  }
  phases[0] = MS_MetaScatter; /* registered by the first MSMeta */
  phases[1] = MS_MetaLocalForward;
  phases[2] = MS_MetaLocalAdjoint;
  phases[3] = MS_MetaReduce;
  PetscCall(MSMetaCreateVecs(r.meta, &r.m, &r.d));
  PetscCall(VecDuplicate(r.m, &r.v));
  PetscCall(VecDuplicate(r.m, &r.g));
  PetscCall(VecDuplicate(r.d, &r.d_obs));
  PetscCall(VecSet(r.m, -1.0));
  PetscCall(VecSet(r.v, 0.5));
  PetscCall(MSMetaDpred(r.meta, r.m, r.d_obs));
  PetscCall(VecScale(r.d_obs, 1.01));
  PetscCall(MSMetaGetSizes(r.meta, &n_sims, &n_model, &n_data));
  PetscCall(MSMetaGetLocalSupport(r.meta, &support));
  PetscCall(ISGetLocalSize(support, &n_support));
  PetscCallMPI(MPI_Allreduce(&n_support, &sup_sum, 1, MPIU_INT, MPI_SUM, PETSC_COMM_WORLD));
  PetscCallMPI(MPI_Allreduce(&n_support, &sup_max, 1, MPIU_INT, MPI_MAX, PETSC_COMM_WORLD));
  PetscCall(PetscMalloc1(o->repeat, &t));
  for (Op op = OP_DPRED; op < OP_COUNT; op++) {
    PetscReal before[4], after[4], tmin, tmed, tmean;

    PetscCall(RunOp(&r, op, -1)); /* warm-up */
    for (int p = 0; p < 4; p++) PetscCall(EventSeconds(phases[p], &before[p]));
    for (PetscInt k = 0; k < o->repeat; k++) {
      PetscLogDouble t0, t1;
      PetscReal      local;

      PetscCallMPI(MPI_Barrier(PETSC_COMM_WORLD));
      PetscCall(PetscTime(&t0));
      PetscCall(RunOp(&r, op, k));
      PetscCall(PetscTime(&t1));
      local = t1 - t0;
      PetscCallMPI(MPI_Allreduce(&local, &t[k], 1, MPIU_REAL, MPIU_MAX, PETSC_COMM_WORLD));
    }
    for (int p = 0; p < 4; p++) {
      PetscCall(EventSeconds(phases[p], &after[p]));
      after[p] = (after[p] - before[p]) / o->repeat;
    }
    PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, after, 4, MPIU_REAL, MPIU_MAX, PETSC_COMM_WORLD));
    PetscCall(Summarize(o->repeat, t, &tmin, &tmed, &tmean));
    PetscCall(PrintCommon(o, op_names[op]));
    PetscCall(PetscPrintf(PETSC_COMM_WORLD, ", \"tile_cells\": %" PetscInt_FMT ", \"n_sims\": %" PetscInt_FMT ", \"n_model\": %" PetscInt_FMT ", \"n_data\": %" PetscInt_FMT ", \"support_sum\": %" PetscInt_FMT ", \"support_max\": %" PetscInt_FMT ", \"min_s\": %.6e, \"median_s\": %.6e, \"mean_s\": %.6e, \"phases_s\": {", tile_cells, n_sims, n_model, n_data, sup_sum, sup_max, (double)tmin, (double)tmed, (double)tmean));
    for (int p = 0; p < 4; p++) PetscCall(PetscPrintf(PETSC_COMM_WORLD, "%s\"%s\": %.6e", p ? ", " : "", phase_names[p], (double)after[p]));
    PetscCall(PetscPrintf(PETSC_COMM_WORLD, "}}\n"));
  }
  PetscCall(PetscFree(t));
  PetscCall(VecDestroy(&r.m));
  PetscCall(VecDestroy(&r.v));
  PetscCall(VecDestroy(&r.d));
  PetscCall(VecDestroy(&r.g));
  PetscCall(VecDestroy(&r.d_obs));
  PetscCall(MSMetaDestroy(&r.meta));
  PetscFunctionReturn(0);
}

static PetscErrorCode SpinTask(MSFarmTask *task, PetscScalar *out, void *ctx)
{
  const PetscReal *ms = (const PetscReal *)ctx;
  PetscLogDouble   t0, t;

  PetscFunctionBegin;
  PetscCall(PetscTime(&t0));
  do PetscCall(PetscTime(&t));
  while (t - t0 < *ms * 1e-3);
  out[0] = (PetscScalar)task->index;
  PetscFunctionReturn(0);
}

/* Farm workload: `tiles` tasks of task_ms each, default schedule (or -farm_schedule). */
static PetscErrorCode RunFarm(const ScaleOptions *o)
{
  PetscReal *t, tmin, tmed, tmean;

  PetscFunctionBegin;
  PetscCall(PetscMalloc1(o->repeat + 1, &t));
  for (PetscInt k = -1; k < o->repeat; k++) {
    MSFarm         farm;
    PetscLogDouble t0, t1;

    PetscCall(MSFarmCreate(PETSC_COMM_WORLD, &farm));
    PetscCall(MSFarmSetTasks(farm, o->tiles, 1));
    PetscCall(MSFarmSetFromOptions(farm));
    PetscCallMPI(MPI_Barrier(PETSC_COMM_WORLD));
    PetscCall(PetscTime(&t0));
    PetscCall(MSFarmMap(farm, SpinTask, (void *)&o->task_ms, MS_FARM_RESULTS_NONE, NULL));
    PetscCall(PetscTime(&t1));
    PetscCall(MSFarmDestroy(&farm));
    if (k >= 0) t[k] = t1 - t0; /* MSFarmMap is collective: every rank returns when all is done */
  }
  PetscCall(Summarize(o->repeat, t, &tmin, &tmed, &tmean));
  PetscCall(PrintCommon(o, "map"));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, ", \"n_tasks\": %" PetscInt_FMT ", \"task_ms\": %.3f, \"min_s\": %.6e, \"median_s\": %.6e, \"mean_s\": %.6e}\n", o->tiles, (double)o->task_ms, (double)tmin, (double)tmed, (double)tmean));
  PetscCall(PetscFree(t));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  ScaleOptions o = {"linear", 8, 2000, 200, 12, 5, 5.0};
  char         file[PETSC_MAX_PATH_LEN] = "";
  PetscInt     per_rank = 0;
  PetscMPIInt  size;
  PetscBool    is_file, is_farm, known;

  if (MSBenchWantsHelp(argc, argv, help)) return 0;
  PetscCall(PetscInitialize(&argc, &argv, NULL, help));
  PetscCall(PetscLogDefaultBegin()); /* the per-phase times come from the log events */
  PetscCallMPI(MPI_Comm_size(PETSC_COMM_WORLD, &size));
  PetscCall(PetscOptionsGetString(NULL, NULL, "-workload", o.workload, sizeof(o.workload), NULL));
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-tiles", &o.tiles, NULL));
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-tiles_per_rank", &per_rank, NULL));
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-tile_cells", &o.tile_cells, NULL));
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-tile_data", &o.tile_data, NULL));
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-dcr_n", &o.dcr_n, NULL));
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-repeat", &o.repeat, NULL));
  PetscCall(PetscOptionsGetReal(NULL, NULL, "-task_ms", &o.task_ms, NULL));
  PetscCall(PetscOptionsGetString(NULL, NULL, "-file", file, sizeof(file), NULL));
  if (per_rank > 0) o.tiles = per_rank * size;
  PetscCall(PetscStrcmp(o.workload, "file", &is_file));
  PetscCall(PetscStrcmp(o.workload, "farm", &is_farm));
  known = is_file || is_farm;
  if (!known) PetscCall(PetscStrcmp(o.workload, "linear", &known));
  if (!known) PetscCall(PetscStrcmp(o.workload, "dcr", &known));
  PetscCheck(known, PETSC_COMM_WORLD, PETSC_ERR_ARG_WRONG, "-workload %s: expected linear, dcr, farm or file", o.workload);
  PetscCheck(o.tiles >= 1 && o.repeat >= 1 && o.tile_cells >= 2 && o.tile_data >= 1 && o.dcr_n >= 2 && o.task_ms >= 0, PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE, "-tiles, -repeat, -tile_data must be at least 1, -tile_cells and -dcr_n at least 2, -task_ms not negative");
  PetscCheck(!is_file || file[0], PETSC_COMM_WORLD, PETSC_ERR_ARG_WRONG, "-workload file needs -file FILE");
  PetscCall(MeasureNetwork());
  if (is_farm) PetscCall(RunFarm(&o));
  else PetscCall(RunMeta(&o, is_file ? file : ""));
  PetscCall(PetscFinalize());
  return 0;
}
