/* Example 2: spike count of a leaky integrate-and-fire network (Brian's CUBA benchmark) swept
   over the excitatory weight. 4000 neurons (3200 excitatory, 800 inhibitory), 2% random
   connectivity, inhibitory weight -9 mV, dv/dt = (ge + gi - (v + 49 mV)) / 20 ms,
   dge/dt = -ge / 5 ms, dgi/dt = -gi / 10 ms, threshold -50 mV, reset -60 mV, v(0) uniform in
   [-60, -50] mV, 100 ms in 0.1 ms steps (exact exponential updates). Every task simulates the
   same network and initial state (drawn from one fixed stream), so the weight is the only
   difference; task k has weight 3.5 k / (n - 1) mV. Output: (weight, spike count). */
#include <math.h>
#include "sweep.h"

#define LIF_N      4000
#define LIF_NE     3200
#define LIF_P      0.02
#define LIF_WI     (-9.0)
#define LIF_DT     0.1
#define LIF_STEPS  1000
#define LIF_STREAM UINT64_MAX /* the network's own stream, apart from every task's */

typedef struct {
  PetscInt n_weights;
  PetscInt *start, *target; /* CSR: targets of neuron s are target[start[s] .. start[s + 1]) */
  double   *v0;
} LIFNetwork;

/* Bernoulli(p) connections by geometric skips: each neuron's targets in increasing order. */
static PetscErrorCode LIFBuildNetwork(LIFNetwork *net, uint64_t seed)
{
  MSRandomStream rs;
  PetscInt       cap = (PetscInt)(1.2 * LIF_P * LIF_N * LIF_N) + 1000, n = 0;

  PetscFunctionBegin;
  PetscCall(MSRandomStreamInitialize(&rs, seed, LIF_STREAM));
  PetscCall(PetscMalloc3(LIF_N + 1, &net->start, cap, &net->target, LIF_N, &net->v0));
  for (PetscInt s = 0; s < LIF_N; s++) {
    double u;

    net->start[s] = n;
    for (PetscInt t = -1;;) {
      PetscCall(MSRandomStreamUniform(&rs, &u));
      t += 1 + (PetscInt)floor(log1p(-u) / log1p(-LIF_P));
      if (t >= LIF_N) break;
      PetscCheck(n < cap, PETSC_COMM_SELF, PETSC_ERR_PLIB, "lif: more synapses than expected");
      net->target[n++] = t;
    }
  }
  net->start[LIF_N] = n;
  for (PetscInt s = 0; s < LIF_N; s++) {
    double u;

    PetscCall(MSRandomStreamUniform(&rs, &u));
    net->v0[s] = -60.0 + 10.0 * u;
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode LIFTask(MSFarmTask *task, PetscScalar *out, void *ctx)
{
  LIFNetwork  *net = (LIFNetwork *)ctx;
  double       we  = net->n_weights > 1 ? 3.5 * (double)task->index / (double)(net->n_weights - 1) : 0.0;
  double      *v, *ge, *gi;
  const double dv = exp(-LIF_DT / 20.0), dge = exp(-LIF_DT / 5.0), dgi = exp(-LIF_DT / 10.0);
  PetscInt     spikes = 0;

  PetscFunctionBegin;
  PetscCall(PetscMalloc3(LIF_N, &v, LIF_N, &ge, LIF_N, &gi));
  for (PetscInt s = 0; s < LIF_N; s++) {
    v[s]  = net->v0[s];
    ge[s] = gi[s] = 0;
  }
  for (PetscInt step = 0; step < LIF_STEPS; step++) {
    for (PetscInt s = 0; s < LIF_N; s++) { /* v relaxes to ge + gi - 49 mV */
      double rest = ge[s] + gi[s] - 49.0;

      v[s] = rest + (v[s] - rest) * dv;
      ge[s] *= dge;
      gi[s] *= dgi;
    }
    for (PetscInt s = 0; s < LIF_N; s++) {
      if (v[s] <= -50.0) continue;
      v[s] = -60.0;
      spikes++;
      for (PetscInt c = net->start[s]; c < net->start[s + 1]; c++) {
        if (s < LIF_NE) ge[net->target[c]] += we;
        else gi[net->target[c]] += LIF_WI;
      }
    }
  }
  PetscCall(PetscFree3(v, ge, gi));
  out[0] = we;
  out[1] = (PetscScalar)spikes;
  PetscFunctionReturn(0);
}

static PetscErrorCode LIFSetup(MSFarm farm, PetscInt n, void **ctx)
{
  LIFNetwork *net;

  PetscFunctionBegin;
  PetscCall(MSFarmSetTasks(farm, n, 2));
  PetscCall(PetscNew(&net));
  net->n_weights = n;
  PetscCall(LIFBuildNetwork(net, 0));
  *ctx = net;
  PetscFunctionReturn(0);
}

static PetscErrorCode LIFFinish(MSFarm farm, const PetscScalar *results, const char *output, void *ctx)
{
  PetscInt     n;
  PetscScalar *x, *y;

  PetscFunctionBegin;
  PetscCall(MSFarmGetTasks(farm, &n, NULL));
  PetscCall(PetscMalloc2(n, &x, n, &y));
  for (PetscInt k = 0; k < n; k++) {
    x[k] = results[2 * k];
    y[k] = results[2 * k + 1];
  }
  PetscCall(PetscPrintf(PETSC_COMM_SELF, "lif: %" PetscInt_FMT " weights in [0, 3.5] mV: %.0f spikes at 0 mV, %.0f at 3.5 mV\n", n, (double)y[0], (double)y[n - 1]));
  PetscCall(MSAppSweepWriteCurve(output, n, x, y, NULL));
  PetscCall(PetscFree2(x, y));
  PetscFunctionReturn(0);
}

static PetscErrorCode LIFDestroy(void **ctx)
{
  LIFNetwork *net = (LIFNetwork *)*ctx;

  PetscFunctionBegin;
  PetscCall(PetscFree3(net->start, net->target, net->v0));
  PetscCall(PetscFree(*ctx));
  PetscFunctionReturn(0);
}

const MSAppSweepExample MSAppSweepLIF = {"lif", "spike count of a 4000-neuron LIF network over 100 excitatory weights", 100, LIFTask, LIFSetup, LIFFinish, LIFDestroy};
