/*  =========================================================================
    fuzz - what the fuzz targets, the corpus maker and the replay program
    share: the failure macro, the protocol's request types and who may send
    them (proto/PROTOCOL.md, sections 3, 5, 6, 11 and 12), the senders the
    dispatch target plays, and JSON text -> cb_value (for seeds and corpus).

    A target built for libFuzzer (the default) aborts on a broken
    invariant, so libFuzzer saves the input. Built with CB_FUZZ_REPLAY (the
    replay program, ordinary gcc build), a broken invariant is printed and
    counted in cb_fuzz_failures, and the target returns normally.
    =========================================================================
*/
#ifndef CB_FUZZ_H_INCLUDED
#define CB_FUZZ_H_INCLUDED

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catchball/cb_value.h"

#ifdef CB_FUZZ_REPLAY
extern int cb_fuzz_failures;
#   define CB_FUZZ_FAILED() (cb_fuzz_failures++)
#else
#   define CB_FUZZ_FAILED() abort ()
#endif

//  Checks an invariant; on failure prints why and fails (see above). Use it
//  as a statement; it evaluates to nothing.
#define FUZZ_CHECK(expr, ...) do { \
    if (!(expr)) { \
        fprintf (stderr, "%s:%d: invariant broken: %s: ", __FILE__, __LINE__, #expr); \
        fprintf (stderr, __VA_ARGS__); \
        fputc ('\n', stderr); \
        CB_FUZZ_FAILED (); \
    } \
} while (0)

//  Roles, as bits.
#define FZ_LEAD     1
#define FZ_TEAM     2
#define FZ_FAC      4
#define FZ_OBS      8
#define FZ_ANY      15
#define FZ_AUTHORS  (FZ_LEAD | FZ_TEAM)

//  Every request type of protocol version 1 and the roles that may send it,
//  taken from PROTOCOL.md (not from dispatch.c, so the two are checked
//  against each other). The order is part of the dispatch corpus's
//  envelope mode (the second byte picks an index): append, never reorder.
typedef struct {
    const char *type;
    unsigned roles;
} fz_type_t;

static const fz_type_t fz_types [] = {
    { "hello",          FZ_ANY },           //  0   section 3 (also before hello)
    { "ping",           FZ_ANY },           //  1
    { "ack",            FZ_ANY },           //  2   section 5
    { "draft.new",      FZ_AUTHORS },       //  3   section 6
    { "draft.revise",   FZ_AUTHORS },       //  4
    { "draft.show",     FZ_ANY },           //  5
    { "draft.list",     FZ_ANY },           //  6
    { "draft.history",  FZ_ANY },           //  7
    { "draft.diff",     FZ_ANY },           //  8
    { "draft.vote",     FZ_AUTHORS },       //  9
    { "draft.finalize", FZ_AUTHORS },       //  10
    { "proposal.adopt", FZ_AUTHORS },       //  11
    { "round.throw",    FZ_AUTHORS },       //  12
    { "round.feedback", FZ_AUTHORS },       //  13
    { "round.counter",  FZ_AUTHORS },       //  14
    { "round.endorse",  FZ_AUTHORS },       //  15
    { "round.show",     FZ_ANY },           //  16
    { "round.close",    FZ_AUTHORS },       //  17
    { "event.new",      FZ_FAC },           //  18  section 11
    { "event.advance",  FZ_FAC },           //  19
    { "event.extend",   FZ_FAC },           //  20
    { "event.nudge",    FZ_FAC },           //  21
    { "event.share",    FZ_AUTHORS },       //  22
    { "event.show",     FZ_ANY },           //  23
    { "event.list",     FZ_ANY },           //  24
    { "event.snapshot", FZ_ANY },           //  25
    { "event.report",   FZ_ANY },           //  26
    { "cycle.graph",    FZ_ANY },           //  27
    { "ask.new",        FZ_AUTHORS },       //  28
    { "offer.new",      FZ_AUTHORS },       //  29
    { "ask.accept",     FZ_AUTHORS },       //  30
    { "ask.decline",    FZ_AUTHORS },       //  31
    { "ask.counter",    FZ_AUTHORS },       //  32
    { "ask.take",       FZ_AUTHORS },       //  33
    { "ask.refuse",     FZ_AUTHORS },       //  34
    { "log.subscribe",  FZ_ANY },           //  35  section 12
    { "log.ack",        FZ_ANY },           //  36
    { "log.unsubscribe", FZ_ANY },          //  37
    { "vote.open",      FZ_AUTHORS },       //  38  section 6 (issue 14)
    { "vote.show",      FZ_ANY },           //  39
    { "draft.import",   FZ_AUTHORS },       //  40  section 6 (issue 13)
    { "draft.raise",    FZ_AUTHORS },       //  41
    { "ask.list",       FZ_ANY },           //  42  section 11
    { "draft.retro",    FZ_AUTHORS },       //  43  section 6 (issue 14)
    { "draft.carry",    FZ_AUTHORS },       //  44
    { "checkin.new",    FZ_AUTHORS },       //  45  section 6.2 (issue 14)
    { "checkin.list",   FZ_ANY },           //  46
    { "cycle.new",      FZ_LEAD },          //  47  section 6.3
    { "cycle.close",    FZ_LEAD },          //  48
    { "cycle.show",     FZ_ANY },           //  49
    { "cycle.list",     FZ_ANY },           //  50
};
#define FZ_TYPES (sizeof (fz_types) / sizeof (fz_types [0]))

static inline const fz_type_t *
fz_type_find (const char *type)
{
    for (size_t i = 0; type && i < FZ_TYPES; i++)
        if (strcmp (fz_types [i].type, type) == 0)
            return &fz_types [i];
    return NULL;
}

static inline int
fz_type_index (const char *type)
{
    const fz_type_t *t = fz_type_find (type);
    return t ? (int) (t - fz_types) : -1;
}

//  The dispatch target's senders: the first byte of an input, (b & 7) % 6,
//  picks one; none is a connection that has not said hello.
typedef struct {
    const char *node;
    const char *role;
    unsigned role_bit;
} fz_sender_t;

static const fz_sender_t fz_senders [] = {
    { NULL,      NULL,          0 },
    { "lead",    "leadership",  FZ_LEAD },
    { "team-a",  "team",        FZ_TEAM },
    { "team-b",  "team",        FZ_TEAM },
    { "fac",     "facilitator", FZ_FAC },
    { "watcher", "observer",    FZ_OBS },
};
#define FZ_SENDERS 6
#define FZ_MODE_ENVELOPE 0x80   //  First-byte bit: build the envelope, see fuzz_dispatch.c

static inline int
fz_sender_index (const char *node)
{
    for (int i = 1; i < FZ_SENDERS; i++)
        if (node && strcmp (fz_senders [i].node, node) == 0)
            return i;
    return 0;
}

//  JSON text -> a new cb_value tree (with the command line's converter,
//  client/cli_json.c); NULL if the text is not JSON.
cb_value_t *cli_json_to_value (const json_t *json);

static inline cb_value_t *
fz_json (const char *text)
{
    json_error_t error;
    json_t *json = json_loads (text, JSON_DECODE_ANY, &error);
    if (!json) {
        fprintf (stderr, "fuzz: bad JSON at %d: %s: %s\n", error.position, error.text, text);
        return NULL;
    }
    cb_value_t *value = cli_json_to_value (json);
    json_decref (json);
    return value;
}

//  A request envelope {cb: 1, type, mid, body} (body taken, may be NULL).
static inline cb_value_t *
fz_envelope (const char *type, const char *mid, cb_value_t **body_p)
{
    cb_value_t *msg = cb_value_new_map ();
    cb_value_set_int (msg, "cb", 1);
    cb_value_set_str (msg, "type", type);
    cb_value_set_str (msg, "mid", mid);
    if (body_p && *body_p)
        cb_value_set (msg, "body", body_p);
    return msg;
}

#endif
