/* MSMeta private struct and the internal steps shared by its files. */
#ifndef METASIM_METAIMPL_H
#define METASIM_METAIMPL_H

#include <metasim/meta.h>
#include <metasim/impl/simimpl.h>
#include <metasim/impl/mapimpl.h>
#include <metasim/binnedsum.h>

struct _p_MSMeta {
  MSHeader        hdr;
  MSMetaKind      kind;
  PetscBool       reproducible;
  MSWaitMode      wait_mode; /* how ranks wait for the others after their local work */
  MSJtJDiagMethod jtj_method;

  /* construction: either pairs added on every rank, or a factory called by the owner */
  PetscInt        n_sims;
  PetscInt        n_added, added_cap;
  MSSim          *added_sims;
  MSMap          *added_maps;
  MSSim           repeat_sim;
  MSMetaFactoryFn factory;
  void           *factory_ctx;
  PetscReal      *costs;   /* n_sims, or NULL: from cost_fn, the added sims' MSSimGetCost(), or uniform */
  MSMetaCostFn    cost_fn; /* evaluated at set-up, each rank a block of indices */
  void           *cost_ctx;

  /* partition: rank r owns simulations [sim_ranges[r], sim_ranges[r+1]) */
  PetscMPIInt rank, size;
  PetscInt   *sim_ranges;
  PetscInt    first, n_local;
  MSSim      *sims;  /* n_local owned simulations (the shared one, referenced, for repeat) */
  MSMap      *maps;  /* their maps on the global model */
  MSMap      *rmaps; /* the same maps restricted to the rank's support */

  /* sizes */
  PetscInt  n_model;        /* global model length */
  PetscInt  n_data;         /* global data length */
  PetscInt  n_data_local;   /* this rank's part of the data Vec */
  PetscInt *data_offsets;   /* stack/repeat: n_local+1 offsets of each simulation's block in the local data */
  PetscInt *rank_data;      /* size: data length on each rank, for views */
  PetscReal *rank_cost;     /* size: summed cost on each rank, for views */

  /* local compressed model: the union of the owned maps' supports */
  IS         support;
  Vec        mloc, vloc, gloc, tloc;
  VecScatter scatter;          /* global model -> mloc; rebuilt when the model layout changes */
  PetscInt   scatter_rstart, scatter_rend;
  MSVecKey   model_key;        /* the global model state the sub-models were computed from */
  Vec       *sub_m, *sub_v, *sub_d, *sub_g; /* per owned simulation: model, perturbation, data, gradient */
  Vec        dsum;             /* sum kind: a full-length local data vector */
  VecScatter data_to_all;      /* sum kind: distributed data -> every rank's full copy */
  Vec        dall;             /* sum kind: the full copy */

  /* reproducible mode (metarepro.c): binned sums on the support, their model-layout reduction */
  MSBinnedSum rsum;            /* the model-space terms on the rank's support */
  MSBinnedSum rdata, rdata_own;/* sum kind: full-length data terms, and this rank's part of the total */
  Vec        rtop_loc, rgtop_loc, rbins_loc; /* support layout: own tops, merged tops, bins */
  Vec        rtop, rbins;      /* model layout: merged tops, summed bins (block size MS_BINNED_BINS) */
  VecScatter rscatter;         /* rbins -> rbins_loc; rebuilt with the model scatter */
};

/* collective agreement on a local failure */
PETSC_INTERN PetscErrorCode MSMetaAgree(MSMeta, PetscErrorCode, PetscInt, const char[]);
PETSC_INTERN PetscErrorCode MSMetaCheckAll(MSMeta, PetscBool, PetscErrorCode, const char[]);

/* data movement */
PETSC_INTERN PetscErrorCode MSMetaCheckModelVec(MSMeta, Vec, const char[]);
PETSC_INTERN PetscErrorCode MSMetaCheckDataVec(MSMeta, Vec, const char[]);
PETSC_INTERN PetscErrorCode MSMetaScatterModel(MSMeta, Vec);
PETSC_INTERN PetscErrorCode MSMetaScatterPerturbation(MSMeta, Vec);
PETSC_INTERN PetscErrorCode MSMetaDataToLocal(MSMeta, Vec);
PETSC_INTERN PetscErrorCode MSMetaLocalToData(MSMeta, Vec);
PETSC_INTERN PetscErrorCode MSMetaZeroModelSum(MSMeta);
PETSC_INTERN PetscErrorCode MSMetaAccumulateModel(MSMeta, PetscInt, Vec);
PETSC_INTERN PetscErrorCode MSMetaReduceModel(MSMeta, Vec);
PETSC_INTERN PetscErrorCode MSMetaGetLocalDataBlock(MSMeta, PetscInt, Vec *);

/* reproducible mode */
PETSC_INTERN PetscErrorCode MSMetaReproSetUp(MSMeta);
PETSC_INTERN PetscErrorCode MSMetaReproResetLayout(MSMeta);
PETSC_INTERN PetscErrorCode MSMetaReproDestroy(MSMeta);
PETSC_INTERN PetscErrorCode MSMetaReproReduceModel(MSMeta, Vec);
PETSC_INTERN PetscErrorCode MSMetaReproReduceData(MSMeta, Vec);

#endif
