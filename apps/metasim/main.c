/* metasim command: dispatches to the sub-commands. */
#include <metasim.h>

static const char help[] = "metasim: many simulations as one, distributed over MPI.\n\n"
                           "usage: metasim <command> [options]\n"
                           "  demo    run the built-in problem and check it\n"
                           "PETSc options (-log_view, ...) pass through.\n";

PetscErrorCode MSAppDemo(int, char **);

int main(int argc, char **argv)
{
  PetscBool isdemo = PETSC_FALSE;

  PetscCall(PetscInitialize(&argc, &argv, NULL, help));
  if (argc > 1) PetscCall(PetscStrcmp(argv[1], "demo", &isdemo));
  if (isdemo) PetscCall(MSAppDemo(argc - 1, argv + 1));
  else PetscCall(PetscPrintf(PETSC_COMM_WORLD, "%s", help));
  PetscCall(PetscFinalize());
  return 0;
}
