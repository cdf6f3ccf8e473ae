/*  =========================================================================
    test_paging - long reads come in pages (issue 10, PROTOCOL.md 4.1)

    A store of 20,000 drafts with 200-character objectives, a draft with
    many large revisions and a round bigger than a page, and a dozen
    events, seeded in-process through the handlers into a real LMDB store
    (cb_dispatch_direct, a thousand requests a transaction, as the broker
    batches them), then served by the real catchballd over a real socket:

    - draft.list, without and with filters, paged to the end: every draft
      exactly once, in id order, each reply under the frame limit; a
      filter that matches nothing gives one empty page, and the broker
      lives on; `limit` is kept; bad `limit` and `after` are BAD_FIELD;
    - draft.history of the big draft: every revision and round once, in
      order, each reply under the frame limit but for the round bigger
      than a page, which comes alone, whole;
    - event.list paged, with and without its cycle filter;
    - cycle.graph: its drafts, then its asks, across pages;
    - event.snapshot of an event of 10,000 drafts: pages under the frame
      limit, at most `limit` objects each, every page with the first
      page's seq; changes made between pages, then the log applied from
      that seq, give exactly what a snapshot read afterwards gives;
    - libcatchball's cb_client_request_pages reads a whole list and a
      whole snapshot, and the command line shows everything as before.
    =========================================================================
*/
#include <czmq.h>

#include "catchball/catchball.h"
#include "dispatch.h"
#include "handlers.h"
#include "store.h"
#include "testbroker.h"

#define S_DRAFTS        20000
#define S_REVISIONS     60          //  Of the big draft, d1
#define S_EVENTS        12

static char s_store [300];
static int64_t s_now = 1800000000000;
static int s_mid;
static zsock_t *s_dealer;           //  A raw connection to the broker, as "watcher"

//  --------------------------------------------------------------------------
//  Seeding, in-process

static const char *
s_role_of (const char *node)
{
    if (streq (node, "lead"))
        return "leadership";
    if (streq (node, "fac"))
        return "facilitator";
    if (streq (node, "watcher"))
        return "observer";
    return "team";
}

//  One request applied in `txn`; REQUIREs it succeeds. Returns the reply's
//  body (the caller destroys it).
static cb_value_t *
s_seed (cb_txn_t *txn, const char *node, const char *type, cb_value_t *body)
{
    char mid [32];
    snprintf (mid, sizeof (mid), "seed-%d", ++s_mid);
    cb_value_t *msg = tb_request (type, mid, body);
    size_t size;
    void *frame = cb_codec_encode (msg, &size);
    cb_value_destroy (&msg);
    zhashx_t *touched = zhashx_new ();
    cb_result_t result;
    bool hello = streq (type, "hello");
    cb_dispatch_direct (txn, frame, size, hello ? NULL : node, hello ? NULL : s_role_of (node),
                        NULL, s_now++, touched, &result);
    cb_value_t *reply = cb_codec_decode (result.reply, result.size, NULL, 0);
    if (result.code)
        fprintf (stderr, "seed %s by %s: %s\n", type, node, cb_value_get_str (reply, "message"));
    REQUIRE (result.code == 0 && !result.redo);
    cb_value_t *ok = cb_value_dup (cb_value_get (reply, "body"));
    cb_value_destroy (&reply);
    cb_result_clean (&result);
    zhashx_destroy (&touched);
    free (frame);
    return ok;
}

static void
s_seed_void (cb_txn_t *txn, const char *node, const char *type, cb_value_t *body)
{
    cb_value_t *ok = s_seed (txn, node, type, body);
    cb_value_destroy (&ok);
}

static cb_value_t *
s_map (const char *key, const char *value)
{
    cb_value_t *map = cb_value_new_map ();
    if (key)
        cb_value_set_str (map, key, value);
    return map;
}

//  Draft i's owner and cycle: a third each of team-a, team-b and team-c,
//  a quarter in 2027-Q2.
static const char *
s_owner (int i)
{
    static const char *owners [] = { "team-a", "team-b", "team-c" };
    return owners [i % 3];
}

static const char *
s_cycle (int i)
{
    return i % 4 == 0 ? "2027-Q2" : "2027-Q1";
}

//  A 200-character objective naming draft i.
static void
s_objective (char *buf, int i)
{
    int n = snprintf (buf, 201, "Objective %05d: ", i);
    for (; n < 200; n++)
        buf [n] = (char) ('a' + n % 26);
    buf [200] = 0;
}

static cb_value_t *
s_draft_body (const char *objective, const char *cycle, const char *narrative)
{
    cb_value_t *content = tb_content (objective);
    if (cycle)
        cb_value_set_str (content, "cycle", cycle);
    else
        cb_value_remove (content, "cycle");
    if (narrative)
        cb_value_set_str (content, "narrative", narrative);
    cb_value_t *body = cb_value_new_map ();
    cb_value_set (body, "content", &content);
    return body;
}

//  A string of n copies of a 4-byte character: the most bytes a text
//  of n characters can take.
static char *
s_wide (int n, char tag)
{
    char *s = malloc ((size_t) n * 4 + 2);
    s [0] = tag;                //  Tell texts apart
    for (int i = 1; i < n; i++)
        memcpy (s + 1 + (i - 1) * 4, "\xf0\x9f\x98\x80", 4);
    s [1 + (n - 1) * 4] = 0;
    return s;
}

static void
s_seed_store (void)
{
    snprintf (s_store, sizeof (s_store), "%s/store", tb_dir);
    cb_store_t *store = cb_store_new (s_store, 0, 0);
    REQUIRE (store);
    cb_txn_t *txn = cb_store_begin (store, true);
    REQUIRE (txn);
    const char *nodes [] = { "lead", "team-a", "team-b", "team-c", "fac", "watcher", NULL };
    for (int i = 0; nodes [i]; i++) {
        cb_value_t *body = s_map ("node", nodes [i]);
        cb_value_set_str (body, "role", s_role_of (nodes [i]));
        s_seed_void (txn, nodes [i], "hello", body);
    }
    //  d1: many revisions, each with a new 4,000-character narrative (a
    //  history entry of about 8 KB), and rounds: the last one with 40
    //  responses of 2,000 four-byte characters, bigger than a page.
    s_seed_void (txn, "lead", "draft.new", s_draft_body ("The big one", "2026-Q4", NULL));
    char *narrative = malloc (4001);
    for (int rev = 2; rev <= S_REVISIONS; rev++) {
        for (int i = 0; i < 4000; i++)
            narrative [i] = (char) ('a' + (i * rev) % 26);
        narrative [4000] = 0;
        cb_value_t *body = s_draft_body ("The big one", NULL, narrative);
        cb_value_set_str (body, "draft", "d1");
        s_seed_void (txn, "lead", "draft.revise", body);
    }
    free (narrative);
    for (int round = 1; round <= 3; round++) {
        cb_value_t *body = s_map ("draft", "d1");
        cb_value_t *to = cb_value_new_array ();
        cb_value_t *a = cb_value_new_str ("team-a"), *b = cb_value_new_str ("team-b");
        cb_value_push (to, &a);
        cb_value_push (to, &b);
        cb_value_set (body, "to", &to);
        s_seed_void (txn, "lead", "round.throw", body);
        char rid [16];
        snprintf (rid, sizeof (rid), "r%d", round);
        int answers = round == 3 ? 20 : 1;
        for (int who = 0; who < 2; who++)
            for (int n = 1; n <= answers; n++) {
                char *text = s_wide (2000, (char) ('A' + n));
                body = s_map ("round", rid);
                cb_value_set_str (body, "kind", "suggestion");
                cb_value_set_str (body, "text", round == 3 ? text : "Fine");
                cb_value_set_bool (body, "final", n == answers);
                s_seed_void (txn, who ? "team-b" : "team-a", "round.feedback", body);
                free (text);
            }
    }
    //  The 20,000 drafts, d2 to d20001: draft i is d(i + 2).
    for (int i = 0; i < S_DRAFTS; i++) {
        char objective [201];
        s_objective (objective, i);
        s_seed_void (txn, s_owner (i), "draft.new", s_draft_body (objective, s_cycle (i), NULL));
        if (i % 1000 == 999) {
            REQUIRE (cb_txn_commit (&txn) == CB_STORE_OK);
            txn = cb_store_begin (store, true);
            REQUIRE (txn);
        }
    }
    //  Events; e1 (2027-Q1, team-a and team-b) gets shares, asks, and an
    //  open round on one of its drafts (d3: draft 1, team-b's).
    for (int e = 1; e <= S_EVENTS; e++) {
        char name [32];
        snprintf (name, sizeof (name), "Event %d", e);
        cb_value_t *body = s_map ("name", name);
        cb_value_set_str (body, "cycle", e % 2 ? "2027-Q1" : "2027-Q2");
        cb_value_t *who = cb_value_new_array ();
        cb_value_t *a = cb_value_new_str ("team-a"), *b = cb_value_new_str ("team-b");
        cb_value_push (who, &a);
        cb_value_push (who, &b);
        cb_value_set (body, "participants", &who);
        s_seed_void (txn, "fac", "event.new", body);
    }
    s_seed_void (txn, "fac", "event.advance", s_map ("event", "e1"));
    cb_value_t *body = s_map ("event", "e1");
    cb_value_set_str (body, "draft", "d3");             //  draft 1: team-b, 2027-Q1
    s_seed_void (txn, "team-b", "event.share", body);
    body = s_map ("event", "e1");
    cb_value_set_str (body, "draft", "d5");             //  draft 3: team-a, 2027-Q1
    s_seed_void (txn, "team-a", "event.share", body);
    s_seed_void (txn, "fac", "event.advance", s_map ("event", "e1"));
    for (int n = 0; n < 3; n++) {
        body = s_map ("event", "e1");
        cb_value_set_str (body, "to", "team-b");
        cb_value_set_str (body, "kr", "kr1");
        cb_value_set_str (body, "need", "Help");
        s_seed_void (txn, "team-a", "ask.new", body);
    }
    body = s_map ("draft", "d3");
    cb_value_t *to = cb_value_new_array ();
    cb_value_t *a = cb_value_new_str ("team-a");
    cb_value_push (to, &a);
    cb_value_set (body, "to", &to);
    s_seed_void (txn, "team-b", "round.throw", body);
    //  e13, in 2026-Q4 with d1 and team-c's d20002 shared, and five asks
    //  (a4 to a8): a graph of two drafts and five asks.
    s_seed_void (txn, "team-c", "draft.new", s_draft_body ("Small cycle", "2026-Q4", NULL));
    body = s_map ("name", "Small");
    cb_value_set_str (body, "cycle", "2026-Q4");
    cb_value_t *who = cb_value_new_array ();
    cb_value_t *l = cb_value_new_str ("lead"), *c = cb_value_new_str ("team-c");
    cb_value_push (who, &l);
    cb_value_push (who, &c);
    cb_value_set (body, "participants", &who);
    s_seed_void (txn, "fac", "event.new", body);
    s_seed_void (txn, "fac", "event.advance", s_map ("event", "e13"));
    body = s_map ("event", "e13");
    cb_value_set_str (body, "draft", "d1");
    s_seed_void (txn, "lead", "event.share", body);
    body = s_map ("event", "e13");
    cb_value_set_str (body, "draft", "d20002");
    s_seed_void (txn, "team-c", "event.share", body);
    s_seed_void (txn, "fac", "event.advance", s_map ("event", "e13"));
    for (int n = 0; n < 5; n++) {
        body = s_map ("event", "e13");
        cb_value_set_str (body, "to", "lead");
        cb_value_set_str (body, "kr", "kr1");
        cb_value_set_str (body, "need", "Help");
        s_seed_void (txn, "team-c", "ask.new", body);
    }
    REQUIRE (cb_txn_commit (&txn) == CB_STORE_OK);
    cb_store_destroy (&store);
}

//  --------------------------------------------------------------------------
//  Reading, over the wire

//  One request on the raw connection: the reply, and its frame's size.
static cb_value_t *
s_call_sized (const char *type, cb_value_t *body, size_t *size_p)
{
    char mid [32];
    snprintf (mid, sizeof (mid), "w-%d", ++s_mid);
    cb_value_t *msg = tb_request (type, mid, body);
    size_t size;
    void *data = cb_codec_encode (msg, &size);
    cb_value_destroy (&msg);
    REQUIRE (zsock_send (s_dealer, "b", data, size) == 0);
    free (data);
    //  Replies only: the watcher has no inbox, and log entries (after a
    //  log.subscribe) are read elsewhere.
    zpoller_t *poller = zpoller_new (s_dealer, NULL);
    cb_value_t *reply = NULL;
    while (!reply && zpoller_wait (poller, 20000)) {
        zframe_t *frame = zframe_recv (s_dealer);
        cb_value_t *got = cb_codec_decode (zframe_data (frame), zframe_size (frame), NULL, 0);
        if (got && streq (cb_value_get_str_or (got, "mid", ""), mid)) {
            reply = got;
            *size_p = zframe_size (frame);
        }
        else
            cb_value_destroy (&got);
        zframe_destroy (&frame);
    }
    zpoller_destroy (&poller);
    REQUIRE (reply);
    return reply;
}

static int64_t
s_error_code (const char *type, cb_value_t *body)
{
    size_t size;
    cb_value_t *reply = s_call_sized (type, body, &size);
    int64_t code = 0;
    if (streq (cb_value_get_str (reply, "type"), "error"))
        cb_value_get_int (reply, "code", &code);
    cb_value_destroy (&reply);
    return code;
}

//  A list of strings it owns copies of.
static zlistx_t *
s_strings (void)
{
    zlistx_t *list = zlistx_new ();
    zlistx_set_duplicator (list, (zlistx_duplicator_fn *) strdup);
    zlistx_set_destructor (list, (zlistx_destructor_fn *) zstr_free);
    return list;
}

typedef struct {
    int pages;                  //  Pages read
    int empty;                  //  Of which with no items
    size_t biggest;             //  The biggest reply, in bytes
    int over;                   //  Replies over CB_MAX_FRAME with more than one item
    bool failed;                //  An error reply, or no next field
} s_read_t;

//  Reads every page of a paged request (body: its fields, copied for each
//  page), appending the items of `field` (an array, or for a map its
//  entries' keys, as strings) to `items`. `limit`, if not 0, is sent and
//  checked. Returns the body of the first page (the caller destroys it).
static cb_value_t *
s_read_all (const char *type, const cb_value_t *fields, const char *field, int64_t limit,
            zlistx_t *items, s_read_t *r)
{
    memset (r, 0, sizeof (*r));
    cb_value_t *first = NULL;
    char *after = NULL;
    while (r->pages < 100000) {
        cb_value_t *body = cb_value_dup (fields);
        if (limit)
            cb_value_set_int (body, "limit", limit);
        if (after)
            cb_value_set_str (body, "after", after);
        size_t size;
        cb_value_t *reply = s_call_sized (type, body, &size);
        cb_value_t *page = cb_value_get_map (reply, "body");
        if (!streq (cb_value_get_str (reply, "type"), "ok") || !cb_value_get (page, "next")) {
            fprintf (stderr, "%s: %s\n", type, cb_value_get_str_or (reply, "message", "no next"));
            r->failed = true;
            cb_value_destroy (&reply);
            break;
        }
        r->pages++;
        cb_value_t *list = cb_value_get (page, field);
        size_t count = cb_value_size (list);
        for (size_t i = 0; i < count; i++)
            zlistx_add_end (items, cb_value_type (list) == CB_MAP
                                   ? (void *) cb_value_key_at (list, i)
                                   : (void *) cb_value_get_str_or (cb_value_at (list, i), "id",
                                     cb_value_get_str_or (cb_value_at (list, i), "rev", "?")));
        if (size > r->biggest)
            r->biggest = size;
        if (size > CB_MAX_FRAME && count > 1)
            r->over++;
        if (count == 0)
            r->empty++;
        if (limit && count > (size_t) limit)
            r->over++;
        free (after);
        after = cb_value_get_str (page, "next") ? strdup (cb_value_get_str (page, "next")) : NULL;
        if (!first)
            first = cb_value_dup (page);
        cb_value_destroy (&reply);
        if (!after)
            break;
    }
    free (after);
    return first ? first : cb_value_new_map ();
}

//  "d12" for draft i.
static void
s_draft_id (char *buf, int i)
{
    snprintf (buf, 16, "d%d", i + 2);
}

//  Checks that `items` are exactly the drafts i for which want(i) holds,
//  in order, each once.
static void
s_check_drafts (zlistx_t *items, bool (*want) (int))
{
    const char *item = (const char *) zlistx_first (items);
    int wrong = 0, expected = 0;
    char id [16];
    for (int i = 0; i < S_DRAFTS; i++) {
        if (!want (i))
            continue;
        expected++;
        s_draft_id (id, i);
        if (!item || !streq (item, id))
            wrong++;
        item = (const char *) zlistx_next (items);
    }
    CHECK_INT (zlistx_size (items), expected);
    CHECK_INT (wrong, 0);
}

static bool s_all (int i) { (void) i; return true; }
static bool s_team_a (int i) { return streq (s_owner (i), "team-a"); }
static bool s_q1 (int i) { return streq (s_cycle (i), "2027-Q1"); }
static bool s_b_in_q2 (int i) { return streq (s_owner (i), "team-b") && streq (s_cycle (i), "2027-Q2"); }

static void
test_draft_list (void)
{
    zlistx_t *items = s_strings ();
    s_read_t r;
    //  Every draft, the big one first.
    cb_value_t *all = cb_value_new_map ();
    cb_value_t *first = s_read_all ("draft.list", all, "drafts", 0, items, &r);
    CHECK (!r.failed);
    printf ("  draft.list: %d pages, the biggest reply %zu bytes\n", r.pages, r.biggest);
    CHECK (r.pages > 1);
    CHECK (r.biggest <= CB_MAX_FRAME);
    CHECK_INT (r.over, 0);
    CHECK_STR ((const char *) zlistx_first (items), "d1");
    zlistx_delete (items, zlistx_cursor (items));
    CHECK_STR ((const char *) zlistx_last (items), "d20002");
    zlistx_delete (items, zlistx_cursor (items));
    s_check_drafts (items, s_all);
    //  A request without limit and after gets the first page as before,
    //  and a next.
    CHECK (cb_value_size (cb_value_get (first, "drafts")) > 100);
    CHECK (cb_value_get_str (first, "next") != NULL);
    cb_value_destroy (&first);

    //  Filtered.
    zlistx_purge (items);
    cb_value_t *body = s_map ("owner", "team-a");
    first = s_read_all ("draft.list", body, "drafts", 0, items, &r);
    CHECK (!r.failed);
    CHECK (r.biggest <= CB_MAX_FRAME);
    s_check_drafts (items, s_team_a);
    cb_value_destroy (&first);
    cb_value_destroy (&body);

    zlistx_purge (items);
    body = s_map ("owner", "team-b");
    cb_value_set_str (body, "cycle", "2027-Q2");
    first = s_read_all ("draft.list", body, "drafts", 97, items, &r);
    CHECK (!r.failed);
    CHECK_INT (r.over, 0);
    //  A limit is a limit: every page but the last one is full.
    CHECK_INT (r.pages, (1667 + 96) / 97);
    s_check_drafts (items, s_b_in_q2);
    cb_value_destroy (&first);
    cb_value_destroy (&body);

    //  Filters that match nothing: empty pages, each after 10,000 drafts
    //  looked at (CB_PAGE_SCAN), then the end; the broker serves on.
    const char *nothing [][2] = { { "owner", "nobody" }, { "cycle", "1999-Q1" } };
    for (int i = 0; i < 2; i++) {
        zlistx_purge (items);
        body = s_map (nothing [i][0], nothing [i][1]);
        first = s_read_all ("draft.list", body, "drafts", 0, items, &r);
        CHECK (!r.failed);
        CHECK_INT (r.pages, (S_DRAFTS + 1 + CB_PAGE_SCAN - 1) / CB_PAGE_SCAN);
        CHECK_INT (r.empty, r.pages);
        CHECK_INT (zlistx_size (items), 0);
        CHECK_STR (cb_value_get_str (first, "next"), "d10000");
        cb_value_destroy (&first);
        cb_value_destroy (&body);
    }
    CHECK (tb_alive ());
    CHECK_INT (s_error_code ("ping", NULL), 0);

    //  Bad limits and cursors.
    int64_t bad_limits [] = { 0, -1, 1001 };
    for (int i = 0; i < 3; i++) {
        body = cb_value_new_map ();
        cb_value_set_int (body, "limit", bad_limits [i]);
        CHECK_INT (s_error_code ("draft.list", body), CB_E_BAD_FIELD);
    }
    const char *bad_cursors [] = { "", "d0", "x", "e5", "d12x", NULL };
    for (int i = 0; bad_cursors [i]; i++)
        CHECK_INT (s_error_code ("draft.list", s_map ("after", bad_cursors [i])), CB_E_BAD_FIELD);
    //  A cursor past the end: an empty last page.
    zlistx_purge (items);
    body = s_map ("after", "d4294967295");
    first = s_read_all ("draft.list", body, "drafts", 0, items, &r);
    CHECK (!r.failed && r.pages == 1 && zlistx_size (items) == 0);
    cb_value_destroy (&first);
    cb_value_destroy (&body);
    cb_value_destroy (&all);
    zlistx_destroy (&items);
}

static void
test_history (void)
{
    //  Every revision once, in order, then every round once.
    zlistx_t *revisions = zlistx_new (), *rounds = zlistx_new ();
    int pages = 0, alone = 0;
    size_t biggest = 0;
    char *after = NULL;
    while (pages < 1000) {
        cb_value_t *body = s_map ("draft", "d1");
        if (after)
            cb_value_set_str (body, "after", after);
        size_t size;
        cb_value_t *reply = s_call_sized ("draft.history", body, &size);
        cb_value_t *page = cb_value_get_map (reply, "body");
        REQUIRE (streq (cb_value_get_str (reply, "type"), "ok"));
        pages++;
        cb_value_t *revs = cb_value_get (page, "revisions");
        cb_value_t *rnds = cb_value_get (page, "rounds");
        CHECK_STR (cb_value_get_str (cb_value_get_map (page, "draft"), "id"), "d1");
        for (size_t i = 0; i < cb_value_size (revs); i++)
            zlistx_add_end (revisions, (void *) (intptr_t) cb_value_get_int_or (cb_value_at (revs, i), "rev", 0));
        for (size_t i = 0; i < cb_value_size (rnds); i++) {
            cb_value_t *round = cb_value_at (rnds, i);
            zlistx_add_end (rounds, (void *) (intptr_t) cb_id_parse (cb_value_get_str (round, "id"), 'r'));
            //  A round comes whole.
            CHECK_INT (cb_value_size (cb_value_get (round, "responses")),
                       streq (cb_value_get_str (round, "id"), "r3") ? 40 : 2);
        }
        size_t items = cb_value_size (revs) + cb_value_size (rnds);
        if (size > CB_MAX_FRAME) {
            //  Only an item bigger than a page on its own, alone.
            CHECK_INT (items, 1);
            alone++;
        }
        if (size > biggest)
            biggest = size;
        free (after);
        after = cb_value_get_str (page, "next") ? strdup (cb_value_get_str (page, "next")) : NULL;
        cb_value_destroy (&reply);
        if (!after)
            break;
    }
    printf ("  draft.history: %d pages, the biggest reply %zu bytes\n", pages, biggest);
    CHECK (pages > 2);
    CHECK_INT (alone, 1);           //  r3, 320 KB
    CHECK_INT (zlistx_size (revisions), S_REVISIONS);
    intptr_t expected = 1;
    for (void *rev = zlistx_first (revisions); rev; rev = zlistx_next (revisions))
        CHECK_INT ((intptr_t) rev, expected++);
    CHECK_INT (zlistx_size (rounds), 3);
    expected = 1;
    for (void *round = zlistx_first (rounds); round; round = zlistx_next (rounds))
        CHECK_INT ((intptr_t) round, expected++);
    free (after);

    //  One item a page.
    zlistx_t *items = s_strings ();
    s_read_t r;
    cb_value_t *body = s_map ("draft", "d1");
    cb_value_t *first = s_read_all ("draft.history", body, "revisions", 1, items, &r);
    CHECK (!r.failed);
    CHECK_INT (r.pages, S_REVISIONS + 3);
    CHECK_INT (zlistx_size (items), S_REVISIONS);
    CHECK_INT (r.over, 0);
    CHECK (r.biggest > CB_MAX_FRAME);   //  r3 again, alone
    cb_value_destroy (&first);
    cb_value_destroy (&body);
    zlistx_destroy (&items);
    //  A short history is whole in one page, as before paging.
    body = s_map ("draft", "d2");
    size_t size;
    cb_value_t *reply = s_call_sized ("draft.history", body, &size);
    cb_value_t *page = cb_value_get_map (reply, "body");
    CHECK_INT (cb_value_size (cb_value_get (page, "revisions")), 1);
    CHECK (cb_value_type (cb_value_get (page, "next")) == CB_NIL);
    cb_value_destroy (&reply);
    const char *bad [] = { "rev.", "rev.x", "round.-1", "rev.01", "d1", NULL };
    for (int i = 0; bad [i]; i++) {
        body = s_map ("draft", "d1");
        cb_value_set_str (body, "after", bad [i]);
        CHECK_INT (s_error_code ("draft.history", body), CB_E_BAD_FIELD);
    }
    zlistx_destroy (&revisions);
    zlistx_destroy (&rounds);
}

static void
test_event_list (void)
{
    zlistx_t *items = s_strings ();
    s_read_t r;
    cb_value_t *all = cb_value_new_map ();
    cb_value_t *first = s_read_all ("event.list", all, "events", 5, items, &r);
    CHECK (!r.failed);
    CHECK_INT (r.pages, 3);
    CHECK_INT (zlistx_size (items), S_EVENTS + 1);
    int expected = 1;
    for (const char *id = zlistx_first (items); id; id = zlistx_next (items)) {
        char want [16];
        snprintf (want, sizeof (want), "e%d", expected++);
        CHECK_STR (id, want);
    }
    cb_value_destroy (&first);
    zlistx_purge (items);
    cb_value_t *body = s_map ("cycle", "2027-Q2");
    first = s_read_all ("event.list", body, "events", 4, items, &r);
    CHECK (!r.failed);
    CHECK_INT (r.pages, 2);
    CHECK_INT (zlistx_size (items), S_EVENTS / 2);
    CHECK_STR ((const char *) zlistx_first (items), "e2");
    cb_value_destroy (&first);
    cb_value_destroy (&body);
    CHECK_INT (s_error_code ("event.list", s_map ("after", "d1")), CB_E_BAD_FIELD);
    cb_value_destroy (&all);
    zlistx_destroy (&items);
}

//  --------------------------------------------------------------------------
//  The snapshot, and the log after it

//  Reads the snapshot of e1 from `after` (NULL: from its start) to its end
//  into `objects`; checks every page's seq against *seq (set by the first
//  page when 0). Returns the pages read.
static int
s_snapshot (const char *after_in, int64_t limit, cb_value_t *objects, int64_t *seq,
            size_t *biggest, int *over, char *first_next)
{
    char *after = after_in ? strdup (after_in) : NULL;
    int pages = 0;
    do {
        cb_value_t *body = s_map ("event", "e1");
        if (limit)
            cb_value_set_int (body, "limit", limit);
        if (after)
            cb_value_set_str (body, "after", after);
        size_t size;
        cb_value_t *reply = s_call_sized ("event.snapshot", body, &size);
        cb_value_t *page = cb_value_get_map (reply, "body");
        REQUIRE (streq (cb_value_get_str (reply, "type"), "ok"));
        pages++;
        if (*seq == 0)
            *seq = cb_value_get_int_or (page, "seq", -1);
        CHECK_INT (cb_value_get_int_or (page, "seq", -1), *seq);
        cb_value_t *page_objects = cb_value_get_map (page, "objects");
        if (cb_value_size (page_objects) > (size_t) (limit ? limit : 200))
            (*over)++;
        if (size > *biggest)
            *biggest = size;
        for (size_t i = 0; i < cb_value_size (page_objects); i++) {
            //  An item is in one page only.
            CHECK (!cb_value_get (objects, cb_value_key_at (page_objects, i)));
            cb_value_t *copy = cb_value_dup (cb_value_val_at (page_objects, i));
            cb_value_set (objects, cb_value_key_at (page_objects, i), &copy);
        }
        free (after);
        after = cb_value_get_str (page, "next") ? strdup (cb_value_get_str (page, "next")) : NULL;
        cb_value_destroy (&reply);
        //  One page only, when asked for its next.
        if (first_next) {
            snprintf (first_next, 64, "%s", after ? after : "");
            break;
        }
    } while (after);
    free (after);
    return pages;
}

//  A change, as a node, through the broker (a client of its own).
static void
s_change (const char *node, const char *type, cb_value_t *body)
{
    cb_client_t *client = cb_client_new (tb_endpoint, node, NULL, NULL);
    cb_value_t *reply = cb_client_request (client, type, &body, 10000);
    if (!reply)
        fprintf (stderr, "%s: %s\n", type, cb_client_error_message (client));
    CHECK (reply);
    cb_value_destroy (&reply);
    cb_client_destroy (&client);
}

static void
test_snapshot (void)
{
    //  Expected: the event, 3 asks, team-a's and team-b's 2027-Q1 drafts,
    //  and the round open on d3.
    int drafts = 0;
    for (int i = 0; i < S_DRAFTS; i++)
        if (!streq (s_owner (i), "team-c") && streq (s_cycle (i), "2027-Q1"))
            drafts++;

    //  The first page, two objects (the event and an ask), then changes:
    //  a draft of a page to come revised, a new draft, an ask answered.
    cb_value_t *objects = cb_value_new_map ();
    int64_t seq = 0;
    size_t biggest = 0;
    int over = 0;
    char next [64];
    s_snapshot (NULL, 2, objects, &seq, &biggest, &over, next);
    CHECK (seq > 0);
    CHECK_INT (cb_value_size (objects), 2);
    CHECK (cb_value_get (objects, "event/e1") && cb_value_get (objects, "ask/a1"));

    cb_value_t *body = s_draft_body ("Revised while paging", NULL, NULL);
    cb_value_set_str (body, "draft", "d9");            //  draft 7: team-b, 2027-Q1
    s_change ("team-b", "draft.revise", body);
    s_change ("team-a", "draft.new", s_draft_body ("Made while paging", "2027-Q1", NULL));
    body = s_map ("ask", "a1");
    cb_value_set_str (body, "reason", "No time");
    s_change ("team-b", "ask.decline", body);

    //  The rest, in pages of the default limit, from the first page's next.
    int pages = s_snapshot (next, 0, objects, &seq, &biggest, &over, NULL);
    printf ("  event.snapshot: %d pages, %zu objects, the biggest reply %zu bytes\n",
            pages + 1, cb_value_size (objects), biggest);
    CHECK (pages > 10);
    CHECK (biggest <= CB_MAX_FRAME);
    CHECK_INT (over, 0);
    CHECK_INT (cb_value_size (objects), 1 + 3 + drafts + 1 + 1);
    CHECK (cb_value_get (objects, "round/r4"));
    CHECK (cb_value_get (objects, "draft/d20003"));
    //  a1 was read before it was declined.
    CHECK_STR (cb_value_get_str (cb_value_get (objects, "ask/a1"), "state"), "open");

    //  The log from seq + 1, applied.
    cb_value_t *sub = cb_value_new_map ();
    cb_value_set_int (sub, "from", seq + 1);
    size_t size;
    cb_value_t *reply = s_call_sized ("log.subscribe", sub, &size);
    int64_t last = cb_value_get_int_or (cb_value_get_map (reply, "body"), "last", -1);
    cb_value_destroy (&reply);
    CHECK_INT (last, seq + 3);
    int64_t applied = seq;
    zpoller_t *poller = zpoller_new (s_dealer, NULL);
    while (applied < last && zpoller_wait (poller, 10000)) {
        zframe_t *frame = zframe_recv (s_dealer);
        cb_value_t *entry = cb_codec_decode (zframe_data (frame), zframe_size (frame), NULL, 0);
        zframe_destroy (&frame);
        if (streq (cb_value_get_str_or (entry, "type", ""), "log")) {
            CHECK_INT (cb_value_get_int_or (entry, "seq", -1), applied + 1);
            applied = cb_value_get_int_or (entry, "seq", -1);
            cb_value_t *changed = cb_value_get_map (entry, "objects");
            for (size_t i = 0; i < cb_value_size (changed); i++) {
                const char *key = cb_value_key_at (changed, i);
                //  Only what the snapshot holds: the event's own objects.
                if (!cb_value_get (objects, key) && strncmp (key, "draft/", 6))
                    continue;
                cb_value_t *copy = cb_value_dup (cb_value_val_at (changed, i));
                cb_value_set (objects, key, &copy);
            }
        }
        cb_value_destroy (&entry);
    }
    zpoller_destroy (&poller);
    CHECK_INT (applied, last);
    reply = s_call_sized ("log.unsubscribe", NULL, &size);
    cb_value_destroy (&reply);
    CHECK_STR (cb_value_get_str (cb_value_get (objects, "ask/a1"), "state"), "declined");
    CHECK_STR (cb_value_get_str (cb_value_get (objects, "draft/d9"), "objective"),
               "Revised while paging");

    //  Exactly what a snapshot read now gives.
    cb_value_t *now = cb_value_new_map ();
    int64_t seq_now = 0;
    s_snapshot (NULL, 0, now, &seq_now, &biggest, &over, NULL);
    CHECK_INT (seq_now, last);
    CHECK_INT (cb_value_size (now), cb_value_size (objects));
    int differ = 0;
    for (size_t i = 0; i < cb_value_size (now); i++)
        if (!cb_value_equal (cb_value_val_at (now, i),
                             cb_value_get (objects, cb_value_key_at (now, i))))
            differ++;
    CHECK_INT (differ, 0);

    //  A cursor from the future, or of another shape: BAD_FIELD.
    const char *bad [] = { "999999999.a.0", "1.x.0", "1.a", "a.1", NULL };
    for (int i = 0; bad [i]; i++) {
        body = s_map ("event", "e1");
        cb_value_set_str (body, "after", bad [i]);
        CHECK_INT (s_error_code ("event.snapshot", body), CB_E_BAD_FIELD);
    }
    body = s_map ("event", "e1");
    cb_value_set_int (body, "limit", 201);
    CHECK_INT (s_error_code ("event.snapshot", body), CB_E_BAD_FIELD);
    cb_value_destroy (&now);
    cb_value_destroy (&objects);
}

static void
test_graph (void)
{
    //  2027-Q1: 15,000 drafts with content, then e1's asks.
    zlistx_t *drafts = s_strings (), *asks = s_strings ();
    s_read_t r;
    cb_value_t *body = s_map ("cycle", "2027-Q1");
    cb_value_t *first = s_read_all ("cycle.graph", body, "drafts", 0, drafts, &r);
    CHECK (!r.failed);
    printf ("  cycle.graph: %d pages, the biggest reply %zu bytes\n", r.pages, r.biggest);
    CHECK (r.pages > 10);
    CHECK (r.biggest <= CB_MAX_FRAME);
    CHECK_STR ((const char *) zlistx_last (drafts), "d20003");
    zlistx_delete (drafts, zlistx_cursor (drafts));
    s_check_drafts (drafts, s_q1);
    CHECK (cb_value_get_map (cb_value_at (cb_value_get (first, "drafts"), 0), "content"));
    cb_value_destroy (&first);
    first = s_read_all ("cycle.graph", body, "asks", 0, asks, &r);
    CHECK_INT (zlistx_size (asks), 3);
    CHECK_STR ((const char *) zlistx_first (asks), "a1");
    cb_value_destroy (&first);
    cb_value_destroy (&body);

    //  2026-Q4 in pages of two: d1 and d20002, then a4 to a8.
    zlistx_purge (drafts);
    zlistx_purge (asks);
    body = s_map ("cycle", "2026-Q4");
    zlistx_t *pages = s_strings ();
    char *after = NULL;
    do {
        cb_value_t *page = cb_value_dup (body);
        cb_value_set_int (page, "limit", 2);
        if (after)
            cb_value_set_str (page, "after", after);
        size_t size;
        cb_value_t *reply = s_call_sized ("cycle.graph", page, &size);
        cb_value_t *got = cb_value_get_map (reply, "body");
        char line [128] = "";
        cb_value_t *lists [2] = { cb_value_get (got, "drafts"), cb_value_get (got, "asks") };
        for (int k = 0; k < 2; k++)
            for (size_t i = 0; i < cb_value_size (lists [k]); i++)
                snprintf (line + strlen (line), sizeof (line) - strlen (line), "%s ",
                          cb_value_get_str_or (cb_value_at (lists [k], i), "id", "?"));
        zlistx_add_end (pages, line);
        free (after);
        after = cb_value_get_str (got, "next") ? strdup (cb_value_get_str (got, "next")) : NULL;
        cb_value_destroy (&reply);
    } while (after && zlistx_size (pages) < 10);
    free (after);
    //  A page looks at 10,000 drafts at most: the second is empty.
    const char *want [] = { "d1 ", "", "d20002 a4 ", "a5 a6 ", "a7 a8 ", NULL };
    CHECK_INT (zlistx_size (pages), 5);
    const char *page = (const char *) zlistx_first (pages);
    for (int i = 0; want [i] && page; i++, page = (const char *) zlistx_next (pages))
        CHECK_STR (page, want [i]);
    //  One event's asks only.
    cb_value_set_str (body, "event", "e1");
    cb_value_set_str (body, "cycle", "2027-Q1");
    first = s_read_all ("cycle.graph", body, "asks", 0, asks, &r);
    CHECK_INT (zlistx_size (asks), 3);
    cb_value_destroy (&first);
    cb_value_destroy (&body);
    const char *bad [] = { "d.", "a.1", "a.1.", "x.1", "d.1.2", NULL };
    for (int i = 0; bad [i]; i++) {
        body = s_map ("cycle", "2026-Q4");
        cb_value_set_str (body, "after", bad [i]);
        CHECK_INT (s_error_code ("cycle.graph", body), CB_E_BAD_FIELD);
    }
    zlistx_destroy (&pages);
    zlistx_destroy (&drafts);
    zlistx_destroy (&asks);
}

//  libcatchball reads a paged list to its end.
static void
test_library (void)
{
    cb_client_t *client = cb_client_new (tb_endpoint, "watcher", NULL, NULL);
    cb_value_t *body = s_map ("owner", "team-a");
    cb_value_t *whole = cb_client_request_pages (client, "draft.list", &body, 10000);
    REQUIRE (whole);
    int expected = 1;              //  d20003, made while paging the snapshot
    for (int i = 0; i < S_DRAFTS; i++)
        expected += s_team_a (i);
    CHECK_INT (cb_value_size (cb_value_get (whole, "drafts")), expected);
    CHECK (!cb_value_get (whole, "next"));
    cb_value_destroy (&whole);
    //  A snapshot's pages merged: every object, and the first page's seq.
    body = s_map ("event", "e1");
    whole = cb_client_request_pages (client, "event.snapshot", &body, 10000);
    REQUIRE (whole);
    int drafts = 1;                //  d20003
    for (int i = 0; i < S_DRAFTS; i++)
        if (!streq (s_owner (i), "team-c") && streq (s_cycle (i), "2027-Q1"))
            drafts++;
    CHECK_INT (cb_value_size (cb_value_get_map (whole, "objects")), 1 + 3 + drafts + 1);
    CHECK (cb_value_get_int_or (whole, "seq", 0) > 0);
    cb_value_destroy (&whole);
    cb_client_destroy (&client);
}

//  The command line shows everything, as before paging: it follows next.
//  Counts the lines of `catchball ARGS` (as watcher) that start with
//  `prefix`, after any indent; -1 if it fails.
static int
s_cli_lines (const char *args, const char *prefix)
{
    const char *cli = getenv ("CATCHBALL_CLI");
    REQUIRE (cli);
    char command [1024];
    snprintf (command, sizeof (command), "'%s' -e '%s' -n watcher -t 20000 %s", cli,
              tb_endpoint, args);
    FILE *out = popen (command, "r");
    REQUIRE (out);
    char line [4096];
    int count = 0;
    while (fgets (line, sizeof (line), out)) {
        const char *start = line + strspn (line, " ");
        if (strncmp (start, prefix, strlen (prefix)) == 0)
            count++;
    }
    return pclose (out) == 0 ? count : -1;
}

static void
test_cli (void)
{
    int team_a = 1;                 //  d20003, made while paging the snapshot
    for (int i = 0; i < S_DRAFTS; i++)
        team_a += s_team_a (i);
    CHECK_INT (s_cli_lines ("draft list --owner team-a", "d"), team_a);
    CHECK_INT (s_cli_lines ("draft list", "d"), S_DRAFTS + 3);
    CHECK_INT (s_cli_lines ("event list --cycle 2027-Q1", "e"), S_EVENTS / 2);
    //  Every revision and round of d1, over four pages.
    CHECK_INT (s_cli_lines ("history d1", "revision "), S_REVISIONS);
    CHECK_INT (s_cli_lines ("history d1", "round r"), 3);
    //  One node statement a draft in the graph of 2027-Q2.
    CHECK_INT (s_cli_lines ("graph --cycle 2027-Q2", "\"d"), S_DRAFTS / 4);
}

int
main (void)
{
    tb_init ("test_paging", false);
    int64_t start = zclock_mono ();
    s_seed_store ();
    printf ("  seeded %d drafts in %lld ms\n", S_DRAFTS + 1, (long long) (zclock_mono () - start));
    tb_start (s_store, NULL, NULL);
    s_dealer = zsock_new_dealer (tb_endpoint);
    REQUIRE (s_dealer);
    cb_value_t *hello = s_map ("node", "watcher");
    size_t size;
    cb_value_t *reply = s_call_sized ("hello", hello, &size);
    REQUIRE (streq (cb_value_get_str (reply, "type"), "ok"));
    cb_value_destroy (&reply);

    test_draft_list ();
    test_history ();
    test_event_list ();
    test_snapshot ();
    test_graph ();
    test_library ();
    test_cli ();

    zsock_destroy (&s_dealer);
    CHECK_INT (tb_stop (), 0);
    return tb_done (TEST_DONE ());
}
