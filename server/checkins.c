/*  =========================================================================
    checkins - what happened after finalize: a key result's current value
    and the team's confidence, recorded week by week (issue 14, item 2;
    seeds 002 to 004: "inspect progress weekly or they drift")

    checkin.new {draft, kr, value, confidence, note?} -> {id, draft, kr, to}
    checkin.list {draft? | cycle?, limit?, after?} -> {checkins, next}

    A check-in is an object of its own (cN), kept append-only in the
    checkins table: it is never changed or removed, so the progress of a
    key result over the cycle is the list of its check-ins in id order.
    Its draft lists it under `checkins` (draft.history shows them, paged
    as `raised` is). It may be made by the draft's owner or by a lead of
    the key result: a node whose name is in the key result's `leads` on
    the draft's head. A key result shared with another draft (shared_with)
    is one promise carried by two teams: the check-in is listed on both
    drafts and the other draft's owner is told (checkin.new). A check-in
    whose confidence falls (by 2 or more from the key result's previous
    one, or below 2 from 2 or more) tells the owners of the drafts aligned
    to that key result (checkin.dropped): their own promise leans on it.

    The cadence (a defined cycle's cadence_days): a key result whose last
    check-in is one cadence old gets checkin.due to its draft's owner,
    and from two cadences on, also (escalated) to the owner of the draft
    it aligns to. Each check-in sets a tick one cadence later in the dues
    timer table (timers.c: it lives in the store, so it survives a
    restart); a tick finds which key results are exactly a whole number
    of cadences old then, tells, and sets the next tick. A key result
    never checked in counts from the draft's first check-in: the cadence
    starts with it. PROTOCOL.md, section 6.2.
    =========================================================================
*/
#include <math.h>

#include "handlers.h"
#include "inbox.h"
#include "timers.h"
#include "validate.h"

#define S_DAY_MS    (24LL * 3600 * 1000)

//  The longest note of a check-in.
#define S_MAX_NOTE  CB_MAX_FEEDBACK

//  True if node is one of the key result's leads.
static bool
s_is_lead (const cb_value_t *kr, const char *node)
{
    cb_value_t *leads = cb_value_get_array (kr, "leads");
    for (size_t i = 0; i < cb_value_size (leads); i++)
        if (streq (cb_value_str (cb_value_at (leads, i)), node))
            return true;
    return false;
}

//  Appends the check-in's id to the draft's `checkins` and saves it.
static int
s_list_checkin (cb_req_t *req, uint32_t id, cb_value_t *draft, const char *checkin)
{
    cb_value_t *v = cb_value_new_str (checkin);
    cb_value_push (cb_value_want_array (draft, "checkins"), &v);
    return cb_draft_save (req, id, draft);
}

//  True if both strings are there and equal.
static bool
s_same (const char *a, const char *b)
{
    return a && b && streq (a, b);
}

//  True if the check-in is about key result kr of draft: made on it, or on
//  the other draft's copy of a shared key result.
static bool
s_about (const cb_value_t *checkin, const char *draft, const char *kr)
{
    return (s_same (cb_value_get_str (checkin, "draft"), draft)
            && s_same (cb_value_get_str (checkin, "kr"), kr))
        || (s_same (cb_value_get_str (checkin, "shared_draft"), draft)
            && s_same (cb_value_get_str (checkin, "shared_kr"), kr));
}

//  The last check-in listed on the draft about its key result kr (a new
//  value), or NULL if none.
static cb_value_t *
s_last (cb_req_t *req, const cb_value_t *draft, const char *kr)
{
    cb_value_t *ids = cb_value_get_array (draft, "checkins");
    for (size_t i = cb_value_size (ids); i > 0; i--) {
        cb_value_t *c = cb_checkin_get (req->txn, cb_value_str (cb_value_at (ids, i - 1)));
        if (s_about (c, cb_value_get_str (draft, "id"), kr))
            return c;
        cb_value_destroy (&c);
    }
    return NULL;
}

cb_value_t *
cb_checkin_last (cb_req_t *req, const cb_value_t *draft, const char *kr)
{
    return s_last (req, draft, kr);
}

//  The confidence of the key result's last check-in, or -1 if none.
static int64_t
s_previous (cb_req_t *req, const cb_value_t *draft, const char *kr)
{
    cb_value_t *last = s_last (req, draft, kr);
    int64_t confidence = last ? cb_int (last, "confidence") : -1;
    cb_value_destroy (&last);
    return confidence;
}

//  The drafts aligned to a key result that dropped, and what to tell them.
typedef struct {
    const char *kr;             //  The key result, of the draft scanned
    const char *sender;         //  Who checked in: not told
    cb_value_t *told;           //  Dependent drafts told so far (a set)
    cb_value_t *dependents;     //  [{draft, owner}] to tell
} s_drop_t;

static void
s_drop_aligned (const char *draft, const char *owner, const char *kr, void *arg)
{
    s_drop_t *drop = (s_drop_t *) arg;
    if (!streq (kr, drop->kr) || streq (owner, drop->sender) || cb_value_get (drop->told, draft))
        return;
    cb_value_set_bool (drop->told, draft, true);
    cb_value_t *dep = cb_value_new_map ();
    cb_value_set_str (dep, "draft", draft);
    cb_value_set_str (dep, "owner", owner);
    cb_value_push (drop->dependents, &dep);
}

//  After a check-in that dropped: checkin.dropped to the owner of each
//  draft whose head aligns to the key result (or to the other draft's
//  copy of a shared one), once per draft. 0 or -1.
static int
s_tell_dropped (cb_req_t *req, const cb_value_t *record, int64_t previous)
{
    s_drop_t drop = { cb_value_get_str (record, "kr"), req->node, cb_value_new_map (),
                      cb_value_new_array () };
    cb_links_aligned (req, cb_value_get_str (record, "draft"), s_drop_aligned, &drop);
    if (!req->code && cb_value_get_str (record, "shared_draft")) {
        drop.kr = cb_value_get_str (record, "shared_kr");
        cb_links_aligned (req, cb_value_get_str (record, "shared_draft"), s_drop_aligned, &drop);
    }
    for (size_t i = 0; !req->code && i < cb_value_size (drop.dependents); i++) {
        cb_value_t *dep = cb_value_at (drop.dependents, i);
        cb_value_t *body = cb_value_new_map ();
        cb_value_t *copy = cb_value_dup (record);
        cb_value_set (body, "checkin", &copy);
        if (previous >= 0)
            cb_value_set_int (body, "previous", previous);
        else
            cb_value_set_nil (body, "previous");
        cb_value_t *mine = cb_value_new_map ();
        cb_value_set_str (mine, "draft", cb_value_get_str (dep, "draft"));
        cb_value_set_str (mine, "link", "aligned_to");
        cb_value_set (body, "dependent", &mine);
        if (!cb_inbox_push (req, cb_value_get_str (dep, "owner"), "checkin.dropped", &body))
            cb_req_check_store (req);
    }
    cb_value_destroy (&drop.told);
    cb_value_destroy (&drop.dependents);
    return req->code ? -1 : 0;
}

//  A check-in is made while its cycle runs: refused in a cycle defined
//  (cycle.new) that is planning or closed; a cycle never defined works as
//  before cycles existed. 0, or -1 with the request failed.
static int
s_check_cycle (cb_req_t *req, const char *name)
{
    cb_value_t *cycle = cb_cycle_get (req->txn, name);
    const char *state = cb_cycle_state (cycle, req->now);
    if (state && !streq (state, "running"))
        cb_req_fail (req, CB_E_CYCLE_STATE, "cycle %s is %s: check-ins are made while it "
                     "runs", name, state);
    cb_value_destroy (&cycle);
    return req->code ? -1 : cb_req_check_store (req);
}

//  The cadence of a defined cycle (ms), or 0 for an undefined one.
static int64_t
s_cadence (cb_req_t *req, const char *name)
{
    cb_value_t *cycle = cb_cycle_get (req->txn, name);
    int64_t cadence = cb_int (cycle, "cadence_days") * S_DAY_MS;
    cb_value_destroy (&cycle);
    return cadence;
}

//  Sets the draft's tick one cadence after now, if its cycle has one.
static void
s_tick (cb_req_t *req, const char *cycle, uint32_t draft_id)
{
    int64_t cadence = s_cadence (req, cycle);
    if (cadence && !req->code && !cb_timer_set (req, CB_T_DUES, req->now + cadence, draft_id)
    &&  (!req->deadline || req->now + cadence < req->deadline))
        req->deadline = req->now + cadence;
}

void
cb_checkins_finalized (cb_req_t *req, const cb_value_t *draft)
{
    s_tick (req, cb_value_get_str (draft, "cycle"),
            cb_id_parse (cb_value_get_str (draft, "id"), 'd'));
}

//  When key result kr of the draft was last checked in (ms), its id into
//  last; if never, the draft's first check-in, and "" into last; if the
//  draft has none, when it was finalised (0 before finalize recorded it).
static int64_t
s_since (cb_req_t *req, const cb_value_t *draft, const char *kr, char *last, size_t size)
{
    cb_value_t *c = s_last (req, draft, kr);
    snprintf (last, size, "%s", c ? cb_value_get_str (c, "id") : "");
    if (!c && cb_value_size (cb_value_get_array (draft, "checkins")))
        c = cb_checkin_get (req->txn, cb_value_str (cb_value_at (
                cb_value_get_array (draft, "checkins"), 0)));
    int64_t since = c ? cb_int (c, "time") : cb_int (draft, "finalized");
    cb_value_destroy (&c);
    return since;
}

//  A tick of draft id's cadence at `when`: checkin.due for its key results
//  a whole number of cadences old then; the next tick set. 1 if it fired
//  (its timer cleared here), 0 if stale (the draft no longer final, its
//  cycle no longer running): the caller clears it.
static int
s_due_fire (cb_req_t *req, uint32_t id, int64_t when, void *arg)
{
    (void) arg;
    cb_value_t *draft = cb_draft_get (req->txn, id);
    cb_value_t *cycle = draft ? cb_cycle_get (req->txn, cb_value_get_str (draft, "cycle")) : NULL;
    int64_t cadence = cb_int (cycle, "cadence_days") * S_DAY_MS;
    const char *state = cb_cycle_state (cycle, req->now);
    cb_value_t *head = draft && cadence && state && streq (state, "running")
                       && streq (cb_value_get_str (draft, "state"), "final")
                     ? cb_rev_load (req, id, (uint32_t) cb_int (draft, "head")) : NULL;
    if (!head) {
        cb_value_destroy (&draft);
        cb_value_destroy (&cycle);
        return req->code ? -1 : 0;
    }
    const cb_value_t *content = cb_value_get (head, "content");
    cb_value_t *late = cb_value_new_array (), *escalated = cb_value_new_array ();
    cb_value_t *krs = cb_value_get_array (content, "key_results");
    for (size_t i = 0; i < cb_value_size (krs); i++) {
        const char *kr = cb_value_get_str (cb_value_at (krs, i), "id");
        char last [16];
        int64_t since = s_since (req, draft, kr, last, sizeof (last));
        if (!since || when <= since || (when - since) % cadence)
            continue;
        cb_value_t *item = cb_value_new_map ();
        cb_value_set_str (item, "kr", kr);
        cb_value_set_str (item, "text", cb_value_get_str (cb_value_at (krs, i), "text"));
        if (*last)
            cb_value_set_str (item, "last", last);
        else
            cb_value_set_nil (item, "last");
        cb_value_set_int (item, "since", since);
        cb_value_set_int (item, "missed", (when - since) / cadence);
        if ((when - since) / cadence >= 2) {
            cb_value_t *copy = cb_value_dup (item);
            cb_value_push (escalated, &copy);
        }
        cb_value_push (late, &item);
    }
    char name [16];
    cb_id_format (name, 'd', id);
    const char *owner = cb_value_get_str (draft, "owner");
    const char *up = cb_value_get_str (cb_value_get_map (content, "aligned_to"), "draft");
    cb_value_t *parent = up ? cb_draft_get (req->txn, cb_id_parse (up, 'd')) : NULL;
    const char *parent_owner = cb_value_get_str (parent, "owner");
    for (int pass = 0; pass < 2 && !req->code; pass++) {
        cb_value_t *list = pass ? escalated : late;
        const char *to = pass ? parent_owner : owner;
        if (!cb_value_size (list) || !to || (pass && streq (to, owner)))
            continue;
        cb_value_t *body = cb_value_new_map ();
        cb_value_set_str (body, "draft", name);
        cb_value_set_str (body, "owner", owner);
        cb_value_set_str (body, "cycle", cb_value_get_str (draft, "cycle"));
        cb_value_set_int (body, "cadence_days", cb_int (cycle, "cadence_days"));
        cb_value_set_bool (body, "escalated", pass == 1);
        if (pass)
            cb_value_set_str (body, "aligned_to", up);
        cb_value_t *copy = cb_value_dup (list);
        cb_value_set (body, "krs", &copy);
        if (!cb_inbox_push (req, to, "checkin.due", &body))
            cb_req_check_store (req);
    }
    //  This tick is done; the next is a cadence later, while the cycle runs
    //  and a key result is still late on it (one checked in since has its
    //  own tick, from its check-in).
    if (!req->code)
        cb_timer_clear (req, CB_T_DUES, when, id);
    if (!req->code && cb_value_size (late) && when + cadence < cb_int (cycle, "end"))
        cb_timer_set (req, CB_T_DUES, when + cadence, id);
    cb_value_destroy (&late);
    cb_value_destroy (&escalated);
    cb_value_destroy (&parent);
    cb_value_destroy (&head);
    cb_value_destroy (&draft);
    cb_value_destroy (&cycle);
    return req->code ? -1 : 1;
}

int
cb_checkins_expire (cb_req_t *req)
{
    return cb_timers_fire (req, CB_T_DUES, s_due_fire, NULL);
}

int64_t
cb_checkins_next_due (cb_txn_t *txn)
{
    return cb_timer_next (txn, CB_T_DUES);
}

//  Reads and checks the body's fields into the out parameters; the
//  request failed if any is wrong.
static void
s_fields (cb_req_t *req, const cb_value_t *body, uint32_t *draft_id, const char **kr,
          const cb_value_t **value, int64_t *confidence, const char **note)
{
    *draft_id = cb_field_id (req, body, "draft", 'd');
    if (!req->code)
        *kr = cb_field_str (req, body, "kr", 1, 16, true);
    if (!req->code) {
        *value = cb_value_get (body, "value");
        if (!*value || cb_value_type (*value) == CB_NIL)
            cb_req_fail (req, CB_E_BAD_FIELD, "checkin.new: 'value' is required");
        else
        if (!cb_value_is_number (*value))
            cb_req_fail (req, CB_E_BAD_FIELD, "checkin.new: 'value' must be a number");
        else
        if (!isfinite (cb_value_float (*value))
        ||  fabs (cb_value_float (*value)) > CB_MAX_NUMBER)
            cb_req_fail (req, CB_E_BAD_FIELD, "checkin.new: 'value' is out of range");
    }
    if (!req->code)
        cb_field_int (req, body, "confidence", 0, 5, true, confidence);
    if (!req->code)
        *note = cb_field_str (req, body, "note", 1, S_MAX_NOTE, false);
}

//  The record of check-in cN: on the draft's head, by the sender, now;
//  naming the other draft's copy of a shared key result (shared) if any.
static cb_value_t *
s_record (cb_req_t *req, uint32_t n, const cb_value_t *draft, const char *kr,
          const cb_value_t *value, int64_t confidence, const char *note,
          const cb_value_t *shared)
{
    char id [16];
    cb_value_t *record = cb_value_new_map ();
    cb_value_set_str (record, "id", cb_id_format (id, 'c', n));
    cb_value_set_str (record, "draft", cb_value_get_str (draft, "id"));
    cb_value_set_str (record, "kr", kr);
    cb_value_set_str (record, "cycle", cb_value_get_str (draft, "cycle"));
    cb_value_set_int (record, "rev", cb_int (draft, "head"));
    cb_value_t *copy = cb_value_dup (value);
    cb_value_set (record, "value", &copy);
    cb_value_set_int (record, "confidence", confidence);
    if (note)
        cb_value_set_str (record, "note", note);
    if (shared) {
        cb_value_set_str (record, "shared_draft", cb_value_get_str (shared, "draft"));
        cb_value_set_str (record, "shared_kr", cb_value_get_str (shared, "kr"));
    }
    cb_value_set_str (record, "author", req->node);
    cb_value_set_int (record, "time", req->now);
    return record;
}

//  What a stored check-in sets going: checkin.new to whoever carries the
//  promise (the draft's owner, the other draft's for a shared key result)
//  and did not make it; checkin.dropped on a drop; the cadence's next
//  tick on each draft carrying it.
static void
s_after (cb_req_t *req, const cb_value_t *record, const cb_value_t *draft,
         const cb_value_t *other, int64_t previous)
{
    const char *to [2] = { cb_value_get_str (draft, "owner"), cb_value_get_str (other, "owner") };
    for (int i = 0; i < 2 && !req->code; i++) {
        if (!to [i] || streq (to [i], req->node) || (i && streq (to [1], to [0])))
            continue;
        cb_value_t *delivery = cb_value_dup (record);
        if (!cb_inbox_push (req, to [i], "checkin.new", &delivery))
            cb_req_check_store (req);
    }
    //  A fall by 2 or more, or below 2 (from 2 or more, or from nothing).
    int64_t confidence = cb_int (record, "confidence");
    bool dropped = (previous >= 0 && previous - confidence >= 2)
                || (confidence < 2 && (previous < 0 || previous >= 2));
    if (!req->code && dropped)
        s_tell_dropped (req, record, previous);
    s_tick (req, cb_value_get_str (draft, "cycle"),
            cb_id_parse (cb_value_get_str (draft, "id"), 'd'));
    if (other)
        s_tick (req, cb_value_get_str (other, "cycle"),
                cb_id_parse (cb_value_get_str (other, "id"), 'd'));
}

int
cb_handle_checkin_new (cb_req_t *req, const cb_value_t *body)
{
    static const char *const fields [] = {
        "draft", "kr", "value", "confidence", "note", NULL
    };
    if (cb_check_fields (req, body, "checkin.new", fields))
        return -1;
    uint32_t draft_id = 0;
    const char *kr_id = NULL, *note = NULL;
    const cb_value_t *value = NULL;
    int64_t confidence = 0;
    s_fields (req, body, &draft_id, &kr_id, &value, &confidence, &note);
    cb_value_t *draft = req->code ? NULL : cb_draft_load (req, draft_id);
    cb_value_t *head = draft ? cb_rev_load (req, draft_id, (uint32_t) cb_int (draft, "head"))
                             : NULL;
    cb_value_t *kr = head ? cb_content_kr (cb_value_get (head, "content"), kr_id) : NULL;
    if (head && !kr)
        cb_req_fail (req, CB_E_NOT_FOUND, "d%u has no key result %s", draft_id, kr_id);
    const char *owner = cb_value_get_str (draft, "owner");
    //  The relation first, then the state (PROTOCOL.md section 13).
    if (kr && !streq (owner, req->node) && !s_is_lead (kr, req->node))
        cb_req_fail (req, CB_E_NOT_OWNER, "d%u is %s's and %s is not a lead of %s: a check-in "
                     "is by the draft's owner or a lead of the key result", draft_id, owner,
                     req->node, kr_id);
    else
    if (kr && !streq (cb_value_get_str (draft, "state"), "final"))
        cb_req_fail (req, CB_E_NOT_FINAL, "d%u is not final (it is %s): check-ins follow "
                     "finalize", draft_id, cb_value_get_str (draft, "state"));
    else
    if (kr)
        s_check_cycle (req, cb_value_get_str (draft, "cycle"));
    //  The other draft carrying a shared key result, if it still shares it.
    const cb_value_t *shared = kr ? cb_value_get_map (kr, "shared_with") : NULL;
    uint32_t other_id = shared ? cb_id_parse (cb_value_get_str (shared, "draft"), 'd') : 0;
    cb_value_t *other = other_id && !req->code ? cb_draft_get (req->txn, other_id) : NULL;
    //  The key result's confidence before this check-in, for a drop.
    int64_t previous = req->code ? -1 : s_previous (req, draft, kr_id);
    uint32_t n = req->code ? 0 : cb_req_next_id (req, "checkin");
    cb_value_t *record = n ? s_record (req, n, draft, kr_id, value, confidence, note,
                                       other ? shared : NULL) : NULL;
    const char *id = cb_value_get_str (record, "id");
    uint8_t key [4];
    cb_key_u32 (key, n);
    if (record && cb_rec_put (req->txn, CB_T_CHECKINS, key, 4, record))
        cb_req_check_store (req);
    else
    if (record) {
        cb_req_changed (req, "checkin", id, record);
        if (!s_list_checkin (req, draft_id, draft, id)
        &&  (!other || !s_list_checkin (req, other_id, other, id)))
            s_after (req, record, draft, other, previous);
    }
    if (record && !req->code) {
        cb_value_set_str (req->reply, "id", id);
        cb_value_set_str (req->reply, "draft", cb_value_get_str (record, "draft"));
        cb_value_set_str (req->reply, "kr", kr_id);
    }
    cb_value_destroy (&record);
    cb_value_destroy (&other);
    cb_value_destroy (&head);
    cb_value_destroy (&draft);
    return req->code ? -1 : 0;
}

//  --------------------------------------------------------------------------
//  checkin.list {draft? | cycle?, limit?, after?} -> {checkins, next}
//  Check-ins in id order, filtered on their stored bytes: those of a draft
//  (made on it, or on the key result another draft shares with it), or of
//  a cycle. The cursor is the last check-in looked at ("c12").

typedef struct {
    cb_page_t *page;            //  The page being filled
    const char *draft;          //  Filter, or NULL
    const char *cycle;          //  Filter, or NULL
    cb_value_t *list;           //  Where matches go
    uint32_t last;              //  The last check-in looked at
    bool more;                  //  Stopped before the end
} s_list_t;

static int
s_list_one (const void *key, size_t klen, const void *val, size_t vlen, void *arg)
{
    s_list_t *l = (s_list_t *) arg;
    if (cb_page_look (l->page, klen, &l->more))
        return 1;
    if ((!l->draft || cb_raw_str_eq (val, vlen, "draft", l->draft)
                   || cb_raw_str_eq (val, vlen, "shared_draft", l->draft))
    &&  (!l->cycle || cb_raw_str_eq (val, vlen, "cycle", l->cycle))) {
        //  As stored: the reply is encoded before the transaction ends.
        cb_value_t *raw = cb_value_new_raw_ref (val, vlen);
        if (cb_page_take (l->page, l->list, &raw, vlen, &l->more))
            return 1;
    }
    l->last = cb_get_u32 ((const uint8_t *) key);
    return 0;
}

int
cb_handle_checkin_list (cb_req_t *req, const cb_value_t *body)
{
    static const char *const fields [] = { "draft", "cycle", "limit", "after", NULL };
    if (cb_check_fields (req, body, "checkin.list", fields))
        return -1;
    const char *draft = cb_field_str (req, body, "draft", 2, 11, false);
    const char *cycle = req->code ? NULL
                      : cb_field_str (req, body, "cycle", 1, CB_MAX_CYCLE, false);
    if (!req->code && draft && !cb_id_parse (draft, 'd'))
        cb_req_fail (req, CB_E_BAD_FIELD, "checkin.list: 'draft' must be a draft id (d1)");
    cb_page_t page;
    if (req->code || cb_page_init (req, body, CB_PAGE_LIMIT, &page))
        return -1;
    uint32_t after = 0;
    if (page.after && !(after = cb_id_parse (page.after, 'c')))
        return cb_page_fail (req, page.after);
    if (draft) {
        cb_value_t *record = cb_draft_load (req, cb_id_parse (draft, 'd'));
        if (!record)
            return -1;
        cb_value_destroy (&record);
    }
    s_list_t l = { &page, draft, cycle, cb_value_new_array (), after, false };
    uint8_t from [4];
    cb_key_u32 (from, after + 1);
    if (after < UINT32_MAX
    &&  cb_txn_scan (req->txn, CB_T_CHECKINS, NULL, 0, from, 4, s_list_one, &l) < 0) {
        cb_value_destroy (&l.list);
        return cb_req_check_store (req);
    }
    char next [16];
    cb_value_set (req->reply, "checkins", &l.list);
    cb_page_next (req, l.more ? cb_id_format (next, 'c', l.last) : NULL);
    return 0;
}

//  A check-in by id ("c3"), for draft.history: NULL if none (the request
//  does not fail).
cb_value_t *
cb_checkin_get (cb_txn_t *txn, const char *id)
{
    uint32_t n = cb_id_parse (id, 'c');
    uint8_t key [4];
    cb_key_u32 (key, n);
    return n ? cb_rec_get (txn, CB_T_CHECKINS, key, 4) : NULL;
}
