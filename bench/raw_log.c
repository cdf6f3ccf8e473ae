/*  raw_log - baseline for benchmark 6 (event log catch-up)

    Opens the broker's own store (read-only, the broker stopped) with raw
    LMDB and serves its `log` table the way the broker serves a subscriber:
    every entry from sequence 1 in order, one frame each, at most 1,024
    unacknowledged, each batch read in its own read transaction, never
    blocking on a send (ROUTER_MANDATORY, DONTWAIT, as the broker); the raw
    DEALER acknowledges every 512 entries. Timed from the subscribe until
    the last entry arrived.

    Prints: rate=<entries per second> entries=.. seconds=..
*/
#include "common.h"

#include <getopt.h>
#include <lmdb.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#define WINDOW 1024
#define ACK_EVERY 512

static void
s_put_u64 (uint8_t *p, uint64_t v)
{
    for (int b = 0; b < 8; b++)
        p [b] = (uint8_t) (v >> (56 - 8 * b));
}

static void
s_server (const char *endpoint, const char *store)
{
    MDB_env *env;
    MDB_txn *txn;
    MDB_dbi dbi;
    if (mdb_env_create (&env) || mdb_env_set_maxdbs (env, 32)
    ||  mdb_env_open (env, store, MDB_RDONLY | MDB_NOTLS, 0600)
    ||  mdb_txn_begin (env, NULL, MDB_RDONLY, &txn) || mdb_dbi_open (txn, "log", 0, &dbi))
        bench_die ("cannot open %s read-only", store);
    //  Committed, not aborted: an aborted transaction closes the handle it opened.
    mdb_txn_commit (txn);
    void *ctx = zmq_ctx_new ();
    void *router = zmq_socket (ctx, ZMQ_ROUTER);
    int hwm = 1000, zero = 0;
    zmq_setsockopt (router, ZMQ_SNDHWM, &hwm, sizeof (hwm));
    zmq_setsockopt (router, ZMQ_LINGER, &zero, sizeof (zero));
    if (zmq_bind (router, endpoint))
        bench_die ("bind %s", endpoint);
    int one = 1;
    zmq_setsockopt (router, ZMQ_ROUTER_MANDATORY, &one, sizeof (one));
    zmq_msg_t id, body;
    zmq_msg_init (&id);
    zmq_msg_init (&body);
    char peer [256];
    size_t peer_size = 0;
    uint64_t sent = 0, acked = 0;
    bool done = true, blocked = false;
    while (1) {
        //  As the broker: never block on a send; a full pipe (EAGAIN) stops
        //  the push until the next message or a short timeout.
        zmq_pollitem_t item = { router, 0, ZMQ_POLLIN, 0 };
        zmq_poll (&item, 1, blocked ? 1 : -1);
        while (zmq_msg_recv (&id, router, ZMQ_DONTWAIT) >= 0) {
            zmq_msg_recv (&body, router, 0);
            peer_size = zmq_msg_size (&id) < sizeof (peer) ? zmq_msg_size (&id) : sizeof (peer);
            memcpy (peer, zmq_msg_data (&id), peer_size);
            if (zmq_msg_size (&body) == 9 && ((char *) zmq_msg_data (&body)) [0] == 'a') {
                uint64_t upto;
                memcpy (&upto, (char *) zmq_msg_data (&body) + 1, 8);
                if (upto > acked)
                    acked = upto;
            }
            else {
                sent = acked = 0;
                done = false;
            }
        }
        blocked = false;
        if (done || sent - acked >= WINDOW)
            continue;
        MDB_cursor *cur;
        if (mdb_txn_begin (env, NULL, MDB_RDONLY, &txn) || mdb_cursor_open (txn, dbi, &cur))
            bench_die ("read txn");
        uint8_t key [8];
        s_put_u64 (key, sent + 1);
        MDB_val k = { 8, key }, v;
        int rc = mdb_cursor_get (cur, &k, &v, MDB_SET_RANGE);
        while (rc == 0 && sent - acked < WINDOW) {
            if (zmq_send (router, peer, peer_size, ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0
            ||  zmq_send (router, v.mv_data, v.mv_size, ZMQ_DONTWAIT) < 0) {
                blocked = true;
                break;
            }
            sent++;
            rc = mdb_cursor_get (cur, &k, &v, MDB_NEXT);
        }
        if (rc == MDB_NOTFOUND)
            done = true;
        mdb_cursor_close (cur);
        mdb_txn_abort (txn);
    }
}

int
main (int argc, char *argv [])
{
    const char *store = NULL;
    uint64_t count = 0;
    static struct option options [] = {
        { "store", required_argument, NULL, 's' }, { "count", required_argument, NULL, 'n' },
        { NULL, 0, NULL, 0 }
    };
    int c;
    while ((c = getopt_long (argc, argv, "", options, NULL)) != -1)
        switch (c) {
            case 's': store = optarg; break;
            case 'n': count = (uint64_t) atoll (optarg); break;
            default: return 2;
        }
    if (!store || !count)
        bench_die ("raw_log: --store DIR --count N are required");
    char endpoint [64];
    snprintf (endpoint, sizeof (endpoint), "tcp://127.0.0.1:%d", bench_free_port ());
    pid_t server = fork ();
    if (server == 0) {
        bench_child_init ();
        s_server (endpoint, store);
        _exit (0);
    }
    void *ctx = zmq_ctx_new ();
    void **socks = bench_dealers (ctx, endpoint, 1);
    int64_t t0 = bench_now_us ();
    zmq_send (socks [0], "s", 1, 0);
    uint64_t got = 0, bytes = 0;
    zmq_msg_t msg;
    zmq_msg_init (&msg);
    zmq_pollitem_t item = { socks [0], 0, ZMQ_POLLIN, 0 };
    while (got < count) {
        if (zmq_poll (&item, 1, 10000) <= 0)
            bench_die ("raw log: stuck at %llu of %llu", (unsigned long long) got,
                       (unsigned long long) count);
        while (got < count && zmq_msg_recv (&msg, socks [0], ZMQ_DONTWAIT) >= 0) {
            got++;
            bytes += zmq_msg_size (&msg);
            if (got % ACK_EVERY == 0) {
                char ack [9] = { 'a' };
                memcpy (ack + 1, &got, 8);
                zmq_send (socks [0], ack, 9, 0);
            }
        }
    }
    double secs = (double) (bench_now_us () - t0) / 1e6;
    zmq_msg_close (&msg);
    BENCH_OUT ("rate=%.1f entries=%llu seconds=%.3f bytes=%llu", (double) got / secs,
               (unsigned long long) got, secs, (unsigned long long) bytes);
    zmq_close (socks [0]);
    zmq_ctx_term (ctx);
    kill (server, SIGKILL);
    waitpid (server, NULL, 0);
    return 0;
}
