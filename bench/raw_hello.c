/*  raw_hello - baseline for benchmark 5 (scale)

    A raw ROUTER answers every message with --rep bytes. --nodes raw
    DEALERs (over --procs processes, as the broker's benchmark does) each
    connect and send one --req byte hello. Timed from the first socket
    until every DEALER has its answer; then the ROUTER's resident memory is
    read while all are connected. --heartbeat sets catchballd's ZMTP
    heartbeat options on the ROUTER (for diagnosis; not the baseline).

    Prints: seconds=.. rss_mb=.. idle_rss_mb=..
*/
#include "common.h"

#include <getopt.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

static void
s_server (const char *endpoint, size_t rep_size, bool heartbeat)
{
    bench_raise_nofile ();
    void *ctx = zmq_ctx_new ();
    void *router = zmq_socket (ctx, ZMQ_ROUTER);
    if (heartbeat) {
        //  catchballd's settings (server/broker.c), for diagnosis only.
        int ivl = 2000, timeout = 6000, handshake = 5000;
        zmq_setsockopt (router, ZMQ_HEARTBEAT_IVL, &ivl, sizeof (ivl));
        zmq_setsockopt (router, ZMQ_HEARTBEAT_TIMEOUT, &timeout, sizeof (timeout));
        zmq_setsockopt (router, ZMQ_HANDSHAKE_IVL, &handshake, sizeof (handshake));
    }
    int hwm = 1000, zero = 0;
    zmq_setsockopt (router, ZMQ_SNDHWM, &hwm, sizeof (hwm));
    zmq_setsockopt (router, ZMQ_RCVHWM, &hwm, sizeof (hwm));
    zmq_setsockopt (router, ZMQ_LINGER, &zero, sizeof (zero));
    if (zmq_bind (router, endpoint))
        bench_die ("bind %s", endpoint);
    void *rep = bench_filler (rep_size);
    zmq_msg_t id, body;
    zmq_msg_init (&id);
    zmq_msg_init (&body);
    while (zmq_msg_recv (&id, router, 0) >= 0) {
        zmq_msg_recv (&body, router, 0);
        zmq_msg_send (&id, router, ZMQ_SNDMORE);
        zmq_send (router, rep, rep_size, 0);
    }
}

static size_t s_req_size = 80;

static void *
s_build (int index, size_t *size, void *arg)
{
    *size = s_req_size;
    return bench_filler (s_req_size);
}

static pid_t s_server_pid;
static long s_rss_kb;

static void
s_measure (void *arg)
{
    usleep (200000);
    s_rss_kb = bench_rss_kb (s_server_pid);
}

int
main (int argc, char *argv [])
{
    int nodes = 10000, procs = 2;
    size_t rep_size = 60;
    bool heartbeat = false;
    static struct option options [] = {
        { "nodes", required_argument, NULL, 'n' }, { "procs", required_argument, NULL, 'p' },
        { "req", required_argument, NULL, 'q' }, { "rep", required_argument, NULL, 'r' },
        { "heartbeat", no_argument, NULL, 'H' }, { NULL, 0, NULL, 0 }
    };
    int c;
    while ((c = getopt_long (argc, argv, "", options, NULL)) != -1)
        switch (c) {
            case 'n': nodes = atoi (optarg); break;
            case 'p': procs = atoi (optarg); break;
            case 'q': s_req_size = (size_t) atol (optarg); break;
            case 'r': rep_size = (size_t) atol (optarg); break;
            case 'H': heartbeat = true; break;
            default: return 2;
        }
    char endpoint [64];
    snprintf (endpoint, sizeof (endpoint), "tcp://127.0.0.1:%d", bench_free_port ());
    s_server_pid = fork ();
    if (s_server_pid == 0) {
        bench_child_init ();
        s_server (endpoint, rep_size, heartbeat);
        _exit (0);
    }
    usleep (200000);
    long idle = bench_rss_kb (s_server_pid);
    int64_t us = bench_hello_swarm (endpoint, nodes, procs, s_build, NULL, s_measure, NULL, 60000, NULL);
    if (us < 0)
        bench_die ("raw hello: not every node got its answer within 60 s");
    BENCH_OUT ("seconds=%.3f rss_mb=%.1f idle_rss_mb=%.1f", (double) us / 1e6,
               (double) s_rss_kb / 1024.0, (double) idle / 1024.0);
    kill (s_server_pid, SIGKILL);
    waitpid (s_server_pid, NULL, 0);
    return 0;
}
