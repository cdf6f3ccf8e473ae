/*  =========================================================================
    cbbench - catchball's benchmarks, each against a raw baseline
    (and some against a peer: Redis)

    Starts the real catchballd on a temporary store on the real disk and a
    free loopback port, drives it with raw DEALER sockets speaking the
    protocol (proto/PROTOCOL.md, encoded with cb_codec), then runs the raw
    baseline program (raw_*.c, libzmq and LMDB only) with the same message
    sizes, and prints both figures and their ratio. Benchmarks 1, 2 and 4
    also run peer_redis: Redis with a synced append-only file, the server a
    team might build on instead, driven with the same shapes (rows "vs
    Redis", for reference, no target). Writes the same figures to a JSON
    file. See README.md.

        cbbench --catchballd ../build/catchballd [--out results.json] [--only 1,3]

    Scale (environment): BENCH_K (8), BENCH_WINDOW (128), BENCH_SECONDS (5),
    BENCH_LAT_N (1000), BENCH_FANOUT (1000), BENCH_REPS (15),
    BENCH_HISTORY (10000), BENCH_NODES (10000), BENCH_LOG (1000000),
    BENCH_TMP (/tmp), BENCH_KEEP (keep temporary stores),
    BENCH_WEB_SESSIONS (200), BENCH_WEB_N (50), BENCH_WEB_LIVE (1: each
    session also holds its live page open).
    Benchmark 7 (web_sessions.c) runs catchball-web from the build that
    catchballd is in, against the same requests from libcatchball.
    =========================================================================
*/
#include "common.h"

#include <czmq.h>
#include <signal.h>
#include <getopt.h>
#include <libgen.h>
#include <math.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "catchball/cb_codec.h"
#include "catchball/cb_value.h"
#include "store.h"
#include "web_sessions.h"

//  --------------------------------------------------------------------------
//  Settings and results

static const char *s_broker_bin = "../build/catchballd";
static char s_bindir [4096];
static void *s_ctx;
static uint64_t s_mid;
static pid_t s_broker_pid;     //  The running catchballd, killed if we die

static int
s_env_int (const char *name, int dflt)
{
    const char *v = getenv (name);
    return v && *v ? atoi (v) : dflt;
}

typedef struct {
    int bench;
    char name [64];
    char metric [64];
    char unit [16];
    double ours, raw, ratio;    //  ratio = ours / raw
    char against [16];          //  what `raw` is: "raw" (a baseline) or "redis" (the peer)
    char target [64];
    int met;                    //  1 met, 0 missed, -1 no target
    char note [256];
} s_row_t;

static s_row_t s_rows [64];
static int s_nrows;

static s_row_t *
s_row (int bench, const char *name, const char *metric, const char *unit, double ours,
       double raw, const char *target, int met)
{
    s_row_t *r = &s_rows [s_nrows++];
    memset (r, 0, sizeof (*r));
    r->bench = bench;
    snprintf (r->name, sizeof (r->name), "%s", name);
    snprintf (r->metric, sizeof (r->metric), "%s", metric);
    snprintf (r->unit, sizeof (r->unit), "%s", unit);
    r->ours = ours;
    r->raw = raw;
    r->ratio = raw > 0 && !isnan (raw) ? ours / raw : NAN;
    snprintf (r->against, sizeof (r->against), "raw");
    snprintf (r->target, sizeof (r->target), "%s", target ? target : "");
    r->met = met;
    return r;
}

//  Runs a program from the directory of this binary; returns its last
//  `key=value` line, or NULL if it failed.
static char *
s_run (const char *label, const char *args)
{
    char cmd [8192];
    snprintf (cmd, sizeof (cmd), "%s/%s", s_bindir, args);
    printf ("   %s: %s\n", label, args);
    fflush (stdout);
    sync ();
    FILE *p = popen (cmd, "r");
    if (!p)
        bench_die ("cannot run %s", cmd);
    static char line [4096];
    line [0] = 0;
    char buf [4096];
    while (fgets (buf, sizeof (buf), p))
        if (strchr (buf, '='))
            snprintf (line, sizeof (line), "%s", buf);
    return pclose (p) != 0 || !line [0] ? NULL : line;
}

//  Runs a raw baseline; dies if it fails.
static char *
s_raw (const char *fmt, ...)
{
    char args [2048];
    va_list ap;
    va_start (ap, fmt);
    vsnprintf (args, sizeof (args), fmt, ap);
    va_end (ap);
    char *line = s_run ("raw", args);
    if (!line)
        bench_die ("baseline failed: %s/%s", s_bindir, args);
    return line;
}

//  Whether `name` is an executable on PATH.
static bool
s_on_path (const char *name)
{
    const char *path = getenv ("PATH");
    char dir [4096];
    while (path && *path) {
        size_t len = strcspn (path, ":");
        snprintf (dir, sizeof (dir), "%.*s/%s", (int) len, path, name);
        if (len && access (dir, X_OK) == 0)
            return true;
        path += len + (path [len] == ':');
    }
    return false;
}

//  Runs peer_redis (the Redis peer). The peer is for reference only: when
//  it is not there or fails, returns NULL and says why in `why`, and the
//  benchmark goes on with its Redis rows empty.
static char *
s_peer (char *why, size_t why_len, const char *fmt, ...)
{
    char args [2048], bin [sizeof (s_bindir) + 16];
    va_list ap;
    va_start (ap, fmt);
    vsnprintf (args, sizeof (args), fmt, ap);
    va_end (ap);
    snprintf (bin, sizeof (bin), "%s/peer_redis", s_bindir);
    char *line = NULL;
    if (access (bin, X_OK))
        snprintf (why, why_len, "Redis: not measured, peer_redis not built (no libhiredis-dev: sh .ci/deps.sh bench)");
    else
    if (!s_on_path ("redis-server"))
        snprintf (why, why_len, "Redis: not measured, no redis-server on PATH (sh .ci/deps.sh bench)");
    else
    if (!(line = s_run ("peer", args)))
        snprintf (why, why_len, "Redis: not measured, peer_redis failed (its message is above)");
    if (!line)
        printf ("   %s\n", why);
    return line;
}

//  A peer row: catchballd against Redis (NAN when Redis was not measured).
static s_row_t *
s_peer_row (int bench, const char *name, const char *metric, const char *unit, double ours,
            double redis, const char *why)
{
    s_row_t *r = s_row (bench, name, metric, unit, ours, redis, NULL, -1);
    snprintf (r->against, sizeof (r->against), "redis");
    if (why && *why)
        snprintf (r->note, sizeof (r->note), "%s", why);
    return r;
}

//  A string value from a `key=value` line, e.g. version=7.0.15.
static const char *
s_field_str (const char *line, const char *key, char *buf, size_t len)
{
    size_t klen = strlen (key);
    snprintf (buf, len, "?");
    for (const char *p = line; p && (p = strstr (p, key)); p += klen)
        if ((p == line || p [-1] == ' ') && p [klen] == '=') {
            snprintf (buf, len, "%.*s", (int) strcspn (p + klen + 1, " \n"), p + klen + 1);
            break;
        }
    return buf;
}

static void
s_kill_broker (void)
{
    if (s_broker_pid > 0)
        kill (s_broker_pid, SIGKILL);
}

//  --------------------------------------------------------------------------
//  Speaking the protocol on raw DEALERs

static void *
s_encode_req (const char *type, const char *mid, cb_value_t **body_p, size_t *size)
{
    cb_value_t *msg = cb_value_new_map ();
    cb_value_set_int (msg, "cb", 1);
    cb_value_set_str (msg, "type", type);
    cb_value_set_str (msg, "mid", mid);
    if (body_p && *body_p)
        cb_value_set (msg, "body", body_p);
    void *data = cb_codec_encode (msg, size);
    cb_value_destroy (&msg);
    return data;
}

static const char *
s_next_mid (char *buf, size_t len)
{
    snprintf (buf, len, "b%d-%llu", (int) getpid (), (unsigned long long) ++s_mid);
    return buf;
}

//  The content of a draft: about 200 bytes, varying with i.
static cb_value_t *
s_content (int i, bool cycle)
{
    cb_value_t *content = cb_value_new_map ();
    if (cycle)
        cb_value_set_str (content, "cycle", "2027-Q1");
    char text [160];
    snprintf (text, sizeof (text),
              "Make onboarding so good that new customers succeed in their first week (%d)", i);
    cb_value_set_str (content, "objective", text);
    cb_value_t *krs = cb_value_new_array ();
    cb_value_t *kr = cb_value_new_map ();
    cb_value_set_str (kr, "text", "Activation rate of new accounts within seven days of signing up");
    cb_value_set_int (kr, "baseline", 40);
    cb_value_set_int (kr, "target", 50 + i % 1000);
    cb_value_set_str (kr, "unit", "%");
    cb_value_push (krs, &kr);
    cb_value_set (content, "key_results", &krs);
    return content;
}

//  The encoded size of a draft's content: the size of the field the Redis
//  peer stores in each XADD, so that both servers keep the same payload.
static size_t
s_content_size (void)
{
    cb_value_t *content = s_content (0, true);
    size_t size;
    void *data = cb_codec_encode (content, &size);
    free (data);
    cb_value_destroy (&content);
    return size;
}

//  Waits for the reply to `mid` (other messages are skipped); dies on an
//  error reply or a timeout. Returns the decoded reply; its size in *size.
static cb_value_t *
s_wait_reply (void *sock, const char *mid, size_t *size, int timeout_ms)
{
    int64_t deadline = bench_now_us () + (int64_t) timeout_ms * 1000;
    while (1) {
        int64_t left = (deadline - bench_now_us ()) / 1000;
        void *data;
        size_t sz;
        if (left <= 0 || bench_recv (sock, &data, &sz, (int) left) < 0)
            bench_die ("no reply to %s within %d ms", mid, timeout_ms);
        cb_value_t *msg = cb_codec_decode (data, sz, NULL, 0);
        free (data);
        const char *m = cb_value_get_str (msg, "mid");
        if (m && streq (m, mid)) {
            if (!streq (cb_value_get_str_or (msg, "type", ""), "ok"))
                bench_die ("%s: %s %s", mid, cb_value_get_str_or (msg, "name", "?"),
                           cb_value_get_str_or (msg, "message", "?"));
            if (size)
                *size = sz;
            return msg;
        }
        cb_value_destroy (&msg);
    }
}

//  One request, waiting for its reply (returned; sizes optional).
static cb_value_t *
s_call (void *sock, const char *type, cb_value_t *body, size_t *req_size, size_t *rep_size)
{
    char mid [64];
    size_t size;
    void *data = s_encode_req (type, s_next_mid (mid, sizeof (mid)), &body, &size);
    zmq_send (sock, data, size, 0);
    free (data);
    if (req_size)
        *req_size = size;
    return s_wait_reply (sock, mid, rep_size, 30000);
}

static void
s_hello (void *sock, const char *node, const char *role, size_t *req_size, size_t *rep_size)
{
    cb_value_t *body = cb_value_new_map ();
    cb_value_set_str (body, "node", node);
    cb_value_set_str (body, "role", role);
    cb_value_t *reply = s_call (sock, "hello", body, req_size, rep_size);
    cb_value_destroy (&reply);
}

static void
s_start (bench_broker_t *broker, const char *tag, const char *const *extra)
{
    char *dir = bench_mkdtemp (tag);
    sync ();            //  Earlier benchmarks' writeback must not slow this one's syncs
    bench_broker_start (broker, s_broker_bin, dir, extra);
    s_broker_pid = broker->pid;
    free (dir);
}

static void
s_finish (bench_broker_t *broker)
{
    bench_broker_stop (broker);
    bench_rmdir (broker->tmpdir);
    free (broker->tmpdir);
    free (broker->store);
}

//  Pipelined requests on several DEALERs, `window` in flight on each, for
//  `seconds`: `make` builds request i of socket k. Returns replies/second.
typedef void *(s_make_fn) (int k, uint64_t i, const char *mid, size_t *size);

static double
s_pipeline (void **socks, int k, int window, double seconds, uint64_t limit, s_make_fn *make,
            uint64_t *replies_p, double *secs_p)
{
    int *inflight = calloc ((size_t) k, sizeof (int));
    uint64_t *sent = calloc ((size_t) k, sizeof (uint64_t));
    zmq_pollitem_t *items = calloc ((size_t) k, sizeof (zmq_pollitem_t));
    for (int i = 0; i < k; i++)
        items [i] = (zmq_pollitem_t) { socks [i], 0, ZMQ_POLLIN, 0 };
    int64_t start = bench_now_us (), stop = start + (int64_t) (seconds * 1e6), last = start;
    uint64_t replies = 0, total_sent = 0;
    int total_inflight = 0;
    bool sending = true;
    while (sending || total_inflight > 0) {
        int64_t now = bench_now_us ();
        if (sending && (now >= stop || (limit && total_sent >= limit)))
            sending = false;
        if (!sending && now > stop + 30000000)
            bench_die ("%d replies never came", total_inflight);
        for (int i = 0; sending && i < k; i++)
            while (inflight [i] < window && (!limit || total_sent < limit)) {
                char mid [64];
                snprintf (mid, sizeof (mid), "p%d-%llu", i, (unsigned long long) ++sent [i]);
                size_t size;
                void *data = make (i, sent [i], mid, &size);
                zmq_send (socks [i], data, size, 0);
                free (data);
                inflight [i]++;
                total_inflight++;
                total_sent++;
            }
        if (zmq_poll (items, k, 100) <= 0)
            continue;
        for (int i = 0; i < k; i++)
            if (items [i].revents & ZMQ_POLLIN) {
                zmq_msg_t msg;
                zmq_msg_init (&msg);
                while (zmq_msg_recv (&msg, socks [i], ZMQ_DONTWAIT) >= 0) {
                    //  {"cb":1,"type":"ok"...: the 4th key byte run tells ok from error.
                    const char *d = (const char *) zmq_msg_data (&msg);
                    if (zmq_msg_size (&msg) > 12 && memcmp (d + 1, "\xa2" "cb\x01\xa4type\xa2ok", 12))
                        bench_die ("a pipelined request was refused: %.*s",
                                   (int) zmq_msg_size (&msg), d);
                    inflight [i]--;
                    total_inflight--;
                    replies++;
                }
                zmq_msg_close (&msg);
                last = bench_now_us ();
            }
    }
    free (inflight);
    free (sent);
    free (items);
    double secs = (double) (last - start) / 1e6;
    if (replies_p)
        *replies_p = replies;
    if (secs_p)
        *secs_p = secs;
    return (double) replies / secs;
}

//  --------------------------------------------------------------------------
//  1. Durable acceptance

static void *
s_make_draft_new (int k, uint64_t i, const char *mid, size_t *size)
{
    cb_value_t *body = cb_value_new_map ();
    cb_value_t *content = s_content ((int) i, true);
    cb_value_set (body, "content", &content);
    return s_encode_req ("draft.new", mid, &body, size);
}

static void
s_bench_acceptance (void)
{
    int k = s_env_int ("BENCH_K", 8), window = s_env_int ("BENCH_WINDOW", 128);
    double seconds = s_env_int ("BENCH_SECONDS", 5);
    printf ("1. durable acceptance: %d nodes, %d in flight each, draft.new for %.0f s\n",
            k, window, seconds);
    bench_broker_t broker;
    s_start (&broker, "accept", NULL);
    void **socks = bench_dealers (s_ctx, broker.endpoint, k);
    size_t req_size = 0, rep_size = 0;
    for (int i = 0; i < k; i++) {
        char node [32];
        snprintf (node, sizeof (node), "lead-%d", i);
        s_hello (socks [i], node, "leadership", NULL, NULL);
    }
    //  One untimed request for the sizes.
    cb_value_t *body = cb_value_new_map ();
    cb_value_t *content = s_content (0, true);
    cb_value_set (body, "content", &content);
    cb_value_t *reply = s_call (socks [0], "draft.new", body, &req_size, &rep_size);
    cb_value_destroy (&reply);
    uint64_t replies;
    double secs;
    double ours = s_pipeline (socks, k, window, seconds, 0, s_make_draft_new, &replies, &secs);
    for (int i = 0; i < k; i++)
        zmq_close (socks [i]);
    free (socks);
    FILE *f = fopen (broker.log, "r");
    char line [512], last [512] = "";
    s_finish (&broker);
    (void) f;
    if (f) {
        while (fgets (line, sizeof (line), f))
            if (strstr (line, "stopping"))
                snprintf (last, sizeof (last), "%s", line);
        fclose (f);
    }
    printf ("   catchballd: %.0f acks/s (%llu in %.2f s); request %zu B, reply %zu B\n",
            ours, (unsigned long long) replies, secs, req_size, rep_size);
    if (last [0])
        printf ("   %s", strstr (last, "catchballd") ? strstr (last, "catchballd") : last);
    char *line_raw = s_raw ("raw_pipeline --k %d --window %d --seconds %g --req %zu --rep %zu",
                            k, window, seconds, req_size, rep_size);
    double raw = bench_field (line_raw, "rate");
    char *dir = bench_mkdtemp ("rawdurable");
    char *line_dur = s_raw ("raw_pipeline --k %d --window %d --seconds %g --req %zu --rep %zu --durable %s",
                            k, window, seconds, req_size, rep_size, dir);
    double durable = bench_field (line_dur, "rate");
    bench_rmdir (dir);
    free (dir);
    s_row_t *r = s_row (1, "acceptance", "acks/s (durable)", "1/s", ours, raw, ">= 0.5x raw",
                        ours >= 0.5 * raw);
    snprintf (r->note, sizeof (r->note), "request %zu B, reply %zu B, %d nodes x %d in flight",
              req_size, rep_size, k, window);
    s_row (1, "acceptance", "vs raw group commit", "1/s", ours, durable, NULL, -1);
    //  The peer: the same pipeline of XADDs, each acknowledged after fsync.
    char why [256] = "", version [32];
    size_t field = s_content_size ();
    char *line_peer = s_peer (why, sizeof (why),
                              "peer_redis --mode accept --k %d --window %d --seconds %g --size %zu",
                              k, window, seconds, field);
    double redis = line_peer ? bench_field (line_peer, "rate") : NAN;
    r = s_peer_row (1, "acceptance", "vs Redis XADD, AOF always", "1/s", ours, redis, why);
    if (line_peer) {
        s_field_str (line_peer, "version", version, sizeof (version));
        printf ("   redis: %.0f synced XADDs/s (%.0f in %.2f s; %.0f AOF rewrites during the run; "
                "resident %.0f MB at the end)\n", redis, bench_field (line_peer, "acks"),
                bench_field (line_peer, "seconds"), bench_field (line_peer, "aof_rewrites"),
                bench_field (line_peer, "rss_mb"));
        snprintf (r->note, sizeof (r->note), "Redis %s, appendfsync always; XADD of a %zu B field, "
                  "%d clients x %d in flight; %.0f AOF rewrites in the run; Redis resident %.0f MB",
                  version, field, k, window, bench_field (line_peer, "aof_rewrites"),
                  bench_field (line_peer, "rss_mb"));
    }
}

//  --------------------------------------------------------------------------
//  2. Latency, one request in flight

static void
s_bench_latency (void)
{
    int n = s_env_int ("BENCH_LAT_N", 1000);
    printf ("2. latency: %d draft.new, one in flight\n", n);
    bench_broker_t broker;
    s_start (&broker, "latency", NULL);
    void **socks = bench_dealers (s_ctx, broker.endpoint, 1);
    s_hello (socks [0], "lead", "leadership", NULL, NULL);
    double *samples = calloc ((size_t) n, sizeof (double));
    size_t req_size = 0, rep_size = 0;
    double sum = 0;
    for (int i = -50; i < n; i++) {
        cb_value_t *body = cb_value_new_map ();
        cb_value_t *content = s_content (i + 50, true);
        cb_value_set (body, "content", &content);
        int64_t t0 = bench_now_us ();
        cb_value_t *reply = s_call (socks [0], "draft.new", body, &req_size, &rep_size);
        int64_t us = bench_now_us () - t0;
        cb_value_destroy (&reply);
        if (i >= 0) {
            samples [i] = (double) us;
            sum += (double) us;
        }
    }
    zmq_close (socks [0]);
    free (socks);
    s_finish (&broker);
    double p50 = bench_percentile (samples, (size_t) n, 50);
    double p99 = bench_percentile (samples, (size_t) n, 99);
    printf ("   catchballd: p50 %.0f us, p99 %.0f us, mean %.0f us\n", p50, p99, sum / n);
    char *dir = bench_mkdtemp ("rawcommit");
    char *line = s_raw ("raw_rtt --n %d --req %zu --rep %zu --commit %s", n, req_size, rep_size, dir);
    double raw50 = bench_field (line, "p50_us"), raw99 = bench_field (line, "p99_us");
    double commit50 = bench_field (line, "commit_p50_us");
    bench_rmdir (dir);
    free (dir);
    line = s_raw ("raw_rtt --n %d --req %zu --rep %zu", n, req_size, rep_size);
    double rtt50 = bench_field (line, "p50_us");
    s_row_t *r = s_row (2, "latency", "p50 change acked", "us", p50, raw50,
                        "<= 1.2x raw rtt+commit", p50 <= 1.2 * raw50);
    snprintf (r->note, sizeof (r->note), "raw round trip alone p50 %.0f us; raw synced commit p50 %.0f us",
              rtt50, commit50);
    s_row (2, "latency", "p99 change acked", "us", p99, raw99, NULL, -1);
    //  The peer: one XADD in flight, acknowledged after fsync.
    char why [256] = "", version [32];
    size_t field = s_content_size ();
    line = s_peer (why, sizeof (why), "peer_redis --mode latency --n %d --size %zu", n, field);
    double redis50 = line ? bench_field (line, "p50_us") : NAN;
    double redis99 = line ? bench_field (line, "p99_us") : NAN;
    r = s_peer_row (2, "latency", "p50 vs Redis XADD", "us", p50, redis50, why);
    if (line) {
        printf ("   redis: p50 %.0f us, p99 %.0f us, mean %.0f us\n", redis50, redis99,
                bench_field (line, "mean_us"));
        snprintf (r->note, sizeof (r->note), "Redis %s, appendfsync always; XADD of a %zu B field, "
                  "one in flight", s_field_str (line, "version", version, sizeof (version)), field);
    }
    s_peer_row (2, "latency", "p99 vs Redis XADD", "us", p99, redis99, why);
    free (samples);
}

//  --------------------------------------------------------------------------
//  3. Fan-out

static void
s_bench_fanout (void)
{
    int nodes = s_env_int ("BENCH_FANOUT", 1000), reps = s_env_int ("BENCH_REPS", 15);
    int per = 100;      //  CB_MAX_RECIPIENTS: a throw names 1 to 100 nodes
    int throws = (nodes + per - 1) / per;
    printf ("3. fan-out: %d team nodes, %d throws of up to %d (the protocol's limit per throw)\n",
            nodes, throws, per);
    bench_raise_nofile ();
    bench_broker_t broker;
    s_start (&broker, "fanout", NULL);
    void **teams = bench_dealers (s_ctx, broker.endpoint, nodes);
    void **lead = bench_dealers (s_ctx, broker.endpoint, 1);
    s_hello (lead [0], "lead", "leadership", NULL, NULL);
    char (*mids) [64] = calloc ((size_t) nodes, 64);
    for (int i = 0; i < nodes; i++) {
        cb_value_t *body = cb_value_new_map ();
        char node [32];
        snprintf (node, sizeof (node), "team-%d", i);
        cb_value_set_str (body, "node", node);
        cb_value_set_str (body, "role", "team");
        size_t size;
        void *data = s_encode_req ("hello", s_next_mid (mids [i], 64), &body, &size);
        zmq_send (teams [i], data, size, 0);
        free (data);
    }
    for (int i = 0; i < nodes; i++) {
        cb_value_t *reply = s_wait_reply (teams [i], mids [i], NULL, 30000);
        cb_value_destroy (&reply);
    }
    zmq_pollitem_t *items = calloc ((size_t) nodes, sizeof (zmq_pollitem_t));
    int *index = calloc ((size_t) nodes, sizeof (int));
    bool *got = calloc ((size_t) nodes, sizeof (bool));
    double *ms = calloc ((size_t) reps, sizeof (double));
    size_t deliver_size = 0;
    int draft = 0;
    for (int r = 0; r < reps; r++) {
        //  Untimed: the drafts to throw.
        int first = draft + 1;
        for (int t = 0; t < throws; t++) {
            cb_value_t *body = cb_value_new_map ();
            cb_value_t *content = s_content (t, true);
            cb_value_set (body, "content", &content);
            cb_value_t *reply = s_call (lead [0], "draft.new", body, NULL, NULL);
            cb_value_destroy (&reply);
            draft++;
        }
        //  Timed: the throws, until every team has its round.thrown.
        memset (got, 0, (size_t) nodes * sizeof (bool));
        int left = nodes;
        int64_t t0 = bench_now_us ();
        for (int t = 0; t < throws; t++) {
            cb_value_t *body = cb_value_new_map ();
            char id [16];
            snprintf (id, sizeof (id), "d%d", first + t);
            cb_value_set_str (body, "draft", id);
            cb_value_set_str (body, "question", "Can you commit to this?");
            cb_value_t *to = cb_value_new_array ();
            for (int i = t * per; i < (t + 1) * per && i < nodes; i++) {
                char node [32];
                snprintf (node, sizeof (node), "team-%d", i);
                cb_value_t *name = cb_value_new_str (node);
                cb_value_push (to, &name);
            }
            cb_value_set (body, "to", &to);
            char mid [64];
            size_t size;
            void *data = s_encode_req ("round.throw", s_next_mid (mid, sizeof (mid)), &body, &size);
            zmq_send (lead [0], data, size, 0);
            free (data);
        }
        while (left > 0) {
            int n = 0;
            for (int i = 0; i < nodes; i++)
                if (!got [i]) {
                    items [n] = (zmq_pollitem_t) { teams [i], 0, ZMQ_POLLIN, 0 };
                    index [n++] = i;
                }
            if (zmq_poll (items, n, 30000) <= 0)
                bench_die ("fan-out: %d nodes got nothing", left);
            for (int j = 0; j < n; j++)
                if (items [j].revents & ZMQ_POLLIN) {
                    zmq_msg_t msg;
                    zmq_msg_init (&msg);
                    while (zmq_msg_recv (&msg, teams [index [j]], ZMQ_DONTWAIT) >= 0) {
                        const char *d = (const char *) zmq_msg_data (&msg);
                        size_t sz = zmq_msg_size (&msg);
                        if (sz > 13 && memcmp (d + 1, "\xa2" "cb\x01\xa4type\xa7" "deliver", 17) == 0
                        &&  !got [index [j]]) {
                            got [index [j]] = true;
                            left--;
                            deliver_size = sz;
                        }
                    }
                    zmq_msg_close (&msg);
                }
        }
        ms [r] = (double) (bench_now_us () - t0) / 1000.0;
        //  Drain the lead's replies.
        void *data;
        size_t sz;
        while (bench_recv (lead [0], &data, &sz, 200) >= 0)
            free (data);
    }
    for (int i = 0; i < nodes; i++)
        zmq_close (teams [i]);
    zmq_close (lead [0]);
    free (teams);
    free (lead);
    s_finish (&broker);
    double ours = bench_median (ms, (size_t) reps);
    printf ("   catchballd: median %.1f ms (min %.1f, max %.1f) until all %d have it; delivery %zu B\n",
            ours, ms [0], ms [reps - 1], nodes, deliver_size);
    char *line = s_raw ("raw_fanout --nodes %d --size %zu --reps %d", nodes, deliver_size, reps);
    double raw = bench_field (line, "median_ms");
    s_row_t *r = s_row (3, "fan-out", "all nodes have it", "ms", ours, raw, "<= 1.3x raw",
                        ours <= 1.3 * raw);
    snprintf (r->note, sizeof (r->note), "%d nodes; %d throws of %d (protocol limit 100 per throw); delivery %zu B",
              nodes, throws, per, deliver_size);
    free (mids);
    free (items);
    free (index);
    free (got);
    free (ms);
}

//  --------------------------------------------------------------------------
//  4. History

static void *
s_make_revise (int k, uint64_t i, const char *mid, size_t *size)
{
    cb_value_t *body = cb_value_new_map ();
    cb_value_set_str (body, "draft", "d1");
    cb_value_t *content = s_content ((int) i, false);
    cb_value_set (body, "content", &content);
    char message [64];
    snprintf (message, sizeof (message), "revision %llu", (unsigned long long) i + 1);
    cb_value_set_str (body, "message", message);
    return s_encode_req ("draft.revise", mid, &body, size);
}

//  A broker for benchmark `name`, one DEALER said hello as lead, and one
//  draft d1 of lead's; returns the DEALER sockets (one).
static void **
s_start_with_draft (bench_broker_t *broker, const char *name)
{
    s_start (broker, name, NULL);
    void **socks = bench_dealers (s_ctx, broker->endpoint, 1);
    s_hello (socks [0], "lead", "leadership", NULL, NULL);
    cb_value_t *body = cb_value_new_map ();
    cb_value_t *content = s_content (0, true);
    cb_value_set (body, "content", &content);
    cb_value_t *reply = s_call (socks [0], "draft.new", body, NULL, NULL);
    cb_value_destroy (&reply);
    return socks;
}

static void
s_bench_history (void)
{
    int revs = s_env_int ("BENCH_HISTORY", 10000), reps = s_env_int ("BENCH_REPS", 15);
    printf ("4. history: a draft with %d revisions, draft.history\n", revs);
    bench_broker_t broker;
    void **socks = s_start_with_draft (&broker, "history");
    double build_secs;
    double build_rate = s_pipeline (socks, 1, 128, 3600, (uint64_t) revs - 1, s_make_revise,
                                    NULL, &build_secs);
    printf ("   setup: %d draft.revise in %.1f s (%.0f/s, one node pipelined)\n", revs - 1,
            build_secs, build_rate);
    double *ms = calloc ((size_t) reps, sizeof (double));
    size_t bytes = 0;
    double decode_ms = 0;
    size_t count = 0;
    size_t pages = 0;
    for (int r = -1; r < reps; r++) {
        //  The whole history: every page, each asked for once the one
        //  before it has come (PROTOCOL.md 4.1). Timed: from each request
        //  to its reply, added up; not the client's decode of a page
        //  between them (as before paging, when the one reply's decode
        //  was not timed either).
        char after [64] = "";
        bytes = 0;
        count = 0;
        pages = 0;
        decode_ms = 0;
        int64_t waited = 0;
        do {
            char mid [64];
            cb_value_t *b = cb_value_new_map ();
            cb_value_set_str (b, "draft", "d1");
            if (*after)
                cb_value_set_str (b, "after", after);
            size_t size, got;
            void *data = s_encode_req ("draft.history", s_next_mid (mid, sizeof (mid)), &b, &size);
            int64_t t0 = bench_now_us ();
            zmq_send (socks [0], data, size, 0);
            free (data);
            void *rep;
            if (bench_recv (socks [0], &rep, &got, 60000) < 0)
                bench_die ("draft.history: no reply");
            int64_t t1 = bench_now_us ();
            waited += t1 - t0;
            bytes += got;
            pages++;
            //  The cursor is needed before the next page can be asked for;
            //  the rest of the decode is the client's own business.
            cb_value_t *msg = cb_codec_decode (rep, got, NULL, 0);
            if (!streq (cb_value_get_str_or (msg, "type", ""), "ok"))
                bench_die ("draft.history refused: %s", cb_value_get_str_or (msg, "message", "?"));
            cb_value_t *body = cb_value_get_map (msg, "body");
            count += cb_value_size (cb_value_get_array (body, "revisions"));
            const char *next = cb_value_get_str (body, "next");
            snprintf (after, sizeof (after), "%s", next ? next : "");
            decode_ms += (double) (bench_now_us () - t1) / 1000.0;
            cb_value_destroy (&msg);
            free (rep);
        } while (*after);
        if (r >= 0)
            ms [r] = (double) waited / 1000.0;
    }
    zmq_close (socks [0]);
    free (socks);
    bench_broker_stop (&broker);
    double ours = bench_median (ms, (size_t) reps);
    printf ("   catchballd: median %.1f ms for %zu revisions in %zu pages, %zu B (client "
            "decode %.1f ms, not timed)\n", ours, count, pages, bytes, decode_ms);
    char *line = s_raw ("raw_history --store %s --draft 1 --reps %d", broker.store, reps);
    double raw = bench_field (line, "median_ms");
    s_row_t *r = s_row (4, "history", "whole history at client", "ms", ours, raw, "<= 1.3x raw",
                        ours <= 1.3 * raw);
    double stored = bench_field (line, "bytes");
    snprintf (r->note, sizeof (r->note), "%zu revisions in %zu pages, %zu B; raw sends the %.0f B "
              "of stored history entries", count, pages, bytes, stored);
    s_finish (&broker);
    //  The peer: a stream of as many entries, each the size of a stored
    //  history entry, read whole with XRANGE.
    char why [256] = "", version [32];
    size_t entry = count && !isnan (stored) ? (size_t) (stored / (double) count + 0.5) : 430;
    line = s_peer (why, sizeof (why), "peer_redis --mode history --entries %d --size %zu --reps %d",
                   revs, entry, reps);
    double redis = line ? bench_field (line, "median_ms") : NAN;
    r = s_peer_row (4, "history", "vs Redis XRANGE", "ms", ours, redis, why);
    if (line) {
        printf ("   redis: median %.1f ms for %.0f entries, reply %.0f B (%.1f ms of it in the "
                "command; client parse %.1f ms, not timed)\n", redis, bench_field (line, "entries"),
                bench_field (line, "bytes"), bench_field (line, "command_ms"),
                bench_field (line, "parse_ms"));
        snprintf (r->note, sizeof (r->note), "Redis %s; XRANGE of %.0f entries of %zu B; reply %.0f B",
                  s_field_str (line, "version", version, sizeof (version)),
                  bench_field (line, "entries"), entry, bench_field (line, "bytes"));
    }
    free (ms);
}

//  --------------------------------------------------------------------------
//  5. Scale

static char s_scale_role [16] = "team";

static void *
s_build_hello (int index, size_t *size, void *arg)
{
    cb_value_t *body = cb_value_new_map ();
    char node [32], mid [32];
    snprintf (node, sizeof (node), "node-%d", index);
    snprintf (mid, sizeof (mid), "h%d", index);
    cb_value_set_str (body, "node", node);
    cb_value_set_str (body, "role", s_scale_role);
    return s_encode_req ("hello", mid, &body, size);
}

static pid_t s_measure_pid;
static long s_measure_kb;

static void
s_measure (void *arg)
{
    usleep (200000);
    s_measure_kb = bench_rss_kb (s_measure_pid);
}

static void
s_bench_scale (void)
{
    int nodes = s_env_int ("BENCH_NODES", 10000), procs = 2;
    printf ("5. scale: %d nodes connect and say hello (clients in %d processes)\n", nodes, procs);
    bench_broker_t broker;
    s_start (&broker, "scale", NULL);
    //  Sizes, from one probe node.
    void **probe = bench_dealers (s_ctx, broker.endpoint, 1);
    size_t req_size, rep_size;
    s_hello (probe [0], "node-probe", "team", &req_size, &rep_size);
    zmq_close (probe [0]);
    free (probe);
    usleep (200000);
    long idle = bench_rss_kb (broker.pid);
    s_measure_pid = broker.pid;
    int completed = 0;
    int64_t us = bench_hello_swarm (broker.endpoint, nodes, procs, s_build_hello, NULL,
                                    s_measure, NULL, 60000, &completed);
    long hwm = bench_hwm_kb (broker.pid);
    s_finish (&broker);
    double secs = us < 0 ? NAN : (double) us / 1e6, rss = (double) s_measure_kb / 1024.0;
    if (us < 0)
        printf ("   catchballd: only %d of %d nodes had their hello answered within 60 s; "
                "resident %.1f MB then (idle %.1f MB, peak %.1f MB)\n", completed, nodes, rss,
                (double) idle / 1024.0, (double) hwm / 1024.0);
    else
        printf ("   catchballd: %.2f s; resident %.1f MB with all connected (idle %.1f MB, peak %.1f MB)\n",
                secs, rss, (double) idle / 1024.0, (double) hwm / 1024.0);
    char *line = s_raw ("raw_hello --nodes %d --procs %d --req %zu --rep %zu", nodes, procs,
                        req_size, rep_size);
    double raw_secs = bench_field (line, "seconds"), raw_rss = bench_field (line, "rss_mb");
    s_row_t *r = s_row (5, "scale", "connect + hello", "s", secs, raw_secs, "<= 1.5x raw",
                        us >= 0 && secs <= 1.5 * raw_secs);
    if (us < 0)
        snprintf (r->note, sizeof (r->note), "%d nodes: only %d answered within 60 s; hello %zu B, reply %zu B",
                  nodes, completed, req_size, rep_size);
    else
        snprintf (r->note, sizeof (r->note), "%d nodes; hello %zu B, reply %zu B", nodes, req_size, rep_size);
    r = s_row (5, "scale", "broker resident memory", "MB", rss, raw_rss, "<= 100 MB", rss <= 100);
    snprintf (r->note, sizeof (r->note), "raw column: the raw ROUTER's resident memory; broker idle %.1f MB, peak %.1f MB%s",
              (double) idle / 1024.0, (double) hwm / 1024.0,
              us < 0 ? "; measured with not all answered" : "");
}

//  --------------------------------------------------------------------------
//  6. Event log catch-up

//  Fills the log with copies of entry 1 (as the broker wrote it), sequence
//  renumbered, through the broker's own store code, in big transactions.
//  The meta key is log.c's (S_LAST_KEY).
static void
s_seed_log (const char *store_dir, uint64_t count)
{
    cb_store_t *store = cb_store_new (store_dir, (size_t) 4 << 30, 0);
    if (!store)
        bench_die ("cannot open the store %s", store_dir);
    cb_txn_t *txn = cb_store_begin (store, false);
    const void *data;
    size_t size;
    uint8_t key [8];
    cb_put_u64 (key, 1);
    if (cb_txn_get (txn, CB_T_LOG, key, 8, &data, &size) != 0)
        bench_die ("no log entry 1 to copy");
    cb_value_t *entry = cb_codec_decode (data, size, NULL, 0);
    cb_txn_abort (&txn);
    if (!entry)
        bench_die ("log entry 1 does not decode");
    for (uint64_t seq = 2; seq <= count; ) {
        txn = cb_store_begin (store, true);
        for (int i = 0; i < 50000 && seq <= count; i++, seq++) {
            cb_value_set_int (entry, "seq", (int64_t) seq);
            void *bytes = cb_codec_encode (entry, &size);
            cb_put_u64 (key, seq);
            if (cb_txn_put (txn, CB_T_LOG, key, 8, bytes, size, true))
                bench_die ("seeding the log failed at %llu", (unsigned long long) seq);
            free (bytes);
        }
        cb_put_u64 (key, seq - 1);
        if (cb_txn_put (txn, CB_T_META, "log.seq", 7, key, 8, false)
        ||  cb_txn_commit (&txn) != CB_STORE_OK)
            bench_die ("seeding the log failed");
    }
    cb_value_destroy (&entry);
    cb_store_destroy (&store);
}

static void
s_bench_log (void)
{
    uint64_t count = (uint64_t) s_env_int ("BENCH_LOG", 1000000);
    printf ("6. event log: a subscriber catches up from sequence 1 on %llu entries\n",
            (unsigned long long) count);
    bench_broker_t broker;
    void **socks = s_start_with_draft (&broker, "log");
    zmq_close (socks [0]);
    free (socks);
    bench_broker_stop (&broker);
    int64_t t0 = bench_now_us ();
    s_seed_log (broker.store, count);
    printf ("   setup: %llu entries seeded in %.1f s\n", (unsigned long long) count,
            (double) (bench_now_us () - t0) / 1e6);
    //  Restart on the seeded store, same endpoint.
    char *tmpdir = broker.tmpdir, *store = broker.store;
    const char *extra [] = { "--map-size", "4096", NULL };
    bench_broker_start (&broker, s_broker_bin, tmpdir, extra);
    s_broker_pid = broker.pid;
    free (tmpdir);
    free (store);
    socks = bench_dealers (s_ctx, broker.endpoint, 1);
    s_hello (socks [0], "console", "observer", NULL, NULL);
    char mid [64];
    size_t size;
    cb_value_t *body = cb_value_new_map ();
    cb_value_set_int (body, "from", 1);
    void *data = s_encode_req ("log.subscribe", s_next_mid (mid, sizeof (mid)), &body, &size);
    int64_t start = bench_now_us ();
    zmq_send (socks [0], data, size, 0);
    free (data);
    uint64_t got = 0, bytes = 0, last_seq = 0;
    zmq_msg_t msg;
    zmq_msg_init (&msg);
    zmq_pollitem_t item = { socks [0], 0, ZMQ_POLLIN, 0 };
    while (got < count) {
        if (zmq_poll (&item, 1, 10000) <= 0)
            bench_die ("log: stuck at %llu of %llu", (unsigned long long) got,
                       (unsigned long long) count);
        while (got < count && zmq_msg_recv (&msg, socks [0], ZMQ_DONTWAIT) >= 0) {
            const char *d = (const char *) zmq_msg_data (&msg);
            if (zmq_msg_size (&msg) < 13 || memcmp (d + 1, "\xa2" "cb\x01\xa4type\xa3log", 13))
                continue;       //  a reply
            got++;
            bytes += zmq_msg_size (&msg);
            if (got % 512 == 0) {
                cb_value_t *b = cb_value_new_map ();
                cb_value_set_int (b, "upto", (int64_t) got);
                data = s_encode_req ("log.ack", s_next_mid (mid, sizeof (mid)), &b, &size);
                zmq_send (socks [0], data, size, 0);
                free (data);
            }
            if (got == count) {
                cb_value_t *e = cb_codec_decode (d, zmq_msg_size (&msg), NULL, 0);
                last_seq = (uint64_t) cb_value_get_int_or (e, "seq", 0);
                cb_value_destroy (&e);
            }
        }
    }
    double secs = (double) (bench_now_us () - start) / 1e6;
    zmq_msg_close (&msg);
    zmq_close (socks [0]);
    free (socks);
    bench_broker_stop (&broker);
    if (last_seq != count)
        bench_die ("log: the last entry is %llu, not %llu", (unsigned long long) last_seq,
                   (unsigned long long) count);
    double ours = (double) count / secs;
    printf ("   catchballd: %.0f entries/s (%llu in %.2f s, %.0f B each)\n", ours,
            (unsigned long long) count, secs, (double) bytes / (double) count);
    char *line = s_raw ("raw_log --store %s --count %llu", broker.store, (unsigned long long) count);
    double raw = bench_field (line, "rate");
    s_row_t *r = s_row (6, "event log", "catch-up entries/s", "1/s", ours, raw, ">= 500000/s",
                        ours >= 500000);
    snprintf (r->note, sizeof (r->note), "%llu entries of %.0f B; window 1024, ack every 512",
              (unsigned long long) count, (double) bytes / (double) count);
    s_finish (&broker);
}

//  --------------------------------------------------------------------------
//  7. The web gateway: sessions through catchball-web against libcatchball

static void
s_bench_web (void)
{
    int sessions = s_env_int ("BENCH_WEB_SESSIONS", 200), n = s_env_int ("BENCH_WEB_N", 50);
    bool live = s_env_int ("BENCH_WEB_LIVE", 1) != 0;
    char web [sizeof (s_bindir) + 32], broker_dir [4096];
    snprintf (broker_dir, sizeof (broker_dir), "%s", s_broker_bin);
    //  Where the build puts it (build/web/), or next to catchballd.
    snprintf (web, sizeof (web), "%s/web/catchball-web", dirname (broker_dir));
    if (access (web, X_OK))
        snprintf (web, sizeof (web), "%s/catchball-web", broker_dir);
    printf ("7. web gateway: %d sessions through %s%s, %d round.show each, all at once; "
            "the same from %d libcatchball clients\n", sessions, web,
            live ? " (each with its live page open)" : "", n, sessions);
    if (access (web, X_OK))
        bench_die ("no catchball-web in %s/web (make build)", broker_dir);
    bench_broker_t broker;
    s_start (&broker, "web", NULL);
    bench_web_t f;
    bench_web_sessions (broker.endpoint, web, broker.tmpdir, sessions, n, live, &f);
    s_finish (&broker);
    double per_session = (f.active_kb - f.idle_kb) / sessions;
    printf ("   gateway:      p50 %.0f us, p99 %.0f us, %.0f requests/s; request %zu B, reply %zu B; "
            "%d of %d replies closed the connection\n"
            "   libcatchball: p50 %.0f us, p99 %.0f us, %.0f requests/s\n"
            "   gateway resident: idle %.1f MB, joined %.1f MB, active %.1f MB (peak %.1f MB): "
            "%.0f KB a session\n", f.web_p50, f.web_p99, f.web_rate, f.request_size,
            f.reply_size, f.reconnects, sessions * n, f.lib_p50, f.lib_p99, f.lib_rate,
            f.idle_kb / 1024, f.joined_kb / 1024, f.active_kb / 1024, f.peak_kb / 1024,
            per_session);
    char metric [64];
    snprintf (metric, sizeof (metric), "p50 round.show, %d sessions", sessions);
    s_row_t *r = s_row (7, "web gateway", metric, "us", f.web_p50, f.lib_p50, NULL, -1);
    snprintf (r->against, sizeof (r->against), "libcatchball");
    snprintf (r->note, sizeof (r->note), "%d sessions x %d GET /api/read, keep-alive, one in "
              "flight each%s; against %d cb_clients; %.0f/s through the gateway, %.0f/s from "
              "the library; reply %zu B of JSON", sessions, n,
              live ? ", each with its live page open" : "", sessions, f.web_rate, f.lib_rate,
              f.reply_size);
    snprintf (metric, sizeof (metric), "p99 round.show, %d sessions", sessions);
    r = s_row (7, "web gateway", metric, "us", f.web_p99, f.lib_p99, NULL, -1);
    snprintf (r->against, sizeof (r->against), "libcatchball");
    r = s_row (7, "web gateway", "resident memory a session", "KB", per_session, NAN, NULL, -1);
    snprintf (r->against, sizeof (r->against), "none");
    snprintf (r->note, sizeof (r->note), "(active - idle) / %d: idle %.1f MB, %d joined %.1f MB, "
              "joined with their connections%s open after the load %.1f MB, peak %.1f MB",
              sessions, f.idle_kb / 1024, sessions, f.joined_kb / 1024,
              live ? " and live pages" : "", f.active_kb / 1024, f.peak_kb / 1024);
}

//  --------------------------------------------------------------------------
//  Report

//  A number for JSON: null when it is not one.
static void
s_json_num (char *buf, size_t len, double v)
{
    if (isnan (v) || isinf (v))
        snprintf (buf, len, "null");
    else
        snprintf (buf, len, "%.4f", v);
}

static void
s_report (const char *out)
{
    printf ("\n%-2s %-11s %-26s %14s %14s %8s  %-24s %s\n", "#", "benchmark", "metric",
            "catchballd", "raw / Redis", "ratio", "target", "result");
    for (int i = 0; i < s_nrows; i++) {
        s_row_t *r = &s_rows [i];
        char ours [32], raw [32], ratio [16];
        snprintf (ours, sizeof (ours), "%.4g %s", r->ours, r->unit);
        if (isnan (r->raw))
            snprintf (raw, sizeof (raw), "n/a");
        else
            snprintf (raw, sizeof (raw), "%.4g %s", r->raw, r->unit);
        if (isnan (r->ratio))
            snprintf (ratio, sizeof (ratio), "n/a");
        else
            snprintf (ratio, sizeof (ratio), "%.2fx", r->ratio);
        printf ("%-2d %-11s %-26s %14s %14s %8s  %-24s %s\n", r->bench, r->name, r->metric,
                ours, raw, ratio, r->target [0] ? r->target : "(info)",
                r->met < 0 ? "" : r->met ? "met" : "MISSED");
    }
    FILE *f = fopen (out, "w");
    if (!f)
        bench_die ("cannot write %s", out);
    char date [64];
    time_t now = time (NULL);
    strftime (date, sizeof (date), "%Y-%m-%dT%H:%M:%SZ", gmtime (&now));
    struct utsname u;
    uname (&u);
    double load [3] = { 0 };
    getloadavg (load, 3);
    fprintf (f, "{\n  \"date\": \"%s\",\n  \"machine\": {\"cores\": %ld, \"kernel\": \"%s %s\", "
                "\"load_average_at_end\": %.2f},\n",
             date, sysconf (_SC_NPROCESSORS_ONLN), u.sysname, u.release, load [0]);
    fprintf (f, "  \"results\": [\n");
    for (int i = 0; i < s_nrows; i++) {
        s_row_t *r = &s_rows [i];
        char ours [32], raw [32], ratio [32];
        s_json_num (ours, sizeof (ours), r->ours);
        s_json_num (raw, sizeof (raw), r->raw);
        s_json_num (ratio, sizeof (ratio), r->ratio);
        fprintf (f, "    {\"bench\": %d, \"name\": \"%s\", \"metric\": \"%s\", \"unit\": \"%s\", "
                    "\"catchballd\": %s, \"raw\": %s, \"against\": \"%s\", \"ratio\": %s, "
                    "\"target\": %s%s%s, \"met\": %s, \"note\": \"%s\"}%s\n",
                 r->bench, r->name, r->metric, r->unit, ours, raw, r->against, ratio,
                 r->target [0] ? "\"" : "", r->target [0] ? r->target : "null",
                 r->target [0] ? "\"" : "",
                 r->met < 0 ? "null" : r->met ? "true" : "false", r->note,
                 i + 1 < s_nrows ? "," : "");
    }
    fprintf (f, "  ]\n}\n");
    fclose (f);
    printf ("\nwritten to %s\n", out);
}

int
main (int argc, char *argv [])
{
    const char *out = "results.json", *only = NULL;
    static struct option options [] = {
        { "catchballd", required_argument, NULL, 'b' }, { "out", required_argument, NULL, 'o' },
        { "only", required_argument, NULL, 'n' }, { NULL, 0, NULL, 0 }
    };
    int c;
    while ((c = getopt_long (argc, argv, "", options, NULL)) != -1)
        switch (c) {
            case 'b': s_broker_bin = optarg; break;
            case 'o': out = optarg; break;
            case 'n': only = optarg; break;
            default: return 2;
        }
    if (access (s_broker_bin, X_OK))
        bench_die ("no catchballd at %s (build the project first, or --catchballd PATH)",
                   s_broker_bin);
    char self [4096];
    ssize_t n = readlink ("/proc/self/exe", self, sizeof (self) - 1);
    if (n <= 0)
        bench_die ("readlink /proc/self/exe");
    self [n] = 0;
    snprintf (s_bindir, sizeof (s_bindir), "%s", dirname (self));
    bench_raise_nofile ();
    atexit (s_kill_broker);
    double load [3] = { 0 };
    if (getloadavg (load, 3) > 0 && load [0] > 0.5)
        printf ("note: load average %.2f before starting: other work on this machine skews the figures\n",
                load [0]);
    //  Each benchmark's own context, so that closed sockets do not linger.
    struct { int id; void (*fn) (void); } benches [] = {
        { 1, s_bench_acceptance }, { 2, s_bench_latency }, { 3, s_bench_fanout },
        { 4, s_bench_history }, { 5, s_bench_scale }, { 6, s_bench_log },
        { 7, s_bench_web }
    };
    int64_t t0 = bench_now_us ();
    for (size_t i = 0; i < sizeof (benches) / sizeof (benches [0]); i++) {
        char id [8];
        snprintf (id, sizeof (id), "%d", benches [i].id);
        if (only && !strstr (only, id))
            continue;
        s_ctx = zmq_ctx_new ();
        zmq_ctx_set (s_ctx, ZMQ_MAX_SOCKETS, 20000);
        benches [i].fn ();
        zmq_ctx_term (s_ctx);
        fflush (stdout);
    }
    s_report (out);
    printf ("total %.0f s\n", (double) (bench_now_us () - t0) / 1e6);
    return 0;
}
