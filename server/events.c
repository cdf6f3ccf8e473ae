/*  =========================================================================
    events - live alignment marketplace events: create, run through their
    time-boxed phases, share drafts into them

    The phases are planned -> share -> negotiate -> commit -> closed. The
    facilitator advances them; a time box that runs out advances them too,
    through the broker's timer (cb_events_expire), which survives restarts
    because the time boxes live in their own table, ordered by time.
    Asks and offers are in asks.c; the reads (show, list, snapshot,
    report, the cycle's graph) in views.c. See PROTOCOL.md, section 11.
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

cb_value_t *
cb_event_of (cb_req_t *req, const cb_value_t *body)
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
//  event.advance {event, from?} -> {event, phase, ends}

int
cb_handle_event_advance (cb_req_t *req, const cb_value_t *body)
{
    static const char *const fields [] = { "event", "from", NULL };
    if (cb_check_fields (req, body, "event.advance", fields))
        return -1;
    //  from: the phase the sender sees. A time box may have ended it
    //  meanwhile; advancing again then would skip the next phase (from
    //  commit, close the event for good): refused instead.
    const char *from = cb_field_str (req, body, "from", 1, 16, false);
    if (req->code)
        return -1;
    cb_value_t *event = cb_event_of (req, body);
    if (event && !s_check_facilitator (req, event)) {
        if (from && !streq (from, cb_value_get_str (event, "phase")))
            cb_req_fail (req, CB_E_WRONG_PHASE, "event %s is in %s now, not %s: it moved on "
                         "meanwhile (a time box ended?); nothing was advanced",
                         cb_value_get_str (event, "id"), cb_value_get_str (event, "phase"),
                         from);
        else
        if (!s_advance (req, event))
            s_reply_phase (req, event);
    }
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
    cb_value_t *event = cb_event_of (req, body);
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

#define S_NUDGES_MAX    1000    //  Nudges an event keeps (a few dozen in practice)

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
    cb_value_t *event = cb_event_of (req, body);
    if (event && !s_check_facilitator (req, event)) {
        if (!cb_event_has (event, node))
            cb_req_fail (req, CB_E_NOT_PARTICIPANT, "%s is not a participant of %s", node,
                         cb_value_get_str (event, "id"));
        else {
            //  Kept in the event, so that the log carries it to every
            //  console (and the report has it): {node, by, text, time}.
            cb_value_t *nudges = cb_value_want_array (event, "nudges");
            if (cb_value_size (nudges) >= S_NUDGES_MAX) {
                cb_value_destroy (&event);
                return cb_req_fail (req, CB_E_BAD_FIELD, "an event keeps %d nudges at most",
                                    S_NUDGES_MAX);
            }
            cb_value_t *nudge = cb_value_new_map ();
            cb_value_set_str (nudge, "node", node);
            cb_value_set_str (nudge, "by", req->node);
            cb_value_set_str (nudge, "text", text ? text : "");
            cb_value_set_int (nudge, "time", req->now);
            cb_value_push (nudges, &nudge);
            cb_value_t *note = cb_value_new_map ();
            cb_value_set_str (note, "event", cb_value_get_str (event, "id"));
            cb_value_set_str (note, "name", cb_value_get_str (event, "name"));
            cb_value_set_str (note, "by", req->node);
            cb_value_set_str (note, "text", text ? text : "");
            if (cb_event_save (req, event))
                cb_value_destroy (&note);
            else
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
    cb_value_t *event = cb_event_of (req, body);
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
