/* MSMeta benchmark: dense linear simulations with identity or half-window projection maps.
   For each operation it reports, from the same run: the time through MSMeta, a plain loop doing
   the same products on the same matrices without the framework, and the memory-bandwidth floor
   (bytes of G read / a STREAM-like read bandwidth measured here with every rank reading at once).
   With -reproducible it also times a second MSMeta in reproducible mode (-meta_reproducible) on
   the same problem, interleaved with the default one, and reports the ratio.
   Prints one JSON object per (case, maps). Run at several rank counts with mpiexec. */
#include <metasim.h>
#include "benchhelp.h"
#include <petscblaslapack.h>
#include <petsctime.h>

static const char help[] = "MSMeta overhead against a plain loop and the memory floor (JSON, one object per case and maps)\n"
                           "usage: mpiexec -n P bench_meta [-case a|b|c|all] [-maps identity|window|both] [-reps 21] [-reproducible]\n"
                           "  cases: (a) 8 x 2000 x 2000, (b) 64 x 100 x 500, (c) 64 x 20 x 100 (simulations x data x model)\n"
                           "  -reproducible: also time -meta_reproducible side by side and report the ratio\n";

typedef struct {
  const char *name;
  PetscInt    n_sims, n_data, n_model;
} BenchCase;

static const BenchCase cases[] = {
  {"a", 8,  2000, 2000},
  {"b", 64, 100,  500 },
  {"c", 64, 20,   100 },
};

typedef struct {
  const BenchCase *bc;
  PetscBool        window;
} Problem;

static PetscInt WindowStart(const Problem *p, PetscInt i)
{
  return p->window ? (i * (p->bc->n_model / 2) / PetscMax(p->bc->n_sims - 1, 1)) % (p->bc->n_model / 2 + 1) : 0;
}

static PetscInt SubLength(const Problem *p)
{
  return p->window ? p->bc->n_model / 2 : p->bc->n_model;
}

static PetscErrorCode Factory(MPI_Comm comm, PetscInt i, MSSim *sim, MSMap *map, void *ctx)
{
  Problem     *p = (Problem *)ctx;
  PetscInt     nd = p->bc->n_data, ns = SubLength(p), *idx, rstart, rend;
  Mat          G;
  PetscScalar *a;

  PetscFunctionBegin;
  PetscCall(MatCreateDense(comm, PETSC_DECIDE, PETSC_DECIDE, nd, ns, NULL, &G));
  PetscCall(MatGetOwnershipRange(G, &rstart, &rend));
  PetscCall(MatDenseGetArrayWrite(G, &a));
  for (PetscInt c = 0; c < ns; c++)
    for (PetscInt r = rstart; r < rend; r++) {
      long long k = (long long)c * nd + r; /* column-major index in the whole G */

      a[(size_t)c * (size_t)(rend - rstart) + (size_t)(r - rstart)] = 1.0 / (1.0 + (double)((k * 7919 + (long long)i * 104729) % 1000));
    }
  PetscCall(MatDenseRestoreArrayWrite(G, &a));
  PetscCall(MatAssemblyBegin(G, MAT_FINAL_ASSEMBLY));
  PetscCall(MatAssemblyEnd(G, MAT_FINAL_ASSEMBLY));
  PetscCall(MSSimCreate(comm, sim));
  PetscCall(MSSimSetType(*sim, MSSIMLINEAR));
  PetscCall(MSSimLinearSetOperator(*sim, G));
  PetscCall(MatDestroy(&G));
  if (!p->window) PetscCall(MSMapCreateIdentity(PETSC_COMM_SELF, p->bc->n_model, map));
  else {
    PetscCall(PetscMalloc1(ns, &idx));
    for (PetscInt k = 0; k < ns; k++) idx[k] = WindowStart(p, i) + k;
    PetscCall(MSMapCreateProjection(PETSC_COMM_SELF, p->bc->n_model, ns, idx, map));
    PetscCall(PetscFree(idx));
  }
  PetscFunctionReturn(0);
}

/* The memory floor: the best bandwidth (bytes/s per rank, every rank at once) of kernels that read
   memory the way the operations do: OpenBLAS dasum and ddot over a 256 MiB array (vectorised
   streaming reads), and dgemv and dgemv^T over matrices of G's shape, as many as the rank's
   simulations (what dpred/Jvec and Jtvec read). The best of them is the floor, so a ratio below 1
   means the floor is wrong, not that metasim beats memory. Each kernel's figure is reported. */
typedef struct {
  PetscReal dasum, ddot, dgemv, dgemvt, best;
} Floor;

/* Slowest rank's best time over 5 runs of one kernel, all ranks at once. */
#define FLOOR_TIME(expr, seconds) \
  do { \
    PetscReal best_ = 1e30; \
    for (int rep_ = 0; rep_ < 5; rep_++) { \
      PetscLogDouble t0_, t1_; \
      PetscReal      local_, slowest_; \
      PetscCallMPI(MPI_Barrier(PETSC_COMM_WORLD)); \
      PetscCall(PetscTime(&t0_)); \
      expr; \
      PetscCall(PetscTime(&t1_)); \
      local_ = t1_ - t0_; \
      PetscCallMPI(MPI_Allreduce(&local_, &slowest_, 1, MPIU_REAL, MPIU_MAX, PETSC_COMM_WORLD)); \
      best_ = PetscMin(best_, slowest_); \
    } \
    (seconds) = best_; \
  } while (0)

static PetscErrorCode MeasureFloor(PetscInt n_data, PetscInt n_sub, PetscInt n_mats, Floor *f)
{
  const PetscBLASInt n = (PetscBLASInt)32 << 20, one = 1, m = (PetscBLASInt)n_data, k = (PetscBLASInt)n_sub;
  const PetscScalar  alpha = 1.0, beta = 0.0;
  PetscScalar       *x, *G, *u, *v;
  volatile double    sink = 0; /* keeps results alive */
  PetscReal          t;
  size_t             gsize = (size_t)n_data * (size_t)n_sub;

  PetscFunctionBegin;
  n_mats = PetscMax(n_mats, 1);
  PetscCall(PetscMalloc1(n, &x));
  PetscCall(PetscMalloc3(gsize * (size_t)n_mats, &G, n_sub, &u, n_data, &v));
  for (PetscBLASInt i = 0; i < n; i++) x[i] = (double)(i & 1023);
  for (size_t i = 0; i < gsize * (size_t)n_mats; i++) G[i] = 1.0 / (1.0 + (double)(i % 997));
  for (PetscInt i = 0; i < n_sub; i++) u[i] = 1.0;
  for (PetscInt i = 0; i < n_data; i++) v[i] = 1.0;
  FLOOR_TIME(sink += BLASasum_(&n, x, &one), t);
  f->dasum = (PetscReal)n * sizeof(PetscScalar) / t;
  FLOOR_TIME(sink += BLASdot_(&n, x, &one, x, &one), t);
  f->ddot = (PetscReal)n * sizeof(PetscScalar) / t;
  FLOOR_TIME(for (PetscInt j = 0; j < n_mats; j++) BLASgemv_("N", &m, &k, &alpha, G + gsize * j, &m, u, &one, &beta, v, &one), t);
  f->dgemv = (PetscReal)(gsize * (size_t)n_mats * sizeof(PetscScalar)) / t;
  FLOOR_TIME(for (PetscInt j = 0; j < n_mats; j++) BLASgemv_("T", &m, &k, &alpha, G + gsize * j, &m, v, &one, &beta, u, &one), t);
  f->dgemvt  = (PetscReal)(gsize * (size_t)n_mats * sizeof(PetscScalar)) / t;
  sink      += u[0] + v[0];
  f->best    = PetscMax(PetscMax(f->dasum, f->ddot), PetscMax(f->dgemv, f->dgemvt));
  PetscCall(PetscFree(x));
  PetscCall(PetscFree3(G, u, v));
  PetscFunctionReturn(0);
}

typedef enum {
  OP_DPRED,
  OP_JVEC,
  OP_JTVEC,
  OP_JTJDIAG,
  OP_COUNT
} Op;
static const char *const op_names[] = {"dpred", "jvec", "jtvec", "jtjdiag"};
/* The BLAS kernel each operation's own access pattern is (dpred and Jvec: G x; Jtvec: G^T w; the
   JtJ diagonal: a dot product of every column with itself): its floor is G's bytes over that
   kernel's bandwidth, next to the best kernel's. */
static const char *const op_kernels[] = {"dgemv", "dgemv", "dgemvT", "ddot"};

static PetscReal KernelBandwidth(const Floor *f, Op op)
{
  return op == OP_JTVEC ? f->dgemvt : op == OP_JTJDIAG ? f->ddot : f->dgemv;
}

/* Median over reps of the slowest rank's time for one operation through MSMeta. */
static PetscErrorCode TimeMeta(MSMeta meta, Op op, PetscInt reps, Vec m, Vec v, Vec d, Vec g, PetscReal *seconds)
{
  PetscReal *t;

  PetscFunctionBegin;
  PetscCall(PetscMalloc1(reps, &t));
  for (PetscInt r = 0; r < reps; r++) {
    PetscLogDouble t0, t1;
    PetscReal      local;

    if (op == OP_DPRED) PetscCall(VecScale(m, r % 2 ? 0.5 : 2.0)); /* a new model state: nothing cached */
    PetscCallMPI(MPI_Barrier(PETSC_COMM_WORLD));
    PetscCall(PetscTime(&t0));
    switch (op) {
    case OP_DPRED:
      PetscCall(MSMetaDpred(meta, m, d));
      break;
    case OP_JVEC:
      PetscCall(MSMetaJvec(meta, m, v, d));
      break;
    case OP_JTVEC:
      PetscCall(MSMetaJtvec(meta, m, d, g));
      break;
    default:
      PetscCall(MSMetaGetJtJDiagonal(meta, m, NULL, g, NULL));
    }
    PetscCall(PetscTime(&t1));
    local = t1 - t0;
    PetscCallMPI(MPI_Allreduce(&local, &t[r], 1, MPIU_REAL, MPIU_MAX, PETSC_COMM_WORLD));
  }
  PetscCall(PetscSortReal(reps, t));
  *seconds = t[reps / 2];
  PetscCall(PetscFree(t));
  PetscFunctionReturn(0);
}

/* The same products on the rank's own matrices with plain loops and PETSc MatMult: gather the
   sub-model from a full local model array, multiply, scatter-add back for the adjoint ops. */
static PetscErrorCode TimePlainLoop(MSMeta meta, const Problem *p, Op op, PetscInt reps, PetscReal *seconds)
{
  PetscInt     first, end, ns = SubLength(p), nm = p->bc->n_model;
  PetscScalar *model, *acc;
  Vec          x, y;
  PetscReal   *t;

  PetscFunctionBegin;
  PetscCall(MSMetaGetOwnershipRange(meta, &first, &end));
  PetscCall(PetscMalloc1(reps, &t));
  PetscCall(PetscCalloc1(nm, &model));
  PetscCall(PetscCalloc1(nm, &acc));
  PetscCall(VecCreateSeq(PETSC_COMM_SELF, ns, &x));
  PetscCall(VecCreateSeq(PETSC_COMM_SELF, p->bc->n_data, &y));
  for (PetscInt j = 0; j < nm; j++) model[j] = 1.0 + j % 7;
  PetscCall(VecSet(y, 1.0));
  for (PetscInt r = 0; r < reps; r++) {
    PetscLogDouble t0, t1;
    PetscReal      local;

    PetscCallMPI(MPI_Barrier(PETSC_COMM_WORLD));
    PetscCall(PetscTime(&t0));
    for (PetscInt i = first; i < end; i++) {
      MSSim        sim;
      Mat          G;
      PetscScalar *xa;
      PetscInt     s = WindowStart(p, i);

      PetscCall(MSMetaGetLocalSimulation(meta, i, &sim, NULL));
      PetscCall(MSSimLinearGetOperator(sim, &G));
      if (op == OP_DPRED || op == OP_JVEC) {
        PetscCall(VecGetArrayWrite(x, &xa));
        for (PetscInt k = 0; k < ns; k++) xa[k] = model[s + k];
        PetscCall(VecRestoreArrayWrite(x, &xa));
        PetscCall(MatMult(G, x, y));
      } else if (op == OP_JTVEC) {
        PetscCall(MatMultTranspose(G, y, x));
        PetscCall(VecGetArray(x, &xa));
        for (PetscInt k = 0; k < ns; k++) acc[s + k] += xa[k];
        PetscCall(VecRestoreArray(x, &xa));
      } else {
        const PetscScalar *a;
        PetscBLASInt       n = (PetscBLASInt)p->bc->n_data, one = 1;

        PetscCall(MatDenseGetArrayRead(G, &a));
        for (PetscInt k = 0; k < ns; k++) acc[s + k] += BLASdot_(&n, a + k * p->bc->n_data, &one, a + k * p->bc->n_data, &one);
        PetscCall(MatDenseRestoreArrayRead(G, &a));
      }
    }
    PetscCall(PetscTime(&t1));
    local = t1 - t0;
    PetscCallMPI(MPI_Allreduce(&local, &t[r], 1, MPIU_REAL, MPIU_MAX, PETSC_COMM_WORLD));
  }
  PetscCall(PetscSortReal(reps, t));
  *seconds = t[reps / 2];
  PetscCall(VecDestroy(&x));
  PetscCall(VecDestroy(&y));
  PetscCall(PetscFree(model));
  PetscCall(PetscFree(acc));
  PetscCall(PetscFree(t));
  PetscFunctionReturn(0);
}

static PetscErrorCode CreateMeta(Problem *p, PetscBool reproducible, MSMeta *meta)
{
  PetscFunctionBegin;
  PetscCall(MSMetaCreate(PETSC_COMM_WORLD, meta));
  PetscCall(MSMetaSetFactory(*meta, p->bc->n_sims, Factory, p));
  PetscCall(MSMetaSetFromOptions(*meta));
  if (reproducible) PetscCall(MSMetaSetReproducible(*meta, PETSC_TRUE));
  PetscCall(MSMetaSetUp(*meta));
  PetscFunctionReturn(0);
}

static PetscErrorCode RunCase(const BenchCase *bc, PetscBool window, PetscInt reps, PetscBool with_repro)
{
  Problem     p = {bc, window};
  MSMeta      meta, repro = NULL;
  Vec         m, v, d, g;
  PetscInt    first, end;
  PetscReal   bytes, floor_s, max_floor_s;
  Floor       fl = {0, 0, 0, 0, 0};
  PetscMPIInt size;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_size(PETSC_COMM_WORLD, &size));
  PetscCall(CreateMeta(&p, PETSC_FALSE, &meta));
  if (with_repro) PetscCall(CreateMeta(&p, PETSC_TRUE, &repro));
  PetscCall(MSMetaCreateVecs(meta, &m, &d));
  PetscCall(VecDuplicate(m, &v));
  PetscCall(VecDuplicate(m, &g));
  PetscCall(VecSet(m, 1.0));
  PetscCall(VecSet(v, 0.5));
  PetscCall(MSMetaGetOwnershipRange(meta, &first, &end));
  PetscCall(MeasureFloor(bc->n_data, SubLength(&p), end - first, &fl));
  bytes   = (PetscReal)(end - first) * bc->n_data * SubLength(&p) * sizeof(PetscScalar);
  floor_s = bytes / fl.best;
  PetscCallMPI(MPI_Allreduce(&floor_s, &max_floor_s, 1, MPIU_REAL, MPIU_MAX, PETSC_COMM_WORLD));
  PetscCall(MSMetaDpred(meta, m, d)); /* warm up: scatter built, pages touched */
  if (repro) PetscCall(MSMetaDpred(repro, m, d));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "{\"benchmark\": \"meta\", \"case\": \"%s\", \"maps\": \"%s\", \"ranks\": %d, \"n_sims\": %" PetscInt_FMT ", \"n_data\": %" PetscInt_FMT ", \"n_model\": %" PetscInt_FMT ", \"n_sub\": %" PetscInt_FMT ", \"floor_GBps_per_rank\": {\"dasum\": %.3f, \"ddot\": %.3f, \"dgemv\": %.3f, \"dgemvT\": %.3f, \"best\": %.3f}, \"floor_seconds\": %.6e, \"ops\": {", bc->name, window ? "window" : "identity", size, bc->n_sims, bc->n_data, bc->n_model, SubLength(&p), (double)(fl.dasum / 1e9), (double)(fl.ddot / 1e9), (double)(fl.dgemv / 1e9), (double)(fl.dgemvt / 1e9), (double)(fl.best / 1e9), (double)max_floor_s));
  for (Op op = OP_DPRED; op < OP_COUNT; op++) {
    PetscReal meta_s = 0, plain_s = 0, per_rank_sims = (PetscReal)bc->n_sims / size, kernel_s = bytes / KernelBandwidth(&fl, op);

    PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &kernel_s, 1, MPIU_REAL, MPIU_MAX, PETSC_COMM_WORLD));
    PetscCall(TimeMeta(meta, op, reps, m, v, d, g, &meta_s));
    PetscCall(TimePlainLoop(meta, &p, op, reps, &plain_s));
    PetscCall(PetscPrintf(PETSC_COMM_WORLD, "%s\"%s\": {\"meta_seconds\": %.6e, \"plain_loop_seconds\": %.6e, \"meta_over_floor\": %.3f, \"kernel\": \"%s\", \"meta_over_kernel\": %.3f, \"meta_over_plain\": %.3f, \"overhead_us_per_sim\": %.3f", op ? ", " : "", op_names[op], (double)meta_s, (double)plain_s, (double)(meta_s / max_floor_s), op_kernels[op], (double)(meta_s / kernel_s), (double)(meta_s / plain_s), (double)(1e6 * (meta_s - plain_s) / per_rank_sims)));
    if (repro) {
      PetscReal repro_s = 0;

      PetscCall(TimeMeta(repro, op, reps, m, v, d, g, &repro_s));
      PetscCall(TimeMeta(meta, op, reps, m, v, d, g, &meta_s)); /* again, after: the pair brackets the machine's drift */
      PetscCall(PetscPrintf(PETSC_COMM_WORLD, ", \"reproducible_seconds\": %.6e, \"default_seconds_after\": %.6e, \"reproducible_over_default\": %.3f", (double)repro_s, (double)meta_s, (double)(repro_s / meta_s)));
    }
    PetscCall(PetscPrintf(PETSC_COMM_WORLD, "}"));
  }
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "}}\n"));
  PetscCall(VecDestroy(&m));
  PetscCall(VecDestroy(&v));
  PetscCall(VecDestroy(&d));
  PetscCall(VecDestroy(&g));
  PetscCall(MSMetaDestroy(&meta));
  PetscCall(MSMetaDestroy(&repro));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  char      which[8] = "all", maps[16] = "both";
  PetscInt  reps     = 21;
  PetscBool with_repro = PETSC_FALSE;

  if (MSBenchWantsHelp(argc, argv, help)) return 0;
  PetscCall(PetscInitialize(&argc, &argv, NULL, help));
  PetscCall(PetscOptionsGetString(NULL, NULL, "-case", which, sizeof(which), NULL));
  PetscCall(PetscOptionsGetString(NULL, NULL, "-maps", maps, sizeof(maps), NULL));
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-reps", &reps, NULL));
  PetscCall(PetscOptionsGetBool(NULL, NULL, "-reproducible", &with_repro, NULL));
  PetscCheck(reps > 0, PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE, "-reps must be positive");
  for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
    PetscBool all, match, idm, win;

    PetscCall(PetscStrcmp(which, "all", &all));
    PetscCall(PetscStrcmp(which, cases[c].name, &match));
    if (!all && !match) continue;
    PetscCall(PetscStrcmp(maps, "window", &win));
    PetscCall(PetscStrcmp(maps, "identity", &idm));
    if (!win) PetscCall(RunCase(&cases[c], PETSC_FALSE, reps, with_repro));
    if (!idm) PetscCall(RunCase(&cases[c], PETSC_TRUE, reps, with_repro));
  }
  PetscCall(PetscFinalize());
  return 0;
}
