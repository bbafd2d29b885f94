/* Backend-author tier for MSSim: the private struct and ops table a new simulation type fills. */
#ifndef METASIM_SIMIMPL_H
#define METASIM_SIMIMPL_H

#include <metasim/sim.h>
#include <metasim/impl/objectimpl.h>

typedef struct _MSSimOps *MSSimOps;
struct _MSSimOps {
  /* required */
  PetscErrorCode (*dpred)(MSSim, Vec, Vec);          /* d = F(m), fields at m already computed */
  PetscErrorCode (*jvec)(MSSim, Vec, Vec, Vec);      /* J v at m */
  PetscErrorCode (*jtvec)(MSSim, Vec, Vec, Vec);     /* J^T w at m */
  /* optional, with a default */
  PetscErrorCode (*fields)(MSSim, Vec);              /* compute and keep the fields at m; default: none */
  PetscErrorCode (*jtjdiag)(MSSim, Vec, Vec, Vec);   /* diag(J^T W^T W J), W may be NULL; default: one J^T e_r per datum */
  PetscErrorCode (*cost)(MSSim, PetscReal *);        /* work of one operation, for load balance; default: n_model * n_data */
  PetscErrorCode (*setup)(MSSim);
  PetscErrorCode (*setfromoptions)(MSSim);
  PetscErrorCode (*view)(MSSim, PetscViewer);
  PetscErrorCode (*destroy)(MSSim);
};

struct _p_MSSim {
  MSHeader        hdr;
  struct _MSSimOps ops[1];
  PetscInt        n_model, n_data;   /* sub-model and data lengths */
  MSVecKey        fields_key;        /* model state the cached fields belong to */
  PetscInt        n_fields_computed; /* how many times ops->fields ran */
  void           *data;              /* the type's context */
};

#endif
