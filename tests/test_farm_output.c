/* MSFarm's HDF5 output: contents against a direct loop, resume of missing tasks, retry of failed
   ones (on single ranks and on groups of ranks), files from another sweep refused and left
   byte-for-byte untouched, JSON records, per-task records and labels, the failure limit. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <hdf5.h>
#include "mstest.h"

#define N_TASKS  57
#define OUT_SIZE 3
#define SEED     99

typedef struct {
  PetscInt    calls;
  PetscInt    fail_mod;
  PetscMPIInt group_size; /* ranks per task */
} TaskCtx;

/* Draws the outputs; on a group, checks its size and takes the maximum over its ranks (the same
   numbers). With fail_mod, fails on the group's last rank only. */
static PetscErrorCode TaskDraw(MSFarmTask *t, PetscScalar *out, void *ctx)
{
  TaskCtx    *c = (TaskCtx *)ctx;
  PetscMPIInt size, rank;

  PetscFunctionBegin;
  c->calls++;
  PetscCallMPI(MPI_Comm_size(t->comm, &size));
  PetscCallMPI(MPI_Comm_rank(t->comm, &rank));
  PetscCheck(size == c->group_size, PETSC_COMM_SELF, PETSC_ERR_PLIB, "task %" PetscInt_FMT " runs on %d ranks", t->index, size);
  for (PetscInt k = 0; k < OUT_SIZE; k++) PetscCall(MSRandomStreamUniform(&t->rng, &out[k]));
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, out, OUT_SIZE, MPI_DOUBLE, MPI_MAX, t->comm));
  PetscCheck(!c->fail_mod || t->index % c->fail_mod != 1 || rank != size - 1, PETSC_COMM_SELF, PETSC_ERR_USER, "task %" PetscInt_FMT " fails on purpose", t->index);
  PetscFunctionReturn(0);
}

/* Loop test i: tasks on single ranks (i = 0) or on groups (i = 1: of 2 ranks when their number
   is even, else of all ranks). A resume runs with the other one. */
static PetscMPIInt group_size(int i)
{
  return i == 0 ? 1 : ms_test_size % 2 ? ms_test_size : 2;
}

static void reference(uint64_t seed, PetscScalar *ref)
{
  for (PetscInt t = 0; t < N_TASKS; t++) {
    MSRandomStream rs;

    MSCK(MSRandomStreamInitialize(&rs, seed, (uint64_t)t));
    for (PetscInt k = 0; k < OUT_SIZE; k++) MSCK(MSRandomStreamUniform(&rs, &ref[t * OUT_SIZE + k]));
  }
}

static PetscInt total_calls(TaskCtx *c)
{
  PetscInt sum;

  MPI_Allreduce(&c->calls, &sum, 1, MPIU_INT, MPI_SUM, PETSC_COMM_WORLD);
  c->calls = 0;
  return sum;
}

/* A file name private to this run, the same on every rank. */
static void unique_name(const char stem[], char name[], size_t len)
{
  int pid = (int)getpid();

  MPI_Bcast(&pid, 1, MPI_INT, 0, PETSC_COMM_WORLD);
  snprintf(name, len, "%s_%d.h5", stem, pid);
}

/* Rank 0: status and results datasets of a farm file. */
static void read_file(const char name[], int8_t *status, double *results)
{
  hid_t file = H5Fopen(name, H5F_ACC_RDONLY, H5P_DEFAULT), d;

  ck_assert(file >= 0);
  d = H5Dopen2(file, "status", H5P_DEFAULT);
  ck_assert(H5Dread(d, H5T_NATIVE_INT8, H5S_ALL, H5S_ALL, H5P_DEFAULT, status) >= 0);
  H5Dclose(d);
  d = H5Dopen2(file, "results", H5P_DEFAULT);
  ck_assert(H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, results) >= 0);
  H5Dclose(d);
  H5Fclose(file);
}

/* Rank 0: marks tasks k % 4 == 0 missing, as a killed run would leave them. */
static void forget_tasks(const char name[])
{
  hid_t  file = H5Fopen(name, H5F_ACC_RDWR, H5P_DEFAULT), d;
  int8_t status[N_TASKS];
  double results[N_TASKS * OUT_SIZE];

  read_file(name, status, results);
  for (PetscInt t = 0; t < N_TASKS; t += 4) {
    status[t] = 0;
    for (PetscInt k = 0; k < OUT_SIZE; k++) results[t * OUT_SIZE + k] = NAN;
  }
  d = H5Dopen2(file, "status", H5P_DEFAULT);
  ck_assert(H5Dwrite(d, H5T_NATIVE_INT8, H5S_ALL, H5S_ALL, H5P_DEFAULT, status) >= 0);
  H5Dclose(d);
  d = H5Dopen2(file, "results", H5P_DEFAULT);
  ck_assert(H5Dwrite(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, results) >= 0);
  H5Dclose(d);
  H5Fclose(file);
}

/* Rank 0: the whole file, to prove a refused resume changed nothing. */
static char *slurp(const char name[], long *len)
{
  FILE *f = fopen(name, "rb");
  char *buf;

  ck_assert(f);
  fseek(f, 0, SEEK_END);
  *len = ftell(f);
  fseek(f, 0, SEEK_SET);
  buf = malloc((size_t)*len);
  ck_assert(fread(buf, 1, (size_t)*len, f) == (size_t)*len);
  fclose(f);
  return buf;
}

static PetscErrorCode CreateFarmOnGroups(const char name[], PetscInt n_tasks, PetscInt out_size, uint64_t seed, PetscBool resume, PetscBool retry, PetscMPIInt K, MSFarm *farm)
{
  PetscFunctionBegin;
  PetscCall(MSFarmCreate(PETSC_COMM_WORLD, farm));
  PetscCall(MSFarmSetGroupSize(*farm, K));
  PetscCall(MSFarmSetTasks(*farm, n_tasks, out_size));
  PetscCall(MSFarmSetSeed(*farm, seed));
  PetscCall(MSFarmSetSchedule(*farm, MS_FARM_DYNAMIC, 2));
  PetscCall(MSFarmSetOutputFile(*farm, name));
  PetscCall(MSFarmSetResume(*farm, resume, retry));
  PetscFunctionReturn(0);
}

static PetscErrorCode CreateFarm(const char name[], PetscInt n_tasks, PetscInt out_size, uint64_t seed, PetscBool resume, PetscBool retry, MSFarm *farm)
{
  PetscFunctionBegin;
  PetscCall(CreateFarmOnGroups(name, n_tasks, out_size, seed, resume, retry, 1, farm));
  PetscFunctionReturn(0);
}

START_TEST(test_output_and_resume)
{
  char        name[256], record[300];
  PetscScalar ref[N_TASKS * OUT_SIZE], res[N_TASKS * OUT_SIZE], fres[N_TASKS * OUT_SIZE];
  int8_t      status[N_TASKS];
  TaskCtx     ctx = {0, 0, group_size(_i)};
  PetscMPIInt K   = ctx.group_size;
  MSFarm      farm;

  unique_name("farm_output", name, sizeof(name));
  snprintf(record, sizeof(record), "%s.jsonl", name);
  reference(SEED, ref);
  MSCK(CreateFarmOnGroups(name, N_TASKS, OUT_SIZE, SEED, PETSC_FALSE, PETSC_FALSE, K, &farm));
  MSCK(MSFarmSetRecordFile(farm, record));
  MSCK(MSFarmMap(farm, TaskDraw, &ctx, MS_FARM_RESULTS_ALL, res));
  MSCK(MSFarmDestroy(&farm));
  ck_assert_int_eq(total_calls(&ctx), K * N_TASKS);
  ck_assert(memcmp(res, ref, sizeof(ref)) == 0);
  if (ms_test_rank == 0) {
    FILE *f = fopen(record, "r");
    char  line[256];
    int   lines = 0, tasks[N_TASKS] = {0};

    read_file(name, status, fres);
    for (PetscInt t = 0; t < N_TASKS; t++) ck_assert_int_eq(status[t], 1);
    ck_assert(memcmp(fres, ref, sizeof(ref)) == 0);
    ck_assert(f);
    while (fgets(line, sizeof(line), f)) {
      int t, r;

      ck_assert_msg(sscanf(line, "{\"task\": %d, \"rank\": %d,", &t, &r) == 2, "bad record line %s", line);
      ck_assert(t >= 0 && t < N_TASKS && r >= 0 && r < ms_test_size && r % K == 0 && strstr(line, "\"status\": \"done\""));
      tasks[t]++;
      lines++;
    }
    fclose(f);
    ck_assert_int_eq(lines, N_TASKS);
    for (PetscInt t = 0; t < N_TASKS; t++) ck_assert_int_eq(tasks[t], 1);
    forget_tasks(name);
  }
  /* resume with the other group size: only the missing tasks run; results and file equal the
     uninterrupted run */
  ctx.group_size = group_size(!_i);
  MSCK(CreateFarmOnGroups(name, N_TASKS, OUT_SIZE, SEED, PETSC_TRUE, PETSC_FALSE, ctx.group_size, &farm));
  MSCK(MSFarmMap(farm, TaskDraw, &ctx, MS_FARM_RESULTS_ALL, res));
  MSCK(MSFarmDestroy(&farm));
  ck_assert_int_eq(total_calls(&ctx), ctx.group_size * ((N_TASKS + 3) / 4));
  ctx.group_size = K;
  ck_assert(memcmp(res, ref, sizeof(ref)) == 0);
  if (ms_test_rank == 0) {
    read_file(name, status, fres);
    for (PetscInt t = 0; t < N_TASKS; t++) ck_assert_int_eq(status[t], 1);
    ck_assert(memcmp(fres, ref, sizeof(ref)) == 0);
  }
  /* resuming a complete file runs nothing and reads every result back */
  MSCK(CreateFarmOnGroups(name, N_TASKS, OUT_SIZE, SEED, PETSC_TRUE, PETSC_FALSE, K, &farm));
  memset(res, 0, sizeof(res));
  MSCK(MSFarmMap(farm, TaskDraw, &ctx, MS_FARM_RESULTS_ROOT, res));
  MSCK(MSFarmDestroy(&farm));
  ck_assert_int_eq(total_calls(&ctx), 0);
  if (ms_test_rank == 0) ck_assert(memcmp(res, ref, sizeof(ref)) == 0);
  if (ms_test_rank == 0) {
    remove(name);
    remove(record);
  }
}
END_TEST

/* A file from another sweep, or an existing file without resume: clear error, file untouched. */
START_TEST(test_refuse_foreign_file)
{
  char    name[256];
  char   *before = NULL, *after;
  long    len_before = 0, len_after;
  TaskCtx ctx = {0, 0, 1};
  MSFarm  farm;
  const struct {
    PetscInt  n_tasks, out_size;
    uint64_t  seed;
    PetscBool resume;
    int       code;
  } bad[] = {
    {N_TASKS, OUT_SIZE, SEED, PETSC_FALSE, PETSC_ERR_FILE_OPEN},
    {N_TASKS + 1, OUT_SIZE, SEED, PETSC_TRUE, PETSC_ERR_FILE_UNEXPECTED},
    {N_TASKS, OUT_SIZE + 1, SEED, PETSC_TRUE, PETSC_ERR_FILE_UNEXPECTED},
    {N_TASKS, OUT_SIZE, SEED + 1, PETSC_TRUE, PETSC_ERR_FILE_UNEXPECTED},
  };

  unique_name("farm_foreign", name, sizeof(name));
  MSCK(CreateFarm(name, N_TASKS, OUT_SIZE, SEED, PETSC_FALSE, PETSC_FALSE, &farm));
  MSCK(MSFarmMap(farm, TaskDraw, &ctx, MS_FARM_RESULTS_NONE, NULL));
  MSCK(MSFarmDestroy(&farm));
  if (ms_test_rank == 0) before = slurp(name, &len_before);
  for (size_t b = 0; b < sizeof(bad) / sizeof(bad[0]); b++) {
    PetscScalar *res;

    MSCK(PetscMalloc1(bad[b].n_tasks * bad[b].out_size, &res));
    MSCK(CreateFarm(name, bad[b].n_tasks, bad[b].out_size, bad[b].seed, bad[b].resume, PETSC_FALSE, &farm));
    MSCK_FAILS(MSFarmMap(farm, TaskDraw, &ctx, MS_FARM_RESULTS_ALL, res), bad[b].code);
    MSCK(MSFarmDestroy(&farm));
    MSCK(PetscFree(res));
    if (ms_test_rank == 0) {
      after = slurp(name, &len_after);
      ck_assert_msg(len_after == len_before && memcmp(before, after, (size_t)len_before) == 0, "case %d changed the file", (int)b);
      free(after);
    }
  }
  ck_assert_int_eq(total_calls(&ctx), N_TASKS);
  /* resuming a file that does not exist */
  MSCK(CreateFarm("farm_no_such_file.h5", N_TASKS, OUT_SIZE, SEED, PETSC_TRUE, PETSC_FALSE, &farm));
  MSCK_FAILS(MSFarmMap(farm, TaskDraw, &ctx, MS_FARM_RESULTS_NONE, NULL), PETSC_ERR_FILE_OPEN);
  MSCK(MSFarmDestroy(&farm));
  if (ms_test_rank == 0) {
    free(before);
    remove(name);
  }
}
END_TEST

/* Failed tasks are marked in /status and /failures; -farm_retry_failed re-runs only those. */
START_TEST(test_retry_failed)
{
  char        name[256];
  PetscScalar ref[N_TASKS * OUT_SIZE], res[N_TASKS * OUT_SIZE], fres[N_TASKS * OUT_SIZE];
  int8_t      status[N_TASKS];
  TaskCtx     ctx = {0, 5, group_size(_i)};
  PetscMPIInt K   = ctx.group_size;
  MSFarm      farm;
  PetscInt    n_failed, n_expected = (N_TASKS + 3) / 5;

  unique_name("farm_retry", name, sizeof(name));
  reference(SEED, ref);
  MSCK(CreateFarmOnGroups(name, N_TASKS, OUT_SIZE, SEED, PETSC_FALSE, PETSC_FALSE, K, &farm));
  MSCK(MSFarmMap(farm, TaskDraw, &ctx, MS_FARM_RESULTS_NONE, NULL));
  MSCK(MSFarmGetFailures(farm, &n_failed, NULL));
  ck_assert_int_eq(n_failed, n_expected);
  MSCK(MSFarmDestroy(&farm));
  ck_assert_int_eq(total_calls(&ctx), K * N_TASKS);
  if (ms_test_rank == 0) {
    hid_t   file = H5Fopen(name, H5F_ACC_RDONLY, H5P_DEFAULT), d;
    int64_t idx[N_TASKS];
    char    msg[N_TASKS][256];
    hid_t   st = H5Tcopy(H5T_C_S1);

    read_file(name, status, fres);
    for (PetscInt t = 0; t < N_TASKS; t++) ck_assert_int_eq(status[t], t % 5 == 1 ? 2 : 1);
    d = H5Dopen2(file, "failures/index", H5P_DEFAULT);
    ck_assert(d >= 0 && H5Dread(d, H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, idx) >= 0);
    H5Dclose(d);
    H5Tset_size(st, 256);
    d = H5Dopen2(file, "failures/message", H5P_DEFAULT);
    ck_assert(d >= 0 && H5Dread(d, st, H5S_ALL, H5S_ALL, H5P_DEFAULT, msg) >= 0);
    H5Dclose(d);
    H5Tclose(st);
    H5Fclose(file);
    for (PetscInt f = 0; f < n_expected; f++) {
      ck_assert_int_eq(idx[f], 5 * f + 1);
      int rank = -1;

      ck_assert_msg(sscanf(msg[f], "rank %d:", &rank) == 1 && rank % K == K - 1 && strstr(msg[f], "fails on purpose"), "message %s", msg[f]);
    }
  }
  /* a plain resume has nothing missing: the failures stay failures */
  MSCK(CreateFarmOnGroups(name, N_TASKS, OUT_SIZE, SEED, PETSC_TRUE, PETSC_FALSE, K, &farm));
  MSCK(MSFarmMap(farm, TaskDraw, &ctx, MS_FARM_RESULTS_NONE, NULL));
  MSCK(MSFarmGetFailures(farm, &n_failed, NULL));
  ck_assert_int_eq(n_failed, n_expected);
  MSCK(MSFarmDestroy(&farm));
  ck_assert_int_eq(total_calls(&ctx), 0);
  /* retry with the fault gone */
  ctx.fail_mod = 0;
  MSCK(CreateFarmOnGroups(name, N_TASKS, OUT_SIZE, SEED, PETSC_FALSE, PETSC_TRUE, K, &farm));
  MSCK(MSFarmMap(farm, TaskDraw, &ctx, MS_FARM_RESULTS_ALL, res));
  MSCK(MSFarmGetFailures(farm, &n_failed, NULL));
  ck_assert_int_eq(n_failed, 0);
  MSCK(MSFarmDestroy(&farm));
  ck_assert_int_eq(total_calls(&ctx), K * n_expected);
  ck_assert(memcmp(res, ref, sizeof(ref)) == 0);
  if (ms_test_rank == 0) {
    hid_t file;

    read_file(name, status, fres);
    for (PetscInt t = 0; t < N_TASKS; t++) ck_assert_int_eq(status[t], 1);
    ck_assert(memcmp(fres, ref, sizeof(ref)) == 0);
    file = H5Fopen(name, H5F_ACC_RDONLY, H5P_DEFAULT);
    ck_assert(H5Lexists(file, "failures", H5P_DEFAULT) == 0);
    H5Fclose(file);
    remove(name);
  }
}
END_TEST

/* A task that fills its record (also when it fails): its index, a value, and a note longer than
   its field, of which the end is kept. */
static PetscErrorCode TaskRecord(MSFarmTask *t, PetscScalar *out, void *ctx)
{
  PetscFunctionBegin;
  PetscCall(MSFarmTaskSetInt(t, 0, t->index));
  PetscCall(MSFarmTaskSetReal(t, 1, 0.5 * (double)t->index));
  PetscCall(MSFarmTaskSetString(t, 2, "abcdefghij"));
  PetscCall(TaskDraw(t, out, ctx));
  PetscFunctionReturn(0);
}

static const MSFarmField RecordFields[] = {
  {"index", MS_FARM_FIELD_INT64,  0},
  {"value", MS_FARM_FIELD_DOUBLE, 0},
  {"note",  MS_FARM_FIELD_STRING, 8}
};

typedef struct {
  int64_t index;
  double  value;
  char    note[8];
} Record;

static PetscErrorCode CreateRecordFarm(const char name[], const char *const labels[], PetscBool resume, PetscInt max_failures, MSFarm *farm)
{
  PetscFunctionBegin;
  PetscCall(CreateFarm(name, N_TASKS, OUT_SIZE, SEED, resume, PETSC_FALSE, farm));
  PetscCall(MSFarmSetTaskRecord(*farm, 3, RecordFields));
  PetscCall(MSFarmSetTaskLabels(*farm, labels));
  PetscCall(MSFarmSetMaxFailures(*farm, max_failures));
  PetscFunctionReturn(0);
}

START_TEST(test_task_records)
{
  char        name[256], text[N_TASKS][16];
  const char *labels[N_TASKS];
  TaskCtx     ctx = {0, 5, 1};
  MSFarm      farm;
  PetscInt    n_failed, n_skipped;
  int8_t      status[N_TASKS];
  double      fres[N_TASKS * OUT_SIZE];

  unique_name("farm_records", name, sizeof(name));
  for (PetscInt t = 0; t < N_TASKS; t++) {
    snprintf(text[t], sizeof(text[t]), "task %d", (int)t);
    labels[t] = text[t];
  }
  MSCK(CreateRecordFarm(name, labels, PETSC_FALSE, 0, &farm));
  MSCK(MSFarmMap(farm, TaskRecord, &ctx, MS_FARM_RESULTS_NONE, NULL));
  MSCK(MSFarmGetSkipped(farm, &n_skipped));
  ck_assert_int_eq(n_skipped, 0);
  MSCK(MSFarmDestroy(&farm));
  if (ms_test_rank == 0) {
    hid_t  file = H5Fopen(name, H5F_ACC_RDONLY, H5P_DEFAULT), d, type = H5Tcreate(H5T_COMPOUND, sizeof(Record)), str = H5Tcopy(H5T_C_S1);
    Record rec[N_TASKS];
    char  *read_labels[N_TASKS];

    H5Tset_size(str, 8);
    H5Tinsert(type, "index", HOFFSET(Record, index), H5T_NATIVE_INT64);
    H5Tinsert(type, "value", HOFFSET(Record, value), H5T_NATIVE_DOUBLE);
    H5Tinsert(type, "note", HOFFSET(Record, note), str);
    d = H5Dopen2(file, "records", H5P_DEFAULT);
    ck_assert(d >= 0 && H5Dread(d, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, rec) >= 0);
    H5Dclose(d);
    H5Tset_size(str, H5T_VARIABLE);
    H5Tset_cset(str, H5T_CSET_UTF8);
    d = H5Dopen2(file, "labels", H5P_DEFAULT);
    ck_assert(d >= 0 && H5Dread(d, str, H5S_ALL, H5S_ALL, H5P_DEFAULT, read_labels) >= 0);
    for (PetscInt t = 0; t < N_TASKS; t++) { /* failed tasks (t % 5 == 1) keep their records too */
      ck_assert_int_eq(rec[t].index, t);
      ck_assert(rec[t].value == 0.5 * (double)t);
      ck_assert_str_eq(rec[t].note, "defghij");
      ck_assert_str_eq(read_labels[t], labels[t]);
      free(read_labels[t]);
    }
    H5Dclose(d);
    H5Tclose(str);
    H5Tclose(type);
    H5Fclose(file);
  }
  /* a resume with other labels is refused, naming the first differing task, the file untouched */
  {
    long  len0 = 0, len1 = 0;
    char *before = ms_test_rank == 0 ? slurp(name, &len0) : NULL, *after;

    snprintf(text[9], sizeof(text[9]), "other");
    MSCK(CreateRecordFarm(name, labels, PETSC_TRUE, 0, &farm));
    MSCK_FAILS(MSFarmMap(farm, TaskRecord, &ctx, MS_FARM_RESULTS_NONE, NULL), PETSC_ERR_FILE_UNEXPECTED);
    MSCK(MSFarmDestroy(&farm));
    ck_assert_int_eq(total_calls(&ctx), N_TASKS);
    if (ms_test_rank == 0) {
      after = slurp(name, &len1);
      ck_assert(len0 == len1 && memcmp(before, after, (size_t)len0) == 0);
      free(before);
      free(after);
      remove(name);
    }
  }
  /* at most a few failures past the limit; the tasks not run stay missing */
  ctx.fail_mod = 2;
  MSCK(CreateRecordFarm(name, labels, PETSC_FALSE, 3, &farm));
  MSCK(MSFarmMap(farm, TaskRecord, &ctx, MS_FARM_RESULTS_NONE, NULL));
  MSCK(MSFarmGetFailures(farm, &n_failed, NULL));
  MSCK(MSFarmGetSkipped(farm, &n_skipped));
  MSCK(MSFarmDestroy(&farm));
  ck_assert_msg(n_failed >= 3 && n_failed <= 3 + 2 * 3 * ms_test_size && n_skipped > 0, "%d failed, %d skipped", (int)n_failed, (int)n_skipped);
  ck_assert_int_eq(total_calls(&ctx), N_TASKS - n_skipped);
  if (ms_test_rank == 0) {
    PetscInt missing = 0, failed = 0;

    read_file(name, status, fres);
    for (PetscInt t = 0; t < N_TASKS; t++) {
      missing += status[t] == 0;
      failed += status[t] == 2;
    }
    ck_assert_int_eq(missing, n_skipped);
    ck_assert_int_eq(failed, n_failed);
    remove(name);
  }
}
END_TEST

Suite *ms_test_suite(void)
{
  Suite *s  = suite_create("farm_output");
  TCase *tc = tcase_create("hdf5");

  tcase_set_timeout(tc, 100);
  tcase_add_loop_test(tc, test_output_and_resume, 0, 2);
  tcase_add_test(tc, test_refuse_foreign_file);
  tcase_add_loop_test(tc, test_retry_failed, 0, 2);
  tcase_add_test(tc, test_task_records);
  suite_add_tcase(s, tc);
  return s;
}
