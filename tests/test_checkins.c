/*  =========================================================================
    test_checkins - check-ins on final drafts (server/checkins.c, issue 14
    item 2), in-process through cb_dispatch on a real LMDB store

    Covers: checkin.new by the draft's owner and by a lead of the key
    result, stored append-only, in the event log (checkin/cN), in
    draft.history's `checkins` (paged) and in checkin.list (by draft, by
    cycle, paged); the owner told when a lead checks in; a check-in on a
    shared key result listed on both drafts and told to the other team; a
    drop in confidence (by 2 or more, or below 2) told to the owners of the
    drafts aligned to the key result (checkin.dropped), and nothing else.
    Refused, storing nothing: a draft not final (NOT_FINAL), a value that
    is not a number, a confidence of 7, an unknown key result, a node
    neither owner nor lead (NOT_OWNER), an observer (FORBIDDEN). Each test
    has a store of its own; with --direct a refusal that wrote fails.
    =========================================================================
*/
#include "testdispatch.h"
#include "log.h"

//  A draft of `node` with two key results, kr1 led by team-b; its id into
//  `id` (16 bytes).
static void
s_draft (const char *node, char *id)
{
    cb_value_t *content = s_content ("Ship the new billing", 2);
    cb_value_t *kr1 = cb_value_at (cb_value_get_array (content, "key_results"), 0);
    cb_value_t *leads = cb_value_new_array ();
    cb_value_t *lead = cb_value_new_str ("team-b");
    cb_value_push (leads, &lead);
    cb_value_set (kr1, "leads", &leads);
    cb_value_t *r = s_ok (node, "draft.new", s_with_content (s_body (NULL), content));
    snprintf (id, 16, "%s", r ? cb_value_get_str (r, "draft") : "d0");
    cb_value_destroy (&r);
}

//  A checkin.new body; value given as text: a number unless it is not one.
static cb_value_t *
s_checkin (const char *draft, const char *kr, const char *value, int64_t confidence)
{
    char d [32], k [32];
    snprintf (d, sizeof (d), "draft=%s", draft);
    snprintf (k, sizeof (k), "kr=%s", kr);
    cb_value_t *body = s_body (d, k, NULL);
    char *end;
    double number = strtod (value, &end);
    cb_value_t *v = *end ? cb_value_new_str (value) : cb_value_new_float (number);
    cb_value_set (body, "value", &v);
    cb_value_set_int (body, "confidence", confidence);
    return body;
}

//  checkin.list with one filter ("draft=d1", "cycle=...", or NULL) and a
//  limit; the number of check-ins in its first page, its next into next.
static size_t
s_listed (const char *filter, const char *limit, char *next)
{
    cb_value_t *r = s_ok ("watcher", "checkin.list", s_body (filter ? filter : limit,
                                                             filter ? limit : NULL, NULL));
    size_t count = cb_value_size (cb_value_get (r, "checkins"));
    if (next)
        snprintf (next, 32, "%s", cb_value_get_str (r, "next") ? cb_value_get_str (r, "next")
                                                                : "");
    cb_value_destroy (&r);
    return count;
}

//  The last log entry's object `key`, copied into a new value, or NULL.
static int
s_log_one (uint64_t seq, const void *data, size_t size, void *arg)
{
    (void) seq;
    cb_value_t **last = (cb_value_t **) arg;
    cb_value_destroy (last);
    *last = cb_codec_decode (data, size, NULL, 0);
    return 0;
}

static cb_value_t *
s_logged (const char *key)
{
    cb_txn_t *txn = cb_store_begin (s_store, false);
    uint64_t last = cb_log_last (txn);
    cb_value_t *entry = NULL;
    cb_log_read (txn, last, 1, s_log_one, &entry);
    cb_txn_abort (&txn);
    cb_value_t *object = cb_value_get (cb_value_get_map (entry, "objects"), key);
    cb_value_t *copy = object ? cb_value_dup (object) : NULL;
    cb_value_destroy (&entry);
    return copy;
}

//  A request by `node`: its error code (0 if accepted); the error's
//  message into `message` (256 bytes).
static int
s_code (const char *node, const char *type, cb_value_t *body, char *message)
{
    cb_value_t *reply = s_call (node, type, body);
    int64_t code = 0;
    if (streq (cb_value_get_str (reply, "type"), "error"))
        cb_value_get_int (reply, "code", &code);
    snprintf (message, 256, "%s", code ? cb_value_get_str (reply, "message") : "");
    cb_value_destroy (&reply);
    return (int) code;
}

//  --------------------------------------------------------------------------

//  The owner and a lead of kr1 check in; each is stored, logged, listed
//  and in the history; the owner is told of the lead's. Failed before:
//  checkin.new was UNKNOWN_TYPE.
static void
test_checkin_owner_and_lead (void)
{
    td_begin ("checkins_ok", true);
    char d [16], kinds [1024], field [32];
    s_draft ("team-a", d);
    td_finalize ("team-a", d);
    uint64_t told = s_inbox_last ("team-a");
    cb_value_t *r = s_ok ("team-a", "checkin.new", s_checkin (d, "kr1", "2.5", 3));
    CHECK_STR (cb_value_get_str (r, "id"), "c1");
    CHECK_STR (cb_value_get_str (r, "draft"), d);
    cb_value_destroy (&r);
    cb_value_t *logged = s_logged ("checkin/c1");
    CHECK (logged != NULL);
    CHECK_INT (s_int (logged, "confidence"), 3);
    CHECK (cb_value_float (cb_value_get (logged, "value")) == 2.5);
    CHECK_STR (cb_value_get_str (logged, "author"), "team-a");
    cb_value_destroy (&logged);
    CHECK_INT (s_inbox_last ("team-a"), told);            //  Not told of its own

    //  team-b leads kr1 only: a lead of kr1, not of kr2.
    cb_value_t *body = s_checkin (d, "kr1", "4", 2);
    cb_value_set_str (body, "note", "migration slipped a week");
    r = s_ok ("team-b", "checkin.new", body);
    CHECK_STR (cb_value_get_str (r, "id"), "c2");
    cb_value_destroy (&r);
    CHECK_STR (s_inbox_kinds ("team-a", kinds), "checkin.new ");
    CHECK_INT (s_err ("team-b", "checkin.new", s_checkin (d, "kr2", "1", 3)), CB_E_NOT_OWNER);

    snprintf (field, sizeof (field), "draft=%s", d);
    r = s_ok ("watcher", "draft.history", s_body (field, NULL));
    cb_value_t *list = cb_value_get (r, "checkins");
    CHECK_INT (cb_value_size (list), 2);
    CHECK_STR (cb_value_get_str (cb_value_at (list, 1), "note"), "migration slipped a week");
    CHECK_STR (cb_value_get_str (cb_value_at (list, 1), "author"), "team-b");
    CHECK (cb_value_get_str (r, "next") == NULL);
    cb_value_destroy (&r);

    CHECK_INT (s_listed (field, NULL, NULL), 2);
    CHECK_INT (s_listed ("cycle=2027-Q1", NULL, NULL), 2);
    CHECK_INT (s_listed ("cycle=2027-Q2", NULL, NULL), 0);
    CHECK_INT (s_err ("watcher", "checkin.list", s_body ("draft=d99", NULL)), CB_E_NOT_FOUND);
    td_end ();
}

//  Bad input and the wrong sender are answered clearly and store nothing
//  (with --direct, the harness checks that each refusal wrote nothing).
//  Failed before: each was UNKNOWN_TYPE; with the state check removed,
//  the check-in on a drafting draft was stored.
static void
test_checkin_refused (void)
{
    td_begin ("checkins_refused", true);
    char d [16], message [256];
    s_draft ("team-a", d);
    CHECK_INT (s_code ("team-a", "checkin.new", s_checkin (d, "kr1", "3", 3), message),
               CB_E_NOT_FINAL);
    CHECK (strstr (message, "not final") != NULL);
    td_finalize ("team-a", d);
    CHECK_INT (s_err ("team-a", "checkin.new", s_checkin (d, "kr1", "three", 3)),
               CB_E_BAD_FIELD);
    CHECK_INT (s_err ("team-a", "checkin.new", s_checkin (d, "kr1", "3", 7)), CB_E_BAD_FIELD);
    CHECK_INT (s_err ("team-a", "checkin.new", s_checkin (d, "kr1", "3", -1)), CB_E_BAD_FIELD);
    CHECK_INT (s_err ("team-a", "checkin.new", s_checkin (d, "kr9", "3", 3)), CB_E_NOT_FOUND);
    CHECK_INT (s_err ("team-a", "checkin.new", s_checkin ("d99", "kr1", "3", 3)),
               CB_E_NOT_FOUND);
    CHECK_INT (s_err ("team-a", "checkin.new", s_checkin (d, "kr1", "1e16", 3)),
               CB_E_BAD_FIELD);
    cb_value_t *body = s_checkin (d, "kr1", "3", 3);
    cb_value_set_str (body, "author", "team-b");
    CHECK_INT (s_err ("team-a", "checkin.new", body), CB_E_BAD_FIELD);
    CHECK_INT (s_code ("team-c", "checkin.new", s_checkin (d, "kr1", "3", 3), message),
               CB_E_NOT_OWNER);
    CHECK (strstr (message, "lead") != NULL);
    CHECK_INT (s_err ("lead", "checkin.new", s_checkin (d, "kr1", "3", 3)), CB_E_NOT_OWNER);
    CHECK_INT (s_err ("watcher", "checkin.new", s_checkin (d, "kr1", "3", 3)), CB_E_FORBIDDEN);
    CHECK_INT (s_err ("fac", "checkin.new", s_checkin (d, "kr1", "3", 3)), CB_E_FORBIDDEN);
    CHECK_INT (s_listed (NULL, "limit=1000", NULL), 0);
    char field [32];
    snprintf (field, sizeof (field), "draft=%s", d);
    cb_value_t *r = s_ok ("watcher", "draft.show", s_body (field, NULL));
    CHECK (cb_value_get (cb_value_get_map (r, "draft"), "checkins") == NULL);
    cb_value_destroy (&r);
    //  And the next good one is c1: no id was used up.
    r = s_ok ("team-a", "checkin.new", s_checkin (d, "kr1", "3", 3));
    CHECK_STR (cb_value_get_str (r, "id"), "c1");
    cb_value_destroy (&r);
    td_end ();
}

//  draft.history and checkin.list come in pages, one check-in at a time
//  with limit 1, every one once. Failed before: draft.history had no
//  `checkins` and its cursor could not go past the raises.
static void
test_checkin_pages (void)
{
    td_begin ("checkins_pages", true);
    char d [16], other [16], field [32], after [64], next [32];
    s_draft ("team-a", d);
    s_draft ("team-c", other);
    td_finalize ("team-a", d);
    td_finalize ("team-c", other);
    for (int i = 0; i < 3; i++) {
        s_ok_void ("team-a", "checkin.new", s_checkin (d, "kr1", "1", i));
        s_ok_void ("team-c", "checkin.new", s_checkin (other, "kr2", "1", i));
    }
    snprintf (field, sizeof (field), "draft=%s", d);
    //  The history: revision 1, then each check-in in a page of its own.
    size_t revisions = 0, checkins = 0, pages = 0;
    after [0] = 0;
    do {
        cb_value_t *body = s_body (field, "limit=1", NULL);
        if (*after)
            cb_value_set_str (body, "after", after);
        cb_value_t *r = s_ok ("watcher", "draft.history", body);
        revisions += cb_value_size (cb_value_get (r, "revisions"));
        cb_value_t *list = cb_value_get (r, "checkins");
        for (size_t i = 0; i < cb_value_size (list); i++)
            CHECK_INT (s_int (cb_value_at (list, i), "confidence"), (int64_t) checkins++);
        const char *cursor = cb_value_get_str (r, "next");
        snprintf (after, sizeof (after), "%s", cursor ? cursor : "");
        cb_value_destroy (&r);
        pages++;
    } while (*after && pages < 20);
    CHECK_INT (revisions, 1);
    CHECK_INT (checkins, 3);
    CHECK_INT (pages, 4);
    CHECK_INT (s_err ("watcher", "draft.history", s_body (field, "after=checkins.x", NULL)),
               CB_E_BAD_FIELD);

    //  checkin.list of the draft: its three of the six, a page each.
    size_t listed = 0;
    pages = 0;
    after [0] = 0;
    do {
        cb_value_t *body = s_body (field, "limit=1", NULL);
        if (*after)
            cb_value_set_str (body, "after", after);
        cb_value_t *r = s_ok ("watcher", "checkin.list", body);
        cb_value_t *list = cb_value_get (r, "checkins");
        for (size_t i = 0; i < cb_value_size (list); i++)
            CHECK_STR (cb_value_get_str (cb_value_at (list, i), "draft"), d);
        listed += cb_value_size (list);
        const char *cursor = cb_value_get_str (r, "next");
        snprintf (after, sizeof (after), "%s", cursor ? cursor : "");
        cb_value_destroy (&r);
        pages++;
    } while (*after && pages < 20);
    CHECK_INT (listed, 3);
    CHECK_INT (s_listed (NULL, "limit=1000", next), 6);
    CHECK_STR (next, "");
    CHECK_INT (s_err ("watcher", "checkin.list", s_body ("after=d3", NULL)), CB_E_BAD_FIELD);
    td_end ();
}

//  --------------------------------------------------------------------------
//  A shared key result (an agreed shared_kr ask, as in test_asks.c)

//  team-a's da and team-b's db sharing da's kr3 (db's kr3), both final.
static void
s_shared (char *da, char *db)
{
    char event [16], ask [16], field [32];
    cb_value_t *r = s_ok ("team-a", "draft.new",
                          s_with_content (s_body (NULL), s_content ("Needs help", 2)));
    snprintf (da, 16, "%s", r ? cb_value_get_str (r, "draft") : "d0");
    cb_value_destroy (&r);
    r = s_ok ("team-b", "draft.new", s_with_content (s_body (NULL), s_content ("Can help", 2)));
    snprintf (db, 16, "%s", r ? cb_value_get_str (r, "draft") : "d0");
    cb_value_destroy (&r);
    r = s_ok ("fac", "event.new", s_body ("name=Market", "cycle=2027-Q1",
                                          "participants[]=team-a,team-b", NULL));
    snprintf (event, 16, "event=%s", r ? cb_value_get_str (r, "event") : "e0");
    cb_value_destroy (&r);
    s_ok_void ("fac", "event.advance", s_body (event, NULL));
    snprintf (field, sizeof (field), "draft=%s", da);
    s_ok_void ("team-a", "event.share", s_body (event, field, NULL));
    snprintf (field, sizeof (field), "draft=%s", db);
    s_ok_void ("team-b", "event.share", s_body (event, field, NULL));
    s_ok_void ("fac", "event.advance", s_body (event, NULL));
    r = s_ok ("team-a", "ask.new", s_body (event, "to=team-b", "kr=kr1", "need=two engineers",
                                           NULL));
    snprintf (ask, 16, "ask=%s", r ? cb_value_get_str (r, "ask") : "a0");
    cb_value_destroy (&r);
    cb_value_t *reflect = cb_value_new_map ();
    cb_value_set_str (reflect, "type", "shared_kr");
    cb_value_t *kr = s_kr (NULL, "Ship together", 0, 50);
    cb_value_set (reflect, "kr", &kr);
    cb_value_t *body = s_body (ask, NULL);
    cb_value_set (body, "reflect", &reflect);
    s_ok_void ("team-b", "ask.accept", body);
    td_finalize ("team-a", da);
    td_finalize ("team-b", db);
}

//  A check-in on a shared key result reaches both teams: listed on both
//  drafts, told to the other draft's owner. Failed before: only the
//  draft checked in on knew of it.
static void
test_checkin_shared (void)
{
    td_begin ("checkins_shared", true);
    char da [16], db [16], kinds [1024], field [32];
    s_shared (da, db);
    uint64_t told = s_inbox_last ("team-b");
    cb_value_t *r = s_ok ("team-a", "checkin.new", s_checkin (da, "kr3", "20", 4));
    CHECK_STR (cb_value_get_str (r, "id"), "c1");
    cb_value_destroy (&r);
    CHECK_INT (s_inbox_last ("team-b"), told + 1);
    CHECK (strstr (s_inbox_kinds ("team-b", kinds), "checkin.new") != NULL);
    snprintf (field, sizeof (field), "draft=%s", db);
    r = s_ok ("watcher", "draft.history", s_body (field, NULL));
    cb_value_t *list = cb_value_get (r, "checkins");
    CHECK_INT (cb_value_size (list), 1);
    CHECK_STR (cb_value_get_str (cb_value_at (list, 0), "shared_draft"), db);
    CHECK_STR (cb_value_get_str (cb_value_at (list, 0), "shared_kr"), "kr3");
    cb_value_destroy (&r);
    CHECK_INT (s_listed (field, NULL, NULL), 1);
    //  Not on a key result it does not share: team-b is no lead of da's kr1.
    CHECK_INT (s_err ("team-b", "checkin.new", s_checkin (da, "kr1", "1", 1)), CB_E_NOT_OWNER);
    td_end ();
}

//  A draft of `node` aligned to draft's key result kr; its id into `id`.
static void
s_aligned (const char *node, const char *draft, const char *kr, char *id)
{
    cb_value_t *content = s_content ("Leans on it", 1);
    cb_value_t *aligned = cb_value_new_map ();
    cb_value_set_str (aligned, "draft", draft);
    cb_value_set_str (aligned, "kr", kr);
    cb_value_set (content, "aligned_to", &aligned);
    cb_value_t *r = s_ok (node, "draft.new", s_with_content (s_body (NULL), content));
    snprintf (id, 16, "%s", r ? cb_value_get_str (r, "draft") : "d0");
    cb_value_destroy (&r);
}

//  How many checkin.dropped deliveries node has; the last one's body into
//  *last_p (a new value) if asked.
static int
s_drop_one (uint64_t seq, const void *data, size_t size, void *arg)
{
    (void) seq;
    cb_value_t **last = (cb_value_t **) arg;
    cb_value_t *d = cb_codec_decode (data, size, NULL, 0);
    if (d && streq (cb_value_get_str (d, "kind"), "checkin.dropped")) {
        cb_value_destroy (last);
        *last = d;
    }
    else
        cb_value_destroy (&d);
    return 0;
}

static int
s_drops (const char *node, cb_value_t **last_p)
{
    char kinds [4096];
    s_inbox_kinds (node, kinds);
    int count = 0;
    for (const char *p = kinds; (p = strstr (p, "checkin.dropped")); p++)
        count++;
    if (last_p) {
        cb_txn_t *txn = cb_store_begin (s_store, false);
        cb_inbox_read (txn, node, 1, 1000, s_drop_one, last_p);
        cb_txn_abort (&txn);
    }
    return count;
}

//  A fall of 2 or more, or below 2, on a key result other drafts align to
//  tells their owners (checkin.dropped, once per draft); a fall of 1, a
//  rise, a key result nobody aligns to, and the sender's own drafts are
//  not told. Failed before: nobody was told.
static void
test_checkin_dropped (void)
{
    td_begin ("checkins_dropped", true);
    char d [16], c1 [16], c2 [16], b1 [16], a1 [16];
    s_draft ("team-a", d);
    s_aligned ("team-c", d, "kr1", c1);
    s_aligned ("team-c", d, "kr1", c2);     //  Two drafts: told for each
    s_aligned ("team-b", d, "kr2", b1);     //  Another key result
    s_aligned ("team-a", d, "kr1", a1);     //  The sender's own
    td_finalize ("team-a", d);
    s_ok_void ("team-a", "checkin.new", s_checkin (d, "kr1", "10", 4));
    s_ok_void ("team-a", "checkin.new", s_checkin (d, "kr1", "10", 3));    //  -1
    CHECK_INT (s_drops ("team-c", NULL), 0);
    s_ok_void ("team-a", "checkin.new", s_checkin (d, "kr1", "9", 1));     //  -2, below 2
    cb_value_t *last = NULL;
    CHECK_INT (s_drops ("team-c", &last), 2);
    cb_value_t *body = cb_value_get_map (last, "body");
    CHECK_INT (s_int (body, "previous"), 3);
    CHECK_STR (cb_value_get_str (cb_value_get_map (body, "checkin"), "id"), "c3");
    CHECK_INT (s_int (cb_value_get_map (body, "checkin"), "confidence"), 1);
    CHECK_STR (cb_value_get_str (cb_value_get_map (body, "dependent"), "draft"), c2);
    cb_value_destroy (&last);
    CHECK_INT (s_drops ("team-b", NULL), 0);
    CHECK_INT (s_drops ("team-a", NULL), 0);
    s_ok_void ("team-a", "checkin.new", s_checkin (d, "kr1", "9", 0));     //  Below 2 already
    CHECK_INT (s_drops ("team-c", NULL), 2);
    s_ok_void ("team-a", "checkin.new", s_checkin (d, "kr1", "12", 5));
    s_ok_void ("team-a", "checkin.new", s_checkin (d, "kr1", "12", 3));    //  -2
    CHECK_INT (s_drops ("team-c", NULL), 4);
    //  kr2's first check-in, at 1: below 2 from nothing.
    s_ok_void ("team-b", "checkin.new", s_checkin (d, "kr1", "12", 3));    //  A lead, level
    s_ok_void ("team-a", "checkin.new", s_checkin (d, "kr2", "0", 1));
    CHECK_INT (s_drops ("team-b", &last), 1);
    CHECK (cb_value_type (cb_value_get (cb_value_get_map (last, "body"), "previous")) == CB_NIL);
    cb_value_destroy (&last);
    CHECK_INT (s_drops ("team-c", NULL), 4);
    td_end ();
}

int
main (int argc, char *argv [])
{
    td_init (argc, argv);
    test_checkin_owner_and_lead ();
    test_checkin_refused ();
    test_checkin_pages ();
    test_checkin_shared ();
    test_checkin_dropped ();
    return TEST_DONE ();
}
