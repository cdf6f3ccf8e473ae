/*  =========================================================================
    testbroker - the real catchballd in a child process, for the tests that
    drive it over real sockets (test_wire, test_hostile, tests/faults)

    A test directory under $CB_TEST_TMP, an endpoint (ipc in that
    directory, or a TCP port below Linux's ephemeral range), starting the
    broker with arguments and an optional LD_PRELOAD, stopping it (within a
    bound), killing it, and LMDB's last transaction id of a store.

    Nothing here sleeps to synchronise: the broker is ready when its log
    says it listens and it answers a hello (the client retries until
    then). Its exit and its log's growth are waited for with poll(2), on a
    pidfd and an inotify watch, with a deadline.
    =========================================================================
*/
#ifndef CB_TESTBROKER_H_INCLUDED
#define CB_TESTBROKER_H_INCLUDED

#include <czmq.h>
#include <poll.h>
#include <signal.h>
#include <sys/inotify.h>
#include <sys/pidfd.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "catchball/catchball.h"
#include "testutil.h"

static char tb_dir [256];           //  The test's own directory
static char tb_log [300];           //  The broker's log (stdout and stderr)
static char tb_endpoint [128];      //  Where the broker listens
static const char *tb_catchballd;   //  Path of the binary ($CATCHBALLD)
static pid_t tb_pid;                //  The broker, while it runs

//  Makes the test's directory `name`.XXXXXX under $CB_TEST_TMP and picks
//  the endpoint: ipc in that directory (no port to race other tests for),
//  or, with tcp, a free port below 32768, where the clients' own
//  connections cannot take it between two starts of the broker.
static inline void
tb_init (const char *name, bool tcp)
{
    zsys_init ();
    tb_catchballd = getenv ("CATCHBALLD");
    REQUIRE (tb_catchballd);
    const char *base = getenv ("CB_TEST_TMP") ? getenv ("CB_TEST_TMP") : "/tmp";
    zsys_dir_create ("%s", base);
    snprintf (tb_dir, sizeof (tb_dir), "%s/%s.XXXXXX", base, name);
    REQUIRE (mkdtemp (tb_dir));
    snprintf (tb_log, sizeof (tb_log), "%s/catchballd.log", tb_dir);
    if (!tcp) {
        //  A Unix socket path holds at most 107 bytes.
        REQUIRE (strlen (tb_dir) < 90);
        snprintf (tb_endpoint, sizeof (tb_endpoint), "ipc://%s/broker.ipc", tb_dir);
        return;
    }
    //  Candidates from this process's own sequence: two tests started
    //  together must not try the same ports in the same order.
    unsigned int seed = (unsigned int) getpid () ^ (unsigned int) zclock_usecs ();
    zsock_t *probe = zsock_new (ZMQ_ROUTER);
    int port = -1;
    for (int attempt = 0; attempt < 50 && port < 0; attempt++) {
        int candidate = 15000 + (int) (rand_r (&seed) % 15000);
        if (zsock_bind (probe, "tcp://127.0.0.1:%d", candidate) == candidate)
            port = candidate;
    }
    REQUIRE (port > 0);
    zsock_destroy (&probe);
    snprintf (tb_endpoint, sizeof (tb_endpoint), "tcp://127.0.0.1:%d", port);
}

//  How many lines of the broker's log after byte `mark` contain `needle`.
static inline int
tb_log_lines_from (long mark, const char *needle)
{
    FILE *file = fopen (tb_log, "r");
    if (!file)
        return 0;
    fseek (file, mark, SEEK_SET);
    char line [1024];
    int count = 0;
    while (fgets (line, sizeof (line), file))
        if (strstr (line, needle))
            count++;
    fclose (file);
    return count;
}

//  The same from the start of the log.
static inline int
tb_log_lines (const char *needle)
{
    return tb_log_lines_from (0, needle);
}

//  Waits until the broker exits, or (if log_fd is an inotify descriptor)
//  its log is written, or `deadline` (zclock_mono) passes. True if the
//  broker has exited (it is not reaped).
static inline bool
tb_wait_event (int pidfd, int log_fd, int64_t deadline)
{
    struct pollfd fds [2] = { { pidfd, POLLIN, 0 }, { log_fd, POLLIN, 0 } };
    int64_t left = deadline - zclock_mono ();
    if (poll (fds, log_fd >= 0 ? 2 : 1, left > 0 ? (int) left : 0) > 0
    &&  (fds [1].revents & POLLIN)) {
        char events [4096];         //  Drained: only the wake-up matters
        ssize_t drained = read (log_fd, events, sizeof (events));
        (void) drained;
    }
    return (fds [0].revents & POLLIN) != 0;
}

//  Starts catchballd on `store` with the arguments in `args` (NULL-ended,
//  or NULL) and, if `preload` is set, LD_PRELOAD=preload in its
//  environment only. 0 once it answers a hello; -1 if it does not within
//  15 s (it is then killed). The broker dies with the test, even when a
//  failed REQUIRE exits at once.
static inline int
tb_launch (const char *store, const char *preload, const char *const *args)
{
    fflush (stdout);        //  Or the child writes what is buffered again
    fflush (stderr);
    int listening = tb_log_lines ("listening on");
    FILE *log = fopen (tb_log, "a");     //  There to be watched from the start
    REQUIRE (log);
    fclose (log);
    tb_pid = fork ();
    REQUIRE (tb_pid >= 0);
    if (tb_pid == 0) {
        prctl (PR_SET_PDEATHSIG, SIGKILL);
        FILE *out = freopen (tb_log, "a", stdout);
        (void) out;
        dup2 (1, 2);
        const char *argv [16] = { tb_catchballd, "--endpoint", tb_endpoint, "--store", store };
        int argc = 5;
        for (int i = 0; args && args [i] && argc < 15; i++)
            argv [argc++] = args [i];
        argv [argc] = NULL;
        if (preload)
            setenv ("LD_PRELOAD", preload, 1);
        execv (tb_catchballd, (char *const *) argv);
        _exit (127);
    }
    //  Ready when its log says it listens (so that the answer below is
    //  from this broker, not from one another test started on the same
    //  endpoint) and it answers (the client resends until then); given up
    //  at once if it exits.
    int64_t deadline = zclock_mono () + 15000;
    int pidfd = pidfd_open (tb_pid, 0);
    REQUIRE (pidfd >= 0);
    int log_fd = inotify_init1 (IN_NONBLOCK | IN_CLOEXEC);
    REQUIRE (log_fd >= 0 && inotify_add_watch (log_fd, tb_log, IN_MODIFY) >= 0);
    while (tb_log_lines ("listening on") == listening && zclock_mono () < deadline
       &&  !tb_wait_event (pidfd, log_fd, deadline))
        ;
    close (log_fd);
    close (pidfd);
    cb_client_t *probe = cb_client_new (tb_endpoint, "probe", "observer", NULL);
    cb_client_set_retry (probe, 100);
    int rc = -1;
    if (tb_log_lines ("listening on") == listening)
        deadline = 0;               //  It exited, or never bound: not ready
    while (rc != 0 && zclock_mono () < deadline) {
        rc = cb_client_hello (probe, 500);
        if (rc != 0 && waitpid (tb_pid, NULL, WNOHANG) != 0) {
            tb_pid = 0;
            break;
        }
    }
    cb_client_destroy (&probe);
    if (rc != 0) {
        fprintf (stderr, "catchballd did not answer; its log: %s\n", tb_log);
        if (tb_pid > 0) {
            kill (tb_pid, SIGKILL);
            waitpid (tb_pid, NULL, 0);
        }
        tb_pid = 0;
    }
    return rc;
}

static inline void
tb_start (const char *store, const char *preload, const char *const *args)
{
    REQUIRE (tb_launch (store, preload, args) == 0);
}

//  Still running (not exited, not killed)?
static inline bool
tb_alive (void)
{
    return tb_pid > 0 && waitpid (tb_pid, NULL, WNOHANG) == 0;
}

//  SIGTERM, and the exit status once it has exited (128 + signal if a
//  signal ended it); -1 if it was still running `timeout` ms later (it is
//  then killed). A timeout of 0 waits as long as it takes.
static inline int
tb_stop_within (int timeout)
{
    kill (tb_pid, SIGTERM);
    int status = -1;
    int64_t deadline = zclock_mono () + timeout;
    pid_t done;
    if (timeout == 0)
        done = waitpid (tb_pid, &status, 0);
    else {
        int pidfd = pidfd_open (tb_pid, 0);
        REQUIRE (pidfd >= 0);
        tb_wait_event (pidfd, -1, deadline);
        close (pidfd);
        done = waitpid (tb_pid, &status, WNOHANG);
    }
    if (done == 0) {
        kill (tb_pid, SIGKILL);
        waitpid (tb_pid, &status, 0);
        tb_pid = 0;
        return -1;
    }
    tb_pid = 0;
    return WIFEXITED (status) ? WEXITSTATUS (status) : 128 + WTERMSIG (status);
}

//  A clean stop (under the sanitizers, a leak or error found at exit
//  makes the status non-zero).
static inline int
tb_stop (void)
{
    return tb_stop_within (0);
}

//  kill -9, and wait for it.
static inline void
tb_kill9 (void)
{
    kill (tb_pid, SIGKILL);
    waitpid (tb_pid, NULL, 0);
    tb_pid = 0;
}

//  LMDB's last committed transaction id (mdb_stat -e of lmdb-utils), or
//  -1 if the environment does not open.
static inline long
tb_txnid (const char *store)
{
    char command [400];
    snprintf (command, sizeof (command), "mdb_stat -e '%s' 2>&1", store);
    FILE *pipe = popen (command, "r");
    REQUIRE (pipe);
    char line [256];
    long txnid = -1;
    while (fgets (line, sizeof (line), pipe))
        if (sscanf (line, "  Last transaction ID: %ld", &txnid) == 1)
            break;
    while (fgets (line, sizeof (line), pipe))
        ;
    if (pclose (pipe) != 0)
        txnid = -1;
    return txnid;
}

//  A request as the protocol frames it: {cb: 1, type, mid, body?} (the
//  body is taken; NULL for none).
static inline cb_value_t *
tb_request (const char *type, const char *mid, cb_value_t *body)
{
    cb_value_t *msg = cb_value_new_map ();
    cb_value_set_int (msg, "cb", 1);
    cb_value_set_str (msg, "type", type);
    cb_value_set_str (msg, "mid", mid);
    if (body)
        cb_value_set (msg, "body", &body);
    return msg;
}

//  Sends a request (body taken, may be NULL) on a raw DEALER without
//  waiting for its reply.
static inline void
tb_send (zsock_t *dealer, const char *type, const char *mid, cb_value_t *body)
{
    cb_value_t *msg = tb_request (type, mid, body);
    size_t size;
    void *data = cb_codec_encode (msg, &size);
    cb_value_destroy (&msg);
    zframe_t *frame = zframe_new (data, size);
    free (data);
    REQUIRE (zframe_send (&frame, dealer, 0) == 0);
}

//  A reply's outcome: 0 for ok, the error code, or -1 for no reply;
//  destroys the reply.
static inline int64_t
tb_code (cb_value_t **reply_p)
{
    int64_t code = -1;
    const char *type = *reply_p ? cb_value_get_str_or (*reply_p, "type", "") : "";
    if (streq (type, "error"))
        cb_value_get_int (*reply_p, "code", &code);
    else
    if (streq (type, "ok"))
        code = 0;
    cb_value_destroy (reply_p);
    return code;
}

//  The next message on a raw DEALER, decoded; NULL if none within
//  `timeout` ms.
static inline cb_value_t *
tb_recv (zsock_t *dealer, int timeout)
{
    zpoller_t *poller = zpoller_new (dealer, NULL);
    cb_value_t *reply = NULL;
    if (zpoller_wait (poller, timeout)) {
        zframe_t *frame = zframe_recv (dealer);
        reply = cb_codec_decode (zframe_data (frame), zframe_size (frame), NULL, 0);
        zframe_destroy (&frame);
    }
    zpoller_destroy (&poller);
    return reply;
}

//  A field of the running broker's /proc/PID/status, in KiB (VmHWM, VmRSS...).
static inline long
tb_status_kb (const char *field)
{
    char path [64], line [256];
    snprintf (path, sizeof (path), "/proc/%d/status", (int) tb_pid);
    FILE *file = fopen (path, "r");
    REQUIRE (file);
    size_t len = strlen (field);
    long kb = -1;
    while (fgets (line, sizeof (line), file))
        if (strncmp (line, field, len) == 0 && line [len] == ':') {
            kb = atol (line + len + 1);
            break;
        }
    fclose (file);
    REQUIRE (kb >= 0);
    return kb;
}

//  Content with one key result: a draft any test can store.
static inline cb_value_t *
tb_content (const char *objective)
{
    cb_value_t *c = cb_value_new_map ();
    cb_value_set_str (c, "cycle", "2027-Q1");
    cb_value_set_str (c, "objective", objective);
    cb_value_t *krs = cb_value_new_array ();
    cb_value_t *kr = cb_value_new_map ();
    cb_value_set_str (kr, "text", "Activation");
    cb_value_set_int (kr, "target", 60);
    cb_value_push (krs, &kr);
    cb_value_set (c, "key_results", &krs);
    return c;
}

//  The end of a test program, given TEST_DONE ()'s result (so that the
//  summary names the test's file): all passed, the directory is removed
//  (kept with CB_TEST_KEEP set); else the broker's log is named.
static inline int
tb_done (int rc)
{
    if (rc == 0 && getenv ("CB_TEST_KEEP"))
        printf ("kept %s\n", tb_dir);
    else
    if (rc == 0) {
        char command [300];
        snprintf (command, sizeof (command), "rm -rf '%s'", tb_dir);
        if (system (command) != 0)
            fprintf (stderr, "could not remove %s\n", tb_dir);
    }
    else
        fprintf (stderr, "broker log: %s\n", tb_log);
    return rc;
}

#endif
