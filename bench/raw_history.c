/*  raw_history - baseline for benchmark 4 (history)

    Opens the broker's own store (read-only, the broker stopped) with raw
    LMDB, and serves one request: a cursor scan of every value of the
    `history` table under draft --draft (the same stored entries the broker
    splices into its draft.history reply), concatenated into one frame sent
    over a raw ROUTER to a raw DEALER. Timed from the request until the
    client has the whole frame, --reps times. --table revisions scans the
    revision records instead (the baseline before the broker had a history
    table; its values are a quarter smaller).

    Prints: median_ms=.. min_ms=.. values=.. bytes=..
*/
#include "common.h"

#include <getopt.h>
#include <lmdb.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

static void
s_server (const char *endpoint, const char *store, const char *table, uint32_t draft)
{
    MDB_env *env;
    MDB_txn *txn;
    MDB_dbi dbi;
    if (mdb_env_create (&env) || mdb_env_set_maxdbs (env, 32)
    ||  mdb_env_open (env, store, MDB_RDONLY | MDB_NOTLS, 0600)
    ||  mdb_txn_begin (env, NULL, MDB_RDONLY, &txn) || mdb_dbi_open (txn, table, 0, &dbi))
        bench_die ("cannot open %s read-only", store);
    //  Committed, not aborted: an aborted transaction closes the handle it opened.
    mdb_txn_commit (txn);
    void *ctx = zmq_ctx_new ();
    void *router = zmq_socket (ctx, ZMQ_ROUTER);
    int zero = 0;
    zmq_setsockopt (router, ZMQ_LINGER, &zero, sizeof (zero));
    if (zmq_bind (router, endpoint))
        bench_die ("bind %s", endpoint);
    uint8_t prefix [4] = { (uint8_t) (draft >> 24), (uint8_t) (draft >> 16),
                           (uint8_t) (draft >> 8), (uint8_t) draft };
    zmq_msg_t id, body;
    zmq_msg_init (&id);
    zmq_msg_init (&body);
    size_t cap = 1 << 20;
    char *buf = malloc (cap);
    while (zmq_msg_recv (&id, router, 0) >= 0) {
        zmq_msg_recv (&body, router, 0);
        size_t size = 0;
        uint32_t values = 0;
        MDB_cursor *cur;
        if (mdb_txn_begin (env, NULL, MDB_RDONLY, &txn) || mdb_cursor_open (txn, dbi, &cur))
            bench_die ("read txn");
        MDB_val k = { 4, prefix }, v;
        int rc = mdb_cursor_get (cur, &k, &v, MDB_SET_RANGE);
        while (rc == 0 && k.mv_size >= 4 && memcmp (k.mv_data, prefix, 4) == 0) {
            if (size + v.mv_size > cap) {
                while (size + v.mv_size > cap)
                    cap *= 2;
                buf = realloc (buf, cap);
            }
            memcpy (buf + size, v.mv_data, v.mv_size);
            size += v.mv_size;
            values++;
            rc = mdb_cursor_get (cur, &k, &v, MDB_NEXT);
        }
        mdb_cursor_close (cur);
        mdb_txn_abort (txn);
        //  The count first, then the values: one frame, as the broker's reply.
        zmq_msg_send (&id, router, ZMQ_SNDMORE);
        zmq_msg_t out;
        zmq_msg_init_size (&out, size + 4);
        memcpy (zmq_msg_data (&out), &values, 4);
        memcpy ((char *) zmq_msg_data (&out) + 4, buf, size);
        zmq_msg_send (&out, router, 0);
    }
}

int
main (int argc, char *argv [])
{
    int reps = 5;
    uint32_t draft = 1;
    const char *store = NULL, *table = "history";
    static struct option options [] = {
        { "store", required_argument, NULL, 's' }, { "draft", required_argument, NULL, 'd' },
        { "table", required_argument, NULL, 't' },
        { "reps", required_argument, NULL, 'r' }, { NULL, 0, NULL, 0 }
    };
    int c;
    while ((c = getopt_long (argc, argv, "", options, NULL)) != -1)
        switch (c) {
            case 's': store = optarg; break;
            case 'd': draft = (uint32_t) atol (optarg); break;
            case 'r': reps = atoi (optarg); break;
            case 't': table = optarg; break;
            default: return 2;
        }
    if (!store)
        bench_die ("raw_history: --store DIR is required");
    char endpoint [64];
    snprintf (endpoint, sizeof (endpoint), "tcp://127.0.0.1:%d", bench_free_port ());
    pid_t server = fork ();
    if (server == 0) {
        bench_child_init ();
        s_server (endpoint, store, table, draft);
        _exit (0);
    }
    void *ctx = zmq_ctx_new ();
    void **socks = bench_dealers (ctx, endpoint, 1);
    double *ms = calloc ((size_t) reps + 1, sizeof (double));
    size_t bytes = 0;
    uint32_t values = 0;
    for (int r = -1; r < reps; r++) {
        int64_t t0 = bench_now_us ();
        zmq_send (socks [0], "h", 1, 0);
        void *data; size_t size;
        if (bench_recv (socks [0], &data, &size, 30000) < 0)
            bench_die ("raw history server does not answer");
        if (r >= 0)
            ms [r] = (double) (bench_now_us () - t0) / 1000.0;
        memcpy (&values, data, 4);
        bytes = size;
        free (data);
    }
    double lo = ms [0];
    for (int r = 0; r < reps; r++)
        lo = ms [r] < lo ? ms [r] : lo;
    BENCH_OUT ("median_ms=%.3f min_ms=%.3f values=%u bytes=%zu",
               bench_median (ms, (size_t) reps), lo, values, bytes);
    zmq_close (socks [0]);
    zmq_ctx_term (ctx);
    kill (server, SIGKILL);
    waitpid (server, NULL, 0);
    return 0;
}
