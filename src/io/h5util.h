/* HDF5 helpers shared by the problem and results files: every failure becomes one PETSc error
   that names the file and the object, and collective calls agree on failure before returning. */
#ifndef METASIM_IO_H5UTIL_H
#define METASIM_IO_H5UTIL_H

#include <hdf5.h>
#include <petscis.h>
#include <metasim/io.h>
#include "io/h5check.h"

/* Turns a negative HDF5 return into a PETSc error naming the file and the object. */
#define MSH5Call(call, file, object, action) \
  do { \
    if ((call) < 0) SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: %s: cannot %s", (file), (object), (action)); \
  } while (0)

/* Element types the format allows. */
typedef enum {
  MS_H5_FLOAT64,
  MS_H5_INT64
} MSH5Type;

/* An open file with its name, for messages. */
typedef struct {
  hid_t        id;
  const char  *name;
  H5E_auto2_t  saved_func; /* HDF5's error printer, restored on close */
  void        *saved_data;
  PetscBool    active;   /* between MSH5Open*() and MSH5Close() */
  void        *watchdog; /* a file opened for reading: its armed watchdog (h5check.c), until MSH5Close() */
} MSH5File;
#define MS_H5_FILE_INITIALIZER(file) {.id = H5I_INVALID_HID, .name = (file)}

PETSC_INTERN PetscErrorCode MSH5OpenRead(const char[], MSH5File *);
/* The watchdog (h5check.c): ends the process with one line if a read of f gets stuck. */
PETSC_INTERN PetscErrorCode MSH5WatchdogStart(MSH5File *, PetscReal);
PETSC_INTERN PetscErrorCode MSH5WatchdogStop(MSH5File *);
PETSC_INTERN PetscErrorCode MSH5CreateSerial(const char[], MSH5File *);
PETSC_INTERN PetscErrorCode MSH5OpenWriteSerial(const char[], MSH5File *);
PETSC_INTERN PetscErrorCode MSH5OpenParallel(MPI_Comm, const char[], PetscBool, MSH5File *);
PETSC_INTERN PetscErrorCode MSH5Close(MSH5File *);
typedef PetscErrorCode (*MSH5Fn)(MSH5File *, void *);
PETSC_INTERN PetscErrorCode MSH5WithFile(const char[], MSH5Fn, void *);

PETSC_INTERN PetscErrorCode MSH5Exists(MSH5File *, const char[], PetscBool *);
PETSC_INTERN PetscErrorCode MSH5IsGroup(MSH5File *, const char[], PetscBool *);
PETSC_INTERN PetscErrorCode MSH5Memory(MSH5File *, const char[], PetscErrorCode);
PETSC_INTERN PetscErrorCode MSH5CountLinks(MSH5File *, const char[], PetscInt *);
PETSC_INTERN PetscErrorCode MSH5CheckSingleLink(MSH5File *, const char[]);
PETSC_INTERN PetscErrorCode MSH5GetShape(MSH5File *, const char[], MSH5Type, PetscInt, PetscInt[]);
PETSC_INTERN PetscErrorCode MSH5ReadReal(MSH5File *, const char[], PetscInt, PetscScalar[]);
PETSC_INTERN PetscErrorCode MSH5ReadIndices(MSH5File *, const char[], PetscInt, PetscInt, IS *);
PETSC_INTERN PetscErrorCode MSH5ReadRealSlab(MSH5File *, const char[], PetscInt, PetscInt, PetscInt, PetscScalar[]);
PETSC_INTERN PetscErrorCode MSH5WriteReal(MSH5File *, const char[], PetscInt, const PetscInt[], const PetscScalar[]);
PETSC_INTERN PetscErrorCode MSH5WriteIndices(MSH5File *, const char[], PetscInt, const PetscInt[]);
PETSC_INTERN PetscErrorCode MSH5WriteRealCollective(MSH5File *, const char[], PetscInt, PetscInt, PetscInt, const PetscScalar[]);
PETSC_INTERN PetscErrorCode MSH5CreateGroup(MSH5File *, const char[]);
/* Collective: opens (or creates) file with MPI-IO, runs root on it (may be NULL), writes the
   vectors as /names[k], agreeing on failure after each step, and closes it on every rank. */
/* HDF5's own bytes in a file besides the data: superblock, object headers, attributes (generous). */
#define MS_H5_OVERHEAD_BYTES 65536
/* A disk without room for bytes more in file's directory is refused before HDF5 writes a byte:
   HDF5 1.10 cannot close a file whose superblock it cannot write. */
PETSC_INTERN PetscErrorCode MSH5CheckSpace(const char[], size_t);
/* Closes a temporary file written by one rank; after an error (*err, e.g. a full disk) it first
   empties the abandoned file so that HDF5's closing flush has room. Keeps the first error in *err. */
PETSC_INTERN PetscErrorCode MSH5CloseTemporary(MSH5File *, PetscErrorCode *);
PETSC_INTERN PetscErrorCode MSH5WriteVecs(MPI_Comm, const char[], PetscBool, MSH5Fn, void *, PetscInt, const char *const[], const Vec[]);

PETSC_INTERN PetscErrorCode MSH5ReadAttrInt(MSH5File *, const char[], const char[], PetscInt *);
PETSC_INTERN PetscErrorCode MSH5ReadAttrReal(MSH5File *, const char[], const char[], PetscScalar *);
PETSC_INTERN PetscErrorCode MSH5ReadAttrString(MSH5File *, const char[], const char[], char[], size_t);
PETSC_INTERN PetscErrorCode MSH5WriteAttrInt(MSH5File *, const char[], const char[], PetscInt);
PETSC_INTERN PetscErrorCode MSH5WriteAttrReal(MSH5File *, const char[], const char[], PetscScalar);
PETSC_INTERN PetscErrorCode MSH5WriteAttrString(MSH5File *, const char[], const char[], const char[]);

/* Collective agreement: returns 0 on every rank when err is 0 on every rank; otherwise raises on
   every rank the message of the lowest failing rank. */
PETSC_INTERN PetscErrorCode MSIOAgree(MPI_Comm, PetscErrorCode);
/* A temporary name next to `file` ("file.tmp-XXXXXX"), the same on every rank of comm. */
PETSC_INTERN PetscErrorCode MSIOTemporaryName(MPI_Comm, const char[], char[], size_t);
/* Rank 0 renames tmp to file once every rank is done with it; on error, removes tmp. */
PETSC_INTERN PetscErrorCode MSIOFinish(MPI_Comm, PetscErrorCode, const char[], const char[]);

#endif
