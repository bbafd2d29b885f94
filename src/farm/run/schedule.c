/* Schedules: which pieces of the pending task list each group runs (a group is one rank unless
   -farm_group_size; its first rank, the leader, calls these). A piece is
   (first position, count, stride) in the pending list. Static schedules need no communication;
   dynamic and guided hand out piece numbers from a shared counter (run/counter.c). */
#include "farm/farmimpl.h"

static PetscInt MSFarmAutoChunk(MSFarmRun *run)
{
  return PetscMax(1, run->n_pending / (32 * (PetscInt)run->n_groups));
}

/* Pieces of chunk tasks that cover n tasks, in 64-bit arithmetic (n + chunk may exceed PetscInt). */
static PetscInt MSFarmPieceCount(PetscInt n, PetscInt chunk)
{
  return (PetscInt)(((int64_t)n + chunk - 1) / chunk);
}

/* Guided pieces shrink with the remaining work: max(chunk, ceil(remaining / (2 size))). */
static PetscErrorCode MSFarmGuidedPieces(MSFarmRun *run)
{
  PetscInt n = 0, start = 0, cap = 16;

  PetscFunctionBegin;
  PetscCall(PetscMalloc1(cap, &run->piece_start));
  while (start < run->n_pending) {
    PetscInt remaining = run->n_pending - start, c = PetscMax(run->chunk, MSFarmPieceCount(remaining, 2 * run->n_groups));

    if (n + 2 > cap) {
      cap *= 2;
      PetscCall(PetscRealloc(cap * sizeof(PetscInt), &run->piece_start));
    }
    run->piece_start[n++] = start;
    start += PetscMin(c, remaining);
  }
  run->piece_start[n] = run->n_pending;
  run->n_pieces       = n;
  PetscFunctionReturn(0);
}

PetscErrorCode MSFarmScheduleBegin(MSFarmRun *run)
{
  MSFarm farm = run->farm;

  PetscFunctionBegin;
  run->chunk      = farm->chunk ? farm->chunk : (farm->schedule == MS_FARM_GUIDED ? 1 : MSFarmAutoChunk(run));
  run->chunk      = PetscMin(run->chunk, PetscMax(1, run->n_pending)); /* a larger chunk means the same; piece counts stay far from overflow */
  run->next_piece = 0;
  switch (farm->schedule) {
  case MS_FARM_BLOCK: {
    PetscInt lo = (PetscInt)(((int64_t)run->n_pending * run->leader_rank) / run->n_groups), hi = (PetscInt)(((int64_t)run->n_pending * (run->leader_rank + 1)) / run->n_groups);

    run->n_pieces = MSFarmPieceCount(hi - lo, run->chunk);
    PetscCall(PetscMalloc1(run->n_pieces + 1, &run->piece_start));
    for (PetscInt k = 0; k < run->n_pieces; k++) run->piece_start[k] = lo + k * run->chunk;
    run->piece_start[run->n_pieces] = hi;
  } break;
  case MS_FARM_CYCLIC: {
    PetscInt mine = run->n_pending / run->n_groups + (run->leader_rank < run->n_pending % run->n_groups ? 1 : 0);

    run->n_pieces = MSFarmPieceCount(mine, run->chunk);
  } break;
  case MS_FARM_DYNAMIC:
    run->n_pieces = MSFarmPieceCount(run->n_pending, run->chunk);
    break;
  case MS_FARM_GUIDED:
    PetscCall(MSFarmGuidedPieces(run));
    break;
  }
  if (farm->schedule == MS_FARM_DYNAMIC || farm->schedule == MS_FARM_GUIDED) PetscCall(MSFarmCounterBegin(run, run->n_pieces));
  PetscFunctionReturn(0);
}

/* The next piece this rank runs, or more = PETSC_FALSE when it has none left. */
PetscErrorCode MSFarmScheduleNext(MSFarmRun *run, PetscInt *first, PetscInt *count, PetscInt *stride, PetscBool *more)
{
  int64_t piece = run->next_piece;

  PetscFunctionBegin;
  if (run->counter) PetscCall(MSFarmCounterNext(run, &piece));
  else run->next_piece++;
  *more = piece < run->n_pieces ? PETSC_TRUE : PETSC_FALSE;
  if (!*more) PetscFunctionReturn(0);
  switch (run->farm->schedule) {
  case MS_FARM_CYCLIC: { /* this rank's positions are rank, rank + size, ...; piece k is chunk of them */
    PetscInt mine = run->n_pending / run->n_groups + (run->leader_rank < run->n_pending % run->n_groups ? 1 : 0);

    *first  = run->leader_rank + (PetscInt)piece * run->chunk * run->n_groups;
    *count  = PetscMin(run->chunk, mine - (PetscInt)piece * run->chunk);
    *stride = run->n_groups;
  } break;
  case MS_FARM_DYNAMIC:
    *first  = (PetscInt)piece * run->chunk;
    *count  = PetscMin(run->chunk, run->n_pending - *first);
    *stride = 1;
    break;
  case MS_FARM_BLOCK:
  case MS_FARM_GUIDED:
    *first  = run->piece_start[piece];
    *count  = run->piece_start[piece + 1] - *first;
    *stride = 1;
    break;
  }
  PetscFunctionReturn(0);
}

PetscErrorCode MSFarmScheduleEnd(MSFarmRun *run)
{
  PetscFunctionBegin;
  PetscCall(MSFarmCounterEnd(run));
  PetscCall(PetscFree(run->piece_start));
  PetscFunctionReturn(0);
}
