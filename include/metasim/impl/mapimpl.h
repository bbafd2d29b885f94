/* Backend-author tier for MSMap: the private struct and ops table a new map type fills. */
#ifndef METASIM_MAPIMPL_H
#define METASIM_MAPIMPL_H

#include <metasim/map.h>
#include <metasim/impl/objectimpl.h>

typedef struct _MSMapOps *MSMapOps;
struct _MSMapOps {
  /* required */
  PetscErrorCode (*apply)(MSMap, Vec, Vec);        /* u = M(m) */
  PetscErrorCode (*jvec)(MSMap, Vec, Vec, Vec);    /* M'(m) v */
  PetscErrorCode (*jtvec)(MSMap, Vec, Vec, Vec);   /* M'(m)^T w */
  PetscErrorCode (*squaredjtvec)(MSMap, Vec, Vec, Vec); /* (M'(m) o M'(m))^T d, entries squared */
  /* optional, with a default */
  PetscErrorCode (*support)(MSMap, IS *);          /* sorted input indices read; default: all of them */
  PetscErrorCode (*restrictinput)(MSMap, IS, MSMap *); /* same map reading x[k] = m[keep[k]]; default: full support only */
  PetscErrorCode (*setup)(MSMap);
  PetscErrorCode (*setfromoptions)(MSMap);
  PetscErrorCode (*view)(MSMap, PetscViewer);
  PetscErrorCode (*destroy)(MSMap);
};

struct _p_MSMap {
  MSHeader         hdr;
  struct _MSMapOps ops[1];
  PetscInt         n_in, n_out;
  PetscBool        singleton_columns; /* every column of M' has at most one non-zero; set by the type */
  IS               support;           /* cached by MSMapGetSupport() */
  void            *data;
};

/* MSMapApply() without its size and finiteness checks, for callers that made them. */
PETSC_INTERN PetscErrorCode MSMapApplyChecked(MSMap, Vec, Vec);

/* Position of each global index in a sorted kept set: relabels indices for restricted maps. */
PETSC_INTERN PetscErrorCode MSMapRelabelIndices(IS, PetscInt, const PetscInt[], PetscInt[]);

#endif
