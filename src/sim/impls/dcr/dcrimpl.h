/* Private to MSSIMDCR: the grid, the survey, the face conductances and the solver. */
#ifndef METASIM_DCRIMPL_H
#define METASIM_DCRIMPL_H

#include <petscdmda.h>
#include <metasim/dcr.h>
#include <metasim/impl/simimpl.h>

/* A tensor grid: n[d] cells along axis d between n[d] + 1 increasing edges; z points up and the
   top face z = edges[2][n[2]] is the ground surface. Cell (i, j, k) has index i + n0 (j + n1 k). */
typedef struct {
  PetscInt   n[3];
  PetscReal *edges[3];
  PetscReal *centres[3];
} MSDCRGrid;

/* Up to 8 cells and weights: trilinear interpolation of cell-centred values at a point. */
typedef struct {
  PetscInt  count;
  PetscInt  cell[8];
  PetscReal weight[8];
} MSDCRStencil;

typedef struct {
  PetscReal a[3], b[3]; /* current electrodes; b only for a dipole */
  PetscBool dipole;
  PetscReal current;
} MSDCRSource;

typedef struct {
  PetscInt  source;
  PetscReal m[3], n[3]; /* potential electrodes; n only for a difference */
  PetscBool difference;
} MSDCRReceiver;

/* How the DMDA distributes the cells: along axis d, process block p holds cells
   [start[d][p], start[d][p + 1]); the block of rank r = p0 + procs[0] (p1 + procs[1] p2) starts at
   DMDA (PETSc) global index offset[r], its cells in natural order within the block. This process
   owns the box xs + [0, xm) (DMDA global indices [rstart, rend)) and sees the ghosted box
   gs + [0, gm), the layout of the DMDA's local vectors. The model (natural cell order) is
   distributed as MSSimCreateVecs() makes it: entries [mstart, mend) here. */
typedef struct {
  PetscInt   n[3], procs[3];
  PetscInt  *start[3], *offset; /* offset has one entry per process and a last one, the total */
  PetscInt   xs[3], xm[3], gs[3], gm[3];
  PetscInt   rstart, rend, mstart, mend;
  VecScatter model_to_da; /* model (natural order) -> DMDA global vector */
} MSDCRLayout;

/* The faces this process needs, in the ghosted local numbering of the DMDA: the faces of its own
   cells (a face to a neighbouring process's cell is computed on both sides, identically). Face f
   joins cells lo[f] < hi[f] (DMDA global indices glo[f], ghi[f], for the assembly); owned[f] says
   which of them this process owns (MS_DCR_OWN_LO, MS_DCR_OWN_HI). Its conductance T = area / (dlo / sigma_lo + dhi / sigma_hi) (harmonic, exact
   for layers). Boundary face b of the owned cell bcell[b] carries the mixed condition
   d phi / dn + alpha phi = 0 as a conductance sigma * bgeom[b]; the top face (the surface) is
   insulating. */
#define MS_DCR_OWN_LO 1
#define MS_DCR_OWN_HI 2
typedef struct {
  PetscInt       n_faces, n_bfaces;
  PetscInt      *lo, *hi, *glo, *ghi;
  unsigned char *owned;
  PetscReal     *area, *dlo, *dhi;
  PetscReal     *T, *dTlo, *dThi; /* at the current model; dT/d(log sigma) of each side */
  PetscInt      *bcell, *gbcell;
  PetscReal     *bgeom;
  PetscReal     *bT; /* boundary conductance, also its derivative w.r.t. the cell's log sigma */
} MSDCRFaces;

typedef struct {
  MSDCRGrid      grid;
  PetscBool      grid_set;
  MSDCRSource   *sources;
  PetscInt       n_sources, max_sources;
  MSDCRReceiver *receivers;
  PetscInt       n_receivers, max_receivers;
  PetscInt      *data_start;     /* data of source s: [data_start[s], data_start[s + 1]) */
  PetscInt      *datum_receiver; /* the receiver of each datum */
  IS            *rows;           /* per source: the data rows of its receivers owned here */
  Mat           *Q;          /* per source: receivers x cells interpolation (differences) */
  Vec           *q;          /* per source: the right-hand side, current spread over cells */
  Vec           *phi;        /* per source: the potential at the cached model */
  MSDCRLayout    layout;
  MSDCRFaces     faces;
  DM             da;
  Mat            A;
  KSP            ksp;
  Vec            work, work2, mda;   /* DMDA global vectors */
  Vec            ploc, xloc, yloc;   /* DMDA local (ghosted) vectors */
} MSSim_DCR;

/* dcrgrid.c */
PETSC_INTERN PetscErrorCode MSDCRGridSet(MSDCRGrid *, MPI_Comm, const PetscInt[3], const PetscReal *const[3]);
PETSC_INTERN PetscErrorCode MSDCRGridDestroy(MSDCRGrid *);
PETSC_INTERN PetscErrorCode MSDCRGridNumCells(const MSDCRGrid *, PetscInt *);
PETSC_INTERN PetscErrorCode MSDCRGridCheckPoint(const MSDCRGrid *, MPI_Comm, const PetscReal[3], const char[]);
PETSC_INTERN PetscErrorCode MSDCRGridStencil(const MSDCRGrid *, const PetscReal[3], MSDCRStencil *);

/* dcrlayout.c */
PETSC_INTERN PetscErrorCode MSDCRLayoutCreate(MSDCRLayout *, DM, PetscInt);
PETSC_INTERN PetscErrorCode MSDCRLayoutDestroy(MSDCRLayout *);
PETSC_INTERN PetscErrorCode MSDCRLayoutGlobalIndex(const MSDCRLayout *, PetscInt, PetscInt *);
PETSC_INTERN PetscErrorCode MSDCRLayoutCheckModelVec(const MSDCRLayout *, MPI_Comm, Vec, const char[]);
PETSC_INTERN PetscErrorCode MSDCRLayoutAddStencil(const MSDCRLayout *, const MSDCRGrid *, const PetscReal[3], PetscReal, PetscScalar *);

/* dcroperator.c */
PETSC_INTERN PetscErrorCode MSDCRFacesCreate(MSDCRFaces *, const MSDCRGrid *, const MSDCRLayout *, DM);
PETSC_INTERN PetscErrorCode MSDCRFacesDestroy(MSDCRFaces *);
PETSC_INTERN PetscErrorCode MSDCRCheckConductivity(MPI_Comm, const MSDCRGrid *, Vec);
PETSC_INTERN PetscErrorCode MSDCRFacesSetConductivity(MSDCRFaces *, Vec);
PETSC_INTERN PetscErrorCode MSDCRFacesAssemble(const MSDCRFaces *, Mat);
PETSC_INTERN PetscErrorCode MSDCRFacesDerivative(const MSDCRFaces *, Vec, Vec, Vec);
PETSC_INTERN PetscErrorCode MSDCRFacesDerivativeTranspose(const MSDCRFaces *, Vec, Vec, Vec);

/* dcrsurvey.c */
PETSC_INTERN PetscErrorCode MSDCRSurveySetUp(MSSim);
PETSC_INTERN PetscErrorCode MSDCRSurveyReset(MSSim_DCR *);

/* dcrsolve.c */
PETSC_INTERN PetscErrorCode MSDCRSolverSetUp(MSSim);
PETSC_INTERN PetscErrorCode MSDCRSolve(MSSim, PetscInt, const char[], Vec, Vec);

#endif
