/*  =========================================================================
    test_hostile - the real catchballd binary against hostile peers (issue 4)

    Starts catchballd (path in $CATCHBALLD) on a temporary store and a free
    port, and checks that memory stays bounded and the other nodes are
    served while:
    - one node floods draft.new (--rate 200): some are refused
      RATE_LIMITED with a retry_after, refused ones store nothing, the
      node is served again after retry_after; a connection that never
      said hello floods pings and garbage: refused, nothing stored;
    - one connection says hello again and again with new node names: it
      is held to the same rate as any other flood;
    - a 300 KiB frame gets TOO_LARGE with its mid, a 600 KiB frame drops
      its connection, and nothing is stored;
    - a node and an event log subscriber never read their sockets while
      thousands of changes are delivered to them: the broker's anonymous
      memory stays bounded, and when they finally read they get every
      delivery and log entry exactly once, in order;
    - 200 TCP connections never finish the ZMTP handshake: the broker
      closes them after its handshake interval;
    - 2,000 connections say hello with new node names: the memory it
      costs is reported;
    - 50 peers leave just before SIGTERM: the broker still exits.

    Memory is the broker's RssAnon (its heap: what a hostile peer could
    make it allocate); VmRSS also counts LMDB's file-backed map, which
    grows with the store's size whatever the peers do, and is printed too.
    In a sanitizer build (CB_SANITIZE) the bounds are scaled (ASan's shadow
    memory and its quarantine of freed blocks, capped here with
    ASAN_OPTIONS=quarantine_size_mb).
    =========================================================================
*/
#include <czmq.h>
#include <signal.h>
#include <sys/wait.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <poll.h>

#include "catchball/catchball.h"
#include "testbroker.h"
#include "testutil.h"

static const char *s_store_name;
static long s_rss_scale = 1;        //  Memory bounds are multiplied by this
                                    //  (4 in a sanitizer build)

//  --------------------------------------------------------------------------
//  The broker (tests/testbroker.h)

//  Starts catchballd on store `store_name` (under the test's directory)
//  with up to two more arguments, and waits until it answers.
static void
s_start_on (const char *store_name, const char *arg1, const char *arg2)
{
    char store [300];
    snprintf (store, sizeof (store), "%s/%s", tb_dir, store_name);
    s_store_name = store_name;
    const char *args [] = { arg1, arg2, NULL };
    tb_start (store, NULL, args);
}

//  A clean stop: SIGTERM, and the broker exits 0 (under the sanitizers, a
//  leak or error found at exit makes that fail), within 5 s (15 s in a
//  sanitizer build): its loop wakes at least once a second.
static int
s_stop (void)
{
    int timeout = 5000 * (s_rss_scale > 1 ? 3 : 1);
    int status = tb_stop_within (timeout);
    if (status == -1)
        fprintf (stderr, "BUG: catchballd did not exit within %d ms of SIGTERM\n", timeout);
    return status;
}

//  LMDB's last committed transaction id of the current store.
static long
s_last_txnid (void)
{
    char store [300];
    snprintf (store, sizeof (store), "%s/%s", tb_dir, s_store_name);
    long txnid = tb_txnid (store);
    REQUIRE (txnid >= 0);
    return txnid;
}

static void
s_print_memory (const char *when)
{
    printf ("  broker memory %s: RssAnon %ld KiB, VmRSS %ld KiB\n", when,
            tb_status_kb ("RssAnon"), tb_status_kb ("VmRSS"));
}

//  --------------------------------------------------------------------------
//  Raw DEALER sockets speaking the protocol

//  A DEALER with options set before it connects (0: no high-water mark,
//  -1: the default).
static zsock_t *
s_dealer_buf (int sndhwm, int rcvhwm, int rcvbuf)
{
    zsock_t *dealer = zsock_new (ZMQ_DEALER);
    REQUIRE (dealer);
    if (rcvbuf > 0)
        zsock_set_rcvbuf (dealer, rcvbuf);
    if (sndhwm >= 0)
        zsock_set_sndhwm (dealer, sndhwm);
    if (rcvhwm >= 0)
        zsock_set_rcvhwm (dealer, rcvhwm);
    zsock_set_linger (dealer, 0);
    REQUIRE (zsock_connect (dealer, "%s", tb_endpoint) == 0);
    return dealer;
}

static zsock_t *
s_dealer (int sndhwm, int rcvhwm)
{
    return s_dealer_buf (sndhwm, rcvhwm, -1);
}


static void
s_send_raw (zsock_t *dealer, const void *data, size_t size)
{
    zframe_t *frame = zframe_new (data, size);
    REQUIRE (zframe_send (&frame, dealer, 0) == 0);
}

//  Sends a value (taken).
static void
s_send (zsock_t *dealer, cb_value_t *value)
{
    size_t size;
    void *data = cb_codec_encode (value, &size);
    cb_value_destroy (&value);
    s_send_raw (dealer, data, size);
    free (data);
}

//  Following a sequenced stream (an inbox, or the event log) as a client
//  must: every message once and in order, acknowledged (`ack` is the
//  request type) every `every` messages.
typedef struct {
    zsock_t *sock;              //  Where it comes, and acks go
    const char *ack;            //  "ack" or "log.ack"
    uint64_t every;             //  Ack each multiple of this
    uint64_t next;              //  The sequence expected next
    uint64_t dups, gaps;        //  Seen again; skipped
} s_follow_t;

//  Takes message `seq`: false if it was seen already.
static bool
s_follow_take (s_follow_t *self, uint64_t seq)
{
    if (seq < self->next) {
        self->dups++;
        return false;
    }
    if (seq > self->next)
        self->gaps++;
    self->next = seq + 1;
    if (seq % self->every == 0) {
        cb_value_t *body = cb_value_new_map ();
        cb_value_set_int (body, "upto", (int64_t) seq);
        char mid [48];
        snprintf (mid, sizeof (mid), "%s-%llu", self->ack, (unsigned long long) seq);
        s_send (self->sock, tb_request (self->ack, mid, body));
    }
    return true;
}

//  The next message, decoded, waiting up to `timeout` ms; NULL if none.
static cb_value_t *
s_recv (zsock_t *dealer, int timeout)
{
    zmq_pollitem_t item = { zsock_resolve (dealer), 0, ZMQ_POLLIN, 0 };
    if (zmq_poll (&item, 1, timeout) <= 0)
        return NULL;
    zframe_t *frame = zframe_recv (dealer);
    REQUIRE (frame);
    cb_value_t *value = cb_codec_decode (zframe_data (frame), zframe_size (frame), NULL, 0);
    zframe_destroy (&frame);
    REQUIRE (value);
    return value;
}

//  Sends a request (body taken) and returns the reply with its mid,
//  skipping anything else, or NULL if none came within `timeout` ms. Like
//  a client (PROTOCOL.md section 4), it sends the request again, with the
//  same mid, after each second without its reply: a message read just as
//  the monitor reports the close of an earlier connection on the same
//  socket number speaks for nobody and gets no answer (broker_conn.c),
//  which a machine under load makes likelier.
static cb_value_t *
s_call (zsock_t *dealer, const char *type, const char *mid, cb_value_t *body, int timeout)
{
    size_t size;
    cb_value_t *request = tb_request (type, mid, body);
    void *data = cb_codec_encode (request, &size);
    cb_value_destroy (&request);
    s_send_raw (dealer, data, size);
    int64_t deadline = zclock_mono () + timeout;
    int64_t resend = zclock_mono () + 1000;
    while (true) {
        int64_t now = zclock_mono ();
        if (now >= deadline) {
            free (data);
            return NULL;
        }
        if (now >= resend) {
            s_send_raw (dealer, data, size);
            resend = now + 1000;
        }
        int64_t wait = (deadline < resend ? deadline : resend) - now;
        cb_value_t *reply = s_recv (dealer, (int) wait);
        if (!reply)
            continue;
        const char *type_in = cb_value_get_str_or (reply, "type", "");
        if ((streq (type_in, "ok") || streq (type_in, "error"))
        &&  streq (cb_value_get_str_or (reply, "mid", ""), mid)) {
            free (data);
            return reply;
        }
        cb_value_destroy (&reply);
    }
}

static int64_t
s_hello (zsock_t *dealer, const char *node, const char *role)
{
    cb_value_t *body = cb_value_new_map ();
    cb_value_set_str (body, "node", node);
    if (role)
        cb_value_set_str (body, "role", role);
    char mid [96];
    snprintf (mid, sizeof (mid), "hello-%s", node);
    cb_value_t *reply = s_call (dealer, "hello", mid, body, 5000);
    return tb_code (&reply);
}

//  The other node: a request answered within a second, three in a
//  sanitizer build (a deadline, not a speed assertion: a starved node gets
//  no answer at all).
static int s_served = 0;
static int s_unserved = 0;
static int64_t s_worst_ms = 0;

static int
s_deadline_ms (void)
{
    return s_rss_scale > 1 ? 3000 : 1000;
}

static void
s_other_node_served (zsock_t *calm)
{
    char mid [32];
    snprintf (mid, sizeof (mid), "calm-%d", s_served + s_unserved);
    int64_t start = zclock_mono ();
    cb_value_t *reply = s_call (calm, "ping", mid, NULL, s_deadline_ms ());
    int64_t code = tb_code (&reply);
    int64_t took = zclock_mono () - start;
    if (code == 0)
        s_served++;
    else {
        s_unserved++;
        fprintf (stderr, "the other node's ping got %lld after %lld ms\n",
                 (long long) code, (long long) took);
    }
    if (took > s_worst_ms)
        s_worst_ms = took;
}

//  Content with a narrative of `narrative` bytes, to make frames big.
static cb_value_t *
s_content (const char *objective, size_t narrative)
{
    cb_value_t *c = tb_content (objective);
    if (narrative) {
        char *text = (char *) malloc (narrative + 1);
        memset (text, 'n', narrative);
        text [narrative] = 0;
        cb_value_set_str (c, "narrative", text);
        free (text);
    }
    return c;
}

static cb_value_t *
s_draft_body (const char *objective, size_t narrative)
{
    cb_value_t *body = cb_value_new_map ();
    cb_value_t *c = s_content (objective, narrative);
    cb_value_set (body, "content", &c);
    return body;
}

//  --------------------------------------------------------------------------
//  1. A flood from one node, and from a connection that never said hello

#define FLOOD       2000
#define CHUNK       100
#define RATE        200

typedef struct {
    char *draft [FLOOD];        //  The draft of each ok reply
    int answers [FLOOD];        //  Replies seen per mid
    int ok, limited, other;
    int64_t min_after, max_after;
    int last_refused;           //  Index of the last request refused
    int64_t last_after;         //  ... and its retry_after
    int64_t last_reply;         //  When the last reply came (mono ms)
} s_flood_t;

static void
s_flood_reply (s_flood_t *f, cb_value_t *reply)
{
    int index = -1;
    const char *mid = cb_value_get_str_or (reply, "mid", "");
    if (sscanf (mid, "f-%d", &index) != 1 || index < 0 || index >= FLOOD) {
        f->other++;
        return;
    }
    f->answers [index]++;
    f->last_reply = zclock_mono ();
    int64_t code = -1, after = -1;
    const char *type = cb_value_get_str_or (reply, "type", "");
    if (streq (type, "ok")) {
        f->ok++;
        free (f->draft [index]);
        f->draft [index] = strdup (cb_value_get_str_or (cb_value_get (reply, "body"), "draft", "?"));
    }
    else
    if (streq (type, "error") && cb_value_get_int (reply, "code", &code)
    &&  code == CB_E_RATE_LIMITED) {
        f->limited++;
        CHECK_STR (cb_value_get_str (reply, "name"), "RATE_LIMITED");
        cb_value_get_int (reply, "retry_after", &after);
        if (after < f->min_after)
            f->min_after = after;
        if (after > f->max_after)
            f->max_after = after;
        f->last_refused = index;
        f->last_after = after;
    }
    else {
        fprintf (stderr, "flood: %s got %s %lld\n", mid, type, (long long) code);
        f->other++;
    }
}

//  Handles the flood's replies that have come, waiting up to `wait` ms
//  for the first.
static void
s_flood_drain (s_flood_t *f, zsock_t *flood, int wait)
{
    cb_value_t *reply;
    while ((reply = s_recv (flood, wait))) {
        s_flood_reply (f, reply);
        cb_value_destroy (&reply);
        wait = 0;
    }
}

static void
s_flood_send (zsock_t *flood, int index)
{
    char mid [32], objective [32];
    snprintf (mid, sizeof (mid), "f-%d", index);
    snprintf (objective, sizeof (objective), "Flood %d", index);
    s_send (flood, tb_request ("draft.new", mid, s_draft_body (objective, 0)));
}

static void
test_flood (void)
{
    printf ("flood from one node, --rate %d\n", RATE);
    zsock_t *flood = s_dealer (0, 0);
    zsock_t *calm = s_dealer (-1, -1);
    REQUIRE (s_hello (flood, "flooder", "team") == 0);
    REQUIRE (s_hello (calm, "calm", "team") == 0);

    s_flood_t *f = (s_flood_t *) zmalloc (sizeof (s_flood_t));
    f->min_after = INT64_MAX;
    f->last_refused = -1;
    s_served = s_unserved = 0;
    s_worst_ms = 0;
    int64_t start = zclock_mono ();
    for (int i = 0; i < FLOOD; i++) {
        s_flood_send (flood, i);
        if ((i + 1) % CHUNK == 0) {
            s_flood_drain (f, flood, 0);
            s_other_node_served (calm);
        }
    }
    int64_t sent = zclock_mono ();
    int64_t deadline = sent + 20000;
    while (f->ok + f->limited + f->other < FLOOD && zclock_mono () < deadline)
        s_flood_drain (f, flood, 200);
    double seconds = (double) (f->last_reply - start) / 1000.0;
    printf ("  %d draft.new sent in %lld ms, answered in %.2f s: %d ok, %d RATE_LIMITED "
            "(retry_after %lld..%lld ms), %d other\n",
            FLOOD, (long long) (sent - start), seconds, f->ok, f->limited,
            (long long) f->min_after, (long long) f->max_after, f->other);
    printf ("  the other node: %d requests answered within %d ms, %d not (worst %lld ms)\n",
            s_served, s_deadline_ms (), s_unserved, (long long) s_worst_ms);
    CHECK_INT (f->ok + f->limited, FLOOD);
    CHECK_INT (f->other, 0);
    CHECK (f->limited > 0);
    CHECK (f->ok > 0);
    CHECK (f->min_after > 0);
    //  The broker held it to its rate: a burst of RATE, then RATE a second
    //  (10 % and one request of slack for the clock's granularity).
    CHECK (f->ok <= RATE + (int) (RATE * seconds * 1.1) + 1);
    for (int i = 0; i < FLOOD; i++)
        if (f->answers [i] != 1) {
            fprintf (stderr, "f-%d answered %d times\n", i, f->answers [i]);
            CHECK_INT (f->answers [i], 1);
        }
    CHECK_INT (s_unserved, 0);
    CHECK (s_served > 0);

    //  The bucket is emptied again with pings, then the last refused
    //  request is sent again (it stored nothing, so its mid is free): if it
    //  is refused, it is served once its retry_after has passed. Nothing
    //  else is sent meanwhile, so waiting retry_after must be enough.
    REQUIRE (f->last_refused >= 0);
    for (int i = 0; i < RATE + 50; i++) {
        char mid [32];
        snprintf (mid, sizeof (mid), "fp-%d", i);
        s_send (flood, tb_request ("ping", mid, NULL));
    }
    int attempts = 0;
    int64_t after = 0;
    bool served = false;
    cb_value_t *reply = NULL;
    while (attempts < 3 && !served) {
        if (after > 0)
            zclock_sleep ((int) after);     //  What the protocol asks, not synchronisation
        char mid [32], objective [32];
        snprintf (mid, sizeof (mid), "f-%d", f->last_refused);
        snprintf (objective, sizeof (objective), "Flood %d", f->last_refused);
        attempts++;
        reply = s_call (flood, "draft.new", mid, s_draft_body (objective, 0), 5000);
        REQUIRE (reply);
        int64_t code = -1;
        if (streq (cb_value_get_str_or (reply, "type", ""), "ok")) {
            served = true;
            f->limited--;
            s_flood_reply (f, reply);
        }
        else
        if (cb_value_get_int (reply, "code", &code) && code == CB_E_RATE_LIMITED) {
            after = cb_value_get_int_or (reply, "retry_after", 0);
            CHECK (after > 0);
        }
        else
            break;
        cb_value_destroy (&reply);
    }
    cb_value_destroy (&reply);
    printf ("  the last refused request sent again: served at attempt %d (retry_after %lld ms)\n",
            attempts, (long long) after);
    CHECK (served);
    CHECK (attempts <= 2);

    //  Every ok reply's draft exists with the content sent under that mid,
    //  and nothing else: the refused stored nothing.
    cb_value_t *body = cb_value_new_map ();
    cb_value_set_str (body, "owner", "flooder");
    reply = s_call (calm, "draft.list", "calm-list", body, 5000);
    REQUIRE (reply);
    cb_value_t *drafts = cb_value_get (cb_value_get (reply, "body"), "drafts");
    CHECK_INT (cb_value_size (drafts), f->ok);
    zhashx_t *objectives = zhashx_new ();
    for (size_t i = 0; i < cb_value_size (drafts); i++) {
        cb_value_t *draft = cb_value_at (drafts, i);
        zhashx_insert (objectives, cb_value_get_str_or (draft, "id", "?"),
                       (void *) cb_value_get_str_or (draft, "objective", "?"));
    }
    int missing = 0;
    for (int i = 0; i < FLOOD; i++) {
        if (!f->draft [i])
            continue;
        char objective [32];
        snprintf (objective, sizeof (objective), "Flood %d", i);
        const char *found = (const char *) zhashx_lookup (objectives, f->draft [i]);
        if (!found || !streq (found, objective))
            missing++;
    }
    CHECK_INT (missing, 0);
    zhashx_destroy (&objectives);
    cb_value_destroy (&reply);
    for (int i = 0; i < FLOOD; i++)
        free (f->draft [i]);
    free (f);

    //  A connection that never said hello floods pings and garbage.
    printf ("flood from a connection that never said hello\n");
    long before = s_last_txnid ();
    zsock_t *stranger = s_dealer (0, 0);
    int not_hello = 0, bad = 0, limited = 0, other = 0;
    s_served = s_unserved = 0;
    for (int i = 0; i < FLOOD; i++) {
        if (i % 2) {
            char mid [32];
            snprintf (mid, sizeof (mid), "s-%d", i);
            s_send (stranger, tb_request ("ping", mid, NULL));
        }
        else
            s_send_raw (stranger, "\xc1", 1);
        if ((i + 1) % CHUNK == 0)
            s_other_node_served (calm);
    }
    deadline = zclock_mono () + 20000;
    while (not_hello + bad + limited + other < FLOOD && zclock_mono () < deadline) {
        reply = s_recv (stranger, 200);
        int64_t code = tb_code (&reply);
        if (code == CB_E_NOT_HELLO)
            not_hello++;
        else
        if (code == CB_E_BAD_MESSAGE)
            bad++;
        else
        if (code == CB_E_RATE_LIMITED)
            limited++;
        else
        if (code != -1)
            other++;
    }
    printf ("  %d NOT_HELLO, %d BAD_MESSAGE, %d RATE_LIMITED, %d other; the other node: "
            "%d served, %d not (worst %lld ms)\n", not_hello, bad, limited, other,
            s_served, s_unserved, (long long) s_worst_ms);
    CHECK_INT (not_hello + bad + limited, FLOOD);
    CHECK_INT (other, 0);
    CHECK (limited > 0);
    CHECK_INT (s_unserved, 0);
    CHECK_INT (s_last_txnid (), before);

    zsock_destroy (&stranger);
    zsock_destroy (&calm);
    zsock_destroy (&flood);
}

//  One connection says hello again and again, each time as a new node
//  (without CURVE any name is accepted): a flood from one peer, which
//  should be held to the rate like any other.
static void
test_hello_flood (void)
{
    printf ("hellos with new node names from one connection, --rate %d\n", RATE);
    zsock_t *rotator = s_dealer (0, 0);
    int ok = 0, limited = 0, other = 0;
    int64_t start = zclock_mono ();
    //  As fast as a client that waits for each reply can go.
    for (int i = 0; i < 1000; i++) {
        char node [32];
        snprintf (node, sizeof (node), "rot-%d", i);
        int64_t code = s_hello (rotator, node, "observer");
        if (code == 0)
            ok++;
        else
        if (code == CB_E_RATE_LIMITED)
            limited++;
        else
            other++;
    }
    double seconds = (double) (zclock_mono () - start) / 1000.0;
    printf ("  1000 hellos in %.2f s: %d ok, %d RATE_LIMITED, %d other (the rate allows "
            "about %d)\n", seconds, ok, limited, other, RATE + (int) (RATE * seconds));
    CHECK_INT (other, 0);
    //  Must hold: a connection's requests are charged to its own bucket as
    //  well as its node's (fixed in issue 4; before, each hello with a new
    //  name was charged to the previous name's fresh bucket, and a single
    //  connection registered new nodes without limit).
    if (ok > RATE + (int) (RATE * seconds * 1.1) + 1)
        fprintf (stderr, "BUG: one connection rotating node names is not rate limited\n");
    CHECK (ok <= RATE + (int) (RATE * seconds * 1.1) + 1);
    zsock_destroy (&rotator);
}

//  --------------------------------------------------------------------------
//  4. Oversized frames

static void
test_oversized (void)
{
    printf ("oversized frames\n");
    zsock_t *big = s_dealer (-1, -1);
    zsock_t *calm = s_dealer (-1, -1);
    REQUIRE (s_hello (big, "bigsender", "team") == 0);
    REQUIRE (s_hello (calm, "calm", NULL) == 0);
    long before = s_last_txnid ();

    //  300 KiB: TOO_LARGE, with its mid.
    size_t size = 300 * 1024;
    char *text = (char *) malloc (size);
    memset (text, 'a', size - 1);
    text [size - 1] = 0;
    cb_value_t *reply = s_call (big, "draft.new", "big-300", s_draft_body (text, 0), 5000);
    free (text);
    REQUIRE (reply);
    CHECK_STR (cb_value_get_str (reply, "mid"), "big-300");
    CHECK_INT (tb_code (&reply), CB_E_TOO_LARGE);
    CHECK_INT (s_last_txnid (), before);

    //  600 KiB: libzmq drops the connection; no answer, ever.
    size = 600 * 1024;
    text = (char *) malloc (size);
    memset (text, 'b', size - 1);
    text [size - 1] = 0;
    s_send (big, tb_request ("draft.new", "big-600", s_draft_body (text, 0)));
    free (text);
    s_served = s_unserved = 0;
    s_other_node_served (calm);
    reply = s_recv (big, 2000);
    CHECK (reply == NULL);
    cb_value_destroy (&reply);
    s_other_node_served (calm);
    CHECK_INT (s_unserved, 0);
    //  The DEALER reconnected on its own: a new connection, not the one
    //  that said hello.
    reply = s_call (big, "ping", "big-after", NULL, 5000);
    CHECK_INT (tb_code (&reply), CB_E_NOT_HELLO);
    CHECK (tb_alive ());
    CHECK_INT (s_last_txnid (), before);
    printf ("  300 KiB: TOO_LARGE; 600 KiB: no answer, connection dropped; nothing stored\n");
    zsock_destroy (&calm);
    zsock_destroy (&big);
}

//  --------------------------------------------------------------------------
//  2. Peers that never read

#define WARMUP      200         //  Rounds thrown and closed before the first measure
#define ROUNDS      1700        //  In all
#define PIPELINE    50          //  Rounds (two requests each) in flight

//  Throws round `k` of d1 to `slow` and closes it (pipelined), for k in
//  [from, to]; checks every reply.
static void
s_rounds (zsock_t *lead, zsock_t *calm, int from, int to)
{
    for (int k = from; k <= to; k += PIPELINE) {
        int last = k + PIPELINE - 1 < to ? k + PIPELINE - 1 : to;
        for (int r = k; r <= last; r++) {
            char mid [32], round [32];
            cb_value_t *body = cb_value_new_map ();
            cb_value_set_str (body, "draft", "d1");
            cb_value_t *recipients = cb_value_new_array ();
            cb_value_t *who = cb_value_new_str ("slow");
            cb_value_push (recipients, &who);
            cb_value_set (body, "to", &recipients);
            snprintf (mid, sizeof (mid), "throw-%d", r);
            s_send (lead, tb_request ("round.throw", mid, body));
            body = cb_value_new_map ();
            snprintf (round, sizeof (round), "r%d", r);
            cb_value_set_str (body, "round", round);
            snprintf (mid, sizeof (mid), "close-%d", r);
            s_send (lead, tb_request ("round.close", mid, body));
        }
        //  Replies come in the order sent; deliveries to the lead (it
        //  owns the rounds) are skipped.
        int expect = 2 * k;
        while (expect <= 2 * last + 1) {
            cb_value_t *reply = s_recv (lead, 5000);
            REQUIRE (reply);
            const char *type = cb_value_get_str_or (reply, "type", "");
            if (streq (type, "deliver")) {
                cb_value_destroy (&reply);
                continue;
            }
            char mid [32], round [32];
            snprintf (mid, sizeof (mid), "%s-%d", expect % 2 ? "close" : "throw", expect / 2);
            snprintf (round, sizeof (round), "r%d", expect / 2);
            if (!streq (type, "ok") || !streq (cb_value_get_str_or (reply, "mid", ""), mid)
            ||  !streq (cb_value_get_str_or (cb_value_get (reply, "body"), "round", ""), round)) {
                fprintf (stderr, "%s: %s %s\n", mid, type, cb_value_get_str_or (reply, "message", ""));
                REQUIRE (false);
            }
            cb_value_destroy (&reply);
            expect++;
        }
        s_other_node_served (calm);
    }
}

static void
test_never_reads (void)
{
    printf ("a node and a log subscriber that never read\n");
    zsock_t *lead = s_dealer (0, 0);
    zsock_t *calm = s_dealer (-1, -1);
    //  Small receive marks and kernel buffers: libzmq stops reading their
    //  TCP connections soon, the kernel's buffers fill, then the broker's
    //  pipes.
    zsock_t *slow = s_dealer_buf (-1, 10, 4096);
    zsock_t *slowlog = s_dealer_buf (-1, 10, 4096);
    REQUIRE (s_hello (lead, "lead", "leadership") == 0);
    REQUIRE (s_hello (calm, "calm", "team") == 0);
    REQUIRE (s_hello (slow, "slow", "team") == 0);
    REQUIRE (s_hello (slowlog, "slowlog", "observer") == 0);
    cb_value_t *body = cb_value_new_map ();
    cb_value_set_int (body, "from", 1);
    cb_value_t *reply = s_call (slowlog, "log.subscribe", "sub", body, 5000);
    REQUIRE (tb_code (&reply) == 0);
    //  The largest content there is, or nearly: each delivery and log
    //  entry carries it (about 4.5 KB).
    reply = s_call (lead, "draft.new", "new-d1", s_draft_body ("Never read", 4000), 5000);
    REQUIRE (reply);
    CHECK_STR (cb_value_get_str (cb_value_get (reply, "body"), "draft"), "d1");
    cb_value_destroy (&reply);
    //  The slow node also sends requests and never reads the replies.
    for (int i = 0; i < 3000; i++) {
        char mid [32];
        snprintf (mid, sizeof (mid), "slow-ping-%d", i);
        s_send (slow, tb_request ("ping", mid, NULL));
    }

    s_served = s_unserved = 0;
    s_worst_ms = 0;
    s_rounds (lead, calm, 1, WARMUP);
    long anon0 = tb_status_kb ("RssAnon");
    s_print_memory ("after warm-up");
    int64_t start = zclock_mono ();
    s_rounds (lead, calm, WARMUP + 1, ROUNDS);
    long anon1 = tb_status_kb ("RssAnon");
    s_print_memory ("after the rest");
    printf ("  %d more changes in %lld ms; RssAnon grew %ld KiB; the other node: %d served, "
            "%d not (worst %lld ms)\n", 2 * (ROUNDS - WARMUP),
            (long long) (zclock_mono () - start), anon1 - anon0, s_served, s_unserved,
            (long long) s_worst_ms);
    CHECK_INT (s_unserved, 0);
    //  Bound: the broker holds at most a window of 128 deliveries for the
    //  slow node and the log window of 1,024 entries for the subscriber,
    //  about 4.5 KB each: under 6 MiB,
    //  plus libzmq's buffers. 64 MiB is generous; an unbounded queue of
    //  3,000 changes would pass it only if they cost under 22 KB each to
    //  both peers together, so the figure printed above is the real check.
    CHECK (anon1 - anon0 < 64 * 1024 * s_rss_scale);

    //  Now they read: every delivery once, in order, with acks as they go.
    uint64_t total = 2 * ROUNDS, wrong = 0;
    s_follow_t inbox = { slow, "ack", 64, 1, 0, 0 };
    int64_t deadline = zclock_mono () + 30000;
    while (inbox.next <= total && zclock_mono () < deadline) {
        cb_value_t *in = s_recv (slow, 1000);
        if (!in)
            continue;
        uint64_t seq = (uint64_t) cb_value_get_int_or (in, "seq", 0);
        if (streq (cb_value_get_str_or (in, "type", ""), "deliver")
        &&  s_follow_take (&inbox, seq)) {
            //  Odd: round (seq + 1) / 2 thrown; even: that round closed.
            char round [32];
            snprintf (round, sizeof (round), "r%llu", (unsigned long long) (seq + 1) / 2);
            const char *kind = seq % 2 ? "round.thrown" : "round.closed";
            if (!streq (cb_value_get_str_or (in, "kind", ""), kind)
            ||  !streq (cb_value_get_str_or (cb_value_get (in, "body"), "round", ""), round))
                wrong++;
        }
        cb_value_destroy (&in);
    }
    printf ("  slow node: deliveries up to %llu of %llu, %llu duplicates, %llu gaps, "
            "%llu wrong\n", (unsigned long long) inbox.next - 1, (unsigned long long) total,
            (unsigned long long) inbox.dups, (unsigned long long) inbox.gaps,
            (unsigned long long) wrong);
    CHECK_INT (inbox.next - 1, total);
    CHECK_INT (inbox.dups, 0);
    CHECK_INT (inbox.gaps, 0);
    CHECK_INT (wrong, 0);
    body = cb_value_new_map ();
    cb_value_set_int (body, "upto", (int64_t) total);
    reply = s_call (slow, "ack", "ack-last", body, 5000);
    REQUIRE (reply);
    CHECK_INT (cb_value_get_int_or (cb_value_get (reply, "body"), "acked", 0), total);
    cb_value_destroy (&reply);
    //  Nothing more comes (a ping's reply shows the pipe is empty).
    reply = s_call (slow, "ping", "slow-last", NULL, 5000);
    CHECK (reply != NULL);
    cb_value_destroy (&reply);
    CHECK ((reply = s_recv (slow, 0)) == NULL);
    cb_value_destroy (&reply);

    //  The log: entry 1 (d1's creation), then one per throw and close.
    uint64_t entries = 1 + 2 * ROUNDS;
    s_follow_t log = { slowlog, "log.ack", 256, 1, 0, 0 };
    deadline = zclock_mono () + 30000;
    while (log.next <= entries && zclock_mono () < deadline) {
        cb_value_t *in = s_recv (slowlog, 1000);
        if (!in)
            continue;
        if (streq (cb_value_get_str_or (in, "type", ""), "log"))
            s_follow_take (&log, (uint64_t) cb_value_get_int_or (in, "seq", 0));
        cb_value_destroy (&in);
    }
    printf ("  log subscriber: entries up to %llu of %llu, %llu duplicates, %llu gaps\n",
            (unsigned long long) log.next - 1, (unsigned long long) entries,
            (unsigned long long) log.dups, (unsigned long long) log.gaps);
    CHECK_INT (log.next - 1, entries);
    CHECK_INT (log.dups, 0);
    CHECK_INT (log.gaps, 0);

    zsock_destroy (&slowlog);
    zsock_destroy (&slow);
    zsock_destroy (&calm);
    zsock_destroy (&lead);
}

//  --------------------------------------------------------------------------
//  3. Half-open connections

#define HALF_OPEN   200

static void
test_half_open (void)
{
    printf ("%d connections that never finish the ZMTP handshake\n", HALF_OPEN);
    zsock_t *calm = s_dealer (-1, -1);
    REQUIRE (s_hello (calm, "calm", NULL) == 0);
    long anon0 = tb_status_kb ("RssAnon");
    struct sockaddr_in address = { 0 };
    address.sin_family = AF_INET;
    address.sin_port = htons ((uint16_t) atoi (strrchr (tb_endpoint, ':') + 1));
    address.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
    struct pollfd fds [HALF_OPEN];
    int64_t start = zclock_mono ();
    for (int i = 0; i < HALF_OPEN; i++) {
        int fd = socket (AF_INET, SOCK_STREAM, 0);
        REQUIRE (fd >= 0);
        REQUIRE (connect (fd, (struct sockaddr *) &address, sizeof (address)) == 0);
        //  Half of them send nothing, half the start of a greeting (the
        //  ZMTP 3 signature and major version) and no more.
        if (i % 2)
            REQUIRE (send (fd, "\xff\0\0\0\0\0\0\0\x01\x7f\x03", 11, 0) == 11);
        fds [i].fd = fd;
        fds [i].events = POLLIN;
    }
    s_served = s_unserved = 0;
    s_worst_ms = 0;
    s_other_node_served (calm);
    long anon_open = tb_status_kb ("RssAnon");

    //  Each is closed by the broker: read() gives 0 or ECONNRESET. The
    //  broker's own greeting bytes come first and are skipped.
    int open = HALF_OPEN;
    int64_t last_closed = 0, deadline = start + 15000, next_ping = zclock_mono () + 500;
    while (open > 0 && zclock_mono () < deadline) {
        int ready = poll (fds, HALF_OPEN, 250);
        REQUIRE (ready >= 0);
        for (int i = 0; i < HALF_OPEN && ready > 0; i++) {
            if (fds [i].fd < 0 || !fds [i].revents)
                continue;
            char buffer [256];
            ssize_t got = recv (fds [i].fd, buffer, sizeof (buffer), MSG_DONTWAIT);
            if (got == 0 || (got < 0 && errno == ECONNRESET)) {
                close (fds [i].fd);
                fds [i].fd = -1;
                open--;
                last_closed = zclock_mono ();
            }
        }
        if (zclock_mono () >= next_ping) {
            s_other_node_served (calm);
            next_ping = zclock_mono () + 500;
        }
    }
    for (int i = 0; i < HALF_OPEN; i++)
        if (fds [i].fd >= 0)
            close (fds [i].fd);
    long anon1 = tb_status_kb ("RssAnon");
    printf ("  closed by the broker: %d of %d, the last after %lld ms; the other node: "
            "%d served, %d not (worst %lld ms)\n", HALF_OPEN - open, HALF_OPEN,
            (long long) (last_closed - start), s_served, s_unserved, (long long) s_worst_ms);
    printf ("  broker RssAnon: %ld KiB before, %ld with them open, %ld after\n",
            anon0, anon_open, anon1);
    CHECK_INT (open, 0);
    CHECK_INT (s_unserved, 0);
    //  A few KiB per connection in libzmq (its engine and buffers).
    CHECK (anon_open - anon0 < 32 * 1024 * s_rss_scale);
    CHECK (anon1 - anon0 < 32 * 1024 * s_rss_scale);
    zsock_destroy (&calm);
}

//  --------------------------------------------------------------------------
//  5. Many connections, each a new node (reported, not asserted)

#define GUESTS      2000

static void
test_many_nodes (void)
{
    printf ("%d connections saying hello as new nodes, one after the other\n", GUESTS);
    long anon0 = tb_status_kb ("RssAnon");
    int ok = 0;
    int64_t start = zclock_mono ();
    for (int i = 0; i < GUESTS; i++) {
        zsock_t *guest = s_dealer (-1, -1);
        char node [32];
        snprintf (node, sizeof (node), "guest-%d", i);
        if (s_hello (guest, node, "observer") == 0)
            ok++;
        zsock_destroy (&guest);
    }
    long anon1 = tb_status_kb ("RssAnon");
    printf ("  %d hellos ok in %lld ms; broker RssAnon %ld -> %ld KiB (%+ld bytes a node)\n",
            ok, (long long) (zclock_mono () - start), anon0, anon1,
            (anon1 - anon0) * 1024 / GUESTS);
    s_print_memory ("after");
    CHECK_INT (ok, GUESTS);
    zsock_t *calm = s_dealer (-1, -1);
    CHECK_INT (s_hello (calm, "calm", NULL), 0);
    zsock_destroy (&calm);
}

//  --------------------------------------------------------------------------
//  6. Peers leaving as the broker stops: it still exits on SIGTERM.
//  A regression check for a race seen up to commit 2348cba: the zmonitor
//  actor ended on the signal, the broker's loop read and dropped the
//  actor's exit signal, and cb_broker_destroy then waited for it forever
//  in zactor_destroy (about one stop in fifty, more under load; 9ef3ede
//  reads the monitor socket directly, and 120 stops here did not hang).
//  Each stop is bounded, so the test itself never hangs.

#define STOP_CYCLES 40
#define LEAVERS     50

static void
test_stop_while_peers_leave (void)
{
    printf ("%d peers leave just before SIGTERM, up to %d times\n", LEAVERS, STOP_CYCLES);
    int hung = 0, cycles = 0;
    for (; cycles < STOP_CYCLES && !hung; cycles++) {
        char store [32];
        snprintf (store, sizeof (store), "stop-%d", cycles);
        s_start_on (store, NULL, NULL);
        zsock_t *peers [LEAVERS];
        int up = 0;
        for (int i = 0; i < LEAVERS; i++) {
            peers [i] = s_dealer (-1, -1);
            cb_value_t *reply = s_call (peers [i], "ping", "leaver", NULL, 5000);
            if (tb_code (&reply) == CB_E_NOT_HELLO)
                up++;           //  Its connection is up
        }
        CHECK_INT (up, LEAVERS);
        for (int i = 0; i < LEAVERS; i++)
            zsock_destroy (&peers [i]);
        int status = tb_stop_within (5000 * (s_rss_scale > 1 ? 3 : 1));
        if (status == -1)
            hung++;
        else
            CHECK_INT (status, 0);
    }
    printf ("  the broker hung at exit in %d of %d stops\n", hung, cycles);
    if (hung)
        fprintf (stderr, "BUG: catchballd hangs on SIGTERM when peers have just left "
                 "(killed after the deadline)\n");
    CHECK_INT (hung, 0);
}

int
main (void)
{
#ifdef CB_SANITIZE
    s_rss_scale = 4;
#endif
    if (getenv ("CB_SANITIZE") && *getenv ("CB_SANITIZE") && !streq (getenv ("CB_SANITIZE"), "0")
    &&  !streq (getenv ("CB_SANITIZE"), "OFF"))
        s_rss_scale = 4;
    if (s_rss_scale > 1)
        printf ("sanitizer build: memory bounds are %ld times larger\n", s_rss_scale);
    //  TCP, below Linux's ephemeral range: the thousands of connections
    //  this test makes could otherwise take the port while the broker
    //  restarts; and the half-open connections are plain TCP.
    tb_init ("test_hostile", true);
    if (s_rss_scale > 1) {
        //  The brokers started from now on keep ASan's quarantine of freed
        //  blocks small: it is not memory a peer made the broker keep.
        char options [1024];
        const char *old = getenv ("ASAN_OPTIONS");
        snprintf (options, sizeof (options), "%s%squarantine_size_mb=16",
                  old ? old : "", old && *old ? ":" : "");
        setenv ("ASAN_OPTIONS", options, 1);
    }
    int64_t start = zclock_mono ();

    //  A low rate: floods.
    char rate [16];
    snprintf (rate, sizeof (rate), "%d", RATE);
    s_start_on ("limited", "--rate", rate);
    test_flood ();
    test_oversized ();
    test_hello_flood ();
    CHECK_INT (s_stop (), 0);

    //  The default rate: thousands of changes for peers that never read.
    s_start_on ("store", NULL, NULL);
    test_never_reads ();
    test_half_open ();
    test_many_nodes ();
    CHECK_INT (s_stop (), 0);

    test_stop_while_peers_leave ();

    printf ("in %lld ms\n", (long long) (zclock_mono () - start));
    return tb_done (TEST_DONE ());
}
