/*  peer_redis - the peer a team might build on instead of catchballd

    Not a raw baseline but a whole other server: Redis 7 from Debian, durable
    the way catchballd is (`appendonly yes`, `appendfsync always`: a write is
    answered only after the append-only file has been synced), driven with
    the shapes cbbench drives catchballd with. It starts its own
    redis-server on a new temporary directory under $BENCH_TMP (the disk the
    broker's stores are on) and a free loopback port, waits until it answers
    PING, runs one mode, and stops it again, also when it fails.

        peer_redis --mode accept --k 8 --window 128 --seconds 5 --size 200
            K connections each keep WINDOW `XADD ev * f <SIZE bytes>` in
            flight for SECONDS (hiredis, pipelined on non-blocking sockets).
            Prints: rate=<acks per second> acks=.. seconds=.. aof_rewrites=..
            rss_mb=.. (the server's resident memory at the end)
        peer_redis --mode latency --n 1000 --size 200
            One XADD in flight, N timed after 50 untimed.
            Prints: p50_us=.. p99_us=.. mean_us=..
        peer_redis --mode history --entries 10000 --size 430 --reps 15
            A stream of ENTRIES entries with one field of SIZE bytes
            (pipelined, untimed), then `XRANGE ev - +`, timed from the request
            until the whole reply has arrived (decoding it is not timed, as
            for catchballd), REPS times after one untimed.
            Prints: median_ms=.. min_ms=.. bytes=.. entries=.. command_ms=..
            (Redis's own time in XRANGE, from INFO commandstats) parse_ms=..

    Every line also carries version=<redis_version>. --server PATH runs
    another redis-server binary (default: the one on PATH). Needs
    libhiredis-dev to build and redis-server to run: sh .ci/deps.sh bench.
*/
#include "common.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <hiredis/hiredis.h>

#define S_KEY "ev"

//  The running redis-server and its directory: whatever way we leave, the
//  server must not outlive us (atexit for bench_die, a handler for signals,
//  and PR_SET_PDEATHSIG in the child for SIGKILL).
static volatile pid_t s_pid;
static char *s_dir;
static char s_version [32] = "unknown";

static void
s_kill_server (void)
{
    if (s_pid > 0) {
        kill (s_pid, SIGKILL);
        waitpid (s_pid, NULL, 0);
        s_pid = 0;
    }
    if (s_dir) {
        bench_rmdir (s_dir);
        free (s_dir);
        s_dir = NULL;
    }
}

static void
s_on_signal (int sig)
{
    //  kill and waitpid are safe here; removing the directory is not, so a
    //  signal leaves it behind in $BENCH_TMP.
    if (s_pid > 0) {
        kill (s_pid, SIGKILL);
        waitpid (s_pid, NULL, 0);
    }
    _exit (128 + sig);
}

//  A reply we expect to be of `type`, or die with what it was.
static redisReply *
s_expect (redisContext *c, void *reply, int type, const char *what)
{
    redisReply *r = (redisReply *) reply;
    if (!r)
        bench_die ("%s: no reply (%s)", what, c->errstr [0] ? c->errstr : "connection lost");
    if (r->type != type)
        bench_die ("%s: unexpected reply type %d%s%.*s", what, r->type,
                   r->type == REDIS_REPLY_ERROR ? ": " : "",
                   r->type == REDIS_REPLY_ERROR ? (int) r->len : 0, r->str ? r->str : "");
    return r;
}

//  A blocking connection, with a 30 s timeout on every read and write.
static redisContext *
s_connect (int port, int timeout_ms)
{
    struct timeval tv = { timeout_ms / 1000, (timeout_ms % 1000) * 1000 };
    redisContext *c = redisConnectWithTimeout ("127.0.0.1", port, tv);
    if (!c || c->err) {
        if (c)
            redisFree (c);
        return NULL;
    }
    struct timeval io = { 30, 0 };
    redisSetTimeout (c, io);
    return c;
}

//  The end of redis-server's log, on stderr: its directory goes when we do.
static void
s_print_log (const char *log)
{
    FILE *f = fopen (log, "r");
    if (!f)
        return;
    char lines [8][512], line [512];
    int count = 0;
    while (fgets (line, sizeof (line), f))
        snprintf (lines [count++ % 8], sizeof (line), "%s", line);
    fclose (f);
    for (int i = count > 8 ? count - 8 : 0; i < count; i++)
        fprintf (stderr, "redis.log: %s", lines [i % 8]);
}

//  Starts redis-server, durable as catchballd is, and waits for PONG.
//  Returns a connection to it.
static redisContext *
s_start (const char *server, int *port_p)
{
    s_dir = bench_mkdtemp ("redis");
    int port = bench_free_port ();
    char port_s [16], log [4096];
    snprintf (port_s, sizeof (port_s), "%d", port);
    snprintf (log, sizeof (log), "%s/redis.log", s_dir);
    const char *argv [] = {
        server, "--port", port_s, "--bind", "127.0.0.1", "--dir", s_dir,
        "--appendonly", "yes", "--appendfsync", "always", "--save", "",
        "--daemonize", "no", "--logfile", log, NULL
    };
    fflush (stdout);
    pid_t pid = fork ();
    if (pid < 0)
        bench_die ("fork: %s", strerror (errno));
    if (pid == 0) {
        bench_child_init ();
        execvp (server, (char *const *) argv);
        fprintf (stderr, "peer_redis: cannot run %s: %s (sh .ci/deps.sh bench)\n", server,
                 strerror (errno));
        _exit (127);
    }
    s_pid = pid;
    //  Poll: connect and PING every 10 ms until PONG, for at most 10 s.
    int64_t deadline = bench_now_us () + 10000000;
    while (1) {
        int status;
        if (waitpid (pid, &status, WNOHANG) == pid) {
            s_pid = 0;
            s_print_log (log);
            bench_die ("%s exited at start (status %d)", server,
                       WIFEXITED (status) ? WEXITSTATUS (status) : -1);
        }
        redisContext *c = s_connect (port, 100);
        if (c) {
            redisReply *r = redisCommand (c, "PING");
            bool pong = r && r->type == REDIS_REPLY_STATUS && strcmp (r->str, "PONG") == 0;
            if (r)
                freeReplyObject (r);
            if (pong) {
                *port_p = port;
                return c;
            }
            redisFree (c);
        }
        if (bench_now_us () > deadline) {
            s_print_log (log);
            bench_die ("%s did not answer PING within 10 s", server);
        }
        poll (NULL, 0, 10);
    }
}

//  SIGTERM (Redis syncs its append-only file and exits), then wait; SIGKILL
//  after 10 s.
static void
s_stop (void)
{
    if (s_pid <= 0)
        return;
    kill (s_pid, SIGTERM);
    int64_t deadline = bench_now_us () + 10000000;
    while (bench_now_us () < deadline) {
        if (waitpid (s_pid, NULL, WNOHANG) == s_pid) {
            s_pid = 0;
            break;
        }
        poll (NULL, 0, 10);
    }
    s_kill_server ();
}

//  Checks the server is durable the way we asked: a mistyped option would
//  otherwise make Redis look fast for the wrong reason. Reads its version.
static void
s_check_config (redisContext *c)
{
    const char *want [][2] = { { "appendonly", "yes" }, { "appendfsync", "always" } };
    for (size_t i = 0; i < 2; i++) {
        redisReply *r = s_expect (c, redisCommand (c, "CONFIG GET %s", want [i][0]),
                                  REDIS_REPLY_ARRAY, "CONFIG GET");
        if (r->elements != 2 || strcmp (r->element [1]->str, want [i][1]))
            bench_die ("redis-server runs with %s other than %s", want [i][0], want [i][1]);
        freeReplyObject (r);
    }
    redisReply *r = s_expect (c, redisCommand (c, "INFO server"), REDIS_REPLY_STRING, "INFO");
    const char *v = strstr (r->str, "redis_version:");
    if (v)
        sscanf (v + 14, "%31[^\r\n]", s_version);
    freeReplyObject (r);
}

//  A number from INFO's "name:value" lines; NAN when absent.
static double
s_info_field (redisContext *c, const char *section, const char *name)
{
    redisReply *r = s_expect (c, redisCommand (c, "INFO %s", section), REDIS_REPLY_STRING, "INFO");
    double v = NAN;
    char key [64];
    snprintf (key, sizeof (key), "\n%s:", name);
    const char *p = strstr (r->str, key);
    if (p)
        v = atof (p + strlen (key));
    freeReplyObject (r);
    return v;
}

static long long
s_xlen (redisContext *c)
{
    redisReply *r = s_expect (c, redisCommand (c, "XLEN " S_KEY), REDIS_REPLY_INTEGER, "XLEN");
    long long n = r->integer;
    freeReplyObject (r);
    return n;
}

//  `XADD ev * f <value>`, in the protocol's bytes.
static char *
s_format_xadd (const char *value, size_t size, size_t *len)
{
    const char *argv [] = { "XADD", S_KEY, "*", "f", value };
    size_t argvlen [] = { 4, strlen (S_KEY), 1, 1, size };
    char *cmd;
    int n = redisFormatCommandArgv (&cmd, 5, argv, argvlen);
    if (n < 0)
        bench_die ("cannot format XADD");
    *len = (size_t) n;
    return cmd;
}

//  --------------------------------------------------------------------------
//  Acceptance: K connections, WINDOW XADDs in flight on each

static void
s_accept (int port, redisContext *admin, int k, int window, double seconds, size_t size)
{
    char *value = bench_filler (size);
    size_t cmd_len;
    char *cmd = s_format_xadd (value, size, &cmd_len);
    redisContext **conns = calloc ((size_t) k, sizeof (*conns));
    struct pollfd *fds = calloc ((size_t) k, sizeof (*fds));
    int *inflight = calloc ((size_t) k, sizeof (int));
    for (int i = 0; i < k; i++) {
        conns [i] = s_connect (port, 5000);
        if (!conns [i])
            bench_die ("cannot connect to redis-server on port %d", port);
        //  A warm-up XADD on each, so that connecting is not timed.
        redisAppendFormattedCommand (conns [i], cmd, cmd_len);
        void *reply = NULL;
        redisGetReply (conns [i], &reply);
        freeReplyObject (s_expect (conns [i], reply, REDIS_REPLY_STRING, "XADD"));
        //  From here on non-blocking: hiredis reads and writes what it can.
        conns [i]->flags &= ~REDIS_BLOCK;
        fcntl (conns [i]->fd, F_SETFL, fcntl (conns [i]->fd, F_GETFL) | O_NONBLOCK);
        fds [i].fd = conns [i]->fd;
    }
    int64_t start = bench_now_us (), stop = start + (int64_t) (seconds * 1e6), last = start;
    uint64_t acks = 0;
    int total_inflight = 0;
    bool sending = true;
    while (sending || total_inflight > 0) {
        int64_t now = bench_now_us ();
        if (sending && now >= stop)
            sending = false;
        if (!sending && now > stop + 30000000)
            bench_die ("%d XADDs never answered", total_inflight);
        for (int i = 0; i < k; i++) {
            while (sending && inflight [i] < window) {
                redisAppendFormattedCommand (conns [i], cmd, cmd_len);
                inflight [i]++;
                total_inflight++;
            }
            int done = 1;
            if (redisBufferWrite (conns [i], &done) != REDIS_OK)
                bench_die ("write to redis-server: %s", conns [i]->errstr);
            fds [i].events = POLLIN | (done ? 0 : POLLOUT);
            fds [i].revents = 0;
        }
        if (poll (fds, (nfds_t) k, 100) <= 0)
            continue;
        for (int i = 0; i < k; i++) {
            if (!(fds [i].revents & (POLLIN | POLLERR | POLLHUP)))
                continue;
            if (redisBufferRead (conns [i]) != REDIS_OK)
                bench_die ("read from redis-server: %s", conns [i]->errstr);
            void *reply;
            while (redisGetReplyFromReader (conns [i], &reply) == REDIS_OK && reply) {
                freeReplyObject (s_expect (conns [i], reply, REDIS_REPLY_STRING, "XADD"));
                inflight [i]--;
                total_inflight--;
                acks++;
            }
            if (conns [i]->err)
                bench_die ("redis-server: %s", conns [i]->errstr);
            last = bench_now_us ();
        }
    }
    double secs = (double) (last - start) / 1e6;
    //  Every ack is an entry: the count is Redis's, not only ours.
    long long stored = s_xlen (admin);
    if (stored != (long long) acks + k)
        bench_die ("the stream has %lld entries, %llu were acknowledged", stored,
                   (unsigned long long) acks + (unsigned long long) k);
    //  Redis keeps every entry in memory too: what that costs.
    double rewrites = s_info_field (admin, "persistence", "aof_rewrites");
    double rss = s_info_field (admin, "memory", "used_memory_rss");
    BENCH_OUT ("rate=%.1f acks=%llu seconds=%.3f aof_rewrites=%.0f rss_mb=%.1f version=%s",
               (double) acks / secs, (unsigned long long) acks, secs, rewrites, rss / 1048576.0,
               s_version);
    for (int i = 0; i < k; i++)
        redisFree (conns [i]);
    free (conns);
    free (fds);
    free (inflight);
    free (cmd);
    free (value);
}

//  --------------------------------------------------------------------------
//  Latency: one XADD in flight

static void
s_latency (redisContext *c, int n, size_t size)
{
    char *value = bench_filler (size);
    double *samples = calloc ((size_t) n, sizeof (double));
    double sum = 0;
    const char *argv [] = { "XADD", S_KEY, "*", "f", value };
    size_t argvlen [] = { 4, strlen (S_KEY), 1, 1, size };
    for (int i = -50; i < n; i++) {
        int64_t t0 = bench_now_us ();
        redisReply *r = redisCommandArgv (c, 5, argv, argvlen);
        int64_t us = bench_now_us () - t0;
        freeReplyObject (s_expect (c, r, REDIS_REPLY_STRING, "XADD"));
        if (i >= 0) {
            samples [i] = (double) us;
            sum += (double) us;
        }
    }
    double p50 = bench_percentile (samples, (size_t) n, 50);
    double p99 = bench_percentile (samples, (size_t) n, 99);
    BENCH_OUT ("p50_us=%.0f p99_us=%.0f mean_us=%.1f n=%d version=%s", p50, p99, sum / n, n,
               s_version);
    free (samples);
    free (value);
}

//  --------------------------------------------------------------------------
//  History: XRANGE of the whole stream

//  Reads exactly `size` bytes from a blocking socket (its 30 s timeout holds).
static void
s_read_exact (int fd, char *buf, size_t size)
{
    for (size_t got = 0; got < size; ) {
        ssize_t n = read (fd, buf + got, size - got);
        if (n <= 0)
            bench_die ("XRANGE: reply cut after %zu of %zu bytes", got, size);
        got += (size_t) n;
    }
}

static void
s_history (redisContext *c, int entries, size_t size, int reps)
{
    //  Untimed: the stream, pipelined in runs of 1,000, each value distinct.
    char *value = bench_filler (size);
    for (int i = 0; i < entries; ) {
        int run = 0;
        for (; run < 1000 && i < entries; run++, i++) {
            char tag [32];
            int len = snprintf (tag, sizeof (tag), "%d ", i);
            memcpy (value, tag, (size_t) len < size ? (size_t) len : size);
            size_t cmd_len;
            char *cmd = s_format_xadd (value, size, &cmd_len);
            redisAppendFormattedCommand (c, cmd, cmd_len);
            free (cmd);
        }
        while (run-- > 0) {
            void *reply = NULL;
            redisGetReply (c, &reply);
            freeReplyObject (s_expect (c, reply, REDIS_REPLY_STRING, "XADD"));
        }
    }
    if (s_xlen (c) != entries)
        bench_die ("the stream does not have %d entries", entries);
    //  The request goes straight onto hiredis's socket (its buffers are empty
    //  between commands), so that the timed part is the transfer only.
    static const char xrange [] = "*4\r\n$6\r\nXRANGE\r\n$2\r\n" S_KEY "\r\n$1\r\n-\r\n$1\r\n+\r\n";
    size_t cap = 1 << 20, bytes = 0;
    char *buf = malloc (cap);
    //  Untimed: one reply read piece by piece until it parses, for its size.
    if (write (c->fd, xrange, sizeof (xrange) - 1) != (ssize_t) sizeof (xrange) - 1)
        bench_die ("XRANGE: write: %s", strerror (errno));
    redisReader *reader = redisReaderCreate ();
    void *reply = NULL;
    while (!reply) {
        if (bytes == cap)
            buf = realloc (buf, cap *= 2);
        ssize_t n = read (c->fd, buf + bytes, cap - bytes);
        if (n <= 0)
            bench_die ("XRANGE: no whole reply");
        redisReaderFeed (reader, buf + bytes, (size_t) n);
        bytes += (size_t) n;
        if (redisReaderGetReply (reader, &reply) != REDIS_OK)
            bench_die ("XRANGE: the reply does not parse");
    }
    if (((redisReply *) reply)->type != REDIS_REPLY_ARRAY
    ||  ((redisReply *) reply)->elements != (size_t) entries)
        bench_die ("XRANGE: not an array of %d entries", entries);
    freeReplyObject (reply);
    redisReaderFree (reader);
    double *ms = calloc ((size_t) reps, sizeof (double));
    double parse_ms = 0;
    for (int r = 0; r < reps; r++) {
        int64_t t0 = bench_now_us ();
        if (write (c->fd, xrange, sizeof (xrange) - 1) != (ssize_t) sizeof (xrange) - 1)
            bench_die ("XRANGE: write: %s", strerror (errno));
        s_read_exact (c->fd, buf, bytes);
        int64_t t1 = bench_now_us ();
        ms [r] = (double) (t1 - t0) / 1000.0;
        //  Not timed: the bytes must be one whole reply of every entry.
        reader = redisReaderCreate ();
        redisReaderFeed (reader, buf, bytes);
        reply = NULL;
        if (redisReaderGetReply (reader, &reply) != REDIS_OK || !reply
        ||  ((redisReply *) reply)->elements != (size_t) entries)
            bench_die ("XRANGE: repetition %d is not the same reply", r);
        parse_ms = (double) (bench_now_us () - t1) / 1000.0;
        freeReplyObject (reply);
        redisReaderFree (reader);
    }
    //  Redis's own time in the command (building the reply, not sending it).
    double server_us = NAN;
    redisReply *stats = s_expect (c, redisCommand (c, "INFO commandstats"), REDIS_REPLY_STRING, "INFO");
    const char *p = strstr (stats->str, "cmdstat_xrange:");
    if (p && (p = strstr (p, "usec_per_call=")))
        server_us = atof (p + 14);
    freeReplyObject (stats);
    double median = bench_median (ms, (size_t) reps);
    BENCH_OUT ("median_ms=%.3f min_ms=%.3f bytes=%zu entries=%d command_ms=%.3f parse_ms=%.2f "
               "version=%s", median, ms [0], bytes, entries, server_us / 1000.0, parse_ms, s_version);
    free (ms);
    free (buf);
    free (value);
}

int
main (int argc, char *argv [])
{
    const char *mode = NULL, *server = "redis-server";
    int k = 8, window = 128, n = 1000, entries = 10000, reps = 15;
    double seconds = 5;
    size_t size = 200;
    static struct option options [] = {
        { "mode", required_argument, NULL, 'm' }, { "server", required_argument, NULL, 'S' },
        { "k", required_argument, NULL, 'k' }, { "window", required_argument, NULL, 'w' },
        { "seconds", required_argument, NULL, 's' }, { "size", required_argument, NULL, 'z' },
        { "n", required_argument, NULL, 'n' }, { "entries", required_argument, NULL, 'e' },
        { "reps", required_argument, NULL, 'r' }, { NULL, 0, NULL, 0 }
    };
    int c;
    while ((c = getopt_long (argc, argv, "", options, NULL)) != -1)
        switch (c) {
            case 'm': mode = optarg; break;
            case 'S': server = optarg; break;
            case 'k': k = atoi (optarg); break;
            case 'w': window = atoi (optarg); break;
            case 's': seconds = atof (optarg); break;
            case 'z': size = (size_t) atol (optarg); break;
            case 'n': n = atoi (optarg); break;
            case 'e': entries = atoi (optarg); break;
            case 'r': reps = atoi (optarg); break;
            default: return 2;
        }
    if (!mode || (strcmp (mode, "accept") && strcmp (mode, "latency") && strcmp (mode, "history"))
    ||  k < 1 || window < 1 || n < 1 || entries < 1 || reps < 1 || size < 1) {
        fprintf (stderr, "usage: peer_redis --mode accept|latency|history [--k 8 --window 128 "
                         "--seconds 5] [--n 1000] [--entries 10000 --reps 15] [--size N] "
                         "[--server redis-server]\n");
        return 2;
    }
    atexit (s_kill_server);
    signal (SIGINT, s_on_signal);
    signal (SIGTERM, s_on_signal);
    signal (SIGHUP, s_on_signal);
    signal (SIGPIPE, SIG_IGN);
    int port;
    redisContext *admin = s_start (server, &port);
    s_check_config (admin);
    if (strcmp (mode, "accept") == 0)
        s_accept (port, admin, k, window, seconds, size);
    else
    if (strcmp (mode, "latency") == 0)
        s_latency (admin, n, size);
    else
        s_history (admin, entries, size, reps);
    redisFree (admin);
    s_stop ();
    return 0;
}
