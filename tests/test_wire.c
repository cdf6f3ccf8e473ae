/*  =========================================================================
    test_wire - the real catchballd binary over real ZeroMQ sockets

    Starts catchballd (path in $CATCHBALLD) on a temporary store and a free
    port, then:
    - sends every class of bad input from a raw DEALER (not MessagePack, a
      huge declared array, not a map, no version, a wrong version, no mid,
      unknown type, a body of the wrong type, missing and unknown fields,
      trailing bytes, truncation, a frame over the size limit, several
      frames, no hello, another node's draft, a role that may not write)
      and checks each error code, that the broker keeps serving, and that
      LMDB's last transaction id did not move: nothing was stored;
    - resends a change with the same message id: the same reply bytes and
      one change only;
    - lets a node miss deliveries while offline and across a SIGKILL and
      restart of the broker, and checks that libcatchball hands each one
      to the application exactly once, in order, and that acknowledged
      deliveries never come back;
    - lets a round's deadline pass: the broker's timer closes it and the
      recipient is told; and a confidence vote's, across a SIGKILL while
      it is open: the timer reveals it after the restart;
    - follows the event log from the start and from a snapshot taken
      mid-way, across a SIGKILL of the broker: both followers end with
      exactly the state of a fresh snapshot;
    - fills a small store: the map grows to its maximum, then changes get
      STORAGE_FULL, the broker serves on, a hello that could not be stored
      binds nothing, and every acknowledged change survives a restart;
    - stops the broker with SIGTERM: it exits 0 (and, in a sanitizer
      build, without leaks).
    =========================================================================
*/
#include <czmq.h>
#include <signal.h>
#include <sys/wait.h>

#include "catchball/catchball.h"
#include "testbroker.h"
#include "testutil.h"

//  Starts catchballd on store directory `store_name` (under the test's
//  directory) with up to two more arguments, and waits until it answers.
static void
s_start_on (const char *store_name, const char *arg1, const char *arg2)
{
    char store [300];
    snprintf (store, sizeof (store), "%s/%s", tb_dir, store_name);
    const char *args [] = { arg1, arg2, NULL };
    tb_start (store, NULL, args);
}

static void
s_start (void)
{
    s_start_on ("store", NULL, NULL);
}

//  LMDB's last committed transaction id of the main store.
static long
s_last_txnid (void)
{
    char store [300];
    snprintf (store, sizeof (store), "%s/store", tb_dir);
    long txnid = tb_txnid (store);
    REQUIRE (txnid >= 0);
    return txnid;
}

//  Sends raw frames, returns the decoded reply (NULL if none in 5 s).
static cb_value_t *
s_raw_frames (zsock_t *dealer, zmsg_t *msg)
{
    REQUIRE (zmsg_send (&msg, dealer) == 0);
    return tb_recv (dealer, 5000);
}

static cb_value_t *
s_raw (zsock_t *dealer, const void *data, size_t size)
{
    zmsg_t *msg = zmsg_new ();
    zmsg_addmem (msg, data, size);
    return s_raw_frames (dealer, msg);
}

//  Sends a value (taken) and waits for its reply, sending it again after
//  each second without one, as clients do (PROTOCOL.md section 4): a
//  message read just as the monitor reports the close of an earlier
//  connection on the same socket number speaks for nobody and gets no
//  answer (broker_conn.c), which a machine under load makes likelier.
static cb_value_t *
s_raw_value_resent (zsock_t *dealer, cb_value_t *value)
{
    size_t size;
    void *data = cb_codec_encode (value, &size);
    cb_value_destroy (&value);
    cb_value_t *reply = NULL;
    for (int attempt = 0; attempt < 5 && !reply; attempt++) {
        zmsg_t *msg = zmsg_new ();
        zmsg_addmem (msg, data, size);
        REQUIRE (zmsg_send (&msg, dealer) == 0);
        reply = tb_recv (dealer, 1000);
    }
    free (data);
    return reply;
}

//  Sends a value (taken), returns the decoded reply.
static cb_value_t *
s_raw_value (zsock_t *dealer, cb_value_t *value)
{
    size_t size;
    void *data = cb_codec_encode (value, &size);
    cb_value_destroy (&value);
    cb_value_t *reply = s_raw (dealer, data, size);
    free (data);
    return reply;
}

static cb_value_t *
s_msg (const char *type, const char *mid, cb_value_t *body)
{
    cb_value_t *msg = cb_value_new_map ();
    cb_value_set_int (msg, "cb", 1);
    if (type)
        cb_value_set_str (msg, "type", type);
    if (mid)
        cb_value_set_str (msg, "mid", mid);
    if (body)
        cb_value_set (msg, "body", &body);
    return msg;
}

static cb_value_t *
s_draft_body (const char *objective)
{
    cb_value_t *body = cb_value_new_map ();
    cb_value_t *c = tb_content (objective);
    cb_value_set (body, "content", &c);
    return body;
}

static size_t
s_draft_count (cb_client_t *client)
{
    cb_value_t *reply = cb_client_request (client, "draft.list", NULL, 5000);
    REQUIRE (reply);
    size_t count = cb_value_size (cb_value_get (reply, "drafts"));
    cb_value_destroy (&reply);
    return count;
}

//  --------------------------------------------------------------------------

static void
test_bad_input (void)
{
    cb_client_t *lead = cb_client_new (tb_endpoint, "lead", "leadership", NULL);
    cb_value_t *body = s_draft_body ("Leadership's draft");
    cb_value_t *reply = cb_client_request (lead, "draft.new", &body, 5000);
    REQUIRE (reply);
    cb_value_destroy (&reply);

    zsock_t *dealer = zsock_new_dealer (tb_endpoint);
    zsock_t *stranger = zsock_new_dealer (tb_endpoint);
    zsock_t *watcher = zsock_new_dealer (tb_endpoint);
    //  Register first: a first hello is a change.
    cb_value_t *hello = cb_value_new_map ();
    cb_value_set_str (hello, "node", "team-x");
    cb_value_set_str (hello, "role", "team");
    reply = s_raw_value (dealer, s_msg ("hello", "h1", hello));
    CHECK_INT (tb_code (&reply), 0);
    hello = cb_value_new_map ();
    cb_value_set_str (hello, "node", "watcher");
    cb_value_set_str (hello, "role", "observer");
    reply = s_raw_value (watcher, s_msg ("hello", "h2", hello));
    CHECK_INT (tb_code (&reply), 0);

    long before = s_last_txnid ();
    size_t drafts = s_draft_count (lead);

    //  Not MessagePack, hostile headers, not a map.
    const struct { const char *bytes; size_t size; int code; } raw [] = {
        { "\xc1", 1, CB_E_BAD_MESSAGE },
        { "\xdd\xff\xff\xff\xff", 5, CB_E_BAD_MESSAGE },
        { "\xdf\x7f\xff\xff\xff\x00", 6, CB_E_BAD_MESSAGE },
        { "\x91\x01", 2, CB_E_BAD_MESSAGE },
        { "\x81\xa2\x63\x62", 4, CB_E_BAD_MESSAGE },          //  truncated map
        { "\x80\x00", 2, CB_E_BAD_MESSAGE },                  //  trailing byte
        { "\x81\x01\x01", 3, CB_E_BAD_MESSAGE },              //  integer key
        { "\xc4\x01\x00", 3, CB_E_BAD_MESSAGE },              //  bin
        { "", 0, CB_E_BAD_MESSAGE },
    };
    for (size_t i = 0; i < sizeof (raw) / sizeof (raw [0]); i++) {
        reply = s_raw (dealer, raw [i].bytes, raw [i].size);
        CHECK (reply && cb_value_type (cb_value_get (reply, "mid")) == CB_NIL);
        CHECK_INT (tb_code (&reply), raw [i].code);
    }

    //  Envelope errors
    cb_value_t *msg = s_msg ("ping", "e1", NULL);
    cb_value_remove (msg, "cb");
    reply = s_raw_value (dealer, msg);
    CHECK_STR (cb_value_get_str (reply, "mid"), "e1");
    CHECK_INT (tb_code (&reply), CB_E_BAD_VERSION);
    msg = s_msg ("ping", "e2", NULL);
    cb_value_set_int (msg, "cb", 2);
    reply = s_raw_value (dealer, msg);
    CHECK_INT (tb_code (&reply), CB_E_BAD_VERSION);
    reply = s_raw_value (dealer, s_msg ("ping", NULL, NULL));
    CHECK_INT (tb_code (&reply), CB_E_BAD_FIELD);
    reply = s_raw_value (dealer, s_msg (NULL, "e3", NULL));
    CHECK_INT (tb_code (&reply), CB_E_BAD_FIELD);
    reply = s_raw_value (dealer, s_msg ("draft.burn", "e4", NULL));
    CHECK_INT (tb_code (&reply), CB_E_UNKNOWN_TYPE);
    msg = s_msg ("draft.list", "e5", NULL);
    cb_value_set_str (msg, "body", "not a map");
    reply = s_raw_value (dealer, msg);
    CHECK_INT (tb_code (&reply), CB_E_BAD_FIELD);
    reply = s_raw_value (dealer, s_msg ("draft.new", "e6", cb_value_new_map ()));
    CHECK_INT (tb_code (&reply), CB_E_BAD_FIELD);
    body = s_draft_body ("Unknown field");
    cb_value_set_str (body, "colour", "red");
    reply = s_raw_value (dealer, s_msg ("draft.new", "e7", body));
    CHECK_INT (tb_code (&reply), CB_E_BAD_FIELD);

    //  Size and frames
    size_t big = 300 * 1024;
    char *text = (char *) malloc (big);
    memset (text, 'a', big - 1);
    text [big - 1] = 0;
    body = s_draft_body (text);
    free (text);
    reply = s_raw_value (dealer, s_msg ("draft.new", "e8", body));
    CHECK_INT (tb_code (&reply), CB_E_TOO_LARGE);
    zmsg_t *frames = zmsg_new ();
    zmsg_addstr (frames, "");
    zmsg_addstr (frames, "x");
    reply = s_raw_frames (dealer, frames);
    CHECK_INT (tb_code (&reply), CB_E_BAD_MESSAGE);

    //  Identity and permission
    reply = s_raw_value (stranger, s_msg ("draft.new", "e9", s_draft_body ("Who am I")));
    CHECK_INT (tb_code (&reply), CB_E_NOT_HELLO);
    body = s_draft_body ("Not mine");
    cb_value_set_str (body, "draft", "d1");
    reply = s_raw_value (dealer, s_msg ("draft.revise", "e10", body));
    CHECK_INT (tb_code (&reply), CB_E_NOT_OWNER);
    reply = s_raw_value (watcher, s_msg ("draft.new", "e11", s_draft_body ("Observer")));
    CHECK_INT (tb_code (&reply), CB_E_FORBIDDEN);
    body = cb_value_new_map ();
    cb_value_set_str (body, "node", "watcher");
    cb_value_set_str (body, "role", "leadership");
    reply = s_raw_value (stranger, s_msg ("hello", "e12", body));
    CHECK_INT (tb_code (&reply), CB_E_ROLE_MISMATCH);

    //  Still serving; nothing stored.
    reply = s_raw_value (dealer, s_msg ("ping", "p1", NULL));
    CHECK_INT (tb_code (&reply), 0);
    CHECK_INT (s_draft_count (lead), drafts);
    CHECK_INT (s_last_txnid (), before);

    //  A resent change gets the original reply, byte for byte, once.
    cb_value_t *change = s_msg ("draft.new", "same-mid-1", s_draft_body ("Team X drafts"));
    size_t size;
    void *data = cb_codec_encode (change, &size);
    cb_value_destroy (&change);
    zsock_t *socks [] = { dealer, dealer };
    zframe_t *replies [2];
    for (int i = 0; i < 2; i++) {
        zframe_t *frame = zframe_new (data, size);
        zframe_send (&frame, socks [i], 0);
        zpoller_t *poller = zpoller_new (socks [i], NULL);
        REQUIRE (zpoller_wait (poller, 5000));
        replies [i] = zframe_recv (socks [i]);
        zpoller_destroy (&poller);
    }
    CHECK (zframe_eq (replies [0], replies [1]));
    zframe_destroy (&replies [0]);
    zframe_destroy (&replies [1]);
    free (data);
    CHECK_INT (s_draft_count (lead), drafts + 1);

    zsock_destroy (&dealer);
    zsock_destroy (&stranger);
    zsock_destroy (&watcher);
    cb_client_destroy (&lead);
}

//  Throws draft `n` of `lead` to team-y.
static void
s_throw_new (cb_client_t *lead, int n)
{
    char objective [32];
    snprintf (objective, sizeof (objective), "Draft %d", n);
    cb_value_t *body = s_draft_body (objective);
    cb_value_t *reply = cb_client_request (lead, "draft.new", &body, 5000);
    REQUIRE (reply);
    body = cb_value_new_map ();
    cb_value_set_str (body, "draft", cb_value_get_str (reply, "draft"));
    cb_value_t *to = cb_value_new_array ();
    cb_value_t *who = cb_value_new_str ("team-y");
    cb_value_push (to, &who);
    cb_value_set (body, "to", &to);
    cb_value_destroy (&reply);
    reply = cb_client_request (lead, "round.throw", &body, 5000);
    CHECK (reply != NULL);
    cb_value_destroy (&reply);
}

static int64_t
s_seq (cb_value_t *delivery)
{
    int64_t seq = -1;
    cb_value_get_int (delivery, "seq", &seq);
    return seq;
}

static void
test_resume (void)
{
    //  team-y registers, then is offline while three rounds are thrown to it.
    cb_client_t *team = cb_client_new (tb_endpoint, "team-y", "team", NULL);
    REQUIRE (cb_client_hello (team, 5000) == 0);
    cb_client_destroy (&team);
    cb_client_t *lead = cb_client_new (tb_endpoint, "lead", NULL, NULL);
    for (int n = 1; n <= 3; n++)
        s_throw_new (lead, n);

    team = cb_client_new (tb_endpoint, "team-y", NULL, NULL);
    REQUIRE (cb_client_hello (team, 5000) == 0);
    CHECK_INT (cb_client_inbox_last (team), 3);
    CHECK_INT (cb_client_inbox_acked (team), 0);
    cb_value_t *d = cb_client_recv (team, 5000);
    CHECK_INT (s_seq (d), 1);
    CHECK_STR (cb_value_get_str (d, "kind"), "round.thrown");
    cb_value_destroy (&d);
    CHECK (cb_client_ack (team, 1, 5000) == 0);
    d = cb_client_recv (team, 5000);
    CHECK_INT (s_seq (d), 2);
    cb_value_destroy (&d);

    //  The broker dies with #2 handed out but not acknowledged and #3
    //  maybe in flight; two more arrive after the restart.
    tb_kill9 ();
    s_start ();
    for (int n = 4; n <= 5; n++)
        s_throw_new (lead, n);
    //  The client notices the restart by its pings, says hello again, and
    //  gets everything after #1 again; it passes on only #3, #4, #5.
    int64_t expect = 3;
    while (expect <= 5) {
        d = cb_client_recv (team, 15000);
        if (!d)
            break;
        CHECK_INT (s_seq (d), expect);
        cb_value_destroy (&d);
        expect++;
    }
    CHECK_INT (expect, 6);
    CHECK (cb_client_ack (team, 5, 5000) == 0);
    d = cb_client_recv (team, 0);
    CHECK (d == NULL);
    cb_client_destroy (&team);

    //  A new connection: nothing acknowledged comes back.
    team = cb_client_new (tb_endpoint, "team-y", NULL, NULL);
    REQUIRE (cb_client_hello (team, 5000) == 0);
    CHECK_INT (cb_client_inbox_last (team), 5);
    CHECK_INT (cb_client_inbox_acked (team), 5);
    cb_value_t *pong = cb_client_request (team, "ping", NULL, 5000);
    CHECK (pong != NULL);
    cb_value_destroy (&pong);
    d = cb_client_recv (team, 0);
    CHECK (d == NULL);
    cb_client_destroy (&team);
    cb_client_destroy (&lead);
}

//  A round with a deadline is closed by the broker's own timer, and the
//  owner and the recipient are told.
static void
test_deadline (void)
{
    cb_client_t *lead = cb_client_new (tb_endpoint, "lead", NULL, NULL);
    cb_client_t *team = cb_client_new (tb_endpoint, "team-y", NULL, NULL);
    REQUIRE (cb_client_hello (team, 5000) == 0);
    uint64_t seen = cb_client_inbox_last (team);
    cb_value_t *body = s_draft_body ("Deadline");
    cb_value_t *reply = cb_client_request (lead, "draft.new", &body, 5000);
    REQUIRE (reply);
    body = cb_value_new_map ();
    cb_value_set_str (body, "draft", cb_value_get_str (reply, "draft"));
    cb_value_destroy (&reply);
    cb_value_t *to = cb_value_new_array ();
    cb_value_t *who = cb_value_new_str ("team-y");
    cb_value_push (to, &who);
    cb_value_set (body, "to", &to);
    cb_value_set_int (body, "deadline", 1);
    reply = cb_client_request (lead, "round.throw", &body, 5000);
    REQUIRE (reply);
    char round [16];
    snprintf (round, sizeof (round), "%s", cb_value_get_str (reply, "round"));
    cb_value_destroy (&reply);
    //  team-y is told of the throw, then of the close, without asking.
    const char *kinds [] = { "round.thrown", "round.closed" };
    for (int i = 0; i < 2; i++) {
        cb_value_t *d = cb_client_recv (team, 10000);
        CHECK_INT (s_seq (d), (int64_t) seen + 1 + i);
        CHECK_STR (cb_value_get_str (d, "kind"), kinds [i]);
        CHECK_STR (cb_value_get_str (cb_value_get (d, "body"), "round"), round);
        if (i == 1)
            CHECK_STR (cb_value_get_str (cb_value_get (d, "body"), "closed_by"), "deadline");
        cb_value_destroy (&d);
    }
    body = cb_value_new_map ();
    cb_value_set_str (body, "round", round);
    reply = cb_client_request (team, "round.show", &body, 5000);
    CHECK_STR (cb_value_get_str (cb_value_get (reply, "round"), "closed_by"), "deadline");
    cb_value_destroy (&reply);
    cb_client_destroy (&team);
    cb_client_destroy (&lead);
}

//  A confidence vote with a deadline (issue 14) is revealed by the broker's
//  own timer, though the broker was killed (SIGKILL) while the vote was
//  open: the timer is in the store. The voter who had not voted is told of
//  the vote, then of its reveal, without asking.
static void
test_vote_deadline (void)
{
    cb_client_t *lead = cb_client_new (tb_endpoint, "lead", NULL, NULL);
    cb_client_t *a = cb_client_new (tb_endpoint, "voter-a", "team", NULL);
    cb_client_t *b = cb_client_new (tb_endpoint, "voter-b", "team", NULL);
    REQUIRE (cb_client_hello (a, 5000) == 0);
    REQUIRE (cb_client_hello (b, 5000) == 0);
    uint64_t seen = cb_client_inbox_last (b);
    cb_value_t *body = s_draft_body ("Voted");
    cb_value_t *reply = cb_client_request (lead, "draft.new", &body, 5000);
    REQUIRE (reply);
    char draft [16];
    snprintf (draft, sizeof (draft), "%s", cb_value_get_str (reply, "draft"));
    cb_value_destroy (&reply);
    body = cb_value_new_map ();
    cb_value_set_str (body, "draft", draft);
    cb_value_t *voters = cb_value_new_array ();
    cb_value_t *who = cb_value_new_str ("voter-a");
    cb_value_push (voters, &who);
    who = cb_value_new_str ("voter-b");
    cb_value_push (voters, &who);
    cb_value_set (body, "voters", &voters);
    cb_value_set_int (body, "deadline", 3);
    reply = cb_client_request (lead, "vote.open", &body, 5000);
    REQUIRE (reply);
    char vote [16];
    snprintf (vote, sizeof (vote), "%s", cb_value_get_str (reply, "vote"));
    cb_value_destroy (&reply);
    body = cb_value_new_map ();
    cb_value_set_str (body, "draft", draft);
    cb_value_set_int (body, "confidence", 4);
    reply = cb_client_request (a, "draft.vote", &body, 5000);
    REQUIRE (reply);
    bool counted = false;
    CHECK (cb_value_get_bool (reply, "counted", &counted) && counted);
    cb_value_destroy (&reply);

    tb_kill9 ();
    s_start ();
    const char *kinds [] = { "vote.opened", "vote.revealed" };
    for (int i = 0; i < 2; i++) {
        cb_value_t *d = cb_client_recv (b, 15000);
        REQUIRE (d);
        CHECK_INT (s_seq (d), (int64_t) seen + 1 + i);
        CHECK_STR (cb_value_get_str (d, "kind"), kinds [i]);
        cb_value_t *note = cb_value_get (d, "body");
        CHECK_STR (cb_value_get_str (note, "id"), vote);
        if (i == 1) {
            CHECK_STR (cb_value_get_str (note, "closed_by"), "deadline");
            cb_value_t *result = cb_value_get (note, "result");
            int64_t median = 0;
            CHECK (cb_value_get_int (result, "median", &median) && median == 4);
            cb_value_t *missing = cb_value_get (result, "missing");
            CHECK_INT (cb_value_size (missing), 1);
            CHECK_STR (cb_value_str (cb_value_at (missing, 0)), "voter-b");
        }
        cb_value_destroy (&d);
    }
    body = cb_value_new_map ();
    cb_value_set_str (body, "vote", vote);
    reply = cb_client_request (b, "vote.show", &body, 5000);
    CHECK_STR (cb_value_get_str (cb_value_get (reply, "vote"), "state"), "revealed");
    cb_value_destroy (&reply);
    cb_client_destroy (&b);
    cb_client_destroy (&a);
    cb_client_destroy (&lead);
}

//  A store that fills up: the map grows to its maximum, then changes are
//  refused with STORAGE_FULL while the broker keeps serving; everything
//  acknowledged is there, across a restart; a hello that could not be
//  stored binds nothing.
static void
test_storage_full (void)
{
    s_start_on ("small", "--map-size=1", "--map-max=2");
    cb_client_t *lead = cb_client_new (tb_endpoint, "lead", "leadership", NULL);
    char narrative [4001];
    memset (narrative, 'n', 4000);
    narrative [4000] = 0;
    size_t acked = 0;
    int64_t code = 0;
    for (int i = 0; i < 2000; i++) {
        cb_value_t *body = s_draft_body ("Fill the store");
        cb_value_set_str (cb_value_get (body, "content"), "narrative", narrative);
        cb_value_t *reply = cb_client_request (lead, "draft.new", &body, 5000);
        if (!reply) {
            code = cb_client_error (lead);
            break;
        }
        cb_value_destroy (&reply);
        acked++;
    }
    CHECK_INT (code, CB_E_STORAGE_FULL);
    //  The map grew to its maximum before it was full.
    CHECK (acked > 0);
    char command [400];
    snprintf (command, sizeof (command), "grep -q 'map grown to 2 MiB' '%s/catchballd.log'", tb_dir);
    CHECK (system (command) == 0);
    CHECK_INT (s_draft_count (lead), acked);

    //  A new node's hello needs a (small) write: new nodes say hello, each
    //  on its own connection, until one is refused; that connection stays
    //  unknown.
    int64_t hello_code = 0, after = 0;
    for (int i = 0; i < 5000 && hello_code == 0; i++) {
        zsock_t *dealer = zsock_new_dealer (tb_endpoint);
        cb_value_t *hello = cb_value_new_map ();
        char node [32];
        snprintf (node, sizeof (node), "newcomer-%d", i);
        cb_value_set_str (hello, "node", node);
        cb_value_set_str (hello, "role", "team");
        cb_value_t *reply = s_raw_value_resent (dealer, s_msg ("hello", "h-full", hello));
        hello_code = tb_code (&reply);
        if (hello_code) {
            reply = s_raw_value_resent (dealer, s_msg ("draft.list", "l-full", NULL));
            after = tb_code (&reply);
        }
        zsock_destroy (&dealer);
    }
    CHECK_INT (hello_code, CB_E_STORAGE_FULL);
    CHECK_INT (after, CB_E_NOT_HELLO);
    cb_client_destroy (&lead);

    //  After a restart, every acknowledged draft is there.
    CHECK_INT (tb_stop (), 0);
    s_start_on ("small", "--map-size=1", "--map-max=2");
    lead = cb_client_new (tb_endpoint, "lead", NULL, NULL);
    CHECK_INT (s_draft_count (lead), acked);
    cb_client_destroy (&lead);
    CHECK_INT (tb_stop (), 0);
}

//  --------------------------------------------------------------------------
//  The event log, followed from the start by one client and joined
//  mid-way (snapshot, then the log after it) by another, across a SIGKILL
//  of the broker: both end with exactly the broker's state.

static cb_value_t *
s_call (cb_client_t *client, const char *type, cb_value_t *body)
{
    cb_value_t *reply = cb_client_request (client, type, &body, 5000);
    if (!reply)
        fprintf (stderr, "%s: %s\n", type, cb_client_error_message (client));
    REQUIRE (reply);
    return reply;
}

//  Applies every log entry that has arrived (waiting up to `wait` ms for
//  the first) to `state`; returns the last sequence applied.
static uint64_t
s_follow (cb_client_t *client, cb_value_t *state, uint64_t last, int wait)
{
    cb_value_t *entry;
    while ((entry = cb_client_recv_log (client, wait))) {
        int64_t seq = 0;
        cb_value_get_int (entry, "seq", &seq);
        CHECK_INT (seq, last + 1);
        last = (uint64_t) seq;
        cb_value_t *objects = cb_value_get_map (entry, "objects");
        for (size_t i = 0; i < cb_value_size (objects); i++) {
            cb_value_t *copy = cb_value_dup (cb_value_val_at (objects, i));
            cb_value_set (state, cb_value_key_at (objects, i), &copy);
        }
        cb_value_destroy (&entry);
        wait = 200;
    }
    return last;
}

//  Every object of the event's snapshot is in `state`, with the same value.
static bool
s_matches_snapshot (cb_client_t *client, const cb_value_t *state, int64_t *seq)
{
    cb_value_t *body = cb_value_new_map ();
    cb_value_set_str (body, "event", "e1");
    cb_value_t *snap = s_call (client, "event.snapshot", body);
    cb_value_get_int (snap, "seq", seq);
    cb_value_t *objects = cb_value_get_map (snap, "objects");
    bool same = cb_value_size (objects) > 0;
    for (size_t i = 0; i < cb_value_size (objects); i++)
        if (!cb_value_equal (cb_value_val_at (objects, i),
                             cb_value_get (state, cb_value_key_at (objects, i)))) {
            fprintf (stderr, "state differs at %s\n", cb_value_key_at (objects, i));
            same = false;
        }
    cb_value_destroy (&snap);
    return same;
}

static void
s_change (cb_client_t *lead, int n)
{
    char objective [32];
    snprintf (objective, sizeof (objective), "Logged change %d", n);
    cb_value_t *body = s_draft_body (objective);
    cb_value_set_str (body, "draft", "d1");
    cb_value_t *reply = s_call (lead, "draft.revise", body);
    cb_value_destroy (&reply);
}

//  Event e1, of the facilitator fac, with the lead taking part.
static void
s_log_event (cb_client_t *fac)
{
    cb_value_t *body = cb_value_new_map ();
    cb_value_set_str (body, "name", "Log test");
    cb_value_set_str (body, "cycle", "2027-Q1");
    cb_value_t *who = cb_value_new_array ();
    cb_value_t *name = cb_value_new_str ("lead");
    cb_value_push (who, &name);
    cb_value_set (body, "participants", &who);
    cb_value_t *reply = s_call (fac, "event.new", body);
    cb_value_destroy (&reply);
}

static void
test_log (void)
{
    s_start_on ("logstore", NULL, NULL);
    cb_client_t *fac = cb_client_new (tb_endpoint, "fac", "facilitator", NULL);
    cb_client_t *lead = cb_client_new (tb_endpoint, "lead", "leadership", NULL);
    cb_value_t *reply = s_call (lead, "draft.new", s_draft_body ("Logged"));
    cb_value_destroy (&reply);
    s_log_event (fac);

    //  A follows from the very start.
    cb_client_t *a = cb_client_new (tb_endpoint, "watcher-a", "observer", NULL);
    REQUIRE (cb_client_subscribe (a, 1, 5000) == 0);
    cb_value_t *state_a = cb_value_new_map ();
    uint64_t last_a = s_follow (a, state_a, 0, 2000);
    CHECK_INT (last_a, 2);
    for (int n = 1; n <= 5; n++)
        s_change (lead, n);

    //  B joins mid-way: the snapshot, then the log after it.
    cb_client_t *b = cb_client_new (tb_endpoint, "watcher-b", "observer", NULL);
    cb_value_t *body = cb_value_new_map ();
    cb_value_set_str (body, "event", "e1");
    cb_value_t *snap = s_call (b, "event.snapshot", body);
    int64_t seq = 0;
    cb_value_get_int (snap, "seq", &seq);
    CHECK_INT (seq, 7);
    cb_value_t *state_b = cb_value_dup (cb_value_get (snap, "objects"));
    cb_value_destroy (&snap);
    REQUIRE (cb_client_subscribe (b, (uint64_t) seq + 1, 5000) == 0);
    uint64_t last_b = (uint64_t) seq;

    for (int n = 6; n <= 8; n++)
        s_change (lead, n);
    last_a = s_follow (a, state_a, last_a, 2000);
    last_b = s_follow (b, state_b, last_b, 2000);
    CHECK_INT (last_a, 10);
    CHECK_INT (last_b, 10);

    //  The broker dies; changes go on after the restart; both catch up by
    //  themselves (they ping, say hello again, and subscribe again).
    tb_kill9 ();
    s_start_on ("logstore", NULL, NULL);
    for (int n = 9; n <= 12; n++)
        s_change (lead, n);
    for (int i = 0; i < 20 && (last_a < 14 || last_b < 14); i++) {
        last_a = s_follow (a, state_a, last_a, 1000);
        last_b = s_follow (b, state_b, last_b, 1000);
    }
    CHECK_INT (last_a, 14);
    CHECK_INT (last_b, 14);
    int64_t final_seq = 0;
    CHECK (s_matches_snapshot (fac, state_a, &final_seq));
    CHECK (s_matches_snapshot (fac, state_b, &final_seq));
    CHECK_INT (final_seq, 14);
    CHECK_STR (cb_value_get_str (cb_value_get (state_b, "draft/d1"), "objective"), "Logged change 12");

    //  Subscribing beyond the end is refused.
    cb_client_t *c = cb_client_new (tb_endpoint, "watcher-c", "observer", NULL);
    CHECK (cb_client_subscribe (c, 99, 5000) == -1);
    CHECK_INT (cb_client_error (c), CB_E_BAD_FIELD);
    cb_client_destroy (&c);

    cb_value_destroy (&state_a);
    cb_value_destroy (&state_b);
    cb_client_destroy (&a);
    cb_client_destroy (&b);
    cb_client_destroy (&lead);
    cb_client_destroy (&fac);
    CHECK_INT (tb_stop (), 0);
}

//  --------------------------------------------------------------------------
//  A filtered subscription (issue 13, item 3), tested as the whole log is:
//  followed from the start by two clients (one draft; one cycle) and
//  joined mid-way (event snapshot, then the log after it) by a third,
//  across a SIGKILL of the broker. Each gets exactly the entries that
//  concern it, with their global sequences, each once, and ends with the
//  broker's state of what it follows. Failed before: log.subscribe refused
//  'filter' (BAD_FIELD, an unknown key).

#define S_MAX_SEQS 64

typedef struct {
    cb_client_t *client;        //  The follower
    cb_value_t *state;          //  The objects it applied
    uint64_t seqs [S_MAX_SEQS]; //  The sequences it received, in order
    size_t count;               //  How many
} s_follower_t;

//  Applies every entry that has arrived (waiting up to `wait` ms for the
//  first); each must be newer than the last.
static void
s_follow_filtered (s_follower_t *f, int wait)
{
    cb_value_t *entry;
    while ((entry = cb_client_recv_log (f->client, wait))) {
        int64_t seq = 0;
        cb_value_get_int (entry, "seq", &seq);
        CHECK (f->count == 0 || (uint64_t) seq > f->seqs [f->count - 1]);
        if (f->count < S_MAX_SEQS)
            f->seqs [f->count++] = (uint64_t) seq;
        cb_value_t *objects = cb_value_get_map (entry, "objects");
        for (size_t i = 0; i < cb_value_size (objects); i++) {
            cb_value_t *copy = cb_value_dup (cb_value_val_at (objects, i));
            cb_value_set (f->state, cb_value_key_at (objects, i), &copy);
        }
        cb_value_destroy (&entry);
        wait = 200;
    }
}

static uint64_t
s_last_seq (const s_follower_t *f)
{
    return f->count ? f->seqs [f->count - 1] : 0;
}

//  The sequences received, as "1 4 6".
static const char *
s_seqs (const s_follower_t *f, char *buf, size_t size)
{
    size_t used = 0;
    buf [0] = 0;
    for (size_t i = 0; i < f->count && used < size; i++)
        used += snprintf (buf + used, size - used, "%s%llu", i ? " " : "",
                          (unsigned long long) f->seqs [i]);
    return buf;
}

//  A filter from "key=v1,v2" pairs (cycle is a string, the rest lists).
static cb_value_t *
s_filter (const char *key, const char *values, const char *key2, const char *values2)
{
    cb_value_t *filter = cb_value_new_map ();
    const char *keys [] = { key, key2 }, *lists [] = { values, values2 };
    for (int k = 0; k < 2 && keys [k]; k++) {
        if (streq (keys [k], "cycle")) {
            cb_value_set_str (filter, "cycle", lists [k]);
            continue;
        }
        cb_value_t *list = cb_value_new_array ();
        char *copy = strdup (lists [k]), *save = NULL;
        for (char *t = strtok_r (copy, ",", &save); t; t = strtok_r (NULL, ",", &save)) {
            cb_value_t *v = cb_value_new_str (t);
            cb_value_push (list, &v);
        }
        free (copy);
        cb_value_set (filter, keys [k], &list);
    }
    return filter;
}

//  Revise d1 (lead, 2027-Q1) and d2 (team-b, 2027-Q2) once each.
static void
s_change_both (cb_client_t *lead, cb_client_t *team, int n)
{
    s_change (lead, n);
    char objective [32];
    snprintf (objective, sizeof (objective), "Q2 change %d", n);
    cb_value_t *body = s_draft_body (objective);
    cb_value_set_str (cb_value_get_map (body, "content"), "cycle", "2027-Q2");
    cb_value_set_str (body, "draft", "d2");
    cb_value_t *reply = s_call (team, "draft.revise", body);
    cb_value_destroy (&reply);
}

//  Subscribing with `filter` (taken) is refused with `code`.
static void
s_check_refused (cb_client_t *client, cb_value_t *filter, int code, const char *part)
{
    CHECK (cb_client_subscribe_filter (client, 1, filter, 5000) == -1);
    CHECK_INT (cb_client_error (client), code);
    const char *message = cb_client_error_message (client);
    CHECK (message && strstr (message, part));
    if (!message || !strstr (message, part))
        fprintf (stderr, "refusal '%s' lacks '%s'\n", message ? message : "", part);
    cb_value_destroy (&filter);
}

static void
test_log_filtered (void)
{
    s_start_on ("filterstore", NULL, NULL);
    cb_client_t *fac = cb_client_new (tb_endpoint, "fac", "facilitator", NULL);
    cb_client_t *lead = cb_client_new (tb_endpoint, "lead", "leadership", NULL);
    cb_client_t *team = cb_client_new (tb_endpoint, "team-b", "team", NULL);
    cb_value_t *reply = s_call (lead, "draft.new", s_draft_body ("Logged"));
    cb_value_destroy (&reply);
    s_log_event (fac);
    cb_value_t *body = s_draft_body ("Q2 start");
    cb_value_set_str (cb_value_get_map (body, "content"), "cycle", "2027-Q2");
    reply = s_call (team, "draft.new", body);
    CHECK_STR (cb_value_get_str (reply, "draft"), "d2");
    cb_value_destroy (&reply);

    //  A filter naming nothing, or nothing that exists, is refused.
    cb_client_t *bad = cb_client_new (tb_endpoint, "watcher-x", "observer", NULL);
    s_check_refused (bad, cb_value_new_map (), CB_E_BAD_FIELD, "names nothing");
    s_check_refused (bad, s_filter ("drafts", "d1,d9", NULL, NULL), CB_E_NOT_FOUND, "d9");
    s_check_refused (bad, s_filter ("cycle", "2031-Q4", NULL, NULL), CB_E_NOT_FOUND, "2031-Q4");
    s_check_refused (bad, s_filter ("nodes", "ghost", NULL, NULL), CB_E_UNKNOWN_NODE, "ghost");
    s_check_refused (bad, s_filter ("kinds", "draft.show", NULL, NULL), CB_E_BAD_FIELD,
                     "draft.show");
    s_check_refused (bad, s_filter ("colour", "red", NULL, NULL), CB_E_BAD_FIELD, "colour");
    cb_client_destroy (&bad);

    //  A follows d1 and B the cycle 2027-Q2, from the start; D follows
    //  team-b's revisions (two fields: both must match).
    s_follower_t a = { cb_client_new (tb_endpoint, "watcher-a", "observer", NULL),
                       cb_value_new_map (), { 0 }, 0 };
    s_follower_t b = { cb_client_new (tb_endpoint, "watcher-b", "observer", NULL),
                       cb_value_new_map (), { 0 }, 0 };
    s_follower_t d = { cb_client_new (tb_endpoint, "watcher-d", "observer", NULL),
                       cb_value_new_map (), { 0 }, 0 };
    cb_value_t *filter = s_filter ("drafts", "d1", NULL, NULL);
    REQUIRE (cb_client_subscribe_filter (a.client, 1, filter, 5000) == 0);
    cb_value_destroy (&filter);
    filter = s_filter ("cycle", "2027-Q2", NULL, NULL);
    REQUIRE (cb_client_subscribe_filter (b.client, 1, filter, 5000) == 0);
    cb_value_destroy (&filter);
    filter = s_filter ("nodes", "team-b", "kinds", "draft.revise");
    REQUIRE (cb_client_subscribe_filter (d.client, 1, filter, 5000) == 0);
    cb_value_destroy (&filter);
    for (int n = 1; n <= 4; n++)
        s_change_both (lead, team, n);

    //  C joins mid-way: the event's snapshot at S, then d1's entries after.
    s_follower_t c = { cb_client_new (tb_endpoint, "watcher-c", "observer", NULL),
                       NULL, { 0 }, 0 };
    body = cb_value_new_map ();
    cb_value_set_str (body, "event", "e1");
    cb_value_t *snap = s_call (c.client, "event.snapshot", body);
    int64_t seq = 0;
    cb_value_get_int (snap, "seq", &seq);
    CHECK_INT (seq, 11);
    c.state = cb_value_dup (cb_value_get (snap, "objects"));
    cb_value_destroy (&snap);
    filter = s_filter ("drafts", "d1", NULL, NULL);
    REQUIRE (cb_client_subscribe_filter (c.client, (uint64_t) seq + 1, filter, 5000) == 0);
    cb_value_destroy (&filter);
    for (int n = 5; n <= 6; n++)
        s_change_both (lead, team, n);
    s_follow_filtered (&a, 2000);
    s_follow_filtered (&b, 2000);
    s_follow_filtered (&c, 2000);
    s_follow_filtered (&d, 2000);
    CHECK_INT (s_last_seq (&a), 14);
    CHECK_INT (s_last_seq (&c), 14);

    //  The broker dies; changes go on after the restart; all catch up by
    //  themselves, with the same filters.
    tb_kill9 ();
    s_start_on ("filterstore", NULL, NULL);
    for (int n = 7; n <= 8; n++)
        s_change_both (lead, team, n);
    for (int i = 0; i < 20 && (s_last_seq (&a) < 18 || s_last_seq (&b) < 19
                               || s_last_seq (&c) < 18 || s_last_seq (&d) < 19); i++) {
        s_follow_filtered (&a, 1000);
        s_follow_filtered (&b, 1000);
        s_follow_filtered (&c, 1000);
        s_follow_filtered (&d, 1000);
    }
    char seqs [256];
    CHECK_STR (s_seqs (&a, seqs, sizeof (seqs)), "1 4 6 8 10 12 14 16 18");
    CHECK_STR (s_seqs (&b, seqs, sizeof (seqs)), "3 5 7 9 11 13 15 17 19");
    CHECK_STR (s_seqs (&c, seqs, sizeof (seqs)), "12 14 16 18");
    CHECK_STR (s_seqs (&d, seqs, sizeof (seqs)), "5 7 9 11 13 15 17 19");
    //  Only what they follow, and its value now.
    CHECK_INT (cb_value_size (a.state), 1);
    CHECK_INT (cb_value_size (b.state), 1);
    int64_t final_seq = 0;
    CHECK (s_matches_snapshot (fac, c.state, &final_seq));
    CHECK_INT (final_seq, 19);
    CHECK (cb_value_equal (cb_value_get (a.state, "draft/d1"), cb_value_get (c.state, "draft/d1")));
    CHECK_STR (cb_value_get_str (cb_value_get (a.state, "draft/d1"), "objective"),
               "Logged change 8");
    CHECK_STR (cb_value_get_str (cb_value_get (b.state, "draft/d2"), "objective"), "Q2 change 8");

    //  The window counts the entries sent, not the numbers skipped: with
    //  one entry in flight (not read yet, so not acknowledged), more than
    //  a window's worth of entries D does not follow go by; the next one
    //  it follows still comes.
    s_change_both (lead, team, 9);                  //  20, 21: D's in flight
    for (int n = 10; n < 10 + 1100; n++)
        s_change (lead, n);                         //  22..1121: skipped
    s_change_both (lead, team, 1110);               //  1122, 1123
    for (int i = 0; i < 20 && s_last_seq (&d) < 1123; i++)
        s_follow_filtered (&d, 1000);
    CHECK_STR (s_seqs (&d, seqs, sizeof (seqs)), "5 7 9 11 13 15 17 19 21 1123");

    s_follower_t *all [] = { &a, &b, &c, &d };
    for (int i = 0; i < 4; i++) {
        cb_value_destroy (&all [i]->state);
        cb_client_destroy (&all [i]->client);
    }
    cb_client_destroy (&team);
    cb_client_destroy (&lead);
    cb_client_destroy (&fac);
    CHECK_INT (tb_stop (), 0);
}

int
main (void)
{
    tb_init ("test_wire", true);

    s_start ();
    test_bad_input ();
    test_resume ();
    test_deadline ();
    test_vote_deadline ();
    CHECK_INT (tb_stop (), 0);
    test_storage_full ();
    test_log ();
    test_log_filtered ();
    return tb_done (TEST_DONE ());
}
