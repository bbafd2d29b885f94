/* metasim invert FILE -o OUT: the inversion of a problem file's simulations against its observed
   data on PETSc TAO, with Tikhonov regularization and a beta schedule. */
#include <stdlib.h>
#include <unistd.h>
#include "invert.h"

static const char MSAppInvertHelp[] =
  "usage: mpiexec -n N metasim invert FILE -o OUT [--force | --resume] [-q]\n"
  "         [--data dobs] [--uncertainty std] [--start m0] [--reference mref]\n"
  "         [--alpha-s 1] [--alpha-x 1] [--alpha-y 1] [--alpha-z 1] [--regularization NAME]\n"
  "         [--beta0 1] [--cooling-factor 2] [--cooling-rate 0] [--stages 10] [--target-chi2 1]\n"
  "         [-tao_type blmvm|bqnls|nls|ntr ...]\n\n"
  "Minimises phi(m) = 1/2 ||(d(m) - d_obs) / std||^2 + beta/2 ||R (m - m_ref)||^2 over the\n"
  "simulations of the problem FILE, with d_obs = /data/DATA, std = /uncertainties/UNCERTAINTY,\n"
  "m_ref = /models/REFERENCE, starting from /models/START (each defaults to the other when absent).\n"
  "R is smallness sqrt(alpha_s) I, plus first differences sqrt(alpha_x) D_x, ... along each axis\n"
  "of the file's mesh (/mesh/shape) when it has one; --regularization NAME: R is the file's matrix\n"
  "/regularization/NAME instead.\n"
  "Beta stages: stage s solves with beta = beta0 / cooling-factor^s, for at most cooling-rate TAO\n"
  "iterations (0: until TAO converges), from where stage s - 1 ended; the run stops when\n"
  "chi^2 = 2 phi_d / n_data <= target-chi2 (0: no target, run every stage) or after --stages stages.\n"
  "Prints one line per iteration (stage, iteration, phi_d, phi_m, beta, |g|, chi^2) unless -q.\n"
  "OUT (HDF5) holds /m, the recovered model, and /history, one row per iteration; it is written\n"
  "after every stage and appears only when complete. An existing OUT is refused unless --force\n"
  "(start again) or --resume (continue from its last completed stage, with its beta0 and\n"
  "cooling factor). Exits 1 when the target misfit is not reached within --stages stages.\n"
  "TAO options apply (default blmvm); nls and ntr use the Gauss-Newton Hessian\n"
  "J^T W^T W J + beta R^T R with its diagonal as Jacobi preconditioner.\n";

static PetscErrorCode InvParseOptions(int argc, char **argv, InvOptions *o)
{
  static const char *const axis[INVERSION_MAX_DIM] = {"--alpha-x", "--alpha-y", "--alpha-z"};

  PetscFunctionBegin;
  PetscCheck(argc >= 2 && argv[1][0] != '-', PETSC_COMM_WORLD, PETSC_ERR_ARG_WRONG, "missing FILE (see metasim invert --help)");
  o->file = argv[1];
  PetscCall(MSAppGetValue(argc, argv, "--output", "-o", NULL, &o->out));
  PetscCheck(o->out, PETSC_COMM_WORLD, PETSC_ERR_ARG_WRONG, "missing -o OUT (see metasim invert --help)");
  PetscCall(MSAppHasFlag(argc, argv, "--force", NULL, &o->force));
  PetscCall(MSAppHasFlag(argc, argv, "--resume", NULL, &o->resume));
  PetscCall(MSAppHasFlag(argc, argv, "--quiet", "-q", &o->quiet));
  PetscCheck(!(o->force && o->resume), PETSC_COMM_WORLD, PETSC_ERR_ARG_INCOMP, "--force and --resume: choose one (start again, or continue %s)", o->out);
  PetscCall(MSAppGetValue(argc, argv, "--data", NULL, "dobs", &o->data));
  PetscCall(MSAppGetValue(argc, argv, "--uncertainty", NULL, "std", &o->std));
  PetscCall(MSAppGetValue(argc, argv, "--start", NULL, "m0", &o->start));
  PetscCall(MSAppGetValue(argc, argv, "--reference", NULL, "mref", &o->reference));
  PetscCall(MSAppGetValue(argc, argv, "--regularization", NULL, NULL, &o->regularization));
  PetscCall(MSAppGetReal(argc, argv, "--alpha-s", NULL, 1.0, 0.0, &o->alpha_s));
  for (int d = 0; d < INVERSION_MAX_DIM; d++) PetscCall(MSAppGetReal(argc, argv, axis[d], NULL, 1.0, 0.0, &o->alpha[d]));
  PetscCall(MSAppGetReal(argc, argv, "--beta0", NULL, 1.0, 0.0, &o->beta0));
  PetscCall(MSAppGetReal(argc, argv, "--cooling-factor", NULL, 2.0, 1.0, &o->cooling));
  PetscCall(MSAppGetInt(argc, argv, "--cooling-rate", NULL, 0, 0, 1000000000, &o->cooling_rate));
  PetscCall(MSAppGetInt(argc, argv, "--stages", NULL, 10, 1, 1000000, &o->stages));
  PetscCall(MSAppGetReal(argc, argv, "--target-chi2", NULL, 1.0, 0.0, &o->target_chi2));
  PetscFunctionReturn(0);
}

/* Reads /GROUP/NAME of the problem into a new vector with the layout of like; has says whether it exists. */
static PetscErrorCode InvReadNamed(const char file[], const char group[], const char name[], Vec like, PetscBool *has, Vec *v)
{
  char path[PETSC_MAX_PATH_LEN];

  PetscFunctionBegin;
  *v = NULL;
  PetscCall(PetscSNPrintf(path, sizeof(path), "%s/%s", group, name));
  PetscCall(MSProblemHasVector(PETSC_COMM_WORLD, file, path, has));
  if (!*has) PetscFunctionReturn(0);
  PetscCall(VecDuplicate(like, v));
  PetscCall(MSProblemReadVector(file, path, *v));
  PetscFunctionReturn(0);
}

/* d_obs, W = 1 / std, the reference and the starting model (into run->m) from the problem file. */
static PetscErrorCode InvReadVectors(InvRun *run, Vec d_like, Vec *d_obs, Vec *W, Vec *m_ref)
{
  const InvOptions *o = &run->o;
  PetscBool         has, has_start, has_ref;
  Vec               start;

  PetscFunctionBegin;
  PetscCall(InvReadNamed(o->file, "data", o->data, d_like, &has, d_obs));
  PetscCheck(has, PETSC_COMM_WORLD, PETSC_ERR_FILE_UNEXPECTED, "%s: missing /data/%s (the observed data; see --data)", o->file, o->data);
  PetscCall(InvReadNamed(o->file, "uncertainties", o->std, d_like, &has, W));
  PetscCheck(has, PETSC_COMM_WORLD, PETSC_ERR_FILE_UNEXPECTED, "%s: missing /uncertainties/%s (the data uncertainties; see --uncertainty)", o->file, o->std);
  PetscCall(VecReciprocal(*W));
  PetscCall(MSVecCheckFinite(*W, "inverse uncertainty (an uncertainty is zero)"));
  PetscCall(InvReadNamed(o->file, "models", o->start, run->m, &has_start, &start));
  PetscCall(InvReadNamed(o->file, "models", o->reference, run->m, &has_ref, m_ref));
  PetscCheck(has_start || has_ref, PETSC_COMM_WORLD, PETSC_ERR_FILE_UNEXPECTED, "%s: missing /models/%s and /models/%s (the starting and reference models; see --start, --reference)", o->file, o->start, o->reference);
  if (!has_ref) PetscCall(VecDuplicate(start, m_ref));
  PetscCall(VecCopy(has_start ? start : *m_ref, run->m));
  if (!has_ref) PetscCall(VecCopy(start, *m_ref));
  PetscCall(VecDestroy(&start));
  PetscFunctionReturn(0);
}

/* OUT is a writable path other than the problem (MSOutputCheck), and whether it exists (rank 0
   looks) against --force and --resume. */
static PetscErrorCode InvCheckOutput(const InvOptions *o)
{
  PetscBool exists;

  PetscFunctionBegin;
  PetscCall(MSOutputCheck(PETSC_COMM_WORLD, o->out, PETSC_TRUE, 1, &o->file));
  PetscCall(MSAppCheckOverwrite(o->out, o->force || o->resume, "--force to replace it or --resume to continue it", &exists));
  PetscCheck(exists || !o->resume, PETSC_COMM_WORLD, PETSC_ERR_FILE_OPEN, "--resume: %s does not exist", o->out);
  PetscFunctionReturn(0);
}

/* The regularization operator: the file's /regularization/NAME, or smallness and smoothness along
   the axes of the file's mesh. */
static PetscErrorCode InvCreateRegularization(InvRun *run, Mat *R)
{
  PetscInt dim, shape[INVERSION_MAX_DIM];
  char     path[PETSC_MAX_PATH_LEN];

  PetscFunctionBegin;
  if (run->o.regularization) {
    PetscCall(PetscSNPrintf(path, sizeof(path), "regularization/%s", run->o.regularization));
    PetscCall(MSProblemReadMatrix(run->o.file, path, run->m, R));
    PetscFunctionReturn(0);
  }
  PetscCall(MSProblemGetMesh(PETSC_COMM_WORLD, run->o.file, &dim, shape));
  PetscCall(InversionRegularizationCreate(run->m, dim, shape, run->o.alpha_s, run->o.alpha, R));
  PetscFunctionReturn(0);
}

static PetscErrorCode Invert(int argc, char **argv)
{
  InvRun    run;
  PetscBool help;
  Vec       d_like, d_obs, W, m_ref;
  Mat       R;
  PetscInt  n_sims;

  PetscFunctionBegin;
  PetscCall(MSAppHasFlag(argc, argv, "--help", "-h", &help));
  if (help) {
    PetscCall(PetscPrintf(PETSC_COMM_WORLD, "%s", MSAppInvertHelp));
    PetscFunctionReturn(0);
  }
  PetscCall(PetscMemzero(&run, sizeof(run)));
  PetscCall(InvParseOptions(argc, argv, &run.o));
  PetscCall(InvCheckOutput(&run.o));
  PetscCall(MSAppCommandLine("metasim", argc, argv, &run.command));
  PetscCall(MSProblemLoad(PETSC_COMM_WORLD, run.o.file, &run.meta));
  PetscCall(MSMetaCreateVecs(run.meta, &run.m, &d_like));
  PetscCall(VecGetSize(d_like, &run.n_data));
  PetscCall(InvReadVectors(&run, d_like, &d_obs, &W, &m_ref));
  PetscCall(InvCreateRegularization(&run, &R));
  PetscCall(InversionObjectiveCreate(run.meta, d_obs, W, m_ref, R, run.o.beta0, &run.obj));
  PetscCall(InversionHessianCreate(&run.obj, &run.H));
  if (run.o.resume) PetscCall(InvReadOutput(&run));
  PetscCall(MSMetaGetSizes(run.meta, &n_sims, NULL, NULL));
  if (!run.o.quiet) PetscCall(PetscPrintf(PETSC_COMM_WORLD, "metasim invert: %s: %" PetscInt_FMT " simulations, %" PetscInt_FMT " data; %s stage %" PetscInt_FMT " of %" PetscInt_FMT "\n", run.o.file, n_sims, run.n_data, run.o.resume ? "resuming at" : "starting at", run.stage, run.o.stages));
  PetscCall(InvRunStages(&run));
  if (!run.o.quiet) PetscCall(PetscPrintf(PETSC_COMM_WORLD, "%s: %" PetscInt_FMT " stages, %" PetscInt_FMT " iterations, phi_d %.6e (chi2 %.4g), phi_m %.6e%s\n", run.o.out, run.stage, run.iterations, (double)run.phi_d, (double)(2.0 * run.phi_d / (PetscReal)run.n_data), (double)run.phi_m, run.target_reached ? ", target misfit reached" : ""));
  PetscCall(InvHistoryDestroy(&run.history));
  PetscCall(MatDestroy(&run.H));
  PetscCall(InversionObjectiveDestroy(&run.obj));
  PetscCall(MatDestroy(&R));
  PetscCall(VecDestroy(&d_obs));
  PetscCall(VecDestroy(&W));
  PetscCall(VecDestroy(&m_ref));
  PetscCall(VecDestroy(&d_like));
  PetscCall(VecDestroy(&run.m));
  PetscCall(PetscFree(run.command));
  PetscCall(MSMetaDestroy(&run.meta));
  PetscCheck(run.target_reached || run.o.target_chi2 == 0.0, PETSC_COMM_WORLD, PETSC_ERR_NOT_CONVERGED, "target chi2 %.6g not reached after %" PetscInt_FMT " stages (chi2 %.4g); %s holds the last stage, --resume --stages N continues it", (double)run.o.target_chi2, run.stage, (double)(2.0 * run.phi_d / (PetscReal)run.n_data), run.o.out);
  PetscFunctionReturn(0);
}

static const MSAppFlag InvertFlags[] = {{"--help", "-h", PETSC_FALSE}, {"--output", "-o", PETSC_TRUE}, {"--force", NULL, PETSC_FALSE}, {"--resume", NULL, PETSC_FALSE}, {"--quiet", "-q", PETSC_FALSE},
                                        {"--data", NULL, PETSC_TRUE}, {"--uncertainty", NULL, PETSC_TRUE}, {"--start", NULL, PETSC_TRUE}, {"--reference", NULL, PETSC_TRUE}, {"--regularization", NULL, PETSC_TRUE},
                                        {"--alpha-s", NULL, PETSC_TRUE}, {"--alpha-x", NULL, PETSC_TRUE}, {"--alpha-y", NULL, PETSC_TRUE}, {"--alpha-z", NULL, PETSC_TRUE}, {"--beta0", NULL, PETSC_TRUE},
                                        {"--cooling-factor", NULL, PETSC_TRUE}, {"--cooling-rate", NULL, PETSC_TRUE}, {"--stages", NULL, PETSC_TRUE}, {"--target-chi2", NULL, PETSC_TRUE}, {NULL, NULL, PETSC_FALSE}};

const MSAppCommand MSAppInvertCommand = {"invert", "invert a problem file's observed data with TAO (Tikhonov, beta schedule, resume)", Invert, 1, InvertFlags};
