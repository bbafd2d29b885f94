/* Damaged files (h5check.c): a file's structure walked in a child process under a time limit
   before it is trusted, so HDF5 hanging or crashing on corrupt metadata becomes an error. Used by
   the problem reader and by the farm when it resumes a results file. */
#ifndef METASIM_IO_H5CHECK_H
#define METASIM_IO_H5CHECK_H

#include <petscsys.h>

/* Seconds a read of a file may take before the file is declared corrupt (-problem_read_timeout). */
#define MS_H5_READ_TIMEOUT 60.0

PETSC_INTERN PetscErrorCode MSH5CheckStructure(const char[], PetscReal);

#endif
