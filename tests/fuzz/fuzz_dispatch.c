/*  =========================================================================
    fuzz_dispatch - libFuzzer target over cb_dispatch, the broker's request
    dispatcher, on a real LMDB store

    LLVMFuzzerInitialize opens a store in a new directory under /tmp (or
    $CB_TEST_TMP) and seeds it by dispatching ordinary requests, as
    tests/test_rounds.c does: five nodes (lead: leadership, team-a and
    team-b: team, fac: facilitator, watcher: observer); draft d1 (lead)
    whose round r1 got a counter-proposal and feedback and closed, with a
    vote; draft d2 (lead) with round r2 open; drafts d3 (team-a) and d4
    (team-b) shared into event e1, now in its negotiate phase, with an open
    ask a1, an open offer a2 and a countered ask a3. Then the bulk: 3,000
    more drafts (d5 on, $CB_FUZZ_DRAFTS to change it) with 200-character
    objectives, of lead, team-a and team-b in 2027-Q1 and 2027-Q2, and d5
    revised 30 times, so that reads scan, filter and page through a store
    of a realistic size. The value arena's bound is lowered to 64 KiB, so
    that every large request crosses it in its middle (issue 10's crash
    was a value made as a request crossed it).

    An input is: byte 0, then the rest.
    - (byte0 & 7) % 6 picks the sender: none (no hello yet), lead, team-a,
      team-b, fac, watcher.
    - byte0 & 0x80 clear: the rest is the frame, as a client sent it.
    - byte0 & 0x80 set (envelope mode): byte 1 picks a request type (index
      into fz_types in fuzz.h, modulo their number); the rest after it, if
      it decodes to a map, is the body, else the body is empty. The frame is
      {cb: 1, type, mid: "m", body}: every input reaches a handler's own
      field checks instead of stopping at the envelope.
    The frame is dispatched in a write transaction that is then aborted, so
    every input sees the same seeded store and the store never grows.

    Invariants, from proto/PROTOCOL.md:
    - there is a reply, and it decodes (with the decoder clients use) to a
      map with cb 1 and type "ok" or "error";
    - an error has an integer code that cb_err_name knows (not "UNKNOWN",
      not "OK", not the client-only 6xx), the matching name and a message,
      and result.code says the same; no 5xx: with a healthy store and a
      transaction that is aborted anyway, STORAGE_FULL, STORAGE and
      INTERNAL mean a bug;
    - a reply's mid is nil or the request's own mid;
    - an ok is only for a known type, with a map body; only a hello is ok
      before hello; a role may get ok only for a type PROTOCOL.md lets it
      send; an ok hello names the node it bound.
    Set CB_FUZZ_VERBOSE=1 to print each input's sender, type and outcome.
    =========================================================================
*/
#include <czmq.h>
#include <dirent.h>

#include "catchball/cb_codec.h"
#include "dispatch.h"
#include "store.h"
#include "fuzz.h"

//  The clock every request sees: deadlines and time boxes never pass.
#define FZ_NOW 1800000000000LL

static cb_store_t *s_store;
static char s_dir [256];
static bool s_verbose;

//  --------------------------------------------------------------------------
//  The store and its seed

static void
s_dispatch_cleanup (void)
{
    cb_store_destroy (&s_store);
    if (!s_dir [0])
        return;
    DIR *dir = opendir (s_dir);
    if (dir) {
        struct dirent *entry;
        while ((entry = readdir (dir)))
            if (entry->d_name [0] != '.') {
                char path [512];
                snprintf (path, sizeof (path), "%s/%s", s_dir, entry->d_name);
                unlink (path);
            }
        closedir (dir);
    }
    rmdir (s_dir);
    s_dir [0] = 0;
}

//  Dispatches one seed request and commits it; exits if it is refused.
static void
s_seed (const char *node, const char *type, const char *json)
{
    static int seq;
    char mid [32];
    snprintf (mid, sizeof (mid), "seed-%d", ++seq);
    cb_value_t *body = fz_json (json);
    if (!body)
        exit (2);
    cb_value_t *msg = fz_envelope (type, mid, &body);
    size_t size;
    void *frame = cb_codec_encode (msg, &size);
    cb_value_destroy (&msg);
    const fz_sender_t *sender = &fz_senders [fz_sender_index (node)];
    bool hello = strcmp (type, "hello") == 0;
    cb_txn_t *txn = cb_store_begin (s_store, true);
    if (!txn) {
        fprintf (stderr, "fuzz_dispatch: cannot begin a transaction\n");
        exit (2);
    }
    zhashx_t *touched = zhashx_new ();
    cb_result_t result;
    cb_dispatch (txn, frame, size, hello ? NULL : sender->node, hello ? NULL : sender->role, NULL,
                 FZ_NOW, touched, &result);
    if (result.code || cb_txn_commit (&txn) != CB_STORE_OK) {
        cb_value_t *reply = cb_codec_decode (result.reply, result.size, NULL, 0);
        fprintf (stderr, "fuzz_dispatch: seed %s %s %s refused: %s %s\n", node, type, json,
                 cb_value_get_str (reply, "name"), cb_value_get_str (reply, "message"));
        exit (2);
    }
    if (s_verbose)
        fprintf (stderr, "seed %-7s %-15s %s -> %s\n", node, type, json, result.log);
    cb_result_clean (&result);
    zhashx_destroy (&touched);
    free (frame);
}

#define KR(text, target) "{\"text\":\"" text "\",\"baseline\":0,\"target\":" #target ",\"unit\":\"%\"}"
#define CONTENT(objective) \
    "{\"cycle\":\"2027-Q1\",\"objective\":\"" objective "\",\"narrative\":\"Why it matters\"," \
    "\"key_results\":[" KR ("Activation to 60", 60) "," KR ("Churn under 3", 3) "]}"

static void
s_seed_store (void)
{
    s_seed ("lead",    "hello", "{\"node\":\"lead\",\"role\":\"leadership\"}");
    s_seed ("team-a",  "hello", "{\"node\":\"team-a\",\"role\":\"team\",\"parent\":\"lead\"}");
    s_seed ("team-b",  "hello", "{\"node\":\"team-b\",\"role\":\"team\",\"parent\":\"lead\"}");
    s_seed ("fac",     "hello", "{\"node\":\"fac\",\"role\":\"facilitator\"}");
    s_seed ("watcher", "hello", "{\"node\":\"watcher\",\"role\":\"observer\"}");
    //  d1: round r1 answered by a counter-proposal and feedback, closed; a
    //  vote open, team-a's cast.
    s_seed ("lead", "draft.new", "{\"content\":" CONTENT ("Grow activation") "}");
    s_seed ("lead", "round.throw",
            "{\"draft\":\"d1\",\"to\":[\"team-a\",\"team-b\"],\"question\":\"Can you commit?\"}");
    s_seed ("team-a", "round.counter",
            "{\"round\":\"r1\",\"message\":\"ours\",\"content\":" CONTENT ("Grow activation together") "}");
    s_seed ("team-b", "round.feedback",
            "{\"round\":\"r1\",\"kind\":\"concern\",\"text\":\"60 needs data\",\"on\":\"kr1\"}");
    s_seed ("lead", "vote.open", "{\"draft\":\"d1\",\"voters\":[\"team-a\",\"team-b\"]}");
    s_seed ("team-a", "draft.vote", "{\"draft\":\"d1\",\"confidence\":4,\"comment\":\"good\"}");
    //  d2: round r2 open, with a deadline, team-a's answer not final yet.
    s_seed ("lead", "draft.new", "{\"content\":" CONTENT ("Cut churn") "}");
    s_seed ("lead", "round.throw",
            "{\"draft\":\"d2\",\"to\":[\"team-a\",\"team-b\"],\"deadline\":3600}");
    s_seed ("team-a", "round.feedback",
            "{\"round\":\"r2\",\"kind\":\"support\",\"text\":\"yes\",\"final\":false}");
    //  d3, d4: the teams' drafts, shared into event e1, now negotiating.
    s_seed ("team-a", "draft.new",
            "{\"content\":{\"cycle\":\"2027-Q1\",\"objective\":\"Onboard faster\","
            "\"aligned_to\":{\"draft\":\"d1\",\"kr\":\"kr1\"},\"key_results\":["
            KR ("Days to first value under 2", 2) "," KR ("Wizard done by 80", 80) "]}}");
    s_seed ("team-b", "draft.new", "{\"content\":" CONTENT ("Bill simply") "}");
    s_seed ("fac", "event.new",
            "{\"name\":\"Q1 market\",\"cycle\":\"2027-Q1\",\"participants\":[\"team-a\",\"team-b\",\"lead\"],"
            "\"plan\":{\"share\":20,\"negotiate\":40,\"commit\":10}}");
    s_seed ("fac", "event.advance", "{\"event\":\"e1\"}");
    s_seed ("team-a", "event.share", "{\"event\":\"e1\",\"draft\":\"d3\"}");
    s_seed ("team-b", "event.share", "{\"event\":\"e1\",\"draft\":\"d4\"}");
    s_seed ("fac", "event.advance", "{\"event\":\"e1\"}");
    //  a1 open ask, a2 open offer, a3 countered ask.
    s_seed ("team-a", "ask.new",
            "{\"event\":\"e1\",\"to\":\"team-b\",\"kr\":\"kr1\",\"need\":\"Billing API\",\"by\":\"week 4\"}");
    s_seed ("team-b", "offer.new",
            "{\"event\":\"e1\",\"to\":\"team-a\",\"kr\":\"kr2\",\"text\":\"Emails\","
            "\"reflect\":{\"type\":\"new_kr\",\"kr\":" KR ("Emails sent", 100) "}}");
    s_seed ("team-a", "ask.new",
            "{\"event\":\"e1\",\"to\":\"team-b\",\"kr\":\"kr2\",\"need\":\"Shared wizard\"}");
    s_seed ("team-b", "ask.counter",
            "{\"ask\":\"a3\",\"text\":\"Half of it\","
            "\"reflect\":{\"type\":\"raise_target\",\"kr\":\"kr1\",\"target\":70}}");
}

//  Key results for printf formats (KR's unit is a '%').
#define S_BULK_KR  "{\"text\":\"Activation to 60\",\"baseline\":0,\"target\":60}"
#define S_BULK_KR2 "{\"text\":\"Churn under 3\",\"target\":3}"

//  The bulk of the store, in a few transactions (a synced commit each
//  would take seconds): drafts d5 on, then revisions of d5.
static void
s_seed_bulk (int drafts)
{
    static const char *owners [] = { "lead", "team-a", "team-b" };
    cb_txn_t *txn = NULL;
    for (int n = 0; n < drafts + 30; n++) {
        if (!txn && !(txn = cb_store_begin (s_store, true))) {
            fprintf (stderr, "fuzz_dispatch: cannot begin a transaction\n");
            exit (2);
        }
        char json [1024], mid [32];
        snprintf (mid, sizeof (mid), "bulk-%d", n);
        const char *node = owners [n % 3];
        const char *type = n < drafts ? "draft.new" : "draft.revise";
        if (n < drafts)
            snprintf (json, sizeof (json),
                      "{\"content\":{\"cycle\":\"2027-Q%d\",\"objective\":\"Objective %d: %0180d\","
                      "\"key_results\":[" S_BULK_KR "]}}", 1 + n % 2, n, n);
        else {
            node = "lead";          //  d5 is draft n = 0: lead's
            snprintf (json, sizeof (json),
                      "{\"draft\":\"d5\",\"message\":\"revision %d\",\"content\":{"
                      "\"objective\":\"Revised %d: %0180d\",\"key_results\":["
                      S_BULK_KR "," S_BULK_KR2 "]}}", n, n, n);
        }
        cb_value_t *body = fz_json (json);
        cb_value_t *msg = fz_envelope (type, mid, &body);
        size_t size;
        void *frame = cb_codec_encode (msg, &size);
        cb_value_destroy (&msg);
        const fz_sender_t *sender = &fz_senders [fz_sender_index (node)];
        zhashx_t *touched = zhashx_new ();
        cb_result_t result;
        cb_dispatch_direct (txn, frame, size, sender->node, sender->role, NULL, FZ_NOW,
                            touched, &result);
        if (result.code || result.redo) {
            fprintf (stderr, "fuzz_dispatch: bulk %s %s refused (%d)\n", node, type, result.code);
            exit (2);
        }
        cb_result_clean (&result);
        zhashx_destroy (&touched);
        free (frame);
        if (n % 1000 == 999 || n == drafts + 29) {
            if (cb_txn_commit (&txn) != CB_STORE_OK) {
                fprintf (stderr, "fuzz_dispatch: the bulk does not commit\n");
                exit (2);
            }
        }
    }
}

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
    s_verbose = getenv ("CB_FUZZ_VERBOSE") && atoi (getenv ("CB_FUZZ_VERBOSE")) > 0;
    const char *base = getenv ("CB_TEST_TMP") ? getenv ("CB_TEST_TMP") : "/tmp";
    mkdir (base, 0700);
    snprintf (s_dir, sizeof (s_dir), "%s/cb-fuzz-dispatch.XXXXXX", base);
    if (!mkdtemp (s_dir)) {
        fprintf (stderr, "fuzz_dispatch: mkdtemp %s: %s\n", s_dir, strerror (errno));
        exit (2);
    }
    s_store = cb_store_new (s_dir, 64 * 1024 * 1024, 256 * 1024 * 1024);
    if (!s_store) {
        fprintf (stderr, "fuzz_dispatch: cannot open a store in %s\n", s_dir);
        exit (2);
    }
    atexit (s_dispatch_cleanup);
    s_seed_store ();
    const char *drafts = getenv ("CB_FUZZ_DRAFTS");
    s_seed_bulk (drafts ? atoi (drafts) : 3000);
    cb_value_arena_set_limit (64 * 1024);
    return 0;
}

//  --------------------------------------------------------------------------
//  One input

static void
s_check_reply (const cb_result_t *result, const fz_sender_t *sender, const char *req_type,
               const char *req_mid)
{
    FUZZ_CHECK (result->reply && result->size > 0, "no reply (%zu bytes)", result->size);
    if (!result->reply || !result->size)
        return;
    char why [128] = "";
    cb_value_t *reply = cb_codec_decode (result->reply, result->size, why, sizeof (why));
    FUZZ_CHECK (cb_value_type (reply) == CB_MAP, "the reply does not decode to a map: %s", why);
    if (cb_value_type (reply) != CB_MAP) {
        cb_value_destroy (&reply);
        return;
    }
    int64_t cb = 0;
    FUZZ_CHECK (cb_value_get_int (reply, "cb", &cb) && cb == 1, "reply cb is not 1");
    const char *type = cb_value_get_str (reply, "type");
    const char *mid = cb_value_get_str (reply, "mid");
    bool ok = type && strcmp (type, "ok") == 0;
    bool error = type && strcmp (type, "error") == 0;
    FUZZ_CHECK (ok || error, "reply type is %s", type ? type : "(not a string)");
    FUZZ_CHECK (cb_value_type (cb_value_get (reply, "mid")) == CB_STR
                || cb_value_type (cb_value_get (reply, "mid")) == CB_NIL, "reply mid is neither str nor nil");
    if (mid)
        FUZZ_CHECK (req_mid && strcmp (mid, req_mid) == 0,
                    "reply mid '%s' is not the request's ('%s')", mid, req_mid ? req_mid : "(none)");
    if (ok) {
        FUZZ_CHECK (result->code == 0, "ok reply with result.code %d", result->code);
        FUZZ_CHECK (mid, "ok reply without a mid");
        FUZZ_CHECK (cb_value_type (cb_value_get (reply, "body")) == CB_MAP, "ok reply body is not a map");
        const fz_type_t *known = fz_type_find (req_type);
        FUZZ_CHECK (known, "ok for type '%s', which is not in the protocol", req_type ? req_type : "(none)");
        if (!sender->node)
            FUZZ_CHECK (req_type && strcmp (req_type, "hello") == 0,
                        "ok for %s before hello", req_type ? req_type : "(none)");
        else
        if (known)
            FUZZ_CHECK (known->roles & sender->role_bit, "ok for %s sent by %s, a %s node",
                        req_type, sender->node, sender->role);
        if (req_type && strcmp (req_type, "hello") == 0 && result->hello_node) {
            const char *bound = cb_value_get_str (cb_value_get (reply, "body"), "node");
            FUZZ_CHECK (bound && strcmp (bound, result->hello_node) == 0,
                        "hello bound %s, its reply names %s", result->hello_node, bound ? bound : "(none)");
        }
    }
    if (error) {
        int64_t code = -1;
        bool has_code = cb_value_get_int (reply, "code", &code);
        FUZZ_CHECK (has_code, "error reply without an integer code");
        const char *name = cb_err_name ((int) code);
        FUZZ_CHECK (strcmp (name, "UNKNOWN") != 0 && code != 0 && code < 600,
                    "error code %lld (%s) is not one the broker sends", (long long) code, name);
        FUZZ_CHECK (code < 500, "5xx error %lld %s: %s", (long long) code, name,
                    cb_value_get_str_or (reply, "message", "(no message)"));
        FUZZ_CHECK (code == result->code, "reply code %lld, result.code %d", (long long) code,
                    result->code);
        const char *rname = cb_value_get_str (reply, "name");
        FUZZ_CHECK (rname && strcmp (rname, name) == 0, "error %lld named %s", (long long) code,
                    rname ? rname : "(none)");
        FUZZ_CHECK (cb_value_get_str (reply, "message"), "error reply without a message");
        FUZZ_CHECK (!result->hello_node && !result->acked && !result->log_op,
                    "an error that bound a node, acked or changed a log subscription");
    }
    if (s_verbose)
        fprintf (stderr, "%-7s %-15s -> %s %s\n", sender->node ? sender->node : "(none)",
                 req_type ? req_type : "?", ok ? "ok" : cb_value_get_str_or (reply, "name", "?"),
                 ok ? "" : cb_value_get_str_or (reply, "message", ""));
    cb_value_destroy (&reply);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    if (size < 1 || !s_store)
        return 0;
    const fz_sender_t *sender = &fz_senders [(data [0] & 7) % FZ_SENDERS];
    const uint8_t *frame = data + 1;
    size_t frame_size = size - 1;
    void *built = NULL;
    if (data [0] & FZ_MODE_ENVELOPE) {
        if (size < 2)
            return 0;
        const fz_type_t *type = &fz_types [data [1] % FZ_TYPES];
        cb_value_t *body = cb_codec_decode (data + 2, size - 2, NULL, 0);
        if (cb_value_type (body) != CB_MAP) {
            cb_value_destroy (&body);
            body = cb_value_new_map ();
        }
        cb_value_t *msg = fz_envelope (type->type, "m", &body);
        built = cb_codec_encode (msg, &frame_size);
        frame = (const uint8_t *) built;
        cb_value_destroy (&msg);
    }
    //  What the request says, for the checks.
    cb_value_t *request = cb_codec_decode (frame, frame_size, NULL, 0);
    const char *req_type = cb_value_get_str (request, "type");
    const char *req_mid = cb_value_get_str (request, "mid");

    cb_txn_t *txn = cb_store_begin (s_store, true);
    FUZZ_CHECK (txn, "cannot begin a write transaction");
    if (txn) {
        zhashx_t *touched = zhashx_new ();
        cb_result_t result;
        //  As the broker does: straight into the batch transaction. A
        //  request that is refused must have written nothing first, or
        //  the broker has to redo its whole batch (see dispatch.h).
        cb_dispatch_direct (txn, frame, frame_size, sender->node, sender->role, NULL, FZ_NOW,
                            touched, &result);
        FUZZ_CHECK (!result.redo, "a refused request wrote before it failed");
        cb_txn_abort (&txn);
        s_check_reply (&result, sender, req_type, req_mid);
        cb_result_clean (&result);
        zhashx_destroy (&touched);
    }
    cb_value_destroy (&request);
    free (built);
    return 0;
}
