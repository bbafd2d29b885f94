/* Derivative checks for any MSOperator: dot-product adjoint test and Taylor convergence test. */
#include <metasim/check.h>
#include <metasim/impl/objectimpl.h>

#define MS_ADJOINT_DEFAULT_TOL 1e-10
#define MS_TAYLOR_DEFAULT_STEPS 6
#define MS_TAYLOR_MIN_ORDER 1.5
/* err1 below this multiple of machine epsilon times the size of f is round-off */
#define MS_TAYLOR_ROUNDOFF 1e3

static PetscErrorCode MSCheckRandomVec(PetscRandom rnd, Vec tmpl, Vec *v)
{
  PetscFunctionBegin;
  PetscCall(VecDuplicate(tmpl, v));
  PetscCall(VecSetRandom(*v, rnd));
  PetscCall(VecShift(*v, -0.5));
  PetscFunctionReturn(0);
}

static PetscErrorCode MSCheckGetRandom(MPI_Comm comm, PetscRandom given, PetscRandom *rnd)
{
  PetscFunctionBegin;
  if (given) {
    *rnd = given;
    PetscCall(PetscObjectReference((PetscObject)given));
  } else {
    PetscCall(PetscRandomCreate(comm, rnd));
    PetscCall(PetscRandomSetSeed(*rnd, 20261121));
    PetscCall(PetscRandomSeed(*rnd));
  }
  PetscFunctionReturn(0);
}

/*@C
  MSCheckAdjoint - dot-product test of an operator's J and J^T: w^T (J v) = v^T (J^T w)

  Collective on the operator's vectors

  Input Parameters:
+ op  - the operator
. m   - the model at which J is taken; NULL for a random one
. rnd - random generator for v, w (and m); NULL for a fixed-seed one
- tol - relative tolerance; 0 for the default 1e-10

  Output Parameter:
. rep - the two products, their relative difference and whether it passed

  Level: beginner

.seealso: `MSCheckTaylor()`, `MSSimCheckAdjoint()`, `MSMapCheckAdjoint()`
@*/
PetscErrorCode MSCheckAdjoint(const MSOperator *op, Vec m, PetscRandom rnd, PetscReal tol, MSAdjointReport *rep)
{
  Vec         v, w, jv, jtw, mm;
  PetscRandom r;
  PetscScalar wjv, vjtw;
  MPI_Comm    comm = PetscObjectComm((PetscObject)op->model);

  PetscFunctionBegin;
  PetscCall(MSCheckGetRandom(comm, rnd, &r));
  if (m) {
    mm = m;
    PetscCall(PetscObjectReference((PetscObject)m));
  } else PetscCall(MSCheckRandomVec(r, op->model, &mm));
  PetscCall(MSCheckRandomVec(r, op->model, &v));
  PetscCall(MSCheckRandomVec(r, op->output, &w));
  PetscCall(VecDuplicate(op->output, &jv));
  PetscCall(VecDuplicate(op->model, &jtw));
  PetscCall((*op->jvec)(op->ctx, mm, v, jv));
  PetscCall((*op->jtvec)(op->ctx, mm, w, jtw));
  PetscCall(VecDot(w, jv, &wjv));
  PetscCall(VecDot(v, jtw, &vjtw));
  rep->wJv       = PetscRealPart(wjv);
  rep->vJtw      = PetscRealPart(vjtw);
  rep->tol       = tol > 0 ? tol : MS_ADJOINT_DEFAULT_TOL;
  rep->rel_error = PetscAbsReal(rep->wJv - rep->vJtw) / PetscMax(PetscMax(PetscAbsReal(rep->wJv), PetscAbsReal(rep->vJtw)), PETSC_SMALL);
  rep->passed    = rep->rel_error <= rep->tol ? PETSC_TRUE : PETSC_FALSE;
  PetscCall(VecDestroy(&v));
  PetscCall(VecDestroy(&w));
  PetscCall(VecDestroy(&jv));
  PetscCall(VecDestroy(&jtw));
  PetscCall(VecDestroy(&mm));
  PetscCall(PetscRandomDestroy(&r));
  PetscFunctionReturn(0);
}

/* Observed order from consecutive err1; a value below round-off counts as round-off, which keeps
   the estimate a lower bound. */
static PetscErrorCode MSTaylorEstimateOrder(MSTaylorReport *rep, const PetscReal floor_[])
{
  PetscReal orders[MS_TAYLOR_MAX_STEPS];
  PetscInt  n = 0;

  PetscFunctionBegin;
  rep->linear = PETSC_TRUE;
  for (PetscInt k = 0; k < rep->nsteps; k++)
    if (rep->err1[k] > floor_[k]) rep->linear = PETSC_FALSE;
  for (PetscInt k = 0; k + 1 < rep->nsteps; k++) {
    if (rep->err1[k] <= floor_[k]) continue;
    orders[n++] = PetscLog10Real(rep->err1[k] / PetscMax(rep->err1[k + 1], floor_[k + 1])) / PetscLog10Real(rep->h[k] / rep->h[k + 1]);
  }
  if (n) {
    PetscCall(PetscSortReal(n, orders));
    rep->order = (n % 2) ? orders[n / 2] : 0.5 * (orders[n / 2 - 1] + orders[n / 2]);
  } else rep->order = 0.0;
  rep->passed = (rep->linear || (n && rep->order >= MS_TAYLOR_MIN_ORDER)) ? PETSC_TRUE : PETSC_FALSE;
  PetscFunctionReturn(0);
}

/*@C
  MSCheckTaylor - Taylor test of an operator's derivative: ||f(m + h dm) - f(m) - h J dm|| must
  fall as h^2

  Collective on the operator's vectors

  Input Parameters:
+ op     - the operator
. m      - the model; NULL for a random one
. dm     - the direction; NULL for a random one
. h0     - the first step; 0 for 0.1 (then h_k = h0 10^-k)
- nsteps - number of steps, at most `MS_TAYLOR_MAX_STEPS`; 0 for 6

  Output Parameter:
. rep - the errors per step, the observed order and whether it passed

  Notes:
  Passes when the median observed order is at least 1.5, or when every second-order error is at
  round-off, which is what a linear operator gives.

  Level: beginner

.seealso: `MSCheckAdjoint()`, `MSSimCheckTaylor()`, `MSMapCheckTaylor()`
@*/
PetscErrorCode MSCheckTaylor(const MSOperator *op, Vec m, Vec dm, PetscReal h0, PetscInt nsteps, MSTaylorReport *rep)
{
  Vec         mm, d, f0, jdm, mk, fk;
  PetscRandom r;
  PetscReal   nf0, njdm, floor_[MS_TAYLOR_MAX_STEPS];
  MPI_Comm    comm = PetscObjectComm((PetscObject)op->model);

  PetscFunctionBegin;
  if (nsteps <= 0) nsteps = MS_TAYLOR_DEFAULT_STEPS;
  PetscCheck(nsteps >= 2 && nsteps <= MS_TAYLOR_MAX_STEPS, comm, PETSC_ERR_ARG_OUTOFRANGE, "Taylor test needs 2 to %d steps, got %" PetscInt_FMT, MS_TAYLOR_MAX_STEPS, nsteps);
  if (h0 <= 0) h0 = 0.1;
  PetscCall(MSCheckGetRandom(comm, NULL, &r));
  if (m) {
    mm = m;
    PetscCall(PetscObjectReference((PetscObject)m));
  } else PetscCall(MSCheckRandomVec(r, op->model, &mm));
  if (dm) {
    d = dm;
    PetscCall(PetscObjectReference((PetscObject)dm));
  } else PetscCall(MSCheckRandomVec(r, op->model, &d));
  PetscCall(VecDuplicate(op->output, &f0));
  PetscCall(VecDuplicate(op->output, &jdm));
  PetscCall(VecDuplicate(op->output, &fk));
  PetscCall(VecDuplicate(op->model, &mk));
  PetscCall((*op->apply)(op->ctx, mm, f0));
  PetscCall((*op->jvec)(op->ctx, mm, d, jdm));
  PetscCall(VecNorm(f0, NORM_2, &nf0));
  PetscCall(VecNorm(jdm, NORM_2, &njdm));
  rep->nsteps = nsteps;
  for (PetscInt k = 0; k < nsteps; k++) {
    PetscReal h = h0 * PetscPowReal(10.0, -(PetscReal)k);

    PetscCall(VecWAXPY(mk, h, d, mm));
    PetscCall((*op->apply)(op->ctx, mk, fk));
    PetscCall(VecAXPY(fk, -1.0, f0));
    PetscCall(VecNorm(fk, NORM_2, &rep->err0[k]));
    PetscCall(VecAXPY(fk, -h, jdm));
    PetscCall(VecNorm(fk, NORM_2, &rep->err1[k]));
    rep->h[k] = h;
    floor_[k] = MS_TAYLOR_ROUNDOFF * PETSC_MACHINE_EPSILON * (nf0 + h * njdm + PETSC_SMALL);
  }
  PetscCall(MSTaylorEstimateOrder(rep, floor_));
  PetscCall(VecDestroy(&mm));
  PetscCall(VecDestroy(&d));
  PetscCall(VecDestroy(&f0));
  PetscCall(VecDestroy(&jdm));
  PetscCall(VecDestroy(&fk));
  PetscCall(VecDestroy(&mk));
  PetscCall(PetscRandomDestroy(&r));
  PetscFunctionReturn(0);
}

/*@C
  MSAdjointReportView - prints an adjoint test result

  Collective on viewer

  Level: beginner
@*/
PetscErrorCode MSAdjointReportView(const MSAdjointReport *rep, PetscViewer viewer)
{
  PetscFunctionBegin;
  PetscCall(PetscViewerASCIIPrintf(viewer, "adjoint test: w'Jv = %.16e, v'J'w = %.16e, relative difference %.3e (tol %.1e): %s\n", (double)rep->wJv, (double)rep->vJtw, (double)rep->rel_error, (double)rep->tol, rep->passed ? "passed" : "FAILED"));
  PetscFunctionReturn(0);
}

/*@C
  MSTaylorReportView - prints a Taylor test result, one line per step

  Collective on viewer

  Level: beginner
@*/
PetscErrorCode MSTaylorReportView(const MSTaylorReport *rep, PetscViewer viewer)
{
  PetscFunctionBegin;
  PetscCall(PetscViewerASCIIPrintf(viewer, "Taylor test:        h       ||f(m+h dm)-f(m)||   ||f(m+h dm)-f(m)-h J dm||\n"));
  for (PetscInt k = 0; k < rep->nsteps; k++) PetscCall(PetscViewerASCIIPrintf(viewer, "             %9.2e   %.6e         %.6e\n", (double)rep->h[k], (double)rep->err0[k], (double)rep->err1[k]));
  if (rep->linear) PetscCall(PetscViewerASCIIPrintf(viewer, "  second-order error at round-off (linear along dm): %s\n", rep->passed ? "passed" : "FAILED"));
  else PetscCall(PetscViewerASCIIPrintf(viewer, "  observed order %.3f (need >= %.1f): %s\n", (double)rep->order, (double)MS_TAYLOR_MIN_ORDER, rep->passed ? "passed" : "FAILED"));
  PetscFunctionReturn(0);
}

/* The shared tail of every object's check wrappers: one adjoint or Taylor test on op, then
   op's template vectors are destroyed. */
PetscErrorCode MSCheckRunAndFree(MSOperator *op, PetscBool taylor, Vec m, Vec dm, PetscRandom rnd, void *report)
{
  PetscFunctionBegin;
  if (taylor) PetscCall(MSCheckTaylor(op, m, dm, 0.0, 0, (MSTaylorReport *)report));
  else PetscCall(MSCheckAdjoint(op, m, rnd, 0.0, (MSAdjointReport *)report));
  PetscCall(VecDestroy(&op->model));
  PetscCall(VecDestroy(&op->output));
  PetscFunctionReturn(0);
}
