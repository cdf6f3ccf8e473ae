/*  =========================================================================
    test_votes - the sealed confidence vote (issue 14, item 3), through
    cb_dispatch on a real LMDB store: vote.open and its refusals, each
    vote answered only "counted" and sealed everywhere (replies, draft.show,
    vote.show, inboxes, the event log) until the reveal, the reveal when
    all have voted and at the deadline (with the injectable clock, across
    a reopen of the store), and draft.finalize's rule with its override.

    With --direct every request is written straight into the batch
    transaction, and every refusal here must have written nothing.
    =========================================================================
*/
#include "testdispatch.h"
#include "log.h"

//  d1 by lead, thrown to team-a and team-b in round r1, closed: ready for
//  a vote.
static void
s_draft_ready (void)
{
    s_ok_void ("lead", "draft.new",
               s_with_content (s_body ("message=first", NULL), s_content ("Grow", 2)));
    s_ok_void ("lead", "round.throw", s_body ("draft=d1", "to[]=team-a,team-b", NULL));
    s_ok_void ("lead", "round.close", s_body ("round=r1", NULL));
}

//  True if some map in the tree has the key.
static bool
s_has_key (const cb_value_t *v, const char *key)
{
    if (cb_value_type (v) == CB_MAP) {
        if (cb_value_get (v, key))
            return true;
        for (size_t i = 0; i < cb_value_size (v); i++)
            if (s_has_key (cb_value_val_at (v, i), key))
                return true;
    }
    else
    if (cb_value_type (v) == CB_ARRAY)
        for (size_t i = 0; i < cb_value_size (v); i++)
            if (s_has_key (cb_value_at (v, i), key))
                return true;
    return false;
}

static int
s_log_one (uint64_t seq, const void *data, size_t size, void *arg)
{
    (void) seq;
    cb_value_t *entry = cb_codec_decode (data, size, NULL, 0);
    cb_value_push ((cb_value_t *) arg, &entry);
    return 0;
}

//  Every log entry, decoded, in an array.
static cb_value_t *
s_log (void)
{
    cb_value_t *all = cb_value_new_array ();
    cb_txn_t *txn = cb_store_begin (s_store, false);
    cb_log_read (txn, 1, 10000, s_log_one, all);
    cb_txn_abort (&txn);
    return all;
}

static int
s_inbox_one (uint64_t seq, const void *data, size_t size, void *arg)
{
    (void) seq;
    cb_value_t *d = cb_codec_decode (data, size, NULL, 0);
    cb_value_push ((cb_value_t *) arg, &d);
    return 0;
}

//  A node's inbox, decoded, in an array.
static cb_value_t *
s_inbox (const char *node)
{
    cb_value_t *all = cb_value_new_array ();
    cb_txn_t *txn = cb_store_begin (s_store, false);
    cb_inbox_read (txn, node, 1, 1000, s_inbox_one, all);
    cb_txn_abort (&txn);
    return all;
}

//  The body of the last delivery of `kind` in node's inbox (a copy), or NULL.
static cb_value_t *
s_last_delivery (const char *node, const char *kind)
{
    cb_value_t *all = s_inbox (node), *found = NULL;
    for (size_t i = 0; i < cb_value_size (all); i++)
        if (streq (cb_value_get_str (cb_value_at (all, i), "kind"), kind)) {
            cb_value_destroy (&found);
            found = cb_value_dup (cb_value_get (cb_value_at (all, i), "body"));
        }
    cb_value_destroy (&all);
    return found;
}

//  True if node's inbox holds a delivery of `kind`.
static bool
s_has_delivery (const char *node, const char *kind)
{
    cb_value_t *found = s_last_delivery (node, kind);
    bool has = found != NULL;
    cb_value_destroy (&found);
    return has;
}

//  The log's last sequence.
static uint64_t
s_log_last (void)
{
    cb_txn_t *txn = cb_store_begin (s_store, false);
    uint64_t last = cb_log_last (txn);
    cb_txn_abort (&txn);
    return last;
}

//  The broker's clock at `at`, as the loop runs it (cb_dispatch_expire).
static int
s_expire (int64_t at)
{
    cb_txn_t *txn = cb_store_begin (s_store, true);
    zhashx_t *touched = zhashx_new ();
    cb_expiry_t expiry;
    int rc = cb_dispatch_expire (txn, at, touched, &expiry);
    CHECK_INT (rc, 0);
    CHECK (cb_txn_commit (&txn) == CB_STORE_OK);
    zhashx_destroy (&touched);
    return expiry.count;
}

//  --------------------------------------------------------------------------

static void
test_open (void)
{
    s_draft_ready ();
    //  Who may open it: the owner only; roles that never vote are FORBIDDEN.
    CHECK_INT (s_err ("team-a", "vote.open", s_body ("draft=d1", "voters[]=team-b", NULL)),
               CB_E_NOT_OWNER);
    CHECK_INT (s_err ("boss", "vote.open", s_body ("draft=d1", "voters[]=team-b", NULL)),
               CB_E_NOT_OWNER);
    CHECK_INT (s_err ("fac", "vote.open", s_body ("draft=d1", "voters[]=team-b", NULL)),
               CB_E_FORBIDDEN);
    CHECK_INT (s_err ("watcher", "vote.open", s_body ("draft=d1", "voters[]=team-b", NULL)),
               CB_E_FORBIDDEN);
    //  The voters: others than the owner, known, authors, once each.
    CHECK_INT (s_err ("lead", "vote.open", s_body ("draft=d1", "voters[]=lead,team-a", NULL)),
               CB_E_BAD_FIELD);
    CHECK_INT (s_err ("lead", "vote.open", s_body ("draft=d1", "voters[]=team-z", NULL)),
               CB_E_UNKNOWN_NODE);
    CHECK_INT (s_err ("lead", "vote.open", s_body ("draft=d1", "voters[]=watcher", NULL)),
               CB_E_BAD_FIELD);
    CHECK_INT (s_err ("lead", "vote.open", s_body ("draft=d1", "voters[]=fac", NULL)),
               CB_E_BAD_FIELD);
    CHECK_INT (s_err ("lead", "vote.open", s_body ("draft=d1", "voters[]=team-a,team-a", NULL)),
               CB_E_BAD_FIELD);
    CHECK_INT (s_err ("lead", "vote.open", s_body ("draft=d1", NULL)), CB_E_BAD_FIELD);
    CHECK_INT (s_err ("lead", "vote.open",
                      s_body ("draft=d1", "voters[]=team-a", "threshold=6", NULL)),
               CB_E_BAD_FIELD);
    CHECK_INT (s_err ("lead", "vote.open",
                      s_body ("draft=d1", "voters[]=team-a", "deadline=0", NULL)),
               CB_E_BAD_FIELD);
    CHECK_INT (s_err ("lead", "vote.open", s_body ("draft=d9", "voters[]=team-a", NULL)),
               CB_E_NOT_FOUND);
    //  Not while a round is open.
    s_ok_void ("lead", "round.throw", s_body ("draft=d1", "to[]=team-a", NULL));
    CHECK_INT (s_err ("lead", "vote.open", s_body ("draft=d1", "voters[]=team-a", NULL)),
               CB_E_ROUND_OPEN);
    s_ok_void ("lead", "round.close", s_body ("round=r2", NULL));

    uint64_t log_before = s_log_last ();
    cb_value_t *r = s_ok ("lead", "vote.open",
                          s_body ("draft=d1", "voters[]=team-a,team-b,boss", NULL));
    CHECK_STR (cb_value_get_str (r, "vote"), "v1");
    CHECK_STR (cb_value_get_str (r, "draft"), "d1");
    CHECK_INT (s_int (r, "rev"), 1);
    CHECK_INT (s_int (r, "threshold"), 3);
    CHECK_INT (cb_value_size (cb_value_get (r, "voters")), 3);
    CHECK (cb_value_type (cb_value_get (r, "deadline")) == CB_NIL);
    cb_value_destroy (&r);
    CHECK_INT (s_log_last (), log_before + 1);
    //  Each voter is told; the owner is not a voter.
    cb_value_t *note = s_last_delivery ("boss", "vote.opened");
    CHECK (note != NULL);
    CHECK_STR (cb_value_get_str (note, "id"), "v1");
    CHECK_STR (cb_value_get_str (note, "objective"), "Grow");
    cb_value_destroy (&note);
    note = s_last_delivery ("lead", "vote.opened");
    CHECK (note == NULL);
    //  One open vote at a time.
    CHECK_INT (s_err ("lead", "vote.open", s_body ("draft=d1", "voters[]=team-a", NULL)),
               CB_E_VOTE_OPEN);
}

static void
test_sealed (void)
{
    //  A non-voter's vote (the owner's included), on a draft without a
    //  vote, with a bad confidence: refused.
    CHECK_INT (s_err ("team-c", "draft.vote", s_body ("draft=d1", "confidence=4", NULL)),
               CB_E_NOT_VOTER);
    CHECK_INT (s_err ("lead", "draft.vote", s_body ("draft=d1", "confidence=0", NULL)),
               CB_E_NOT_VOTER);
    CHECK_INT (s_err ("team-a", "draft.vote", s_body ("draft=d1", "confidence=7", NULL)),
               CB_E_BAD_FIELD);
    CHECK_INT (s_err ("watcher", "draft.vote", s_body ("draft=d1", "confidence=4", NULL)),
               CB_E_FORBIDDEN);
    CHECK_INT (s_err ("lead", "draft.finalize", s_body ("draft=d1", NULL)), CB_E_NO_CONFIDENCE);

    //  Counted, and nothing else.
    cb_value_t *r = s_ok ("team-a", "draft.vote",
                          s_body ("draft=d1", "confidence=4", "comment=solid", NULL));
    CHECK_STR (cb_value_get_str (r, "vote"), "v1");
    bool counted = false;
    CHECK (cb_value_get_bool (r, "counted", &counted) && counted);
    CHECK (!s_has_key (r, "votes") && !s_has_key (r, "confidence"));
    cb_value_destroy (&r);
    r = s_ok ("boss", "draft.vote", s_body ("draft=d1", "confidence=2", NULL));
    CHECK (!s_has_key (r, "votes") && !s_has_key (r, "confidence"));
    cb_value_destroy (&r);
    CHECK_INT (s_err ("team-a", "draft.vote", s_body ("draft=d1", "confidence=5", NULL)),
               CB_E_ALREADY_VOTED);

    //  Sealed everywhere: the draft, vote.show, every inbox, the log.
    r = s_ok ("team-b", "draft.show", s_body ("draft=d1", NULL));
    CHECK_INT (cb_value_size (cb_value_get (cb_value_get_map (r, "draft"), "votes")), 0);
    cb_value_destroy (&r);
    r = s_ok ("team-b", "vote.show", s_body ("vote=v1", NULL));
    cb_value_t *vote = cb_value_get_map (r, "vote");
    CHECK_STR (cb_value_get_str (vote, "state"), "open");
    CHECK_INT (cb_value_size (cb_value_get (vote, "voted")), 2);
    CHECK (!s_has_key (r, "confidence") && !s_has_key (r, "ballots"));
    cb_value_destroy (&r);
    const char *nodes [] = { "lead", "team-a", "team-b", "boss", NULL };
    for (int i = 0; nodes [i]; i++) {
        cb_value_t *inbox = s_inbox (nodes [i]);
        CHECK (!s_has_key (inbox, "ballots"));
        for (size_t j = 0; j < cb_value_size (inbox); j++)
            CHECK (!streq (cb_value_get_str (cb_value_at (inbox, j), "kind"), "vote.revealed"));
        cb_value_destroy (&inbox);
    }
    cb_value_t *log = s_log ();
    CHECK (!s_has_key (log, "ballots") && !s_has_key (log, "confidence"));
    cb_value_destroy (&log);
    CHECK_INT (s_err ("lead", "draft.finalize", s_body ("draft=d1", NULL)), CB_E_NO_CONFIDENCE);

    //  The last voter's vote reveals them all, at once.
    r = s_ok ("team-b", "draft.vote", s_body ("draft=d1", "confidence=3", NULL));
    CHECK (!s_has_key (r, "votes") && !s_has_key (r, "confidence"));
    cb_value_destroy (&r);
    for (int i = 0; nodes [i]; i++) {
        cb_value_t *note = s_last_delivery (nodes [i], "vote.revealed");
        CHECK (note != NULL);
        CHECK_STR (cb_value_get_str (note, "closed_by"), "voted");
        cb_value_t *result = cb_value_get_map (note, "result");
        CHECK_INT (cb_value_size (cb_value_get (result, "votes")), 3);
        CHECK_INT (s_int (result, "min"), 2);
        CHECK_INT (s_int (result, "median"), 3);
        CHECK_INT (s_int (result, "spread"), 2);
        CHECK_INT (cb_value_size (cb_value_get (result, "missing")), 0);
        bool passed = false;
        CHECK (cb_value_get_bool (result, "passed", &passed) && passed);
        CHECK (!s_has_key (note, "ballots"));
        cb_value_destroy (&note);
    }
    log = s_log ();
    cb_value_t *last = cb_value_at (log, cb_value_size (log) - 1);
    cb_value_t *logged = cb_value_get_map (cb_value_get_map (last, "objects"), "vote/v1");
    CHECK_STR (cb_value_get_str (logged, "state"), "revealed");
    CHECK_INT (cb_value_size (cb_value_get (cb_value_get_map (logged, "result"), "votes")), 3);
    cb_value_destroy (&log);
    //  The draft keeps the revealed votes, for its history.
    r = s_ok ("watcher", "draft.show", s_body ("draft=d1", NULL));
    cb_value_t *votes = cb_value_get (cb_value_get_map (r, "draft"), "votes");
    CHECK_INT (cb_value_size (votes), 3);
    CHECK_STR (cb_value_get_str (cb_value_at (votes, 0), "node"), "team-a");
    CHECK_INT (s_int (cb_value_at (votes, 0), "confidence"), 4);
    CHECK_STR (cb_value_get_str (cb_value_at (votes, 0), "comment"), "solid");
    CHECK_STR (cb_value_get_str (cb_value_at (votes, 0), "vote"), "v1");
    cb_value_destroy (&r);
    //  A closed vote takes no more votes.
    CHECK_INT (s_err ("team-a", "draft.vote", s_body ("draft=d1", "confidence=1", NULL)),
               CB_E_VOTE_CLOSED);
    CHECK_INT (s_err ("team-c", "draft.vote", s_body ("draft=d1", "confidence=1", NULL)),
               CB_E_NOT_VOTER);
    //  Passed: the owner finalises.
    CHECK_INT (s_err ("team-a", "draft.finalize", s_body ("draft=d1", NULL)), CB_E_NOT_OWNER);
    r = s_ok ("lead", "draft.finalize", s_body ("draft=d1", NULL));
    CHECK_INT (s_int (r, "rev"), 1);
    cb_value_destroy (&r);
    r = s_ok ("watcher", "draft.show", s_body ("draft=d1", NULL));
    CHECK_STR (cb_value_get_str (cb_value_get_map (r, "draft"), "final_vote"), "v1");
    CHECK (!cb_value_get_map (cb_value_get_map (r, "draft"), "override"));
    cb_value_destroy (&r);
}

//  A vote with a 1 in it, then one whose median is below the threshold:
//  both refuse the finalise; the override finalises with its reason kept.
static void
test_finalize_rules (void)
{
    s_draft_ready ();
    s_ok_void ("lead", "vote.open", s_body ("draft=d1", "voters[]=team-a,team-b", NULL));
    s_ok_void ("team-a", "draft.vote", s_body ("draft=d1", "confidence=5", NULL));
    s_ok_void ("team-b", "draft.vote", s_body ("draft=d1", "confidence=1", NULL));
    char message [256];
    s_err_message ("lead", "draft.finalize", s_body ("draft=d1", NULL), message,
                   sizeof (message));
    CHECK (strstr (message, "a 0 or a 1 blocks") != NULL);
    CHECK_INT (s_err ("lead", "draft.finalize", s_body ("draft=d1", NULL)), CB_E_NO_CONFIDENCE);
    //  median 3: it would pass but for the 1.
    cb_value_t *note = s_last_delivery ("lead", "vote.revealed");
    CHECK_INT (s_int (cb_value_get_map (note, "result"), "median"), 3);
    cb_value_destroy (&note);

    //  A revision: the vote was on the old head.
    s_ok_void ("lead", "draft.revise",
               s_with_content (s_body ("draft=d1", "message=after the vote", NULL),
                               s_content ("Grow more", 2)));
    s_ok_void ("lead", "vote.open",
               s_body ("draft=d1", "voters[]=team-a,team-b", "threshold=4", NULL));
    s_ok_void ("team-a", "draft.vote", s_body ("draft=d1", "confidence=3", NULL));
    s_ok_void ("team-b", "draft.vote", s_body ("draft=d1", "confidence=4", NULL));
    note = s_last_delivery ("team-a", "vote.revealed");
    cb_value_t *median = cb_value_get (cb_value_get_map (note, "result"), "median");
    CHECK (cb_value_type (median) == CB_FLOAT && cb_value_float (median) == 3.5);
    cb_value_destroy (&note);
    s_err_message ("lead", "draft.finalize", s_body ("draft=d1", NULL), message,
                   sizeof (message));
    CHECK (strstr (message, "below its threshold of 4") != NULL);
    CHECK_INT (s_err ("lead", "draft.finalize", s_body ("draft=d1", NULL)), CB_E_NO_CONFIDENCE);

    //  The override: a reason is required, and kept.
    cb_value_t *body = s_body ("draft=d1", NULL);
    cb_value_t *o = cb_value_new_map ();
    cb_value_set (body, "override", &o);
    CHECK_INT (s_err ("lead", "draft.finalize", body), CB_E_BAD_FIELD);
    body = s_body ("draft=d1", NULL);
    o = s_body ("reason=the board asked for it today", NULL);
    cb_value_set (body, "override", &o);
    CHECK_INT (s_err ("team-a", "draft.finalize", cb_value_dup (body)), CB_E_NOT_OWNER);
    cb_value_t *r = s_ok ("lead", "draft.finalize", body);
    CHECK_INT (s_int (r, "rev"), 2);
    cb_value_destroy (&r);
    r = s_ok ("watcher", "draft.history", s_body ("draft=d1", NULL));
    cb_value_t *draft = cb_value_get_map (r, "draft");
    CHECK_STR (cb_value_get_str (draft, "state"), "final");
    CHECK_STR (cb_value_get_str (draft, "final_vote"), "v2");
    CHECK_STR (cb_value_get_str (cb_value_get_map (draft, "override"), "reason"),
               "the board asked for it today");
    CHECK_STR (cb_value_get_str (cb_value_get_map (draft, "override"), "node"), "lead");
    CHECK_INT (cb_value_size (cb_value_get (draft, "votes")), 4);
    cb_value_destroy (&r);
    note = s_last_delivery ("team-a", "draft.final");
    CHECK_STR (cb_value_get_str (cb_value_get_map (note, "override"), "reason"),
               "the board asked for it today");
    cb_value_destroy (&note);
    CHECK_INT (s_err ("lead", "vote.open", s_body ("draft=d1", "voters[]=team-a", NULL)),
               CB_E_DRAFT_FINAL);
}

//  A deadline reveals what was cast, with the missing voters, at exactly
//  its time, after the store was closed and opened again (a restart).
static void
test_deadline (void)
{
    s_draft_ready ();
    cb_value_t *r = s_ok ("lead", "vote.open",
                          s_body ("draft=d1", "voters[]=team-a,team-b", "deadline=900", NULL));
    CHECK_INT (s_int (r, "deadline"), s_now + 900000);
    cb_value_destroy (&r);
    s_ok_void ("team-b", "draft.vote", s_body ("draft=d1", "confidence=4", NULL));
    cb_txn_t *txn = cb_store_begin (s_store, false);
    CHECK_INT (cb_dispatch_next_deadline (txn), s_now + 900000);
    cb_txn_abort (&txn);

    cb_store_destroy (&s_store);
    s_open ();
    CHECK_INT (s_expire (s_now + 899999), 0);
    CHECK (!s_has_delivery ("lead", "vote.revealed"));
    uint64_t log_before = s_log_last ();
    CHECK_INT (s_expire (s_now + 900000), 1);
    CHECK_INT (s_log_last (), log_before + 1);
    cb_value_t *note = s_last_delivery ("team-b", "vote.revealed");
    REQUIRE (note);
    CHECK_STR (cb_value_get_str (note, "closed_by"), "deadline");
    cb_value_t *result = cb_value_get_map (note, "result");
    CHECK_INT (cb_value_size (cb_value_get (result, "votes")), 1);
    CHECK_STR (cb_value_str (cb_value_at (cb_value_get (result, "missing"), 0)), "team-a");
    CHECK_INT (s_int (result, "median"), 4);
    cb_value_destroy (&note);
    CHECK (s_has_delivery ("team-a", "vote.revealed"));
    CHECK (s_has_delivery ("lead", "vote.revealed"));
    cb_value_t *log = s_log ();
    cb_value_t *entry = cb_value_at (log, cb_value_size (log) - 1);
    CHECK_STR (cb_value_get_str (entry, "kind"), "deadline");
    CHECK_STR (cb_value_get_str (entry, "node"), "catchballd");
    cb_value_destroy (&log);
    txn = cb_store_begin (s_store, false);
    CHECK_INT (cb_dispatch_next_deadline (txn), 0);
    cb_txn_abort (&txn);
    //  Once only.
    CHECK_INT (s_expire (s_now + 999999), 0);
    CHECK_INT (s_err ("team-a", "draft.vote", s_body ("draft=d1", "confidence=4", NULL)),
               CB_E_VOTE_CLOSED);
    //  A median of 4 with no blocker: the owner finalises.
    s_ok_void ("lead", "draft.finalize", s_body ("draft=d1", NULL));
}

//  A vote with nobody voting by its deadline reveals an empty result,
//  which never passes; an override while a vote is open reveals it.
static void
test_empty_and_open_override (void)
{
    s_draft_ready ();
    s_ok_void ("lead", "vote.open",
               s_body ("draft=d1", "voters[]=team-a", "deadline=60", NULL));
    CHECK_INT (s_expire (s_now + 60000), 1);
    cb_value_t *note = s_last_delivery ("lead", "vote.revealed");
    cb_value_t *result = cb_value_get_map (note, "result");
    CHECK (cb_value_type (cb_value_get (result, "median")) == CB_NIL);
    cb_value_destroy (&note);
    CHECK_INT (s_err ("lead", "draft.finalize", s_body ("draft=d1", NULL)), CB_E_NO_CONFIDENCE);

    s_ok_void ("lead", "vote.open", s_body ("draft=d1", "voters[]=team-a,team-b", NULL));
    s_ok_void ("team-a", "draft.vote", s_body ("draft=d1", "confidence=5", NULL));
    cb_value_t *body = s_body ("draft=d1", NULL);
    cb_value_t *o = s_body ("reason=team-b is away for a month", NULL);
    cb_value_set (body, "override", &o);
    s_ok_void ("lead", "draft.finalize", body);
    note = s_last_delivery ("team-b", "vote.revealed");
    REQUIRE (note);
    CHECK_STR (cb_value_get_str (note, "closed_by"), "finalize");
    CHECK_STR (cb_value_str (cb_value_at (cb_value_get (cb_value_get_map (note, "result"),
                                                        "missing"), 0)), "team-b");
    cb_value_destroy (&note);
    CHECK_INT (s_err ("team-b", "draft.vote", s_body ("draft=d1", "confidence=5", NULL)),
               CB_E_VOTE_CLOSED);
}

//  At most 20 voters a vote, 100 votes a draft.
static void
test_limits (void)
{
    s_draft_ready ();
    char voters [512] = "voters[]=";
    for (int i = 0; i < 21; i++)
        snprintf (voters + strlen (voters), sizeof (voters) - strlen (voters), "%sn%d",
                  i ? "," : "", i);
    CHECK_INT (s_err ("lead", "vote.open", s_body ("draft=d1", voters, NULL)), CB_E_BAD_FIELD);
    const char *four [] = { "team-a", "team-b", "team-c", "boss" };
    for (int v = 0; v < 25; v++) {
        s_ok_void ("lead", "vote.open",
                   s_body ("draft=d1", "voters[]=team-a,team-b,team-c,boss", NULL));
        for (int i = 0; i < 4; i++)
            s_ok_void (four [i], "draft.vote", s_body ("draft=d1", "confidence=3", NULL));
    }
    cb_value_t *r = s_ok ("watcher", "draft.show", s_body ("draft=d1", NULL));
    CHECK_INT (cb_value_size (cb_value_get (cb_value_get_map (r, "draft"), "votes")), 100);
    cb_value_destroy (&r);
    CHECK_INT (s_err ("lead", "vote.open", s_body ("draft=d1", "voters[]=team-a", NULL)),
               CB_E_BAD_FIELD);
}

typedef void (s_test_fn) (void);

static void
s_run (const char *name, s_test_fn *test, s_test_fn *before)
{
    td_begin ("test_votes", true);
    if (before)
        before ();
    int failures = tu_failures;
    test ();
    if (tu_failures != failures)
        fprintf (stderr, "test_votes: %s failed\n", name);
    td_end ();
}

int
main (int argc, char *argv [])
{
    td_init (argc, argv);
    s_run ("open", test_open, NULL);
    s_run ("sealed", test_sealed, test_open);
    s_run ("finalize_rules", test_finalize_rules, NULL);
    s_run ("deadline", test_deadline, NULL);
    s_run ("empty_and_open_override", test_empty_and_open_override, NULL);
    s_run ("limits", test_limits, NULL);
    return TEST_DONE ();
}
