/* Example 3: a Hermitian matrix assembled from per-element sums over the lower triangle:
   H[i][j] = sum_e w_e conj(phi_i(x_e)) phi_j(x_e), phi_k(x) = exp(i k x) / (1 + k x) on
   elements x_e = (e + 1/2) / n_elem, w_e = 1 / n_elem; H[j][i] = conj(H[i][j]). Tasks store
   (re, im) pairs. */
#include <math.h>
#include <hdf5.h>
#include "sweep.h"

#define N_ELEM 2000

static void Phi(PetscInt k, double x, double *re, double *im)
{
  double a = 1.0 / (1.0 + (double)k * x);

  *re = a * cos((double)k * x);
  *im = a * sin((double)k * x);
}

static PetscErrorCode HermitianTask(MSFarmTask *task, PetscScalar *out, void *ctx)
{
  PetscFunctionBegin;
  for (PetscInt e = 0; e < N_ELEM; e++) {
    double x = (e + 0.5) / N_ELEM, ar, ai, br, bi;

    Phi(task->i, x, &ar, &ai);
    Phi(task->j, x, &br, &bi);
    out[0] += (ar * br + ai * bi) / N_ELEM; /* conj(a) b */
    out[1] += (ar * bi - ai * br) / N_ELEM;
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode HermitianSetup(MSFarm farm, PetscInt n, void **ctx)
{
  PetscFunctionBegin;
  PetscCall(MSFarmSetGrid(farm, MS_FARM_GRID_LOWER, n, n, 2));
  *ctx = NULL;
  PetscFunctionReturn(0);
}

/* Fills the upper triangle by conjugation and writes /matrix (n x n x 2) next to the results. */
static PetscErrorCode HermitianFinish(MSFarm farm, const PetscScalar *results, const char *output, void *ctx)
{
  PetscInt     n_tasks, n = 0;
  PetscScalar *H, trace = 0;

  PetscFunctionBegin;
  PetscCall(MSFarmGetTasks(farm, &n_tasks, NULL));
  while (n * (n + 1) / 2 < n_tasks) n++;
  PetscCall(PetscMalloc1(2 * n * n, &H));
  for (PetscInt i = 0, k = 0; i < n; i++)
    for (PetscInt j = 0; j <= i; j++, k++) {
      H[2 * (i * n + j)]     = results[2 * k];
      H[2 * (i * n + j) + 1] = results[2 * k + 1];
      H[2 * (j * n + i)]     = results[2 * k];
      H[2 * (j * n + i) + 1] = -results[2 * k + 1];
    }
  for (PetscInt i = 0; i < n; i++) trace += H[2 * (i * n + i)];
  PetscCall(PetscPrintf(PETSC_COMM_SELF, "hermitian: %" PetscInt_FMT " x %" PetscInt_FMT " matrix from %" PetscInt_FMT " tasks, trace %.15g, H[n-1][0] = %.6g%+.6gi\n", n, n, n_tasks, (double)trace, (double)H[2 * (n - 1) * n], (double)H[2 * (n - 1) * n + 1]));
  if (output) {
    hid_t   file = H5Fopen(output, H5F_ACC_RDWR, H5P_DEFAULT), space, dset;
    hsize_t dims[3] = {(hsize_t)n, (hsize_t)n, 2};

    PetscCheck(file >= 0, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "hermitian: cannot reopen %s", output);
    if (H5Lexists(file, "matrix", H5P_DEFAULT) > 0) H5Ldelete(file, "matrix", H5P_DEFAULT);
    space = H5Screate_simple(3, dims, NULL);
    dset  = H5Dcreate2(file, "matrix", H5T_NATIVE_DOUBLE, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    PetscCheck(dset >= 0 && H5Dwrite(dset, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, H) >= 0, PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "hermitian: cannot write /matrix to %s", output);
    H5Dclose(dset);
    H5Sclose(space);
    H5Fclose(file);
  }
  PetscCall(PetscFree(H));
  PetscFunctionReturn(0);
}

static PetscErrorCode HermitianDestroy(void **ctx)
{
  PetscFunctionBegin;
  *ctx = NULL;
  PetscFunctionReturn(0);
}

const MSAppSweepExample MSAppSweepHermitian = {"hermitian", "Hermitian matrix from per-element sums over (i, j <= i)", 200, HermitianTask, HermitianSetup, HermitianFinish, HermitianDestroy};
