/*  =========================================================================
    test_arena - every read request crossing the value arena's bound in
    its middle, in-process through cb_dispatch on a real LMDB store

    Issue 10: on a store of some 6,000 drafts, a draft.list whose filter
    matched nothing decoded every draft, crossed the arena's 8 MiB bound,
    and the value that crossed it was carved from the arena but marked as
    the heap's: free(): invalid pointer, and the broker aborted at every
    start on the same request. Here a store of a few thousand drafts, one
    with many revisions, an event with shares and asks and an open round
    is read by every read request, with the arena's bound lowered so that
    it is crossed in the middle of each (at several sizes, so different
    kinds of values cross it), and each reply must be byte for byte the
    reply made with a bound nothing reaches.
    =========================================================================
*/
#include <czmq.h>

#include "catchball/cb_codec.h"
#include "dispatch.h"
#include "store.h"
#include "testutil.h"

#define S_DRAFTS    3000
#define S_REVISIONS 40

static cb_store_t *s_store;
static int s_mid;
static const int64_t s_now = 1800000000000;

//  A string of `len` characters, made from `seed`.
static cb_value_t *
s_text (const char *seed, size_t len)
{
    char text [512];
    size_t i = 0;
    while (i < len && i < sizeof (text) - 1) {
        size_t n = strlen (seed);
        size_t take = n < len - i ? n : len - i;
        memcpy (text + i, seed, take);
        i += take;
    }
    text [i] = 0;
    return cb_value_new_str (text);
}

//  Draft content: a 200-character objective and `krs` key results.
static cb_value_t *
s_content (const char *cycle, int n, int krs)
{
    cb_value_t *content = cb_value_new_map ();
    cb_value_set_str (content, "cycle", cycle);
    char seed [64];
    snprintf (seed, sizeof (seed), "objective %d, with more words to make it long; ", n);
    cb_value_t *objective = s_text (seed, 200);
    cb_value_set (content, "objective", &objective);
    cb_value_t *list = cb_value_new_array ();
    for (int k = 0; k < krs; k++) {
        cb_value_t *kr = cb_value_new_map ();
        snprintf (seed, sizeof (seed), "key result %d of %d: ", k, n);
        cb_value_t *text = s_text (seed, 150);
        cb_value_set (kr, "text", &text);
        cb_value_t *target = cb_value_new_float (60.5 + k);
        cb_value_set (kr, "target", &target);
        cb_value_set_int (kr, "baseline", k);
        cb_value_set_str (kr, "unit", "%");
        cb_value_push (list, &kr);
    }
    cb_value_set (content, "key_results", &list);
    return content;
}

static void
s_push_str (cb_value_t *array, const char *string)
{
    cb_value_t *item = cb_value_new_str (string);
    cb_value_push (array, &item);
}

//  One request as a frame, with message id `mid` (NULL: a new one).
static void *
s_frame (const char *type, cb_value_t *body, const char *mid_or_null, size_t *size)
{
    char mid [32];
    if (mid_or_null)
        snprintf (mid, sizeof (mid), "%s", mid_or_null);
    else
        snprintf (mid, sizeof (mid), "m-%d", ++s_mid);
    cb_value_t *msg = cb_value_new_map ();
    cb_value_set_int (msg, "cb", 1);
    cb_value_set_str (msg, "type", type);
    cb_value_set_str (msg, "mid", mid);
    if (body)
        cb_value_set (msg, "body", &body);
    void *frame = cb_codec_encode (msg, size);
    cb_value_destroy (&msg);
    return frame;
}

static const char *
s_role_of (const char *node)
{
    return streq (node, "lead") ? "leadership" : streq (node, "fac") ? "facilitator"
         : streq (node, "watcher") ? "observer" : "team";
}

//  One request in `txn` (with message id `mid`, or a new one); the
//  reply's bytes in *reply (caller frees) and its error code returned.
static int
s_apply (cb_txn_t *txn, const char *node, const char *type, cb_value_t *body,
         const char *mid, void **reply, size_t *reply_size)
{
    size_t size;
    void *frame = s_frame (type, body, mid, &size);
    zhashx_t *touched = zhashx_new ();
    cb_result_t result;
    bool hello = streq (type, "hello");
    cb_dispatch_direct (txn, frame, size, hello ? NULL : node, hello ? NULL : s_role_of (node),
                        NULL, s_now, touched, &result);
    REQUIRE (!result.redo);
    int code = result.code;
    if (reply) {
        *reply = result.reply;
        *reply_size = result.size;
        result.reply = NULL;
    }
    else
    if (code)
        fprintf (stderr, "%s %s refused: %.*s\n", node, type, (int) result.size,
                 (const char *) result.reply);
    cb_result_clean (&result);
    zhashx_destroy (&touched);
    free (frame);
    return code;
}

//  The same in a transaction of its own, committed.
static int
s_call (const char *node, const char *type, cb_value_t *body)
{
    cb_txn_t *txn = cb_store_begin (s_store, true);
    REQUIRE (txn);
    int code = s_apply (txn, node, type, body, NULL, NULL, NULL);
    REQUIRE (cb_txn_commit (&txn) == CB_STORE_OK);
    return code;
}

static cb_value_t *
s_body1 (const char *key, const char *value)
{
    cb_value_t *body = cb_value_new_map ();
    cb_value_set_str (body, key, value);
    return body;
}

static cb_value_t *
s_hello (const char *node)
{
    cb_value_t *body = s_body1 ("node", node);
    cb_value_set_str (body, "role", s_role_of (node));
    return body;
}

//  The store: S_DRAFTS drafts of four teams in 2027-Q1, d1 with
//  S_REVISIONS revisions, an event with every team's draft shared, asks
//  on it, and an open round on d2.
static void
s_seed (void)
{
    const char *nodes [] = { "lead", "team-a", "team-b", "team-c", "fac", "watcher" };
    for (size_t i = 0; i < sizeof (nodes) / sizeof (nodes [0]); i++)
        CHECK_INT (s_call (nodes [i], "hello", s_hello (nodes [i])), 0);
    const char *owners [] = { "lead", "team-a", "team-b", "team-c" };
    cb_txn_t *txn = cb_store_begin (s_store, true);
    for (int n = 1; n <= S_DRAFTS; n++) {
        cb_value_t *body = cb_value_new_map ();
        cb_value_t *content = s_content ("2027-Q1", n, 1 + n % 7);
        cb_value_set (body, "content", &content);
        cb_value_set_str (body, "message", "a draft among thousands");
        CHECK_INT (s_apply (txn, owners [n % 4], "draft.new", body, NULL, NULL, NULL), 0);
        if (n % 500 == 0) {
            REQUIRE (cb_txn_commit (&txn) == CB_STORE_OK);
            txn = cb_store_begin (s_store, true);
        }
    }
    REQUIRE (cb_txn_commit (&txn) == CB_STORE_OK);
    //  d4 is lead's: many revisions of it.
    for (int r = 2; r <= S_REVISIONS; r++) {
        cb_value_t *body = s_body1 ("draft", "d4");
        //  A revision's content carries no cycle.
        cb_value_t *content = s_content ("2027-Q1", 10000 + r, 7);
        cb_value_remove (content, "cycle");
        cb_value_set (body, "content", &content);
        cb_value_set_str (body, "message", "one more revision");
        CHECK_INT (s_call ("lead", "draft.revise", body), 0);
    }
    //  An event of the cycle, the teams' drafts shared, asks between them.
    cb_value_t *body = s_body1 ("name", "Q1 marketplace");
    cb_value_set_str (body, "cycle", "2027-Q1");
    cb_value_t *who = cb_value_new_array ();
    for (int i = 0; i < 4; i++)
        s_push_str (who, owners [i]);
    cb_value_set (body, "participants", &who);
    CHECK_INT (s_call ("fac", "event.new", body), 0);
    CHECK_INT (s_call ("fac", "event.advance", s_body1 ("event", "e1")), 0);
    const char *shared [] = { "d8", "d1", "d2", "d3" };
    for (int i = 0; i < 4; i++) {
        body = s_body1 ("event", "e1");
        cb_value_set_str (body, "draft", shared [i]);
        CHECK_INT (s_call (owners [i], "event.share", body), 0);
    }
    CHECK_INT (s_call ("fac", "event.advance", s_body1 ("event", "e1")), 0);
    for (int i = 0; i < 12; i++) {
        body = s_body1 ("event", "e1");
        cb_value_set_str (body, "to", owners [(i + 1) % 4]);
        cb_value_set_str (body, "kr", "kr1");
        cb_value_t *need = s_text ("two engineers for the signup flow, and more; ", 300);
        cb_value_set (body, "need", &need);
        CHECK_INT (s_call (owners [i % 4], "ask.new", body), 0);
    }
    //  An open round on d2 (team-b's), thrown to the others.
    body = s_body1 ("draft", "d2");
    cb_value_t *to = cb_value_new_array ();
    s_push_str (to, "team-a");
    s_push_str (to, "team-c");
    cb_value_set (body, "to", &to);
    cb_value_set_str (body, "question", "Can you commit to this?");
    CHECK_INT (s_call ("team-b", "round.throw", body), 0);
}

typedef struct {
    const char *type;           //  The read request
    const char *key, *value;    //  Its one field, or NULL
    bool big;                   //  Sure to cross a 4 KiB bound
} s_read_t;

static const s_read_t s_reads [] = {
    { "draft.list",     NULL,     NULL,      true },
    //  A filter that matches nothing no longer decodes what it rejects
    //  (the filter reads the stored bytes): little is made in the arena.
    { "draft.list",     "owner",  "nobody",  false },
    { "draft.list",     "cycle",  "1999-Q1", false },
    { "draft.list",     "owner",  "team-a",  true },
    { "draft.show",     "draft",  "d4",      false },
    { "draft.history",  "draft",  "d4",      true },
    { "draft.diff",     "draft",  "d4",      false },
    { "round.show",     "round",  "r1",      false },
    { "event.show",     "event",  "e1",      true },
    { "event.list",     NULL,     NULL,      false },
    { "event.snapshot", "event",  "e1",      true },
    { "event.report",   "event",  "e1",      true },
    { "cycle.graph",    "cycle",  "2027-Q1", true },
};
#define S_READS (sizeof (s_reads) / sizeof (s_reads [0]))

//  A read, by a node of each role, in a read-only pass (its transaction
//  is aborted): the reply's bytes.
static void *
s_read (const s_read_t *read, const char *node, size_t *size)
{
    cb_value_t *body = cb_value_new_map ();
    if (read->key)
        cb_value_set_str (body, read->key, read->value);
    if (streq (read->type, "draft.diff")) {
        cb_value_set_int (body, "from", 1);
        cb_value_set_int (body, "to", S_REVISIONS);
    }
    cb_txn_t *txn = cb_store_begin (s_store, true);
    REQUIRE (txn);
    void *reply = NULL;
    //  One message id for all: replies made alike are alike to the byte.
    int code = s_apply (txn, node, read->type, body, "read", &reply, size);
    if (code)
        fprintf (stderr, "%s refused (%d): %.*s\n", read->type, code, (int) *size,
                 (const char *) reply);
    CHECK_INT (code, 0);
    cb_txn_abort (&txn);
    return reply;
}

int
main (void)
{
    zsys_init ();
    const char *base = getenv ("CB_TEST_TMP") ? getenv ("CB_TEST_TMP") : "/tmp";
    zsys_dir_create ("%s", base);
    char dir [256];
    snprintf (dir, sizeof (dir), "%s/test_arena.XXXXXX", base);
    REQUIRE (mkdtemp (dir));
    s_store = cb_store_new (dir, 256 << 20, 0);
    REQUIRE (s_store);
    s_seed ();

    //  The reference replies: a bound nothing reaches.
    void *expected [S_READS];
    size_t expected_size [S_READS];
    cb_value_arena_set_limit ((size_t) 1 << 40);
    for (size_t r = 0; r < S_READS; r++) {
        expected [r] = s_read (&s_reads [r], "watcher", &expected_size [r]);
        CHECK_INT (cb_value_arena_crossed (), 0);
    }
    //  Bounds crossed in the middle of every read, by different kinds of
    //  values; 0 is the production bound (8 MiB), which the big reads of
    //  this store may or may not reach.
    size_t limits [] = { 4096, 20000, 65536 + 24, 300000, 1 << 20, 0 };
    for (size_t l = 0; l < sizeof (limits) / sizeof (limits [0]); l++) {
        cb_value_arena_set_limit (limits [l]);
        for (size_t r = 0; r < S_READS; r++) {
            size_t size;
            void *reply = s_read (&s_reads [r], "team-c", &size);
            if (limits [l] == 4096 && s_reads [r].big)
                CHECK (cb_value_arena_crossed () > 0);
            bool same = size == expected_size [r] && memcmp (reply, expected [r], size) == 0;
            if (!same)
                fprintf (stderr, "%s %s=%s: reply differs with the bound at %zu\n",
                         s_reads [r].type, s_reads [r].key, s_reads [r].value, limits [l]);
            CHECK (same);
            free (reply);
        }
    }
    cb_value_arena_set_limit (0);
    for (size_t r = 0; r < S_READS; r++)
        free (expected [r]);
    cb_store_destroy (&s_store);
    char command [300];
    snprintf (command, sizeof (command), "rm -rf '%s'", dir);
    if (system (command) != 0)
        fprintf (stderr, "could not remove %s\n", dir);
    return TEST_DONE ();
}
