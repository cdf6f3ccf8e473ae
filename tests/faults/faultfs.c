/*  =========================================================================
    faultfs - an LD_PRELOAD shim that makes LMDB's writes to data.mdb fail

    LMDB 0.9.24 (as Debian builds it, checked with strace on catchballd)
    commits a write transaction like this:
      - the dirty data pages: pwrite or writev on the main descriptor of
        data.mdb (opened O_RDWR);
      - fdatasync on that descriptor;
      - the meta page: one pwrite of 120 bytes on a second descriptor of
        data.mdb opened O_WRONLY|O_DSYNC (this write is the commit point).
    A failed meta page write makes LMDB write the old meta back on the main
    descriptor and mark the environment fatal: every later transaction
    returns MDB_PANIC until the environment is reopened.

    This shim learns those two descriptors from open(), and, while the
    control file $FAULTFS_CTL exists, fails the calls it names:

        OP SKIP COUNT ERRNO ID

    OP is `data` (pwrite/writev on the main descriptor), `sync`
    (fdatasync/fsync on it) or `meta` (pwrite on the O_DSYNC descriptor).
    The first SKIP matching calls pass, the next COUNT fail (-1: all of
    them) with ERRNO: `EIO` or `ENOSPC` (nothing written or synced), or
    `EIO+` (the call is made, then reports EIO: the data reached the page
    cache, as when a disk fails the write-back). ID is any word:
    the counters start again whenever the file's content changes. Without
    the file nothing fails. Each failure appends one line to $FAULTFS_LOG
    (if set), so a test can tell that its fault really fired.

    Deterministic: no timers, no randomness; the control file is read at
    every intercepted call, so a test turns faults on and off between two
    requests without signalling the broker.
    =========================================================================
*/
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

#define S_MAX_FD 4096

enum { S_NONE = 0, S_DATA_FD, S_META_FD };
enum { S_OP_DATA = 0, S_OP_SYNC, S_OP_META, S_OP_COUNT };
static const char *s_op_names [S_OP_COUNT] = { "data", "sync", "meta" };

static unsigned char s_fds [S_MAX_FD];
static pthread_mutex_t s_lock = PTHREAD_MUTEX_INITIALIZER;
static char s_last [256];           //  Control file content last seen
static long s_seen;                 //  Matching calls since it changed

static ssize_t (*s_real_pwrite) (int, const void *, size_t, off_t);
static ssize_t (*s_real_writev) (int, const struct iovec *, int);
static int (*s_real_fdatasync) (int);
static int (*s_real_fsync) (int);
static int (*s_real_close) (int);
static int (*s_real_open) (const char *, int, ...);
static int (*s_real_open64) (const char *, int, ...);
static int (*s_real_openat) (int, const char *, int, ...);

static void *
s_next (const char *name)
{
    void *fn = dlsym (RTLD_NEXT, name);
    if (!fn) {
        static const char message [] = "faultfs: a libc function is missing\n";
        ssize_t rc = syscall (SYS_write, 2, message, sizeof (message) - 1);
        (void) rc;
        _exit (99);
    }
    return fn;
}

//  Reads a small file with raw system calls (never through our own open).
static ssize_t
s_read_file (const char *path, char *buf, size_t size)
{
    int fd = (int) syscall (SYS_openat, AT_FDCWD, path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t n = syscall (SYS_read, fd, buf, size - 1);
    syscall (SYS_close, fd);
    if (n < 0)
        return -1;
    buf [n] = 0;
    return n;
}

static void
s_log (const char *format, ...)
{
    const char *path = getenv ("FAULTFS_LOG");
    if (!path)
        return;
    char line [256];
    va_list args;
    va_start (args, format);
    int n = vsnprintf (line, sizeof (line), format, args);
    va_end (args);
    if (n <= 0)
        return;
    if ((size_t) n >= sizeof (line))
        n = sizeof (line) - 1;
    int fd = (int) syscall (SYS_openat, AT_FDCWD, path,
                            O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0)
        return;
    ssize_t rc = syscall (SYS_write, fd, line, (size_t) n);
    (void) rc;
    syscall (SYS_close, fd);
}

//  0 to let the call through, or the errno it must fail with; *after if
//  the call is to be made first all the same.
static int
s_fault (int op, const char *call, int fd, long long offset, size_t size, bool *after)
{
    *after = false;
    const char *ctl = getenv ("FAULTFS_CTL");
    if (!ctl)
        return 0;
    char content [256];
    int err = 0;
    pthread_mutex_lock (&s_lock);
    if (s_read_file (ctl, content, sizeof (content)) < 0)
        content [0] = 0;
    if (strcmp (content, s_last) != 0) {
        snprintf (s_last, sizeof (s_last), "%s", content);
        s_seen = 0;
    }
    char name [16], errname [16];
    long skip, count;
    if (content [0]
    &&  sscanf (content, "%15s %ld %ld %15s", name, &skip, &count, errname) == 4
    &&  strcmp (name, s_op_names [op]) == 0) {
        long index = s_seen++;
        if (index >= skip && (count < 0 || index < skip + count)) {
            err = strcmp (errname, "ENOSPC") == 0 ? ENOSPC : EIO;
            *after = strcmp (errname, "EIO+") == 0;
            s_log ("faultfs: %s %s fd %d offset %lld size %zu: %s\n", s_op_names [op],
                   call, fd, offset, size, *after ? "EIO+" : err == EIO ? "EIO" : "ENOSPC");
        }
    }
    pthread_mutex_unlock (&s_lock);
    return err;
}

static int
s_kind (int fd)
{
    return fd >= 0 && fd < S_MAX_FD ? s_fds [fd] : S_NONE;
}

static void
s_track (int fd, const char *path, int flags)
{
    if (fd < 0 || fd >= S_MAX_FD)
        return;
    const char *base = strrchr (path, '/');
    base = base ? base + 1 : path;
    if (strcmp (base, "data.mdb") != 0)
        s_fds [fd] = S_NONE;
    else
        s_fds [fd] = (flags & O_DSYNC) ? S_META_FD : S_DATA_FD;
}

//  --------------------------------------------------------------------------
//  Interposed functions

ssize_t
pwrite (int fd, const void *buf, size_t count, off_t offset)
{
    if (!s_real_pwrite)
        s_real_pwrite = s_next ("pwrite");
    int kind = s_kind (fd);
    if (kind != S_NONE) {
        bool after;
        int err = s_fault (kind == S_META_FD ? S_OP_META : S_OP_DATA, "pwrite", fd,
                           (long long) offset, count, &after);
        if (after)
            s_real_pwrite (fd, buf, count, offset);
        if (err) {
            errno = err;
            return -1;
        }
    }
    return s_real_pwrite (fd, buf, count, offset);
}

ssize_t
pwrite64 (int fd, const void *buf, size_t count, off_t offset)
{
    return pwrite (fd, buf, count, offset);
}

ssize_t
writev (int fd, const struct iovec *iov, int iovcnt)
{
    if (!s_real_writev)
        s_real_writev = s_next ("writev");
    int kind = s_kind (fd);
    if (kind != S_NONE) {
        size_t size = 0;
        for (int i = 0; i < iovcnt; i++)
            size += iov [i].iov_len;
        bool after;
        int err = s_fault (kind == S_META_FD ? S_OP_META : S_OP_DATA, "writev", fd,
                           (long long) lseek (fd, 0, SEEK_CUR), size, &after);
        if (after)
            s_real_writev (fd, iov, iovcnt);
        if (err) {
            errno = err;
            return -1;
        }
    }
    return s_real_writev (fd, iov, iovcnt);
}

int
fdatasync (int fd)
{
    if (!s_real_fdatasync)
        s_real_fdatasync = s_next ("fdatasync");
    if (s_kind (fd) == S_DATA_FD) {
        bool after;
        int err = s_fault (S_OP_SYNC, "fdatasync", fd, 0, 0, &after);
        if (after)
            s_real_fdatasync (fd);
        if (err) {
            errno = err;
            return -1;
        }
    }
    return s_real_fdatasync (fd);
}

int
fsync (int fd)
{
    if (!s_real_fsync)
        s_real_fsync = s_next ("fsync");
    if (s_kind (fd) == S_DATA_FD) {
        bool after;
        int err = s_fault (S_OP_SYNC, "fsync", fd, 0, 0, &after);
        if (after)
            s_real_fsync (fd);
        if (err) {
            errno = err;
            return -1;
        }
    }
    return s_real_fsync (fd);
}

int
close (int fd)
{
    if (!s_real_close)
        s_real_close = s_next ("close");
    if (fd >= 0 && fd < S_MAX_FD)
        s_fds [fd] = S_NONE;
    return s_real_close (fd);
}

//  open's mode is there only with O_CREAT or O_TMPFILE.
#define S_MODE(flags, mode) do { \
    if ((flags) & (O_CREAT | O_TMPFILE)) { \
        va_list args; \
        va_start (args, flags); \
        mode = va_arg (args, int); \
        va_end (args); \
    } \
} while (0)

int
open (const char *path, int flags, ...)
{
    if (!s_real_open)
        s_real_open = s_next ("open");
    int mode = 0;
    S_MODE (flags, mode);
    int fd = s_real_open (path, flags, mode);
    s_track (fd, path, flags);
    return fd;
}

int
open64 (const char *path, int flags, ...)
{
    if (!s_real_open64)
        s_real_open64 = s_next ("open64");
    int mode = 0;
    S_MODE (flags, mode);
    int fd = s_real_open64 (path, flags, mode);
    s_track (fd, path, flags);
    return fd;
}

int
openat (int dirfd, const char *path, int flags, ...)
{
    if (!s_real_openat)
        s_real_openat = s_next ("openat");
    int mode = 0;
    S_MODE (flags, mode);
    int fd = s_real_openat (dirfd, path, flags, mode);
    s_track (fd, path, flags);
    return fd;
}
