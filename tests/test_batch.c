/*  =========================================================================
    test_batch - the broker's batch, end to end: its log lines and its redo

    Against the real catchballd ($CATCHBALLD) on temporary stores, with
    requests pipelined on one raw DEALER (all sent before any reply is
    read) so that they land in one batch or a few:
    - log lines: 1,000 draft.new from one leadership node; every one is
      answered ok, and the broker's log has exactly one "draft.new:" line
      for each draft made, d1 to d1000. czmq cuts a log message at 1,024
      bytes, so a batch's lines written in one zsys_info call lose all but
      the first twenty or so;
    - the redo: a request that fails after writing (in direct mode its
      writes are already in the batch transaction) must leave nothing,
      the other requests of its batch, before and after it, must be
      stored, the broker must serve on, and it must say at its stop that
      it redid one batch nested. The failure is a real one, set up in the
      store between two runs of the broker: an event log entry planted at
      a sequence the log has not reached yet (server/log.c refuses to
      overwrite it: "log: sequence N exists", INTERNAL). The batch is
      queued before the broker starts, so that it arrives whole, and
      LMDB's transaction id shows that it was one.
    =========================================================================
*/
#include <czmq.h>

#include "catchball/catchball.h"
#include "log.h"
#include "logtime.h"
#include "store.h"
#include "testbroker.h"
#include "testutil.h"

#define S_PIPELINED 1000            //  draft.new sent before any reply is read

//  --------------------------------------------------------------------------
//  The broker and raw requests

//  The path of store `name` under the test's directory.
static const char *
s_store (const char *name)
{
    static char path [300];
    snprintf (path, sizeof (path), "%s/%s", tb_dir, name);
    return path;
}

//  A DEALER to the broker whose queues never block or drop: everything is
//  sent before anything is read.
static zsock_t *
s_dealer (void)
{
    zsock_t *dealer = zsock_new (ZMQ_DEALER);
    REQUIRE (dealer);
    zsock_set_sndhwm (dealer, 0);
    zsock_set_rcvhwm (dealer, 0);
    REQUIRE (zsock_connect (dealer, "%s", tb_endpoint) == 0);
    return dealer;
}


//  The next reply must answer `mid` with `code` (0: ok). The reply is
//  returned for more checks.
static cb_value_t *
s_expect (zsock_t *dealer, const char *mid, int code)
{
    cb_value_t *reply = tb_recv (dealer, 5000);
    REQUIRE (reply);
    CHECK_STR (cb_value_get_str (reply, "mid"), mid);
    int64_t got = -1;
    if (streq (cb_value_get_str (reply, "type"), "ok"))
        got = 0;
    else
        cb_value_get_int (reply, "code", &got);
    CHECK_INT (got, code);
    return reply;
}

static cb_value_t *
s_hello_body (const char *node, const char *role, const char *parent)
{
    cb_value_t *body = cb_value_new_map ();
    cb_value_set_str (body, "node", node);
    if (role)
        cb_value_set_str (body, "role", role);
    if (parent)
        cb_value_set_str (body, "parent", parent);
    return body;
}

static cb_value_t *
s_draft_body (const char *objective)
{
    cb_value_t *content = tb_content (objective);
    cb_value_t *body = cb_value_new_map ();
    cb_value_set (body, "content", &content);
    return body;
}

//  The ids of the drafts a draft.list reply names, as "d1,d2,...".
static void
s_draft_ids (const cb_value_t *reply, char *ids, size_t size)
{
    ids [0] = 0;
    const cb_value_t *drafts = cb_value_get (reply, "drafts");
    size_t used = 0;
    for (size_t i = 0; i < cb_value_size (drafts) && used < size; i++)
        used += snprintf (ids + used, size - used, "%s%s", i ? "," : "",
                          cb_value_get_str (cb_value_at (drafts, i), "id"));
}

//  How many batches the broker's last stop line says it redid nested
//  ("catchballd stopping: N requests in M transactions (K redone
//  nested), ..."); -1 if there is no such line.
static long
s_stop_redone (void)
{
    FILE *file = fopen (tb_log, "r");
    REQUIRE (file);
    char line [1024];
    long requests, batches, redone = -1;
    while (fgets (line, sizeof (line), file)) {
        const char *stop = strstr (line, "catchballd stopping: ");
        if (stop && sscanf (stop, "catchballd stopping: %ld requests in %ld transactions "
                            "(%ld redone nested)", &requests, &batches, &redone) != 3)
            redone = -1;
    }
    fclose (file);
    return redone;
}

//  --------------------------------------------------------------------------
//  Log lines: one per change, however many changes a batch holds.

//  True if `s` starts with an ISO 8601 time, 2026-12-04T18:26:42 then Z
//  or an offset such as +01:00, and a space.
static bool
s_iso_stamp (const char *s)
{
    const char *shape = "0000-00-00T00:00:00";
    for (size_t i = 0; shape [i]; i++)
        if (shape [i] == '0' ? !isdigit ((unsigned char) s [i]) : s [i] != shape [i])
            return false;
    s += strlen (shape);
    if (*s == 'Z')
        return s [1] == ' ';
    return (*s == '+' || *s == '-') && isdigit ((unsigned char) s [1])
        && isdigit ((unsigned char) s [2]) && s [3] == ':' && isdigit ((unsigned char) s [4])
        && isdigit ((unsigned char) s [5]) && s [6] == ' ';
}

//  czmq's stamp rewritten (server/logtime.c), line by line.
static void
test_log_time (void)
{
    char out [256];
    const char *line = "I: 26-12-04 18:26:42 lead draft.new: d1 rev 1\n";
    cb_logtime_line (line, strlen (line), 0, out, sizeof (out));
    CHECK_STR (out, "I: 2026-12-04T18:26:42Z lead draft.new: d1 rev 1\n");
    CHECK (s_iso_stamp (out + 3));
    cb_logtime_line (line, strlen (line), 3600, out, sizeof (out));
    CHECK_STR (out, "I: 2026-12-04T18:26:42+01:00 lead draft.new: d1 rev 1\n");
    cb_logtime_line (line, strlen (line), -(5 * 3600 + 1800), out, sizeof (out));
    CHECK_STR (out, "I: 2026-12-04T18:26:42-05:30 lead draft.new: d1 rev 1\n");
    line = "E: (catchballd) 26-12-04 18:26:42 boom\n";
    cb_logtime_line (line, strlen (line), 0, out, sizeof (out));
    CHECK_STR (out, "E: (catchballd) 2026-12-04T18:26:42Z boom\n");
    //  Anything else is left as it is
    const char *others [] = { "plain text\n", "I: 26-12-04 18:26 short\n", "I: (x 26\n", "", NULL };
    for (int i = 0; others [i]; i++) {
        cb_logtime_line (others [i], strlen (others [i]), 0, out, sizeof (out));
        CHECK_STR (out, others [i]);
    }
}

static void
test_log_lines (void)
{
    tb_start (s_store ("lines"), NULL, NULL);
    zsock_t *dealer = s_dealer ();
    tb_send (dealer, "hello", "h1", s_hello_body ("lead", "leadership", NULL));
    cb_value_t *reply = s_expect (dealer, "h1", 0);
    cb_value_destroy (&reply);
    long txnid = tb_txnid (s_store ("lines"));

    //  All sent before any reply is read. The broker's pipe to one
    //  connection holds 1,000 messages and it drops a reply that does not
    //  fit (proto/PROTOCOL.md section 4: the client resends, and a resent
    //  change gets its original reply and changes nothing): the missing
    //  ones are resent until every draft.new has its reply.
    bool answered [S_PIPELINED + 1] = { false };
    int missing = S_PIPELINED, resent = 0;
    for (int round = 0; round < 10 && missing; round++) {
        char mid [32];
        for (int n = 1; n <= S_PIPELINED; n++) {
            if (answered [n])
                continue;
            char objective [32];
            snprintf (objective, sizeof (objective), "Draft %d", n);
            snprintf (mid, sizeof (mid), "n%d", n);
            tb_send (dealer, "draft.new", mid, s_draft_body (objective));
            resent += round > 0;
        }
        //  Replies come in the order of the requests: once the ping's is
        //  in, all that will ever come for this round are in.
        snprintf (mid, sizeof (mid), "sync%d", round);
        tb_send (dealer, "ping", mid, NULL);
        //  (Within the C library's retry interval.)
        while ((reply = tb_recv (dealer, 1000))) {
            const char *got = cb_value_get_str (reply, "mid");
            int n = 0;
            if (got && sscanf (got, "n%d", &n) == 1 && n >= 1 && n <= S_PIPELINED) {
                CHECK_STR (cb_value_get_str (reply, "type"), "ok");
                char draft [32];
                snprintf (draft, sizeof (draft), "d%d", n);
                CHECK_STR (cb_value_get_str (cb_value_get (reply, "body"), "draft"), draft);
                missing -= !answered [n];
                answered [n] = true;
            }
            bool synced = got && streq (got, mid);
            cb_value_destroy (&reply);
            if (synced)
                break;
        }
    }
    CHECK_INT (missing, 0);
    //  How many batches it took: each committed one transaction.
    long batches = tb_txnid (s_store ("lines")) - txnid;
    printf ("test_batch: %d pipelined draft.new in %ld batches, %d resent\n", S_PIPELINED,
            batches, resent);
    //  What makes this check worth anything: batches big enough that
    //  their lines pass 1,024 bytes (about twenty lines). Seen here: 1 to
    //  3 batches, also with the CPUs busy.
    CHECK (batches >= 1 && batches <= S_PIPELINED / 25);
    zsock_destroy (&dealer);
    //  The lines of the last batch are written after its replies are sent:
    //  count them once the broker has stopped.
    CHECK_INT (tb_stop (), 0);

    //  One line per draft, "lead draft.new: dN rev 1", each draft once;
    //  every line of the log stamped in ISO 8601 (issue 12).
    int seen [S_PIPELINED + 1] = { 0 };
    int lines = 0, strays = 0, all = 0, iso = 0;
    FILE *file = fopen (tb_log, "r");
    REQUIRE (file);
    char line [1024];
    while (fgets (line, sizeof (line), file)) {
        if (line [0] && line [1] == ':' && line [2] == ' ') {
            all++;
            iso += s_iso_stamp (line + 3);
        }
        if (!strstr (line, "draft.new:"))
            continue;
        lines++;
        int id = 0;
        if (sscanf (line, "%*s %*s lead draft.new: d%d rev 1", &id) == 1
        &&  id >= 1 && id <= S_PIPELINED)
            seen [id]++;
        else
            strays++;
    }
    CHECK (all > S_PIPELINED);
    CHECK_INT (iso, all);
    fclose (file);
    int absent = 0, twice = 0;
    for (int id = 1; id <= S_PIPELINED; id++) {
        absent += seen [id] == 0;
        twice += seen [id] > 1;
    }
    CHECK_INT (lines, S_PIPELINED);
    CHECK_INT (absent, 0);
    CHECK_INT (twice, 0);
    CHECK_INT (strays, 0);
}

//  --------------------------------------------------------------------------
//  The redo: a request that fails after writing leaves nothing.
//
//  The failure: the event log's last sequence is kept in the meta table
//  ("log.seq") and cb_log_append refuses to overwrite an entry. With the
//  log at `last`, an entry planted at last + 2 lets the next change take
//  last + 1 and makes the one after it fail ("log: sequence N exists",
//  INTERNAL) after its draft, revision and id counter are written: in
//  direct mode, into the batch transaction itself. Every later change
//  that goes through the event log then fails the same way, whatever the
//  batch (each one takes last + 2 again), until the entry is removed; so
//  the valid change after the failed one in the batch is one that does
//  not: a hello that gives the node a parent (a node record, no log
//  entry).

//  The event log's last sequence in the stopped broker's store.
static uint64_t
s_log_last (const char *store_name)
{
    cb_store_t *store = cb_store_new (s_store (store_name), 0, 0);
    REQUIRE (store);
    cb_txn_t *txn = cb_store_begin (store, false);
    REQUIRE (txn);
    uint64_t last = cb_log_last (txn);
    cb_txn_abort (&txn);
    cb_store_destroy (&store);
    return last;
}

//  Plants a log entry at `seq` in the stopped broker's store (leaving the
//  last sequence as it is), or with `remove` takes it away again.
static void
s_plant (const char *store_name, uint64_t seq, bool remove)
{
    cb_store_t *store = cb_store_new (s_store (store_name), 0, 0);
    REQUIRE (store);
    cb_txn_t *txn = cb_store_begin (store, true);
    REQUIRE (txn);
    uint8_t key [8];
    cb_put_u64 (key, seq);
    if (remove)
        CHECK_INT (cb_txn_del (txn, CB_T_LOG, key, 8), 0);
    else
        CHECK_INT (cb_txn_put (txn, CB_T_LOG, key, 8, "planted", 7, true), 0);
    CHECK_INT (cb_txn_commit (&txn), CB_STORE_OK);
    cb_store_destroy (&store);
}

//  Whether `table` of the stopped broker's store has `key`.
static bool
s_stored (cb_txn_t *txn, cb_table_t table, const void *key, size_t klen)
{
    const void *value;
    size_t size;
    return cb_txn_get (txn, table, key, klen, &value, &size) == 0;
}

static void
test_redo (void)
{
    //  One draft, d1, at log sequence 1; then the entry planted at 3.
    tb_start (s_store ("redo"), NULL, NULL);
    cb_client_t *lead = cb_client_new (tb_endpoint, "lead", "leadership", NULL);
    cb_value_t *body = s_draft_body ("Before the planted entry");
    cb_value_t *reply = cb_client_request (lead, "draft.new", &body, 5000);
    REQUIRE (reply);
    CHECK_STR (cb_value_get_str (reply, "draft"), "d1");
    cb_value_destroy (&reply);
    cb_client_destroy (&lead);
    CHECK_INT (tb_stop (), 0);
    CHECK_INT (s_log_last ("redo"), 1);
    s_plant ("redo", 3, false);

    //  One batch: a hello, a change that takes sequence 2, one that fails
    //  at 3 after writing, a change outside the log, and two reads, all
    //  queued before the broker runs, so that they reach it together.
    long txnid = tb_txnid (s_store ("redo"));
    zsock_t *dealer = s_dealer ();
    tb_send (dealer, "hello", "h1", s_hello_body ("lead", "leadership", NULL));
    tb_send (dealer, "draft.new", "a", s_draft_body ("Stored in the batch"));
    tb_send (dealer, "draft.new", "b", s_draft_body ("Fails after writing"));
    tb_send (dealer, "hello", "h2", s_hello_body ("lead", NULL, "board"));
    tb_send (dealer, "draft.list", "l1", NULL);
    tb_send (dealer, "ping", "p1", NULL);
    tb_start (s_store ("redo"), NULL, NULL);

    reply = s_expect (dealer, "h1", 0);
    cb_value_destroy (&reply);
    reply = s_expect (dealer, "a", 0);
    CHECK_STR (cb_value_get_str (cb_value_get (reply, "body"), "draft"), "d2");
    cb_value_destroy (&reply);
    reply = s_expect (dealer, "b", CB_E_INTERNAL);
    CHECK_STR (cb_value_get_str (reply, "name"), "INTERNAL");
    CHECK_STR (cb_value_get_str (reply, "message"), "log: sequence 3 exists");
    cb_value_destroy (&reply);
    reply = s_expect (dealer, "h2", 0);
    CHECK_STR (cb_value_get_str (cb_value_get (reply, "body"), "parent"), "board");
    cb_value_destroy (&reply);
    //  Nothing of b, not even its draft id.
    char ids [256];
    reply = s_expect (dealer, "l1", 0);
    s_draft_ids (cb_value_get (reply, "body"), ids, sizeof (ids));
    CHECK_STR (ids, "d1,d2");
    cb_value_destroy (&reply);
    reply = s_expect (dealer, "p1", 0);
    cb_value_destroy (&reply);

    //  It serves on.
    tb_send (dealer, "draft.list", "l2", NULL);
    tb_send (dealer, "ping", "p2", NULL);
    reply = s_expect (dealer, "l2", 0);
    s_draft_ids (cb_value_get (reply, "body"), ids, sizeof (ids));
    CHECK_STR (ids, "d1,d2");
    cb_value_destroy (&reply);
    reply = s_expect (dealer, "p2", 0);
    cb_value_destroy (&reply);
    zsock_destroy (&dealer);
    CHECK_INT (tb_stop (), 0);
    //  b's batch was applied a second time, nested; no other was. One
    //  transaction was committed: a and h2 (so b) were in one batch.
    CHECK_INT (s_stop_redone (), 1);
    CHECK_INT (tb_txnid (s_store ("redo")) - txnid, 1);

    //  In the store: a's log entry at 2, the planted one untouched at 3,
    //  a's reply kept for resends; no draft d3, no reply kept for b.
    cb_store_t *store = cb_store_new (s_store ("redo"), 0, 0);
    REQUIRE (store);
    cb_txn_t *txn = cb_store_begin (store, false);
    REQUIRE (txn);
    CHECK_INT (cb_log_last (txn), 2);
    uint8_t key [8];
    const void *value;
    size_t size;
    cb_put_u64 (key, 2);
    REQUIRE (cb_txn_get (txn, CB_T_LOG, key, 8, &value, &size) == 0);
    cb_value_t *entry = cb_codec_decode (value, size, NULL, 0);
    CHECK_STR (cb_value_get_str (entry, "kind"), "draft.new");
    CHECK (cb_value_get (cb_value_get (entry, "objects"), "draft/d2") != NULL);
    cb_value_destroy (&entry);
    cb_put_u64 (key, 3);
    CHECK (cb_txn_get (txn, CB_T_LOG, key, 8, &value, &size) == 0
        && size == 7 && memcmp (value, "planted", 7) == 0);
    cb_put_u64 (key, 4);
    CHECK (!s_stored (txn, CB_T_LOG, key, 8));
    uint8_t draft [4];
    cb_put_u32 (draft, 2);
    CHECK (s_stored (txn, CB_T_DRAFTS, draft, 4));
    cb_put_u32 (draft, 3);
    CHECK (!s_stored (txn, CB_T_DRAFTS, draft, 4));
    //  Kept replies are keyed by node, NUL, mid.
    CHECK (s_stored (txn, CB_T_REQUESTS, "lead\0a", 6));
    CHECK (!s_stored (txn, CB_T_REQUESTS, "lead\0b", 6));
    cb_txn_abort (&txn);
    cb_store_destroy (&store);

    //  The planted entry gone, changes are stored again: the next draft
    //  is d3 (b used no id), at sequence 3; the parent from h2 is kept.
    s_plant ("redo", 3, true);
    tb_start (s_store ("redo"), NULL, NULL);
    dealer = s_dealer ();
    tb_send (dealer, "hello", "h3", s_hello_body ("lead", NULL, NULL));
    tb_send (dealer, "draft.new", "c", s_draft_body ("After the repair"));
    tb_send (dealer, "draft.list", "l3", NULL);
    reply = s_expect (dealer, "h3", 0);
    CHECK_STR (cb_value_get_str (cb_value_get (reply, "body"), "parent"), "board");
    cb_value_destroy (&reply);
    reply = s_expect (dealer, "c", 0);
    CHECK_STR (cb_value_get_str (cb_value_get (reply, "body"), "draft"), "d3");
    cb_value_destroy (&reply);
    reply = s_expect (dealer, "l3", 0);
    s_draft_ids (cb_value_get (reply, "body"), ids, sizeof (ids));
    CHECK_STR (ids, "d1,d2,d3");
    cb_value_destroy (&reply);
    zsock_destroy (&dealer);
    CHECK_INT (tb_stop (), 0);
    CHECK_INT (s_stop_redone (), 0);
    CHECK_INT (s_log_last ("redo"), 3);
}

int
main (void)
{
    tb_init ("test_batch", true);
    test_log_time ();
    test_log_lines ();
    test_redo ();
    return tb_done (TEST_DONE ());
}
