/* The task list of metasim run: rank 0 reads the task file, or expands the template over the
   parameter table (a CSV file, or an HDF5 file with one dataset per column), and every rank
   receives the same commands. */
#define _POSIX_C_SOURCE 200809L /* getline */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <hdf5.h>
#include "apputil.h"
#include "run.h"

/* A growing byte buffer. */
typedef struct {
  char  *buf;
  size_t len, cap;
} Text;

static PetscErrorCode TextAppend(Text *t, const char *s, size_t n)
{
  PetscFunctionBegin;
  if (t->len + n + 1 > t->cap) {
    t->cap = PetscMax(2 * t->cap, t->len + n + 1024);
    PetscCall(PetscRealloc(t->cap, &t->buf));
  }
  memcpy(t->buf + t->len, s, n);
  t->len += n;
  t->buf[t->len] = 0;
  PetscFunctionReturn(0);
}

PetscErrorCode MSAppRunTaskSeed(uint64_t seed, PetscInt index, uint32_t *task_seed)
{
  MSRandomStream rs;

  PetscFunctionBegin;
  PetscCall(MSRandomStreamInitialize(&rs, seed, (uint64_t)index));
  PetscCall(MSRandomStreamUInt32(&rs, task_seed));
  PetscFunctionReturn(0);
}

/* Every rank: rank 0's text (n zero-terminated commands, one after the other) split into tasks. */
static PetscErrorCode MSAppRunTasksShare(Text *t, int64_t n, uint64_t seed, MSAppRunTasks *tasks)
{
  PetscMPIInt rank;
  int64_t     len = (int64_t)t->len, head[2] = {n, len};

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(PETSC_COMM_WORLD, &rank));
  PetscCallMPI(MPI_Bcast(head, 2, MPI_INT64_T, 0, PETSC_COMM_WORLD));
  n   = head[0];
  len = head[1];
  if (rank) PetscCall(PetscMalloc1(len + 1, &t->buf));
  for (int64_t off = 0; off < len; off += 1 << 30) PetscCallMPI(MPI_Bcast(t->buf + off, (int)PetscMin((int64_t)1 << 30, len - off), MPI_CHAR, 0, PETSC_COMM_WORLD));
  tasks->n    = (PetscInt)n;
  tasks->text = t->buf;
  PetscCall(PetscMalloc2(n, &tasks->cmds, n, &tasks->seeds));
  for (int64_t k = 0, off = 0; k < n; k++) {
    tasks->cmds[k] = tasks->text + off;
    off += (int64_t)strlen(tasks->cmds[k]) + 1;
    PetscCall(MSAppRunTaskSeed(seed, (PetscInt)k, &tasks->seeds[k]));
  }
  PetscFunctionReturn(0);
}

/* Rank 0: the commands of a task file. */
static PetscErrorCode ReadTaskFile(const char file[], Text *t, int64_t *n)
{
  FILE   *fp = fopen(file, "r");
  char   *line = NULL;
  size_t  cap  = 0;
  ssize_t len;

  PetscFunctionBegin;
  *n = 0;
  PetscCheck(fp, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "cannot open the task file %s: %s", file, strerror(errno));
  while ((len = getline(&line, &cap, fp)) >= 0) {
    char *s = line;

    while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r' || line[len - 1] == ' ' || line[len - 1] == '\t')) line[--len] = 0;
    while (*s == ' ' || *s == '\t') s++;
    if (!*s || *s == '#') continue;
    PetscCheck(strlen(s) == (size_t)(len - (s - line)), PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "task file %s: line %" PRId64 " holds a zero byte (not a text file?)", file, *n + 1);
    PetscCall(TextAppend(t, s, strlen(s) + 1));
    (*n)++;
  }
  free(line);
  fclose(fp);
  PetscCheck(*n, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "task file %s has no tasks (only blank lines and # comments)", file);
  PetscFunctionReturn(0);
}

PetscErrorCode MSAppRunTasksFromFile(const char file[], uint64_t seed, MSAppRunTasks *tasks)
{
  Text           t = {NULL, 0, 0};
  int64_t        n = 0;
  PetscMPIInt    rank;
  PetscErrorCode ierr = 0;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(PETSC_COMM_WORLD, &rank));
  if (!rank) ierr = ReadTaskFile(file, &t, &n);
  if (ierr) PetscCall(PetscFree(t.buf));
  PetscCall(MSAppAgree(ierr));
  PetscCall(MSAppRunTasksShare(&t, n, seed, tasks));
  PetscFunctionReturn(0);
}

/* A CSV table: a header of column names, then rows of as many fields (RFC 4180 quoting). */
typedef struct {
  PetscInt n_cols, n_rows;
  char   **cells; /* (n_rows + 1) x n_cols, row 0 the header */
  Text     text;
} Table;

/* Rank 0: parses the CSV file; every malformation is an error naming the line. */
static PetscErrorCode ReadCSV(const char file[], Table *tab)
{
  FILE    *fp = fopen(file, "r");
  Text     raw = {NULL, 0, 0};
  char     chunk[65536];
  size_t   got, *offs = NULL, n_offs = 0, cap_offs = 0;
  PetscInt line = 1, col = 0, row = 0;

  PetscFunctionBegin;
  PetscCheck(fp, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "cannot open the parameter table %s: %s", file, strerror(errno));
  while ((got = fread(chunk, 1, sizeof(chunk), fp)) > 0) PetscCall(TextAppend(&raw, chunk, got));
  fclose(fp);
  PetscCheck(raw.len, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "parameter table %s is empty", file);
  PetscCheck(strlen(raw.buf) == raw.len, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "parameter table %s holds a zero byte (not a CSV file?)", file);
  for (size_t p = 0; p <= raw.len;) {
    Text   cell = {NULL, 0, 0};
    char   end;
    PetscBool blank_line = (PetscBool)(col == 0 && (p == raw.len || raw.buf[p] == '\n' || (raw.buf[p] == '\r' && raw.buf[p + 1] == '\n')));

    if (blank_line) { /* blank lines (and the end of the file) end nothing */
      if (p == raw.len) break;
      p += raw.buf[p] == '\r' ? 2 : 1;
      line++;
      continue;
    }
    PetscCall(TextAppend(&cell, "", 0));
    if (raw.buf[p] == '"') {
      PetscInt first = line;

      for (p++;; p++) {
        PetscCheck(p < raw.len, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "parameter table %s: line %" PetscInt_FMT ": a quoted field is not closed", file, first);
        if (raw.buf[p] == '"' && raw.buf[p + 1] == '"') p++;
        else if (raw.buf[p] == '"') break;
        if (raw.buf[p] == '\n') line++;
        PetscCall(TextAppend(&cell, raw.buf + p, 1));
      }
      p++;
      PetscCheck(p == raw.len || raw.buf[p] == ',' || raw.buf[p] == '\n' || raw.buf[p] == '\r', PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "parameter table %s: line %" PetscInt_FMT ": text after a closing quote", file, line);
    } else {
      size_t q = p;

      while (q < raw.len && raw.buf[q] != ',' && raw.buf[q] != '\n' && !(raw.buf[q] == '\r' && raw.buf[q + 1] == '\n')) {
        PetscCheck(raw.buf[q] != '"', PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "parameter table %s: line %" PetscInt_FMT ": a quote inside an unquoted field", file, line);
        q++;
      }
      PetscCall(TextAppend(&cell, raw.buf + p, q - p));
      p = q;
    }
    end = p < raw.len ? raw.buf[p] : '\n';
    p += end == '\r' ? 2 : 1;
    if (n_offs == cap_offs) {
      cap_offs = PetscMax(64, 2 * cap_offs);
      PetscCall(PetscRealloc(cap_offs * sizeof(size_t), &offs));
    }
    offs[n_offs++] = tab->text.len;
    PetscCall(TextAppend(&tab->text, cell.buf, cell.len + 1));
    PetscCall(PetscFree(cell.buf));
    col++;
    if (end == ',') continue;
    if (row == 0) tab->n_cols = col;
    PetscCheck(col == tab->n_cols, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "parameter table %s: line %" PetscInt_FMT " has %" PetscInt_FMT " fields, the header %" PetscInt_FMT, file, line, col, tab->n_cols);
    row++;
    col = 0;
    line++;
  }
  PetscCall(PetscFree(raw.buf));
  PetscCheck(row >= 2, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "parameter table %s has a header but no rows", file);
  tab->n_rows = row - 1;
  PetscCall(PetscMalloc1(n_offs, &tab->cells));
  for (size_t k = 0; k < n_offs; k++) tab->cells[k] = tab->text.buf + offs[k];
  PetscCall(PetscFree(offs));
  for (PetscInt c = 0; c < tab->n_cols; c++) {
    PetscCheck(tab->cells[c][0], PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "parameter table %s: column %" PetscInt_FMT " of the header has no name", file, c + 1);
    for (PetscInt d = 0; d < c; d++) PetscCheck(strcmp(tab->cells[c], tab->cells[d]), PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "parameter table %s: column \"%s\" appears twice in the header", file, tab->cells[c]);
  }
  PetscFunctionReturn(0);
}

/* The names of the one-dimensional datasets at the root of an HDF5 file. */
static herr_t H5Column(hid_t loc, const char *name, const H5L_info_t *info, void *ctx)
{
  Text      *names = (Text *)ctx;
  H5O_info_t oinfo;

  (void)info;
  if (H5Oget_info_by_name(loc, name, &oinfo, H5P_DEFAULT) < 0 || oinfo.type != H5O_TYPE_DATASET) return 0;
  return TextAppend(names, name, strlen(name) + 1) ? -1 : 0;
}

/* One column's values as text: integers as integers, reals with 17 digits, strings as they are. */
static PetscErrorCode H5ColumnText(hid_t file, const char table[], const char name[], PetscInt *n_rows, Text *values)
{
  hid_t       dset = H5Dopen2(file, name, H5P_DEFAULT), space, type, mem;
  hsize_t     dims[1] = {0};
  H5T_class_t cls;
  char        number[64];

  PetscFunctionBegin;
  PetscCheck(dset >= 0, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "parameter table %s: cannot open the column %s", table, name);
  space = H5Dget_space(dset);
  type  = H5Dget_type(dset);
  cls   = H5Tget_class(type);
  PetscCheck(H5Sget_simple_extent_ndims(space) == 1 && H5Sget_simple_extent_dims(space, dims, NULL) == 1, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "parameter table %s: the column %s is not one-dimensional", table, name);
  PetscCheck(*n_rows < 0 || (hsize_t)*n_rows == dims[0], PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "parameter table %s: the column %s has %llu rows, the others %" PetscInt_FMT, table, name, (unsigned long long)dims[0], *n_rows);
  PetscCheck(cls == H5T_INTEGER || cls == H5T_FLOAT || cls == H5T_STRING, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "parameter table %s: the column %s holds neither numbers nor strings", table, name);
  *n_rows = (PetscInt)dims[0];
  if (cls == H5T_STRING && H5Tis_variable_str(type) <= 0) { /* fixed-size strings (numpy's S dtype) */
    size_t size = H5Tget_size(type);
    char  *v;

    PetscCall(PetscMalloc1(size * dims[0] + 1, &v));
    mem = H5Tcopy(H5T_C_S1);
    H5Tset_size(mem, size);
    H5Tset_strpad(mem, H5T_STR_NULLPAD);
    PetscCheck(H5Dread(dset, mem, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) >= 0, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "parameter table %s: cannot read the column %s", table, name);
    for (hsize_t r = 0; r < dims[0]; r++) {
      PetscCall(TextAppend(values, v + r * size, strnlen(v + r * size, size)));
      PetscCall(TextAppend(values, "", 1));
    }
    H5Tclose(mem);
    PetscCall(PetscFree(v));
  } else if (cls == H5T_STRING) {
    char **v;

    PetscCall(PetscCalloc1(dims[0] + 1, &v));
    mem = H5Tcopy(H5T_C_S1);
    H5Tset_size(mem, H5T_VARIABLE);
    H5Tset_cset(mem, H5Tget_cset(type));
    PetscCheck(H5Dread(dset, mem, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) >= 0, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "parameter table %s: cannot read the column %s", table, name);
    for (hsize_t r = 0; r < dims[0]; r++) PetscCall(TextAppend(values, v[r] ? v[r] : "", strlen(v[r] ? v[r] : "") + 1));
    (void)H5Dvlen_reclaim(mem, space, H5P_DEFAULT, v);
    H5Tclose(mem);
    PetscCall(PetscFree(v));
  } else {
    double  *x;
    int64_t *i;

    PetscCall(PetscMalloc2(dims[0], &x, dims[0], &i));
    PetscCheck(H5Dread(dset, cls == H5T_INTEGER ? H5T_NATIVE_INT64 : H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, cls == H5T_INTEGER ? (void *)i : (void *)x) >= 0, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "parameter table %s: cannot read the column %s", table, name);
    for (hsize_t r = 0; r < dims[0]; r++) {
      if (cls == H5T_INTEGER) snprintf(number, sizeof(number), "%" PRId64, i[r]);
      else snprintf(number, sizeof(number), "%.17g", x[r]);
      PetscCall(TextAppend(values, number, strlen(number) + 1));
    }
    PetscCall(PetscFree2(x, i));
  }
  H5Tclose(type);
  H5Sclose(space);
  H5Dclose(dset);
  PetscFunctionReturn(0);
}

/* Rank 0: an HDF5 table, each one-dimensional dataset at the root a column named by its
   dataset (h5py: f["x"] = xs), all of one length. */
static PetscErrorCode ReadH5Table(const char file[], Table *tab)
{
  hid_t    h5 = H5Fopen(file, H5F_ACC_RDONLY, H5P_DEFAULT);
  Text     names = {NULL, 0, 0}, *columns;
  PetscInt n_rows = -1;

  PetscFunctionBegin;
  PetscCheck(h5 >= 0, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "parameter table %s: cannot open it as an HDF5 file", file);
  PetscCheck(H5Literate(h5, H5_INDEX_NAME, H5_ITER_INC, NULL, H5Column, &names) >= 0, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "parameter table %s: cannot list its datasets", file);
  PetscCheck(names.len, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "parameter table %s has no datasets at its root (one per column)", file);
  for (size_t off = 0; off < names.len; off += strlen(names.buf + off) + 1) tab->n_cols++;
  PetscCall(PetscCalloc1(tab->n_cols, &columns));
  for (PetscInt c = 0, off = 0; c < tab->n_cols; off += (PetscInt)strlen(names.buf + off) + 1, c++) PetscCall(H5ColumnText(h5, file, names.buf + off, &n_rows, &columns[c]));
  H5Fclose(h5);
  PetscCheck(n_rows > 0, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "parameter table %s has no rows", file);
  tab->n_rows = n_rows;
  /* the same layout as a CSV: the header, then row after row */
  PetscCall(PetscMalloc1((size_t)(n_rows + 1) * tab->n_cols, &tab->cells));
  {
    size_t  *offs, *pos;
    PetscInt cell = 0;

    PetscCall(PetscMalloc2((size_t)(n_rows + 1) * tab->n_cols, &offs, tab->n_cols, &pos));
    for (PetscInt c = 0, off = 0; c < tab->n_cols; off += (PetscInt)strlen(names.buf + off) + 1, c++) {
      offs[cell++] = tab->text.len;
      pos[c]       = 0;
      PetscCall(TextAppend(&tab->text, names.buf + off, strlen(names.buf + off) + 1));
    }
    for (PetscInt r = 0; r < n_rows; r++)
      for (PetscInt c = 0; c < tab->n_cols; c++) {
        const char *v = columns[c].buf + pos[c];

        offs[cell++] = tab->text.len;
        PetscCall(TextAppend(&tab->text, v, strlen(v) + 1));
        pos[c] += strlen(v) + 1;
      }
    for (PetscInt k = 0; k < cell; k++) tab->cells[k] = tab->text.buf + offs[k];
    PetscCall(PetscFree2(offs, pos));
  }
  for (PetscInt c = 0; c < tab->n_cols; c++) PetscCall(PetscFree(columns[c].buf));
  PetscCall(PetscFree(columns));
  PetscCall(PetscFree(names.buf));
  PetscFunctionReturn(0);
}

/* Rank 0: the template with row's values, {index}, {seed}; {{ and }} are literal braces. */
static PetscErrorCode Expand(const char tmpl[], const char table[], const Table *tab, PetscInt row, uint32_t seed, Text *t)
{
  char number[32];

  PetscFunctionBegin;
  for (const char *p = tmpl; *p;) {
    const char *close;
    size_t      len;

    if ((p[0] == '{' && p[1] == '{') || (p[0] == '}' && p[1] == '}')) {
      PetscCall(TextAppend(t, p, 1));
      p += 2;
      continue;
    }
    if (*p != '{') {
      PetscCheck(*p != '}', PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "--command: a lone } at position %d (write }} for a brace)", (int)(p - tmpl) + 1);
      PetscCall(TextAppend(t, p++, 1));
      continue;
    }
    close = strchr(p + 1, '}');
    PetscCheck(close, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "--command: the { at position %d is not closed (write {{ for a brace)", (int)(p - tmpl) + 1);
    len = (size_t)(close - p - 1);
    if (len == 5 && !strncmp(p + 1, "index", 5)) {
      snprintf(number, sizeof(number), "%" PetscInt_FMT, row);
      PetscCall(TextAppend(t, number, strlen(number)));
    } else if (len == 4 && !strncmp(p + 1, "seed", 4)) {
      snprintf(number, sizeof(number), "%" PRIu32, seed);
      PetscCall(TextAppend(t, number, strlen(number)));
    } else {
      PetscInt c = 0;

      while (c < tab->n_cols && (strlen(tab->cells[c]) != len || strncmp(tab->cells[c], p + 1, len))) c++;
      if (c == tab->n_cols) {
        char columns[256] = "";

        for (PetscInt k = 0; k < tab->n_cols; k++) {
          size_t used = strlen(columns);

          snprintf(columns + used, sizeof(columns) - used, "%s%s", k ? ", " : "", tab->cells[k]);
        }
        SETERRQ(PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "--command names {%.*s}, but %s has no column %.*s (its columns: %s; built in: index, seed)", (int)PetscMin(len, 64), p + 1, table, (int)PetscMin(len, 64), p + 1, columns);
      }
      PetscCall(TextAppend(t, tab->cells[(size_t)(row + 1) * tab->n_cols + c], strlen(tab->cells[(size_t)(row + 1) * tab->n_cols + c])));
    }
    p = close + 1;
  }
  PetscCall(TextAppend(t, "", 1));
  PetscFunctionReturn(0);
}

static PetscErrorCode ExpandAll(const char tmpl[], const char table[], uint64_t seed, Text *t, int64_t *n)
{
  Table tab = {0, 0, NULL, {NULL, 0, 0}};

  PetscFunctionBegin;
  {
    H5E_auto2_t    func;
    void          *data;
    PetscErrorCode ierr;

    H5Eget_auto2(H5E_DEFAULT, &func, &data); /* the messages here name what is wrong; HDF5 prints nothing */
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    ierr = H5Fis_hdf5(table) > 0 ? ReadH5Table(table, &tab) : ReadCSV(table, &tab);
    H5Eset_auto2(H5E_DEFAULT, func, data);
    PetscCall(ierr);
  }
  for (PetscInt r = 0; r < tab.n_rows; r++) {
    uint32_t s;

    PetscCall(MSAppRunTaskSeed(seed, r, &s));
    PetscCall(Expand(tmpl, table, &tab, r, s, t));
  }
  *n = tab.n_rows;
  PetscCall(PetscFree(tab.cells));
  PetscCall(PetscFree(tab.text.buf));
  PetscFunctionReturn(0);
}

PetscErrorCode MSAppRunTasksFromTemplate(const char tmpl[], const char table[], uint64_t seed, MSAppRunTasks *tasks)
{
  Text           t = {NULL, 0, 0};
  int64_t        n = 0;
  PetscMPIInt    rank;
  PetscErrorCode ierr = 0;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(PETSC_COMM_WORLD, &rank));
  if (!rank) ierr = ExpandAll(tmpl, table, seed, &t, &n);
  if (ierr) PetscCall(PetscFree(t.buf));
  PetscCall(MSAppAgree(ierr));
  PetscCall(MSAppRunTasksShare(&t, n, seed, tasks));
  PetscFunctionReturn(0);
}

PetscErrorCode MSAppRunTasksDestroy(MSAppRunTasks *tasks)
{
  PetscFunctionBegin;
  PetscCall(PetscFree(tasks->text));
  PetscCall(PetscFree2(tasks->cmds, tasks->seeds));
  PetscFunctionReturn(0);
}
