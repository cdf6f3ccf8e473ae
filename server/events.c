/*  =========================================================================
    events - live alignment marketplace events: create, run through their
    time-boxed phases, share drafts into them, and read them (show, list,
    snapshot for consoles, report, the cycle's alignment graph)

    The phases are planned -> share -> negotiate -> commit -> closed. The
    facilitator advances them; a time box that runs out advances them too,
    through the broker's timer (cb_events_expire), which survives restarts
    because the time boxes live in their own table, ordered by time.
    Asks and offers are in asks.c. See PROTOCOL.md, section 11.
    =========================================================================
*/
#include "handlers.h"
#include "inbox.h"
#include "log.h"
#include "timers.h"
#include "validate.h"

static const char *s_phases [] = { "planned", "share", "negotiate", "commit", "closed", NULL };

int
cb_event_phase_index (const char *phase)
{
    for (int i = 0; s_phases [i]; i++)
        if (phase && streq (phase, s_phases [i]))
            return i;
    return -1;
}

//  --------------------------------------------------------------------------
//  Records

cb_value_t *
cb_event_load (cb_req_t *req, uint32_t id)
{
    return cb_obj_load (req, CB_T_EVENTS, 'e', id);
}

int
cb_event_save (cb_req_t *req, const cb_value_t *event)
{
    uint32_t id = cb_id_parse (cb_value_get_str (event, "id"), 'e');
    return cb_obj_save (req, CB_T_EVENTS, 'e', id, event);
}

bool
cb_event_has (const cb_value_t *event, const char *node)
{
    cb_value_t *participants = cb_value_get_array (event, "participants");
    for (size_t i = 0; i < cb_value_size (participants); i++)
        if (streq (cb_value_str (cb_value_at (participants, i)), node))
            return true;
    return false;
}

//  Loads the event named by the body's "event" field. NULL on failure.
static cb_value_t *
s_event_of (cb_req_t *req, const cb_value_t *body)
{
    uint32_t id = cb_field_id (req, body, "event", 'e');
    return id ? cb_event_load (req, id) : NULL;
}

//  Tells the facilitator and every participant the event's phase.
static void
s_tell_phase (cb_req_t *req, const cb_value_t *event)
{
    cb_value_t *participants = cb_value_get_array (event, "participants");
    for (ssize_t i = -1; i < (ssize_t) cb_value_size (participants) && !req->code; i++) {
        const char *node = i < 0 ? cb_value_get_str (event, "facilitator")
                                 : cb_value_str (cb_value_at (participants, (size_t) i));
        cb_value_t *note = cb_value_new_map ();
        cb_value_set_str (note, "event", cb_value_get_str (event, "id"));
        cb_value_set_str (note, "name", cb_value_get_str (event, "name"));
        cb_value_set_str (note, "phase", cb_value_get_str (event, "phase"));
        cb_value_t *ends = cb_value_dup (cb_value_get (event, "ends"));
        cb_value_set (note, "ends", &ends);
        if (!cb_inbox_push (req, node, "event.phase", &note))
            cb_req_check_store (req);
    }
}

//  Moves the event to its next phase, with the time box it brings.
static int
s_advance (cb_req_t *req, cb_value_t *event)
{
    int phase = cb_event_phase_index (cb_value_get_str (event, "phase"));
    if (phase < 0 || phase >= 4)
        return cb_req_fail (req, CB_E_WRONG_PHASE, "event %s is closed",
                            cb_value_get_str (event, "id"));
    uint32_t id = cb_id_parse (cb_value_get_str (event, "id"), 'e');
    int64_t ends = 0;
    if (cb_value_get_int (event, "ends", &ends) && ends
    &&  cb_timer_clear (req, CB_T_TIMEBOXES, ends, id))
        return -1;
    const char *next = s_phases [phase + 1];
    cb_value_set_str (event, "phase", next);
    cb_value_set_int (event, "phase_started", req->now);
    cb_value_t *step = cb_value_new_map ();
    cb_value_set_str (step, "phase", next);
    cb_value_set_int (step, "started", req->now);
    cb_value_push (cb_value_get_array (event, "phases"), &step);
    if (phase == 0)
        cb_value_set_int (event, "started", req->now);
    int64_t minutes = 0;
    cb_value_get_int (cb_value_get_map (event, "plan"), next, &minutes);
    if (minutes > 0) {
        ends = req->now + minutes * 60000;
        cb_value_set_int (event, "ends", ends);
        if (cb_timer_set (req, CB_T_TIMEBOXES, ends, id))
            return -1;
        if (!req->deadline || ends < req->deadline)
            req->deadline = ends;
    }
    else
        cb_value_set_nil (event, "ends");
    if (streq (next, "closed"))
        cb_value_set_int (event, "closed", req->now);
    if (cb_event_save (req, event))
        return -1;
    s_tell_phase (req, event);
    return req->code ? -1 : 0;
}

static void
s_reply_phase (cb_req_t *req, const cb_value_t *event)
{
    cb_value_set_str (req->reply, "event", cb_value_get_str (event, "id"));
    cb_value_set_str (req->reply, "phase", cb_value_get_str (event, "phase"));
    cb_value_t *ends = cb_value_dup (cb_value_get (event, "ends"));
    cb_value_set (req->reply, "ends", &ends);
}

//  Fails unless the sender is the event's facilitator.
static int
s_check_facilitator (cb_req_t *req, const cb_value_t *event)
{
    if (!streq (cb_value_get_str (event, "facilitator"), req->node))
        return cb_req_fail (req, CB_E_NOT_OWNER, "event %s is run by %s",
                            cb_value_get_str (event, "id"),
                            cb_value_get_str (event, "facilitator"));
    return 0;
}

//  --------------------------------------------------------------------------
//  event.new {name, cycle, participants, plan?} -> {event}

int
cb_handle_event_new (cb_req_t *req, const cb_value_t *body)
{
    static const char *const fields [] = { "name", "cycle", "participants", "plan", NULL };
    static const char *const timed [] = { "share", "negotiate", "commit", NULL };
    static const int defaults [] = { 20, 40, 10 };
    if (cb_check_fields (req, body, "event.new", fields))
        return -1;
    const char *name = cb_field_str (req, body, "name", 1, 100, true);
    const char *cycle = req->code ? NULL : cb_field_str (req, body, "cycle", 1, CB_MAX_CYCLE, true);
    if (req->code)
        return -1;
    cb_value_t *plan_in = cb_value_get (body, "plan");
    cb_value_t *plan = cb_value_new_map ();
    if (plan_in && cb_value_type (plan_in) != CB_NIL
    &&  (cb_value_type (plan_in) != CB_MAP || cb_check_fields (req, plan_in, "plan", timed)))
        cb_req_fail (req, CB_E_BAD_FIELD, "'plan' must be {share, negotiate, commit} in minutes");
    for (int i = 0; timed [i] && !req->code; i++) {
        int64_t minutes = defaults [i];
        if (plan_in && cb_value_type (plan_in) == CB_MAP
        &&  cb_field_int (req, plan_in, timed [i], 1, 1440, false, &minutes) < 0)
            break;
        cb_value_set_int (plan, timed [i], minutes);
    }
    cb_value_t *to = cb_value_get (body, "participants");
    if (!req->code && (cb_value_type (to) != CB_ARRAY || cb_value_size (to) < 1
                       || cb_value_size (to) > CB_MAX_RECIPIENTS))
        cb_req_fail (req, CB_E_BAD_FIELD, "'participants' must list 1 to %d nodes",
                     CB_MAX_RECIPIENTS);
    cb_value_t *participants = cb_value_new_array ();
    for (size_t i = 0; !req->code && i < cb_value_size (to); i++) {
        const char *node = cb_value_str (cb_value_at (to, i));
        cb_value_t *record = node && cb_node_name_valid (node) ? cb_node_get (req->txn, node) : NULL;
        const char *role = cb_value_get_str (record, "role");
        bool seen = false;
        for (size_t j = 0; j < cb_value_size (participants); j++)
            if (streq (cb_value_str (cb_value_at (participants, j)), node))
                seen = true;
        if (!node || !cb_node_name_valid (node))
            cb_req_fail (req, CB_E_BAD_FIELD, "'participants' holds something that is not a node name");
        else
        if (seen)
            cb_req_fail (req, CB_E_BAD_FIELD, "'participants' names %s twice", node);
        else
        if (!record && !cb_req_check_store (req))
            cb_req_fail (req, CB_E_UNKNOWN_NODE, "no node '%s' has ever said hello", node);
        else
        if (record && !streq (role, "team") && !streq (role, "leadership"))
            cb_req_fail (req, CB_E_BAD_FIELD, "%s is a %s node: participants are leadership and team nodes",
                         node, role);
        else {
            cb_value_t *v = cb_value_new_str (node);
            cb_value_push (participants, &v);
        }
        cb_value_destroy (&record);
    }
    uint32_t id = req->code ? 0 : cb_req_next_id (req, "event");
    if (id) {
        char eid [16];
        cb_value_t *event = cb_value_new_map ();
        cb_value_set_str (event, "id", cb_id_format (eid, 'e', id));
        cb_value_set_str (event, "name", name);
        cb_value_set_str (event, "cycle", cycle);
        cb_value_set_str (event, "facilitator", req->node);
        cb_value_set (event, "participants", &participants);
        cb_value_set (event, "plan", &plan);
        cb_value_set_str (event, "phase", "planned");
        cb_value_set_nil (event, "started");
        cb_value_set_nil (event, "phase_started");
        cb_value_set_nil (event, "ends");
        cb_value_t *shared = cb_value_new_map ();
        cb_value_set (event, "shared", &shared);
        cb_value_t *asks = cb_value_new_array ();
        cb_value_set (event, "asks", &asks);
        cb_value_t *phases = cb_value_new_array ();
        cb_value_set (event, "phases", &phases);
        cb_value_set_int (event, "created", req->now);
        cb_value_set_nil (event, "closed");
        if (!cb_event_save (req, event))
            cb_value_set_str (req->reply, "event", eid);
        cb_value_destroy (&event);
    }
    cb_value_destroy (&participants);
    cb_value_destroy (&plan);
    return req->code ? -1 : 0;
}

//  --------------------------------------------------------------------------
//  event.advance {event} -> {event, phase, ends}

int
cb_handle_event_advance (cb_req_t *req, const cb_value_t *body)
{
    static const char *const fields [] = { "event", NULL };
    if (cb_check_fields (req, body, "event.advance", fields))
        return -1;
    cb_value_t *event = s_event_of (req, body);
    if (event && !s_check_facilitator (req, event) && !s_advance (req, event))
        s_reply_phase (req, event);
    cb_value_destroy (&event);
    return req->code ? -1 : 0;
}

//  --------------------------------------------------------------------------
//  event.extend {event, minutes} -> {event, phase, ends}

int
cb_handle_event_extend (cb_req_t *req, const cb_value_t *body)
{
    static const char *const fields [] = { "event", "minutes", NULL };
    if (cb_check_fields (req, body, "event.extend", fields))
        return -1;
    int64_t minutes = 0;
    if (cb_field_int (req, body, "minutes", 1, 1440, true, &minutes) < 0)
        return -1;
    cb_value_t *event = s_event_of (req, body);
    int64_t ends = 0;
    if (event && !s_check_facilitator (req, event)) {
        if (!cb_value_get_int (event, "ends", &ends) || !ends)
            cb_req_fail (req, CB_E_WRONG_PHASE, "event %s is %s: no time box to extend",
                         cb_value_get_str (event, "id"), cb_value_get_str (event, "phase"));
        else {
            uint32_t id = cb_id_parse (cb_value_get_str (event, "id"), 'e');
            cb_timer_clear (req, CB_T_TIMEBOXES, ends, id);
            ends += minutes * 60000;
            cb_value_set_int (event, "ends", ends);
            if (!req->code)
                cb_timer_set (req, CB_T_TIMEBOXES, ends, id);
            if (!req->code && !cb_event_save (req, event)) {
                s_tell_phase (req, event);
                s_reply_phase (req, event);
                if (!req->deadline || ends < req->deadline)
                    req->deadline = ends;
            }
        }
    }
    cb_value_destroy (&event);
    return req->code ? -1 : 0;
}

//  --------------------------------------------------------------------------
//  event.nudge {event, node, text?} -> {event, node}

int
cb_handle_event_nudge (cb_req_t *req, const cb_value_t *body)
{
    static const char *const fields [] = { "event", "node", "text", NULL };
    if (cb_check_fields (req, body, "event.nudge", fields))
        return -1;
    const char *node = cb_field_str (req, body, "node", 1, CB_MAX_NODE, true);
    const char *text = req->code ? NULL : cb_field_str (req, body, "text", 0, CB_MAX_MESSAGE, false);
    if (req->code)
        return -1;
    cb_value_t *event = s_event_of (req, body);
    if (event && !s_check_facilitator (req, event)) {
        if (!cb_event_has (event, node))
            cb_req_fail (req, CB_E_NOT_PARTICIPANT, "%s is not a participant of %s", node,
                         cb_value_get_str (event, "id"));
        else {
            cb_value_t *note = cb_value_new_map ();
            cb_value_set_str (note, "event", cb_value_get_str (event, "id"));
            cb_value_set_str (note, "name", cb_value_get_str (event, "name"));
            cb_value_set_str (note, "by", req->node);
            cb_value_set_str (note, "text", text ? text : "");
            if (!cb_inbox_push (req, node, "event.nudge", &note))
                cb_req_check_store (req);
            else {
                cb_value_set_str (req->reply, "event", cb_value_get_str (event, "id"));
                cb_value_set_str (req->reply, "node", node);
            }
        }
    }
    cb_value_destroy (&event);
    return req->code ? -1 : 0;
}

//  --------------------------------------------------------------------------
//  event.share {event, draft} -> {event, draft}

int
cb_handle_event_share (cb_req_t *req, const cb_value_t *body)
{
    static const char *const fields [] = { "event", "draft", NULL };
    if (cb_check_fields (req, body, "event.share", fields))
        return -1;
    uint32_t draft_id = cb_field_id (req, body, "draft", 'd');
    if (!draft_id)
        return -1;
    cb_value_t *event = s_event_of (req, body);
    cb_value_t *draft = event ? cb_draft_load (req, draft_id) : NULL;
    if (draft) {
        const char *phase = cb_value_get_str (event, "phase");
        if (!cb_event_has (event, req->node))
            cb_req_fail (req, CB_E_NOT_PARTICIPANT, "%s is not a participant of %s", req->node,
                         cb_value_get_str (event, "id"));
        else
        if (!streq (phase, "share") && !streq (phase, "negotiate"))
            cb_req_fail (req, CB_E_WRONG_PHASE, "drafts are shared in the share and negotiate phases; %s is %s",
                         cb_value_get_str (event, "id"), phase);
        else
        if (!cb_draft_check_owner (req, draft)) {
            if (!streq (cb_value_get_str (draft, "cycle"), cb_value_get_str (event, "cycle")))
                cb_req_fail (req, CB_E_BAD_FIELD, "%s is for %s, the event for %s",
                             cb_value_get_str (draft, "id"), cb_value_get_str (draft, "cycle"),
                             cb_value_get_str (event, "cycle"));
            else {
                cb_value_set_str (cb_value_get_map (event, "shared"), req->node,
                                  cb_value_get_str (draft, "id"));
                if (!cb_event_save (req, event)) {
                    cb_value_set_str (req->reply, "event", cb_value_get_str (event, "id"));
                    cb_value_set_str (req->reply, "draft", cb_value_get_str (draft, "id"));
                    //  The draft as the event shows it goes into the log too.
                    cb_req_changed (req, "draft", cb_value_get_str (draft, "id"), draft);
                }
            }
        }
    }
    cb_value_destroy (&draft);
    cb_value_destroy (&event);
    return req->code ? -1 : 0;
}

//  --------------------------------------------------------------------------
//  Reading

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
    if (cb_txn_scan (req->txn, CB_T_DRAFTS, NULL, 0, NULL, 0, s_draft_one, &d) < 0)
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
    cb_value_t *event = s_event_of (req, body);
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
        uint8_t key [4];
        cb_key_u32 (key, cb_id_parse (rid, 'r'));
        cb_value_t *round = cb_rec_get (req->txn, CB_T_ROUNDS, key, 4);
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

//  event.list {cycle?, limit?, after?} -> {events, next}
//  As draft.list: the cycle is checked on the stored bytes, and a match
//  goes into the reply as stored. The cursor is the last event id looked at.
typedef struct {
    cb_page_t *page;            //  The page being filled
    const char *cycle;          //  Filter, or NULL
    cb_value_t *list;           //  Matches
    uint32_t last;              //  The last event dealt with
    bool more;                  //  Stopped before the end
} s_list_t;

static int
s_event_one (const void *key, size_t klen, const void *val, size_t vlen, void *arg)
{
    s_list_t *l = (s_list_t *) arg;
    if (klen != 4 || l->page->examined == CB_PAGE_SCAN) {
        l->more = klen == 4;
        return 1;
    }
    l->page->examined++;
    if (!l->cycle || cb_raw_str_eq (val, vlen, "cycle", l->cycle)) {
        if (!cb_page_room (l->page, vlen)) {
            l->more = true;
            return 1;
        }
        cb_value_t *raw = cb_value_new_raw_ref (val, vlen);
        cb_value_push (l->list, &raw);
        cb_page_add (l->page, vlen);
    }
    l->last = cb_get_u32 ((const uint8_t *) key);
    return 0;
}

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
    s_list_t l = { NULL, cycle, cb_value_new_array (), 0, false };
    if (cb_txn_scan (req->txn, CB_T_EVENTS, NULL, 0, NULL, 0, s_event_all, &l) < 0)
        cb_req_check_store (req);
    return l.list;
}

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
    uint32_t after = 0;
    if (page.after && !(after = cb_id_parse (page.after, 'e')))
        return cb_page_fail (req, page.after);
    s_list_t l = { &page, cycle, cb_value_new_array (), after, false };
    uint8_t from [4];
    cb_key_u32 (from, after + 1);
    if (after < UINT32_MAX
    &&  cb_txn_scan (req->txn, CB_T_EVENTS, NULL, 0, from, 4, s_event_one, &l) < 0) {
        cb_value_destroy (&l.list);
        return cb_req_check_store (req);
    }
    char next [16];
    cb_value_set (req->reply, "events", &l.list);
    cb_page_next (req, l.more ? cb_id_format (next, 'e', l.last) : NULL);
    return 0;
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
    if (klen != 4 || page->examined == CB_PAGE_SCAN) {
        sn->more = klen == 4;
        return 1;
    }
    page->examined++;
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
            uint8_t rkey [4];
            cb_key_u32 (rkey, cb_id_parse (rid, 'r'));
            cb_value_t *round = cb_rec_get (sn->req->txn, CB_T_ROUNDS, rkey, 4);
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
    uint8_t from [4];
    cb_key_u32 (from, sn.last + 1);
    if (!sn.more && !req->code && sn.last < UINT32_MAX
    &&  cb_txn_scan (req->txn, CB_T_DRAFTS, NULL, 0, from, 4, s_snap_draft, &sn) < 0)
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
    cb_value_t *event = s_event_of (req, body);
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
//  the one event) in event order, each event's in the order made. Cursors:
//  "d.N" after draft dN, "a.E.K" after the first K asks of event eE.

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
    if (klen != 4 || g->page->examined == CB_PAGE_SCAN) {
        g->more = klen == 4;
        return 1;
    }
    g->page->examined++;
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
        if (!cb_page_room (g->page, size)) {
            g->more = true;
            return 1;
        }
        cb_value_t *raw = cb_value_new_raw (data, size);
        cb_value_push (g->list, &raw);
        cb_page_add (g->page, size);
    }
    g->last = cb_get_u32 ((const uint8_t *) key);
    return 0;
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
    bool in_asks = false;
    if (page.after) {
        const char *end = NULL;
        if (strncmp (page.after, "d.", 2) == 0)
            end = cb_page_number (page.after + 2, UINT32_MAX, &after_draft);
        else
        if (strncmp (page.after, "a.", 2) == 0) {
            end = cb_page_number (page.after + 2, UINT32_MAX, &after_event);
            if (end && *end == '.')
                end = cb_page_number (end + 1, UINT32_MAX, &after_ask);
            else
                end = NULL;
            in_asks = true;
        }
        if (!end || *end)
            return cb_page_fail (req, page.after);
    }
    cb_value_t *events;
    if (cb_value_get (body, "event")) {
        cb_value_t *event = s_event_of (req, body);
        if (!event)
            return -1;
        events = cb_value_new_array ();
        cb_value_push (events, &event);
    }
    else
        events = s_events (req, cycle);
    //  The drafts, from the one after the cursor.
    s_graph_t g = { req, &page, cycle, cb_value_new_array (), (uint32_t) after_draft, false };
    uint8_t from [4];
    cb_key_u32 (from, g.last + 1);
    if (!in_asks && !req->code && g.last < UINT32_MAX
    &&  cb_txn_scan (req->txn, CB_T_DRAFTS, NULL, 0, from, 4, s_graph_draft, &g) < 0)
        cb_req_check_store (req);
    //  Then the asks, from the one after the cursor.
    cb_value_t *asks = cb_value_new_array ();
    uint32_t event_id = 0;
    size_t index = 0;
    for (size_t i = 0; !g.more && i < cb_value_size (events) && !req->code; i++) {
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
    if (req->code) {
        cb_value_destroy (&g.list);
        cb_value_destroy (&asks);
        return -1;
    }
    char next [64];
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

//  --------------------------------------------------------------------------
//  Time boxes (timers.c)

//  Advances an event whose time box has run out, unless it has moved on.
static int
s_timebox_fire (cb_req_t *req, uint32_t id, int64_t when, void *arg)
{
    (void) arg;
    cb_value_t *event = cb_event_load (req, id);
    int64_t ends = 0;
    int rc = event ? 0 : -1;
    if (event && cb_value_get_int (event, "ends", &ends) && ends == when)
        rc = s_advance (req, event) ? -1 : 1;
    cb_value_destroy (&event);
    return rc;
}

int
cb_events_expire (cb_req_t *req)
{
    return cb_timers_fire (req, CB_T_TIMEBOXES, s_timebox_fire, NULL);
}

int64_t
cb_events_next_timebox (cb_txn_t *txn)
{
    return cb_timer_next (txn, CB_T_TIMEBOXES);
}
