/*  =========================================================================
    testdispatch - requests through cb_dispatch on a real LMDB store, in
    process (no sockets), for the handler tests (test_rounds, test_asks,
    test_events)

    Every test gets a store of its own (td_begin / td_end) on which the
    cast has said hello: lead and boss (leadership), team-a, team-b and
    team-c (team), watcher (observer) and fac (facilitator). A request is
    one frame applied in its own write transaction and committed; s_ok
    gives the reply's body, s_err the error code. With --direct every
    request is written straight into its transaction, as the broker's fast
    path does, and a refused request that wrote anything fails the test.
    =========================================================================
*/
#ifndef CB_TESTDISPATCH_H_INCLUDED
#define CB_TESTDISPATCH_H_INCLUDED

#include <czmq.h>

#include "catchball/cb_codec.h"
#include "dispatch.h"
#include "handlers.h"
#include "inbox.h"
#include "store.h"
#include "testutil.h"

static cb_store_t *s_store;
static char s_dir [256];
static int s_mid;
static int64_t s_now = 1800000000000;
//  --direct: every request written straight into its transaction, as the
//  broker's fast path does (cb_dispatch_direct). Each refused request
//  must then have written nothing, or the broker would have to redo its
//  whole batch; this run checks that for every handler exercised here.
static bool s_direct;

//  One frame through dispatch, nested or direct. Direct, a refused request
//  that wrote anyway fails the check, and is then applied again nested in
//  a new transaction, as the broker would.
static inline void
s_apply (cb_txn_t **txn_p, const void *frame, size_t size, const char *node,
         const char *role, zhashx_t *touched, cb_result_t *result)
{
    if (!s_direct) {
        cb_dispatch (*txn_p, frame, size, node, role, NULL, s_now, touched, result);
        return;
    }
    uint64_t before = cb_txn_writes (*txn_p);
    cb_dispatch_direct (*txn_p, frame, size, node, role, NULL, s_now, touched, result);
    CHECK (!result->redo);
    CHECK (result->code == 0 || cb_txn_writes (*txn_p) == before);
    if (result->redo) {
        fprintf (stderr, "a refused request wrote: %.*s\n", (int) size, (const char *) frame);
        cb_txn_abort (txn_p);
        *txn_p = cb_store_begin (s_store, true);
        REQUIRE (*txn_p);
        cb_result_clean (result);
        cb_dispatch (*txn_p, frame, size, node, role, NULL, s_now, touched, result);
    }
}

static inline const char *
s_role_of (const char *node)
{
    if (streq (node, "lead") || streq (node, "boss"))
        return "leadership";
    if (streq (node, "watcher"))
        return "observer";
    if (strncmp (node, "fac", 3) == 0)    //  fac, fac2
        return "facilitator";
    return "team";
}

//  One request as a frame, applied in its own write transaction. Returns
//  the decoded reply; *raw gets the encoded reply if asked.
static inline cb_value_t *
s_call_mid (const char *node, const char *type, cb_value_t *body, const char *mid,
            zchunk_t **raw)
{
    cb_value_t *msg = cb_value_new_map ();
    cb_value_set_int (msg, "cb", 1);
    cb_value_set_str (msg, "type", type);
    cb_value_set_str (msg, "mid", mid);
    if (body)
        cb_value_set (msg, "body", &body);
    size_t size;
    void *frame = cb_codec_encode (msg, &size);
    cb_value_destroy (&msg);
    cb_txn_t *txn = cb_store_begin (s_store, true);
    REQUIRE (txn);
    zhashx_t *touched = zhashx_new ();
    cb_result_t result;
    bool hello = streq (type, "hello");
    s_apply (&txn, frame, size, hello ? NULL : node, hello ? NULL : s_role_of (node),
             touched, &result);
    REQUIRE (cb_txn_commit (&txn) == CB_STORE_OK);
    cb_value_t *reply = cb_codec_decode (result.reply, result.size, NULL, 0);
    REQUIRE (reply);
    if (raw)
        *raw = zchunk_new (result.reply, result.size);
    cb_result_clean (&result);
    zhashx_destroy (&touched);
    free (frame);
    return reply;
}

static inline cb_value_t *
s_call (const char *node, const char *type, cb_value_t *body)
{
    char mid [32];
    snprintf (mid, sizeof (mid), "m-%d", ++s_mid);
    return s_call_mid (node, type, body, mid, NULL);
}

//  The reply's body if it is OK (the caller destroys it), else NULL and a
//  failed check.
static inline cb_value_t *
s_ok_at (int line, const char *node, const char *type, cb_value_t *body)
{
    cb_value_t *reply = s_call (node, type, body);
    const char *t = cb_value_get_str (reply, "type");
    if (!t || !streq (t, "ok")) {
        fprintf (stderr, "line %d: %s %s failed: %s %s\n", line, node, type,
                 cb_value_get_str (reply, "name"), cb_value_get_str (reply, "message"));
        CHECK (false);
        cb_value_destroy (&reply);
        return NULL;
    }
    cb_value_t *out = cb_value_dup (cb_value_get (reply, "body"));
    cb_value_destroy (&reply);
    return out;
}
#define s_ok(node, type, body) s_ok_at (__LINE__, node, type, body)

//  The error code of a refused request (0 if it was accepted).
static inline int
s_err (const char *node, const char *type, cb_value_t *body)
{
    cb_value_t *reply = s_call (node, type, body);
    int64_t code = 0;
    if (streq (cb_value_get_str (reply, "type"), "error"))
        cb_value_get_int (reply, "code", &code);
    cb_value_destroy (&reply);
    return (int) code;
}

//  The error message of a refused request, copied into `message` ("" if
//  it was accepted); returns `message`.
static inline const char *
s_err_message (const char *node, const char *type, cb_value_t *body, char *message,
               size_t size)
{
    cb_value_t *reply = s_call (node, type, body);
    const char *text = streq (cb_value_get_str (reply, "type"), "error")
                     ? cb_value_get_str (reply, "message") : NULL;
    snprintf (message, size, "%s", text ? text : "");
    cb_value_destroy (&reply);
    return message;
}

static inline void
s_ok_void_at (int line, const char *node, const char *type, cb_value_t *body)
{
    cb_value_t *out = s_ok_at (line, node, type, body);
    cb_value_destroy (&out);
}
#define s_ok_void(node, type, body) s_ok_void_at (__LINE__, node, type, body)

//  Bodies, built from a compact "k=v" list: strings unless the value is a
//  number or true/false; keys ending in [] take comma-separated lists.
static inline cb_value_t *
s_body (const char *spec, ...)
{
    cb_value_t *body = cb_value_new_map ();
    va_list args;
    va_start (args, spec);
    for (const char *kv = spec; kv; kv = va_arg (args, const char *)) {
        char *copy = strdup (kv);
        char *eq = strchr (copy, '=');
        REQUIRE (eq);
        *eq = 0;
        const char *value = eq + 1;
        size_t klen = strlen (copy);
        cb_value_t *v;
        if (klen > 2 && streq (copy + klen - 2, "[]")) {
            copy [klen - 2] = 0;
            v = cb_value_new_array ();
            char *save = NULL, *list = strdup (value);
            for (char *t = strtok_r (list, ",", &save); t; t = strtok_r (NULL, ",", &save)) {
                cb_value_t *s = cb_value_new_str (t);
                cb_value_push (v, &s);
            }
            free (list);
        }
        else
        if (streq (value, "true") || streq (value, "false"))
            v = cb_value_new_bool (streq (value, "true"));
        else {
            char *end;
            long long n = strtoll (value, &end, 10);
            v = (*value && !*end) ? cb_value_new_int (n) : cb_value_new_str (value);
        }
        cb_value_set (body, copy, &v);
        free (copy);
    }
    va_end (args);
    return body;
}

static inline cb_value_t *
s_kr (const char *id, const char *text, int64_t baseline, int64_t target)
{
    cb_value_t *kr = cb_value_new_map ();
    if (id)
        cb_value_set_str (kr, "id", id);
    cb_value_set_str (kr, "text", text);
    cb_value_set_int (kr, "baseline", baseline);
    cb_value_set_int (kr, "target", target);
    cb_value_set_str (kr, "unit", "%");
    return kr;
}

//  Content with an objective and `count` KRs (text "KR n", target 10*n).
static inline cb_value_t *
s_content (const char *objective, int count)
{
    cb_value_t *c = cb_value_new_map ();
    cb_value_set_str (c, "cycle", "2027-Q1");
    cb_value_set_str (c, "objective", objective);
    cb_value_t *krs = cb_value_new_array ();
    for (int i = 1; i <= count; i++) {
        char text [16];
        snprintf (text, sizeof (text), "KR %d", i);
        cb_value_t *kr = s_kr (NULL, text, 0, 10 * i);
        cb_value_push (krs, &kr);
    }
    cb_value_set (c, "key_results", &krs);
    return c;
}

static inline cb_value_t *
s_with_content (cb_value_t *body, cb_value_t *content)
{
    cb_value_set (body, "content", &content);
    return body;
}

static inline uint64_t
s_inbox_last (const char *node)
{
    cb_txn_t *txn = cb_store_begin (s_store, false);
    uint64_t last = 0, acked = 0;
    cb_inbox_state (txn, node, &last, &acked);
    cb_txn_abort (&txn);
    return last;
}

//  The kinds in a node's inbox, in order, space-separated.
static inline int
s_kind_one (uint64_t seq, const void *data, size_t size, void *arg)
{
    cb_value_t *d = cb_codec_decode (data, size, NULL, 0);
    strcat ((char *) arg, cb_value_get_str (d, "kind"));
    strcat ((char *) arg, " ");
    cb_value_destroy (&d);
    return 0;
}

static inline const char *
s_inbox_kinds (const char *node, char *buf)
{
    buf [0] = 0;
    cb_txn_t *txn = cb_store_begin (s_store, false);
    cb_inbox_read (txn, node, 1, 100, s_kind_one, buf);
    cb_txn_abort (&txn);
    return buf;
}

static inline int64_t
s_int (const cb_value_t *map, const char *key)
{
    int64_t n = -1;
    cb_value_get_int (map, key, &n);
    return n;
}

static inline void
s_open (void)
{
    s_store = cb_store_new (s_dir, 0, 0);
    REQUIRE (s_store);
}

//  A new store in a new directory, for one test; with `cast`, everyone of
//  the cast has said hello.
static inline void
td_begin (const char *name, bool cast)
{
    const char *base = getenv ("CB_TEST_TMP") ? getenv ("CB_TEST_TMP") : "/tmp";
    zsys_dir_create ("%s", base);
    snprintf (s_dir, sizeof (s_dir), "%s/%s.XXXXXX", base, name);
    REQUIRE (mkdtemp (s_dir));
    s_open ();
    const char *cast_nodes [] = {
        "lead", "team-a", "team-b", "team-c", "boss", "watcher", "fac", NULL
    };
    for (int i = 0; cast && cast_nodes [i]; i++) {
        char node [32], role [32];
        snprintf (node, sizeof (node), "node=%s", cast_nodes [i]);
        snprintf (role, sizeof (role), "role=%s", s_role_of (cast_nodes [i]));
        s_ok_void (cast_nodes [i], "hello", s_body (node, role, NULL));
    }
}

//  The test's store closed and its directory removed.
static inline void
td_end (void)
{
    cb_store_destroy (&s_store);
    char command [300];
    snprintf (command, sizeof (command), "rm -rf '%s'", s_dir);
    if (system (command) != 0)
        fprintf (stderr, "could not remove %s\n", s_dir);
}

//  The draft voted on by its owner and finalised: the one place to change
//  if finalising asks for more (issue 14's sealed vote).
static inline void
td_finalize (const char *node, const char *draft)
{
    char field [32];
    snprintf (field, sizeof (field), "draft=%s", draft);
    //  By override: these tests are about what follows, not the vote
    cb_value_t *body = s_body (field, NULL);
    cb_value_t *override = s_body ("reason=finalised for the test", NULL);
    cb_value_set (body, "override", &override);
    s_ok_void (node, "draft.finalize", body);
}

//  The command line's --direct.
static inline void
td_init (int argc, char *argv [])
{
    s_direct = argc > 1 && streq (argv [1], "--direct");
    zsys_init ();
}

#endif
