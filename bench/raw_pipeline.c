/*  raw_pipeline - baseline for benchmark 1 (durable acceptance)

    A raw ROUTER that answers every message with one ack of --rep bytes, and
    K raw DEALERs that each keep --window requests of --req bytes in flight
    for --seconds, counting acks: the same load shape as the broker's.

    With --durable DIR the ROUTER also does what a durable broker must at
    the least: it drains what has arrived (up to 1,024), puts each message
    into LMDB in one write transaction, commits with LMDB's safe defaults
    (synced), then acks. That is informative only: the baseline is
    the plain pipeline.

    Prints: rate=<acks per second> acks=<n> seconds=<s>
*/
#include "common.h"

#include <getopt.h>
#include <lmdb.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

static void
s_server (const char *endpoint, size_t rep_size, const char *durable)
{
    void *ctx = zmq_ctx_new ();
    void *router = zmq_socket (ctx, ZMQ_ROUTER);
    int hwm = 1000, zero = 0;
    zmq_setsockopt (router, ZMQ_SNDHWM, &hwm, sizeof (hwm));
    zmq_setsockopt (router, ZMQ_RCVHWM, &hwm, sizeof (hwm));
    zmq_setsockopt (router, ZMQ_LINGER, &zero, sizeof (zero));
    if (zmq_bind (router, endpoint))
        bench_die ("bind %s: %s", endpoint, zmq_strerror (zmq_errno ()));
    void *rep = bench_filler (rep_size);
    MDB_env *env = NULL;
    MDB_dbi dbi = 0;
    if (durable) {
        MDB_txn *txn;
        if (mdb_env_create (&env) || mdb_env_set_mapsize (env, (size_t) 4 << 30)
        ||  mdb_env_open (env, durable, MDB_NOTLS, 0600)
        ||  mdb_txn_begin (env, NULL, 0, &txn) || mdb_dbi_open (txn, NULL, 0, &dbi)
        ||  mdb_txn_commit (txn))
            bench_die ("lmdb open %s", durable);
    }
    enum { BATCH = 1024 };
    zmq_msg_t ids [BATCH], bodies [BATCH];
    uint64_t seq = 0;
    while (1) {
        zmq_pollitem_t item = { router, 0, ZMQ_POLLIN, 0 };
        if (zmq_poll (&item, 1, -1) < 0)
            continue;
        if (!durable) {
            //  One ack per message, as it comes.
            zmq_msg_t id, body;
            zmq_msg_init (&id);
            zmq_msg_init (&body);
            while (zmq_msg_recv (&id, router, ZMQ_DONTWAIT) >= 0) {
                zmq_msg_recv (&body, router, 0);
                zmq_msg_send (&id, router, ZMQ_SNDMORE);
                zmq_send (router, rep, rep_size, 0);
            }
            zmq_msg_close (&id);
            zmq_msg_close (&body);
            continue;
        }
        int n = 0;
        while (n < BATCH) {
            zmq_msg_init (&ids [n]);
            zmq_msg_init (&bodies [n]);
            if (zmq_msg_recv (&ids [n], router, ZMQ_DONTWAIT) < 0) {
                zmq_msg_close (&ids [n]);
                zmq_msg_close (&bodies [n]);
                break;
            }
            zmq_msg_recv (&bodies [n], router, 0);
            n++;
        }
        MDB_txn *txn;
        if (mdb_txn_begin (env, NULL, 0, &txn))
            bench_die ("txn");
        for (int i = 0; i < n; i++) {
            uint8_t key [8];
            seq++;
            for (int b = 0; b < 8; b++)
                key [b] = (uint8_t) (seq >> (56 - 8 * b));
            MDB_val k = { 8, key }, v = { zmq_msg_size (&bodies [i]), zmq_msg_data (&bodies [i]) };
            if (mdb_put (txn, dbi, &k, &v, MDB_APPEND))
                bench_die ("put");
        }
        if (mdb_txn_commit (txn))
            bench_die ("commit");
        for (int i = 0; i < n; i++) {
            zmq_msg_send (&ids [i], router, ZMQ_SNDMORE);
            zmq_send (router, rep, rep_size, 0);
            zmq_msg_close (&ids [i]);
            zmq_msg_close (&bodies [i]);
        }
    }
}

int
main (int argc, char *argv [])
{
    int k = 8, window = 128;
    double seconds = 5;
    size_t req_size = 300, rep_size = 60;
    const char *durable = NULL;
    static struct option options [] = {
        { "k", required_argument, NULL, 'k' }, { "window", required_argument, NULL, 'w' },
        { "seconds", required_argument, NULL, 's' }, { "req", required_argument, NULL, 'q' },
        { "rep", required_argument, NULL, 'r' }, { "durable", required_argument, NULL, 'd' },
        { NULL, 0, NULL, 0 }
    };
    int c;
    while ((c = getopt_long (argc, argv, "", options, NULL)) != -1)
        switch (c) {
            case 'k': k = atoi (optarg); break;
            case 'w': window = atoi (optarg); break;
            case 's': seconds = atof (optarg); break;
            case 'q': req_size = (size_t) atol (optarg); break;
            case 'r': rep_size = (size_t) atol (optarg); break;
            case 'd': durable = optarg; break;
            default: return 2;
        }
    char endpoint [64];
    snprintf (endpoint, sizeof (endpoint), "tcp://127.0.0.1:%d", bench_free_port ());
    pid_t server = fork ();
    if (server == 0) {
        bench_child_init ();
        s_server (endpoint, rep_size, durable);
        _exit (0);
    }
    void *ctx = zmq_ctx_new ();
    void **socks = bench_dealers (ctx, endpoint, k);
    void *req = bench_filler (req_size);
    int *inflight = calloc ((size_t) k, sizeof (int));
    zmq_pollitem_t *items = calloc ((size_t) k, sizeof (zmq_pollitem_t));
    for (int i = 0; i < k; i++)
        items [i] = (zmq_pollitem_t) { socks [i], 0, ZMQ_POLLIN, 0 };
    //  A warm-up round trip on each socket, so connecting is not timed.
    for (int i = 0; i < k; i++) {
        void *data; size_t size;
        zmq_send (socks [i], req, req_size, 0);
        if (bench_recv (socks [i], &data, &size, 5000) < 0)
            bench_die ("raw server does not answer");
        free (data);
    }
    int64_t start = bench_now_us (), stop = start + (int64_t) (seconds * 1e6), last = start;
    uint64_t acks = 0;
    int total_inflight = 0;
    bool sending = true;
    while (sending || total_inflight > 0) {
        int64_t now = bench_now_us ();
        if (sending && now >= stop)
            sending = false;
        if (!sending && now > stop + 10000000)
            bench_die ("%d acks never came", total_inflight);
        for (int i = 0; sending && i < k; i++)
            while (inflight [i] < window) {
                zmq_send (socks [i], req, req_size, 0);
                inflight [i]++;
                total_inflight++;
            }
        if (zmq_poll (items, k, 100) <= 0)
            continue;
        for (int i = 0; i < k; i++)
            if (items [i].revents & ZMQ_POLLIN) {
                zmq_msg_t msg;
                zmq_msg_init (&msg);
                while (zmq_msg_recv (&msg, socks [i], ZMQ_DONTWAIT) >= 0) {
                    inflight [i]--;
                    total_inflight--;
                    acks++;
                }
                zmq_msg_close (&msg);
                last = bench_now_us ();
            }
    }
    double secs = (double) (last - start) / 1e6;
    BENCH_OUT ("rate=%.1f acks=%llu seconds=%.3f", (double) acks / secs,
               (unsigned long long) acks, secs);
    for (int i = 0; i < k; i++)
        zmq_close (socks [i]);
    zmq_ctx_term (ctx);
    kill (server, SIGKILL);
    waitpid (server, NULL, 0);
    return 0;
}
