/*  =========================================================================
    test_events - marketplace events (events.c) and their read models
    (views.c), and the clock and sequences the broker gets from dispatch,
    driven in-process through cb_dispatch on a real LMDB store

    Covers: event.new's checks and defaults; the facilitator's advance,
    extend and nudge, with the deliveries each makes; event.share's checks
    and a replaced draft; event.show, event.list (paged), event.snapshot,
    event.report and cycle.graph on a small market; cb_dispatch_expire
    closing a round and advancing an event that are due, and nothing
    before; the log and inbox sequences a result gives the broker, equal
    to what a read transaction finds after the commit. Each test has a
    store of its own; with --direct a refusal that wrote fails.
    =========================================================================
*/
#include "log.h"
#include "testdispatch.h"

//  A new event of the facilitator fac; "event=eN" into `event`.
static void
s_event (const char *participants, const char *plan_share, char *event)
{
    cb_value_t *body = s_body ("name=Planning", "cycle=2027-Q1", participants, NULL);
    if (plan_share) {
        cb_value_t *plan = s_body (plan_share, "negotiate=2", "commit=3", NULL);
        cb_value_set (body, "plan", &plan);
    }
    cb_value_t *r = s_ok ("fac", "event.new", body);
    snprintf (event, 16, "event=%s", r ? cb_value_get_str (r, "event") : "e0");
    cb_value_destroy (&r);
}

static void
s_draft (const char *node, const char *objective, char *field)
{
    cb_value_t *r = s_ok (node, "draft.new", s_with_content (s_body ("message=m", NULL),
                                                            s_content (objective, 2)));
    snprintf (field, 16, "draft=%s", r ? cb_value_get_str (r, "draft") : "d0");
    cb_value_destroy (&r);
}

//  --------------------------------------------------------------------------

static void
test_new (void)
{
    const char *bad [] = { "participants[]=team-a,ghost", "participants[]=team-a,fac",
                           "participants[]=team-a,watcher", "participants[]=team-a,team-a",
                           NULL };
    const int codes [] = { CB_E_UNKNOWN_NODE, CB_E_BAD_FIELD, CB_E_BAD_FIELD, CB_E_BAD_FIELD };
    for (int i = 0; bad [i]; i++)
        CHECK_INT (s_err ("fac", "event.new", s_body ("name=E", "cycle=2027-Q1", bad [i], NULL)),
                   codes [i]);
    CHECK_INT (s_err ("team-a", "event.new",
                      s_body ("name=E", "cycle=2027-Q1", "participants[]=team-b", NULL)),
               CB_E_FORBIDDEN);
    char event [16];
    s_event ("participants[]=team-a,team-b", NULL, event);
    CHECK_STR (event, "event=e1");
    cb_value_t *r = s_ok ("watcher", "event.show", s_body (event, NULL));
    cb_value_t *e = cb_value_get_map (r, "event");
    CHECK_STR (cb_value_get_str (e, "phase"), "planned");
    CHECK_STR (cb_value_get_str (e, "facilitator"), "fac");
    CHECK_INT (s_int (cb_value_get_map (e, "plan"), "share"), 20);
    CHECK_INT (s_int (cb_value_get_map (e, "plan"), "negotiate"), 40);
    CHECK_INT (s_int (cb_value_get_map (e, "plan"), "commit"), 10);
    //  Every participant is a key of `waiting`, with nothing waiting yet.
    CHECK_INT (cb_value_size (cb_value_get_array (cb_value_get_map (r, "waiting"), "team-b")),
               0);
    CHECK (cb_value_get (cb_value_get_map (r, "waiting"), "team-b") != NULL);
    cb_value_destroy (&r);
    //  Nothing was delivered for a planned event.
    CHECK_INT (s_inbox_last ("team-a"), 0);
}

static void
test_advance_extend_nudge (void)
{
    s_ok_void ("fac2", "hello", s_body ("node=fac2", "role=facilitator", NULL));
    char event [16], kinds [1024];
    s_event ("participants[]=team-a,team-b", "share=1", event);
    CHECK_INT (s_err ("fac2", "event.advance", s_body (event, NULL)), CB_E_NOT_OWNER);
    CHECK_INT (s_err ("fac", "event.extend", s_body (event, "minutes=5", NULL)),
               CB_E_WRONG_PHASE);
    cb_value_t *r = s_ok ("fac", "event.advance", s_body (event, NULL));
    CHECK_STR (cb_value_get_str (r, "phase"), "share");
    CHECK_INT (s_int (r, "ends"), s_now + 60000);
    cb_value_destroy (&r);
    //  The facilitator and every participant are told.
    CHECK_STR (s_inbox_kinds ("fac", kinds), "event.phase ");
    CHECK_STR (s_inbox_kinds ("team-b", kinds), "event.phase ");
    CHECK_INT (s_inbox_last ("team-c"), 0);
    //  An advance from a phase the event has left (a time box ended it
    //  while the facilitator looked): refused, nothing advanced.
    CHECK_INT (s_err ("fac", "event.advance", s_body (event, "from=planned", NULL)),
               CB_E_WRONG_PHASE);
    CHECK_INT (s_inbox_last ("team-c"), 0);
    r = s_ok ("fac", "event.extend", s_body (event, "minutes=5", NULL));
    CHECK_INT (s_int (r, "ends"), s_now + 6 * 60000);
    CHECK_STR (cb_value_get_str (r, "phase"), "share");
    cb_value_destroy (&r);
    CHECK_STR (s_inbox_kinds ("team-a", kinds), "event.phase event.phase ");
    //  The time box moved: the old end is not due, the new one is.
    cb_txn_t *txn = cb_store_begin (s_store, false);
    CHECK_INT (cb_events_next_timebox (txn), s_now + 6 * 60000);
    cb_txn_abort (&txn);
    CHECK_INT (s_err ("fac", "event.nudge", s_body (event, "node=team-c", NULL)),
               CB_E_NOT_PARTICIPANT);
    CHECK_INT (s_err ("fac2", "event.nudge", s_body (event, "node=team-a", NULL)),
               CB_E_NOT_OWNER);
    s_ok_void ("fac", "event.nudge", s_body (event, "node=team-a", "text=share please", NULL));
    CHECK_STR (s_inbox_kinds ("team-a", kinds), "event.phase event.phase event.nudge ");
    CHECK_STR (s_inbox_kinds ("team-b", kinds), "event.phase event.phase ");
    //  Through commit to closed; then nothing more.
    for (int i = 0; i < 3; i++)
        s_ok_void ("fac", "event.advance", s_body (event, NULL));
    r = s_ok ("watcher", "event.show", s_body (event, NULL));
    CHECK_STR (cb_value_get_str (cb_value_get_map (r, "event"), "phase"), "closed");
    CHECK_INT (cb_value_size (cb_value_get (cb_value_get_map (r, "event"), "phases")), 4);
    cb_value_destroy (&r);
    CHECK_INT (s_err ("fac", "event.advance", s_body (event, NULL)), CB_E_WRONG_PHASE);
}

static void
test_share (void)
{
    char event [16], da [16], da2 [16], db [16], other [16];
    s_draft ("team-a", "A", da);
    s_draft ("team-a", "A again", da2);
    s_draft ("team-b", "B", db);
    {
        cb_value_t *c = s_content ("Later", 1);
        cb_value_set_str (c, "cycle", "2027-Q2");
        cb_value_t *r = s_ok ("team-a", "draft.new", s_with_content (s_body ("message=m", NULL), c));
        snprintf (other, sizeof (other), "draft=%s", r ? cb_value_get_str (r, "draft") : "d0");
        cb_value_destroy (&r);
    }
    s_event ("participants[]=team-a,team-b", NULL, event);
    CHECK_INT (s_err ("team-a", "event.share", s_body (event, da, NULL)), CB_E_WRONG_PHASE);
    s_ok_void ("fac", "event.advance", s_body (event, NULL));
    CHECK_INT (s_err ("team-c", "event.share", s_body (event, da, NULL)), CB_E_NOT_PARTICIPANT);
    CHECK_INT (s_err ("team-a", "event.share", s_body (event, db, NULL)), CB_E_NOT_OWNER);
    CHECK_INT (s_err ("team-a", "event.share", s_body (event, other, NULL)), CB_E_BAD_FIELD);
    s_ok_void ("team-a", "event.share", s_body (event, da, NULL));
    s_ok_void ("team-a", "event.share", s_body (event, da2, NULL));
    cb_value_t *r = s_ok ("watcher", "event.show", s_body (event, NULL));
    CHECK_STR (cb_value_get_str (cb_value_get_map (cb_value_get_map (r, "event"), "shared"),
                                 "team-a"), da2 + 6);
    cb_value_destroy (&r);
}

//  A small market for the read models: two events of the cycle, the
//  first with a shared draft each, an accepted ask and an open round.
static void
s_market (char *event, char *da, char *db)
{
    s_draft ("team-a", "Needs", da);
    s_draft ("team-b", "Helps", db);
    s_event ("participants[]=team-a,team-b", NULL, event);
    char second [16];
    s_event ("participants[]=team-c", NULL, second);
    s_ok_void ("fac", "event.advance", s_body (event, NULL));
    s_ok_void ("team-a", "event.share", s_body (event, da, NULL));
    s_ok_void ("team-b", "event.share", s_body (event, db, NULL));
    s_ok_void ("fac", "event.advance", s_body (event, NULL));
    cb_value_t *r = s_ok ("team-a", "ask.new",
                          s_body (event, "to=team-b", "kr=kr1", "need=help", NULL));
    char ask [16];
    snprintf (ask, sizeof (ask), "ask=%s", r ? cb_value_get_str (r, "ask") : "a0");
    cb_value_destroy (&r);
    cb_value_t *body = s_body (ask, NULL);
    cb_value_t *reflect = s_body ("type=raise_target", "kr=kr2", "target=70", NULL);
    cb_value_set (body, "reflect", &reflect);
    s_ok_void ("team-b", "ask.accept", body);
    s_ok_void ("team-a", "round.throw", s_body (da, "to[]=team-b", NULL));
}

static void
test_views (void)
{
    char event [16], da [16], db [16];
    s_market (event, da, db);
    //  show: the ask, and the round team-b has not answered.
    cb_value_t *r = s_ok ("watcher", "event.show", s_body (event, NULL));
    CHECK_INT (cb_value_size (cb_value_get (r, "asks")), 1);
    CHECK_INT (cb_value_size (cb_value_get (r, "unresolved")), 0);
    CHECK_INT (cb_value_size (cb_value_get_array (cb_value_get_map (r, "waiting"), "team-b")),
               1);
    cb_value_destroy (&r);
    //  list: one event a page, then the next.
    r = s_ok ("watcher", "event.list", s_body ("cycle=2027-Q1", "limit=1", NULL));
    CHECK_INT (cb_value_size (cb_value_get (r, "events")), 1);
    const char *next = cb_value_get_str (r, "next");
    CHECK (next != NULL);
    char after [80];
    snprintf (after, sizeof (after), "after=%s", next ? next : "");
    cb_value_destroy (&r);
    r = s_ok ("watcher", "event.list", s_body ("cycle=2027-Q1", "limit=1", after, NULL));
    CHECK_INT (cb_value_size (cb_value_get (r, "events")), 1);
    CHECK_STR (cb_value_get_str (cb_value_at (cb_value_get (r, "events"), 0), "id"), "e2");
    cb_value_destroy (&r);
    //  snapshot: the event, its ask, both drafts and the open round.
    r = s_ok ("watcher", "event.snapshot", s_body (event, NULL));
    cb_value_t *objects = cb_value_get_map (r, "objects");
    CHECK_INT (cb_value_size (objects), 5);
    char key [32];
    snprintf (key, sizeof (key), "draft/%s", da + 6);
    CHECK (cb_value_get_map (cb_value_get_map (objects, key), "content") != NULL);
    CHECK (cb_value_get_map (objects, "round/r1") != NULL);
    CHECK (cb_value_get_map (objects, "ask/a1") != NULL);
    cb_txn_t *txn = cb_store_begin (s_store, false);
    CHECK_INT (s_int (r, "seq"), cb_log_last (txn));
    cb_txn_abort (&txn);
    cb_value_destroy (&r);
    //  report: the agreed ask and each shared draft with its revisions.
    r = s_ok ("watcher", "event.report", s_body (event, NULL));
    CHECK_INT (cb_value_size (cb_value_get (r, "agreed")), 1);
    CHECK_INT (cb_value_size (cb_value_get (r, "declined")), 0);
    cb_value_t *drafts = cb_value_get (r, "drafts");
    CHECK_INT (cb_value_size (drafts), 2);
    CHECK_STR (cb_value_get_str (cb_value_at (drafts, 1), "owner"), "team-b");
    //  The clock stands still here, so both first revisions count as made
    //  during the event; team-b's draft has the ask's revision as well.
    CHECK_INT (cb_value_size (cb_value_get (cb_value_at (drafts, 0), "revisions")), 1);
    CHECK_INT (cb_value_size (cb_value_get (cb_value_at (drafts, 1), "revisions")), 2);
    cb_value_destroy (&r);
    //  graph: every draft of the cycle, and the asks.
    r = s_ok ("watcher", "cycle.graph", s_body ("cycle=2027-Q1", NULL));
    CHECK_INT (cb_value_size (cb_value_get (r, "drafts")), 2);
    CHECK_INT (cb_value_size (cb_value_get (r, "asks")), 1);
    CHECK (cb_value_get (r, "next") && cb_value_type (cb_value_get (r, "next")) == CB_NIL);
    cb_value_destroy (&r);
}

//  cb_dispatch_expire: what is due closes or advances, once, in the
//  batch's transaction, and tells the broker the log and inbox sequences.
static void
test_expire (void)
{
    char event [16], da [16], kinds [1024];
    s_draft ("lead", "Timed", da);
    s_ok_void ("lead", "round.throw", s_body (da, "to[]=team-a", "deadline=60", NULL));
    s_event ("participants[]=team-b", "share=1", event);
    s_ok_void ("fac", "event.advance", s_body (event, NULL));
    cb_txn_t *txn = cb_store_begin (s_store, true);
    CHECK_INT (cb_dispatch_next_deadline (txn), s_now + 60000);
    zhashx_t *touched = zhashx_new ();
    cb_expiry_t expiry;
    //  A millisecond early: nothing.
    CHECK_INT (cb_dispatch_expire (txn, s_now + 59999, touched, &expiry), 0);
    CHECK_INT (expiry.count, 0);
    CHECK_INT (expiry.log_last, 0);
    CHECK_INT (zhashx_size (touched), 0);
    //  On time: the round closes and the event moves to negotiate.
    CHECK_INT (cb_dispatch_expire (txn, s_now + 60000, touched, &expiry), 0);
    CHECK_INT (expiry.count, 2);
    //  The next: negotiate's end, two minutes on.
    CHECK_INT (expiry.next_deadline, s_now + 60000 + 2 * 60000);
    REQUIRE (cb_txn_commit (&txn) == CB_STORE_OK);
    txn = cb_store_begin (s_store, false);
    CHECK_INT (expiry.log_last, cb_log_last (txn));
    CHECK (expiry.log_last > 0);
    const char *nodes [] = { "lead", "team-a", "team-b", "fac", NULL };
    for (int i = 0; nodes [i]; i++) {
        uint64_t last = 0, acked = 0;
        cb_inbox_state (txn, nodes [i], &last, &acked);
        CHECK_INT (cb_dispatch_touched_seq (touched, nodes [i]), last);
        CHECK (last > 0);
    }
    CHECK_INT (cb_dispatch_touched_seq (touched, "team-c"), 0);
    cb_txn_abort (&txn);
    zhashx_destroy (&touched);
    CHECK_STR (s_inbox_kinds ("team-a", kinds), "round.thrown round.closed ");
    CHECK_STR (s_inbox_kinds ("team-b", kinds), "event.phase event.phase ");
    //  Done once: nothing is due again at the same time.
    txn = cb_store_begin (s_store, true);
    touched = zhashx_new ();
    CHECK_INT (cb_dispatch_expire (txn, s_now + 60000, touched, &expiry), 0);
    CHECK_INT (expiry.count, 0);
    cb_txn_abort (&txn);
    zhashx_destroy (&touched);
}

//  A change's result gives the log entry it appended and, in touched,
//  the inbox sequences: the same the store holds once it is committed.
static void
test_result_sequences (void)
{
    char event [16];
    s_event ("participants[]=team-a,team-b", NULL, event);
    s_ok_void ("fac", "event.nudge", s_body (event, "node=team-a", NULL));
    cb_value_t *msg = cb_value_new_map ();
    cb_value_set_int (msg, "cb", 1);
    cb_value_set_str (msg, "type", "event.advance");
    cb_value_set_str (msg, "mid", "seq-1");
    cb_value_t *body = s_body (event, NULL);
    cb_value_set (msg, "body", &body);
    size_t size;
    void *frame = cb_codec_encode (msg, &size);
    cb_value_destroy (&msg);
    cb_txn_t *txn = cb_store_begin (s_store, true);
    zhashx_t *touched = zhashx_new ();
    cb_result_t result;
    s_apply (&txn, frame, size, "fac", "facilitator", touched, &result);
    CHECK_INT (result.code, 0);
    REQUIRE (cb_txn_commit (&txn) == CB_STORE_OK);
    txn = cb_store_begin (s_store, false);
    CHECK_INT (result.log_last, cb_log_last (txn));
    CHECK (result.log_last > 0);
    CHECK_INT (zhashx_size (touched), 3);
    uint64_t last = 0, acked = 0;
    cb_inbox_state (txn, "team-a", &last, &acked);
    CHECK_INT (last, 2);            //  The nudge, then the phase
    CHECK_INT (cb_dispatch_touched_seq (touched, "team-a"), last);
    CHECK_INT (cb_dispatch_touched_seq (touched, "team-b"), 1);
    cb_txn_abort (&txn);
    cb_result_clean (&result);
    //  A refused change appends nothing.
    txn = cb_store_begin (s_store, true);
    zhashx_purge (touched);
    s_apply (&txn, frame, size, "team-a", "team", touched, &result);
    CHECK_INT (result.code, CB_E_FORBIDDEN);
    CHECK_INT (result.log_last, 0);
    CHECK_INT (zhashx_size (touched), 0);
    cb_txn_abort (&txn);
    cb_result_clean (&result);
    zhashx_destroy (&touched);
    free (frame);
}

typedef void (s_test_fn) (void);

static void
s_run (const char *name, s_test_fn *test)
{
    td_begin ("test_events", true);
    int failures = tu_failures;
    test ();
    if (tu_failures != failures)
        fprintf (stderr, "test_events: %s failed\n", name);
    td_end ();
}

int
main (int argc, char *argv [])
{
    td_init (argc, argv);
    s_run ("new", test_new);
    s_run ("advance_extend_nudge", test_advance_extend_nudge);
    s_run ("share", test_share);
    s_run ("views", test_views);
    s_run ("expire", test_expire);
    s_run ("result_sequences", test_result_sequences);
    return TEST_DONE ();
}
