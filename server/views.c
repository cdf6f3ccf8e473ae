/*  =========================================================================
    views - the read models of drafts, events and asks: event.show,
    event.list, event.snapshot (for consoles), event.report and
    cycle.graph

    They read; they never write. Each reads other modules' objects through
    the loaders those modules export (cb_event_load, cb_ask_load,
    cb_draft_load, cb_log_draft_object), and pages as drafts.c does
    (PROTOCOL.md 4.1, 11 and 12). Kept apart from events.c so that the
    event's life (its phases and time boxes) reads on its own.
    =========================================================================
*/
#include "handlers.h"
#include "log.h"
#include "validate.h"

//  The event's asks, in order.
static cb_value_t *
s_asks_of (cb_req_t *req, const cb_value_t *event)
{
    cb_value_t *asks = cb_value_new_array ();
    cb_value_t *ids = cb_value_get_array (event, "asks");
    for (size_t i = 0; i < cb_value_size (ids) && !req->code; i++) {
        cb_value_t *ask = cb_ask_load (req, cb_id_parse (cb_value_str (cb_value_at (ids, i)), 'a'));
        if (ask)
            cb_value_push (asks, &ask);
    }
    return asks;
}

static bool
s_unresolved (const cb_value_t *ask)
{
    const char *state = cb_value_get_str (ask, "state");
    return streq (state, "open") || streq (state, "countered");
}

typedef struct {
    cb_req_t *req;              //  The request
    const char *cycle;          //  Drafts of this cycle
    const cb_value_t *event;    //  Owned by its participants (NULL: by anyone)
    cb_value_t *drafts;         //  Draft objects found (with content)
} s_drafts_t;

static int
s_draft_one (const void *key, size_t klen, const void *val, size_t vlen, void *arg)
{
    s_drafts_t *d = (s_drafts_t *) arg;
    //  Drafts of other cycles are passed over without being decoded.
    if (!cb_raw_str_eq (val, vlen, "cycle", d->cycle))
        return 0;
    cb_value_t *draft = cb_codec_decode (val, vlen, NULL, 0);
    if (draft && streq (cb_value_get_str (draft, "cycle"), d->cycle)
    &&  (!d->event || cb_event_has (d->event, cb_value_get_str (draft, "owner")))) {
        cb_value_t *object = cb_log_draft_object (d->req, draft);
        if (object)
            cb_value_push (d->drafts, &object);
    }
    cb_value_destroy (&draft);
    return 0;
}

//  Drafts of a cycle, with content; only participants' if event is given.
static cb_value_t *
s_drafts_of (cb_req_t *req, const char *cycle, const cb_value_t *event)
{
    s_drafts_t d = { req, cycle, event, cb_value_new_array () };
    if (cb_drafts_scan (req->txn, 1, s_draft_one, &d) < 0)
        cb_req_check_store (req);
    return d.drafts;
}

//  event.show {event} -> {event, asks, unresolved, waiting}
int
cb_handle_event_show (cb_req_t *req, const cb_value_t *body)
{
    static const char *const fields [] = { "event", NULL };
    if (cb_check_fields (req, body, "event.show", fields))
        return -1;
    cb_value_t *event = cb_event_of (req, body);
    if (!event)
        return -1;
    cb_value_t *asks = s_asks_of (req, event);
    cb_value_t *unresolved = cb_value_new_array ();
    for (size_t i = 0; i < cb_value_size (asks); i++)
        if (s_unresolved (cb_value_at (asks, i))) {
            cb_value_t *id = cb_value_new_str (cb_value_get_str (cb_value_at (asks, i), "id"));
            cb_value_push (unresolved, &id);
        }
    //  Open rounds each participant has not answered yet.
    cb_value_t *waiting = cb_value_new_map ();
    cb_value_t *participants = cb_value_get_array (event, "participants");
    for (size_t i = 0; i < cb_value_size (participants); i++) {
        cb_value_t *none = cb_value_new_array ();
        cb_value_set (waiting, cb_value_str (cb_value_at (participants, i)), &none);
    }
    cb_value_t *drafts = s_drafts_of (req, cb_value_get_str (event, "cycle"), NULL);
    for (size_t i = 0; i < cb_value_size (drafts) && !req->code; i++) {
        const char *rid = cb_value_get_str (cb_value_at (drafts, i), "round");
        if (!rid)
            continue;
        cb_value_t *round = cb_round_get (req->txn, rid);
        cb_value_t *to = cb_value_get_array (round, "recipients");
        cb_value_t *answered = cb_value_get_array (round, "answered");
        for (size_t j = 0; j < cb_value_size (to); j++) {
            const char *node = cb_value_str (cb_value_at (to, j));
            cb_value_t *list = cb_value_get_array (waiting, node);
            bool done = false;
            for (size_t k = 0; k < cb_value_size (answered); k++)
                if (streq (node, cb_value_str (cb_value_at (answered, k))))
                    done = true;
            if (list && !done) {
                cb_value_t *v = cb_value_new_str (rid);
                cb_value_push (list, &v);
            }
        }
        cb_value_destroy (&round);
    }
    cb_value_destroy (&drafts);
    cb_value_set (req->reply, "event", &event);
    cb_value_set (req->reply, "asks", &asks);
    cb_value_set (req->reply, "unresolved", &unresolved);
    cb_value_set (req->reply, "waiting", &waiting);
    return req->code ? -1 : 0;
}

typedef struct {
    const char *cycle;          //  Filter, or NULL
    cb_value_t *list;           //  Matches
} s_list_t;

//  Every event of a cycle (or every event), decoded: for cycle.graph.
static int
s_event_all (const void *key, size_t klen, const void *val, size_t vlen, void *arg)
{
    s_list_t *l = (s_list_t *) arg;
    if (l->cycle && !cb_raw_str_eq (val, vlen, "cycle", l->cycle))
        return 0;
    cb_value_t *event = cb_codec_decode (val, vlen, NULL, 0);
    if (event)
        cb_value_push (l->list, &event);
    return 0;
}

static cb_value_t *
s_events (cb_req_t *req, const char *cycle)
{
    s_list_t l = { cycle, cb_value_new_array () };
    if (cb_txn_scan (req->txn, CB_T_EVENTS, NULL, 0, NULL, 0, s_event_all, &l) < 0)
        cb_req_check_store (req);
    return l.list;
}

//  --------------------------------------------------------------------------
//  event.list {cycle?, limit?, after?} -> {events, next}
//  As draft.list (paging.c's cb_page_list): the cycle is checked on the
//  stored bytes, and a match goes into the reply as stored.

int
cb_handle_event_list (cb_req_t *req, const cb_value_t *body)
{
    static const char *const fields [] = { "cycle", "limit", "after", NULL };
    if (cb_check_fields (req, body, "event.list", fields))
        return -1;
    cb_page_t page;
    const char *cycle = cb_field_str (req, body, "cycle", 1, CB_MAX_CYCLE, false);
    if (req->code || cb_page_init (req, body, CB_PAGE_LIMIT, &page))
        return -1;
    return cb_page_list (req, &page, CB_T_EVENTS, 'e', "events", NULL, cycle);
}

//  event.snapshot {event, limit?, after?} -> {seq, objects, next}
//  One page of the snapshot. Its items, in order: the event, its asks,
//  then each draft of the cycle owned by a participant (with its open
//  round, one item: never split). A page holds at most
//  CB_SNAPSHOT_LIMIT objects, as a map of more is not read by every
//  decoder (ours takes CB_CODEC_MAX_MAP entries). The cursor carries the
//  first page's `seq`, which every later page repeats: a client applies
//  the log after it, and entries it applies again to objects read later
//  only set them again to values they had (PROTOCOL.md section 12).
//  Cursors: "SEQ.a.K" after the event and its first K asks, "SEQ.d.N"
//  after draft dN.

#define CB_SNAPSHOT_LIMIT   200

typedef struct {
    cb_req_t *req;              //  The request
    cb_page_t *page;            //  The page being filled
    const cb_value_t *event;    //  The event
    const char *cycle;          //  Its cycle
    cb_value_t *objects;        //  The page's objects
    uint32_t last;              //  The last draft dealt with
    bool more;                  //  Stopped before the end
} s_snap_t;

//  An object of the snapshot, encoded (a new raw value), and the bytes it
//  takes in the reply under its key. Takes the value.
static cb_value_t *
s_snap_encode (cb_value_t **value_p, size_t *size_p)
{
    size_t size;
    const void *data = cb_codec_encode_scratch (*value_p, &size);
    cb_value_t *raw = cb_value_new_raw (data, size);
    cb_value_destroy (value_p);
    *size_p = size + 24;        //  Its key: "draft/d4294967295" at most
    return raw;
}

static void
s_snap_set (s_snap_t *sn, const char *kind, const char *id, cb_value_t **raw_p, size_t size)
{
    char key [48];
    snprintf (key, sizeof (key), "%s/%s", kind, id);
    cb_value_set (sn->objects, key, raw_p);
    cb_page_add (sn->page, size);
}

//  Adds one object if the page has room for it. Takes the value.
static bool
s_snap_put (s_snap_t *sn, const char *kind, const char *id, cb_value_t **value_p)
{
    size_t size;
    cb_value_t *raw = s_snap_encode (value_p, &size);
    if (!cb_page_room (sn->page, size)) {
        cb_value_destroy (&raw);
        return false;
    }
    s_snap_set (sn, kind, id, &raw, size);
    return true;
}

static int
s_snap_draft (const void *key, size_t klen, const void *val, size_t vlen, void *arg)
{
    s_snap_t *sn = (s_snap_t *) arg;
    cb_page_t *page = sn->page;
    if (cb_page_look (page, klen, &sn->more))
        return 1;
    //  Cycle and owner from the stored bytes: only the event's drafts are
    //  decoded.
    size_t len;
    const char *owner = cb_codec_peek_str (val, vlen, "owner", &len);
    char name [CB_MAX_NODE + 1];
    bool wanted = false;
    if (owner && len <= CB_MAX_NODE && cb_raw_str_eq (val, vlen, "cycle", sn->cycle)) {
        memcpy (name, owner, len);
        name [len] = 0;
        wanted = cb_event_has (sn->event, name);
    }
    if (wanted) {
        cb_value_t *draft = cb_codec_decode (val, vlen, NULL, 0);
        cb_value_t *object = draft ? cb_log_draft_object (sn->req, draft) : NULL;
        if (!object) {
            cb_value_destroy (&draft);
            if (!sn->req->code)
                cb_req_fail (sn->req, CB_E_INTERNAL, "snapshot: cannot read d%u",
                             cb_get_u32 ((const uint8_t *) key));
            return 1;
        }
        size_t draft_size, round_size = 0;
        cb_value_t *draft_raw = s_snap_encode (&object, &draft_size);
        cb_value_t *round_raw = NULL;
        const char *rid = cb_value_get_str (draft, "round");
        if (rid) {
            cb_value_t *round = cb_round_get (sn->req->txn, rid);
            if (round)
                round_raw = s_snap_encode (&round, &round_size);
        }
        //  The draft and its open round go into the same page: both or neither.
        size_t objects = round_raw ? 2 : 1;
        if (page->count > 0
        &&  (page->count + objects > page->limit
             || page->bytes + draft_size + round_size > CB_PAGE_BYTES)) {
            sn->more = true;
            cb_value_destroy (&draft_raw);
            cb_value_destroy (&round_raw);
            cb_value_destroy (&draft);
            return 1;
        }
        s_snap_set (sn, "draft", cb_value_get_str (draft, "id"), &draft_raw, draft_size);
        if (round_raw)
            s_snap_set (sn, "round", rid, &round_raw, round_size);
        cb_value_destroy (&draft);
    }
    sn->last = cb_get_u32 ((const uint8_t *) key);
    return 0;
}

int
cb_handle_event_snapshot (cb_req_t *req, const cb_value_t *body)
{
    static const char *const fields [] = { "event", "limit", "after", NULL };
    if (cb_check_fields (req, body, "event.snapshot", fields))
        return -1;
    cb_page_t page;
    uint32_t id = cb_field_id (req, body, "event", 'e');
    if (req->code || cb_page_init (req, body, CB_SNAPSHOT_LIMIT, &page))
        return -1;
    uint64_t last = cb_log_last (req->txn);
    uint64_t seq = last, after_ask = 0, after_draft = 0;
    bool in_drafts = false, first = true;
    if (page.after) {
        const char *end = cb_page_number (page.after, last, &seq);
        if (end && strncmp (end, ".a.", 3) == 0)
            end = cb_page_number (end + 3, UINT32_MAX, &after_ask);
        else
        if (end && strncmp (end, ".d.", 3) == 0) {
            end = cb_page_number (end + 3, UINT32_MAX, &after_draft);
            in_drafts = true;
        }
        else
            end = NULL;
        if (!end || *end)
            return cb_page_fail (req, page.after);
        first = false;
    }
    cb_value_t *event = cb_event_load (req, id);
    if (!event)
        return -1;
    s_snap_t sn = { req, &page, event, cb_value_get_str (event, "cycle"),
                    cb_value_new_map (), (uint32_t) after_draft, false };
    if (first) {
        cb_value_t *copy = cb_value_dup (event);
        s_snap_put (&sn, "event", cb_value_get_str (event, "id"), &copy);
    }
    //  The event's asks, from the one after the cursor.
    cb_value_t *ids = cb_value_get_array (event, "asks");
    size_t index = (size_t) after_ask;
    for (; !in_drafts && !sn.more && index < cb_value_size (ids) && !req->code; index++) {
        const char *aid = cb_value_str (cb_value_at (ids, index));
        cb_value_t *ask = cb_ask_load (req, cb_id_parse (aid, 'a'));
        if (ask && !s_snap_put (&sn, "ask", aid, &ask)) {
            sn.more = true;
            index--;            //  This ask starts the next page
        }
    }
    //  Then the drafts, from the one after the cursor.
    if (!sn.more && !req->code && sn.last < UINT32_MAX
    &&  cb_drafts_scan (req->txn, sn.last + 1, s_snap_draft, &sn) < 0)
        cb_req_check_store (req);
    if (req->code) {
        cb_value_destroy (&sn.objects);
        cb_value_destroy (&event);
        return -1;
    }
    char next [64];
    if (in_drafts || index >= cb_value_size (ids))
        snprintf (next, sizeof (next), "%llu.d.%u", (unsigned long long) seq, sn.last);
    else
        snprintf (next, sizeof (next), "%llu.a.%zu", (unsigned long long) seq, index);
    cb_value_set_int (req->reply, "seq", (int64_t) seq);
    cb_value_set (req->reply, "objects", &sn.objects);
    cb_page_next (req, sn.more ? next : NULL);
    cb_value_destroy (&event);
    return 0;
}

//  event.report {event} -> {event, agreed, declined, countered, unresolved, drafts}
int
cb_handle_event_report (cb_req_t *req, const cb_value_t *body)
{
    static const char *const fields [] = { "event", NULL };
    if (cb_check_fields (req, body, "event.report", fields))
        return -1;
    cb_value_t *event = cb_event_of (req, body);
    if (!event)
        return -1;
    cb_value_t *asks = s_asks_of (req, event);
    const char *lists [] = { "agreed", "declined", "countered", "unresolved" };
    cb_value_t *sorted [4];
    for (int i = 0; i < 4; i++)
        sorted [i] = cb_value_new_array ();
    for (size_t i = 0; i < cb_value_size (asks); i++) {
        cb_value_t *ask = cb_value_at (asks, i);
        const char *state = cb_value_get_str (ask, "state");
        int which = streq (state, "accepted") ? 0 : streq (state, "declined") ? 1
                  : streq (state, "countered") ? 2 : 3;
        cb_value_t *copy = cb_value_dup (ask);
        cb_value_push (sorted [which], &copy);
        if (which == 2) {       //  A standing counter is unresolved too
            copy = cb_value_dup (ask);
            cb_value_push (sorted [3], &copy);
        }
    }
    //  How each shared draft changed while the event ran.
    int64_t since = 0, until = 0;
    cb_value_get_int (event, "started", &since);
    if (!cb_value_get_int (event, "closed", &until))
        until = req->now;
    cb_value_t *drafts = cb_value_new_array ();
    cb_value_t *shared = cb_value_get_map (event, "shared");
    for (size_t i = 0; i < cb_value_size (shared) && !req->code && since; i++) {
        uint32_t id = cb_id_parse (cb_value_str (cb_value_val_at (shared, i)), 'd');
        cb_value_t *draft = cb_draft_load (req, id);
        cb_value_t *revisions = draft ? cb_draft_revisions (req, id, since, until) : NULL;
        if (revisions) {
            cb_value_t *entry = cb_value_new_map ();
            cb_value_set_str (entry, "draft", cb_value_get_str (draft, "id"));
            cb_value_set_str (entry, "owner", cb_value_get_str (draft, "owner"));
            cb_value_set_str (entry, "objective", cb_value_get_str (draft, "objective"));
            cb_value_set (entry, "revisions", &revisions);
            cb_value_push (drafts, &entry);
        }
        cb_value_destroy (&draft);
    }
    cb_value_set (req->reply, "event", &event);
    for (int i = 0; i < 4; i++)
        cb_value_set (req->reply, lists [i], &sorted [i]);
    cb_value_set (req->reply, "drafts", &drafts);
    cb_value_destroy (&asks);
    return req->code ? -1 : 0;
}

//  cycle.graph {cycle, event?, limit?, after?} -> {cycle, drafts, asks, next}
//  One page of the cycle's graph: its items are the drafts of the cycle in
//  id order (with their head content), then the asks of its events (or of
//  the one event) in event order, each event's in the order made, then
//  (without `event`) the asks made outside any event for drafts of the
//  cycle, in id order. Cursors: "d.N" after draft dN, "a.E.K" after the
//  first K asks of event eE, "f.N" after ask aN of those outside events.

typedef struct {
    cb_req_t *req;              //  The request
    cb_page_t *page;            //  The page being filled
    const char *cycle;          //  The cycle
    cb_value_t *list;           //  The page's drafts
    uint32_t last;              //  The last draft dealt with
    bool more;                  //  Stopped before the end
} s_graph_t;

static int
s_graph_draft (const void *key, size_t klen, const void *val, size_t vlen, void *arg)
{
    s_graph_t *g = (s_graph_t *) arg;
    if (cb_page_look (g->page, klen, &g->more))
        return 1;
    if (cb_raw_str_eq (val, vlen, "cycle", g->cycle)) {
        cb_value_t *draft = cb_codec_decode (val, vlen, NULL, 0);
        cb_value_t *object = draft ? cb_log_draft_object (g->req, draft) : NULL;
        cb_value_destroy (&draft);
        if (!object) {
            if (!g->req->code)
                cb_req_fail (g->req, CB_E_INTERNAL, "graph: cannot read d%u",
                             cb_get_u32 ((const uint8_t *) key));
            return 1;
        }
        size_t size;
        const void *data = cb_codec_encode_scratch (object, &size);
        cb_value_destroy (&object);
        cb_value_t *raw = cb_value_new_raw (data, size);
        if (cb_page_take (g->page, g->list, &raw, size, &g->more))
            return 1;
    }
    g->last = cb_get_u32 ((const uint8_t *) key);
    return 0;
}

//  The asks made outside any event for drafts of the cycle, from the one
//  after g->last, as stored.
typedef struct {
    s_graph_t *g;
    cb_value_t *asks;           //  The page's asks
} s_free_t;

static int
s_graph_free_ask (const void *key, size_t klen, const void *val, size_t vlen, void *arg)
{
    s_free_t *f = (s_free_t *) arg;
    size_t len;
    if (cb_page_look (f->g->page, klen, &f->g->more))
        return 1;
    if (!cb_codec_peek_str (val, vlen, "event", &len)
    &&  cb_ask_in_cycle (f->g->req, val, vlen, f->g->cycle)) {
        cb_value_t *raw = cb_value_new_raw_ref (val, vlen);
        if (cb_page_take (f->g->page, f->asks, &raw, vlen, &f->g->more))
            return 1;
    }
    f->g->last = cb_get_u32 ((const uint8_t *) key);
    return 0;
}

//  Reads a graph cursor: "d.N" (after draft dN), "a.E.K" (after the
//  first K asks of event eE) or "f.N" (after ask aN outside events). 0,
//  or -1 if it is none of those.
static int
s_graph_after (const char *after, uint64_t *draft, uint64_t *event, uint64_t *ask,
               bool *in_asks, bool *in_free)
{
    const char *end = NULL;
    if (strncmp (after, "d.", 2) == 0)
        end = cb_page_number (after + 2, UINT32_MAX, draft);
    else
    if (strncmp (after, "f.", 2) == 0) {
        end = cb_page_number (after + 2, UINT32_MAX, ask);
        *in_free = true;
    }
    else
    if (strncmp (after, "a.", 2) == 0) {
        end = cb_page_number (after + 2, UINT32_MAX, event);
        if (end && *end == '.')
            end = cb_page_number (end + 1, UINT32_MAX, ask);
        else
            end = NULL;
        *in_asks = true;
    }
    return end && !*end ? 0 : -1;
}

int
cb_handle_cycle_graph (cb_req_t *req, const cb_value_t *body)
{
    static const char *const fields [] = { "cycle", "event", "limit", "after", NULL };
    if (cb_check_fields (req, body, "cycle.graph", fields))
        return -1;
    cb_page_t page;
    const char *cycle = cb_field_str (req, body, "cycle", 1, CB_MAX_CYCLE, true);
    if (req->code || cb_page_init (req, body, CB_PAGE_LIMIT, &page))
        return -1;
    uint64_t after_draft = 0, after_event = 0, after_ask = 0;
    bool in_asks = false, in_free = false;
    if (page.after
    &&  s_graph_after (page.after, &after_draft, &after_event, &after_ask, &in_asks, &in_free))
        return cb_page_fail (req, page.after);
    bool one_event = cb_value_get (body, "event") != NULL;
    if (in_free && one_event)
        return cb_page_fail (req, page.after);
    cb_value_t *events;
    if (cb_value_get (body, "event")) {
        cb_value_t *event = cb_event_of (req, body);
        if (!event)
            return -1;
        events = cb_value_new_array ();
        cb_value_push (events, &event);
    }
    else
        events = s_events (req, cycle);
    //  The drafts, from the one after the cursor.
    s_graph_t g = { req, &page, cycle, cb_value_new_array (), (uint32_t) after_draft, false };
    if (!in_asks && !in_free && !req->code && g.last < UINT32_MAX
    &&  cb_drafts_scan (req->txn, g.last + 1, s_graph_draft, &g) < 0)
        cb_req_check_store (req);
    //  Then the asks, from the one after the cursor.
    cb_value_t *asks = cb_value_new_array ();
    uint32_t event_id = 0;
    size_t index = 0;
    for (size_t i = 0; !in_free && !g.more && i < cb_value_size (events) && !req->code; i++) {
        cb_value_t *event = cb_value_at (events, i);
        event_id = cb_id_parse (cb_value_get_str (event, "id"), 'e');
        if (in_asks && event_id < after_event)
            continue;
        cb_value_t *ids = cb_value_get_array (event, "asks");
        index = in_asks && event_id == after_event ? (size_t) after_ask : 0;
        for (; index < cb_value_size (ids) && !req->code; index++) {
            cb_value_t *ask = cb_ask_load (req, cb_id_parse (cb_value_str (cb_value_at (ids, index)), 'a'));
            if (!ask)
                break;
            size_t size;
            const void *data = cb_codec_encode_scratch (ask, &size);
            cb_value_destroy (&ask);
            if (!cb_page_room (&page, size)) {
                g.more = true;
                break;
            }
            cb_value_t *raw = cb_value_new_raw (data, size);
            cb_value_push (asks, &raw);
            cb_page_add (&page, size);
        }
    }
    cb_value_destroy (&events);
    //  Then, for the whole cycle, the asks made outside any event.
    bool free_asks = !one_event && !g.more && !req->code;
    if (free_asks) {
        g.last = in_free ? (uint32_t) after_ask : 0;
        s_free_t f = { &g, asks };
        if (g.last < UINT32_MAX && cb_asks_scan (req->txn, g.last + 1, s_graph_free_ask, &f) < 0)
            cb_req_check_store (req);
    }
    if (req->code) {
        cb_value_destroy (&g.list);
        cb_value_destroy (&asks);
        return -1;
    }
    char next [64];
    if (free_asks)
        snprintf (next, sizeof (next), "f.%u", g.last);
    else
    if (event_id)
        snprintf (next, sizeof (next), "a.%u.%zu", event_id, index);
    else
        snprintf (next, sizeof (next), "d.%u", g.last);
    cb_value_set_str (req->reply, "cycle", cycle);
    cb_value_set (req->reply, "drafts", &g.list);
    cb_value_set (req->reply, "asks", &asks);
    cb_page_next (req, g.more ? next : NULL);
    return 0;
}
