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

  /* groups of consecutive ranks (metagroup.c): group g is ranks [group_ranks[g], group_ranks[g+1])
     and owns simulations [sim_ranges[g], sim_ranges[g+1]); each rank of a group holds them all,
     each simulation living on the group's communicator */
  PetscMPIInt  rank, size;
  PetscInt     group_size;    /* MSMetaSetGroupSize(): uniform groups of this many ranks */
  PetscInt     n_sim_ranks;   /* MSMetaSetSimulationRanks(): one group per simulation, of sim_ranks[i] ranks */
  PetscInt    *sim_ranks;
  PetscBool    group_by_cost; /* MSMetaSetGroupsFromCosts() */
  PetscMPIInt  n_groups, group, grank, gsize; /* the groups; this rank's group, its rank and size in it */
  PetscMPIInt *group_ranks;
  MPI_Comm     gcomm;         /* the group's communicator: PETSC_COMM_SELF for a group of one rank */
  PetscInt    *sim_ranges;
  PetscReal   *group_cost;    /* summed cost of each group's simulations, for views */
  PetscInt     first, n_local; /* this rank's group's simulations */
  MSSim      *sims;  /* n_local owned simulations (the shared one, referenced, for repeat) */
  MSMap      *maps;  /* their maps on the global model */
  MSMap      *rmaps; /* the same maps restricted to the rank's support */

  /* sizes */
  PetscInt  n_model;        /* global model length */
  PetscInt  n_data;         /* global data length */
  PetscInt  n_data_local;   /* this rank's part of the data Vec */
  PetscInt *data_offsets;   /* stack/repeat: n_local+1 offsets of this rank's part of each simulation's block in the local data */
  PetscInt *rank_data;      /* size: data length on each rank */

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

  /* groups of several ranks: a simulation's vectors are split over its group's ranks */
  Vec        *rep;             /* per owned simulation: its whole sub-model on every rank of the group (the map's output) */
  Vec        *rep_g;           /* its model-space vector gathered on the group's first rank (length 0 elsewhere) */
  VecScatter *to_root;         /* sub_g[k] -> rep_g[k] */
  Vec        dloc;             /* stack/repeat: this rank's parts of its simulations' data blocks, when they are not its part of the data Vec */
  VecScatter data_scatter;     /* data Vec -> dloc */

  /* reproducible mode (metarepro.c): binned sums on the support, their model-layout reduction */
  MSBinnedSum rsum;            /* the model-space terms on the rank's support */
  MSBinnedSum rdata, rdata_own;/* sum kind: full-length data terms, and this rank's part of the total */
  Vec        rtop_loc, rgtop_loc, rbins_loc; /* support layout: own tops, merged tops, bins */
  Vec        rtop, rbins;      /* model layout: merged tops, summed bins (block size MS_BINNED_BINS) */
  VecScatter rscatter;         /* rbins -> rbins_loc; rebuilt with the model scatter */
};

/* collective agreement on a local failure: inside the group after each collective step of a
   simulation, then across groups */
typedef PetscErrorCode (*MSMetaLocalStep)(MSMeta, PetscInt, void *);
PETSC_INTERN PetscErrorCode MSMetaAgree(MSMeta, PetscErrorCode, PetscInt, const char[]);
PETSC_INTERN PetscErrorCode MSMetaCheckAll(MSMeta, PetscBool, PetscErrorCode, const char[]);
PETSC_INTERN PetscErrorCode MSMetaGroupFailed(MSMeta, PetscErrorCode, PetscBool *);
PETSC_INTERN PetscErrorCode MSMetaForEachLocal(MSMeta, PetscLogEvent, MSMetaLocalStep, MSMetaLocalStep, void *, const char[]);

/* groups */
PETSC_INTERN PetscErrorCode MSMetaGroupsCreate(MSMeta, const PetscReal[]);
PETSC_INTERN PetscErrorCode MSMetaGroupsDestroy(MSMeta);

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
PETSC_INTERN PetscErrorCode MSMetaPullBack(MSMeta, PetscInt, PetscBool, PetscBool *);

/* reproducible mode */
PETSC_INTERN PetscErrorCode MSMetaReproSetUp(MSMeta);
PETSC_INTERN PetscErrorCode MSMetaReproResetLayout(MSMeta);
PETSC_INTERN PetscErrorCode MSMetaReproDestroy(MSMeta);
PETSC_INTERN PetscErrorCode MSMetaReproReduceModel(MSMeta, Vec);
PETSC_INTERN PetscErrorCode MSMetaReproReduceData(MSMeta, Vec);

#endif
