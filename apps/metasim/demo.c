/* metasim demo: the main job with no input. A tiled problem (linear simulations of a positive
   property, each reading exp of its window of one global log-model) built through MSMeta's
   factory, so each rank builds only its tiles; every operation timed, the adjoint and Taylor
   checks, results written. */
#include "apputil.h"

static const char MSAppDemoHelp[] =
  "usage: mpiexec -n N metasim demo [-o OUT] [--force] [--tiles T] [--write-problem FILE] [--dcr N]\n\n"
  "Builds T tiles (default 16): tile t is a linear simulation d_t = G_t exp(m[window_t]) of a\n"
  "positive property whose log is the global model m (map: projection, then exp), G_t a dense\n"
  "150 x 200 smoothing kernel, window_t = [100 t, 100 t + 200) of one global model of 100 (T + 1)\n"
  "cells, so neighbouring windows overlap by half. Each rank builds only the tiles it owns.\n"
  "Runs dpred, Jvec, Jtvec and the JtJ diagonal (plain and weighted), the adjoint (dot-product)\n"
  "and Taylor checks of the whole meta operator, prints the partition, a timing table and the\n"
  "checks, and writes the results to OUT (default metasim-demo.h5; docs/format.md); an existing\n"
  "OUT or FILE is refused unless --force.\n"
  "--write-problem FILE also writes the problem itself, for `metasim eval FILE`.\n"
  "--dcr N: tile t is instead a DC resistivity simulation (MSSIMDCR) on an N x N x N/2 grid\n"
  "(two pole sources, four dipole receivers each) of the log-conductivity window\n"
  "[t C/2, t C/2 + C), C = N^3/2 cells. With -meta_group_size K each tile runs on a group of K\n"
  "ranks, its grid distributed over them (-meta_simulation_ranks, -meta_group_by_cost too).\n"
  "PETSc options pass through: -log_view, -meta_view, -meta_jtjdiag exact, ...\n";

#define DEMO_STEP   100 /* window offset between tiles */
#define DEMO_WIDTH  200 /* model cells per tile */
#define DEMO_N_DATA 150 /* data per tile */

typedef struct {
  PetscInt n_tiles, n_model;
  PetscInt dcr_n;        /* dcr tiles of dcr_n x dcr_n x dcr_n/2 cells, or 0: linear tiles */
  PetscInt width, step;  /* model cells per tile, window offset between tiles */
} DemoProblem;

/* G_t[r][c] = (1 + t / T) exp(-((x_r - c) / 6)^2), x_r spread over the window. */
static PetscErrorCode DemoCreateG(MPI_Comm comm, const DemoProblem *p, PetscInt t, Mat *G)
{
  PetscScalar *a;
  PetscInt     rstart, rend;

  PetscFunctionBegin;
  PetscCall(MatCreateDense(comm, PETSC_DECIDE, PETSC_DECIDE, DEMO_N_DATA, DEMO_WIDTH, NULL, G));
  PetscCall(MatGetOwnershipRange(*G, &rstart, &rend));
  PetscCall(MatDenseGetArrayWrite(*G, &a));
  for (PetscInt c = 0; c < DEMO_WIDTH; c++)
    for (PetscInt r = rstart; r < rend; r++) {
      PetscReal x = (PetscReal)r * (DEMO_WIDTH - 1) / (DEMO_N_DATA - 1);

      a[(size_t)c * (size_t)(rend - rstart) + (size_t)(r - rstart)] = (1.0 + (PetscReal)t / p->n_tiles) * PetscExpReal(-PetscSqr((x - c) / 6.0));
    }
  PetscCall(MatDenseRestoreArrayWrite(*G, &a));
  PetscCall(MatAssemblyBegin(*G, MAT_FINAL_ASSEMBLY));
  PetscCall(MatAssemblyEnd(*G, MAT_FINAL_ASSEMBLY));
  PetscFunctionReturn(0);
}

static PetscErrorCode DemoWindow(const DemoProblem *p, PetscInt t, PetscInt idx[])
{
  PetscFunctionBegin;
  for (PetscInt k = 0; k < p->width; k++) idx[k] = t * p->step + k;
  PetscFunctionReturn(0);
}

/* MSMeta's factory: called only on the ranks that own tile t, with their group's communicator.
   A dcr tile reads its window of the log-conductivity model; a linear one exp of it. */
static PetscErrorCode DemoFactory(MPI_Comm comm, PetscInt t, MSSim *sim, MSMap *map, void *ctx)
{
  DemoProblem *p = (DemoProblem *)ctx;
  PetscInt    *idx;
  Mat          G;
  MSMap        chain[2]; /* projection onto the window, then exp */

  PetscFunctionBegin;
  PetscCall(PetscMalloc1(p->width, &idx));
  PetscCall(DemoWindow(p, t, idx));
  if (p->dcr_n) {
    PetscCall(MSSimDCRCreateTile(comm, p->dcr_n, sim));
    PetscCall(MSMapCreateProjection(PETSC_COMM_SELF, p->n_model, p->width, idx, map));
    PetscCall(PetscFree(idx));
    PetscFunctionReturn(0);
  }
  PetscCall(DemoCreateG(comm, p, t, &G));
  PetscCall(MSSimCreate(comm, sim));
  PetscCall(MSSimSetType(*sim, MSSIMLINEAR));
  PetscCall(MSSimLinearSetOperator(*sim, G));
  PetscCall(MatDestroy(&G));
  PetscCall(MSMapCreateProjection(PETSC_COMM_SELF, p->n_model, DEMO_WIDTH, idx, &chain[0]));
  PetscCall(PetscFree(idx));
  PetscCall(MSMapCreate(PETSC_COMM_SELF, &chain[1]));
  PetscCall(MSMapSetType(chain[1], MSMAPEXP));
  PetscCall(MSMapSetSizes(chain[1], DEMO_WIDTH, DEMO_WIDTH));
  PetscCall(MSMapSetUp(chain[1]));
  PetscCall(MSMapCreate(PETSC_COMM_SELF, map));
  PetscCall(MSMapSetType(*map, MSMAPCOMPOSE));
  PetscCall(MSMapComposeSetMaps(*map, 2, chain));
  PetscCall(MSMapSetUp(*map));
  PetscCall(MSMapDestroy(&chain[0]));
  PetscCall(MSMapDestroy(&chain[1]));
  PetscFunctionReturn(0);
}

/* v_j = offset + scale sin(freq j): values by global index, the same for any rank count. */
static PetscErrorCode DemoFill(Vec v, PetscReal offset, PetscReal scale, PetscReal freq)
{
  PetscScalar *a;
  PetscInt     lo, hi;

  PetscFunctionBegin;
  PetscCall(VecGetOwnershipRange(v, &lo, &hi));
  PetscCall(VecGetArrayWrite(v, &a));
  for (PetscInt j = lo; j < hi; j++) a[j - lo] = offset + scale * PetscSinReal(freq * j);
  PetscCall(VecRestoreArrayWrite(v, &a));
  PetscFunctionReturn(0);
}

/* Writes the demo problem (linear tiles) with each group's first rank writing the tiles it owns. */
static PetscErrorCode DemoWriteProblem(MSMeta meta, const DemoProblem *p, const char file[], Vec m, Vec v, Vec w, Vec std)
{
  MSProblemWriter writer;
  PetscInt        first, last, idx[DEMO_WIDTH];
  MPI_Comm        group;
  PetscMPIInt     grank;
  MSMapSpec       spec[2] = {
    {MSMAPPROJECTION, 0,          DEMO_WIDTH, idx,  NULL, NULL, 0.0, 0, NULL},
    {MSMAPEXP,        DEMO_WIDTH, DEMO_WIDTH, NULL, NULL, NULL, 0.0, 0, NULL}
  };

  PetscFunctionBegin;
  spec[0].n_in = p->n_model;
  PetscCall(MSMetaGetOwnershipRange(meta, &first, &last));
  PetscCall(MSMetaGetGroup(meta, &group, NULL, NULL));
  PetscCallMPI(MPI_Comm_rank(group, &grank));
  if (grank > 0) last = first; /* the group's other ranks hold the same tiles */
  PetscCall(MSProblemWriterCreate(PETSC_COMM_WORLD, file, MS_META_STACK, p->n_tiles, p->n_model, &writer));
  for (PetscInt t = first; t < last; t++) {
    Mat G;

    PetscCall(DemoCreateG(PETSC_COMM_SELF, p, t, &G));
    PetscCall(DemoWindow(p, t, idx));
    PetscCall(MSProblemWriterSetSimulation(writer, t, G, 2, spec));
    PetscCall(MatDestroy(&G));
  }
  PetscCall(MSProblemWriterAddVector(writer, "models/m", m));
  PetscCall(MSProblemWriterAddVector(writer, "models/v", v));
  PetscCall(MSProblemWriterAddVector(writer, "data/w", w));
  PetscCall(MSProblemWriterAddVector(writer, "uncertainties/std", std));
  PetscCall(MSProblemWriterCommit(writer));
  PetscCall(MSProblemWriterDestroy(&writer));
  PetscFunctionReturn(0);
}

#define DEMO_N_OPS 5

typedef struct {
  const char *name[DEMO_N_OPS + 1];
  Vec         out[DEMO_N_OPS + 1];
  PetscReal   seconds[DEMO_N_OPS];
} DemoResults;

/* Starts a timed section on every rank at once. */
static PetscErrorCode DemoTic(PetscLogDouble *t0)
{
  PetscFunctionBegin;
  PetscCallMPI(MPI_Barrier(PETSC_COMM_WORLD));
  PetscCall(PetscTime(t0));
  PetscFunctionReturn(0);
}

/* Elapsed time of the slowest rank. */
static PetscErrorCode DemoToc(PetscLogDouble t0, PetscReal *seconds)
{
  PetscLogDouble t1;
  PetscReal      local;

  PetscFunctionBegin;
  PetscCall(PetscTime(&t1));
  local = (PetscReal)(t1 - t0);
  PetscCall(MPIU_Allreduce(&local, seconds, 1, MPIU_REAL, MPIU_MAX, PETSC_COMM_WORLD));
  PetscFunctionReturn(0);
}

static PetscErrorCode DemoRun(MSMeta meta, Vec m, Vec v, Vec w, Vec W, DemoResults *r, PetscBool *exact)
{
  PetscLogDouble t0;
  PetscBool      exact_w;

  PetscFunctionBegin;
  r->name[0] = "dpred";
  r->name[1] = "Jvec";
  r->name[2] = "Jtvec";
  r->name[3] = "JtJdiag";
  r->name[4] = "JtJdiag_W";
  r->name[5] = "m";
  PetscCall(VecDuplicate(w, &r->out[0]));
  PetscCall(VecDuplicate(w, &r->out[1]));
  for (int k = 2; k < DEMO_N_OPS; k++) PetscCall(VecDuplicate(m, &r->out[k]));
  PetscCall(VecDuplicate(m, &r->out[5]));
  PetscCall(VecCopy(m, r->out[5]));
  PetscCall(DemoTic(&t0));
  PetscCall(MSMetaDpred(meta, m, r->out[0]));
  PetscCall(DemoToc(t0, &r->seconds[0]));
  PetscCall(DemoTic(&t0));
  PetscCall(MSMetaJvec(meta, m, v, r->out[1]));
  PetscCall(DemoToc(t0, &r->seconds[1]));
  PetscCall(DemoTic(&t0));
  PetscCall(MSMetaJtvec(meta, m, w, r->out[2]));
  PetscCall(DemoToc(t0, &r->seconds[2]));
  PetscCall(DemoTic(&t0));
  PetscCall(MSMetaGetJtJDiagonal(meta, m, NULL, r->out[3], exact));
  PetscCall(DemoToc(t0, &r->seconds[3]));
  PetscCall(DemoTic(&t0));
  PetscCall(MSMetaGetJtJDiagonal(meta, m, W, r->out[4], &exact_w));
  PetscCall(DemoToc(t0, &r->seconds[4]));
  *exact = (*exact && exact_w) ? PETSC_TRUE : PETSC_FALSE;
  PetscFunctionReturn(0);
}

static PetscErrorCode DemoPrintTable(const DemoResults *r)
{
  PetscFunctionBegin;
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "\n%-12s %14s %16s\n", "operation", "time (s)", "||result||_2"));
  for (int k = 0; k < DEMO_N_OPS; k++) {
    PetscReal norm;

    PetscCall(VecNorm(r->out[k], NORM_2, &norm));
    PetscCall(PetscPrintf(PETSC_COMM_WORLD, "%-12s %14.6f %16.8e\n", r->name[k], (double)r->seconds[k], (double)norm));
  }
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "(time: the slowest rank, after a barrier)\n"));
  PetscFunctionReturn(0);
}

/* Adjoint and Taylor checks of the whole meta operator; fails the demo if either fails. */
static PetscErrorCode DemoChecks(MSMeta meta, Vec m, PetscBool exact)
{
  MSAdjointReport adj;
  MSTaylorReport  tay;
  PetscViewer     out;

  PetscFunctionBegin;
  PetscCall(PetscViewerASCIIGetStdout(PETSC_COMM_WORLD, &out));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "\nchecks of the whole meta operator:\n"));
  PetscCall(MSMetaCheckAdjoint(meta, m, NULL, &adj));
  PetscCall(MSAdjointReportView(&adj, out));
  PetscCall(MSMetaCheckTaylor(meta, m, NULL, &tay));
  PetscCall(MSTaylorReportView(&tay, out));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "JtJ diagonal: %s\n", exact ? "exact" : "approximate (SimPEG's composition; -meta_jtjdiag exact for the exact one)"));
  PetscCheck(adj.passed && tay.passed, PETSC_COMM_WORLD, PETSC_ERR_PLIB, "the %s check failed", adj.passed ? "Taylor" : "adjoint");
  PetscFunctionReturn(0);
}

static PetscErrorCode Demo(int argc, char **argv)
{
  const char   *out, *problem;
  PetscBool     help, exact, force;
  DemoProblem   p;
  MSMeta        meta;
  Vec           m, v, d, w, std, W;
  DemoResults   r;
  MSResultsInfo info;
  PetscMPIInt   size;
  char         *line;

  PetscFunctionBegin;
  PetscCall(MSAppHasFlag(argc, argv, "--help", "-h", &help));
  if (help) {
    PetscCall(PetscPrintf(PETSC_COMM_WORLD, "%s", MSAppDemoHelp));
    PetscFunctionReturn(0);
  }
  PetscCall(MSAppGetValue(argc, argv, "--output", "-o", "metasim-demo.h5", &out));
  PetscCall(MSAppGetInt(argc, argv, "--tiles", NULL, 16, 1, 100000, &p.n_tiles));
  PetscCall(MSAppGetValue(argc, argv, "--write-problem", NULL, NULL, &problem));
  PetscCall(MSOutputCheck(PETSC_COMM_WORLD, out, PETSC_TRUE, 1, &problem));
  if (problem) PetscCall(MSOutputCheck(PETSC_COMM_WORLD, problem, PETSC_TRUE, 1, &out));
  PetscCall(MSAppHasFlag(argc, argv, "--force", NULL, &force));
  PetscCall(MSAppCheckOverwrite(out, force, "--force to replace it", NULL));
  PetscCall(MSAppCheckOverwrite(problem, force, "--force to replace it", NULL));
  PetscCall(MSAppGetInt(argc, argv, "--dcr", NULL, 0, 2, 1000, &p.dcr_n));
  PetscCheck(!(p.dcr_n && problem), PETSC_COMM_WORLD, PETSC_ERR_ARG_INCOMP, "--write-problem writes the linear demo only, not --dcr");
  p.width   = p.dcr_n ? p.dcr_n * p.dcr_n * PetscMax(p.dcr_n / 2, 2) : DEMO_WIDTH;
  p.step    = p.dcr_n ? p.width / 2 : DEMO_STEP;
  p.n_model = p.step * (p.n_tiles - 1) + p.width;
  PetscCallMPI(MPI_Comm_size(PETSC_COMM_WORLD, &size));
  if (p.dcr_n) PetscCall(PetscPrintf(PETSC_COMM_WORLD, "metasim demo: %" PetscInt_FMT " tiles, each a DC resistivity simulation (16 data, %" PetscInt_FMT " cells) of its\n"
                                                       "window of one global log-conductivity model m of %" PetscInt_FMT " cells (windows overlap by half), on %d rank(s)\n\n",
                                     p.n_tiles, p.width, p.n_model, (int)size));
  else
    PetscCall(PetscPrintf(PETSC_COMM_WORLD, "metasim demo: %" PetscInt_FMT " tiles, each a linear simulation (%d data x %d cells) of exp(m) on its\n"
                                            "window of one global log-model m of %" PetscInt_FMT " cells (windows overlap by half), on %d rank(s)\n\n",
                          p.n_tiles, DEMO_N_DATA, DEMO_WIDTH, p.n_model, (int)size));

  PetscCall(MSMetaCreate(PETSC_COMM_WORLD, &meta));
  PetscCall(MSMetaSetKind(meta, MS_META_STACK));
  PetscCall(MSMetaSetFactory(meta, p.n_tiles, DemoFactory, &p));
  PetscCall(MSMetaSetFromOptions(meta));
  PetscCall(MSMetaSetUp(meta));
  PetscCall(MSMetaView(meta, PETSC_VIEWER_STDOUT_WORLD));

  PetscCall(MSMetaCreateVecs(meta, &m, &d));
  PetscCall(VecDuplicate(m, &v));
  PetscCall(VecDuplicate(d, &w));
  PetscCall(VecDuplicate(d, &std));
  PetscCall(DemoFill(m, 1.0, 0.5, 0.025));
  PetscCall(DemoFill(v, 0.0, 1.0, 0.31));
  PetscCall(DemoFill(w, 0.0, 1.0, 0.17));
  PetscCall(DemoFill(std, 0.1, 0.05, 0.07));
  PetscCall(VecDuplicate(std, &W));
  PetscCall(VecCopy(std, W));
  PetscCall(VecReciprocal(W));

  PetscCall(DemoRun(meta, m, v, w, W, &r, &exact));
  PetscCall(DemoPrintTable(&r));
  PetscCall(DemoChecks(meta, m, exact));

  PetscCall(MSAppCommandLine("metasim", argc, argv, &line));
  info.problem       = "metasim demo (built in memory)";
  info.command       = line;
  info.kind          = MS_META_STACK;
  info.n_sims        = p.n_tiles;
  info.jtjdiag_exact = exact;
  PetscCall(MSResultsWrite(PETSC_COMM_WORLD, out, &info, DEMO_N_OPS + 1, r.name, r.out));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "\nresults written to %s (dpred, Jvec, Jtvec, JtJdiag, JtJdiag_W and the model m)\n", out));
  if (problem) {
    PetscCall(DemoWriteProblem(meta, &p, problem, m, v, w, std));
    PetscCall(PetscPrintf(PETSC_COMM_WORLD, "problem written to %s: metasim eval %s -o OUT --ops dpred,jvec,jtvec,jtjdiag\n", problem, problem));
  }
  PetscCall(PetscFree(line));
  for (int k = 0; k <= DEMO_N_OPS; k++) PetscCall(VecDestroy(&r.out[k]));
  PetscCall(VecDestroy(&m));
  PetscCall(VecDestroy(&v));
  PetscCall(VecDestroy(&d));
  PetscCall(VecDestroy(&w));
  PetscCall(VecDestroy(&std));
  PetscCall(VecDestroy(&W));
  PetscCall(MSMetaDestroy(&meta));
  PetscFunctionReturn(0);
}

static const MSAppFlag DemoFlags[] = {{"--help", "-h", PETSC_FALSE}, {"--output", "-o", PETSC_TRUE}, {"--tiles", NULL, PETSC_TRUE}, {"--write-problem", NULL, PETSC_TRUE}, {"--force", NULL, PETSC_FALSE}, {"--dcr", NULL, PETSC_TRUE}, {NULL, NULL, PETSC_FALSE}};

const MSAppCommand MSAppDemoCommand = {"demo", "run the built-in tiled problem, check it and print a summary", Demo, 0, DemoFlags};
