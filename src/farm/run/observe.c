/* What rank 0 shows while a map runs: the progress bar on stderr and the JSON-lines record. */
#define _POSIX_C_SOURCE 200809L /* fileno, isatty */
#include <inttypes.h>
#include <unistd.h>
#include "farm/farmimpl.h"

#define MS_FARM_BAR_WIDTH 30

PetscErrorCode MSFarmProgressBegin(MSFarmRun *run)
{
  PetscFunctionBegin;
  run->progress.tty   = isatty(fileno(stderr)) ? PETSC_TRUE : PETSC_FALSE;
  run->progress.start = MPI_Wtime();
  run->progress.last  = run->progress.start;
  run->progress.done  = 0;
  run->progress.total = run->n_pending;
  PetscFunctionReturn(0);
}

static void MSFarmFormatSeconds(double s, char buf[], size_t len)
{
  long t = (long)(s + 0.5);

  if (t >= 3600) snprintf(buf, len, "%ldh%02ldm", t / 3600, (t / 60) % 60);
  else snprintf(buf, len, "%ldm%02lds", t / 60, t % 60);
}

/* Redraws the bar on a terminal (at most 5 times a second), otherwise prints a line every 5 s;
   final prints the last state whatever the time. */
PetscErrorCode MSFarmProgressUpdate(MSFarmRun *run, PetscBool final)
{
  MSFarmProgress *p   = &run->progress;
  double          now = MPI_Wtime(), rate, eta;
  char            bar[MS_FARM_BAR_WIDTH + 1], eta_s[32];
  PetscInt        filled;

  PetscFunctionBegin;
  if (!run->farm->progress || run->rank != 0) PetscFunctionReturn(0);
  if (!final && now - p->last < (p->tty ? 0.2 : 5.0)) PetscFunctionReturn(0);
  p->last = now;
  rate    = p->done / PetscMax(now - p->start, 1e-9);
  eta     = rate > 0 ? (p->total - p->done) / rate : 0;
  filled  = p->total ? (MS_FARM_BAR_WIDTH * p->done) / p->total : MS_FARM_BAR_WIDTH;
  for (PetscInt c = 0; c < MS_FARM_BAR_WIDTH; c++) bar[c] = c < filled ? '#' : '.';
  bar[MS_FARM_BAR_WIDTH] = 0;
  MSFarmFormatSeconds(final ? now - p->start : eta, eta_s, sizeof(eta_s));
  fprintf(stderr, "%s[farm] [%s] %" PetscInt_FMT "/%" PetscInt_FMT " tasks (%" PetscInt_FMT " failed, %" PetscInt_FMT " running), %.4g tasks/s, %s %s%s", p->tty ? "\r" : "", bar, p->done, p->total, run->n_failed_now, final ? 0 : PetscMin((PetscInt)run->size, p->total - p->done), rate, final ? "elapsed" : "ETA", eta_s, p->tty && !final ? "" : "\n");
  fflush(stderr);
  PetscFunctionReturn(0);
}

PetscErrorCode MSFarmProgressEnd(MSFarmRun *run)
{
  PetscFunctionBegin;
  PetscCall(MSFarmProgressUpdate(run, PETSC_TRUE));
  PetscFunctionReturn(0);
}

PetscErrorCode MSFarmRecordWrite(MSFarmRun *run, const MSFarmRecord *rec)
{
  PetscFunctionBegin;
  fprintf(run->record, "{\"task\": %" PRId64 ", \"rank\": %d, \"seconds\": %.9g, \"status\": \"%s\"}\n", rec->index, (int)rec->rank, rec->seconds, rec->status == MS_FARM_DONE ? "done" : "failed");
  PetscFunctionReturn(0);
}
