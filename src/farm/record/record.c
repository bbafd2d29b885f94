/* Per-task records and task labels: what a farm keeps about each task beyond its numeric
   output (a program's exit status, its host, the tail of its output), and the label that names
   each task (a command line), checked on resume. */
#include <string.h>
#include "farm/farmimpl.h"

/*@C
  MSFarmSetTaskRecord - gives every task a record of named fields, written to the output file
  as the compound dataset /records (one element per task) with the task's results

  Logically Collective

  Input Parameters:
+ farm     - the farm
. n_fields - number of fields, at least 1
- fields   - the fields (name, type, size of strings in bytes with the terminating zero); the
             names are copied

  Notes:
  The task function fills its record with `MSFarmTaskSetInt()`, `MSFarmTaskSetReal()` and
  `MSFarmTaskSetString()`; the record starts zeroed. Records of failed tasks are kept, so a
  record can say why a task failed. A record travels to rank 0 with the task's output and is
  written before the task's status, so a status of done or failed always has its record on disk.
  Resuming a file whose /records has other fields is refused.

  Level: intermediate

.seealso: `MSFarmTaskSetInt()`, `MSFarmSetTaskLabels()`, `MSFarmSetOutputFile()`
@*/
PetscErrorCode MSFarmSetTaskRecord(MSFarm farm, PetscInt n_fields, const MSFarmField fields[])
{
  MSFarmLayout *layout;

  PetscFunctionBegin;
  MSValidHeader(farm, 1);
  PetscCheck(!farm->hdr.setupcalled, farm->hdr.comm, PETSC_ERR_ARG_WRONGSTATE, "MSFarmSetTaskRecord: cannot change an MSFarm after MSFarmSetUp()");
  PetscCheck(n_fields >= 1 && fields, farm->hdr.comm, PETSC_ERR_ARG_OUTOFRANGE, "MSFarmSetTaskRecord: a record needs at least one field");
  PetscCall(MSFarmLayoutDestroy(&farm->layout));
  PetscCall(PetscNew(&layout));
  PetscCall(PetscCalloc2(n_fields, &layout->fields, n_fields, &layout->offset));
  layout->n_fields = n_fields;
  for (PetscInt f = 0; f < n_fields; f++) {
    size_t size = fields[f].type == MS_FARM_FIELD_STRING ? fields[f].size : 8;

    PetscCheck(fields[f].name && fields[f].name[0], farm->hdr.comm, PETSC_ERR_ARG_NULL, "MSFarmSetTaskRecord: field %" PetscInt_FMT " has no name", f);
    PetscCheck(fields[f].type >= MS_FARM_FIELD_INT64 && fields[f].type <= MS_FARM_FIELD_STRING && size >= 1, farm->hdr.comm, PETSC_ERR_ARG_OUTOFRANGE, "MSFarmSetTaskRecord: field %s has an unknown type or a string size of 0", fields[f].name);
    layout->fields[f] = fields[f];
    layout->fields[f].size = size;
    PetscCall(PetscStrallocpy(fields[f].name, (char **)&layout->fields[f].name));
    layout->offset[f] = layout->size;
    layout->size += size;
  }
  layout->size = (layout->size + 7) / 8 * 8; /* records stay 8-byte aligned in the batches */
  PetscCheck(layout->size <= MS_FARM_MESSAGE_BYTES / 4, farm->hdr.comm, PETSC_ERR_ARG_OUTOFRANGE, "MSFarmSetTaskRecord: a record of %zu bytes exceeds the largest supported (%d bytes)", layout->size, MS_FARM_MESSAGE_BYTES / 4);
  farm->layout = layout;
  PetscFunctionReturn(0);
}

PetscErrorCode MSFarmLayoutDestroy(MSFarmLayout **layout)
{
  PetscFunctionBegin;
  if (!*layout) PetscFunctionReturn(0);
  for (PetscInt f = 0; f < (*layout)->n_fields; f++) PetscCall(PetscFree((*layout)->fields[f].name));
  PetscCall(PetscFree2((*layout)->fields, (*layout)->offset));
  PetscCall(PetscFree(*layout));
  PetscFunctionReturn(0);
}

/*@C
  MSFarmSetTaskLabels - names every task (a command line, a parameter set), written to the output
  file as /labels; resuming a file whose labels differ is refused, naming the first differing task

  Logically Collective

  Input Parameters:
+ farm   - the farm, with its tasks set
- labels - n_tasks strings, the same on every rank (copied)

  Level: intermediate

.seealso: `MSFarmSetTaskRecord()`, `MSFarmSetResume()`
@*/
PetscErrorCode MSFarmSetTaskLabels(MSFarm farm, const char *const labels[])
{
  PetscFunctionBegin;
  MSValidHeader(farm, 1);
  PetscCheck(!farm->hdr.setupcalled, farm->hdr.comm, PETSC_ERR_ARG_WRONGSTATE, "MSFarmSetTaskLabels: cannot change an MSFarm after MSFarmSetUp()");
  PetscCheck(farm->n_tasks >= 1, farm->hdr.comm, PETSC_ERR_ARG_WRONGSTATE, "MSFarmSetTaskLabels: set the tasks first (MSFarmSetTasks())");
  if (farm->labels) PetscCall(PetscStrArrayDestroy(&farm->labels));
  PetscCall(PetscMalloc1(farm->n_tasks + 1, &farm->labels));
  for (PetscInt k = 0; k < farm->n_tasks; k++) PetscCall(PetscStrallocpy(labels[k] ? labels[k] : "", &farm->labels[k]));
  farm->labels[farm->n_tasks] = NULL;
  PetscFunctionReturn(0);
}

/* The field's place in the task's record, checked against its type. */
static PetscErrorCode MSFarmTaskField(MSFarmTask *task, PetscInt field, MSFarmFieldType type, char **where, size_t *size)
{
  const MSFarmLayout *layout = (const MSFarmLayout *)task->layout;

  PetscFunctionBegin;
  PetscCheck(layout && task->record, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONGSTATE, "MSFarmTaskSet: the farm has no task record (MSFarmSetTaskRecord())");
  PetscCheck(field >= 0 && field < layout->n_fields, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "MSFarmTaskSet: field %" PetscInt_FMT " is out of range [0, %" PetscInt_FMT ")", field, layout->n_fields);
  PetscCheck(layout->fields[field].type == type, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "MSFarmTaskSet: field %s has another type", layout->fields[field].name);
  *where = (char *)task->record + layout->offset[field];
  *size  = layout->fields[field].size;
  PetscFunctionReturn(0);
}

/*@C
  MSFarmTaskSetInt - sets an integer field of the task's record (from the task function)

  Not Collective

  Input Parameters:
+ task  - the task
. field - the field's position in the list given to `MSFarmSetTaskRecord()`
- value - its value

  Level: intermediate

.seealso: `MSFarmSetTaskRecord()`, `MSFarmTaskSetReal()`, `MSFarmTaskSetString()`
@*/
PetscErrorCode MSFarmTaskSetInt(MSFarmTask *task, PetscInt field, int64_t value)
{
  char  *where;
  size_t size;

  PetscFunctionBegin;
  PetscCall(MSFarmTaskField(task, field, MS_FARM_FIELD_INT64, &where, &size));
  memcpy(where, &value, sizeof(value));
  PetscFunctionReturn(0);
}

/*@C
  MSFarmTaskSetReal - sets a double field of the task's record (from the task function)

  Not Collective

  Level: intermediate

.seealso: `MSFarmSetTaskRecord()`, `MSFarmTaskSetInt()`
@*/
PetscErrorCode MSFarmTaskSetReal(MSFarmTask *task, PetscInt field, double value)
{
  char  *where;
  size_t size;

  PetscFunctionBegin;
  PetscCall(MSFarmTaskField(task, field, MS_FARM_FIELD_DOUBLE, &where, &size));
  memcpy(where, &value, sizeof(value));
  PetscFunctionReturn(0);
}

/*@C
  MSFarmTaskSetString - sets a string field of the task's record (from the task function)

  Not Collective

  Notes:
  A string longer than the field keeps its end (the tail of an output is what says why a
  program failed).

  Level: intermediate

.seealso: `MSFarmSetTaskRecord()`, `MSFarmTaskSetInt()`
@*/
PetscErrorCode MSFarmTaskSetString(MSFarmTask *task, PetscInt field, const char value[])
{
  char  *where;
  size_t size, len = value ? strlen(value) : 0;

  PetscFunctionBegin;
  PetscCall(MSFarmTaskField(task, field, MS_FARM_FIELD_STRING, &where, &size));
  if (len > size - 1) {
    value += len - (size - 1);
    len = size - 1;
  }
  memset(where, 0, size);
  if (len) memcpy(where, value, len);
  PetscFunctionReturn(0);
}
