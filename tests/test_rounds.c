/*  =========================================================================
    test_rounds - the request handlers and the round state machine, driven
    in-process through cb_dispatch on a real LMDB store (no sockets)

    Covers: hello and roles; draft validation and its limits; throw,
    answers (feedback with final=false, counter-proposals, endorsements),
    one answer per recipient, automatic close, owner close, deadline
    expiry (with a chosen clock) and deadlines across a reopen; resend
    de-duplication; ownership and role refusals with nothing stored;
    confidence vote, finalise, amending a final draft; adopting a
    counter-proposal; diffs; one failing request in a batch not undoing
    the others; an event's time boxes advancing it by the clock; the
    refusals of the session, event, ask and round requests where their
    checks come last (with --direct: none of them wrote anything).
    Each test runs on a store of its own (s_run), after the tests whose
    state it builds on, which it names. The harness is testdispatch.h.
    =========================================================================
*/
#include "testdispatch.h"

//  --------------------------------------------------------------------------

static void
test_hello (void)
{
    cb_value_t *r = s_ok ("lead", "hello", s_body ("node=lead", "role=leadership", NULL));
    CHECK_STR (cb_value_get_str (r, "role"), "leadership");
    CHECK_INT (s_int (cb_value_get_map (r, "inbox"), "last"), 0);
    cb_value_destroy (&r);
    CHECK_INT (s_err ("x", "hello", s_body ("node=lead", "role=team", NULL)), CB_E_ROLE_MISMATCH);
    CHECK_INT (s_err ("x", "hello", s_body ("node=newbie", NULL)), CB_E_BAD_FIELD);
    CHECK_INT (s_err ("x", "hello", s_body ("node=bad name", "role=team", NULL)), CB_E_BAD_FIELD);
    CHECK_INT (s_err ("x", "hello", s_body ("node=ok", "role=king", NULL)), CB_E_BAD_FIELD);
    r = s_ok ("lead", "hello", s_body ("node=lead", NULL));
    CHECK_STR (cb_value_get_str (r, "role"), "leadership");
    cb_value_destroy (&r);
    const char *teams [] = { "team-a", "team-b", "team-c", "boss", "watcher", NULL };
    for (int i = 0; teams [i]; i++) {
        char node [32], role [32];
        snprintf (node, sizeof (node), "node=%s", teams [i]);
        snprintf (role, sizeof (role), "role=%s", s_role_of (teams [i]));
        s_ok_void (teams [i], "hello", s_body (node, role, NULL));
    }
    //  log.subscribe from 1 to last + 1; beyond is BAD_FIELD, out of range
    //  (PROTOCOL.md section 12)
    r = s_ok ("lead", "log.subscribe", s_body ("from=1", NULL));
    int64_t last = s_int (r, "last");
    cb_value_destroy (&r);
    char from [32], message [256], expect [64];
    snprintf (from, sizeof (from), "from=%lld", (long long) last + 1);
    s_ok_void ("lead", "log.subscribe", s_body (from, NULL));
    snprintf (from, sizeof (from), "from=%lld", (long long) last + 2);
    CHECK_INT (s_err ("lead", "log.subscribe", s_body (from, NULL)), CB_E_BAD_FIELD);
    snprintf (expect, sizeof (expect), "'from' is out of range (1..%lld)", (long long) last + 1);
    CHECK_STR (s_err_message ("lead", "log.subscribe", s_body (from, NULL), message,
                              sizeof (message)), expect);
    //  Not said hello: refused before anything else.
    cb_value_t *msg = cb_value_new_map ();
    cb_value_set_int (msg, "cb", 1);
    cb_value_set_str (msg, "type", "draft.list");
    cb_value_set_str (msg, "mid", "x1");
    size_t size;
    void *frame = cb_codec_encode (msg, &size);
    cb_txn_t *txn = cb_store_begin (s_store, true);
    zhashx_t *touched = zhashx_new ();
    cb_result_t result;
    s_apply (&txn, frame, size, NULL, NULL, touched, &result);
    CHECK_INT (result.code, CB_E_NOT_HELLO);
    cb_result_clean (&result);
    cb_txn_abort (&txn);
    zhashx_destroy (&touched);
    free (frame);
    cb_value_destroy (&msg);
}

static void
test_validation (void)
{
    cb_value_t *c = s_content ("", 2);
    CHECK_INT (s_err ("lead", "draft.new", s_with_content (s_body ("message=x", NULL), c)),
               CB_E_BAD_FIELD);
    CHECK_INT (s_err ("lead", "draft.new", s_with_content (s_body ("message=x", NULL),
                                                             s_content ("Too many", 8))),
               CB_E_BAD_FIELD);
    CHECK_INT (s_err ("lead", "draft.new", s_with_content (s_body ("message=x", NULL),
                                                             s_content ("None", 0))),
               CB_E_BAD_FIELD);
    char long_text [400];
    memset (long_text, 'x', 281);
    long_text [281] = 0;
    CHECK_INT (s_err ("lead", "draft.new", s_with_content (s_body ("message=x", NULL),
                                                             s_content (long_text, 1))),
               CB_E_BAD_FIELD);
    //  281 characters of two bytes each is still too long; 280 is fine.
    c = s_content ("ok", 1);
    cb_value_set_str (c, "cycle", "2027 Q1");
    CHECK_INT (s_err ("lead", "draft.new", s_with_content (s_body ("message=x", NULL), c)),
               CB_E_BAD_FIELD);
    c = s_content ("typo", 1);
    cb_value_t *kr = cb_value_at (cb_value_get (c, "key_results"), 0);
    cb_value_set_int (kr, "tagret", 5);
    CHECK_INT (s_err ("lead", "draft.new", s_with_content (s_body ("message=x", NULL), c)),
               CB_E_BAD_FIELD);
    c = s_content ("unknown id", 1);
    kr = cb_value_at (cb_value_get (c, "key_results"), 0);
    cb_value_set_str (kr, "id", "kr9");
    CHECK_INT (s_err ("lead", "draft.new", s_with_content (s_body ("message=x", NULL), c)),
               CB_E_BAD_FIELD);
    c = s_content ("string target", 1);
    kr = cb_value_at (cb_value_get (c, "key_results"), 0);
    cb_value_set_str (kr, "target", "60");
    CHECK_INT (s_err ("lead", "draft.new", s_with_content (s_body ("message=x", NULL), c)),
               CB_E_BAD_FIELD);
    c = s_content ("aligned to nothing", 1);
    cb_value_t *aligned = s_body ("draft=d99", NULL);
    cb_value_set (c, "aligned_to", &aligned);
    CHECK_INT (s_err ("team-a", "draft.new", s_with_content (s_body ("message=x", NULL), c)),
               CB_E_NOT_FOUND);
    CHECK_INT (s_err ("lead", "draft.new", s_body ("content=text", NULL)), CB_E_BAD_FIELD);
    CHECK_INT (s_err ("lead", "draft.nope", NULL), CB_E_UNKNOWN_TYPE);
    CHECK_INT (s_err ("watcher", "draft.new", s_with_content (s_body ("message=x", NULL),
                                                                s_content ("Observer", 1))),
               CB_E_FORBIDDEN);
    //  Nothing of that was stored.
    cb_value_t *list = s_ok ("lead", "draft.list", NULL);
    CHECK_INT (cb_value_size (cb_value_get (list, "drafts")), 0);
    cb_value_destroy (&list);
}

static void
test_rounds (void)
{
    cb_value_t *r = s_ok ("lead", "draft.new", s_with_content (s_body ("message=first", NULL),
                                                              s_content ("Grow", 3)));
    CHECK_STR (cb_value_get_str (r, "draft"), "d1");
    CHECK_INT (s_int (r, "rev"), 1);
    cb_value_destroy (&r);

    CHECK_INT (s_err ("lead", "round.throw", s_body ("draft=d1", "to[]=team-a,ghost", NULL)),
               CB_E_UNKNOWN_NODE);
    CHECK_INT (s_err ("lead", "round.throw", s_body ("draft=d1", "to[]=lead", NULL)),
               CB_E_BAD_FIELD);
    CHECK_INT (s_err ("lead", "round.throw", s_body ("draft=d1", "to[]=team-a,team-a", NULL)),
               CB_E_BAD_FIELD);
    CHECK_INT (s_err ("team-a", "round.throw", s_body ("draft=d1", "to[]=team-b", NULL)),
               CB_E_NOT_OWNER);
    CHECK_INT (s_err ("lead", "round.throw", s_body ("draft=d9", "to[]=team-b", NULL)),
               CB_E_NOT_FOUND);
    CHECK_INT (s_inbox_last ("team-a"), 0);

    r = s_ok ("lead", "round.throw", s_body ("draft=d1", "to[]=team-a,team-b", "question=OK?", NULL));
    CHECK_STR (cb_value_get_str (r, "round"), "r1");
    cb_value_destroy (&r);
    CHECK_INT (s_inbox_last ("team-a"), 1);
    CHECK_INT (s_inbox_last ("team-b"), 1);
    CHECK_INT (s_inbox_last ("team-c"), 0);
    CHECK_INT (s_err ("lead", "round.throw", s_body ("draft=d1", "to[]=team-c", NULL)),
               CB_E_ROUND_OPEN);

    //  Answers
    CHECK_INT (s_err ("team-c", "round.feedback",
                      s_body ("round=r1", "kind=support", "text=me too", NULL)),
               CB_E_NOT_RECIPIENT);
    CHECK_INT (s_err ("team-a", "round.feedback",
                      s_body ("round=r1", "kind=rant", "text=no", NULL)),
               CB_E_BAD_FIELD);
    CHECK_INT (s_err ("team-a", "round.feedback",
                      s_body ("round=r1", "kind=concern", "on=kr7", "text=no", NULL)),
               CB_E_NOT_FOUND);        //  "no such KR", as for aligned_to and asks
    CHECK_INT (s_err ("team-a", "round.feedback",
                      s_body ("round=r1", "kind=concern", "on=price", "text=no", NULL)),
               CB_E_BAD_FIELD);        //  Not a KR id at all
    r = s_ok ("team-a", "round.feedback",
              s_body ("round=r1", "kind=concern", "on=kr2", "text=too high", "final=false", NULL));
    CHECK_STR (cb_value_get_str (r, "id"), "f1");
    cb_value_destroy (&r);
    r = s_ok ("team-a", "round.endorse", s_body ("round=r1", "confidence=3", NULL));
    CHECK_STR (cb_value_get_str (r, "id"), "e1");
    bool closed = true;
    cb_value_get_bool (r, "round_closed", &closed);
    CHECK (!closed);
    cb_value_destroy (&r);
    CHECK_INT (s_err ("team-a", "round.feedback",
                      s_body ("round=r1", "kind=support", "text=again", NULL)),
               CB_E_ALREADY_ANSWERED);
    CHECK_INT (s_err ("team-b", "round.endorse", s_body ("round=r1", "confidence=6", NULL)),
               CB_E_BAD_FIELD);

    //  A counter-proposal from the last recipient closes the round.
    cb_value_t *c = s_content ("Grow faster", 3);
    r = s_ok ("team-b", "round.counter", s_with_content (s_body ("round=r1", "message=mine", NULL), c));
    CHECK_STR (cb_value_get_str (r, "id"), "p1");
    CHECK_INT (s_int (r, "rev"), 2);
    closed = false;
    cb_value_get_bool (r, "round_closed", &closed);
    CHECK (closed);
    cb_value_destroy (&r);
    char kinds [1024];
    CHECK_STR (s_inbox_kinds ("lead", kinds),
               "round.response round.response round.response round.closed ");
    CHECK_STR (s_inbox_kinds ("team-a", kinds), "round.thrown round.closed ");
    CHECK_INT (s_err ("team-b", "round.feedback",
                      s_body ("round=r1", "kind=support", "text=late", NULL)),
               CB_E_ROUND_CLOSED);

    r = s_ok ("watcher", "round.show", s_body ("round=r1", NULL));
    cb_value_t *round = cb_value_get_map (r, "round");
    CHECK_STR (cb_value_get_str (round, "state"), "closed");
    CHECK_STR (cb_value_get_str (round, "closed_by"), "answered");
    CHECK_INT (cb_value_size (cb_value_get (r, "responses")), 3);
    cb_value_destroy (&r);

    //  The counter-proposal is a revision off the mainline; the head stays.
    r = s_ok ("watcher", "draft.show", s_body ("draft=d1", NULL));
    CHECK_INT (s_int (cb_value_get_map (r, "draft"), "head"), 1);
    CHECK_INT (s_int (cb_value_get_map (r, "draft"), "revs"), 2);
    CHECK_STR (cb_value_get_str (cb_value_get_map (r, "draft"), "state"), "drafting");
    cb_value_destroy (&r);
    r = s_ok ("watcher", "draft.show", s_body ("draft=d1", "rev=2", NULL));
    bool mainline = true;
    cb_value_get_bool (cb_value_get_map (r, "revision"), "mainline", &mainline);
    CHECK (!mainline);
    CHECK_STR (cb_value_get_str (cb_value_get_map (r, "revision"), "proposer"), "team-b");
    cb_value_destroy (&r);

    //  Revise: KR ids by text; addresses checked.
    c = s_content ("Grow, for real", 2);
    {
        cb_value_t *krs = cb_value_get (c, "key_results");
        cb_value_t *kr = cb_value_at (krs, 1);
        cb_value_set_int (kr, "target", 25);
    }
    CHECK_INT (s_err ("lead", "draft.revise",
                      s_with_content (s_body ("draft=d1", "addresses[]=f9", NULL), cb_value_dup (c))),
               CB_E_NOT_FOUND);
    CHECK_INT (s_err ("team-a", "draft.revise",
                      s_with_content (s_body ("draft=d1", NULL), cb_value_dup (c))),
               CB_E_NOT_OWNER);
    r = s_ok ("lead", "draft.revise",
              s_with_content (s_body ("draft=d1", "message=fewer KRs", "addresses[]=f1,e1", NULL), c));
    CHECK_INT (s_int (r, "rev"), 3);
    cb_value_destroy (&r);
    r = s_ok ("lead", "draft.diff", s_body ("draft=d1", "from=1", "to=3", NULL));
    cb_value_t *changes = cb_value_get (r, "changes");
    //  objective changed; kr2 target 20 -> 25; kr3 removed
    CHECK_INT (cb_value_size (changes), 3);
    CHECK_STR (cb_value_get_str (cb_value_at (changes, 0), "field"), "objective");
    CHECK_STR (cb_value_get_str (cb_value_at (changes, 1), "kr"), "kr2");
    CHECK_STR (cb_value_get_str (cb_value_at (changes, 1), "change"), "changed");
    cb_value_t *f = cb_value_at (cb_value_get (cb_value_at (changes, 1), "fields"), 0);
    CHECK_STR (cb_value_get_str (f, "field"), "target");
    CHECK_INT (s_int (f, "from"), 20);
    CHECK_INT (s_int (f, "to"), 25);
    CHECK_STR (cb_value_get_str (cb_value_at (changes, 2), "kr"), "kr3");
    CHECK_STR (cb_value_get_str (cb_value_at (changes, 2), "change"), "removed");
    cb_value_destroy (&r);
}

static void
test_owner_close_and_deadline (void)
{
    //  Owner closes.
    cb_value_t *r = s_ok ("lead", "round.throw", s_body ("draft=d1", "to[]=team-a,team-c", NULL));
    CHECK_STR (cb_value_get_str (r, "round"), "r2");
    cb_value_destroy (&r);
    CHECK_INT (s_err ("team-a", "round.close", s_body ("round=r2", NULL)), CB_E_NOT_OWNER);
    s_ok_void ("lead", "round.close", s_body ("round=r2", NULL));
    CHECK_INT (s_err ("lead", "round.close", s_body ("round=r2", NULL)), CB_E_ROUND_CLOSED);
    CHECK_INT (s_err ("team-c", "round.endorse", s_body ("round=r2", "confidence=4", NULL)),
               CB_E_ROUND_CLOSED);

    //  Deadline: 60 s from now, closed by expiry at exactly that time.
    r = s_ok ("lead", "round.throw", s_body ("draft=d1", "to[]=team-c", "deadline=60", NULL));
    CHECK_INT (s_int (r, "deadline"), s_now + 60000);
    cb_value_destroy (&r);
    cb_txn_t *txn = cb_store_begin (s_store, false);
    CHECK_INT (cb_rounds_next_deadline (txn), s_now + 60000);
    cb_txn_abort (&txn);

    //  The deadline survives a reopen of the store.
    cb_store_destroy (&s_store);
    s_open ();
    for (int64_t at = s_now + 59999; at <= s_now + 60000; at++) {
        txn = cb_store_begin (s_store, true);
        cb_txn_t *child = cb_txn_child (txn);
        cb_req_t req;
        cb_req_init (&req, child, "catchballd", "system", at);
        int closed = cb_rounds_expire (&req);
        CHECK_INT (closed, at < s_now + 60000 ? 0 : 1);
        CHECK (cb_txn_commit (&child) == CB_STORE_OK);
        cb_req_clean (&req);
        CHECK (cb_txn_commit (&txn) == CB_STORE_OK);
    }
    txn = cb_store_begin (s_store, false);
    CHECK_INT (cb_rounds_next_deadline (txn), 0);
    cb_txn_abort (&txn);
    r = s_ok ("lead", "round.show", s_body ("round=r3", NULL));
    CHECK_STR (cb_value_get_str (cb_value_get_map (r, "round"), "closed_by"), "deadline");
    CHECK_INT (cb_value_size (cb_value_get (cb_value_get_map (r, "round"), "answered")), 0);
    cb_value_destroy (&r);
    char kinds [1024];
    CHECK_STR (s_inbox_kinds ("team-c", kinds),
               "round.thrown round.closed round.thrown round.closed ");
}

static void
test_resend (void)
{
    cb_value_t *before = s_ok ("lead", "draft.show", s_body ("draft=d1", NULL));
    int64_t revs = s_int (cb_value_get_map (before, "draft"), "revs");
    cb_value_destroy (&before);
    zchunk_t *first = NULL, *second = NULL;
    cb_value_t *c = s_content ("Resent", 2);
    cb_value_t *r = s_call_mid ("lead", "draft.revise",
                                s_with_content (s_body ("draft=d1", NULL), cb_value_dup (c)),
                                "same-mid", &first);
    cb_value_destroy (&r);
    r = s_call_mid ("lead", "draft.revise", s_with_content (s_body ("draft=d1", NULL), c),
                    "same-mid", &second);
    CHECK_STR (cb_value_get_str (r, "type"), "ok");
    cb_value_destroy (&r);
    CHECK (zchunk_size (first) == zchunk_size (second)
           && memcmp (zchunk_data (first), zchunk_data (second), zchunk_size (first)) == 0);
    zchunk_destroy (&first);
    zchunk_destroy (&second);
    cb_value_t *after = s_ok ("lead", "draft.show", s_body ("draft=d1", NULL));
    CHECK_INT (s_int (cb_value_get_map (after, "draft"), "revs"), revs + 1);
    cb_value_destroy (&after);
    //  The same mid from another node is another request.
    r = s_call_mid ("team-a", "draft.revise",
                    s_with_content (s_body ("draft=d1", NULL), s_content ("x", 1)), "same-mid", NULL);
    CHECK_INT (s_int (r, "code"), CB_E_NOT_OWNER);
    cb_value_destroy (&r);
}

static void
test_adopt_vote_final (void)
{
    CHECK_INT (s_err ("lead", "proposal.adopt", s_body ("proposal=f1", NULL)), CB_E_NOT_PROPOSAL);
    CHECK_INT (s_err ("lead", "proposal.adopt", s_body ("proposal=p7", NULL)), CB_E_NOT_FOUND);
    CHECK_INT (s_err ("team-b", "proposal.adopt", s_body ("proposal=p1", NULL)), CB_E_NOT_OWNER);
    uint64_t before = s_inbox_last ("team-b");
    cb_value_t *r = s_ok ("lead", "proposal.adopt", s_body ("proposal=p1", NULL));
    int64_t rev = s_int (r, "rev");
    cb_value_destroy (&r);
    CHECK_INT (s_inbox_last ("team-b"), before + 1);
    r = s_ok ("lead", "draft.show", s_body ("draft=d1", NULL));
    cb_value_t *revision = cb_value_get_map (r, "revision");
    CHECK_INT (s_int (revision, "rev"), rev);
    CHECK_STR (cb_value_get_str (revision, "proposer"), "team-b");
    CHECK_INT (s_int (revision, "adopted_from"), 2);
    CHECK_STR (cb_value_get_str (cb_value_get (revision, "content"), "objective"), "Grow faster");
    cb_value_destroy (&r);
    //  Adopting it again (a new mid) is not refused: another revision with
    //  the same content, as PROTOCOL.md says
    r = s_ok ("lead", "proposal.adopt", s_body ("proposal=p1", NULL));
    CHECK_INT (s_int (r, "rev"), rev + 1);
    rev = s_int (r, "rev");
    cb_value_destroy (&r);
    CHECK_INT (s_inbox_last ("team-b"), before + 2);

    //  The sealed vote itself is test_votes.c's.
    CHECK_INT (s_err ("lead", "draft.finalize", s_body ("draft=d1", NULL)), CB_E_NO_CONFIDENCE);
    CHECK_INT (s_err ("lead", "draft.vote", s_body ("draft=d1", "confidence=9", NULL)),
               CB_E_BAD_FIELD);
    CHECK_INT (s_err ("team-a", "draft.vote", s_body ("draft=d1", "confidence=4", NULL)),
               CB_E_NOT_VOTER);
    s_ok_void ("lead", "vote.open", s_body ("draft=d1", "voters[]=boss", NULL));
    s_ok_void ("boss", "draft.vote", s_body ("draft=d1", "confidence=4", NULL));
    CHECK_INT (s_err ("boss", "draft.finalize", s_body ("draft=d1", NULL)), CB_E_NOT_OWNER);
    r = s_ok ("lead", "draft.finalize", s_body ("draft=d1", NULL));
    CHECK_INT (s_int (r, "rev"), rev);
    cb_value_destroy (&r);
    char kinds [1024];
    const char *k = s_inbox_kinds ("team-a", kinds);
    CHECK (strstr (k, "draft.final") != NULL);

    CHECK_INT (s_err ("lead", "draft.finalize", s_body ("draft=d1", NULL)), CB_E_DRAFT_FINAL);
    CHECK_INT (s_err ("lead", "round.throw", s_body ("draft=d1", "to[]=team-a", NULL)),
               CB_E_DRAFT_FINAL);
    CHECK_INT (s_err ("lead", "draft.revise",
                      s_with_content (s_body ("draft=d1", NULL), s_content ("Amend", 1))),
               CB_E_DRAFT_FINAL);
    r = s_ok ("lead", "draft.revise",
              s_with_content (s_body ("draft=d1", "message=new data on churn", NULL),
                              s_content ("Amend", 1)));
    cb_value_destroy (&r);
    //  The rule is "a final draft is never thrown again", amended or not:
    //  the message must not promise that a revision with a reason opens it
    //  (issue 12)
    char message [256];
    s_err_message ("lead", "round.throw", s_body ("draft=d1", "to[]=team-a", NULL), message,
                   sizeof (message));
    CHECK (strstr (message, "cannot be thrown again") != NULL);
    CHECK (strstr (message, "before throwing") == NULL);
    CHECK_INT (s_err ("lead", "round.throw", s_body ("draft=d1", "to[]=team-a", NULL)),
               CB_E_DRAFT_FINAL);
    r = s_ok ("lead", "draft.show", s_body ("draft=d1", NULL));
    bool amends = false;
    cb_value_get_bool (cb_value_get_map (r, "revision"), "amends_final", &amends);
    CHECK (amends);
    CHECK_STR (cb_value_get_str (cb_value_get_map (r, "draft"), "state"), "final");
    //  The amendment is the final OKR now: final_rev follows it, as head
    //  does (issue 12: it stayed at the voted revision)
    CHECK_INT (s_int (cb_value_get_map (r, "draft"), "final_rev"),
               s_int (cb_value_get_map (r, "revision"), "rev"));
    CHECK_INT (s_int (cb_value_get_map (r, "draft"), "final_rev"),
               s_int (cb_value_get_map (r, "draft"), "head"));
    cb_value_destroy (&r);

    //  History: every revision once, in order, with changes.
    r = s_ok ("watcher", "draft.history", s_body ("draft=d1", NULL));
    cb_value_t *revs = cb_value_get (r, "revisions");
    int64_t count = (int64_t) cb_value_size (revs);
    CHECK_INT (count, s_int (cb_value_get_map (r, "draft"), "revs"));
    for (int64_t i = 0; i < count; i++) {
        CHECK_INT (s_int (cb_value_at (revs, (size_t) i), "rev"), i + 1);
        CHECK (cb_value_get (cb_value_at (revs, (size_t) i), "changes"));
        CHECK (!cb_value_get (cb_value_at (revs, (size_t) i), "content"));
    }
    CHECK_INT (cb_value_size (cb_value_get (r, "rounds")), 3);

    //  A store written before the history table: the entries are then
    //  computed from the revisions, and must be the same, byte for byte
    //  once encoded. Also when only some entries are missing.
    for (int pass = 0; pass < 2; pass++) {
        cb_txn_t *txn = cb_store_begin (s_store, true);
        REQUIRE (txn);
        //  First the last entry only, then all the others.
        for (int64_t i = pass ? 1 : count; i <= (pass ? count - 1 : count); i++) {
            uint8_t key [8];
            cb_key_rev (key, 1, (uint32_t) i);
            CHECK (cb_txn_del (txn, CB_T_HISTORY, key, 8) == 0);
        }
        REQUIRE (cb_txn_commit (&txn) == CB_STORE_OK);
        cb_value_t *again = s_ok ("watcher", "draft.history", s_body ("draft=d1", NULL));
        size_t size_a, size_b;
        void *a = cb_codec_encode (r, &size_a);
        void *b = cb_codec_encode (again, &size_b);
        CHECK (size_a == size_b && memcmp (a, b, size_a) == 0);
        free (a);
        free (b);
        cb_value_destroy (&again);
    }
    cb_value_destroy (&r);
}

//  Limits that keep one node from growing a record without bound, and the
//  checks every way into the mainline shares.
static void
test_limits (void)
{
    cb_value_t *r = s_ok ("boss", "draft.new", s_with_content (s_body ("message=m", NULL),
                                                              s_content ("Limits", 2)));
    char draft [16];
    snprintf (draft, sizeof (draft), "draft=%s", cb_value_get_str (r, "draft"));
    cb_value_destroy (&r);

    //  Observers and facilitators cannot answer, so no round is thrown to them.
    CHECK_INT (s_err ("boss", "round.throw", s_body (draft, "to[]=team-a,watcher", NULL)),
               CB_E_BAD_FIELD);

    //  A counter-proposal is aligned like a revision.
    r = s_ok ("boss", "round.throw", s_body (draft, "to[]=team-a", NULL));
    char round [16];
    snprintf (round, sizeof (round), "round=%s", cb_value_get_str (r, "round"));
    cb_value_destroy (&r);
    cb_value_t *c = s_content ("Aligned to nothing", 1);
    cb_value_t *aligned = s_body ("draft=d99", NULL);
    cb_value_set (c, "aligned_to", &aligned);
    CHECK_INT (s_err ("team-a", "round.counter", s_with_content (s_body (round, NULL), c)),
               CB_E_NOT_FOUND);

    //  An answer holds at most CB_MAX_RESPONSES responses, the last final.
    for (int i = 1; i < 20; i++)
        s_ok_void ("team-a", "round.feedback",
                   s_body (round, "kind=support", "text=yes", "final=false", NULL));
    CHECK_INT (s_err ("team-a", "round.feedback",
                      s_body (round, "kind=support", "text=yes", "final=false", NULL)),
               CB_E_BAD_FIELD);
    r = s_ok ("team-a", "round.endorse", s_body (round, "confidence=5", NULL));
    bool closed = false;
    cb_value_get_bool (r, "round_closed", &closed);
    CHECK (closed);
    cb_value_destroy (&r);

    //  A draft keeps at most 100 votes: test_votes.c.
}

//  An event's time boxes advance it by the clock, across a reopen.
static void
test_event_timebox (void)
{
    s_ok_void ("fac", "hello", s_body ("node=fac", "role=facilitator", NULL));
    cb_value_t *body = s_body ("name=Timed", "cycle=2027-Q1", "participants[]=team-a,team-b", NULL);
    cb_value_t *plan = s_body ("share=1", "negotiate=2", "commit=3", NULL);
    cb_value_set (body, "plan", &plan);
    cb_value_t *r = s_ok ("fac", "event.new", body);
    char event [16];
    snprintf (event, sizeof (event), "event=%s", cb_value_get_str (r, "event"));
    cb_value_destroy (&r);
    CHECK_INT (s_err ("team-a", "event.advance", s_body (event, NULL)), CB_E_FORBIDDEN);
    CHECK_INT (s_err ("fac", "event.extend", s_body (event, "minutes=5", NULL)), CB_E_WRONG_PHASE);
    r = s_ok ("fac", "event.advance", s_body (event, NULL));
    CHECK_STR (cb_value_get_str (r, "phase"), "share");
    CHECK_INT (s_int (r, "ends"), s_now + 60000);
    cb_value_destroy (&r);

    cb_store_destroy (&s_store);
    s_open ();
    const char *phases [] = { "negotiate", "commit", "closed" };
    int64_t at = s_now + 60000;
    for (int i = 0; i < 3; i++) {
        cb_txn_t *txn = cb_store_begin (s_store, false);
        CHECK_INT (cb_events_next_timebox (txn), at);
        cb_txn_abort (&txn);
        for (int64_t t = at - 1; t <= at; t++) {
            txn = cb_store_begin (s_store, true);
            cb_txn_t *child = cb_txn_child (txn);
            cb_req_t req;
            cb_req_init (&req, child, "catchballd", "system", t);
            CHECK_INT (cb_events_expire (&req), t < at ? 0 : 1);
            CHECK (cb_txn_commit (&child) == CB_STORE_OK);
            cb_req_clean (&req);
            CHECK (cb_txn_commit (&txn) == CB_STORE_OK);
        }
        r = s_ok ("watcher", "event.show", s_body (event, NULL));
        CHECK_STR (cb_value_get_str (cb_value_get (r, "event"), "phase"), phases [i]);
        cb_value_destroy (&r);
        at += (i == 0 ? 2 : 3) * 60000;
    }
    cb_txn_t *txn = cb_store_begin (s_store, false);
    CHECK_INT (cb_events_next_timebox (txn), 0);
    cb_txn_abort (&txn);
    CHECK_INT (s_err ("fac", "event.advance", s_body (event, NULL)), CB_E_WRONG_PHASE);
}

//  An agreement on a shared key result changes two drafts: both are checked
//  before either is written. Refused because the asking team's draft has a
//  round open, it stores nothing (with --direct: it wrote nothing at all),
//  and once the round is closed it changes both.
static void
test_shared_kr_checks_both (void)
{
    s_ok_void ("fac", "hello", s_body ("node=fac", "role=facilitator", NULL));
    cb_value_t *r = s_ok ("team-a", "draft.new", s_with_content (s_body ("message=a", NULL),
                                                                 s_content ("Asker", 1)));
    char asker [32], helper [32];
    snprintf (asker, sizeof (asker), "draft=%s", cb_value_get_str (r, "draft"));
    cb_value_destroy (&r);
    r = s_ok ("team-b", "draft.new", s_with_content (s_body ("message=b", NULL),
                                                     s_content ("Helper", 1)));
    snprintf (helper, sizeof (helper), "draft=%s", cb_value_get_str (r, "draft"));
    cb_value_destroy (&r);
    cb_value_t *body = s_body ("name=Both", "cycle=2027-Q1", "participants[]=team-a,team-b", NULL);
    cb_value_t *plan = s_body ("share=10", "negotiate=10", "commit=10", NULL);
    cb_value_set (body, "plan", &plan);
    r = s_ok ("fac", "event.new", body);
    char event [16];
    snprintf (event, sizeof (event), "event=%s", cb_value_get_str (r, "event"));
    cb_value_destroy (&r);
    s_ok_void ("fac", "event.advance", s_body (event, NULL));
    s_ok_void ("team-a", "event.share", s_body (event, asker, NULL));
    s_ok_void ("team-b", "event.share", s_body (event, helper, NULL));
    s_ok_void ("fac", "event.advance", s_body (event, NULL));
    r = s_ok ("team-a", "ask.new", s_body (event, "to=team-b", "kr=kr1", "need=half of it", NULL));
    char ask [16];
    snprintf (ask, sizeof (ask), "ask=%s", cb_value_get_str (r, "ask"));
    cb_value_destroy (&r);
    r = s_ok ("team-a", "round.throw", s_body (asker, "to[]=team-b", NULL));
    char round [16];
    snprintf (round, sizeof (round), "round=%s", cb_value_get_str (r, "round"));
    cb_value_destroy (&r);

    cb_value_t *reflect = s_body ("type=shared_kr", NULL);
    cb_value_t *kr = s_kr (NULL, "Both teams ship the export", 0, 1);
    cb_value_set (reflect, "kr", &kr);
    cb_value_t *accept = s_body (ask, NULL);
    cb_value_set (accept, "reflect", &reflect);
    cb_value_t *again = cb_value_dup (accept);
    CHECK_INT (s_err ("team-b", "ask.accept", accept), CB_E_ROUND_OPEN);
    r = s_ok ("watcher", "draft.show", s_body (helper, NULL));
    CHECK_INT (s_int (cb_value_get (r, "draft"), "revs"), 1);
    cb_value_destroy (&r);

    s_ok_void ("team-a", "round.close", s_body (round, NULL));
    r = s_ok ("team-b", "ask.accept", again);
    CHECK_INT (cb_value_size (cb_value_get (r, "revisions")), 2);
    cb_value_destroy (&r);
    r = s_ok ("watcher", "draft.show", s_body (helper, NULL));
    CHECK_INT (s_int (cb_value_get (r, "draft"), "revs"), 2);
    cb_value_destroy (&r);
}

//  A new draft of `count` KRs by `node`; "draft=dN" goes to out.
static void
s_new_draft (const char *node, const char *objective, int count, char *out, size_t size)
{
    cb_value_t *r = s_ok (node, "draft.new", s_with_content (s_body ("message=m", NULL),
                                                            s_content (objective, count)));
    snprintf (out, size, "draft=%s", r ? cb_value_get_str (r, "draft") : "d0");
    cb_value_destroy (&r);
}

//  A Reflect: new_kr and shared_kr add a key result with text `what`;
//  raise_target raises key result `what` to 99. Set into `body`.
static cb_value_t *
s_with_reflect (cb_value_t *body, const char *type, const char *what)
{
    cb_value_t *reflect = cb_value_new_map ();
    cb_value_set_str (reflect, "type", type);
    if (streq (type, "raise_target")) {
        cb_value_set_str (reflect, "kr", what);
        cb_value_set_int (reflect, "target", 99);
    }
    else
    if (streq (type, "new_kr") || streq (type, "shared_kr")) {
        cb_value_t *kr = s_kr (NULL, what, 0, 5);
        cb_value_set (reflect, "kr", &kr);
    }
    cb_value_set (body, "reflect", &reflect);
    return body;
}

//  "ask=aN" from a reply that names an ask.
static void
s_ask_of (cb_value_t *reply, char *out, size_t size)
{
    snprintf (out, size, "ask=%s", reply ? cb_value_get_str (reply, "ask") : "a0");
    cb_value_destroy (&reply);
}

static int64_t
s_revs (const char *draft)
{
    cb_value_t *r = s_ok ("watcher", "draft.show", s_body (draft, NULL));
    int64_t revs = s_int (cb_value_get_map (r, "draft"), "revs");
    cb_value_destroy (&r);
    return revs;
}

//  The refusals of the event, ask and round handlers in the states where
//  their checks come last: after loading the event, the ask and both
//  drafts, on the second draft of an agreement, on the recipient whose
//  answer would close the round. With --direct, s_apply checks that none
//  of them wrote anything (so none makes the broker redo its batch).
static void
test_refusals_write_nothing (void)
{
    //  The session requests (hello's own are in test_hello).
    CHECK_INT (s_err ("team-a", "ack", s_body ("upto=-1", NULL)), CB_E_BAD_FIELD);
    CHECK_INT (s_err ("team-a", "ack", s_body ("upto=1", "also=1", NULL)), CB_E_BAD_FIELD);
    CHECK_INT (s_err ("team-a", "log.subscribe", s_body ("from=0", NULL)), CB_E_BAD_FIELD);
    CHECK_INT (s_err ("team-a", "log.ack", s_body ("upto=x", NULL)), CB_E_BAD_FIELD);
    CHECK_INT (s_err ("team-a", "ping", s_body ("x=1", NULL)), CB_E_BAD_FIELD);

    char da [32], db [32], dc [32], dq [32];
    s_new_draft ("team-a", "Needs help", 1, da, sizeof (da));
    s_new_draft ("team-b", "Helps", 1, db, sizeof (db));
    s_new_draft ("team-c", "Full", 7, dc, sizeof (dc));
    {
        cb_value_t *c = s_content ("Next quarter", 1);
        cb_value_set_str (c, "cycle", "2027-Q2");
        cb_value_t *r = s_ok ("team-a", "draft.new", s_with_content (s_body ("message=m", NULL), c));
        snprintf (dq, sizeof (dq), "draft=%s", r ? cb_value_get_str (r, "draft") : "d0");
        cb_value_destroy (&r);
    }

    //  event.new: a participant refused after others were accepted.
    const char *bad [] = { "participants[]=team-a,watcher", "participants[]=team-a,ghost",
                           "participants[]=team-a,team-b,team-a", NULL };
    const int codes [] = { CB_E_BAD_FIELD, CB_E_UNKNOWN_NODE, CB_E_BAD_FIELD };
    for (int i = 0; bad [i]; i++)
        CHECK_INT (s_err ("fac", "event.new", s_body ("name=Bad", "cycle=2027-Q1", bad [i], NULL)),
                   codes [i]);
    cb_value_t *body = s_body ("name=Refusals", "cycle=2027-Q1",
                               "participants[]=team-a,team-b,team-c,boss", NULL);
    cb_value_t *plan = s_body ("share=10", "negotiate=10", "commit=10", NULL);
    cb_value_set (body, "plan", &plan);
    cb_value_t *r = s_ok ("fac", "event.new", body);
    char event [16];
    snprintf (event, sizeof (event), "event=%s", r ? cb_value_get_str (r, "event") : "e0");
    cb_value_destroy (&r);

    //  Planned.
    CHECK_INT (s_err ("team-a", "event.share", s_body (event, da, NULL)), CB_E_WRONG_PHASE);
    CHECK_INT (s_err ("fac", "event.nudge", s_body (event, "node=lead", NULL)),
               CB_E_NOT_PARTICIPANT);
    CHECK_INT (s_err ("watcher", "event.nudge", s_body (event, "node=team-a", NULL)),
               CB_E_FORBIDDEN);

    //  Share.
    s_ok_void ("fac", "event.advance", s_body (event, NULL));
    CHECK_INT (s_err ("team-a", "event.share", s_body (event, db, NULL)), CB_E_NOT_OWNER);
    CHECK_INT (s_err ("lead", "event.share", s_body (event, "draft=d1", NULL)),
               CB_E_NOT_PARTICIPANT);
    CHECK_INT (s_err ("team-a", "event.share", s_body (event, dq, NULL)), CB_E_BAD_FIELD);
    CHECK_INT (s_err ("team-a", "ask.new", s_body (event, "to=team-b", "kr=kr1", "need=x", NULL)),
               CB_E_WRONG_PHASE);
    s_ok_void ("team-a", "event.share", s_body (event, da, NULL));
    s_ok_void ("team-b", "event.share", s_body (event, db, NULL));
    s_ok_void ("team-c", "event.share", s_body (event, dc, NULL));

    //  Negotiate: asks and offers refused after the event and drafts are read.
    s_ok_void ("fac", "event.advance", s_body (event, NULL));
    CHECK_INT (s_err ("team-a", "ask.new", s_body (event, "to=lead", "kr=kr1", "need=x", NULL)),
               CB_E_NOT_PARTICIPANT);
    CHECK_INT (s_err ("team-a", "ask.new", s_body (event, "to=team-a", "kr=kr1", "need=x", NULL)),
               CB_E_BAD_FIELD);
    CHECK_INT (s_err ("team-a", "ask.new", s_body (event, "to=boss", "kr=kr1", "need=x", NULL)),
               CB_E_NOT_SHARED);
    CHECK_INT (s_err ("boss", "ask.new", s_body (event, "to=team-a", "kr=kr1", "need=x", NULL)),
               CB_E_NOT_SHARED);
    CHECK_INT (s_err ("team-a", "ask.new", s_body (event, "to=team-b", "kr=kr9", "need=x", NULL)),
               CB_E_NOT_FOUND);
    CHECK_INT (s_err ("team-b", "offer.new",
                      s_with_reflect (s_body (event, "to=team-a", "kr=kr1", "text=x", NULL),
                                      "raise_target", "kr9")),
               CB_E_NOT_FOUND);
    CHECK_INT (s_err ("team-b", "offer.new",
                      s_with_reflect (s_body (event, "to=team-a", "kr=kr1", "text=x", NULL),
                                      "bogus", NULL)),
               CB_E_BAD_FIELD);
    char a1 [16], a2 [16], a3 [16], o1 [16];
    s_ask_of (s_ok ("team-a", "ask.new", s_body (event, "to=team-b", "kr=kr1", "need=one", NULL)),
              a1, sizeof (a1));
    s_ask_of (s_ok ("team-c", "ask.new", s_body (event, "to=team-b", "kr=kr1", "need=two", NULL)),
              a2, sizeof (a2));
    s_ask_of (s_ok ("team-a", "ask.new", s_body (event, "to=team-c", "kr=kr1", "need=three", NULL)),
              a3, sizeof (a3));
    s_ask_of (s_ok ("team-b", "offer.new",
                    s_with_reflect (s_body (event, "to=team-c", "kr=kr1", "text=four", NULL),
                                    "shared_kr", "Both ship it")),
              o1, sizeof (o1));

    //  Answers refused: wrong side, wrong state, a KR that is not there,
    //  a draft that would get an eighth KR (the helper's, or for a shared
    //  KR the second draft, the team helped).
    CHECK_INT (s_err ("team-a", "ask.accept", s_with_reflect (s_body (a1, NULL), "new_kr", "x")),
               CB_E_NOT_RECIPIENT);
    CHECK_INT (s_err ("team-b", "ask.accept", s_with_reflect (s_body (a1, NULL), "raise_target", "kr9")),
               CB_E_NOT_FOUND);
    CHECK_INT (s_err ("team-b", "ask.accept", s_with_reflect (s_body (a1, NULL), "bogus", NULL)),
               CB_E_BAD_FIELD);
    CHECK_INT (s_err ("team-b", "ask.decline", s_body (a1, NULL)), CB_E_BAD_FIELD);
    CHECK_INT (s_err ("team-a", "ask.take", s_body (a1, NULL)), CB_E_ASK_STATE);
    CHECK_INT (s_err ("team-a", "ask.refuse", s_body (a1, "reason=no", NULL)), CB_E_ASK_STATE);
    CHECK_INT (s_err ("team-b", "ask.counter",
                      s_with_reflect (s_body (a1, "text=this instead", NULL), "raise_target", "kr9")),
               CB_E_NOT_FOUND);
    CHECK_INT (s_err ("team-c", "ask.accept", s_with_reflect (s_body (a3, NULL), "new_kr", "Eighth")),
               CB_E_BAD_FIELD);
    //  Refused on the second draft, the team helped's (the helper's has one KR).
    r = s_call ("team-b", "ask.accept", s_with_reflect (s_body (a2, NULL), "shared_kr", "Eighth"));
    CHECK_INT (s_int (r, "code"), CB_E_BAD_FIELD);
    CHECK (cb_value_get_str (r, "message") && strstr (cb_value_get_str (r, "message"), "not 8"));
    cb_value_destroy (&r);
    CHECK_INT (s_err ("team-b", "ask.take", s_body (o1, NULL)), CB_E_NOT_RECIPIENT);
    CHECK_INT (s_err ("team-c", "ask.take", s_body (o1, NULL)), CB_E_BAD_FIELD);
    CHECK_INT (s_revs (db), 1);
    CHECK_INT (s_revs (dc), 1);

    //  The helper's draft in a round: everything that would change it is
    //  refused, and so is a bad answer from the recipient whose answer
    //  would close the round.
    r = s_ok ("team-b", "round.throw", s_body (db, "to[]=team-a,team-c", NULL));
    char round [16];
    snprintf (round, sizeof (round), "round=%s", r ? cb_value_get_str (r, "round") : "r0");
    cb_value_destroy (&r);
    cb_value_t *c = s_content ("Counter", 1);
    cb_value_set_str (cb_value_at (cb_value_get (c, "key_results"), 0), "id", "kr9");
    CHECK_INT (s_err ("team-a", "round.counter", s_with_content (s_body (round, NULL), c)),
               CB_E_BAD_FIELD);
    r = s_ok ("team-a", "round.counter",
              s_with_content (s_body (round, NULL), s_content ("Counter", 1)));
    char proposal [24];
    snprintf (proposal, sizeof (proposal), "proposal=%s", r ? cb_value_get_str (r, "id") : "p0");
    cb_value_destroy (&r);
    CHECK_INT (s_err ("team-b", "proposal.adopt", s_body (proposal, NULL)), CB_E_ROUND_OPEN);
    CHECK_INT (s_err ("team-b", "ask.accept", s_with_reflect (s_body (a1, NULL), "new_kr", "x")),
               CB_E_ROUND_OPEN);
    CHECK_INT (s_err ("team-b", "vote.open", s_body (db, "voters[]=team-a", NULL)),
               CB_E_ROUND_OPEN);
    CHECK_INT (s_err ("team-b", "draft.finalize", s_body (db, NULL)), CB_E_ROUND_OPEN);
    CHECK_INT (s_err ("team-b", "draft.revise",
                      s_with_content (s_body (db, NULL), s_content ("Helps more", 1))),
               CB_E_ROUND_OPEN);
    CHECK_INT (s_err ("team-c", "round.feedback",
                      s_body (round, "kind=concern", "on=kr9", "text=which?", NULL)),
               CB_E_NOT_FOUND);
    c = s_content ("Other cycle", 1);
    cb_value_set_str (c, "cycle", "2027-Q2");
    CHECK_INT (s_err ("team-c", "round.counter", s_with_content (s_body (round, NULL), c)),
               CB_E_BAD_FIELD);
    CHECK_INT (s_err ("team-c", "round.endorse", s_body (round, "confidence=7", NULL)),
               CB_E_BAD_FIELD);
    s_ok_void ("team-b", "round.close", s_body (round, NULL));
    CHECK_INT (s_revs (db), 2);

    //  A counter taken while the helper's draft is in a round again.
    s_ok_void ("team-b", "ask.counter",
               s_with_reflect (s_body (a1, "text=this instead", NULL), "new_kr", "Counter KR"));
    r = s_ok ("team-b", "round.throw", s_body (db, "to[]=team-a", NULL));
    snprintf (round, sizeof (round), "round=%s", r ? cb_value_get_str (r, "round") : "r0");
    cb_value_destroy (&r);
    CHECK_INT (s_err ("team-a", "ask.take", s_body (a1, NULL)), CB_E_ROUND_OPEN);
    s_ok_void ("team-b", "round.close", s_body (round, NULL));
    s_ok_void ("team-a", "ask.take", s_body (a1, NULL));
    CHECK_INT (s_err ("team-b", "ask.accept", s_with_reflect (s_body (a1, NULL), "new_kr", "x")),
               CB_E_ASK_STATE);
    CHECK_INT (s_err ("team-a", "ask.refuse", s_body (a1, "reason=late", NULL)), CB_E_ASK_STATE);
    CHECK_INT (s_revs (db), 3);
    CHECK_INT (s_revs (dc), 1);
    CHECK_INT (s_revs (da), 1);

    //  Commit, then closed.
    s_ok_void ("fac", "event.advance", s_body (event, NULL));
    CHECK_INT (s_err ("team-a", "ask.new", s_body (event, "to=team-b", "kr=kr1", "need=x", NULL)),
               CB_E_WRONG_PHASE);
    CHECK_INT (s_err ("team-a", "event.share", s_body (event, da, NULL)), CB_E_WRONG_PHASE);
    s_ok_void ("fac", "event.advance", s_body (event, NULL));
    CHECK_INT (s_err ("team-c", "ask.decline", s_body (a3, "reason=closed", NULL)),
               CB_E_WRONG_PHASE);
    CHECK_INT (s_err ("fac", "event.extend", s_body (event, "minutes=5", NULL)), CB_E_WRONG_PHASE);
    CHECK_INT (s_err ("fac", "event.advance", s_body (event, NULL)), CB_E_WRONG_PHASE);
}

//  One bad request in a batch does not undo the good one beside it.
static void
test_batch_isolation (void)
{
    cb_txn_t *txn = cb_store_begin (s_store, true);
    zhashx_t *touched = zhashx_new ();
    const char *types [] = { "draft.new", "draft.new" };
    const char *objectives [] = { "Kept", "" };
    for (int i = 0; i < 2; i++) {
        cb_value_t *msg = cb_value_new_map ();
        cb_value_set_int (msg, "cb", 1);
        cb_value_set_str (msg, "type", types [i]);
        char mid [16];
        snprintf (mid, sizeof (mid), "batch-%d", i);
        cb_value_set_str (msg, "mid", mid);
        cb_value_t *body = s_with_content (cb_value_new_map (), s_content (objectives [i], 1));
        cb_value_set (msg, "body", &body);
        size_t size;
        void *frame = cb_codec_encode (msg, &size);
        cb_result_t result;
        s_apply (&txn, frame, size, "team-a", "team", touched, &result);
        CHECK_INT (result.code, i == 0 ? 0 : CB_E_BAD_FIELD);
        cb_result_clean (&result);
        free (frame);
        cb_value_destroy (&msg);
    }
    CHECK (cb_txn_commit (&txn) == CB_STORE_OK);
    zhashx_destroy (&touched);
    cb_value_t *list = s_ok ("watcher", "draft.list", s_body ("owner=team-a", NULL));
    cb_value_t *drafts = cb_value_get (list, "drafts");
    CHECK_INT (cb_value_size (drafts), 1);
    CHECK_STR (cb_value_get_str (cb_value_at (drafts, 0), "objective"), "Kept");
    cb_value_destroy (&list);
}

typedef void (s_test_fn) (void);

//  Runs `test` on a store of its own, after the tests whose state it
//  builds on (NULL-terminated, in order): a test sees only what it, and
//  the tests it names, did. Every store but test_hello's starts with the
//  cast said hello.
static void
s_run (const char *name, s_test_fn *test, ...)
{
    td_begin ("test_rounds", test != test_hello);
    va_list args;
    va_start (args, test);
    for (s_test_fn *before = va_arg (args, s_test_fn *); before;
         before = va_arg (args, s_test_fn *))
        before ();
    va_end (args);
    int failures = tu_failures;
    test ();
    if (tu_failures != failures)
        fprintf (stderr, "test_rounds: %s failed\n", name);
    td_end ();
}

int
main (int argc, char *argv [])
{
    td_init (argc, argv);
    s_run ("hello", test_hello, NULL);
    s_run ("validation", test_validation, NULL);
    s_run ("rounds", test_rounds, NULL);
    s_run ("owner_close_and_deadline", test_owner_close_and_deadline, test_rounds, NULL);
    s_run ("resend", test_resend, test_rounds, NULL);
    s_run ("adopt_vote_final", test_adopt_vote_final, test_rounds,
           test_owner_close_and_deadline, NULL);
    s_run ("batch_isolation", test_batch_isolation, NULL);
    s_run ("limits", test_limits, NULL);
    s_run ("event_timebox", test_event_timebox, NULL);
    s_run ("shared_kr_checks_both", test_shared_kr_checks_both, NULL);
    s_run ("refusals_write_nothing", test_refusals_write_nothing, NULL);
    return TEST_DONE ();
}
