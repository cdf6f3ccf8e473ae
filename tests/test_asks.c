/*  =========================================================================
    test_asks - asks and offers between the teams of an event (asks.c),
    driven in-process through cb_dispatch on a real LMDB store

    Covers: an ask accepted with a new key result (the helper's draft gets
    a revision naming the ask, both sides are told); a counter taken, and
    one refused; an offer taken, raising a target; a shared key result
    written into both drafts; who may answer what (NOT_RECIPIENT), in which
    state (ASK_STATE) and phase (WRONG_PHASE), and NOT_SHARED; links
    between teams (issue 12): a revision, an adoption or a reflect that
    breaks another draft's aligned_to or shared_with refused (LINKED), or
    written with unlink and the dependents told (link.broken); a forged
    shared_with refused; a removed key result's id never given again. Each test
    has a store of its own. With --direct every request is written
    straight into its transaction, and a refusal that wrote fails.
    =========================================================================
*/
#include "testdispatch.h"

//  A draft of `node` with `count` key results; its id into `id`.
static void
s_draft (const char *node, const char *objective, int count, char *id, size_t size)
{
    cb_value_t *r = s_ok (node, "draft.new", s_with_content (s_body ("message=m", NULL),
                                                            s_content (objective, count)));
    snprintf (id, size, "%s", r ? cb_value_get_str (r, "draft") : "d0");
    cb_value_destroy (&r);
}

//  An event of team-a, team-b and team-c in its negotiate phase, where
//  team-a shared `da` and team-b shared `db`; "event=eN" into `event`.
static void
s_market (char *event, char *da, char *db)
{
    s_draft ("team-a", "Needs help", 2, da, 16);
    s_draft ("team-b", "Can help", 2, db, 16);
    cb_value_t *r = s_ok ("fac", "event.new", s_body ("name=Market", "cycle=2027-Q1",
                                                      "participants[]=team-a,team-b,team-c",
                                                      NULL));
    snprintf (event, 16, "event=%s", r ? cb_value_get_str (r, "event") : "e0");
    cb_value_destroy (&r);
    s_ok_void ("fac", "event.advance", s_body (event, NULL));
    char draft [32];
    snprintf (draft, sizeof (draft), "draft=%s", da);
    s_ok_void ("team-a", "event.share", s_body (event, draft, NULL));
    snprintf (draft, sizeof (draft), "draft=%s", db);
    s_ok_void ("team-b", "event.share", s_body (event, draft, NULL));
    s_ok_void ("fac", "event.advance", s_body (event, NULL));
}

//  team-a asks team-b for help on its kr1; "ask=aN" into `ask`.
static void
s_ask (const char *event, char *ask)
{
    cb_value_t *r = s_ok ("team-a", "ask.new",
                          s_body (event, "to=team-b", "kr=kr1", "need=two engineers", NULL));
    snprintf (ask, 16, "ask=%s", r ? cb_value_get_str (r, "ask") : "a0");
    cb_value_destroy (&r);
}

//  A reflect of `type` with a new key result (new_kr, shared_kr).
static cb_value_t *
s_reflect_kr (const char *type, const char *text)
{
    cb_value_t *reflect = cb_value_new_map ();
    cb_value_set_str (reflect, "type", type);
    cb_value_t *kr = s_kr (NULL, text, 0, 50);
    cb_value_set (reflect, "kr", &kr);
    return reflect;
}

//  body with "reflect" set to `reflect` (taken).
static cb_value_t *
s_with_reflect (cb_value_t *body, cb_value_t *reflect)
{
    cb_value_set (body, "reflect", &reflect);
    return body;
}

//  The draft's head revision's key results.
static size_t
s_kr_count (const char *draft)
{
    char field [32];
    snprintf (field, sizeof (field), "draft=%s", draft);
    cb_value_t *r = s_ok ("watcher", "draft.show", s_body (field, NULL));
    cb_value_t *content = cb_value_get_map (cb_value_get_map (r, "revision"), "content");
    size_t count = cb_value_size (cb_value_get (content, "key_results"));
    cb_value_destroy (&r);
    return count;
}

//  The ask record, as event.show gives it.
static char *
s_ask_state (const char *event, const char *ask)
{
    cb_value_t *r = s_ok ("watcher", "event.show", s_body (event, NULL));
    cb_value_t *asks = cb_value_get (r, "asks");
    char *state = NULL;
    for (size_t i = 0; i < cb_value_size (asks); i++)
        if (streq (cb_value_get_str (cb_value_at (asks, i), "id"), ask + 4))
            state = strdup (cb_value_get_str (cb_value_at (asks, i), "state"));
    cb_value_destroy (&r);
    return state;
}

//  --------------------------------------------------------------------------

static void
test_accept_new_kr (void)
{
    char event [16], da [16], db [16], ask [16], kinds [1024];
    s_market (event, da, db);
    s_ask (event, ask);
    CHECK_STR (s_inbox_kinds ("team-b", kinds), "event.phase event.phase ask.new ");
    //  Only the helper answers.
    CHECK_INT (s_err ("team-a", "ask.accept",
                      s_with_reflect (s_body (ask, NULL), s_reflect_kr ("new_kr", "Hire"))),
               CB_E_NOT_RECIPIENT);
    CHECK_INT (s_err ("team-c", "ask.decline", s_body (ask, "reason=no", NULL)),
               CB_E_NOT_RECIPIENT);
    size_t before = s_kr_count (db);
    cb_value_t *r = s_ok ("team-b", "ask.accept",
                          s_with_reflect (s_body (ask, NULL), s_reflect_kr ("new_kr", "Hire")));
    CHECK_STR (cb_value_get_str (r, "state"), "accepted");
    cb_value_t *revisions = cb_value_get (r, "revisions");
    CHECK_INT (cb_value_size (revisions), 1);
    CHECK_STR (cb_value_get_str (cb_value_at (revisions, 0), "draft"), db);
    cb_value_destroy (&r);
    CHECK_INT (s_kr_count (db), before + 1);
    CHECK_INT (s_kr_count (da), 2);
    //  The revision names the ask; the asking team is told.
    char field [32];
    snprintf (field, sizeof (field), "draft=%s", db);
    r = s_ok ("watcher", "draft.show", s_body (field, NULL));
    CHECK_STR (cb_value_get_str (cb_value_get_map (r, "revision"), "ask"), ask + 4);
    CHECK_STR (cb_value_get_str (cb_value_get_map (r, "revision"), "author"), "team-b");
    cb_value_destroy (&r);
    CHECK_STR (s_inbox_kinds ("team-a", kinds), "event.phase event.phase ask.update ");
    //  Answered once.
    CHECK_INT (s_err ("team-b", "ask.decline", s_body (ask, "reason=changed my mind", NULL)),
               CB_E_ASK_STATE);
    char *state = s_ask_state (event, ask);
    CHECK_STR (state, "accepted");
    free (state);
}

static void
test_counter_take_and_refuse (void)
{
    char event [16], da [16], db [16], ask [16], other [16];
    s_market (event, da, db);
    s_ask (event, ask);
    s_ask (event, other);
    //  Only the asking team takes or refuses a counter, and only a counter.
    CHECK_INT (s_err ("team-a", "ask.take", s_body (ask, NULL)), CB_E_ASK_STATE);
    cb_value_t *r = s_ok ("team-b", "ask.counter",
                          s_with_reflect (s_body (ask, "text=one engineer", NULL),
                                          s_reflect_kr ("new_kr", "Lend one")));
    CHECK_STR (cb_value_get_str (r, "state"), "countered");
    CHECK_INT (cb_value_size (cb_value_get (r, "revisions")), 0);
    cb_value_destroy (&r);
    size_t before = s_kr_count (db);
    CHECK_INT (s_err ("team-b", "ask.take", s_body (ask, NULL)), CB_E_NOT_RECIPIENT);
    r = s_ok ("team-a", "ask.take", s_body (ask, NULL));
    CHECK_STR (cb_value_get_str (r, "state"), "accepted");
    CHECK_INT (cb_value_size (cb_value_get (r, "revisions")), 1);
    cb_value_destroy (&r);
    CHECK_INT (s_kr_count (db), before + 1);

    s_ok_void ("team-b", "ask.counter",
               s_with_reflect (s_body (other, "text=none", NULL),
                               s_reflect_kr ("new_kr", "Nothing")));
    r = s_ok ("team-a", "ask.refuse", s_body (other, "reason=not enough", NULL));
    CHECK_STR (cb_value_get_str (r, "state"), "declined");
    cb_value_destroy (&r);
    CHECK_INT (s_kr_count (db), before + 1);
    CHECK_INT (s_err ("team-a", "ask.refuse", s_body (other, "reason=again", NULL)),
               CB_E_ASK_STATE);
}

static void
test_offer_raises_target (void)
{
    char event [16], da [16], db [16], offer [16];
    s_market (event, da, db);
    //  team-b's draft had a round before the offer: the offer's revision
    //  still answers no round (issue 12: it said "in answer to round r1")
    char field [32];
    snprintf (field, sizeof (field), "draft=%s", db);
    cb_value_t *r = s_ok ("team-b", "round.throw", s_body (field, "to[]=lead", NULL));
    char round [32];
    snprintf (round, sizeof (round), "round=%s", r ? cb_value_get_str (r, "round") : "r0");
    cb_value_destroy (&r);
    s_ok_void ("team-b", "round.close", s_body (round, NULL));
    cb_value_t *reflect = s_body ("type=raise_target", "kr=kr2", "target=99", NULL);
    r = s_ok ("team-b", "offer.new",
                          s_with_reflect (s_body (event, "to=team-a", "kr=kr1",
                                                  "text=we can take the API", NULL),
                                          reflect));
    snprintf (offer, sizeof (offer), "ask=%s", r ? cb_value_get_str (r, "ask") : "a0");
    cb_value_destroy (&r);
    //  An offer is taken or refused by the team helped, not accepted.
    CHECK_INT (s_err ("team-a", "ask.accept",
                      s_with_reflect (s_body (offer, NULL), s_reflect_kr ("new_kr", "x"))),
               CB_E_ASK_STATE);
    CHECK_INT (s_err ("team-b", "ask.take", s_body (offer, NULL)), CB_E_NOT_RECIPIENT);
    r = s_ok ("team-a", "ask.take", s_body (offer, NULL));
    CHECK_STR (cb_value_get_str (r, "state"), "accepted");
    cb_value_destroy (&r);
    r = s_ok ("watcher", "draft.show", s_body (field, NULL));
    cb_value_t *revision = cb_value_get_map (r, "revision");
    cb_value_t *krs = cb_value_get (cb_value_get_map (revision, "content"), "key_results");
    CHECK_INT (cb_value_get_int_or (cb_value_at (krs, 1), "target", 0), 99);
    CHECK (cb_value_get_str (revision, "ask") != NULL);
    CHECK (cb_value_get (revision, "round") == NULL);
    cb_value_destroy (&r);
}

static void
test_shared_kr_in_both (void)
{
    char event [16], da [16], db [16], ask [16];
    s_market (event, da, db);
    s_ask (event, ask);
    cb_value_t *r = s_ok ("team-b", "ask.accept",
                          s_with_reflect (s_body (ask, NULL),
                                          s_reflect_kr ("shared_kr", "Ship together")));
    cb_value_t *revisions = cb_value_get (r, "revisions");
    CHECK_INT (cb_value_size (revisions), 2);
    //  The helper's revision first, then the helped team's.
    CHECK_STR (cb_value_get_str (cb_value_at (revisions, 0), "draft"), db);
    CHECK_STR (cb_value_get_str (cb_value_at (revisions, 1), "draft"), da);
    cb_value_destroy (&r);
    CHECK_INT (s_kr_count (da), 3);
    CHECK_INT (s_kr_count (db), 3);
}

static void
test_phases_and_sharing (void)
{
    char da [16], db [16], dc [16];
    s_draft ("team-a", "A", 1, da, sizeof (da));
    s_draft ("team-b", "B", 1, db, sizeof (db));
    s_draft ("team-c", "C", 1, dc, sizeof (dc));
    cb_value_t *r = s_ok ("fac", "event.new", s_body ("name=Phases", "cycle=2027-Q1",
                                                      "participants[]=team-a,team-b,team-c",
                                                      NULL));
    char event [16], field [32];
    snprintf (event, sizeof (event), "event=%s", r ? cb_value_get_str (r, "event") : "e0");
    cb_value_destroy (&r);
    s_ok_void ("fac", "event.advance", s_body (event, NULL));
    snprintf (field, sizeof (field), "draft=%s", da);
    s_ok_void ("team-a", "event.share", s_body (event, field, NULL));
    snprintf (field, sizeof (field), "draft=%s", db);
    s_ok_void ("team-b", "event.share", s_body (event, field, NULL));
    //  Not yet: asks begin in negotiate.
    CHECK_INT (s_err ("team-a", "ask.new", s_body (event, "to=team-b", "kr=kr1", "need=x", NULL)),
               CB_E_WRONG_PHASE);
    s_ok_void ("fac", "event.advance", s_body (event, NULL));
    //  Both sides must have shared a draft; kr must be the asker's.
    CHECK_INT (s_err ("team-c", "ask.new", s_body (event, "to=team-b", "kr=kr1", "need=x", NULL)),
               CB_E_NOT_SHARED);
    CHECK_INT (s_err ("team-a", "ask.new", s_body (event, "to=team-c", "kr=kr1", "need=x", NULL)),
               CB_E_NOT_SHARED);
    CHECK_INT (s_err ("team-a", "ask.new", s_body (event, "to=team-b", "kr=kr9", "need=x", NULL)),
               CB_E_NOT_FOUND);
    CHECK_INT (s_err ("watcher", "ask.new", s_body (event, "to=team-b", "kr=kr1", "need=x", NULL)),
               CB_E_FORBIDDEN);
    char ask [16];
    s_ask (event, ask);
    //  In commit, no new asks; open ones may still be answered.
    s_ok_void ("fac", "event.advance", s_body (event, NULL));
    CHECK_INT (s_err ("team-a", "ask.new", s_body (event, "to=team-b", "kr=kr1", "need=y", NULL)),
               CB_E_WRONG_PHASE);
    r = s_ok ("team-b", "ask.decline", s_body (ask, "reason=no time", NULL));
    CHECK_STR (cb_value_get_str (r, "state"), "declined");
    cb_value_destroy (&r);
}

//  --------------------------------------------------------------------------
//  Links between teams (issue 12, section 4)

//  The head content of a draft (the caller destroys it).
static cb_value_t *
s_head (const char *draft)
{
    char field [32];
    snprintf (field, sizeof (field), "draft=%s", draft);
    cb_value_t *r = s_ok ("watcher", "draft.show", s_body (field, NULL));
    cb_value_t *content = cb_value_dup (cb_value_get (cb_value_get_map (r, "revision"), "content"));
    cb_value_destroy (&r);
    return content;
}

//  A field of the draft's record (revs, head).
static int64_t
s_draft_int (const char *draft, const char *key)
{
    char field [32];
    snprintf (field, sizeof (field), "draft=%s", draft);
    cb_value_t *r = s_ok ("watcher", "draft.show", s_body (field, NULL));
    int64_t n = s_int (cb_value_get_map (r, "draft"), key);
    cb_value_destroy (&r);
    return n;
}

//  The key result `id` of content (lent), or NULL.
static cb_value_t *
s_kr_of (const cb_value_t *content, const char *id)
{
    cb_value_t *krs = cb_value_get (content, "key_results");
    for (size_t i = 0; i < cb_value_size (krs); i++)
        if (streq (cb_value_get_str (cb_value_at (krs, i), "id"), id))
            return cb_value_at (krs, i);
    return NULL;
}

//  The content without key result `id` (content taken, a new one given).
static cb_value_t *
s_without (cb_value_t *content, const char *id)
{
    cb_value_t *out = cb_value_dup (content);
    cb_value_t *krs = cb_value_new_array ();
    cb_value_t *old = cb_value_get (content, "key_results");
    for (size_t i = 0; i < cb_value_size (old); i++)
        if (!streq (cb_value_get_str (cb_value_at (old, i), "id"), id)) {
            cb_value_t *kr = cb_value_dup (cb_value_at (old, i));
            cb_value_push (krs, &kr);
        }
    cb_value_set (out, "key_results", &krs);
    cb_value_destroy (&content);
    return out;
}

//  A request by `node`: its error code (0 if accepted); the error's
//  message into `message` (256 bytes) if given.
static int
s_code (const char *node, const char *type, cb_value_t *body, char *message)
{
    cb_value_t *reply = s_call (node, type, body);
    int64_t code = 0;
    if (streq (cb_value_get_str (reply, "type"), "error"))
        cb_value_get_int (reply, "code", &code);
    if (message)
        snprintf (message, 256, "%s", code ? cb_value_get_str (reply, "message") : "");
    cb_value_destroy (&reply);
    return (int) code;
}

//  body with unlink {reason} if reason is given.
static cb_value_t *
s_unlink (cb_value_t *body, const char *reason)
{
    if (reason) {
        cb_value_t *u = cb_value_new_map ();
        cb_value_set_str (u, "reason", reason);
        cb_value_set (body, "unlink", &u);
    }
    return body;
}

//  draft.revise of `draft` by `node` with content (taken) and, if given,
//  unlink {reason}: its code, its message into `message` if given.
static int
s_revise (const char *node, const char *draft, cb_value_t *content, const char *unlink,
          char *message)
{
    char field [32];
    snprintf (field, sizeof (field), "draft=%s", draft);
    cb_value_t *body = s_with_content (s_body (field, "message=amended", NULL), content);
    return s_code (node, "draft.revise", s_unlink (body, unlink), message);
}

//  A draft of team-c aligned to `draft` `kr`; its id into `id`.
static void
s_aligned (const char *draft, const char *kr, char *id)
{
    cb_value_t *content = s_content ("Aligned", 1);
    cb_value_t *aligned = cb_value_new_map ();
    cb_value_set_str (aligned, "draft", draft);
    cb_value_set_str (aligned, "kr", kr);
    cb_value_set (content, "aligned_to", &aligned);
    cb_value_t *r = s_ok ("team-c", "draft.new", s_with_content (s_body (NULL), content));
    snprintf (id, 16, "%s", r ? cb_value_get_str (r, "draft") : "d0");
    cb_value_destroy (&r);
}

//  The market with kr3 shared by da and db (a shared_kr ask accepted),
//  and team-c's dc aligned to da's kr1.
static void
s_linked (char *event, char *da, char *db, char *dc)
{
    char ask [16];
    s_market (event, da, db);
    s_ask (event, ask);
    s_ok_void ("team-b", "ask.accept",
               s_with_reflect (s_body (ask, NULL), s_reflect_kr ("shared_kr", "Ship together")));
    s_aligned (da, "kr1", dc);
}

//  A revision that removes or rewords a key result another draft aligns
//  to, or changes a shared one, is refused with LINKED and stores
//  nothing; with unlink it is written, and the owners of the dependent
//  drafts are told (link.broken). Failed before: each was written.
static void
test_links_dropped (void)
{
    char event [16], da [16], db [16], dc [16], message [256], kinds [1024];
    s_linked (event, da, db, dc);
    cb_value_t *head = s_head (da);
    CHECK_STR (cb_value_get_str (cb_value_get_map (s_kr_of (head, "kr3"), "shared_with"), "draft"),
               db);
    int64_t revs = s_draft_int (da, "revs");
    uint64_t told_b = s_inbox_last ("team-b"), told_c = s_inbox_last ("team-c");

    //  Removing kr1, which dc aligns to.
    CHECK_INT (s_revise ("team-a", da, s_without (cb_value_dup (head), "kr1"), NULL, message),
               CB_E_LINKED);
    CHECK (strstr (message, "kr1") && strstr (message, dc) && strstr (message, "team-c"));
    //  Rewording it.
    cb_value_t *c = cb_value_dup (head);
    cb_value_set_str (s_kr_of (c, "kr1"), "text", "Something else");
    CHECK_INT (s_revise ("team-a", da, c, NULL, NULL), CB_E_LINKED);
    //  Removing the shared kr3, or changing its target: its copies drift.
    CHECK_INT (s_revise ("team-a", da, s_without (cb_value_dup (head), "kr3"), NULL, message),
               CB_E_LINKED);
    CHECK (strstr (message, "shared with") && strstr (message, db) && strstr (message, "team-b"));
    c = cb_value_dup (head);
    cb_value_set_int (s_kr_of (c, "kr3"), "target", 99);
    CHECK_INT (s_revise ("team-a", da, c, NULL, NULL), CB_E_LINKED);
    //  The other side is held the same way.
    c = s_head (db);
    cb_value_set_int (s_kr_of (c, "kr3"), "target", 99);
    CHECK_INT (s_revise ("team-b", db, c, NULL, NULL), CB_E_LINKED);
    //  A malformed unlink is BAD_FIELD.
    cb_value_t *body = s_with_content (s_body (NULL), s_without (cb_value_dup (head), "kr1"));
    cb_value_set_str (body, "draft", da);
    cb_value_set_str (body, "unlink", "because");
    CHECK_INT (s_code ("team-a", "draft.revise", body, NULL), CB_E_BAD_FIELD);
    //  Nothing was stored, nobody told.
    CHECK_INT (s_draft_int (da, "revs"), revs);
    CHECK_INT (s_inbox_last ("team-b"), told_b);
    CHECK_INT (s_inbox_last ("team-c"), told_c);
    //  kr1's target is not what dc aligns to: changing it is no break,
    //  only news for team-c (parent.changed, issue 13).
    c = cb_value_dup (head);
    cb_value_set_int (s_kr_of (c, "kr1"), "target", 11);
    CHECK_INT (s_revise ("team-a", da, c, NULL, NULL), 0);
    CHECK_INT (s_inbox_last ("team-c"), ++told_c);

    //  With unlink: written, and both dependents are told, with the diff.
    c = s_without (s_without (s_head (da), "kr1"), "kr3");
    CHECK_INT (s_revise ("team-a", da, c, "the export moved to 2027-Q2", NULL), 0);
    CHECK_INT (s_draft_int (da, "revs"), revs + 2);
    CHECK_STR (s_inbox_kinds ("team-c", kinds),
               "event.phase event.phase parent.changed link.broken ");
    CHECK_INT (s_inbox_last ("team-c"), told_c + 1);
    CHECK (strstr (s_inbox_kinds ("team-b", kinds), "link.broken") != NULL);
    CHECK_INT (s_inbox_last ("team-b"), told_b + 1);
    char field [32];
    snprintf (field, sizeof (field), "draft=%s", da);
    cb_value_t *r = s_ok ("watcher", "draft.show", s_body (field, NULL));
    cb_value_t *unlink = cb_value_get_map (cb_value_get_map (r, "revision"), "unlink");
    CHECK_STR (cb_value_get_str (unlink, "reason"), "the export moved to 2027-Q2");
    CHECK_INT (cb_value_size (cb_value_get (unlink, "links")), 2);
    cb_value_destroy (&r);

    //  Their revisions are theirs: db still names kr3 until team-b's next
    //  revision, which drops the link; dc must re-align (NOT_FOUND).
    cb_value_t *hb = s_head (db);
    CHECK (cb_value_get (s_kr_of (hb, "kr3"), "shared_with") != NULL);
    CHECK_INT (s_revise ("team-b", db, hb, NULL, NULL), 0);
    hb = s_head (db);
    CHECK (s_kr_of (hb, "kr3") != NULL);
    CHECK (cb_value_get (s_kr_of (hb, "kr3"), "shared_with") == NULL);
    cb_value_destroy (&hb);
    CHECK_INT (s_revise ("team-c", dc, s_head (dc), NULL, NULL), CB_E_NOT_FOUND);
    cb_value_destroy (&head);
}

//  A shared key result's target raised by a reflect would make its two
//  copies differ: refused (LINKED), the ask still open. Failed before.
static void
test_links_reflect (void)
{
    char event [16], da [16], db [16], dc [16], offer [16];
    s_linked (event, da, db, dc);
    cb_value_t *reflect = s_body ("type=raise_target", "kr=kr3", "target=99", NULL);
    cb_value_t *r = s_ok ("team-b", "offer.new",
                          s_with_reflect (s_body (event, "to=team-a", "kr=kr1", "text=more", NULL),
                                          reflect));
    snprintf (offer, sizeof (offer), "ask=%s", r ? cb_value_get_str (r, "ask") : "a0");
    cb_value_destroy (&r);
    int64_t revs = s_draft_int (db, "revs");
    CHECK_INT (s_code ("team-a", "ask.take", s_body (offer, NULL), NULL), CB_E_LINKED);
    CHECK_INT (s_draft_int (db, "revs"), revs);
    char *state = s_ask_state (event, offer);
    CHECK_STR (state, "open");
    free (state);
    //  The same through ask.accept: team-b raising its own shared kr3.
    char ask [16];
    s_ask (event, ask);
    CHECK_INT (s_code ("team-b", "ask.accept",
                       s_with_reflect (s_body (ask, NULL),
                                       s_body ("type=raise_target", "kr=kr3", "target=99", NULL)),
                       NULL), CB_E_LINKED);
    CHECK_INT (s_draft_int (db, "revs"), revs);
    state = s_ask_state (event, ask);
    CHECK_STR (state, "open");
    free (state);
}

//  Adopting a counter-proposal that drops a key result another draft
//  aligns to: LINKED, then adopted with unlink. Failed before.
static void
test_links_adopt (void)
{
    char da [16], dc [16], field [32], kinds [1024];
    s_draft ("team-a", "Mine", 2, da, sizeof (da));
    s_aligned (da, "kr2", dc);
    snprintf (field, sizeof (field), "draft=%s", da);
    cb_value_t *r = s_ok ("team-a", "round.throw", s_body (field, "to[]=team-b", NULL));
    char round [32];
    snprintf (round, sizeof (round), "round=%s", r ? cb_value_get_str (r, "round") : "r0");
    cb_value_destroy (&r);
    r = s_ok ("team-b", "round.counter",
              s_with_content (s_body (round, NULL), s_without (s_head (da), "kr2")));
    char proposal [32];
    snprintf (proposal, sizeof (proposal), "proposal=%s", r ? cb_value_get_str (r, "id") : "p0");
    cb_value_destroy (&r);
    int64_t revs = s_draft_int (da, "revs");
    char message [256];
    CHECK_INT (s_code ("team-a", "proposal.adopt", s_body (proposal, NULL), message), CB_E_LINKED);
    CHECK (strstr (message, dc) != NULL);
    CHECK_INT (s_draft_int (da, "revs"), revs);
    CHECK_INT (s_code ("team-a", "proposal.adopt",
                       s_unlink (s_body (proposal, NULL), "kr2 is done elsewhere"), NULL), 0);
    CHECK_INT (s_draft_int (da, "revs"), revs + 1);
    CHECK_STR (s_inbox_kinds ("team-c", kinds), "link.broken ");
}

//  shared_with is the broker's: never forged, never changed by a client,
//  carried as it was when left out. Failed before: d999 was taken.
static void
test_forged_shared_with (void)
{
    char event [16], da [16], db [16], dc [16];
    s_linked (event, da, db, dc);
    cb_value_t *content = s_content ("Forged", 1);
    cb_value_t *link = s_body ("draft=d999", "kr=kr1", NULL);
    cb_value_set (cb_value_at (cb_value_get (content, "key_results"), 0), "shared_with", &link);
    CHECK_INT (s_code ("team-c", "draft.new", s_with_content (s_body (NULL), content), NULL),
               CB_E_BAD_FIELD);
    int64_t revs = s_draft_int (da, "revs");
    //  Added to a key result that has none, or changed.
    cb_value_t *head = s_head (da);
    cb_value_t *c = cb_value_dup (head);
    link = s_body (NULL);
    cb_value_set_str (link, "draft", db);
    cb_value_set_str (link, "kr", "kr1");
    cb_value_set (s_kr_of (c, "kr1"), "shared_with", &link);
    CHECK_INT (s_revise ("team-a", da, c, NULL, NULL), CB_E_BAD_FIELD);
    c = cb_value_dup (head);
    cb_value_set_str (cb_value_get_map (s_kr_of (c, "kr3"), "shared_with"), "kr", "kr2");
    CHECK_INT (s_revise ("team-a", da, c, NULL, NULL), CB_E_BAD_FIELD);
    CHECK_INT (s_draft_int (da, "revs"), revs);
    //  Sent back as it was, or left out: kept.
    CHECK_INT (s_revise ("team-a", da, cb_value_dup (head), NULL, NULL), 0);
    c = cb_value_dup (head);
    cb_value_remove (s_kr_of (c, "kr3"), "shared_with");
    CHECK_INT (s_revise ("team-a", da, c, NULL, NULL), 0);
    cb_value_t *now = s_head (da);
    CHECK_STR (cb_value_get_str (cb_value_get_map (s_kr_of (now, "kr3"), "shared_with"), "kr"),
               "kr3");
    cb_value_destroy (&now);
    cb_value_destroy (&head);
}

//  A proposal keeping a key result the owner removed after the revision
//  it was built on: adopted, it comes back as a new key result with a new
//  id, never with its old one (issue 12: kr3 came back). Failed before.
static void
test_adopt_renews_ids (void)
{
    char da [16], field [32];
    s_draft ("team-a", "Mine", 2, da, sizeof (da));
    snprintf (field, sizeof (field), "draft=%s", da);
    cb_value_t *r = s_ok ("team-a", "round.throw", s_body (field, "to[]=team-b", NULL));
    char round [32];
    snprintf (round, sizeof (round), "round=%s", r ? cb_value_get_str (r, "round") : "r0");
    cb_value_destroy (&r);
    cb_value_t *c = s_head (da);
    cb_value_set_str (c, "objective", "Theirs");
    r = s_ok ("team-b", "round.counter", s_with_content (s_body (round, NULL), c));
    char proposal [32];
    snprintf (proposal, sizeof (proposal), "proposal=%s", r ? cb_value_get_str (r, "id") : "p0");
    cb_value_destroy (&r);
    CHECK_INT (s_revise ("team-a", da, s_without (s_head (da), "kr2"), NULL, NULL), 0);
    s_ok_void ("team-a", "proposal.adopt", s_body (proposal, NULL));
    cb_value_t *head = s_head (da);
    CHECK (s_kr_of (head, "kr1") != NULL);
    CHECK (s_kr_of (head, "kr2") == NULL);
    CHECK_STR (cb_value_get_str (s_kr_of (head, "kr3"), "text"), "KR 2");
    cb_value_destroy (&head);
    CHECK_INT (s_draft_int (da, "next_kr"), 4);
}

typedef void (s_test_fn) (void);

//  The asks ask.list gives for `filter` ("node=team-b"...), and its next.
static cb_value_t *
s_list (const char *filter, const char *more, char *next, size_t size)
{
    cb_value_t *r = s_ok ("watcher", "ask.list", s_body (filter, more, NULL));
    cb_value_t *asks = cb_value_dup (cb_value_get (r, "asks"));
    snprintf (next, size, "%s", cb_value_get_str (r, "next") ? cb_value_get_str (r, "next") : "");
    cb_value_destroy (&r);
    return asks;
}

//  Asks and offers outside any event (issue 13, item 2): made, answered
//  and reflected at any time, with the same flow; the drafts named or
//  found; every refusal storing nothing (--direct checks the writes).
static void
test_direct_asks (void)
{
    char da [16], db [16], db2 [16], dc [16], kinds [1024], next [64], field [32], helper [32];
    s_draft ("team-a", "Needs help", 2, da, 16);
    s_draft ("team-b", "Can help", 2, db, 16);
    char draft_a [32];
    snprintf (draft_a, sizeof (draft_a), "draft=%s", da);
    cb_value_t *r = s_ok ("team-a", "ask.new", s_body (draft_a, "to=team-b", "kr=kr1",
                                                       "need=two engineers", NULL));
    char ask [16];
    snprintf (ask, sizeof (ask), "ask=%s", r ? cb_value_get_str (r, "ask") : "a0");
    cb_value_destroy (&r);
    CHECK_STR (s_inbox_kinds ("team-b", kinds), "ask.new ");
    //  The record: no event, the cycle, the draft helped and the helper's
    //  only draft of the cycle.
    cb_value_t *asks = s_list ("node=team-b", NULL, next, sizeof (next));
    REQUIRE (cb_value_size (asks) == 1);
    cb_value_t *a = cb_value_at (asks, 0);
    CHECK (cb_value_type (cb_value_get (a, "event")) == CB_NIL);
    CHECK_STR (cb_value_get_str (a, "cycle"), "2027-Q1");
    CHECK_STR (cb_value_get_str (a, "draft"), da);
    CHECK_STR (cb_value_get_str (a, "helper_draft"), db);
    CHECK_STR (next, "");
    cb_value_destroy (&asks);
    //  Answered with no phase to wait for, and reflected in team-b's draft.
    size_t before = s_kr_count (db);
    r = s_ok ("team-b", "ask.accept",
              s_with_reflect (s_body (ask, NULL), s_reflect_kr ("new_kr", "Staff signup")));
    CHECK_STR (cb_value_get_str (r, "state"), "accepted");
    cb_value_destroy (&r);
    CHECK_INT (s_kr_count (db), before + 1);
    CHECK_STR (s_inbox_kinds ("team-a", kinds), "ask.update ");

    //  Refused, storing nothing.
    CHECK_INT (s_err ("team-a", "ask.new", s_body ("to=team-b", "kr=kr1", "need=x", NULL)),
               CB_E_BAD_FIELD);
    snprintf (field, sizeof (field), "draft=%s", db);
    CHECK_INT (s_err ("team-a", "ask.new", s_body (field, "to=team-b", "kr=kr1", "need=x", NULL)),
               CB_E_NOT_OWNER);
    CHECK_INT (s_err ("team-a", "ask.new", s_body (draft_a, "to=team-a", "kr=kr1", "need=x", NULL)),
               CB_E_BAD_FIELD);
    CHECK_INT (s_err ("team-a", "ask.new", s_body (draft_a, "to=nobody", "kr=kr1", "need=x", NULL)),
               CB_E_UNKNOWN_NODE);
    CHECK_INT (s_err ("team-a", "ask.new", s_body (draft_a, "to=watcher", "kr=kr1", "need=x", NULL)),
               CB_E_BAD_FIELD);
    CHECK_INT (s_err ("team-a", "ask.new", s_body (draft_a, "to=team-c", "kr=kr1", "need=x", NULL)),
               CB_E_NOT_FOUND);
    CHECK_INT (s_err ("team-a", "ask.new", s_body (draft_a, "to=team-b", "kr=kr9", "need=x", NULL)),
               CB_E_NOT_FOUND);
    CHECK_INT (s_err ("team-a", "ask.new", s_body (draft_a, "event=e1", "to=team-b", "kr=kr1",
                                                   "need=x", NULL)),
               CB_E_BAD_FIELD);
    CHECK_INT (s_err ("team-a", "ask.new", s_body ("draft=d99", "to=team-b", "kr=kr1", "need=x",
                                                   NULL)),
               CB_E_NOT_FOUND);

    //  A helper with two drafts in the cycle: name the one that helps.
    s_draft ("team-b", "Second", 1, db2, 16);
    char message [256];
    s_err_message ("team-a", "ask.new", s_body (draft_a, "to=team-b", "kr=kr2", "need=x", NULL),
                   message, sizeof (message));
    CHECK (strstr (message, "team-b has 2 drafts in 2027-Q1"));
    snprintf (helper, sizeof (helper), "helper_draft=%s", da);
    CHECK_INT (s_err ("team-a", "ask.new", s_body (draft_a, "to=team-b", "kr=kr2", "need=x",
                                                   helper, NULL)),
               CB_E_NOT_OWNER);
    cb_value_t *other = s_content ("Next quarter", 1);
    cb_value_set_str (other, "cycle", "2027-Q2");
    r = s_ok ("team-b", "draft.new", s_with_content (s_body ("message=m", NULL), other));
    snprintf (helper, sizeof (helper), "helper_draft=%s", r ? cb_value_get_str (r, "draft") : "");
    cb_value_destroy (&r);
    CHECK_INT (s_err ("team-a", "ask.new", s_body (draft_a, "to=team-b", "kr=kr2", "need=x",
                                                   helper, NULL)),
               CB_E_BAD_FIELD);
    snprintf (helper, sizeof (helper), "helper_draft=%s", db2);
    r = s_ok ("team-a", "ask.new", s_body (draft_a, "to=team-b", "kr=kr2", "need=x", helper, NULL));
    cb_value_destroy (&r);

    //  An offer outside an event: team-c helps team-a's kr2, reflected in
    //  team-c's own draft; team-a takes it.
    s_draft ("team-c", "Offers", 1, dc, 16);
    cb_value_t *raise = cb_value_new_map ();
    cb_value_set_str (raise, "type", "raise_target");
    cb_value_set_str (raise, "kr", "kr1");
    cb_value_set_int (raise, "target", 99);
    CHECK_INT (s_err ("team-c", "offer.new",
                      s_with_reflect (s_body (field, "to=team-a", "kr=kr1", "text=t", NULL),
                                      cb_value_dup (raise))),
               CB_E_NOT_OWNER);
    r = s_ok ("team-c", "offer.new",
              s_with_reflect (s_body (draft_a, "to=team-a", "kr=kr2", "text=our data", NULL),
                              raise));
    char offer [16];
    snprintf (offer, sizeof (offer), "ask=%s", r ? cb_value_get_str (r, "ask") : "a0");
    cb_value_destroy (&r);
    r = s_ok ("team-a", "ask.take", s_body (offer, NULL));
    CHECK_STR (cb_value_get_str (r, "state"), "accepted");
    CHECK_STR (cb_value_get_str (cb_value_at (cb_value_get (r, "revisions"), 0), "draft"), dc);
    cb_value_destroy (&r);

    //  ask.list: filters, pages; cycle.graph: the asks outside events too.
    asks = s_list ("node=team-c", NULL, next, sizeof (next));
    CHECK_INT (cb_value_size (asks), 1);
    cb_value_destroy (&asks);
    asks = s_list ("state=open", NULL, next, sizeof (next));
    CHECK_INT (cb_value_size (asks), 1);
    cb_value_destroy (&asks);
    asks = s_list ("cycle=2027-Q2", NULL, next, sizeof (next));
    CHECK_INT (cb_value_size (asks), 0);
    cb_value_destroy (&asks);
    CHECK_INT (s_err ("watcher", "ask.list", s_body ("state=lost", NULL)), CB_E_BAD_FIELD);
    asks = s_list ("cycle=2027-Q1", "limit=2", next, sizeof (next));
    CHECK_INT (cb_value_size (asks), 2);
    CHECK_STR (next, "a2");
    cb_value_destroy (&asks);
    char after [80];
    snprintf (after, sizeof (after), "after=%s", next);
    asks = s_list ("cycle=2027-Q1", after, next, sizeof (next));
    CHECK_INT (cb_value_size (asks), 1);
    CHECK_STR (cb_value_get_str (cb_value_at (asks, 0), "id"), "a3");
    CHECK_STR (next, "");
    cb_value_destroy (&asks);
    r = s_ok ("watcher", "cycle.graph", s_body ("cycle=2027-Q1", NULL));
    CHECK_INT (cb_value_size (cb_value_get (r, "asks")), 3);
    CHECK_INT (cb_value_size (cb_value_get (r, "drafts")), 4);
    cb_value_destroy (&r);
    //  Page by page: drafts, then the asks outside events ("f.N" cursors)
    int pages = 0;
    size_t seen = 0;
    snprintf (after, sizeof (after), "cycle=2027-Q1");
    char cursor [64] = "";
    do {
        char with [80];
        snprintf (with, sizeof (with), "after=%s", cursor);
        r = s_ok ("watcher", "cycle.graph", *cursor ? s_body (after, "limit=2", with, NULL)
                                                     : s_body (after, "limit=2", NULL));
        seen += cb_value_size (cb_value_get (r, "asks")) + cb_value_size (cb_value_get (r, "drafts"));
        const char *n = cb_value_get_str (r, "next");
        snprintf (cursor, sizeof (cursor), "%s", n ? n : "");
        cb_value_destroy (&r);
    } while (*cursor && ++pages < 20);
    CHECK_INT (seen, 7);
    CHECK_INT (pages, 3);
}

//  "We cannot align", raised at once (issue 13, item 2): feedback with no
//  round on the draft aligned to, in both histories, told to its owner,
//  answered by a revision that addresses it; every refusal storing
//  nothing.
static void
test_raise_cannot_align (void)
{
    char dl [16], dmine [16], da [16], kinds [1024], field [32], lead_field [32];
    s_draft ("lead", "Company", 2, dl, 16);
    snprintf (lead_field, sizeof (lead_field), "draft=%s", dl);
    cb_value_t *content = s_content ("Team part", 1);
    cb_value_t *aligned = cb_value_new_map ();
    cb_value_set_str (aligned, "draft", dl);
    cb_value_set_str (aligned, "kr", "kr2");
    cb_value_set (content, "aligned_to", &aligned);
    cb_value_t *r = s_ok ("team-a", "draft.new", s_with_content (s_body ("message=m", NULL),
                                                                content));
    snprintf (da, sizeof (da), "%s", r ? cb_value_get_str (r, "draft") : "d0");
    cb_value_destroy (&r);
    s_draft ("team-a", "Not aligned", 1, dmine, 16);
    snprintf (field, sizeof (field), "draft=%s", da);

    r = s_ok ("team-a", "draft.raise", s_body (field, "text=Not while the old service runs",
                                               NULL));
    CHECK_STR (cb_value_get_str (r, "id"), "f1");
    CHECK_STR (cb_value_get_str (r, "to"), "lead");
    CHECK_STR (cb_value_get_str (r, "draft"), dl);
    cb_value_destroy (&r);
    CHECK_STR (s_inbox_kinds ("lead", kinds), "draft.aligned draft.raised ");
    //  In both histories, about the key result aligned to.
    const char *drafts [] = { dl, da };
    for (int i = 0; i < 2; i++) {
        char which [32];
        snprintf (which, sizeof (which), "draft=%s", drafts [i]);
        r = s_ok ("watcher", "draft.history", s_body (which, NULL));
        cb_value_t *raised = cb_value_get (r, "raised");
        REQUIRE (cb_value_size (raised) == 1);
        cb_value_t *f = cb_value_at (raised, 0);
        CHECK_STR (cb_value_get_str (f, "kind"), "cannot-align");
        CHECK_STR (cb_value_get_str (f, "on"), "kr2");
        CHECK_STR (cb_value_get_str (f, "from_draft"), da);
        CHECK_STR (cb_value_get_str (f, "draft"), dl);
        CHECK (cb_value_type (cb_value_get (f, "round")) == CB_NIL);
        cb_value_destroy (&r);
    }
    //  The last page of a paged history holds it, after the rounds.
    r = s_ok ("watcher", "draft.history", s_body (lead_field, "limit=1", NULL));
    CHECK_INT (cb_value_size (cb_value_get (r, "raised")), 0);
    CHECK_STR (cb_value_get_str (r, "next"), "raised.0");
    cb_value_destroy (&r);
    r = s_ok ("watcher", "draft.history", s_body (lead_field, "limit=1", "after=raised.0", NULL));
    CHECK_INT (cb_value_size (cb_value_get (r, "raised")), 1);
    CHECK (cb_value_type (cb_value_get (r, "next")) == CB_NIL);
    cb_value_destroy (&r);
    CHECK_INT (s_err ("watcher", "draft.history", s_body (lead_field, "after=raised.x", NULL)),
               CB_E_BAD_FIELD);

    //  Answered like feedback: a revision that addresses it.
    r = s_ok ("lead", "draft.revise", s_with_content (s_body (lead_field, "message=moved",
                                                              "addresses[]=f1", NULL),
                                                      s_content ("Company", 2)));
    cb_value_destroy (&r);

    //  Refused, storing nothing.
    CHECK_INT (s_err ("team-a", "draft.raise", s_body (field, "text=x", "kr=kr9", NULL)),
               CB_E_NOT_FOUND);
    CHECK_INT (s_err ("team-b", "draft.raise", s_body (field, "text=x", NULL)), CB_E_NOT_OWNER);
    char mine [32];
    snprintf (mine, sizeof (mine), "draft=%s", dmine);
    CHECK_INT (s_err ("team-a", "draft.raise", s_body (mine, "text=x", NULL)), CB_E_BAD_FIELD);
    CHECK_INT (s_err ("team-a", "draft.raise", s_body (field, NULL)), CB_E_BAD_FIELD);
    CHECK_INT (s_err ("team-a", "draft.raise", s_body ("draft=d99", "text=x", NULL)),
               CB_E_NOT_FOUND);
    CHECK_INT (s_err ("watcher", "draft.raise", s_body (field, "text=x", NULL)), CB_E_FORBIDDEN);
    CHECK_STR (s_inbox_kinds ("lead", kinds), "draft.aligned draft.raised ");
    //  With kr: another key result of the draft aligned to.
    r = s_ok ("team-a", "draft.raise", s_body (field, "text=And this one", "kr=kr1", NULL));
    CHECK_STR (cb_value_get_str (r, "id"), "f2");
    cb_value_destroy (&r);
}

static void
s_run (const char *name, s_test_fn *test)
{
    td_begin ("test_asks", true);
    int failures = tu_failures;
    test ();
    if (tu_failures != failures)
        fprintf (stderr, "test_asks: %s failed\n", name);
    td_end ();
}

int
main (int argc, char *argv [])
{
    td_init (argc, argv);
    s_run ("accept_new_kr", test_accept_new_kr);
    s_run ("counter_take_and_refuse", test_counter_take_and_refuse);
    s_run ("offer_raises_target", test_offer_raises_target);
    s_run ("shared_kr_in_both", test_shared_kr_in_both);
    s_run ("phases_and_sharing", test_phases_and_sharing);
    s_run ("links_dropped", test_links_dropped);
    s_run ("links_reflect", test_links_reflect);
    s_run ("links_adopt", test_links_adopt);
    s_run ("forged_shared_with", test_forged_shared_with);
    s_run ("adopt_renews_ids", test_adopt_renews_ids);
    s_run ("direct_asks", test_direct_asks);
    s_run ("raise_cannot_align", test_raise_cannot_align);
    return TEST_DONE ();
}
