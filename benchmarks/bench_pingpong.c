/* Ping-pong between ranks 0 and 1: latency (half the round trip) and bandwidth for messages of
   8 B to 4 MiB, the median and the best of -reps round trips per size. Prints one JSON object
   per size with the two ranks' host names and whether MPI sees them on one node (shared memory)
   or not (the network: TCP between test hosts). Other ranks idle.
   usage: mpiexec -n 2 bench_pingpong [-reps 200] */
#include <stdlib.h>
#include <string.h>
#include <metasim.h>
#include "benchhelp.h"

static const char usage[] = "ping-pong latency and bandwidth between ranks 0 and 1, 8 B to 4 MiB (JSON lines)\n"
                            "usage: mpiexec -n 2 bench_pingpong [-reps 200]\n";

static int CompareDouble(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;

  return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
  PetscMPIInt rank, size, node_size, name_len;
  PetscInt    reps = 200;
  char        names[2][MPI_MAX_PROCESSOR_NAME] = {{0}, {0}};
  MPI_Comm    node;
  char       *buf;
  double     *t;
  const int   sizes[] = {8, 64, 1024, 16384, 262144, 1048576, 4194304}, max_bytes = 4194304;

  if (MSBenchWantsHelp(argc, argv, usage)) return 0;
  PetscCall(PetscInitialize(&argc, &argv, NULL, "ping-pong latency and bandwidth between ranks 0 and 1"));
  PetscCallMPI(MPI_Comm_rank(PETSC_COMM_WORLD, &rank));
  PetscCallMPI(MPI_Comm_size(PETSC_COMM_WORLD, &size));
  PetscCheck(size >= 2, PETSC_COMM_WORLD, PETSC_ERR_ARG_SIZ, "bench_pingpong needs at least 2 ranks");
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-reps", &reps, NULL));
  PetscCheck(reps >= 1, PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE, "-reps must be positive");
  PetscCallMPI(MPI_Get_processor_name(names[rank == 1], &name_len));
  if (rank < 2) PetscCallMPI(MPI_Bcast(names[1], MPI_MAX_PROCESSOR_NAME, MPI_CHAR, 1, PETSC_COMM_WORLD));
  else {
    char ignored[MPI_MAX_PROCESSOR_NAME];

    PetscCallMPI(MPI_Bcast(ignored, MPI_MAX_PROCESSOR_NAME, MPI_CHAR, 1, PETSC_COMM_WORLD));
  }
  PetscCallMPI(MPI_Comm_split_type(PETSC_COMM_WORLD, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &node));
  PetscCallMPI(MPI_Comm_size(node, &node_size));
  PetscCallMPI(MPI_Comm_free(&node));
  PetscCall(PetscMalloc1(max_bytes, &buf));
  PetscCall(PetscMalloc1(reps, &t));
  memset(buf, 1, max_bytes);
  for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
    int      bytes  = sizes[k];
    PetscInt r_reps = bytes >= (1 << 20) ? PetscMax(reps / 10, 5) : reps;

    PetscCallMPI(MPI_Barrier(PETSC_COMM_WORLD));
    for (PetscInt r = -2; r < r_reps; r++) { /* two warm-up round trips */
      double t0 = MPI_Wtime();

      if (rank == 0) {
        PetscCallMPI(MPI_Send(buf, bytes, MPI_BYTE, 1, 0, PETSC_COMM_WORLD));
        PetscCallMPI(MPI_Recv(buf, bytes, MPI_BYTE, 1, 0, PETSC_COMM_WORLD, MPI_STATUS_IGNORE));
      } else if (rank == 1) {
        PetscCallMPI(MPI_Recv(buf, bytes, MPI_BYTE, 0, 0, PETSC_COMM_WORLD, MPI_STATUS_IGNORE));
        PetscCallMPI(MPI_Send(buf, bytes, MPI_BYTE, 0, 0, PETSC_COMM_WORLD));
      }
      if (r >= 0) t[r] = 0.5 * (MPI_Wtime() - t0);
    }
    if (rank == 0) {
      double median, best;

      qsort(t, (size_t)r_reps, sizeof(double), CompareDouble);
      median = t[r_reps / 2];
      best   = t[0];
      PetscCall(PetscPrintf(PETSC_COMM_SELF, "{\"bench\": \"pingpong\", \"host0\": \"%s\", \"host1\": \"%s\", \"same_node\": %s, \"ranks\": %d, \"bytes\": %d, \"reps\": %" PetscInt_FMT ", \"latency_us_median\": %.3f, \"latency_us_best\": %.3f, \"bandwidth_MBps_median\": %.1f, \"bandwidth_MBps_best\": %.1f}\n", names[0], names[1],
                            node_size == size ? "true" : "false", (int)size, bytes, r_reps, 1e6 * median, 1e6 * best, 1e-6 * bytes / median, 1e-6 * bytes / best));
    }
  }
  PetscCall(PetscFree(buf));
  PetscCall(PetscFree(t));
  PetscCall(PetscFinalize());
  return 0;
}
