/*  bench/common.c - see common.h */
#include "common.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <signal.h>
#include <stdarg.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int64_t
bench_now_us (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_MONOTONIC, &ts);
    return (int64_t) ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int
s_cmp (const void *a, const void *b)
{
    double x = *(const double *) a, y = *(const double *) b;
    return x < y ? -1 : x > y;
}

double
bench_percentile (double *samples, size_t count, double p)
{
    if (!count)
        return 0;
    qsort (samples, count, sizeof (double), s_cmp);
    //  Nearest rank.
    size_t rank = (size_t) (p / 100.0 * (double) count + 0.999999);
    if (rank < 1)
        rank = 1;
    if (rank > count)
        rank = count;
    return samples [rank - 1];
}

double
bench_median (double *samples, size_t count)
{
    return bench_percentile (samples, count, 50);
}

void
bench_die (const char *fmt, ...)
{
    va_list args;
    va_start (args, fmt);
    fprintf (stderr, "bench: ");
    vfprintf (stderr, fmt, args);
    fprintf (stderr, "\n");
    va_end (args);
    exit (1);
}

char *
bench_mkdtemp (const char *tag)
{
    const char *base = getenv ("BENCH_TMP") ? getenv ("BENCH_TMP") : "/tmp";
    char *path = NULL;
    if (asprintf (&path, "%s/cbbench-%s-XXXXXX", base, tag) < 0 || !mkdtemp (path))
        bench_die ("cannot create a temporary directory in %s: %s", base, strerror (errno));
    return path;
}

static int
s_rm (const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    return remove (path);
}

void
bench_rmdir (const char *path)
{
    if (path && !getenv ("BENCH_KEEP"))
        nftw (path, s_rm, 16, FTW_DEPTH | FTW_PHYS);
}

int
bench_free_port (void)
{
    int fd = socket (AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in addr = { 0 };
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
    addr.sin_port = 0;
    socklen_t len = sizeof (addr);
    if (fd < 0 || bind (fd, (struct sockaddr *) &addr, sizeof (addr))
    ||  getsockname (fd, (struct sockaddr *) &addr, &len))
        bench_die ("cannot find a free port: %s", strerror (errno));
    close (fd);
    return ntohs (addr.sin_port);
}

static long
s_status_kb (pid_t pid, const char *field)
{
    char path [64], line [256];
    snprintf (path, sizeof (path), "/proc/%d/status", (int) pid);
    FILE *f = fopen (path, "r");
    long kb = -1;
    size_t flen = strlen (field);
    while (f && fgets (line, sizeof (line), f))
        if (strncmp (line, field, flen) == 0 && line [flen] == ':')
            kb = atol (line + flen + 1);
    if (f)
        fclose (f);
    return kb;
}

long bench_rss_kb (pid_t pid) { return s_status_kb (pid, "VmRSS"); }
long bench_hwm_kb (pid_t pid) { return s_status_kb (pid, "VmHWM"); }

void
bench_child_init (void)
{
    prctl (PR_SET_PDEATHSIG, SIGKILL);
}

void
bench_raise_nofile (void)
{
    struct rlimit rl;
    if (getrlimit (RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit (RLIMIT_NOFILE, &rl);
    }
}

int
bench_recv (void *sock, void **data, size_t *size, int timeout_ms)
{
    zmq_pollitem_t item = { sock, 0, ZMQ_POLLIN, 0 };
    if (timeout_ms >= 0 && zmq_poll (&item, 1, timeout_ms) <= 0)
        return -1;
    zmq_msg_t msg;
    zmq_msg_init (&msg);
    int more = 1;
    *data = NULL;
    while (more) {
        if (zmq_msg_recv (&msg, sock, 0) < 0) {
            zmq_msg_close (&msg);
            return -1;
        }
        more = zmq_msg_more (&msg);
        if (!more) {
            *size = zmq_msg_size (&msg);
            *data = malloc (*size ? *size : 1);
            memcpy (*data, zmq_msg_data (&msg), *size);
        }
    }
    zmq_msg_close (&msg);
    return (int) *size;
}

void *
bench_filler (size_t size)
{
    char *p = malloc (size ? size : 1);
    for (size_t i = 0; i < size; i++)
        p [i] = (char) ('a' + i % 26);
    return p;
}

//  --------------------------------------------------------------------------
//  catchballd

void
bench_broker_start (bench_broker_t *b, const char *binary, const char *tmpdir,
                    const char *const *extra)
{
    memset (b, 0, sizeof (*b));
    b->tmpdir = strdup (tmpdir);
    if (asprintf (&b->store, "%s/store", tmpdir) < 0)
        bench_die ("out of memory");
    snprintf (b->endpoint, sizeof (b->endpoint), "tcp://127.0.0.1:%d", bench_free_port ());
    snprintf (b->log, sizeof (b->log), "%s/catchballd.log", tmpdir);
    const char *argv [32];
    int argc = 0;
    argv [argc++] = binary;
    argv [argc++] = "--endpoint";
    argv [argc++] = b->endpoint;
    argv [argc++] = "--store";
    argv [argc++] = b->store;
    //  The benchmarks measure capacity: a few nodes carry the whole load,
    //  far above the per-node rate limit a real node is held to.
    argv [argc++] = "--rate";
    argv [argc++] = "0";
    for (int i = 0; extra && extra [i] && argc < 30; i++)
        argv [argc++] = extra [i];
    argv [argc] = NULL;
    //  Appending: a restarted broker keeps its earlier log.
    int fd = open (b->log, O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd < 0)
        bench_die ("cannot open %s", b->log);
    off_t start = lseek (fd, 0, SEEK_END);
    b->pid = fork ();
    if (b->pid == 0) {
        bench_child_init ();
        dup2 (fd, 1);
        dup2 (fd, 2);
        execv (binary, (char *const *) argv);
        fprintf (stderr, "cannot run %s: %s\n", binary, strerror (errno));
        _exit (127);
    }
    close (fd);
    //  Ready when the log says it listens.
    for (int i = 0; i < 1000; i++) {
        FILE *f = fopen (b->log, "r");
        char line [1024];
        bool ready = false;
        if (f) {
            fseeko (f, start, SEEK_SET);
            while (fgets (line, sizeof (line), f))
                if (strstr (line, "listening on"))
                    ready = true;
            fclose (f);
        }
        if (ready)
            return;
        int status;
        if (waitpid (b->pid, &status, WNOHANG) == b->pid)
            bench_die ("%s exited at start; see %s", binary, b->log);
        usleep (10000);
    }
    bench_die ("%s did not start within 10 s; see %s", binary, b->log);
}

void
bench_broker_stop (bench_broker_t *b)
{
    if (b->pid <= 0)
        return;
    kill (b->pid, SIGTERM);
    for (int i = 0; i < 1000; i++) {
        int status;
        if (waitpid (b->pid, &status, WNOHANG) == b->pid) {
            b->pid = 0;
            return;
        }
        usleep (10000);
    }
    kill (b->pid, SIGKILL);
    waitpid (b->pid, NULL, 0);
    b->pid = 0;
}

//  --------------------------------------------------------------------------
//  Many DEALERs

#include <math.h>
#include <poll.h>

void **
bench_dealers (void *ctx, const char *endpoint, int count)
{
    void **socks = calloc ((size_t) count, sizeof (void *));
    for (int i = 0; i < count; i++) {
        socks [i] = zmq_socket (ctx, ZMQ_DEALER);
        if (!socks [i])
            bench_die ("zmq_socket #%d: %s", i, zmq_strerror (zmq_errno ()));
        int zero = 0;
        zmq_setsockopt (socks [i], ZMQ_LINGER, &zero, sizeof (zero));
        if (zmq_connect (socks [i], endpoint))
            bench_die ("zmq_connect %s: %s", endpoint, zmq_strerror (zmq_errno ()));
    }
    return socks;
}

//  At most this many sockets per process are connecting or waiting for
//  their reply at a time: a burst of thousands of connects overflows the
//  listen backlog (ZMQ_BACKLOG, 100) and the kernel's SYN retries (1 s, 3 s...)
//  would then dominate the figure.
#define S_SWARM_WINDOW 50

static int64_t
s_swarm_worker (const char *endpoint, int first, int count, bench_build_fn *build, void *arg,
                int timeout_ms, int *done_p)
{
    void *ctx = zmq_ctx_new ();
    zmq_ctx_set (ctx, ZMQ_MAX_SOCKETS, count + 64);
    void **socks = calloc ((size_t) count, sizeof (void *));
    zmq_pollitem_t items [S_SWARM_WINDOW];
    int index [S_SWARM_WINDOW];
    int pending = 0, opened = 0, done = 0;
    int64_t deadline = bench_now_us () + (int64_t) timeout_ms * 1000;
    int64_t end = 0;
    while (done < count) {
        //  Top up the window: new sockets, connected, their hello queued.
        while (pending < S_SWARM_WINDOW && opened < count) {
            int i = opened++;
            socks [i] = zmq_socket (ctx, ZMQ_DEALER);
            if (!socks [i])
                bench_die ("zmq_socket #%d: %s", i, zmq_strerror (zmq_errno ()));
            int zero = 0;
            zmq_setsockopt (socks [i], ZMQ_LINGER, &zero, sizeof (zero));
            if (zmq_connect (socks [i], endpoint))
                bench_die ("zmq_connect %s: %s", endpoint, zmq_strerror (zmq_errno ()));
            size_t size;
            void *data = build (first + i, &size, arg);
            if (zmq_send (socks [i], data, size, 0) < 0)
                bench_die ("send: %s", zmq_strerror (zmq_errno ()));
            free (data);
            items [pending] = (zmq_pollitem_t) { socks [i], 0, ZMQ_POLLIN, 0 };
            index [pending++] = i;
        }
        *done_p = done;
        if (bench_now_us () > deadline)
            return -1;
        if (zmq_poll (items, pending, 100) <= 0)
            continue;
        for (int j = 0; j < pending; j++)
            if (items [j].revents & ZMQ_POLLIN) {
                zmq_msg_t msg;
                zmq_msg_init (&msg);
                while (zmq_msg_recv (&msg, socks [index [j]], ZMQ_DONTWAIT) >= 0)
                    ;
                zmq_msg_close (&msg);
                done++;
                end = bench_now_us ();
                //  Out of the window: the last one takes its place.
                items [j] = items [pending - 1];
                index [j] = index [pending - 1];
                pending--;
                j--;
            }
    }
    *done_p = done;
    //  Sockets stay open: the caller measures and then closes.
    return end;
}

int64_t
bench_hello_swarm (const char *endpoint, int nodes, int procs, bench_build_fn *build,
                   void *arg, void (*on_connected) (void *), void *cb_arg, int timeout_ms,
                   int *completed)
{
    int up [64][2], down [64][2];
    pid_t pids [64];
    if (procs > 64)
        procs = 64;
    fflush (stdout);
    int64_t start = bench_now_us ();
    for (int p = 0; p < procs; p++) {
        if (pipe (up [p]) || pipe (down [p]))
            bench_die ("pipe");
        int first = nodes * p / procs, last = nodes * (p + 1) / procs;
        pids [p] = fork ();
        if (pids [p] == 0) {
            bench_child_init ();
            bench_raise_nofile ();
            int done = 0;
            int64_t out [2];
            out [0] = s_swarm_worker (endpoint, first, last - first, build, arg, timeout_ms, &done);
            out [1] = done;
            if (write (up [p][1], out, sizeof (out)) != sizeof (out))
                _exit (1);
            char c;
            if (read (down [p][0], &c, 1) < 0)
                _exit (1);
            _exit (0);
        }
    }
    int64_t end = 0;
    bool failed = false;
    if (completed)
        *completed = 0;
    for (int p = 0; p < procs; p++) {
        int64_t e [2] = { -1, 0 };
        if (read (up [p][0], e, sizeof (e)) != sizeof (e) || e [0] < 0)
            failed = true;
        else
        if (e [0] > end)
            end = e [0];
        if (completed)
            *completed += (int) e [1];
    }
    if (on_connected)
        on_connected (cb_arg);
    for (int p = 0; p < procs; p++) {
        char c = 'x';
        if (write (down [p][1], &c, 1) < 0)
            failed = true;
        waitpid (pids [p], NULL, 0);
        close (up [p][0]); close (up [p][1]); close (down [p][0]); close (down [p][1]);
    }
    return failed ? -1 : end - start;
}

double
bench_field (const char *line, const char *key)
{
    size_t klen = strlen (key);
    for (const char *p = line; (p = strstr (p, key)); p += klen)
        if ((p == line || p [-1] == ' ') && p [klen] == '=')
            return atof (p + klen + 1);
    return NAN;
}
