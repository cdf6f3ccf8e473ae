/*  raw_rtt - baseline for benchmark 2 (latency, one request in flight)

    A raw DEALER sends a request of --req bytes to a raw ROUTER and waits for
    its --rep byte answer, --n times (after 50 untimed). With --commit DIR
    the ROUTER first puts the request into LMDB and commits one transaction
    with LMDB's safe defaults (synced) before it answers: a raw round trip
    plus one raw synced commit. The ROUTER also times its commits.

    Prints: p50_us=.. p99_us=.. mean_us=.. commit_p50_us=.. commit_p99_us=..
*/
#include "common.h"

#include <getopt.h>
#include <lmdb.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

static void
s_server (const char *endpoint, size_t rep_size, const char *dir, int pipe_fd)
{
    void *ctx = zmq_ctx_new ();
    void *router = zmq_socket (ctx, ZMQ_ROUTER);
    int zero = 0;
    zmq_setsockopt (router, ZMQ_LINGER, &zero, sizeof (zero));
    if (zmq_bind (router, endpoint))
        bench_die ("bind %s", endpoint);
    void *rep = bench_filler (rep_size);
    MDB_env *env = NULL;
    MDB_dbi dbi = 0;
    if (dir) {
        MDB_txn *txn;
        if (mdb_env_create (&env) || mdb_env_set_mapsize (env, (size_t) 1 << 30)
        ||  mdb_env_open (env, dir, MDB_NOTLS, 0600)
        ||  mdb_txn_begin (env, NULL, 0, &txn) || mdb_dbi_open (txn, NULL, 0, &dbi)
        ||  mdb_txn_commit (txn))
            bench_die ("lmdb open %s", dir);
    }
    uint64_t seq = 0;
    zmq_msg_t id, body;
    zmq_msg_init (&id);
    zmq_msg_init (&body);
    while (zmq_msg_recv (&id, router, 0) >= 0) {
        zmq_msg_recv (&body, router, 0);
        if (zmq_msg_size (&body) == 4 && memcmp (zmq_msg_data (&body), "DONE", 4) == 0)
            break;
        if (env) {
            int64_t t0 = bench_now_us ();
            MDB_txn *txn;
            uint8_t key [8];
            seq++;
            for (int b = 0; b < 8; b++)
                key [b] = (uint8_t) (seq >> (56 - 8 * b));
            MDB_val k = { 8, key }, v = { zmq_msg_size (&body), zmq_msg_data (&body) };
            if (mdb_txn_begin (env, NULL, 0, &txn) || mdb_put (txn, dbi, &k, &v, 0)
            ||  mdb_txn_commit (txn))
                bench_die ("lmdb commit");
            int64_t us = bench_now_us () - t0;
            if (write (pipe_fd, &us, sizeof (us)) != sizeof (us))
                bench_die ("pipe");
        }
        zmq_msg_send (&id, router, ZMQ_SNDMORE);
        zmq_send (router, rep, rep_size, 0);
    }
    int64_t end = -1;
    if (write (pipe_fd, &end, sizeof (end)) != sizeof (end))
        bench_die ("pipe");
    zmq_close (router);
    zmq_ctx_term (ctx);
    if (env)
        mdb_env_close (env);
}

int
main (int argc, char *argv [])
{
    int n = 1000;
    size_t req_size = 300, rep_size = 60;
    const char *dir = NULL;
    static struct option options [] = {
        { "n", required_argument, NULL, 'n' }, { "req", required_argument, NULL, 'q' },
        { "rep", required_argument, NULL, 'r' }, { "commit", required_argument, NULL, 'c' },
        { NULL, 0, NULL, 0 }
    };
    int c;
    while ((c = getopt_long (argc, argv, "", options, NULL)) != -1)
        switch (c) {
            case 'n': n = atoi (optarg); break;
            case 'q': req_size = (size_t) atol (optarg); break;
            case 'r': rep_size = (size_t) atol (optarg); break;
            case 'c': dir = optarg; break;
            default: return 2;
        }
    char endpoint [64];
    snprintf (endpoint, sizeof (endpoint), "tcp://127.0.0.1:%d", bench_free_port ());
    int fds [2];
    if (pipe (fds))
        bench_die ("pipe");
    //  Commit timings go through a pipe; big enough for our counts.
    pid_t server = fork ();
    if (server == 0) {
        bench_child_init ();
        close (fds [0]);
        s_server (endpoint, rep_size, dir, fds [1]);
        _exit (0);
    }
    close (fds [1]);
    void *ctx = zmq_ctx_new ();
    void **socks = bench_dealers (ctx, endpoint, 1);
    void *req = bench_filler (req_size);
    double *samples = calloc ((size_t) n, sizeof (double));
    double *commits = calloc ((size_t) n + 64, sizeof (double));
    size_t ncommits = 0;
    for (int i = -50; i < n; i++) {
        int64_t t0 = bench_now_us ();
        zmq_send (socks [0], req, req_size, 0);
        void *data; size_t size;
        if (bench_recv (socks [0], &data, &size, 10000) < 0)
            bench_die ("raw server does not answer");
        free (data);
        if (i >= 0)
            samples [i] = (double) (bench_now_us () - t0);
    }
    zmq_send (socks [0], "DONE", 4, 0);
    int64_t us;
    int skipped = 0;
    while (read (fds [0], &us, sizeof (us)) == sizeof (us) && us >= 0)
        if (skipped++ >= 50)
            commits [ncommits++] = (double) us;
    double sum = 0;
    for (int i = 0; i < n; i++)
        sum += samples [i];
    double p50 = bench_percentile (samples, (size_t) n, 50);
    double p99 = bench_percentile (samples, (size_t) n, 99);
    BENCH_OUT ("p50_us=%.1f p99_us=%.1f mean_us=%.1f commit_p50_us=%.1f commit_p99_us=%.1f",
               p50, p99, sum / n, bench_percentile (commits, ncommits, 50),
               bench_percentile (commits, ncommits, 99));
    zmq_close (socks [0]);
    zmq_ctx_term (ctx);
    waitpid (server, NULL, 0);
    return 0;
}
