/*  =========================================================================
    make_corpus - writes the fuzz targets' seed corpus and dictionary

    Usage: fuzz_make_corpus DIR   (DIR is tests/fuzz) writes
      DIR/corpus/codec/NAME.bin   MessagePack frames: a request of every
                                  type, scalars of every encoding, and
                                  known-bad frames (0xc1, huge array32 and
                                  map32 counts, truncation, trailing bytes,
                                  deep nesting, bin, ext, duplicate keys,
                                  invalid UTF-8, NUL, uint64 > INT64_MAX,
                                  non-string keys, 257-entry maps)
      DIR/corpus/dispatch/NAME.bin inputs of fuzz_dispatch (see its header):
                                  a request of every type from a sender
                                  that may send it, naming the seeded ids,
                                  in both modes, plus refused ones
      DIR/fuzz.dict               a libFuzzer dictionary: the protocol's
                                  keys, types and values as MessagePack
                                  strings
    The output is deterministic; rerun it after changing the seed state or
    the list below, and commit what it writes.
    =========================================================================
*/
#include <errno.h>
#include <sys/stat.h>

#include "catchball/cb_codec.h"
#include "fuzz.h"

static char s_root [512];
static int s_files;

static void
s_write (const char *sub, const char *name, const void *data, size_t size)
{
    char path [768];
    snprintf (path, sizeof (path), "%s/corpus/%s/%s.bin", s_root, sub, name);
    FILE *file = fopen (path, "wb");
    if (!file || fwrite (data, 1, size, file) != size || fclose (file)) {
        fprintf (stderr, "make_corpus: %s: %s\n", path, strerror (errno));
        exit (1);
    }
    s_files++;
}

//  Bytes from hex text ("c1", "dd ff ff ff ff"); spaces ignored.
static size_t
s_unhex (const char *hex, uint8_t *out, size_t max)
{
    size_t n = 0;
    for (const char *p = hex; *p && n < max; ) {
        if (*p == ' ') {
            p++;
            continue;
        }
        unsigned byte;
        if (sscanf (p, "%2x", &byte) != 1) {
            fprintf (stderr, "make_corpus: bad hex %s\n", hex);
            exit (1);
        }
        out [n++] = (uint8_t) byte;
        p += 2;
    }
    return n;
}

//  A codec seed from hex.
static void
s_codec_hex (const char *name, const char *hex)
{
    uint8_t buf [4096];
    size_t n = s_unhex (hex, buf, sizeof (buf));
    s_write ("codec", name, buf, n);
}

//  A codec seed and a raw dispatch seed (sent by team-a) of the same bytes.
static void
s_both (const char *name, const void *data, size_t size)
{
    s_write ("codec", name, data, size);
    uint8_t *buf = malloc (size + 1);
    buf [0] = 2;                //  team-a
    memcpy (buf + 1, data, size);
    char dname [128];
    snprintf (dname, sizeof (dname), "team-a-%s", name);
    s_write ("dispatch", dname, buf, size + 1);
    free (buf);
}

static void
s_both_hex (const char *name, const char *hex)
{
    uint8_t buf [4096];
    size_t n = s_unhex (hex, buf, sizeof (buf));
    s_both (name, buf, n);
}

static void *
s_encode_json (const char *json, size_t *size)
{
    cb_value_t *value = fz_json (json);
    if (!value)
        exit (1);
    void *data = cb_codec_encode (value, size);
    cb_value_destroy (&value);
    return data;
}

//  One request, as written by every mode:
//  - codec/req-NAME: the frame;
//  - dispatch/SENDER-NAME: sender byte + frame (raw mode);
//  - dispatch/env-SENDER-NAME: envelope mode: 0x80|sender, type index, body.
static void
s_request (const char *node, const char *type, const char *name, const char *json)
{
    static int mid;
    cb_value_t *body = fz_json (json);
    if (!body)
        exit (1);
    size_t body_size;
    void *body_bytes = cb_codec_encode (body, &body_size);
    char mid_text [32];
    snprintf (mid_text, sizeof (mid_text), "c-%d", ++mid);
    cb_value_t *msg = fz_envelope (type, mid_text, &body);
    size_t size;
    void *frame = cb_codec_encode (msg, &size);
    cb_value_destroy (&msg);
    int sender = fz_sender_index (node);
    char fname [160];

    snprintf (fname, sizeof (fname), "req-%s", name);
    s_write ("codec", fname, frame, size);

    uint8_t *buf = malloc (size + body_size + 2);
    buf [0] = (uint8_t) sender;
    memcpy (buf + 1, frame, size);
    snprintf (fname, sizeof (fname), "%s-%s", node ? node : "none", name);
    s_write ("dispatch", fname, buf, size + 1);

    int index = fz_type_index (type);
    if (index >= 0) {
        buf [0] = (uint8_t) (FZ_MODE_ENVELOPE | sender);
        buf [1] = (uint8_t) index;
        memcpy (buf + 2, body_bytes, body_size);
        snprintf (fname, sizeof (fname), "env-%s-%s", node ? node : "none", name);
        s_write ("dispatch", fname, buf, body_size + 2);
    }
    free (buf);
    free (frame);
    free (body_bytes);
}

//  A raw dispatch seed from a sender byte and a JSON message (any shape).
static void
s_raw_json (int sender, const char *name, const char *json)
{
    size_t size;
    void *frame = s_encode_json (json, &size);
    uint8_t *buf = malloc (size + 1);
    buf [0] = (uint8_t) sender;
    memcpy (buf + 1, frame, size);
    s_write ("dispatch", name, buf, size + 1);
    free (buf);
    free (frame);
}

#define KR(text, target) "{\"text\":\"" text "\",\"baseline\":0,\"target\":" #target ",\"unit\":\"%\"}"
//  Content for a new draft, and (CONTENT_IDS) for a revision of d1 or d2.
#define CONTENT(objective) \
    "{\"cycle\":\"2027-Q1\",\"objective\":\"" objective "\",\"narrative\":\"Because\"," \
    "\"key_results\":[{\"text\":\"Activation to 60\",\"baseline\":10.5,\"target\":65," \
    "\"leads\":[\"team-a\"]}," KR ("Churn under 3", 2) "]}"
#define CONTENT_IDS(objective) \
    "{\"cycle\":\"2027-Q1\",\"objective\":\"" objective "\",\"narrative\":\"Because\"," \
    "\"key_results\":[{\"id\":\"kr1\",\"text\":\"Activation to 60\",\"baseline\":10.5,\"target\":65," \
    "\"leads\":[\"team-a\"]}," KR ("Churn under 3", 2) "]}"

static void
s_requests (void)
{
    //  Sessions
    s_request (NULL, "hello", "hello-new", "{\"node\":\"team-c\",\"role\":\"team\",\"parent\":\"lead\"}");
    s_request (NULL, "hello", "hello-again", "{\"node\":\"lead\"}");
    s_request (NULL, "hello", "hello-mismatch", "{\"node\":\"lead\",\"role\":\"team\"}");
    s_request ("team-a", "ping", "ping", "{}");
    s_request ("team-a", "ack", "ack", "{\"upto\":2}");
    s_request ("team-a", "log.subscribe", "log-subscribe", "{\"from\":1}");
    s_request ("team-a", "log.ack", "log-ack", "{\"upto\":3}");
    s_request ("team-a", "log.unsubscribe", "log-unsubscribe", "{}");
    //  Drafts
    s_request ("team-a", "draft.new", "draft-new", "{\"content\":" CONTENT ("Ship the wizard") ",\"message\":\"v1\"}");
    s_request ("team-a", "draft.revise", "draft-revise",
               "{\"draft\":\"d3\",\"message\":\"tighter\",\"content\":{\"objective\":\"Onboard in a day\","
               "\"aligned_to\":{\"draft\":\"d1\",\"kr\":\"kr2\"},\"key_results\":[" KR ("Days to first value under 2", 1) "]}}");
    s_request ("lead", "draft.revise", "draft-revise-addresses",
               "{\"draft\":\"d1\",\"addresses\":[\"p1\",\"f1\"],\"content\":" CONTENT_IDS ("Grow activation") "}");
    s_request ("watcher", "draft.show", "draft-show", "{\"draft\":\"d1\",\"rev\":2}");
    s_request ("watcher", "draft.list", "draft-list", "{\"owner\":\"lead\",\"cycle\":\"2027-Q1\"}");
    s_request ("fac", "draft.history", "draft-history", "{\"draft\":\"d1\"}");
    s_request ("watcher", "draft.diff", "draft-diff", "{\"draft\":\"d1\",\"from\":1,\"to\":2}");
    s_request ("team-b", "draft.vote", "draft-vote", "{\"draft\":\"d1\",\"confidence\":5,\"comment\":\"go\"}");
    s_request ("lead", "draft.finalize", "draft-finalize", "{\"draft\":\"d1\",\"override\":{\"reason\":\"now\"}}");
    s_request ("lead", "proposal.adopt", "proposal-adopt", "{\"proposal\":\"p1\",\"message\":\"taking it\"}");
    //  Rounds
    s_request ("lead", "round.throw", "round-throw",
               "{\"draft\":\"d1\",\"to\":[\"team-a\",\"team-b\"],\"question\":\"Again?\",\"deadline\":60}");
    s_request ("team-b", "round.feedback", "round-feedback",
               "{\"round\":\"r2\",\"kind\":\"cannot-align\",\"text\":\"other priorities\",\"on\":\"objective\"}");
    s_request ("team-b", "round.counter", "round-counter",
               "{\"round\":\"r2\",\"final\":false,\"content\":" CONTENT_IDS ("Cut churn faster") "}");
    s_request ("team-b", "round.endorse", "round-endorse", "{\"round\":\"r2\",\"confidence\":3,\"text\":\"ok\"}");
    s_request ("team-a", "round.endorse", "round-endorse-final", "{\"round\":\"r2\",\"confidence\":1}");
    s_request ("watcher", "round.show", "round-show", "{\"round\":\"r1\"}");
    s_request ("lead", "round.close", "round-close", "{\"round\":\"r2\"}");
    //  Events
    s_request ("fac", "event.new", "event-new",
               "{\"name\":\"Q2\",\"cycle\":\"2027-Q2\",\"participants\":[\"team-a\"],"
               "\"plan\":{\"share\":1,\"negotiate\":1440,\"commit\":5}}");
    s_request ("fac", "event.advance", "event-advance", "{\"event\":\"e1\"}");
    s_request ("fac", "event.extend", "event-extend", "{\"event\":\"e1\",\"minutes\":5}");
    s_request ("fac", "event.nudge", "event-nudge", "{\"event\":\"e1\",\"node\":\"team-a\",\"text\":\"hurry\"}");
    s_request ("team-a", "event.share", "event-share", "{\"event\":\"e1\",\"draft\":\"d3\"}");
    s_request ("watcher", "event.show", "event-show", "{\"event\":\"e1\"}");
    s_request ("watcher", "event.list", "event-list", "{\"cycle\":\"2027-Q1\"}");
    s_request ("watcher", "event.snapshot", "event-snapshot", "{\"event\":\"e1\"}");
    s_request ("lead", "event.report", "event-report", "{\"event\":\"e1\"}");
    s_request ("watcher", "cycle.graph", "cycle-graph", "{\"cycle\":\"2027-Q1\",\"event\":\"e1\"}");
    //  Asks and offers
    s_request ("team-b", "ask.new", "ask-new",
               "{\"event\":\"e1\",\"to\":\"team-a\",\"kr\":\"kr1\",\"need\":\"Wizard hooks\",\"by\":\"week 2\"}");
    s_request ("team-a", "offer.new", "offer-new",
               "{\"event\":\"e1\",\"to\":\"team-b\",\"kr\":\"kr1\",\"text\":\"Shared metric\","
               "\"reflect\":{\"type\":\"shared_kr\",\"kr\":" KR ("Activation shared", 50) "}}");
    s_request ("team-b", "ask.accept", "ask-accept",
               "{\"ask\":\"a1\",\"reflect\":{\"type\":\"new_kr\",\"kr\":" KR ("Billing API live", 1) "}}");
    s_request ("team-b", "ask.accept", "ask-accept-shared",
               "{\"ask\":\"a1\",\"reflect\":{\"type\":\"shared_kr\",\"kr\":{\"text\":\"Billing in wizard\",\"target\":1e3}}}");
    s_request ("team-b", "ask.decline", "ask-decline", "{\"ask\":\"a1\",\"reason\":\"no time\"}");
    s_request ("team-b", "ask.counter", "ask-counter",
               "{\"ask\":\"a1\",\"text\":\"Less\",\"reflect\":{\"type\":\"raise_target\",\"kr\":\"kr2\",\"target\":2.5}}");
    s_request ("team-a", "ask.take", "ask-take-counter", "{\"ask\":\"a3\"}");
    s_request ("team-a", "ask.take", "ask-take-offer", "{\"ask\":\"a2\"}");
    s_request ("team-a", "ask.refuse", "ask-refuse", "{\"ask\":\"a3\",\"reason\":\"not enough\"}");
    //  Refused on purpose
    s_request ("watcher", "draft.new", "forbidden", "{\"content\":" CONTENT ("No") "}");
    s_request (NULL, "ping", "not-hello", "{}");
    s_request ("team-b", "draft.revise", "not-owner", "{\"draft\":\"d1\",\"content\":" CONTENT ("Mine") "}");
    s_request ("lead", "draft.revise", "round-open", "{\"draft\":\"d2\",\"content\":" CONTENT ("Cut churn") "}");
    s_request ("team-a", "round.feedback", "round-closed", "{\"round\":\"r1\",\"kind\":\"support\",\"text\":\"+1\"}");
    s_request ("lead", "round.throw", "unknown-node", "{\"draft\":\"d1\",\"to\":[\"nobody\"]}");
    s_request ("team-a", "ask.new", "wrong-kr", "{\"event\":\"e1\",\"to\":\"team-b\",\"kr\":\"kr9\",\"need\":\"x\"}");
    s_request ("team-a", "ping", "ping-extra-field", "{\"x\":1}");
    s_request ("team-a", "draft.delete", "unknown-type", "{}");
    //  A resend of a seeded change (team-a's draft.new is seed-14).
    s_raw_json (2, "team-a-resend-seed",
                "{\"cb\":1,\"type\":\"draft.new\",\"mid\":\"seed-14\",\"body\":{}}");
    //  Envelopes refused before any handler
    s_raw_json (2, "team-a-bad-version", "{\"cb\":2,\"type\":\"ping\",\"mid\":\"x\"}");
    s_raw_json (2, "team-a-version-str", "{\"cb\":\"1\",\"type\":\"ping\",\"mid\":\"x\"}");
    s_raw_json (2, "team-a-mid-empty", "{\"cb\":1,\"type\":\"ping\",\"mid\":\"\"}");
    s_raw_json (2, "team-a-mid-long",
                "{\"cb\":1,\"type\":\"ping\",\"mid\":\"0123456789012345678901234567890123456789012345678901234567890123x\"}");
    s_raw_json (2, "team-a-type-int", "{\"cb\":1,\"type\":7,\"mid\":\"x\"}");
    s_raw_json (2, "team-a-body-array", "{\"cb\":1,\"type\":\"ping\",\"mid\":\"x\",\"body\":[]}");
    s_raw_json (2, "team-a-body-nil", "{\"cb\":1,\"type\":\"ping\",\"mid\":\"x\",\"body\":null}");
    s_raw_json (2, "team-a-not-map", "[1,2,3]");
    s_raw_json (5, "watcher-top-extra", "{\"cb\":1,\"type\":\"draft.list\",\"mid\":\"x\",\"extra\":true}");
    //  Pages (PROTOCOL.md 4.1): a limit and a cursor, on the bulk drafts
    //  (last, so that the seeds above keep their message ids).
    s_request ("watcher", "draft.list", "draft-list-page", "{\"limit\":7,\"after\":\"d2900\"}");
    s_request ("team-a", "draft.history", "draft-history-page", "{\"draft\":\"d5\",\"limit\":3}");
    s_request ("watcher", "event.list", "event-list-page", "{\"limit\":1,\"cycle\":\"2027-Q1\"}");
    s_request ("watcher", "event.snapshot", "event-snapshot-page", "{\"event\":\"e1\",\"limit\":50}");
    //  The sealed confidence vote (issue 14)
    s_request ("lead", "vote.open", "vote-open", "{\"draft\":\"d2\",\"voters\":[\"team-a\"],\"deadline\":900,\"threshold\":4}");
    s_request ("watcher", "vote.show", "vote-show", "{\"vote\":\"v1\"}");
    //  Issue 13: asks outside events, ask.list, raise, import, a filtered
    //  log subscription (their seeds last, so the ids above stay).
    s_request ("team-a", "ask.new", "ask-new-direct",
               "{\"draft\":\"d3\",\"to\":\"team-b\",\"kr\":\"kr1\",\"need\":\"Data\"}");
    s_request ("team-b", "offer.new", "offer-new-direct",
               "{\"draft\":\"d3\",\"to\":\"team-a\",\"kr\":\"kr1\",\"text\":\"Ours\","
               "\"helper_draft\":\"d4\",\"reflect\":{\"type\":\"raise_target\",\"kr\":\"kr1\",\"target\":9}}");
    s_request ("watcher", "ask.list", "ask-list",
               "{\"cycle\":\"2027-Q1\",\"node\":\"team-a\",\"state\":\"open\",\"limit\":2}");
    s_request ("team-a", "draft.raise", "draft-raise",
               "{\"draft\":\"d3\",\"text\":\"We cannot align\",\"kr\":\"kr1\"}");
    s_request ("lead", "draft.import", "draft-import",
               "{\"cycle\":\"2027-Q1\",\"dry_run\":true,\"drafts\":[" CONTENT ("Imported") "]}");
    s_request ("lead", "draft.retro", "draft-retro",
               "{\"draft\":\"d1\",\"scores\":{\"kr1\":0.5,\"kr2\":1},\"learned\":\"x\"}");
    s_request ("lead", "draft.carry", "draft-carry", "{\"draft\":\"d1\",\"cycle\":\"2027-Q4\"}");
    s_request ("lead", "cycle.new", "cycle-new",
               "{\"name\":\"2027-Q3\",\"start\":1814400000000,\"end\":1822262400000,"
               "\"cadence_days\":14}");
    s_request ("lead", "cycle.close", "cycle-close", "{\"cycle\":\"2027-Q3\"}");
    s_request ("watcher", "cycle.list", "cycle-list", "{}");
    s_request ("lead", "checkin.new", "checkin-new",
               "{\"draft\":\"d1\",\"kr\":\"kr1\",\"value\":42.5,\"confidence\":3,\"note\":\"n\"}");
    s_request ("watcher", "checkin.list", "checkin-list", "{\"cycle\":\"2027-Q1\",\"limit\":5}");
    s_request ("watcher", "log.subscribe", "log-subscribe-filter",
               "{\"filter\":{\"drafts\":[\"d1\"],\"kinds\":[\"draft.revise\"]}}");
}

//  Scalars of every encoding, and the known-bad frames.
static void
s_codec_frames (void)
{
    s_codec_hex ("nil", "c0");
    s_codec_hex ("bools", "92 c2 c3");
    s_codec_hex ("ints", "9a 7f e0 cc ff cd ff ff ce ff ff ff ff cf 7f ff ff ff ff ff ff ff "
                          "d0 80 d1 80 00 d2 80 00 00 00 d3 80 00 00 00 00 00 00 00");
    s_codec_hex ("float32", "ca 3f c0 00 00");
    s_codec_hex ("float64", "cb 40 09 21 fb 54 44 2d 18");
    s_codec_hex ("float64-nan", "81 a1 6e cb 7f f8 00 00 00 00 00 01");
    s_codec_hex ("float32-nan", "91 ca 7f c0 00 01");
    s_codec_hex ("float-inf", "92 cb 7f f0 00 00 00 00 00 00 ca ff 80 00 00");
    s_codec_hex ("str8", "d9 05 68 65 6c 6c 6f");
    s_codec_hex ("str16", "da 00 03 61 62 63");
    s_codec_hex ("str32", "db 00 00 00 02 c3 a9");
    s_codec_hex ("str-empty", "81 a0 a0");
    s_codec_hex ("utf8-4byte", "a4 f0 9f 8d 95");
    s_codec_hex ("array16", "dc 00 02 01 02");
    s_codec_hex ("map16", "de 00 01 a1 6b 90");
    s_codec_hex ("map32", "df 00 00 00 01 a1 6b 80");
    s_codec_hex ("depth16-ok", "91 91 91 91 91 91 91 91 91 91 91 91 91 91 91 00");
    s_codec_hex ("depth16-empty-ok", "91 91 91 91 91 91 91 91 91 91 91 91 91 91 91 90");
    //  Refused
    s_both_hex ("bad-c1", "c1");
    s_both_hex ("bad-c1-inside", "82 a2 63 62 01 a4 74 79 70 65 c1");
    s_both_hex ("bad-array32-huge", "dd ff ff ff ff");
    s_both_hex ("bad-array32-huge-2", "dd 20 00 00 00 c0 c0 c0 c0");
    s_both_hex ("bad-map32-huge", "df 7f ff ff ff a1 6b c0");
    s_both_hex ("bad-array16-short", "dc 00 10 01 02");
    s_both_hex ("bad-str32-huge", "db ff ff ff ff 61");
    s_both_hex ("bad-truncated", "83 a2 63 62 01 a4 74 79 70 65 a4 70 69");
    s_both_hex ("bad-truncated-int", "cf 00 00");
    s_both_hex ("bad-empty", "");
    s_both_hex ("bad-trailing", "80 00");
    s_both_hex ("bad-depth17", "91 91 91 91 91 91 91 91 91 91 91 91 91 91 91 91 00");
    s_both_hex ("bad-depth40", "91 91 91 91 91 91 91 91 91 91 91 91 91 91 91 91 91 91 91 91 "
                               "91 91 91 91 91 91 91 91 91 91 91 91 91 91 91 91 91 91 91 91 00");
    s_both_hex ("bad-bin8", "81 a1 62 c4 02 00 01");
    s_both_hex ("bad-bin32", "c6 00 00 00 01 00");
    s_both_hex ("bad-fixext1", "81 a1 65 d4 01 00");
    s_both_hex ("bad-ext8", "c7 01 05 00");
    s_both_hex ("bad-dup-keys", "83 a2 63 62 01 a2 63 62 01 a3 6d 69 64 a1 78");
    s_both_hex ("bad-dup-empty-keys", "82 a0 01 a0 02");
    s_both_hex ("bad-utf8-lone-cont", "81 a1 6b a1 80");
    s_both_hex ("bad-utf8-overlong", "81 a1 6b a2 c0 af");
    s_both_hex ("bad-utf8-surrogate", "81 a1 6b a3 ed a0 80");
    s_both_hex ("bad-utf8-beyond", "81 a1 6b a4 f4 90 80 80");
    s_both_hex ("bad-utf8-truncated", "81 a1 6b a2 e2 82");
    s_both_hex ("bad-utf8-key", "81 a2 ff fe 01");
    s_both_hex ("bad-nul-in-str", "81 a1 6b a3 61 00 62");
    s_both_hex ("bad-uint64-big", "81 a1 6e cf 80 00 00 00 00 00 00 00");
    s_both_hex ("bad-int-key", "81 01 02");
    s_both_hex ("bad-nil-key", "81 c0 02");
    //  Maps of 256 (accepted) and 257 (refused) entries
    for (int entries = 256; entries <= 257; entries++) {
        uint8_t buf [4096];
        size_t n = 0;
        buf [n++] = 0xde;
        buf [n++] = (uint8_t) (entries >> 8);
        buf [n++] = (uint8_t) entries;
        for (int i = 0; i < entries; i++) {
            char key [8];
            int len = snprintf (key, sizeof (key), "k%d", i);
            buf [n++] = (uint8_t) (0xa0 | len);
            memcpy (buf + n, key, len);
            n += len;
            buf [n++] = 0xc0;
        }
        if (entries == 256)
            s_write ("codec", "map-256", buf, n);
        else
            s_both ("bad-map-257", buf, n);
    }
}

//  The dictionary: strings the protocol uses, as MessagePack fixstr.
static void
s_dictionary (void)
{
    static const char *words [] = {
        "cb", "type", "mid", "body", "node", "role", "parent", "upto", "from", "to",
        "leadership", "team", "facilitator", "observer",
        "content", "message", "draft", "rev", "cycle", "objective", "narrative", "aligned_to",
        "key_results", "id", "text", "baseline", "target", "unit", "leads", "shared_with", "kr",
        "addresses", "owner", "confidence", "comment", "proposal", "round", "question",
        "deadline", "final", "kind", "on", "suggestion", "concern", "support", "cannot-align",
        "name", "participants", "plan", "share", "negotiate", "commit", "event", "minutes",
        "need", "by", "reflect", "new_kr", "raise_target", "shared_kr", "ask", "reason",
        "d1", "d2", "d3", "d4", "r1", "r2", "p1", "f1", "f2", "e1", "a1", "a2", "a3",
        "kr1", "kr2", "kr3", "lead", "team-a", "team-b", "fac", "watcher", "2027-Q1",
        "seed-14", "m", NULL
    };
    char path [768];
    snprintf (path, sizeof (path), "%s/fuzz.dict", s_root);
    FILE *file = fopen (path, "w");
    if (!file) {
        fprintf (stderr, "make_corpus: %s: %s\n", path, strerror (errno));
        exit (1);
    }
    fprintf (file, "# libFuzzer dictionary for fuzz_codec and fuzz_dispatch, written by\n"
                   "# make_corpus.c: the protocol's strings as MessagePack fixstr, then\n"
                   "# headers worth trying.\n");
    for (size_t i = 0; i < FZ_TYPES; i++)
        fprintf (file, "\"\\x%02x%s\"\n", 0xa0 | (unsigned) strlen (fz_types [i].type), fz_types [i].type);
    for (int i = 0; words [i]; i++)
        fprintf (file, "\"\\x%02x%s\"\n", 0xa0 | (unsigned) strlen (words [i]), words [i]);
    fprintf (file, "\"\\xa2cb\\x01\"\n\"\\xa3mid\\xa1m\"\n"
                   "\"\\xdc\\x00\\x10\"\n\"\\xdd\\x00\\x00\\x00\\x10\"\n\"\\xde\\x00\\x10\"\n"
                   "\"\\xdf\\x00\\x00\\x00\\x10\"\n\"\\xd9\\x20\"\n\"\\xda\\x01\\x00\"\n"
                   "\"\\xcb\\x7f\\xf8\\x00\\x00\\x00\\x00\\x00\\x00\"\n\"\\xcf\\x80\\x00\\x00\\x00\\x00\\x00\\x00\\x00\"\n"
                   "\"\\xd3\\x80\\x00\\x00\\x00\\x00\\x00\\x00\\x00\"\n\"\\xca\\x7f\\x80\\x00\\x00\"\n");
    fclose (file);
}

int
main (int argc, char *argv [])
{
    if (argc != 2) {
        fprintf (stderr, "usage: %s DIR (tests/fuzz)\n", argv [0]);
        return 2;
    }
    snprintf (s_root, sizeof (s_root), "%s", argv [1]);
    char path [768];
    snprintf (path, sizeof (path), "%s/corpus", s_root);
    mkdir (path, 0755);
    snprintf (path, sizeof (path), "%s/corpus/codec", s_root);
    mkdir (path, 0755);
    snprintf (path, sizeof (path), "%s/corpus/dispatch", s_root);
    mkdir (path, 0755);
    s_requests ();
    s_codec_frames ();
    s_dictionary ();
    printf ("make_corpus: %d files in %s/corpus, and %s/fuzz.dict\n", s_files, s_root, s_root);
    return 0;
}
