/* Reading a file that may be damaged: HDF5 1.10 can spin forever or crash on corrupt metadata.
   Before a file is trusted, a child process walks every link, object and attribute of it under a
   time limit, so a hang or a crash there is a one-line error in the caller; and every read of
   the file runs under a watchdog that ends the process with one line if it still gets stuck. */
#define _POSIX_C_SOURCE 200809L /* fork, kill, timer_create, st_mtim */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "io/h5util.h"

/* Largest attribute value the walk reads (the format's attributes are single values). */
#define MS_H5_WALK_MAX_ATTR (1 << 24)

typedef struct {
  char message[512]; /* what is wrong, for the parent */
} MSH5Walk;

/* Reads one attribute's value (any type, as its native form), as a reader of the file would. */
static herr_t MSH5WalkAttr(hid_t loc, const char *name, const H5A_info_t *ainfo, void *ctx)
{
  MSH5Walk *w = (MSH5Walk *)ctx;
  hid_t     attr, ftype = -1, mtype = -1, space = -1;
  hssize_t  n;
  size_t    size;
  herr_t    status = -1;

  (void)ainfo;
  attr = H5Aopen(loc, name, H5P_DEFAULT);
  if (attr < 0) goto done;
  if ((ftype = H5Aget_type(attr)) < 0 || (space = H5Aget_space(attr)) < 0) goto done;
  if ((mtype = H5Tget_native_type(ftype, H5T_DIR_ASCEND)) < 0) goto done;
  n    = H5Sget_simple_extent_npoints(space);
  size = H5Tget_size(mtype);
  if (n < 0 || !size) goto done;
  if (n > 0 && (size_t)n <= MS_H5_WALK_MAX_ATTR / size) {
    void *buf = calloc((size_t)n, size);

    if (!buf) goto done;
    status = H5Aread(attr, mtype, buf);
    if (status >= 0 && (H5Tdetect_class(mtype, H5T_VLEN) > 0 || H5Tis_variable_str(mtype) > 0)) status = H5Dvlen_reclaim(mtype, space, H5P_DEFAULT, buf);
    free(buf);
  } else status = 0;
done:
  if (status < 0) snprintf(w->message, sizeof(w->message), "attribute \"%s\" cannot be read", name);
  if (mtype >= 0) H5Tclose(mtype);
  if (ftype >= 0) H5Tclose(ftype);
  if (space >= 0) H5Sclose(space);
  if (attr >= 0) H5Aclose(attr);
  return status < 0 ? -1 : 0;
}

/* Opens one object, reads its attributes and, for a dataset, its type, shape, layout and storage. */
static herr_t MSH5WalkObject(hid_t root, const char *name, const H5O_info_t *info, void *ctx)
{
  MSH5Walk *w = (MSH5Walk *)ctx;
  hid_t     obj;
  herr_t    status;

  obj = H5Oopen(root, name, H5P_DEFAULT);
  if (obj < 0) {
    snprintf(w->message, sizeof(w->message), "/%s: cannot be opened", name);
    return -1;
  }
  status = H5Aiterate2(obj, H5_INDEX_NAME, H5_ITER_NATIVE, NULL, MSH5WalkAttr, w);
  if (status >= 0 && info->type == H5O_TYPE_DATASET) {
    hid_t type = H5Dget_type(obj), space = H5Dget_space(obj), dcpl = H5Dget_create_plist(obj);

    if (type < 0 || space < 0 || dcpl < 0 || H5Pget_nfilters(dcpl) < 0) status = -1;
    (void)H5Dget_storage_size(obj);
    if (type >= 0) H5Tclose(type);
    if (space >= 0) H5Sclose(space);
    if (dcpl >= 0) H5Pclose(dcpl);
  }
  if (status < 0) {
    char what[256];

    snprintf(what, sizeof(what), "%.255s", w->message[0] ? w->message : "cannot be read");
    snprintf(w->message, sizeof(w->message), "/%.200s: %s", name, what);
  }
  H5Oclose(obj);
  return status < 0 ? -1 : 0;
}

/* The format has hard links only: a soft or external link could lead anywhere. */
static herr_t MSH5WalkLink(hid_t group, const char *name, const H5L_info_t *info, void *ctx)
{
  MSH5Walk *w = (MSH5Walk *)ctx;

  (void)group;
  if (info->type == H5L_TYPE_HARD) return 0;
  snprintf(w->message, sizeof(w->message), "/%s: a soft or external link, which the format does not use", name);
  return -1;
}

/* In the child: walks the whole file; returns 0 or 1 with w->message set. */
static int MSH5WalkFile(const char file[], MSH5Walk *w)
{
  hid_t fid;
  int   bad = 0;

  H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
  if (H5Fis_hdf5(file) <= 0) {
    snprintf(w->message, sizeof(w->message), "not an HDF5 file");
    return 1;
  }
  fid = H5Fopen(file, H5F_ACC_RDONLY, H5P_DEFAULT);
  if (fid < 0) {
    snprintf(w->message, sizeof(w->message), "cannot open (truncated or damaged HDF5 file)");
    return 1;
  }
  if (H5Lvisit(fid, H5_INDEX_NAME, H5_ITER_NATIVE, MSH5WalkLink, w) < 0 || H5Ovisit(fid, H5_INDEX_NAME, H5_ITER_NATIVE, MSH5WalkObject, w) < 0) {
    if (!w->message[0]) snprintf(w->message, sizeof(w->message), "its structure cannot be read (damaged HDF5 file)");
    bad = 1;
  }
  H5Fclose(fid);
  return bad;
}

/* The last file that passed the walk, so that the many opens of one run walk it once. */
static struct {
  dev_t           dev;
  ino_t           ino;
  off_t           size;
  struct timespec mtime, ctime;
  PetscBool       valid;
} MSH5Checked;

static PetscBool MSH5SameFile(const struct stat *st)
{
  return MSH5Checked.valid && MSH5Checked.dev == st->st_dev && MSH5Checked.ino == st->st_ino && MSH5Checked.size == st->st_size && MSH5Checked.mtime.tv_sec == st->st_mtim.tv_sec && MSH5Checked.mtime.tv_nsec == st->st_mtim.tv_nsec &&
             MSH5Checked.ctime.tv_sec == st->st_ctim.tv_sec && MSH5Checked.ctime.tv_nsec == st->st_ctim.tv_nsec
           ? PETSC_TRUE
           : PETSC_FALSE;
}

static double MSH5Now(void)
{
  struct timespec t;

  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* Collects the child's message until it closes the pipe or the time is up; returns whether it
   finished in time. */
static PetscBool MSH5CollectChild(int fd, double timeout, char message[], size_t len)
{
  double end = MSH5Now() + timeout;
  size_t got = 0;

  for (;;) {
    double        left = end - MSH5Now();
    struct pollfd p    = {fd, POLLIN, 0};
    int           ready;
    ssize_t       r;

    if (left <= 0) return PETSC_FALSE;
    ready = poll(&p, 1, (int)(left * 1000) + 1);
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) continue;
    r = read(fd, message + got, len - 1 - got);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;
    got += (size_t)r;
    if (got == len - 1) break;
  }
  message[got] = '\0';
  return PETSC_TRUE;
}

/*
  MSH5CheckStructure - walks every link, object and attribute of file in a child process, so that
  HDF5 hanging or crashing on damaged metadata becomes an error here

  Not Collective

  Notes:
  The walk must finish within timeout seconds. A file that passed is not walked again while its
  size and times stay the same.
*/
PETSC_INTERN PetscErrorCode MSH5CheckStructure(const char file[], PetscReal timeout)
{
  struct stat st;
  int         fds[2], status = 0;
  pid_t       pid;
  char        message[sizeof(((MSH5Walk *)NULL)->message)] = "";
  PetscBool   finished;

  PetscFunctionBegin;
  PetscCheck(stat(file, &st) == 0, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "%s: no such file or not readable", file);
  if (MSH5SameFile(&st)) PetscFunctionReturn(0);
  PetscCheck(pipe(fds) == 0, PETSC_COMM_SELF, PETSC_ERR_SYS, "%s: cannot check the file (pipe: %s)", file, strerror(errno));
  fflush(stdout);
  fflush(stderr);
  pid = fork();
  if (pid == 0) {
    MSH5Walk w = {""};
    int      bad;

    close(fds[0]);
    bad = MSH5WalkFile(file, &w);
    if (write(fds[1], w.message, strlen(w.message)) < 0) bad = 1;
    _exit(bad);
  }
  close(fds[1]);
  if (pid < 0) {
    close(fds[0]);
    SETERRQ(PETSC_COMM_SELF, PETSC_ERR_SYS, "%s: cannot check the file (fork: %s)", file, strerror(errno));
  }
  finished = MSH5CollectChild(fds[0], timeout, message, sizeof(message));
  close(fds[0]);
  if (!finished) kill(pid, SIGKILL);
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
  PetscCheck(finished, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: the file looks corrupt (read did not finish in %g s)", file, (double)timeout);
  PetscCheck(!WIFSIGNALED(status), PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: the file looks corrupt (reading its structure crashed HDF5 with signal %d)", file, WTERMSIG(status));
  for (char *c = message; *c; c++)
    if ((unsigned char)*c < 0x20) *c = '?';
  PetscCheck(WIFEXITED(status) && WEXITSTATUS(status) == 0, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: %s", file, message[0] ? message : "the file looks corrupt");
  MSH5Checked.dev   = st.st_dev;
  MSH5Checked.ino   = st.st_ino;
  MSH5Checked.size  = st.st_size;
  MSH5Checked.mtime = st.st_mtim;
  MSH5Checked.ctime = st.st_ctim;
  MSH5Checked.valid = PETSC_TRUE;
  PetscFunctionReturn(0);
}

/* An armed watchdog: its timer and the line it prints. */
typedef struct {
  timer_t timer;
  char    line[PETSC_MAX_PATH_LEN + 128];
} MSH5Watchdog;

/* The watchdog's thread: the read it guards is stuck, so the process ends with the line. */
static void MSH5WatchdogFire(union sigval value)
{
  const MSH5Watchdog *dog = (const MSH5Watchdog *)value.sival_ptr;
  ssize_t             ignored;

  ignored = write(STDERR_FILENO, dog->line, strlen(dog->line));
  (void)ignored;
  _exit(1);
}

/*
  MSH5WatchdogStart - arms a timer that ends the process with one line on stderr, naming the file,
  if the reads of f are not done (MSH5WatchdogStop()) within timeout seconds

  Not Collective
*/
PETSC_INTERN PetscErrorCode MSH5WatchdogStart(MSH5File *f, PetscReal timeout)
{
  MSH5Watchdog     *dog;
  struct sigevent   ev;
  struct itimerspec when;
  char              program[256] = "metasim";

  PetscFunctionBegin;
  PetscCall(PetscNew(&dog));
  PetscCall(PetscGetProgramName(program, sizeof(program)));
  PetscCall(PetscSNPrintf(dog->line, sizeof(dog->line), "%s: %s: the file looks corrupt (read did not finish in %g s)\n", program, f->name, (double)timeout));
  PetscCall(PetscMemzero(&ev, sizeof(ev)));
  PetscCall(PetscMemzero(&when, sizeof(when)));
  ev.sigev_notify          = SIGEV_THREAD;
  ev.sigev_notify_function = MSH5WatchdogFire;
  ev.sigev_value.sival_ptr = dog;
  if (timer_create(CLOCK_MONOTONIC, &ev, &dog->timer) != 0) {
    PetscCall(PetscFree(dog));
    SETERRQ(PETSC_COMM_SELF, PETSC_ERR_SYS, "%s: cannot start the read watchdog: %s", f->name, strerror(errno));
  }
  f->watchdog           = dog;
  when.it_value.tv_sec  = (time_t)timeout;
  when.it_value.tv_nsec = (long)((timeout - (PetscReal)(time_t)timeout) * 1e9);
  PetscCheck(timer_settime(dog->timer, 0, &when, NULL) == 0, PETSC_COMM_SELF, PETSC_ERR_SYS, "%s: cannot start the read watchdog: %s", f->name, strerror(errno));
  PetscFunctionReturn(0);
}

PETSC_INTERN PetscErrorCode MSH5WatchdogStop(MSH5File *f)
{
  MSH5Watchdog *dog = (MSH5Watchdog *)f->watchdog;

  PetscFunctionBegin;
  if (!dog) PetscFunctionReturn(0);
  f->watchdog = NULL;
  PetscCheck(timer_delete(dog->timer) == 0, PETSC_COMM_SELF, PETSC_ERR_SYS, "%s: cannot stop the read watchdog: %s", f->name, strerror(errno));
  PetscCall(PetscFree(dog));
  PetscFunctionReturn(0);
}
