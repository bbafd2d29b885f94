/* metasim eval FILE -o OUT: runs the MSMeta operations on a problem file and writes the results. */
#include <string.h>
#include <petsctime.h>
#include "apputil.h"

static const char MSAppEvalHelp[] =
  "usage: mpiexec -n N metasim eval FILE -o OUT [--force] [-q] [--ops dpred,jvec,jtvec,jtjdiag] [--model NAME]\n"
  "                                 [--vector NAME] [--adjoint-vector NAME] [--uncertainty NAME]\n\n"
  "Loads the problem FILE (each rank reads only the simulations it owns), runs the operations\n"
  "at the model /models/NAME and writes the results to OUT (HDF5, docs/format.md):\n"
  "  dpred    predicted data                     -> /dpred     (n_data)\n"
  "  jvec     J v, v = /models/VECTOR            -> /Jvec      (n_data)\n"
  "  jtvec    J^T w, w = /data/ADJOINT-VECTOR    -> /Jtvec     (n_model)\n"
  "  jtjdiag  diag(J^T J), and diag(J^T W^T W J) with W = 1/uncertainty when\n"
  "           /uncertainties/UNCERTAINTY exists  -> /JtJdiag, /JtJdiag_W (n_model)\n"
  "Defaults: --ops dpred, --model m, --vector v, --adjoint-vector w, --uncertainty std.\n"
  "OUT appears only when complete; an existing OUT is refused unless --force. On a terminal a\n"
  "line per operation says how long it took (-q: none). PETSc options pass through: -meta_view, -log_view,\n"
  "-meta_jtjdiag exact, ... Simulations on groups of ranks: -meta_group_size K, -meta_simulation_ranks\n"
  "R0,R1,... (one group per simulation) or -meta_group_by_cost; the file does not change.\n"
  "Errors print one line naming the file and the dataset.\n";

typedef enum {
  MS_OP_DPRED,
  MS_OP_JVEC,
  MS_OP_JTVEC,
  MS_OP_JTJDIAG,
  MS_OP_COUNT
} MSAppOp;
static const char *const MSAppOpNames[MS_OP_COUNT] = {"dpred", "jvec", "jtvec", "jtjdiag"};

/* Parses "dpred,jvec" into flags. */
static PetscErrorCode ParseOps(const char list[], PetscBool ops[MS_OP_COUNT])
{
  char  *copy, *token, *rest;
  size_t len;

  PetscFunctionBegin;
  for (int k = 0; k < MS_OP_COUNT; k++) ops[k] = PETSC_FALSE;
  PetscCall(PetscStrallocpy(list, &copy));
  PetscCall(PetscStrlen(copy, &len));
  PetscCheck(len > 0, PETSC_COMM_WORLD, PETSC_ERR_ARG_WRONG, "--ops is empty (choose from dpred, jvec, jtvec, jtjdiag)");
  for (token = copy; token; token = rest) {
    PetscBool found = PETSC_FALSE;

    rest = strchr(token, ',');
    if (rest) *rest++ = '\0';
    for (int k = 0; k < MS_OP_COUNT && !found; k++) {
      PetscCall(PetscStrcmp(token, MSAppOpNames[k], &found));
      if (found) ops[k] = PETSC_TRUE;
    }
    PetscCheck(found, PETSC_COMM_WORLD, PETSC_ERR_ARG_WRONG, "unknown operation \"%s\" in --ops (choose from dpred, jvec, jtvec, jtjdiag)", token);
  }
  PetscCall(PetscFree(copy));
  PetscFunctionReturn(0);
}

/* On a terminal (rank 0's stderr), one line per finished operation with its time. */
static PetscErrorCode EvalProgress(PetscBool on, const char op[], PetscLogDouble *t)
{
  PetscLogDouble now;

  PetscFunctionBegin;
  PetscCall(PetscTime(&now));
  if (on) PetscCall(PetscFPrintf(PETSC_COMM_WORLD, PETSC_STDERR, "metasim eval: %-9s done in %.3f s\n", op, (double)(now - *t)));
  *t = now;
  PetscFunctionReturn(0);
}

/* Reads /GROUP/NAME of the problem into a new vector with the layout of like. */
static PetscErrorCode ReadNamed(const char file[], const char group[], const char name[], Vec like, Vec *v)
{
  char path[PETSC_MAX_PATH_LEN];

  PetscFunctionBegin;
  PetscCall(PetscSNPrintf(path, sizeof(path), "%s/%s", group, name));
  PetscCall(VecDuplicate(like, v));
  PetscCall(MSProblemReadVector(file, path, *v));
  PetscFunctionReturn(0);
}

typedef struct {
  PetscInt    n;
  const char *names[6];
  Vec         vecs[6];
} MSAppResults;

static PetscErrorCode Eval(int argc, char **argv)
{
  const char   *file, *out, *oplist, *model, *vector, *adjoint, *uncertainty;
  PetscBool     help, ops[MS_OP_COUNT], exact = PETSC_TRUE, has_unc, force, quiet, progress;
  PetscLogDouble t;
  MSMeta        meta;
  Vec           layout, m, d;
  MSAppResults  res = {0, {NULL}, {NULL}};
  MSResultsInfo info;
  PetscInt      n_sims;
  char         *line;

  PetscFunctionBegin;
  PetscCall(MSAppHasFlag(argc, argv, "--help", "-h", &help));
  if (help) {
    PetscCall(PetscPrintf(PETSC_COMM_WORLD, "%s", MSAppEvalHelp));
    PetscFunctionReturn(0);
  }
  PetscCheck(argc >= 2 && argv[1][0] != '-', PETSC_COMM_WORLD, PETSC_ERR_ARG_WRONG, "missing FILE (see metasim eval --help)");
  file = argv[1];
  PetscCall(MSAppGetValue(argc, argv, "--output", "-o", NULL, &out));
  PetscCheck(out, PETSC_COMM_WORLD, PETSC_ERR_ARG_WRONG, "missing -o OUT (see metasim eval --help)");
  PetscCall(MSAppGetValue(argc, argv, "--ops", NULL, "dpred", &oplist));
  PetscCall(MSAppGetValue(argc, argv, "--model", NULL, "m", &model));
  PetscCall(MSAppGetValue(argc, argv, "--vector", NULL, "v", &vector));
  PetscCall(MSAppGetValue(argc, argv, "--adjoint-vector", NULL, "w", &adjoint));
  PetscCall(MSAppGetValue(argc, argv, "--uncertainty", NULL, "std", &uncertainty));
  PetscCall(ParseOps(oplist, ops));
  PetscCall(MSOutputCheck(PETSC_COMM_WORLD, out, PETSC_TRUE, 1, &file));
  PetscCall(MSAppHasFlag(argc, argv, "--force", NULL, &force));
  PetscCall(MSAppCheckOverwrite(out, force, "--force to replace it", NULL));
  PetscCall(MSAppHasFlag(argc, argv, "--quiet", "-q", &quiet));
  progress = !quiet && MSAppStderrIsTerminal() ? PETSC_TRUE : PETSC_FALSE;
  PetscCall(PetscTime(&t));

  PetscCall(MSProblemLoad(PETSC_COMM_WORLD, file, &meta));
  PetscCall(MSMetaCreateVecs(meta, &layout, &d));
  PetscCall(ReadNamed(file, "models", model, layout, &m));
  PetscCall(VecDestroy(&layout));
  PetscCall(EvalProgress(progress, "load", &t));
  if (ops[MS_OP_DPRED]) {
    res.names[res.n] = "dpred";
    PetscCall(VecDuplicate(d, &res.vecs[res.n]));
    PetscCall(MSMetaDpred(meta, m, res.vecs[res.n++]));
    PetscCall(EvalProgress(progress, "dpred", &t));
  }
  if (ops[MS_OP_JVEC]) {
    Vec v;

    PetscCall(ReadNamed(file, "models", vector, m, &v));
    res.names[res.n] = "Jvec";
    PetscCall(VecDuplicate(d, &res.vecs[res.n]));
    PetscCall(MSMetaJvec(meta, m, v, res.vecs[res.n++]));
    PetscCall(VecDestroy(&v));
    PetscCall(EvalProgress(progress, "jvec", &t));
  }
  if (ops[MS_OP_JTVEC]) {
    Vec w;

    PetscCall(ReadNamed(file, "data", adjoint, d, &w));
    res.names[res.n] = "Jtvec";
    PetscCall(VecDuplicate(m, &res.vecs[res.n]));
    PetscCall(MSMetaJtvec(meta, m, w, res.vecs[res.n++]));
    PetscCall(VecDestroy(&w));
    PetscCall(EvalProgress(progress, "jtvec", &t));
  }
  if (ops[MS_OP_JTJDIAG]) {
    char path[PETSC_MAX_PATH_LEN];

    res.names[res.n] = "JtJdiag";
    PetscCall(VecDuplicate(m, &res.vecs[res.n]));
    PetscCall(MSMetaGetJtJDiagonal(meta, m, NULL, res.vecs[res.n++], &exact));
    PetscCall(PetscSNPrintf(path, sizeof(path), "uncertainties/%s", uncertainty));
    PetscCall(MSProblemHasVector(PETSC_COMM_WORLD, file, path, &has_unc));
    if (has_unc) {
      Vec W;

      PetscCall(ReadNamed(file, "uncertainties", uncertainty, d, &W));
      PetscCall(VecReciprocal(W));
      PetscCall(MSVecCheckFinite(W, "inverse uncertainty (an uncertainty is zero)"));
      res.names[res.n] = "JtJdiag_W";
      PetscCall(VecDuplicate(m, &res.vecs[res.n]));
      PetscCall(MSMetaGetJtJDiagonal(meta, m, W, res.vecs[res.n++], &exact));
      PetscCall(VecDestroy(&W));
    }
    PetscCall(EvalProgress(progress, "jtjdiag", &t));
  }
  PetscCall(MSMetaGetSizes(meta, &n_sims, NULL, NULL));
  PetscCall(MSAppCommandLine("metasim", argc, argv, &line));
  info.problem       = file;
  info.command       = line;
  info.n_sims        = n_sims;
  info.jtjdiag_exact = exact;
  PetscCall(MSMetaGetKind(meta, &info.kind));
  PetscCall(MSResultsWrite(PETSC_COMM_WORLD, out, &info, res.n, res.names, res.vecs));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "%s: wrote", out));
  for (PetscInt k = 0; k < res.n; k++) PetscCall(PetscPrintf(PETSC_COMM_WORLD, " %s", res.names[k]));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, " (%" PetscInt_FMT " simulations, kind %s)\n", n_sims, MSMetaKinds[info.kind]));
  PetscCall(PetscFree(line));
  for (PetscInt k = 0; k < res.n; k++) PetscCall(VecDestroy(&res.vecs[k]));
  PetscCall(VecDestroy(&m));
  PetscCall(VecDestroy(&d));
  PetscCall(MSMetaDestroy(&meta));
  PetscFunctionReturn(0);
}

static const MSAppFlag EvalFlags[] = {{"--help", "-h", PETSC_FALSE}, {"--output", "-o", PETSC_TRUE}, {"--ops", NULL, PETSC_TRUE}, {"--model", NULL, PETSC_TRUE}, {"--vector", NULL, PETSC_TRUE}, {"--adjoint-vector", NULL, PETSC_TRUE}, {"--uncertainty", NULL, PETSC_TRUE}, {"--force", NULL, PETSC_FALSE}, {"--quiet", "-q", PETSC_FALSE}, {NULL, NULL, PETSC_FALSE}};

const MSAppCommand MSAppEvalCommand = {"eval", "run dpred, Jvec, Jtvec, JtJ diagonal on a problem file and write the results", Eval, 1, EvalFlags};
