/*  =========================================================================
    powercut - an LD_PRELOAD shim that simulates a power cut

    For one file (by default any file named data.mdb: LMDB's data file), it
    keeps a shadow next to it, NAME.durable, that receives a write only
    once the write is durable, that is once it would survive a power cut:

    - at the first open of the file in this process, the shadow is made a
      copy of the file (what is on disk when a process starts is durable);
    - a write on a descriptor opened with O_DSYNC or O_SYNC goes to the
      shadow when the real write returns;
    - any other write (write, pwrite, writev, pwritev, at the descriptor's
      offset or at the one given) is held in memory, in order, and applied
      to the shadow by the next fsync or fdatasync of any descriptor of the
      file (the kernel flushes an inode's dirty pages whichever descriptor
      wrote them), by msync of a shared mapping of it (which also copies
      the mapped bytes), by sync_file_range with WAIT_BEFORE, WRITE and
      WAIT_AFTER over the range, and by sync or syncfs;
    - ftruncate goes through to both (held writes past the new end are cut).

    After the process is killed (SIGKILL: nothing of the shim runs), the
    shadow is what a disk would hold after a power cut at that moment with
    every unsynced write lost, the worst case. The test replaces the file
    with its shadow (and deletes LMDB's lock.mdb) before restarting.

    LMDB 0.9.24 with its default flags, as strace shows for catchballd:
    data pages by pwrite64, or lseek then writev, on its main descriptor;
    fdatasync on that descriptor; then the meta page by pwrite64 on a second
    descriptor of data.mdb opened O_WRONLY|O_DSYNC. Nothing else writes it.

    Environment:
      POWERCUT_NAME   file name to shadow (default data.mdb)
      POWERCUT_FAULT  a self-check that the test sees lost writes:
                      "nosync"     fsync, fdatasync, msync... make nothing
                                   durable (O_DSYNC writes still are);
                      "nometasync" O_DSYNC writes are held too, until the
                                   next sync (as LMDB's MDB_NOMETASYNC).
      POWERCUT_LOG    if set, a file where the shim appends a line of
                      counters at every sync (to see what it did).

    Not handled, because LMDB does not use them on this file: dup, dup2,
    fcntl (F_DUPFD), fallocate, copy_file_range, sendfile, O_DIRECT, and
    aio. A file opened by another process is not seen.
    =========================================================================
*/
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#define S_MAX_FD     4096
#define S_MAX_FILES  8
#define S_MAX_MAPS   64

typedef struct {
    off_t offset;
    size_t size;
    char *data;
} s_write_t;

typedef struct {
    dev_t dev;
    ino_t ino;
    char path [PATH_MAX];
    int shadow;                 //  Descriptor of the shadow, O_WRONLY
    s_write_t *held;            //  Writes not yet durable, in order
    size_t nheld, maxheld;
    //  Counters
    unsigned long writes, held_writes, dsync_writes, syncs, applied;
} s_file_t;

typedef struct {
    char *addr;
    size_t length;
    off_t offset;
    int file;                   //  Index in s_files
} s_map_t;

static pthread_mutex_t s_lock = PTHREAD_MUTEX_INITIALIZER;
static s_file_t s_files [S_MAX_FILES];
static int s_nfiles;
//  Per descriptor: 0 untracked, else file index + 1; s_dsync: opened O_DSYNC
static int s_fd_file [S_MAX_FD];
static char s_fd_dsync [S_MAX_FD];
static s_map_t s_maps [S_MAX_MAPS];
static const char *s_name = "data.mdb";
static int s_fault_nosync, s_fault_nometasync;
static const char *s_logpath;

//  The real functions, next in the lookup order (libc, or a sanitizer's
//  interceptors when one is loaded before us).
static int (*r_open) (const char *, int, ...);
static int (*r_open64) (const char *, int, ...);
static int (*r_openat) (int, const char *, int, ...);
static int (*r_openat64) (int, const char *, int, ...);
static int (*r_close) (int);
static ssize_t (*r_write) (int, const void *, size_t);
static ssize_t (*r_pwrite) (int, const void *, size_t, off_t);
static ssize_t (*r_pwrite64) (int, const void *, size_t, off_t);
static ssize_t (*r_writev) (int, const struct iovec *, int);
static ssize_t (*r_pwritev) (int, const struct iovec *, int, off_t);
static ssize_t (*r_pwritev64) (int, const struct iovec *, int, off_t);
static ssize_t (*r_pwritev2) (int, const struct iovec *, int, off_t, int);
static int (*r_fsync) (int);
static int (*r_fdatasync) (int);
static int (*r_msync) (void *, size_t, int);
static int (*r_sync_file_range) (int, off_t, off_t, unsigned int);
static void (*r_sync) (void);
static int (*r_syncfs) (int);
static int (*r_ftruncate) (int, off_t);
static int (*r_ftruncate64) (int, off_t);
static void *(*r_mmap) (void *, size_t, int, int, int, off_t);
static void *(*r_mmap64) (void *, size_t, int, int, int, off_t);
static int (*r_munmap) (void *, size_t);

static void
s_die (const char *what)
{
    char buf [512];
    int n = snprintf (buf, sizeof (buf), "powercut: %s: %s\n", what, strerror (errno));
    if (n > 0)
        syscall (SYS_write, 2, buf, (size_t) n);
    abort ();
}

#define S_NEXT(name) do { \
    if (!r_##name) r_##name = dlsym (RTLD_NEXT, #name); \
} while (0)

__attribute__ ((constructor)) static void
s_init (void)
{
    const char *name = getenv ("POWERCUT_NAME");
    if (name && *name)
        s_name = name;
    const char *fault = getenv ("POWERCUT_FAULT");
    if (fault && strcmp (fault, "nosync") == 0)
        s_fault_nosync = 1;
    else
    if (fault && strcmp (fault, "nometasync") == 0)
        s_fault_nometasync = 1;
    else
    if (fault && *fault) {
        errno = EINVAL;
        s_die ("POWERCUT_FAULT is neither nosync nor nometasync");
    }
    s_logpath = getenv ("POWERCUT_LOG");
}

//  --------------------------------------------------------------------------
//  The shadow

//  Writes all of buf at offset into a descriptor, with raw system calls
//  (never through our own wrappers or anyone's interceptors).
static void
s_pwrite_all (int fd, const char *buf, size_t size, off_t offset)
{
    while (size) {
        ssize_t n = syscall (SYS_pwrite64, fd, buf, size, offset);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            s_die ("cannot write the shadow");
        buf += n;
        size -= (size_t) n;
        offset += n;
    }
}

static void
s_log (s_file_t *file, const char *event)
{
    if (!s_logpath)
        return;
    int fd = (int) syscall (SYS_openat, AT_FDCWD, s_logpath,
                            O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd < 0)
        return;
    char line [PATH_MAX + 256];
    int n = snprintf (line, sizeof (line),
                      "%s %s writes=%lu held=%lu dsync=%lu syncs=%lu applied=%lu\n",
                      event, file->path, file->writes, file->held_writes,
                      file->dsync_writes, file->syncs, file->applied);
    if (n > 0)
        syscall (SYS_write, fd, line, (size_t) n);
    syscall (SYS_close, fd);
}

//  The first time this process opens the file: the shadow becomes a copy
//  of it, through a temporary file and a rename so that it is never seen
//  half made.
static int
s_file_open (int fd)
{
    struct stat st;
    if (syscall (SYS_fstat, fd, &st))
        return -1;
    for (int i = 0; i < s_nfiles; i++)
        if (s_files [i].dev == st.st_dev && s_files [i].ino == st.st_ino)
            return i;
    if (s_nfiles == S_MAX_FILES) {
        errno = EMFILE;
        s_die ("too many shadowed files");
    }
    s_file_t *file = &s_files [s_nfiles];
    memset (file, 0, sizeof (*file));
    file->dev = st.st_dev;
    file->ino = st.st_ino;
    char link [64];
    snprintf (link, sizeof (link), "/proc/self/fd/%d", fd);
    ssize_t len = syscall (SYS_readlinkat, AT_FDCWD, link, file->path, sizeof (file->path) - 1);
    if (len <= 0 || (size_t) len >= sizeof (file->path) - 16)
        s_die ("cannot read the file's path");
    file->path [len] = 0;

    char shadow [PATH_MAX + 32], tmp [PATH_MAX + 32];
    snprintf (shadow, sizeof (shadow), "%s.durable", file->path);
    snprintf (tmp, sizeof (tmp), "%s.durable.tmp", file->path);
    int in = (int) syscall (SYS_openat, AT_FDCWD, file->path, O_RDONLY | O_CLOEXEC);
    int out = (int) syscall (SYS_openat, AT_FDCWD, tmp,
                             O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (in < 0 || out < 0)
        s_die ("cannot make the shadow");
    char buf [65536];
    off_t offset = 0;
    for (;;) {
        ssize_t n = syscall (SYS_pread64, in, buf, sizeof (buf), offset);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            s_die ("cannot read the file");
        if (n == 0)
            break;
        s_pwrite_all (out, buf, (size_t) n, offset);
        offset += n;
    }
    syscall (SYS_close, in);
    syscall (SYS_close, out);
    if (syscall (SYS_rename, tmp, shadow))
        s_die ("cannot rename the shadow");
    file->shadow = (int) syscall (SYS_openat, AT_FDCWD, shadow, O_WRONLY | O_CLOEXEC);
    if (file->shadow < 0)
        s_die ("cannot open the shadow");
    s_log (file, "open");
    return s_nfiles++;
}

static void
s_hold (s_file_t *file, const char *data, size_t size, off_t offset)
{
    if (size == 0)
        return;
    if (file->nheld == file->maxheld) {
        file->maxheld = file->maxheld ? file->maxheld * 2 : 64;
        file->held = realloc (file->held, file->maxheld * sizeof (s_write_t));
        if (!file->held)
            s_die ("out of memory");
    }
    s_write_t *w = &file->held [file->nheld++];
    w->offset = offset;
    w->size = size;
    w->data = malloc (size);
    if (!w->data)
        s_die ("out of memory");
    memcpy (w->data, data, size);
    file->held_writes++;
}

//  The held writes reach the shadow, in the order they were made.
static void
s_apply (s_file_t *file)
{
    for (size_t i = 0; i < file->nheld; i++) {
        s_pwrite_all (file->shadow, file->held [i].data, file->held [i].size,
                      file->held [i].offset);
        free (file->held [i].data);
        file->applied++;
    }
    file->nheld = 0;
}

//  A write of `size` bytes (gathered from iov) at offset, which the real
//  call made: durable now, or held.
static void
s_wrote (int fd, const struct iovec *iov, int iovcnt, size_t size, off_t offset)
{
    s_file_t *file = &s_files [s_fd_file [fd] - 1];
    int durable = s_fd_dsync [fd] && !s_fault_nometasync;
    file->writes++;
    if (durable)
        file->dsync_writes++;
    for (int i = 0; i < iovcnt && size; i++) {
        size_t part = iov [i].iov_len < size ? iov [i].iov_len : size;
        if (durable)
            s_pwrite_all (file->shadow, iov [i].iov_base, part, offset);
        else
            s_hold (file, iov [i].iov_base, part, offset);
        offset += (off_t) part;
        size -= part;
    }
}

static int
s_tracked (int fd)
{
    return fd >= 0 && fd < S_MAX_FD && __atomic_load_n (&s_fd_file [fd], __ATOMIC_ACQUIRE);
}

static int
s_is_ours (const char *path)
{
    if (!path)
        return 0;
    const char *base = strrchr (path, '/');
    base = base ? base + 1 : path;
    return strcmp (base, s_name) == 0;
}

//  After a successful open of one of our files.
static int
s_opened (int fd, const char *path, int flags)
{
    if (fd < 0 || !s_is_ours (path))
        return fd;
    if (fd >= S_MAX_FD) {
        errno = EMFILE;
        s_die ("descriptor out of range");
    }
    pthread_mutex_lock (&s_lock);
    int i = s_file_open (fd);
    s_fd_dsync [fd] = (flags & O_DSYNC) ? 1 : 0;     //  O_SYNC includes O_DSYNC
    __atomic_store_n (&s_fd_file [fd], i + 1, __ATOMIC_RELEASE);
    pthread_mutex_unlock (&s_lock);
    return fd;
}

//  --------------------------------------------------------------------------
//  Opening and closing

#define S_MODE(flags, mode) do { \
    if ((flags) & (O_CREAT | O_TMPFILE)) { \
        va_list ap; va_start (ap, flags); mode = va_arg (ap, int); va_end (ap); \
    } \
} while (0)

int
open (const char *path, int flags, ...)
{
    int mode = 0;
    S_MODE (flags, mode);
    S_NEXT (open);
    return s_opened (r_open (path, flags, mode), path, flags);
}

int
open64 (const char *path, int flags, ...)
{
    int mode = 0;
    S_MODE (flags, mode);
    S_NEXT (open64);
    return s_opened (r_open64 (path, flags, mode), path, flags);
}

int
openat (int dirfd, const char *path, int flags, ...)
{
    int mode = 0;
    S_MODE (flags, mode);
    S_NEXT (openat);
    return s_opened (r_openat (dirfd, path, flags, mode), path, flags);
}

int
openat64 (int dirfd, const char *path, int flags, ...)
{
    int mode = 0;
    S_MODE (flags, mode);
    S_NEXT (openat64);
    return s_opened (r_openat64 (dirfd, path, flags, mode), path, flags);
}

int
close (int fd)
{
    S_NEXT (close);
    if (!s_tracked (fd))
        return r_close (fd);
    //  Held writes stay held: they belong to the file, not the descriptor.
    pthread_mutex_lock (&s_lock);
    __atomic_store_n (&s_fd_file [fd], 0, __ATOMIC_RELEASE);
    s_fd_dsync [fd] = 0;
    int rc = r_close (fd);
    pthread_mutex_unlock (&s_lock);
    return rc;
}

//  --------------------------------------------------------------------------
//  Writing

static off_t
s_position (int fd)
{
    return (off_t) syscall (SYS_lseek, fd, 0, SEEK_CUR);
}

ssize_t
write (int fd, const void *buf, size_t size)
{
    S_NEXT (write);
    if (!s_tracked (fd))
        return r_write (fd, buf, size);
    pthread_mutex_lock (&s_lock);
    off_t offset = s_position (fd);
    ssize_t n = r_write (fd, buf, size);
    if (n > 0) {
        struct iovec iov = { (void *) buf, (size_t) n };
        s_wrote (fd, &iov, 1, (size_t) n, offset);
    }
    pthread_mutex_unlock (&s_lock);
    return n;
}

static ssize_t
s_pwrite (ssize_t (*real) (int, const void *, size_t, off_t),
          int fd, const void *buf, size_t size, off_t offset)
{
    if (!s_tracked (fd))
        return real (fd, buf, size, offset);
    pthread_mutex_lock (&s_lock);
    ssize_t n = real (fd, buf, size, offset);
    if (n > 0) {
        struct iovec iov = { (void *) buf, (size_t) n };
        s_wrote (fd, &iov, 1, (size_t) n, offset);
    }
    pthread_mutex_unlock (&s_lock);
    return n;
}

ssize_t
pwrite (int fd, const void *buf, size_t size, off_t offset)
{
    S_NEXT (pwrite);
    return s_pwrite (r_pwrite, fd, buf, size, offset);
}

ssize_t
pwrite64 (int fd, const void *buf, size_t size, off_t offset)
{
    S_NEXT (pwrite64);
    return s_pwrite (r_pwrite64, fd, buf, size, offset);
}

ssize_t
writev (int fd, const struct iovec *iov, int iovcnt)
{
    S_NEXT (writev);
    if (!s_tracked (fd))
        return r_writev (fd, iov, iovcnt);
    pthread_mutex_lock (&s_lock);
    off_t offset = s_position (fd);
    ssize_t n = r_writev (fd, iov, iovcnt);
    if (n > 0)
        s_wrote (fd, iov, iovcnt, (size_t) n, offset);
    pthread_mutex_unlock (&s_lock);
    return n;
}

static ssize_t
s_pwritev (ssize_t (*real) (int, const struct iovec *, int, off_t),
           int fd, const struct iovec *iov, int iovcnt, off_t offset)
{
    if (!s_tracked (fd))
        return real (fd, iov, iovcnt, offset);
    pthread_mutex_lock (&s_lock);
    ssize_t n = real (fd, iov, iovcnt, offset);
    if (n > 0)
        s_wrote (fd, iov, iovcnt, (size_t) n, offset);
    pthread_mutex_unlock (&s_lock);
    return n;
}

ssize_t
pwritev (int fd, const struct iovec *iov, int iovcnt, off_t offset)
{
    S_NEXT (pwritev);
    return s_pwritev (r_pwritev, fd, iov, iovcnt, offset);
}

ssize_t
pwritev64 (int fd, const struct iovec *iov, int iovcnt, off_t offset)
{
    S_NEXT (pwritev64);
    return s_pwritev (r_pwritev64, fd, iov, iovcnt, offset);
}

ssize_t
pwritev2 (int fd, const struct iovec *iov, int iovcnt, off_t offset, int flags)
{
    S_NEXT (pwritev2);
    if (!s_tracked (fd))
        return r_pwritev2 (fd, iov, iovcnt, offset, flags);
    pthread_mutex_lock (&s_lock);
    off_t at = offset == -1 ? s_position (fd) : offset;
    ssize_t n = r_pwritev2 (fd, iov, iovcnt, offset, flags);
    if (n > 0) {
        //  RWF_DSYNC / RWF_SYNC make this one write durable.
        char was = s_fd_dsync [fd];
#ifdef RWF_DSYNC
        if (flags & (RWF_DSYNC | RWF_SYNC))
            s_fd_dsync [fd] = 1;
#endif
        s_wrote (fd, iov, iovcnt, (size_t) n, at);
        s_fd_dsync [fd] = was;
    }
    pthread_mutex_unlock (&s_lock);
    return n;
}

//  --------------------------------------------------------------------------
//  Syncing: what was written becomes durable

static void
s_synced (int fd, const char *event)
{
    s_file_t *file = &s_files [s_fd_file [fd] - 1];
    file->syncs++;
    if (!s_fault_nosync)
        s_apply (file);
    s_log (file, event);
}

int
fsync (int fd)
{
    S_NEXT (fsync);
    if (!s_tracked (fd))
        return r_fsync (fd);
    pthread_mutex_lock (&s_lock);
    int rc = r_fsync (fd);
    if (rc == 0)
        s_synced (fd, "fsync");
    pthread_mutex_unlock (&s_lock);
    return rc;
}

int
fdatasync (int fd)
{
    S_NEXT (fdatasync);
    if (!s_tracked (fd))
        return r_fdatasync (fd);
    pthread_mutex_lock (&s_lock);
    int rc = r_fdatasync (fd);
    if (rc == 0)
        s_synced (fd, "fdatasync");
    pthread_mutex_unlock (&s_lock);
    return rc;
}

int
sync_file_range (int fd, off_t offset, off_t nbytes, unsigned int flags)
{
    S_NEXT (sync_file_range);
    if (!s_tracked (fd))
        return r_sync_file_range (fd, offset, nbytes, flags);
    pthread_mutex_lock (&s_lock);
    int rc = r_sync_file_range (fd, offset, nbytes, flags);
    unsigned int all = SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE
                     | SYNC_FILE_RANGE_WAIT_AFTER;
    //  Data only, and only with all three flags; the whole file's held
    //  writes are applied (a superset of the range: the kernel may write
    //  more than asked, and the held list keeps its order that way).
    if (rc == 0 && (flags & all) == all)
        s_synced (fd, "sync_file_range");
    pthread_mutex_unlock (&s_lock);
    return rc;
}

void
sync (void)
{
    S_NEXT (sync);
    pthread_mutex_lock (&s_lock);
    r_sync ();
    if (!s_fault_nosync)
        for (int i = 0; i < s_nfiles; i++) {
            s_files [i].syncs++;
            s_apply (&s_files [i]);
        }
    pthread_mutex_unlock (&s_lock);
}

int
syncfs (int fd)
{
    S_NEXT (syncfs);
    pthread_mutex_lock (&s_lock);
    int rc = r_syncfs (fd);
    if (rc == 0 && !s_fault_nosync)
        for (int i = 0; i < s_nfiles; i++) {
            s_files [i].syncs++;
            s_apply (&s_files [i]);
        }
    pthread_mutex_unlock (&s_lock);
    return rc;
}

//  --------------------------------------------------------------------------
//  Shared writable mappings (LMDB's MDB_WRITEMAP, never used by catchballd):
//  what msync (MS_SYNC) covers reaches the shadow, with the held writes.

static void *
s_mapped (void *addr, size_t length, int prot, int flags, int fd, off_t offset)
{
    if (addr == MAP_FAILED || !s_tracked (fd) || !(prot & PROT_WRITE) || !(flags & MAP_SHARED))
        return addr;
    pthread_mutex_lock (&s_lock);
    for (int i = 0; i < S_MAX_MAPS; i++)
        if (!s_maps [i].addr) {
            s_maps [i].addr = addr;
            s_maps [i].length = length;
            s_maps [i].offset = offset;
            s_maps [i].file = s_fd_file [fd] - 1;
            break;
        }
    pthread_mutex_unlock (&s_lock);
    return addr;
}

void *
mmap (void *addr, size_t length, int prot, int flags, int fd, off_t offset)
{
    S_NEXT (mmap);
    return s_mapped (r_mmap (addr, length, prot, flags, fd, offset),
                     length, prot, flags, fd, offset);
}

void *
mmap64 (void *addr, size_t length, int prot, int flags, int fd, off_t offset)
{
    S_NEXT (mmap64);
    return s_mapped (r_mmap64 (addr, length, prot, flags, fd, offset),
                     length, prot, flags, fd, offset);
}

int
munmap (void *addr, size_t length)
{
    S_NEXT (munmap);
    pthread_mutex_lock (&s_lock);
    for (int i = 0; i < S_MAX_MAPS; i++)
        if (s_maps [i].addr == addr)
            s_maps [i].addr = NULL;
    int rc = r_munmap (addr, length);
    pthread_mutex_unlock (&s_lock);
    return rc;
}

int
msync (void *addr, size_t length, int flags)
{
    S_NEXT (msync);
    pthread_mutex_lock (&s_lock);
    int rc = r_msync (addr, length, flags);
    if (rc == 0 && (flags & MS_SYNC) && !s_fault_nosync)
        for (int i = 0; i < S_MAX_MAPS; i++) {
            s_map_t *map = &s_maps [i];
            char *start = (char *) addr, *end = start + length;
            char *mstart = map->addr, *mend = mstart ? mstart + map->length : NULL;
            if (!mstart || end <= mstart || start >= mend)
                continue;
            s_file_t *file = &s_files [map->file];
            file->syncs++;
            s_apply (file);
            if (start < mstart)
                start = mstart;
            if (end > mend)
                end = mend;
            s_pwrite_all (file->shadow, start, (size_t) (end - start),
                          map->offset + (start - mstart));
            s_log (file, "msync");
        }
    pthread_mutex_unlock (&s_lock);
    return rc;
}

//  --------------------------------------------------------------------------
//  Truncating: to both, at once

static int
s_ftruncate (int (*real) (int, off_t), int fd, off_t length)
{
    if (!s_tracked (fd))
        return real (fd, length);
    pthread_mutex_lock (&s_lock);
    int rc = real (fd, length);
    if (rc == 0) {
        s_file_t *file = &s_files [s_fd_file [fd] - 1];
        if (syscall (SYS_ftruncate, file->shadow, length))
            s_die ("cannot truncate the shadow");
        for (size_t i = 0; i < file->nheld; i++) {
            s_write_t *w = &file->held [i];
            if (w->offset >= length)
                w->size = 0;
            else
            if (w->offset + (off_t) w->size > length)
                w->size = (size_t) (length - w->offset);
        }
    }
    pthread_mutex_unlock (&s_lock);
    return rc;
}

int
ftruncate (int fd, off_t length)
{
    S_NEXT (ftruncate);
    return s_ftruncate (r_ftruncate, fd, length);
}

int
ftruncate64 (int fd, off_t length)
{
    S_NEXT (ftruncate64);
    return s_ftruncate (r_ftruncate64, fd, length);
}
