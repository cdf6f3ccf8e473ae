/*  raw_fanout - baseline for benchmark 3 (fan-out)

    --nodes raw DEALERs connect to a raw ROUTER and each says a short hello
    (untimed). Then, --reps times: a "lead" DEALER sends one trigger; the
    ROUTER sends --size bytes to every DEALER; timed from the trigger until
    every DEALER has its message.

    Prints: median_ms=.. min_ms=.. max_ms=..
*/
#include "common.h"

#include <getopt.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

static void
s_server (const char *endpoint, size_t size, int nodes)
{
    void *ctx = zmq_ctx_new ();
    void *router = zmq_socket (ctx, ZMQ_ROUTER);
    int hwm = 1000, zero = 0;
    zmq_setsockopt (router, ZMQ_SNDHWM, &hwm, sizeof (hwm));
    zmq_setsockopt (router, ZMQ_LINGER, &zero, sizeof (zero));
    if (zmq_bind (router, endpoint))
        bench_die ("bind %s", endpoint);
    void *payload = bench_filler (size);
    zmq_msg_t *ids = calloc ((size_t) nodes, sizeof (zmq_msg_t));
    int known = 0;
    zmq_msg_t id, body;
    zmq_msg_init (&id);
    zmq_msg_init (&body);
    while (zmq_msg_recv (&id, router, 0) >= 0) {
        zmq_msg_recv (&body, router, 0);
        const char *b = (const char *) zmq_msg_data (&body);
        if (zmq_msg_size (&body) == 1 && b [0] == 'h' && known < nodes) {
            zmq_msg_init (&ids [known]);
            zmq_msg_copy (&ids [known++], &id);
            zmq_msg_send (&id, router, ZMQ_SNDMORE);
            zmq_send (router, "ok", 2, 0);
        }
        else
        if (zmq_msg_size (&body) == 1 && b [0] == 'g') {
            //  The throw: the same bytes to every node.
            for (int i = 0; i < known; i++) {
                zmq_send (router, zmq_msg_data (&ids [i]), zmq_msg_size (&ids [i]), ZMQ_SNDMORE);
                zmq_send (router, payload, size, 0);
            }
        }
    }
}

int
main (int argc, char *argv [])
{
    int nodes = 1000, reps = 5;
    size_t size = 400;
    static struct option options [] = {
        { "nodes", required_argument, NULL, 'n' }, { "size", required_argument, NULL, 's' },
        { "reps", required_argument, NULL, 'r' }, { NULL, 0, NULL, 0 }
    };
    int c;
    while ((c = getopt_long (argc, argv, "", options, NULL)) != -1)
        switch (c) {
            case 'n': nodes = atoi (optarg); break;
            case 's': size = (size_t) atol (optarg); break;
            case 'r': reps = atoi (optarg); break;
            default: return 2;
        }
    bench_raise_nofile ();
    char endpoint [64];
    snprintf (endpoint, sizeof (endpoint), "tcp://127.0.0.1:%d", bench_free_port ());
    pid_t server = fork ();
    if (server == 0) {
        bench_child_init ();
        s_server (endpoint, size, nodes);
        _exit (0);
    }
    void *ctx = zmq_ctx_new ();
    zmq_ctx_set (ctx, ZMQ_MAX_SOCKETS, nodes + 64);
    void **socks = bench_dealers (ctx, endpoint, nodes);
    void **lead = bench_dealers (ctx, endpoint, 1);
    for (int i = 0; i < nodes; i++)
        zmq_send (socks [i], "h", 1, 0);
    for (int i = 0; i < nodes; i++) {
        void *data; size_t sz;
        if (bench_recv (socks [i], &data, &sz, 10000) < 0)
            bench_die ("node %d got no hello answer", i);
        free (data);
    }
    zmq_pollitem_t *items = calloc ((size_t) nodes, sizeof (zmq_pollitem_t));
    int *index = calloc ((size_t) nodes, sizeof (int));
    bool *got = calloc ((size_t) nodes, sizeof (bool));
    double *ms = calloc ((size_t) reps, sizeof (double));
    for (int r = 0; r < reps; r++) {
        memset (got, 0, (size_t) nodes * sizeof (bool));
        int left = nodes;
        int64_t t0 = bench_now_us ();
        zmq_send (lead [0], "g", 1, 0);
        while (left > 0) {
            int n = 0;
            for (int i = 0; i < nodes; i++)
                if (!got [i]) {
                    items [n] = (zmq_pollitem_t) { socks [i], 0, ZMQ_POLLIN, 0 };
                    index [n++] = i;
                }
            if (zmq_poll (items, n, 10000) <= 0)
                bench_die ("fan-out: %d nodes got nothing", left);
            for (int j = 0; j < n; j++)
                if (items [j].revents & ZMQ_POLLIN) {
                    zmq_msg_t msg;
                    zmq_msg_init (&msg);
                    while (zmq_msg_recv (&msg, socks [index [j]], ZMQ_DONTWAIT) >= 0)
                        if (!got [index [j]]) {
                            got [index [j]] = true;
                            left--;
                        }
                    zmq_msg_close (&msg);
                }
        }
        ms [r] = (double) (bench_now_us () - t0) / 1000.0;
        usleep (100000);
    }
    double lo = ms [0], hi = ms [0];
    for (int r = 0; r < reps; r++) {
        lo = ms [r] < lo ? ms [r] : lo;
        hi = ms [r] > hi ? ms [r] : hi;
    }
    BENCH_OUT ("median_ms=%.3f min_ms=%.3f max_ms=%.3f", bench_median (ms, (size_t) reps), lo, hi);
    for (int i = 0; i < nodes; i++)
        zmq_close (socks [i]);
    zmq_close (lead [0]);
    zmq_ctx_term (ctx);
    kill (server, SIGKILL);
    waitpid (server, NULL, 0);
    return 0;
}
