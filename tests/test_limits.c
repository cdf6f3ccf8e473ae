/*  =========================================================================
    test_limits - the real catchballd's bounds on one peer and on
    connections (issue 10, items 2 and 4)

    Starts catchballd (path in $CATCHBALLD) on a temporary store and a free
    TCP port, and checks, while a well-behaved node (libcatchball) is
    served throughout:
    - a node that sends 600 draft.history requests in one burst (about
      320 KB a reply) and never reads: the broker closes its connection
      once --peer-bytes (16 MiB) is queued or built for it, and its memory
      peak grows by less than a stated bound (48 MiB); the node then says
      hello again and is served;
    - a connection that never said hello sends one message of 1,000 parts
      of 256 KiB: closed once libzmq holds --peer-bytes for it, before the
      message is whole, with the same bound; a small multipart message is
      still answered BAD_MESSAGE;
    - 100 connections that complete the ZMTP handshake and never say hello
      are closed after the default 10 s (one log line for them all); a
      node that said hello on such a connection is not;
    - 600 connections made while the broker is stopped (SIGSTOP) all get
      through the kernel's handshake: the listen backlog is not libzmq's
      100;
    - started with a soft descriptor limit of 256, the broker raises it
      to the hard limit, takes 300 connections that never say hello, does
      not spin, and a new node is served;
    - with --max-connections 50, the connections past 50 are closed at
      once, with a log line, and the broker does not spin.

    Memory is the broker's peak resident size (VmHWM, reset through
    /proc/PID/clear_refs before each case): libzmq frees what it held once
    a connection closes, so the peak is what tells. CPU is the broker's
    user and system time (/proc/PID/stat) over a window in which a node
    says hello and pings: a spinning accept loop takes all of it. In a
    sanitizer build (CB_SANITIZE) the memory bound is doubled.
    =========================================================================
*/
#include <czmq.h>
#include <ctype.h>
#include <poll.h>
#include <signal.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include "catchball/catchball.h"
#include "testbroker.h"
#include "testutil.h"

static long s_scale = 1;            //  Memory bounds are multiplied by this

//  --------------------------------------------------------------------------
//  The broker's resources

//  Resets the broker's peak resident size to its present one.
static void
s_reset_peak (void)
{
    char path [64];
    snprintf (path, sizeof (path), "/proc/%d/clear_refs", (int) tb_pid);
    FILE *file = fopen (path, "w");
    REQUIRE (file);
    REQUIRE (fputs ("5", file) >= 0);
    REQUIRE (fclose (file) == 0);
}

//  The broker's CPU time so far (all threads), in ms.
static long
s_cpu_ms (void)
{
    char path [64], text [1024];
    snprintf (path, sizeof (path), "/proc/%d/stat", (int) tb_pid);
    FILE *file = fopen (path, "r");
    REQUIRE (file);
    size_t size = fread (text, 1, sizeof (text) - 1, file);
    fclose (file);
    text [size] = 0;
    //  After the command name in parentheses: state, then fields 4 to 13,
    //  then utime and stime (fields 14 and 15) in clock ticks.
    char *after = strrchr (text, ')');
    REQUIRE (after);
    unsigned long utime = 0, stime = 0;
    REQUIRE (sscanf (after + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu",
                     &utime, &stime) == 2);
    return (long) ((utime + stime) * 1000 / (unsigned long) sysconf (_SC_CLK_TCK));
}

//  --------------------------------------------------------------------------
//  Raw DEALERs speaking the protocol

static zsock_t *
s_dealer (int rcvhwm, int rcvbuf)
{
    zsock_t *dealer = zsock_new (ZMQ_DEALER);
    REQUIRE (dealer);
    if (rcvbuf > 0)
        zsock_set_rcvbuf (dealer, rcvbuf);
    if (rcvhwm >= 0)
        zsock_set_rcvhwm (dealer, rcvhwm);
    zsock_set_sndhwm (dealer, 0);
    zsock_set_linger (dealer, 0);
    REQUIRE (zsock_connect (dealer, "%s", tb_endpoint) == 0);
    return dealer;
}

//  Sends a request and returns the reply with its mid (and its size),
//  skipping anything else; NULL if none came within `timeout` ms.
static cb_value_t *
s_call_sized (zsock_t *dealer, const char *type, const char *mid, cb_value_t *body,
              int timeout, size_t *size)
{
    tb_send (dealer, type, mid, body);
    int64_t deadline = zclock_mono () + timeout;
    zpoller_t *poller = zpoller_new (dealer, NULL);
    cb_value_t *reply = NULL;
    while (!reply) {
        int64_t left = deadline - zclock_mono ();
        if (left <= 0 || !zpoller_wait (poller, (int) left))
            break;
        zframe_t *frame = zframe_recv (dealer);
        if (!frame)
            break;
        reply = cb_codec_decode (zframe_data (frame), zframe_size (frame), NULL, 0);
        if (size)
            *size = zframe_size (frame);
        zframe_destroy (&frame);
        if (reply && !streq (cb_value_get_str_or (reply, "mid", ""), mid))
            cb_value_destroy (&reply);
    }
    zpoller_destroy (&poller);
    return reply;
}

static cb_value_t *
s_call (zsock_t *dealer, const char *type, const char *mid, cb_value_t *body, int timeout)
{
    return s_call_sized (dealer, type, mid, body, timeout, NULL);
}

static int64_t
s_hello (zsock_t *dealer, const char *node, const char *role)
{
    cb_value_t *body = cb_value_new_map ();
    cb_value_set_str (body, "node", node);
    cb_value_set_str (body, "role", role);
    char mid [96];
    snprintf (mid, sizeof (mid), "hello-%s-%lld", node, (long long) zclock_usecs ());
    cb_value_t *reply = s_call (dealer, "hello", mid, body, 5000);
    return tb_code (&reply);
}

//  --------------------------------------------------------------------------
//  The well-behaved node: libcatchball, one request at a time

static cb_client_t *s_calm;
static int s_served, s_unserved;

static void
s_calm_served (void)
{
    cb_value_t *reply = cb_client_request (s_calm, "ping", NULL, 3000 * (int) s_scale);
    if (reply)
        s_served++;
    else {
        s_unserved++;
        fprintf (stderr, "the well-behaved node's ping: %s\n", cb_client_error_name (s_calm));
    }
    cb_value_destroy (&reply);
}

//  Waits up to `timeout` ms for a log line with `needle` after `mark`,
//  the well-behaved node pinging meanwhile. True if it came.
static bool
s_wait_log (long mark, const char *needle, int timeout)
{
    int64_t deadline = zclock_mono () + timeout;
    while (tb_log_lines_from (mark, needle) == 0 && zclock_mono () < deadline)
        s_calm_served ();
    return tb_log_lines_from (mark, needle) > 0;
}

//  The size of the broker's log now (a mark for tb_log_lines_from).
static long
s_log_mark (void)
{
    struct stat st;
    return stat (tb_log, &st) == 0 ? (long) st.st_size : 0;
}

//  --------------------------------------------------------------------------
//  Raw TCP connections

static struct sockaddr_in
s_address (void)
{
    struct sockaddr_in address = { 0 };
    address.sin_family = AF_INET;
    address.sin_port = htons ((uint16_t) atoi (strrchr (tb_endpoint, ':') + 1));
    address.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
    return address;
}

//  A TCP connection that completes the ZMTP 3.0 handshake (NULL mechanism:
//  our greeting and READY as a DEALER) and then says nothing. -1 if the
//  connection failed.
static int
s_zmtp_open (void)
{
    struct sockaddr_in address = s_address ();
    int fd = socket (AF_INET, SOCK_STREAM, 0);
    REQUIRE (fd >= 0);
    if (connect (fd, (struct sockaddr *) &address, sizeof (address))) {
        close (fd);
        return -1;
    }
    uint8_t greeting [64] = { 0xff, 0, 0, 0, 0, 0, 0, 0, 0, 0x7f, 3, 0, 'N', 'U', 'L', 'L' };
    static const uint8_t ready [] = "\x04\x1c\x05READY\x0bSocket-Type\0\0\0\x06" "DEALER";
    if (send (fd, greeting, sizeof (greeting), MSG_NOSIGNAL) != sizeof (greeting)
    ||  send (fd, ready, sizeof (ready) - 1, MSG_NOSIGNAL) != (ssize_t) sizeof (ready) - 1) {
        close (fd);
        return -1;
    }
    return fd;
}

//  Reads what has come on each open connection; closes (and sets to -1)
//  those the broker closed. Waits up to `timeout` ms for the first sign.
//  Returns how many were closed.
static int
s_reap (int *fds, int count, int timeout)
{
    struct pollfd *polls = (struct pollfd *) calloc ((size_t) count, sizeof (struct pollfd));
    for (int i = 0; i < count; i++) {
        polls [i].fd = fds [i];
        polls [i].events = POLLIN;
    }
    int closed = 0;
    if (poll (polls, (nfds_t) count, timeout) > 0)
        for (int i = 0; i < count; i++) {
            if (fds [i] < 0 || !polls [i].revents)
                continue;
            char buffer [512];
            ssize_t got = recv (fds [i], buffer, sizeof (buffer), MSG_DONTWAIT);
            if (got == 0 || (got < 0 && errno != EAGAIN)) {
                close (fds [i]);
                fds [i] = -1;
                closed++;
            }
        }
    free (polls);
    return closed;
}

//  Waits until `want` of the connections are closed by the broker or
//  `timeout` ms pass, the well-behaved node pinging meanwhile (when
//  `ping`). Returns how many were closed.
static int
s_reap_all (int *fds, int count, int want, int timeout, bool ping)
{
    int closed = 0;
    int64_t deadline = zclock_mono () + timeout, next_ping = zclock_mono ();
    while (closed < want && zclock_mono () < deadline) {
        closed += s_reap (fds, count, 200);
        if (ping && zclock_mono () >= next_ping) {
            s_calm_served ();
            next_ping = zclock_mono () + 500;
        }
    }
    return closed;
}

static void
s_close_all (int *fds, int count)
{
    for (int i = 0; i < count; i++)
        if (fds [i] >= 0)
            close (fds [i]);
}

//  --------------------------------------------------------------------------
//  1. A node that never reads its replies

#define HISTORY_REVS    40
#define HOARDED         600
#define PEAK_BOUND_KB   (48L * 1024)    //  16 MiB held, and room for the rest

static void
test_never_reads_replies (void)
{
    printf ("a node sends %d draft.history requests and never reads\n", HOARDED);
    //  A draft whose history is about 320 KB: each revision changes a
    //  4,000-character narrative.
    zsock_t *writer = s_dealer (-1, -1);
    REQUIRE (s_hello (writer, "writer", "team") == 0);
    cb_value_t *body = cb_value_new_map ();
    cb_value_t *content = tb_content ("Remember everything");
    cb_value_set (body, "content", &content);
    cb_value_t *reply = s_call (writer, "draft.new", "new", body, 5000);
    REQUIRE (reply);
    CHECK_STR (cb_value_get_str (cb_value_get (reply, "body"), "draft"), "d1");
    cb_value_destroy (&reply);
    char *narrative = (char *) malloc (4001);
    for (int rev = 0; rev < HISTORY_REVS; rev++) {
        memset (narrative, 'a' + rev % 26, 4000);
        narrative [4000] = 0;
        body = cb_value_new_map ();
        cb_value_set_str (body, "draft", "d1");
        content = tb_content ("Remember everything");
        cb_value_set_str (content, "narrative", narrative);
        cb_value_set (body, "content", &content);
        char mid [32];
        snprintf (mid, sizeof (mid), "rev-%d", rev);
        reply = s_call (writer, "draft.revise", mid, body, 5000);
        REQUIRE (tb_code (&reply) == 0);
    }
    free (narrative);
    body = cb_value_new_map ();
    cb_value_set_str (body, "draft", "d1");
    size_t size = 0;
    reply = s_call_sized (writer, "draft.history", "history", body, 5000, &size);
    REQUIRE (tb_code (&reply) == 0);
    printf ("  a draft.history reply: %zu bytes\n", size);
    //  A page of it (PROTOCOL.md 4.1: pages stop at 192 KiB): 600 of
    //  them are some 115 MB, far past the bound.
    CHECK (size > 150000);

    //  The hoarder: small buffers, so that what it does not read stays
    //  in the broker (and the kernel's buffers on the way).
    zsock_t *hoarder = s_dealer (10, 4096);
    REQUIRE (s_hello (hoarder, "hoarder", "observer") == 0);
    long mark = s_log_mark ();
    s_served = s_unserved = 0;
    s_reset_peak ();
    long peak0 = tb_status_kb ("VmHWM");
    for (int i = 0; i < HOARDED; i++) {
        char mid [32];
        snprintf (mid, sizeof (mid), "hoard-%d", i);
        body = cb_value_new_map ();
        cb_value_set_str (body, "draft", "d1");
        tb_send (hoarder, "draft.history", mid, body);
    }
    //  The broker says when it closes the connection.
    bool closed = s_wait_log (mark, "not reading", 30000 * (int) s_scale);
    long peak1 = tb_status_kb ("VmHWM");
    printf ("  broker peak resident: %ld KiB before, %ld after (%+ld KiB; bound %ld); "
            "closed: %s; the well-behaved node: %d served, %d not\n", peak0, peak1,
            peak1 - peak0, PEAK_BOUND_KB * s_scale, closed ? "yes" : "no", s_served,
            s_unserved);
    CHECK (closed);
    CHECK (peak1 - peak0 < PEAK_BOUND_KB * s_scale);
    CHECK_INT (s_unserved, 0);
    CHECK (s_served > 0);

    //  It comes back: what it had not read is gone with its connection,
    //  its DEALER has connected again (the requests it had not sent yet
    //  went on the new one, and got NOT_HELLO), and after a hello it is
    //  served.
    zpoller_t *poller = zpoller_new (hoarder, NULL);
    int drained = 0;
    while (zpoller_wait (poller, 200)) {
        zframe_t *frame = zframe_recv (hoarder);
        zframe_destroy (&frame);
        drained++;
    }
    zpoller_destroy (&poller);
    reply = s_call (hoarder, "ping", "hoarder-ping", NULL, 5000);
    int64_t code = tb_code (&reply);
    printf ("  the hoarder read %d replies it had been sent; its ping then: %lld\n", drained,
            (long long) code);
    CHECK_INT (code, CB_E_NOT_HELLO);
    CHECK_INT (s_hello (hoarder, "hoarder", "observer"), 0);
    body = cb_value_new_map ();
    cb_value_set_str (body, "draft", "d1");
    reply = s_call_sized (hoarder, "draft.history", "hoard-again", body, 5000, &size);
    CHECK_INT (tb_code (&reply), 0);
    CHECK (size > 150000);
    zsock_destroy (&hoarder);
    zsock_destroy (&writer);
}

//  --------------------------------------------------------------------------
//  2. One multipart message of 1,000 parts of 256 KiB, before any hello

#define PARTS       1000
#define PART_SIZE   (256 * 1024)

static void
test_huge_multipart (void)
{
    printf ("a connection that never said hello sends %d parts of %d KiB in one message\n",
            PARTS, PART_SIZE >> 10);
    //  Each part points at the same buffer: the test does not hold 250 MB.
    static uint8_t part [PART_SIZE];
    memset (part, 'x', sizeof (part));
    zsock_t *stranger = s_dealer (-1, -1);
    //  Its connection is up (NOT_HELLO) before the parts go.
    cb_value_t *reply = s_call (stranger, "ping", "stranger", NULL, 5000);
    REQUIRE (tb_code (&reply) == CB_E_NOT_HELLO);
    long mark = s_log_mark ();
    s_served = s_unserved = 0;
    s_reset_peak ();
    long peak0 = tb_status_kb ("VmHWM");
    void *handle = zsock_resolve (stranger);
    for (int i = 0; i < PARTS; i++) {
        zmq_msg_t msg;
        zmq_msg_init_data (&msg, part, sizeof (part), NULL, NULL);
        REQUIRE (zmq_msg_send (&msg, handle, i + 1 < PARTS ? ZMQ_SNDMORE : 0) >= 0);
    }
    bool closed = s_wait_log (mark, "sending more than", 30000 * (int) s_scale);
    long peak1 = tb_status_kb ("VmHWM");
    printf ("  broker peak resident: %ld KiB before, %ld after (%+ld KiB; bound %ld); "
            "closed: %s; the well-behaved node: %d served, %d not\n", peak0, peak1,
            peak1 - peak0, PEAK_BOUND_KB * s_scale, closed ? "yes" : "no", s_served,
            s_unserved);
    CHECK (closed);
    CHECK (peak1 - peak0 < PEAK_BOUND_KB * s_scale);
    CHECK_INT (s_unserved, 0);
    zsock_destroy (&stranger);

    //  A small one is still answered BAD_MESSAGE, whatever its size.
    zsock_t *small = s_dealer (-1, -1);
    cb_value_t *ping = tb_request ("ping", "three-parts", NULL);
    size_t size;
    void *data = cb_codec_encode (ping, &size);
    cb_value_destroy (&ping);
    for (int i = 0; i < 3; i++)
        REQUIRE (zmq_send (zsock_resolve (small), data, size, i < 2 ? ZMQ_SNDMORE : 0) >= 0);
    free (data);
    zpoller_t *poller = zpoller_new (small, NULL);
    REQUIRE (zpoller_wait (poller, 5000));
    zframe_t *frame = zframe_recv (small);
    reply = cb_codec_decode (zframe_data (frame), zframe_size (frame), NULL, 0);
    zframe_destroy (&frame);
    zpoller_destroy (&poller);
    CHECK_INT (tb_code (&reply), CB_E_BAD_MESSAGE);
    zsock_destroy (&small);
}

//  --------------------------------------------------------------------------
//  3. Connections that never say hello (opened first, checked last)

#define SILENT      100

static int s_silent [SILENT];
static int64_t s_silent_opened;
static zsock_t *s_stayer;           //  Said hello on its connection: stays

static void
test_silent_open (void)
{
    printf ("%d connections complete the handshake and never say hello\n", SILENT);
    s_silent_opened = zclock_mono ();
    for (int i = 0; i < SILENT; i++) {
        s_silent [i] = s_zmtp_open ();
        REQUIRE (s_silent [i] >= 0);
    }
    s_stayer = s_dealer (-1, -1);
    REQUIRE (s_hello (s_stayer, "stayer", "observer") == 0);
}

static void
test_silent_closed (long mark)
{
    //  The default hello timeout is 10 s: all closed well within 20 s of
    //  their opening (a deadline for the test, not a speed to meet).
    int64_t left = s_silent_opened + 20000 - zclock_mono ();
    int closed = s_reap_all (s_silent, SILENT, SILENT, left > 0 ? (int) left : 0, true);
    s_close_all (s_silent, SILENT);
    //  The broker's count of them, in its periodic lines.
    int lines = 0, counted = 0;
    FILE *file = fopen (tb_log, "r");
    REQUIRE (file);
    fseek (file, mark, SEEK_SET);
    char line [1024];
    while (fgets (line, sizeof (line), file)) {
        const char *at = strstr (line, " with no hello within ");
        const char *from = at;
        while (from && from > line && isdigit ((unsigned char) from [-1]))
            from--;
        if (at && atoi (from) > 0) {
            counted += atoi (from);
            lines++;
        }
    }
    fclose (file);
    printf ("  closed by the broker: %d of %d after %lld ms; the log counts %d in %d line(s)\n",
            closed, SILENT, (long long) (zclock_mono () - s_silent_opened), counted, lines);
    CHECK_INT (closed, SILENT);
    CHECK_INT (counted, SILENT);
    CHECK (lines >= 1 && lines <= 3);
    //  The node that said hello on its connection still has its session.
    cb_value_t *reply = s_call (s_stayer, "ping", "stayer-ping", NULL, 5000);
    CHECK_INT (tb_code (&reply), 0);
    zsock_destroy (&s_stayer);
}

//  --------------------------------------------------------------------------
//  4. The listen backlog

#define CONNECTS    600

static void
test_backlog (void)
{
    printf ("%d connections made while the broker is stopped\n", CONNECTS);
    struct sockaddr_in address = s_address ();
    int fds [CONNECTS];
    struct pollfd polls [CONNECTS];
    REQUIRE (kill (tb_pid, SIGSTOP) == 0);
    for (int i = 0; i < CONNECTS; i++) {
        fds [i] = socket (AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
        REQUIRE (fds [i] >= 0);
        int rc = connect (fds [i], (struct sockaddr *) &address, sizeof (address));
        REQUIRE (rc == 0 || errno == EINPROGRESS);
        polls [i].fd = fds [i];
        polls [i].events = POLLOUT;
    }
    //  Nobody accepts while the broker is stopped: a connection is
    //  established only if the kernel's accept queue (the backlog) has
    //  room for it. The others' SYNs are dropped and sent again after 1 s,
    //  3 s...: still no room, so the count cannot change by waiting.
    int connected = 0;
    int64_t deadline = zclock_mono () + 2000;
    while (connected < CONNECTS && zclock_mono () < deadline) {
        REQUIRE (poll (polls, CONNECTS, 100) >= 0);
        connected = 0;
        for (int i = 0; i < CONNECTS; i++)
            if (polls [i].revents & POLLOUT) {
                int error = 0;
                socklen_t len = sizeof (error);
                getsockopt (fds [i], SOL_SOCKET, SO_ERROR, &error, &len);
                connected += error == 0;
            }
    }
    REQUIRE (kill (tb_pid, SIGCONT) == 0);
    for (int i = 0; i < CONNECTS; i++)
        close (fds [i]);
    printf ("  established while it was stopped: %d of %d\n", connected, CONNECTS);
    CHECK_INT (connected, CONNECTS);
    //  It still serves.
    s_served = s_unserved = 0;
    s_calm_served ();
    CHECK_INT (s_unserved, 0);
}

//  --------------------------------------------------------------------------
//  5. Descriptors: the soft limit raised, no spin at the limit

//  The broker's CPU in ms while a new node says hello and pings ten
//  times, a tenth of `window` apart (a pace, so that the pings themselves
//  cost little; at least `window` ms in all). True if that node was served.
static bool
s_new_node_served (const char *node, int window, long *cpu)
{
    long cpu0 = s_cpu_ms ();
    int64_t start = zclock_mono ();
    cb_client_t *client = cb_client_new (tb_endpoint, node, "observer", NULL);
    REQUIRE (client);
    bool served = cb_client_hello (client, 3000 * (int) s_scale) == 0;
    for (int i = 1; i <= 10; i++) {
        int64_t at = start + window * i / 10;
        while (zclock_mono () < at)
            poll (NULL, 0, (int) (at - zclock_mono ()));
        if (served) {
            cb_value_t *reply = cb_client_request (client, "ping", NULL, 3000 * (int) s_scale);
            served = reply != NULL;
            cb_value_destroy (&reply);
        }
    }
    cb_client_destroy (&client);
    *cpu = s_cpu_ms () - cpu0;
    printf ("  a new node: %s; the broker's CPU: %ld ms in %lld ms\n",
            served ? "served" : "NOT served", *cpu, (long long) (zclock_mono () - start));
    return served;
}

#define CROWD       300

static void
test_descriptors (void)
{
    printf ("the broker started with a soft descriptor limit of 256; %d connections "
            "without hello\n", CROWD);
    struct rlimit ours;
    REQUIRE (getrlimit (RLIMIT_NOFILE, &ours) == 0);
    REQUIRE (ours.rlim_max >= 2048);
    struct rlimit low = { 256, ours.rlim_max };
    REQUIRE (setrlimit (RLIMIT_NOFILE, &low) == 0);
    char store [300];
    snprintf (store, sizeof (store), "%s/fds", tb_dir);
    tb_start (store, NULL, NULL);
    REQUIRE (setrlimit (RLIMIT_NOFILE, &ours) == 0);
    //  Its soft limit is its hard limit now, and it says so.
    char path [64], line [256];
    snprintf (path, sizeof (path), "/proc/%d/limits", (int) tb_pid);
    FILE *file = fopen (path, "r");
    REQUIRE (file);
    unsigned long soft = 0, hard = 0;
    while (fgets (line, sizeof (line), file))
        if (sscanf (line, "Max open files %lu %lu", &soft, &hard) == 2)
            break;
    fclose (file);
    printf ("  the broker's descriptor limit: soft %lu, hard %lu\n", soft, hard);
    CHECK_INT (soft, hard);
    CHECK (tb_log_lines ("raised from 256") == 1);

    int fds [CROWD];
    int open = 0;
    for (int i = 0; i < CROWD; i++)
        if ((fds [i] = s_zmtp_open ()) >= 0)
            open++;
    CHECK_INT (open, CROWD);
    long cpu;
    CHECK (s_new_node_served ("newcomer", 1000, &cpu));
    //  A spinning accept loop takes a whole core.
    CHECK (cpu < 500);
    //  None of them was closed (the hello timeout is 10 s away).
    int closed = s_reap (fds, CROWD, 0);
    CHECK_INT (closed, 0);
    s_close_all (fds, CROWD);
    CHECK_INT (tb_stop (), 0);
}

#define CAP         50
#define OVER        80

static void
test_max_connections (void)
{
    printf ("--max-connections %d; %d connections without hello\n", CAP, OVER);
    char store [300], cap [16];
    snprintf (store, sizeof (store), "%s/cap", tb_dir);
    snprintf (cap, sizeof (cap), "%d", CAP);
    const char *args [] = { "--max-connections", cap, NULL };
    tb_start (store, NULL, args);
    long mark = s_log_mark ();
    //  Room for all but the prober's connection (closed by now or soon:
    //  its close may be seen after some of these are accepted).
    //  A connection closed before its greeting was sent counts as closed.
    int fds [OVER];
    int closed = 0;
    for (int i = 0; i < OVER; i++) {
        fds [i] = s_zmtp_open ();
        closed += fds [i] < 0;
    }
    //  Those past the cap are closed at once (well before the hello
    //  timeout: the deadline is 5 s).
    closed += s_reap_all (fds, OVER, OVER - CAP - closed, 5000, false);
    bool logged = tb_log_lines_from (mark, "--max-connections reached") > 0;
    printf ("  closed at once: %d of %d; logged: %s\n", closed, OVER, logged ? "yes" : "no");
    CHECK (closed >= OVER - CAP && closed <= OVER - CAP + 1);
    CHECK (logged);
    //  At the cap, a new node is refused too, and the broker does not spin.
    long cpu;
    s_new_node_served ("at-the-cap", 1000, &cpu);
    CHECK (cpu < 500);
    //  Once they go, a new node is served.
    s_close_all (fds, OVER);
    cb_client_t *client = cb_client_new (tb_endpoint, "after-the-cap", "observer", NULL);
    CHECK_INT (cb_client_hello (client, 5000 * (int) s_scale), 0);
    cb_client_destroy (&client);
    CHECK_INT (tb_stop (), 0);
}

int
main (void)
{
#ifdef CB_SANITIZE
    s_scale = 2;
#endif
    tb_init ("test_limits", true);
    if (s_scale > 1) {
        //  The brokers keep ASan's quarantine of freed blocks small: it is
        //  not memory a peer made the broker keep.
        char options [1024];
        const char *old = getenv ("ASAN_OPTIONS");
        snprintf (options, sizeof (options), "%s%squarantine_size_mb=16",
                  old ? old : "", old && *old ? ":" : "");
        setenv ("ASAN_OPTIONS", options, 1);
        printf ("sanitizer build: memory bounds are %ld times larger\n", s_scale);
    }
    int64_t start = zclock_mono ();
    char store [300];
    snprintf (store, sizeof (store), "%s/store", tb_dir);
    tb_start (store, NULL, NULL);
    long mark = s_log_mark ();
    s_calm = cb_client_new (tb_endpoint, "calm", "observer", NULL);
    REQUIRE (s_calm);
    REQUIRE (cb_client_hello (s_calm, 5000) == 0);

    test_silent_open ();
    test_never_reads_replies ();
    test_huge_multipart ();
    test_backlog ();
    test_silent_closed (mark);
    cb_client_destroy (&s_calm);
    CHECK_INT (tb_stop (), 0);

    s_calm = NULL;
    test_descriptors ();
    test_max_connections ();
    printf ("in %lld ms\n", (long long) (zclock_mono () - start));
    return tb_done (TEST_DONE ());
}
