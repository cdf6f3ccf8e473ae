/*  bench/common.h - what the benchmark driver and the raw baselines share:
    clocks, statistics, temporary stores on the real disk, free loopback
    ports, process memory, and starting/stopping catchballd.
*/
#ifndef BENCH_COMMON_H_INCLUDED
#define BENCH_COMMON_H_INCLUDED

#define _GNU_SOURCE
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <zmq.h>

//  Monotonic microseconds.
int64_t bench_now_us (void);
//  Sort samples in place, return the p-th percentile (0..100).
double bench_percentile (double *samples, size_t count, double p);
double bench_median (double *samples, size_t count);
//  A new temporary directory under $BENCH_TMP or /tmp (on disk, not tmpfs);
//  malloc'd path. Removed by bench_rmdir.
char *bench_mkdtemp (const char *tag);
void bench_rmdir (const char *path);
//  A free TCP port on 127.0.0.1.
int bench_free_port (void);
//  Resident and peak resident memory of a process, in KiB (from /proc).
long bench_rss_kb (pid_t pid);
long bench_hwm_kb (pid_t pid);
//  Die with a message.
void bench_die (const char *fmt, ...) __attribute__ ((noreturn, format (printf, 1, 2)));
//  In a forked child: die with the parent (no stray servers after a failure).
void bench_child_init (void);
//  Raise RLIMIT_NOFILE to the hard limit.
void bench_raise_nofile (void);

//  Blocking helpers on raw libzmq sockets.
//  Receive one message's last frame into a malloc'd buffer; returns size, -1 on timeout.
//  If routing id is wanted (ROUTER), first frame is copied into id/idlen.
int bench_recv (void *sock, void **data, size_t *size, int timeout_ms);
//  A buffer of `size` bytes of printable filler.
void *bench_filler (size_t size);

//  catchballd, started on a temporary store and a free loopback port.
typedef struct {
    pid_t pid;
    char *store;        //  store directory (inside tmpdir)
    char *tmpdir;       //  removed at stop unless keep
    char endpoint [64];
    char log [512];
} bench_broker_t;

//  Start `binary` on a new temporary store; extra args (NULL-terminated list).
//  Waits until it listens. Exits on failure.
void bench_broker_start (bench_broker_t *b, const char *binary, const char *tmpdir,
                         const char *const *extra);
//  SIGTERM and wait (SIGKILL after 10 s).
void bench_broker_stop (bench_broker_t *b);

#endif

//  N DEALERs spread over `procs` forked processes, each connecting to
//  `endpoint` and sending the request build(i) (malloc'd bytes, size in
//  *size), then waiting for one reply on every socket. Returns the
//  microseconds from the start (before the first socket is made) until the
//  last reply arrived, or -1 on a timeout (*completed: how many got their
//  reply). While the sockets are still connected, calls on_connected(arg)
//  (for measuring the server's memory) and only then lets the workers close.
typedef void *(bench_build_fn) (int index, size_t *size, void *arg);
int64_t bench_hello_swarm (const char *endpoint, int nodes, int procs, bench_build_fn *build,
                           void *arg, void (*on_connected) (void *), void *cb_arg,
                           int timeout_ms, int *completed);

//  Open `count` DEALERs in ctx, connected to endpoint. Linger 0.
void **bench_dealers (void *ctx, const char *endpoint, int count);

//  Print `key=value` pairs (one line) for the driver to parse.
#define BENCH_OUT(...) do { printf (__VA_ARGS__); printf ("\n"); fflush (stdout); } while (0)
//  Find key=value in a line of such pairs; NAN if missing.
double bench_field (const char *line, const char *key);
