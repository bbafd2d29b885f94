/* Joins of sweep results: overlapping bins into one curve by weighted sums, and repeated
   experiments into a mean with its standard error. */
#include <math.h>
#include <metasim/farm.h>

/*@C
  MSFarmTukeyWindow - a Tukey (tapered cosine) window, for weighting overlapping bins

  Not Collective

  Input Parameters:
+ n     - number of points
- alpha - fraction of the window inside the cosine tapers, 0 (flat) to 1 (Hann)

  Output Parameter:
. w - the n weights, sampled at the midpoints (k + 1/2) / n so the end points are never 0

  Level: intermediate

.seealso: `MSFarmJoinBins()`
@*/
PetscErrorCode MSFarmTukeyWindow(PetscInt n, PetscReal alpha, PetscReal w[])
{
  PetscFunctionBegin;
  PetscCheck(n >= 1, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "MSFarmTukeyWindow: the window needs at least one point, got %" PetscInt_FMT, n);
  PetscCheck(alpha >= 0 && alpha <= 1, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "MSFarmTukeyWindow: alpha must be in [0, 1], got %g", (double)alpha);
  for (PetscInt k = 0; k < n; k++) {
    PetscReal x = ((PetscReal)k + 0.5) / (PetscReal)n;

    if (x < alpha / 2) w[k] = 0.5 * (1 + cos(2 * PETSC_PI / alpha * (x - alpha / 2)));
    else if (x > 1 - alpha / 2) w[k] = 0.5 * (1 + cos(2 * PETSC_PI / alpha * (x - 1 + alpha / 2)));
    else w[k] = 1;
  }
  PetscFunctionReturn(0);
}

/*@C
  MSFarmJoinBins - adds overlapping bins into the weighted sums of one curve

  Not Collective

  Input Parameters:
+ n_points - length of the joined curve
. n_bins   - number of bins
. bin_len  - points per bin
. start    - start[b]: the curve point where bin b begins
. y        - n_bins x bin_len bin values (e.g. a sweep's results in task order)
- w        - bin_len weights applied to every bin (e.g. `MSFarmTukeyWindow()`), or NULL for 1

  Input/Output Parameters:
+ wy - n_points sums of w y (add to zeros for a fresh join)
- sw - n_points sums of w

  Notes:
  Keeping the sums, not the average, makes the join independent of the order bins arrive in
  (bins are added in index order, so it is also bitwise reproducible), and lets joins of
  separate sweeps be added together. Non-finite values (failed tasks) are skipped. Finish with
  `MSFarmJoinFinish()`.

  Level: intermediate

.seealso: `MSFarmJoinFinish()`, `MSFarmTukeyWindow()`
@*/
PetscErrorCode MSFarmJoinBins(PetscInt n_points, PetscInt n_bins, PetscInt bin_len, const PetscInt start[], const PetscScalar y[], const PetscReal w[], PetscScalar wy[], PetscReal sw[])
{
  PetscFunctionBegin;
  PetscCheck(n_points >= 1 && n_bins >= 0 && bin_len >= 1, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "MSFarmJoinBins: bad sizes: %" PetscInt_FMT " points, %" PetscInt_FMT " bins of %" PetscInt_FMT, n_points, n_bins, bin_len);
  for (PetscInt b = 0; b < n_bins; b++) {
    PetscCheck(start[b] >= 0 && start[b] + bin_len <= n_points, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "MSFarmJoinBins: bin %" PetscInt_FMT " covers points [%" PetscInt_FMT ", %" PetscInt_FMT "), outside [0, %" PetscInt_FMT ")", b, start[b], start[b] + bin_len, n_points);
    for (PetscInt k = 0; k < bin_len; k++) {
      PetscScalar v  = y[b * bin_len + k];
      PetscReal   wk = w ? w[k] : 1;

      if (PetscIsInfOrNanScalar(v)) continue;
      wy[start[b] + k] += wk * v;
      sw[start[b] + k] += wk;
    }
  }
  PetscFunctionReturn(0);
}

/*@C
  MSFarmJoinFinish - the joined curve: wy / sw, NaN where no bin had weight

  Not Collective

  Input Parameters:
+ n_points - length of the curve
. wy       - sums of w y
- sw       - sums of w

  Output Parameter:
. curve - the joined curve (may alias wy)

  Level: intermediate

.seealso: `MSFarmJoinBins()`
@*/
PetscErrorCode MSFarmJoinFinish(PetscInt n_points, const PetscScalar wy[], const PetscReal sw[], PetscScalar curve[])
{
  PetscFunctionBegin;
  for (PetscInt p = 0; p < n_points; p++) curve[p] = sw[p] > 0 ? wy[p] / sw[p] : NAN;
  PetscFunctionReturn(0);
}

/*@C
  MSFarmMeanStdErr - plain average of repeated experiments with its standard error

  Not Collective

  Input Parameters:
+ n_rep - number of repetitions, at least 2
. n     - values per repetition
- y     - n_rep x n values, one repetition per row

  Output Parameters:
+ mean   - n means
- stderr_ - n standard errors s / sqrt(n_rep), s the sample standard deviation

  Level: intermediate

.seealso: `MSFarmJoinBins()`
@*/
PetscErrorCode MSFarmMeanStdErr(PetscInt n_rep, PetscInt n, const PetscScalar y[], PetscScalar mean[], PetscScalar stderr_[])
{
  PetscFunctionBegin;
  PetscCheck(n_rep >= 2 && n >= 1, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "MSFarmMeanStdErr: need at least 2 repetitions of at least 1 value, got %" PetscInt_FMT " x %" PetscInt_FMT, n_rep, n);
  for (PetscInt k = 0; k < n; k++) {
    PetscScalar s = 0, ss = 0;

    for (PetscInt r = 0; r < n_rep; r++) s += y[r * n + k];
    mean[k] = s / n_rep;
    for (PetscInt r = 0; r < n_rep; r++) ss += (y[r * n + k] - mean[k]) * (y[r * n + k] - mean[k]);
    stderr_[k] = sqrt(ss / (n_rep - 1)) / sqrt((PetscReal)n_rep);
  }
  PetscFunctionReturn(0);
}
