/* MSFarm: Philox known answers, per-task streams, every schedule and counter bitwise against a
   direct loop (at every rank count the suite runs with), no rank waiting for a busy rank 0, grids, failure capture, streaming callback, joins,
   tasks on groups of ranks and bad input. */
#define _POSIX_C_SOURCE 200809L /* nanosleep */
#include <math.h>
#include <string.h>
#include <time.h>
#include "mstest.h"

#define N_TASKS  103
#define OUT_SIZE 4
#define SEED     20240611u

typedef struct {
  PetscInt calls;
  PetscInt fail_mod; /* tasks with index % fail_mod == 3 fail; 0: none */
} TaskCtx;

/* Output of task t from its own stream, input row and grid position. */
static PetscErrorCode TaskMix(MSFarmTask *t, PetscScalar *out, void *ctx)
{
  TaskCtx *c = (TaskCtx *)ctx;
  double   u;
  uint64_t k;

  PetscFunctionBegin;
  c->calls++;
  PetscCheck(!c->fail_mod || t->index % c->fail_mod != 3, PETSC_COMM_SELF, PETSC_ERR_USER, "task %" PetscInt_FMT " refuses to run", t->index);
  PetscCall(MSRandomStreamUniform(&t->rng, &u));
  PetscCall(MSRandomStreamInteger(&t->rng, 10, &k));
  out[0] = u;
  out[1] = (PetscScalar)k;
  out[2] = t->input ? 3 * t->input[0] + t->input[1] : -1;
  out[3] = 1000 * t->i + t->j;
  PetscFunctionReturn(0);
}

/* The same numbers computed directly, task by task, for a grid with rows x cols (lower: j <= i). */
static void reference(PetscInt n, const PetscScalar *in, MSFarmGridShape shape, PetscInt cols, PetscScalar *ref)
{
  PetscInt k = 0;

  for (PetscInt i = 0; k < n; i++)
    for (PetscInt j = 0; j < (shape == MS_FARM_GRID_LOWER ? i + 1 : cols) && k < n; j++, k++) {
      MSRandomStream rs;
      double         u;
      uint64_t       v;

      MSCK(MSRandomStreamInitialize(&rs, SEED, (uint64_t)k));
      MSCK(MSRandomStreamUniform(&rs, &u));
      MSCK(MSRandomStreamInteger(&rs, 10, &v));
      ref[k * OUT_SIZE + 0] = u;
      ref[k * OUT_SIZE + 1] = (PetscScalar)v;
      ref[k * OUT_SIZE + 2] = in ? 3 * in[2 * k] + in[2 * k + 1] : -1;
      ref[k * OUT_SIZE + 3] = cols == 1 && shape == MS_FARM_GRID_FULL ? 1000 * k : 1000 * i + j;
    }
}

/* The task calls of every rank since the last count. */
static PetscInt total_calls(PetscInt *calls)
{
  PetscInt sum;

  MPI_Allreduce(calls, &sum, 1, MPIU_INT, MPI_SUM, PETSC_COMM_WORLD);
  *calls = 0;
  return sum;
}

START_TEST(test_philox_known_answers)
{
  /* Random123 kat_vectors, philox4x32_10 */
  const uint32_t ctr[3][4] = {{0, 0, 0, 0}, {0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff}, {0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344}};
  const uint32_t key[3][2] = {{0, 0}, {0xffffffff, 0xffffffff}, {0xa4093822, 0x299f31d0}};
  const uint32_t ans[3][4] = {{0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}, {0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd}, {0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1}};

  for (int v = 0; v < 3; v++) {
    uint32_t out[4];

    MSCK(MSPhilox4x32(ctr[v], key[v], out));
    for (int w = 0; w < 4; w++) ck_assert_msg(out[w] == ans[v][w], "vector %d word %d: %08x, expected %08x", v, w, out[w], ans[v][w]);
  }
}
END_TEST

START_TEST(test_random_streams)
{
  MSRandomStream a, b, c;
  uint32_t       x, y, first[4];
  double         u, mean = 0;
  uint64_t       k, hist[7] = {0};
  const int      n = 70000;

  /* the stream is the Philox output of counters (0, 0, stream lo, stream hi), (1, 0, ...) */
  MSCK(MSRandomStreamInitialize(&a, 0x0123456789abcdefULL, 0xfedcba9876543210ULL));
  MSCK(MSPhilox4x32((const uint32_t[4]){0, 0, 0x76543210u, 0xfedcba98u}, (const uint32_t[2]){0x89abcdefu, 0x01234567u}, first));
  for (int w = 0; w < 4; w++) {
    MSCK(MSRandomStreamUInt32(&a, &x));
    ck_assert_uint_eq(x, first[w]);
  }
  /* same key: same numbers; another stream or seed: different numbers */
  MSCK(MSRandomStreamInitialize(&a, 5, 9));
  MSCK(MSRandomStreamInitialize(&b, 5, 9));
  MSCK(MSRandomStreamInitialize(&c, 5, 10));
  for (int t = 0; t < 100; t++) {
    MSCK(MSRandomStreamUInt32(&a, &x));
    MSCK(MSRandomStreamUInt32(&b, &y));
    ck_assert_uint_eq(x, y);
  }
  MSCK(MSRandomStreamUInt32(&c, &y));
  MSCK(MSRandomStreamInitialize(&b, 6, 9));
  MSCK(MSRandomStreamUInt32(&b, &x));
  ck_assert_uint_ne(x, y);
  /* uniform in [0, 1) with mean 1/2; integers in [0, 7) roughly equally often */
  for (int t = 0; t < n; t++) {
    MSCK(MSRandomStreamUniform(&a, &u));
    ck_assert(u >= 0 && u < 1);
    mean += u / n;
    MSCK(MSRandomStreamInteger(&a, 7, &k));
    ck_assert(k < 7);
    hist[k]++;
  }
  ck_assert_msg(fabs(mean - 0.5) < 5 * sqrt(1.0 / 12 / n), "mean %g", mean);
  for (int v = 0; v < 7; v++) ck_assert_msg(fabs((double)hist[v] - n / 7.0) < 5 * sqrt(n / 7.0), "value %d drawn %d times", v, (int)hist[v]);
  MSCK(MSRandomStreamInteger(&a, 1, &k));
  ck_assert(k == 0);
  MSCK_FAILS(MSRandomStreamInteger(&a, 0, &k), PETSC_ERR_ARG_OUTOFRANGE);
}
END_TEST

/* Every schedule and chunk, results on all ranks and on rank 0, bitwise equal to the direct loop. */
START_TEST(test_schedules_bitwise)
{
  PetscScalar *in, *ref, *res;
  TaskCtx      ctx = {0, 0};
  const PetscInt chunks[] = {0, 1, 7};

  MSCK(PetscMalloc3(2 * N_TASKS, &in, N_TASKS * OUT_SIZE, &ref, N_TASKS * OUT_SIZE, &res));
  for (PetscInt k = 0; k < 2 * N_TASKS; k++) in[k] = sin((double)k);
  reference(N_TASKS, in, MS_FARM_GRID_FULL, 1, ref);
  for (int s = MS_FARM_BLOCK; s <= MS_FARM_GUIDED; s++)
    for (int c = 0; c < 3; c++) {
      MSFarm farm;

      MSCK(MSFarmCreate(PETSC_COMM_WORLD, &farm));
      MSCK(MSFarmSetTasks(farm, N_TASKS, OUT_SIZE));
      MSCK(MSFarmSetInputs(farm, 2, in));
      MSCK(MSFarmSetSeed(farm, SEED));
      MSCK(MSFarmSetSchedule(farm, (MSFarmSchedule)s, chunks[c]));
      MSCK(MSFarmMap(farm, TaskMix, &ctx, MS_FARM_RESULTS_ALL, res));
      ck_assert_msg(memcmp(res, ref, sizeof(PetscScalar) * N_TASKS * OUT_SIZE) == 0, "schedule %s chunk %d: results differ from the direct loop", MSFarmSchedules[s], (int)chunks[c]);
      ck_assert_int_eq(total_calls(&ctx.calls), N_TASKS);
      memset(res, 0, sizeof(PetscScalar) * N_TASKS * OUT_SIZE);
      MSCK(MSFarmMap(farm, TaskMix, &ctx, MS_FARM_RESULTS_ROOT, ms_test_rank == 0 ? res : NULL));
      if (ms_test_rank == 0) ck_assert_msg(memcmp(res, ref, sizeof(PetscScalar) * N_TASKS * OUT_SIZE) == 0, "schedule %s: rank 0 results differ", MSFarmSchedules[s]);
      ck_assert_int_eq(total_calls(&ctx.calls), N_TASKS);
      MSCK(MSFarmDestroy(&farm));
      ck_assert(farm == NULL);
    }
  MSCK(PetscFree3(in, ref, res));
}
END_TEST

/* Every way of serving the dynamic schedules' counter gives the same bits; rma only where
   every rank shares one node (one-sided MPI may not reach other hosts). */
START_TEST(test_counters_bitwise)
{
  PetscScalar ref[N_TASKS * OUT_SIZE], res[N_TASKS * OUT_SIZE];
  TaskCtx     ctx = {0, 0};
  MPI_Comm    node;
  int         node_size, one_node;

  MSCK(MPI_Comm_split_type(PETSC_COMM_WORLD, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &node));
  MSCK(MPI_Comm_size(node, &node_size));
  MSCK(MPI_Comm_free(&node));
  one_node = node_size == ms_test_size;
  MSCK(MPI_Allreduce(MPI_IN_PLACE, &one_node, 1, MPI_INT, MPI_MIN, PETSC_COMM_WORLD));
  reference(N_TASKS, NULL, MS_FARM_GRID_FULL, 1, ref);
  for (int c = MS_FARM_COUNTER_AUTO; c <= MS_FARM_COUNTER_SERVER; c++)
    for (int s = MS_FARM_DYNAMIC; s <= MS_FARM_GUIDED; s++) {
      MSFarm farm;

      if (c == MS_FARM_COUNTER_RMA && !one_node) continue;
      MSCK(MSFarmCreate(PETSC_COMM_WORLD, &farm));
      MSCK(MSFarmSetTasks(farm, N_TASKS, OUT_SIZE));
      MSCK(MSFarmSetSeed(farm, SEED));
      MSCK(MSFarmSetSchedule(farm, (MSFarmSchedule)s, 1));
      MSCK(MSFarmSetCounter(farm, (MSFarmCounter)c));
      MSCK(MSFarmMap(farm, TaskMix, &ctx, MS_FARM_RESULTS_ALL, res));
      ck_assert_msg(memcmp(res, ref, sizeof(res)) == 0, "counter %s, schedule %s: results differ from the direct loop", MSFarmCounters[c], MSFarmSchedules[s]);
      ck_assert_int_eq(total_calls(&ctx.calls), N_TASKS);
      MSCK(MSFarmDestroy(&farm));
    }
}
END_TEST

/* Sleeps 2 s in rank 0's first task and 1 ms in every other. */
static PetscErrorCode TaskRankZeroStalls(MSFarmTask *t, PetscScalar *out, void *ctx)
{
  TaskCtx        *c  = (TaskCtx *)ctx;
  struct timespec ts = {ms_test_rank == 0 && c->calls == 0 ? 2 : 0, ms_test_rank == 0 && c->calls == 0 ? 0 : 1000000};

  PetscFunctionBegin;
  c->calls++;
  nanosleep(&ts, NULL);
  out[0] = (PetscScalar)t->index;
  PetscFunctionReturn(0);
}

/* While rank 0 is busy in a long task, the other ranks keep taking tasks: none waits for the
   counter. (100 tasks of 1 ms take the others about 0.1 s; rank 0's one task takes 2 s.) */
START_TEST(test_counter_never_waits_for_rank0)
{
  PetscScalar res[100];
  TaskCtx     ctx = {0, 0};

  if (ms_test_size == 1) return;
  for (int c = MS_FARM_COUNTER_AUTO; c <= MS_FARM_COUNTER_SERVER; c++) {
    MSFarm   farm;
    PetscInt rank0_calls;

    if (c == MS_FARM_COUNTER_RMA) continue; /* auto covers it where it works */
    MSCK(MSFarmCreate(PETSC_COMM_WORLD, &farm));
    MSCK(MSFarmSetTasks(farm, 100, 1));
    MSCK(MSFarmSetSchedule(farm, MS_FARM_DYNAMIC, 1));
    MSCK(MSFarmSetCounter(farm, (MSFarmCounter)c));
    MSCK(MSFarmMap(farm, TaskRankZeroStalls, &ctx, MS_FARM_RESULTS_ROOT, res));
    rank0_calls = ctx.calls;
    MSCK(MPI_Bcast(&rank0_calls, 1, MPIU_INT, 0, PETSC_COMM_WORLD));
    ck_assert_msg(rank0_calls <= 5, "counter %s: rank 0 ran %" PetscInt_FMT " of 100 tasks although its first took 2 s", MSFarmCounters[c], rank0_calls);
    ck_assert_int_eq(total_calls(&ctx.calls), 100);
    MSCK(MSFarmDestroy(&farm));
  }
}
END_TEST

/* Starmaps over a full and a lower-triangular grid, and more ranks than tasks. */
START_TEST(test_grids)
{
  PetscScalar ref[45 * OUT_SIZE], res[45 * OUT_SIZE];
  TaskCtx     ctx = {0, 0};
  MSFarm      farm;
  PetscInt    n;

  MSCK(MSFarmCreate(PETSC_COMM_WORLD, &farm));
  MSCK(MSFarmSetGrid(farm, MS_FARM_GRID_LOWER, 9, 9, OUT_SIZE));
  MSCK(MSFarmGetTasks(farm, &n, NULL));
  ck_assert_int_eq(n, 45);
  MSCK(MSFarmSetSeed(farm, SEED));
  MSCK(MSFarmSetSchedule(farm, MS_FARM_CYCLIC, 2));
  MSCK(MSFarmMap(farm, TaskMix, &ctx, MS_FARM_RESULTS_ALL, res));
  reference(45, NULL, MS_FARM_GRID_LOWER, 9, ref);
  ck_assert(memcmp(res, ref, sizeof(ref)) == 0);
  ck_assert_int_eq(total_calls(&ctx.calls), 45);
  MSCK(MSFarmDestroy(&farm));

  MSCK(MSFarmCreate(PETSC_COMM_WORLD, &farm));
  MSCK(MSFarmSetGrid(farm, MS_FARM_GRID_FULL, 5, 9, OUT_SIZE));
  MSCK(MSFarmSetSeed(farm, SEED));
  MSCK(MSFarmMap(farm, TaskMix, &ctx, MS_FARM_RESULTS_ALL, res));
  reference(45, NULL, MS_FARM_GRID_FULL, 9, ref);
  ck_assert(memcmp(res, ref, sizeof(ref)) == 0);
  ck_assert_int_eq(total_calls(&ctx.calls), 45);
  MSCK(MSFarmDestroy(&farm));

  MSCK(MSFarmCreate(PETSC_COMM_WORLD, &farm)); /* one task, up to 4 ranks: most ranks idle */
  MSCK(MSFarmSetTasks(farm, 1, OUT_SIZE));
  MSCK(MSFarmSetSeed(farm, SEED));
  MSCK(MSFarmSetSchedule(farm, MS_FARM_BLOCK, 0));
  MSCK(MSFarmMap(farm, TaskMix, &ctx, MS_FARM_RESULTS_ALL, res));
  reference(1, NULL, MS_FARM_GRID_FULL, 1, ref);
  ck_assert(memcmp(res, ref, OUT_SIZE * sizeof(PetscScalar)) == 0);
  ck_assert_int_eq(total_calls(&ctx.calls), 1);
  MSCK(MSFarmDestroy(&farm));
}
END_TEST

/* Failing tasks are recorded with rank and message; the others complete. */
START_TEST(test_failures)
{
  PetscScalar     ref[N_TASKS * OUT_SIZE], res[N_TASKS * OUT_SIZE];
  TaskCtx         ctx = {0, 10};
  MSFarm          farm;
  PetscInt        n_failed;
  const PetscInt *failed;
  const char     *msg;

  MSCK(MSFarmCreate(PETSC_COMM_WORLD, &farm));
  MSCK(MSFarmSetTasks(farm, N_TASKS, OUT_SIZE));
  MSCK(MSFarmSetSeed(farm, SEED));
  MSCK(MSFarmMap(farm, TaskMix, &ctx, MS_FARM_RESULTS_ALL, res));
  MSCK(MSFarmGetFailures(farm, &n_failed, &failed));
  ck_assert_int_eq(n_failed, 10); /* 3, 13, ..., 93 */
  reference(N_TASKS, NULL, MS_FARM_GRID_FULL, 1, ref);
  for (PetscInt f = 0; f < n_failed; f++) {
    ck_assert_int_eq(failed[f], 10 * f + 3);
    MSCK(MSFarmGetFailureMessage(farm, f, &msg));
    ck_assert_msg(strstr(msg, "rank ") == msg && strstr(msg, "refuses to run") && strstr(msg, "TaskMix"), "message: %s", msg);
  }
  for (PetscInt k = 0; k < N_TASKS; k++)
    for (PetscInt c = 0; c < OUT_SIZE; c++) {
      if (k % 10 == 3) ck_assert(isnan(res[k * OUT_SIZE + c]));
      else ck_assert(res[k * OUT_SIZE + c] == ref[k * OUT_SIZE + c]);
    }
  MSCK_FAILS(MSFarmGetFailureMessage(farm, n_failed, &msg), PETSC_ERR_ARG_OUTOFRANGE);
  MSCK(MSFarmDestroy(&farm));
}
END_TEST

typedef struct {
  PetscInt    seen[N_TASKS];
  PetscScalar first[N_TASKS];
} StreamCtx;

static PetscErrorCode CountResult(PetscInt index, const PetscScalar *out, PetscInt out_size, void *ctx)
{
  StreamCtx *s = (StreamCtx *)ctx;

  PetscFunctionBegin;
  PetscCheck(out_size == OUT_SIZE, PETSC_COMM_SELF, PETSC_ERR_PLIB, "wrong output size %" PetscInt_FMT, out_size);
  s->seen[index]++;
  s->first[index] = out[0];
  PetscFunctionReturn(0);
}

/* The unordered callback sees every result once, on rank 0 only; no ordered results asked. */
START_TEST(test_result_callback)
{
  PetscScalar ref[N_TASKS * OUT_SIZE];
  StreamCtx   s;
  TaskCtx     ctx = {0, 0};
  MSFarm      farm;

  memset(&s, 0, sizeof(s));
  MSCK(MSFarmCreate(PETSC_COMM_WORLD, &farm));
  MSCK(MSFarmSetTasks(farm, N_TASKS, OUT_SIZE));
  MSCK(MSFarmSetSeed(farm, SEED));
  MSCK(MSFarmSetSchedule(farm, MS_FARM_DYNAMIC, 3));
  MSCK(MSFarmSetResultCallback(farm, CountResult, &s));
  MSCK(MSFarmMap(farm, TaskMix, &ctx, MS_FARM_RESULTS_NONE, NULL));
  reference(N_TASKS, NULL, MS_FARM_GRID_FULL, 1, ref);
  for (PetscInt k = 0; k < N_TASKS; k++) {
    ck_assert_int_eq(s.seen[k], ms_test_rank == 0 ? 1 : 0);
    if (ms_test_rank == 0) ck_assert(s.first[k] == ref[k * OUT_SIZE]);
  }
  MSCK(MSFarmDestroy(&farm));
}
END_TEST

START_TEST(test_joins)
{
  /* three bins of 4 points starting at 0, 2, 4 over 8 points; y = bin value b + 1 */
  const PetscInt start[3] = {0, 2, 4};
  PetscScalar    y[12], wy[8] = {0}, curve[8], mean[2], se[2];
  PetscReal      sw[8] = {0}, w[4], hann[4];
  const PetscScalar reps[6] = {1, 10, 2, 20, 6, 30};

  for (int b = 0; b < 3; b++)
    for (int k = 0; k < 4; k++) y[4 * b + k] = b + 1;
  MSCK(MSFarmTukeyWindow(4, 0.0, w));
  for (int k = 0; k < 4; k++) ck_assert(w[k] == 1);
  MSCK(MSFarmJoinBins(8, 3, 4, start, y, w, wy, sw));
  MSCK(MSFarmJoinFinish(8, wy, sw, curve));
  { /* points 0-1: bin 0; 2-3: bins 0, 1; 4-5: bins 1, 2; 6-7: bin 2 */
    const PetscScalar expect[8] = {1, 1, 1.5, 1.5, 2.5, 2.5, 3, 3};
    for (int p = 0; p < 8; p++) ck_assert(fabs(curve[p] - expect[p]) < 1e-15);
  }
  /* a Hann window (alpha 1) at midpoints: 0.5 (1 - cos(2 pi (k + 1/2) / 4)) */
  MSCK(MSFarmTukeyWindow(4, 1.0, hann));
  for (int k = 0; k < 4; k++) MSCK_REL_CLOSE(hann[k], 0.5 * (1 - cos(2 * PETSC_PI * (k + 0.5) / 4)), 1e-14);
  memset(wy, 0, sizeof(wy));
  memset(sw, 0, sizeof(sw));
  y[5] = NAN; /* a failed task is skipped */
  MSCK(MSFarmJoinBins(8, 3, 4, start, y, hann, wy, sw));
  MSCK(MSFarmJoinFinish(8, wy, sw, curve));
  MSCK_REL_CLOSE(curve[2], (hann[2] * 1 + hann[0] * 2) / (hann[2] + hann[0]), 1e-15);
  MSCK_REL_CLOSE(curve[3], 1.0, 1e-15);
  /* repeated experiments: mean and standard error */
  MSCK(MSFarmMeanStdErr(3, 2, reps, mean, se));
  MSCK_REL_CLOSE(mean[0], 3.0, 1e-15);
  MSCK_REL_CLOSE(se[0], sqrt(7.0) / sqrt(3.0), 1e-14);
  MSCK_REL_CLOSE(mean[1], 20.0, 1e-15);
  MSCK_REL_CLOSE(se[1], 10.0 / sqrt(3.0), 1e-14);
  MSCK_FAILS(MSFarmMeanStdErr(1, 2, reps, mean, se), PETSC_ERR_ARG_OUTOFRANGE);
  MSCK_FAILS(MSFarmJoinBins(8, 3, 5, start, y, NULL, wy, sw), PETSC_ERR_ARG_OUTOFRANGE);
  MSCK_FAILS(MSFarmTukeyWindow(4, 1.5, w), PETSC_ERR_ARG_OUTOFRANGE);
}
END_TEST

START_TEST(test_bad_input)
{
  MSFarm      farm;
  TaskCtx     ctx = {0, 0};
  PetscScalar res[OUT_SIZE];

  MSCK(MSFarmCreate(PETSC_COMM_WORLD, &farm));
  MSCK_FAILS(MSFarmSetTasks(farm, 0, OUT_SIZE), PETSC_ERR_ARG_OUTOFRANGE);
  MSCK_FAILS(MSFarmSetTasks(farm, 5, 0), PETSC_ERR_ARG_OUTOFRANGE);
  MSCK_FAILS(MSFarmSetGrid(farm, MS_FARM_GRID_LOWER, 3, 4, 1), PETSC_ERR_ARG_SIZ);
  MSCK_FAILS(MSFarmSetSchedule(farm, (MSFarmSchedule)7, 0), PETSC_ERR_ARG_OUTOFRANGE);
  MSCK_FAILS(MSFarmSetSchedule(farm, MS_FARM_DYNAMIC, -1), PETSC_ERR_ARG_OUTOFRANGE);
  MSCK_FAILS(MSFarmMap(farm, TaskMix, &ctx, MS_FARM_RESULTS_ALL, res), PETSC_ERR_ARG_WRONGSTATE);
  MSCK(MSFarmSetTasks(farm, 1, OUT_SIZE));
  MSCK_FAILS(MSFarmMap(farm, NULL, &ctx, MS_FARM_RESULTS_ALL, res), PETSC_ERR_ARG_NULL);
  MSCK_FAILS(MSFarmMap(farm, TaskMix, &ctx, MS_FARM_RESULTS_ALL, NULL), PETSC_ERR_ARG_NULL);
  MSCK(PetscOptionsSetValue(NULL, "-bad_farm_schedule", "sideways"));
  MSCK(MSFarmSetOptionsPrefix(farm, "bad_"));
  MSCK_FAILS(MSFarmSetFromOptions(farm), PETSC_ERR_ARG_UNKNOWN_TYPE);
  MSCK(PetscOptionsClearValue(NULL, "-bad_farm_schedule"));
  MSCK(MSFarmDestroy(&farm));
}
END_TEST

/* Tasks on groups of ranks: the task checks its communicator's size, draws N_TERMS integers from
   its stream, sums its share of them (terms r, r + K, ...) and adds the shares with an Allreduce,
   so the sum is exact and the same for every group size. Ranks other than the group's first
   write junk, which must not reach the results. With fail_mod, task k fails when
   k % fail_mod == 2 on the group's last rank only, and when k % fail_mod == 4 on its first only,
   after the collective. */
#define N_TERMS 12

typedef struct {
  PetscMPIInt group_size;
  PetscInt    calls, fail_mod;
} GroupCtx;

static PetscErrorCode TaskGroup(MSFarmTask *t, PetscScalar *out, void *ctx)
{
  GroupCtx   *c = (GroupCtx *)ctx;
  PetscMPIInt size, rank;
  double      share = 0, sum, u;

  PetscFunctionBegin;
  c->calls++;
  PetscCallMPI(MPI_Comm_size(t->comm, &size));
  PetscCallMPI(MPI_Comm_rank(t->comm, &rank));
  PetscCheck(size == c->group_size, PETSC_COMM_SELF, PETSC_ERR_PLIB, "task %" PetscInt_FMT " runs on %d ranks, expected %d", t->index, size, c->group_size);
  PetscCall(MSRandomStreamUniform(&t->rng, &u));
  for (int k = 0; k < N_TERMS; k++) {
    uint64_t v;

    PetscCall(MSRandomStreamInteger(&t->rng, 1000, &v));
    if (k % size == rank) share += (double)v;
  }
  PetscCallMPI(MPI_Allreduce(&share, &sum, 1, MPI_DOUBLE, MPI_SUM, t->comm));
  PetscCheck(!c->fail_mod || t->index % c->fail_mod != 2 || rank != size - 1, PETSC_COMM_SELF, PETSC_ERR_USER, "task %" PetscInt_FMT " fails on the group's last rank", t->index);
  PetscCheck(!c->fail_mod || t->index % c->fail_mod != 4 || rank != 0, PETSC_COMM_SELF, PETSC_ERR_USER, "task %" PetscInt_FMT " fails on the group's first rank", t->index);
  out[0] = rank ? -1 : u;
  out[1] = rank ? -1 : sum;
  out[2] = rank ? -1 : (PetscScalar)t->index;
  PetscFunctionReturn(0);
}

static void group_reference(PetscInt n, PetscScalar *ref)
{
  for (PetscInt k = 0; k < n; k++) {
    MSRandomStream rs;
    double         u, sum = 0;

    MSCK(MSRandomStreamInitialize(&rs, SEED, (uint64_t)k));
    MSCK(MSRandomStreamUniform(&rs, &u));
    for (int j = 0; j < N_TERMS; j++) {
      uint64_t v;

      MSCK(MSRandomStreamInteger(&rs, 1000, &v));
      sum += (double)v;
    }
    ref[3 * k]     = u;
    ref[3 * k + 1] = sum;
    ref[3 * k + 2] = (PetscScalar)k;
  }
}

/* One map of N_TASKS group tasks on groups of K; the failures it recorded. */
static void map_groups(PetscMPIInt K, MSFarmSchedule s, PetscInt chunk, MSFarmCounter counter, GroupCtx *ctx, PetscScalar *res, PetscInt *n_failed)
{
  MSFarm farm;

  ctx->group_size = K;
  MSCK(MSFarmCreate(PETSC_COMM_WORLD, &farm));
  MSCK(MSFarmSetTasks(farm, N_TASKS, 3));
  MSCK(MSFarmSetSeed(farm, SEED));
  MSCK(MSFarmSetSchedule(farm, s, chunk));
  MSCK(MSFarmSetCounter(farm, counter));
  MSCK(MSFarmSetGroupSize(farm, K));
  MSCK(MSFarmMap(farm, TaskGroup, ctx, MS_FARM_RESULTS_ALL, res));
  MSCK(MSFarmGetFailures(farm, n_failed, NULL));
  MSCK(MSFarmDestroy(&farm));
}

/* Groups of 1, 2 (even rank counts) and all ranks, under every schedule and counter: results
   bitwise equal to the direct loop and to single ranks, each task run by every rank of its group. */
START_TEST(test_groups_bitwise)
{
  PetscScalar    ref[N_TASKS * 3], single[N_TASKS * 3], res[N_TASKS * 3];
  GroupCtx       ctx       = {1, 0, 0};
  const PetscInt chunks[] = {0, 3};
  PetscMPIInt    sizes[3]  = {1, 2, ms_test_size};
  PetscInt       n_failed;
  MPI_Comm       node;
  int            node_size, one_node;

  MSCK(MPI_Comm_split_type(PETSC_COMM_WORLD, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &node));
  MSCK(MPI_Comm_size(node, &node_size));
  MSCK(MPI_Comm_free(&node));
  one_node = node_size == ms_test_size;
  MSCK(MPI_Allreduce(MPI_IN_PLACE, &one_node, 1, MPI_INT, MPI_MIN, PETSC_COMM_WORLD));
  group_reference(N_TASKS, ref);
  map_groups(1, MS_FARM_DYNAMIC, 0, MS_FARM_COUNTER_AUTO, &ctx, single, &n_failed);
  ck_assert_int_eq(n_failed, 0);
  ck_assert_msg(memcmp(single, ref, sizeof(ref)) == 0, "single ranks: results differ from the direct loop");
  ck_assert_int_eq(total_calls(&ctx.calls), N_TASKS);
  for (int g = 1; g < 3; g++) {
    PetscMPIInt K = sizes[g];

    if (ms_test_size % K || (g == 2 && K <= 2)) continue;
    for (int s = MS_FARM_BLOCK; s <= MS_FARM_GUIDED; s++)
      for (int c = 0; c < 2; c++)
        for (int counter = MS_FARM_COUNTER_AUTO; counter <= MS_FARM_COUNTER_SERVER; counter++) {
          if (counter != MS_FARM_COUNTER_AUTO && s != MS_FARM_DYNAMIC) continue; /* the counter serves the dynamic schedules; guided: auto */
          if (counter == MS_FARM_COUNTER_RMA && !one_node) continue;
          memset(res, 0, sizeof(res));
          map_groups(K, (MSFarmSchedule)s, chunks[c], (MSFarmCounter)counter, &ctx, res, &n_failed);
          ck_assert_msg(n_failed == 0, "groups of %d, schedule %s, counter %s: %" PetscInt_FMT " tasks failed", K, MSFarmSchedules[s], MSFarmCounters[counter], n_failed);
          ck_assert_msg(memcmp(res, single, sizeof(res)) == 0, "groups of %d, schedule %s chunk %d, counter %s: results differ from single ranks", K, MSFarmSchedules[s], (int)chunks[c], MSFarmCounters[counter]);
          ck_assert_int_eq(total_calls(&ctx.calls), (PetscInt)K * N_TASKS);
        }
  }
}
END_TEST

/* A task that fails on one rank of its group fails once, with that rank's message; the group
   goes on with its other tasks. */
START_TEST(test_groups_fail_on_one_rank)
{
  PetscScalar     ref[N_TASKS * 3], res[N_TASKS * 3];
  PetscMPIInt     K   = ms_test_size % 2 ? ms_test_size : 2;
  GroupCtx        ctx = {K, 0, 7};
  MSFarm          farm;
  PetscInt        n_failed, expected = 0;
  const PetscInt *failed;
  const char     *msg;

  group_reference(N_TASKS, ref);
  for (PetscInt k = 0; k < N_TASKS; k++) expected += k % 7 == 2 || k % 7 == 4;
  MSCK(MSFarmCreate(PETSC_COMM_WORLD, &farm));
  MSCK(MSFarmSetTasks(farm, N_TASKS, 3));
  MSCK(MSFarmSetSeed(farm, SEED));
  MSCK(MSFarmSetSchedule(farm, MS_FARM_DYNAMIC, 2));
  MSCK(MSFarmSetGroupSize(farm, K));
  MSCK(MSFarmMap(farm, TaskGroup, &ctx, MS_FARM_RESULTS_ALL, res));
  ck_assert_int_eq(total_calls(&ctx.calls), (PetscInt)K * N_TASKS);
  MSCK(MSFarmGetFailures(farm, &n_failed, &failed));
  ck_assert_int_eq(n_failed, expected);
  for (PetscInt f = 0; f < n_failed; f++) {
    int rank = -1;

    ck_assert(failed[f] % 7 == 2 || failed[f] % 7 == 4);
    ck_assert(f == 0 || failed[f] > failed[f - 1]);
    MSCK(MSFarmGetFailureMessage(farm, f, &msg));
    ck_assert_msg(sscanf(msg, "rank %d:", &rank) == 1, "message: %s", msg);
    if (failed[f] % 7 == 2 && K > 1) ck_assert_msg(rank % K == K - 1 && strstr(msg, "fails on the group's last rank") && strstr(msg, "TaskGroup"), "task %" PetscInt_FMT ": %s", failed[f], msg);
    else ck_assert_msg(rank % K == 0 && strstr(msg, failed[f] % 7 == 4 ? "fails on the group's first rank" : "fails on the group's last rank"), "task %" PetscInt_FMT ": %s", failed[f], msg);
  }
  for (PetscInt k = 0; k < N_TASKS; k++)
    for (PetscInt c = 0; c < 3; c++) {
      if (k % 7 == 2 || k % 7 == 4) ck_assert(isnan(res[3 * k + c]));
      else ck_assert(res[3 * k + c] == ref[3 * k + c]);
    }
  MSCK(MSFarmDestroy(&farm));
}
END_TEST

/* A group size that does not divide the number of ranks, or differs between ranks, fails on
   every rank with PETSC_ERR_ARG_INCOMP; the farm is still usable afterwards. */
START_TEST(test_groups_bad_size)
{
  PetscScalar res[N_TASKS * 3];
  GroupCtx    ctx = {1, 0, 0};
  MSFarm      farm;
  PetscInt    K;

  MSCK(MSFarmCreate(PETSC_COMM_WORLD, &farm));
  MSCK(MSFarmSetTasks(farm, N_TASKS, 3));
  MSCK_FAILS(MSFarmSetGroupSize(farm, 0), PETSC_ERR_ARG_OUTOFRANGE);
  MSCK(MSFarmSetGroupSize(farm, ms_test_size + 1));
  MSCK_FAILS(MSFarmMap(farm, TaskGroup, &ctx, MS_FARM_RESULTS_ALL, res), PETSC_ERR_ARG_INCOMP);
  if (ms_test_size == 4) {
    MSCK(MSFarmSetGroupSize(farm, 3));
    MSCK_FAILS(MSFarmMap(farm, TaskGroup, &ctx, MS_FARM_RESULTS_ALL, res), PETSC_ERR_ARG_INCOMP);
  }
  if (ms_test_size > 1) { /* rank 0 alone asks for another size */
    MSCK(MSFarmSetGroupSize(farm, ms_test_rank == 0 ? 1 : ms_test_size));
    MSCK_FAILS(MSFarmMap(farm, TaskGroup, &ctx, MS_FARM_RESULTS_ALL, res), PETSC_ERR_ARG_INCOMP);
  }
  MSCK(MSFarmSetOptionsPrefix(farm, "grp_"));
  MSCK(PetscOptionsSetValue(NULL, "-grp_farm_group_size", "2x"));
  MSCK_FAILS(MSFarmSetFromOptions(farm), PETSC_ERR_ARG_OUTOFRANGE);
  MSCK(PetscOptionsSetValue(NULL, "-grp_farm_group_size", "0"));
  MSCK_FAILS(MSFarmSetFromOptions(farm), PETSC_ERR_ARG_OUTOFRANGE);
  MSCK(PetscOptionsSetValue(NULL, "-grp_farm_group_size", "1"));
  MSCK(MSFarmSetFromOptions(farm));
  MSCK(PetscOptionsClearValue(NULL, "-grp_farm_group_size"));
  MSCK(MSFarmGetGroupSize(farm, &K));
  ck_assert_int_eq(K, 1);
  MSCK(MSFarmMap(farm, TaskGroup, &ctx, MS_FARM_RESULTS_ALL, res));
  ck_assert_int_eq(total_calls(&ctx.calls), N_TASKS);
  MSCK_FAILS(MSFarmSetGroupSize(farm, 1), PETSC_ERR_ARG_WRONGSTATE);
  MSCK(MSFarmDestroy(&farm));
}
END_TEST

Suite *ms_test_suite(void)
{
  Suite *s  = suite_create("farm");
  TCase *tc = tcase_create("core");

  tcase_set_timeout(tc, 100);
  tcase_add_test(tc, test_philox_known_answers);
  tcase_add_test(tc, test_random_streams);
  tcase_add_test(tc, test_schedules_bitwise);
  tcase_add_test(tc, test_counters_bitwise);
  tcase_add_test(tc, test_counter_never_waits_for_rank0);
  tcase_add_test(tc, test_grids);
  tcase_add_test(tc, test_failures);
  tcase_add_test(tc, test_groups_bitwise);
  tcase_add_test(tc, test_groups_fail_on_one_rank);
  tcase_add_test(tc, test_groups_bad_size);
  tcase_add_test(tc, test_result_callback);
  tcase_add_test(tc, test_joins);
  tcase_add_test(tc, test_bad_input);
  suite_add_tcase(s, tc);
  return s;
}
