/*  =========================================================================
    cycles - a cycle as an object: a name, a start, an end, a check-in
    cadence and a state (issue 14, item 1)

    cycle.new {name, start, end, cadence_days?} -> {cycle, state}
    cycle.close {cycle} -> {cycle, state, missing}
    cycle.show {cycle} -> {cycle: Cycle}
    cycle.list {limit?, after?} -> {cycles: [Cycle], next}

    Leadership creates and closes cycles. A draft names its cycle by name,
    as it always did: a cycle nobody created is "undefined" and its drafts
    work as before, so a store written before cycles existed needs no
    upgrade (the table is new and empty). The state is planning before the
    start, running from the start until closed, and closed once closed:
    kept as the times and the closing, and worked out at the time asked,
    so that no timer has to move a cycle from planning to running.
    Closing asks the owner of every final draft of the cycle that has no
    retrospective (draft.retro) for one: `cycle.closed`, and `missing`.
    PROTOCOL.md, section 6.3.
    =========================================================================
*/
#include "handlers.h"
#include "inbox.h"
#include "paging.h"
#include "validate.h"

//  The longest cadence: a quarter.
#define S_MAX_CADENCE   92
//  The default cadence, in days: weekly (seed 002).
#define S_CADENCE       7
//  The latest time a cycle may end: the year 9999, in ms.
#define S_MAX_TIME      253402300799999LL

cb_value_t *
cb_cycle_get (cb_txn_t *txn, const char *name)
{
    return name ? cb_rec_get (txn, CB_T_CYCLES, name, strlen (name)) : NULL;
}

const char *
cb_cycle_state (const cb_value_t *cycle, int64_t now)
{
    if (!cycle)
        return NULL;
    if (cb_value_get_int (cycle, "closed", &(int64_t) { 0 }))
        return "closed";
    return now >= cb_int (cycle, "start") ? "running" : "planning";
}

//  The record with its state at req->now, for a reply (a new value).
static cb_value_t *
s_shown (cb_req_t *req, const cb_value_t *cycle)
{
    cb_value_t *copy = cb_value_dup (cycle);
    cb_value_set_str (copy, "state", cb_cycle_state (cycle, req->now));
    return copy;
}

//  Writes the record and notes it for the event log (cycle/NAME).
static int
s_save (cb_req_t *req, const cb_value_t *cycle)
{
    const char *name = cb_value_get_str (cycle, "name");
    if (cb_rec_put (req->txn, CB_T_CYCLES, name, strlen (name), cycle))
        return cb_req_check_store (req);
    cb_req_changed (req, "cycle", name, cycle);
    return 0;
}

//  The cycle the body's "cycle" field names; NULL with the request failed.
static cb_value_t *
s_cycle_of (cb_req_t *req, const cb_value_t *body)
{
    const char *name = cb_field_str (req, body, "cycle", 1, CB_MAX_CYCLE, true);
    cb_value_t *cycle = name ? cb_cycle_get (req->txn, name) : NULL;
    if (name && !cycle && !cb_req_check_store (req))
        cb_req_fail (req, CB_E_NOT_FOUND, "no cycle %s (catchball cycle new creates one)",
                     name);
    return cycle;
}

int
cb_handle_cycle_new (cb_req_t *req, const cb_value_t *body)
{
    static const char *const fields [] = { "name", "start", "end", "cadence_days", NULL };
    if (cb_check_fields (req, body, "cycle.new", fields))
        return -1;
    const char *name = cb_field_str (req, body, "name", 1, CB_MAX_CYCLE, true);
    if (name && !cb_cycle_name_valid (name))
        cb_req_fail (req, CB_E_BAD_FIELD, "cycle.new: 'name' takes letters, digits, '-', '_' "
                     "and '.' only");
    int64_t start = 0, end = 0, cadence = S_CADENCE;
    if (!req->code)
        cb_field_int (req, body, "start", 0, S_MAX_TIME, true, &start);
    if (!req->code)
        cb_field_int (req, body, "end", 0, S_MAX_TIME, true, &end);
    if (!req->code)
        cb_field_int (req, body, "cadence_days", 1, S_MAX_CADENCE, false, &cadence);
    if (!req->code && end <= start)
        cb_req_fail (req, CB_E_BAD_FIELD, "cycle.new: 'end' must come after 'start'");
    cb_value_t *was = req->code ? NULL : cb_cycle_get (req->txn, name);
    if (was)
        cb_req_fail (req, CB_E_BAD_FIELD, "cycle %s exists already (%s)", name,
                     cb_cycle_state (was, req->now));
    cb_value_destroy (&was);
    if (req->code || cb_req_check_store (req))
        return -1;
    cb_value_t *cycle = cb_value_new_map ();
    cb_value_set_str (cycle, "name", name);
    cb_value_set_int (cycle, "start", start);
    cb_value_set_int (cycle, "end", end);
    cb_value_set_int (cycle, "cadence_days", cadence);
    cb_value_set_str (cycle, "created_by", req->node);
    cb_value_set_int (cycle, "created", req->now);
    cb_value_set_nil (cycle, "closed");
    if (!s_save (req, cycle)) {
        cb_value_t *shown = s_shown (req, cycle);
        cb_value_set (req->reply, "cycle", &shown);
    }
    cb_value_destroy (&cycle);
    return req->code ? -1 : 0;
}

//  The final drafts of a cycle without a retrospective (draft.retro), by
//  owner: {owner: [draft ids]}.
typedef struct {
    const char *cycle;
    cb_value_t *missing;
} s_missing_t;

static int
s_missing_one (const void *key, size_t klen, const void *val, size_t vlen, void *arg)
{
    s_missing_t *m = (s_missing_t *) arg;
    (void) key;
    if (klen != 4 || !cb_raw_str_eq (val, vlen, "cycle", m->cycle)
    ||  !cb_raw_str_eq (val, vlen, "state", "final"))
        return 0;
    cb_value_t *draft = cb_codec_decode (val, vlen, NULL, 0);
    if (draft && !cb_value_get_map (draft, "retro")) {
        const char *owner = cb_value_get_str (draft, "owner");
        cb_value_t *id = cb_value_new_str (cb_value_get_str (draft, "id"));
        cb_value_push (cb_value_want_array (m->missing, owner), &id);
    }
    cb_value_destroy (&draft);
    return 0;
}

//  Closing asks each owner of a final draft without a retrospective for
//  it (cycle.closed, with that owner's drafts), and the reply lists them
//  all in `missing`. 0 or -1.
static int
s_ask_retros (cb_req_t *req, const char *name)
{
    s_missing_t m = { name, cb_value_new_map () };
    if (cb_drafts_scan (req->txn, 1, s_missing_one, &m) < 0) {
        cb_value_destroy (&m.missing);
        return cb_req_check_store (req);
    }
    cb_value_t *all = cb_value_new_array ();
    for (size_t i = 0; i < cb_value_size (m.missing) && !req->code; i++) {
        cb_value_t *note = cb_value_new_map ();
        cb_value_set_str (note, "cycle", name);
        cb_value_t *drafts = cb_value_dup (cb_value_val_at (m.missing, i));
        for (size_t j = 0; j < cb_value_size (drafts); j++) {
            cb_value_t *id = cb_value_dup (cb_value_at (drafts, j));
            cb_value_push (all, &id);
        }
        cb_value_set (note, "drafts", &drafts);
        if (!cb_inbox_push (req, cb_value_key_at (m.missing, i), "cycle.closed", &note))
            cb_req_check_store (req);
    }
    cb_value_set (req->reply, "missing", &all);
    cb_value_destroy (&m.missing);
    return req->code ? -1 : 0;
}

int
cb_handle_cycle_close (cb_req_t *req, const cb_value_t *body)
{
    static const char *const fields [] = { "cycle", NULL };
    if (cb_check_fields (req, body, "cycle.close", fields))
        return -1;
    cb_value_t *cycle = s_cycle_of (req, body);
    if (cycle && streq (cb_cycle_state (cycle, req->now), "closed"))
        cb_req_fail (req, CB_E_CYCLE_STATE, "cycle %s is closed already",
                     cb_value_get_str (cycle, "name"));
    if (cycle && !req->code) {
        cb_value_set_int (cycle, "closed", req->now);
        cb_value_set_str (cycle, "closed_by", req->node);
        if (!s_save (req, cycle) && !s_ask_retros (req, cb_value_get_str (cycle, "name"))) {
            cb_value_t *shown = s_shown (req, cycle);
            cb_value_set (req->reply, "cycle", &shown);
        }
    }
    cb_value_destroy (&cycle);
    return req->code ? -1 : 0;
}

int
cb_handle_cycle_show (cb_req_t *req, const cb_value_t *body)
{
    static const char *const fields [] = { "cycle", NULL };
    if (cb_check_fields (req, body, "cycle.show", fields))
        return -1;
    cb_value_t *cycle = s_cycle_of (req, body);
    if (cycle) {
        cb_value_t *shown = s_shown (req, cycle);
        cb_value_set (req->reply, "cycle", &shown);
    }
    cb_value_destroy (&cycle);
    return req->code ? -1 : 0;
}

//  --------------------------------------------------------------------------
//  cycle.list {limit?, after?} -> {cycles, next}
//  Every defined cycle, in name order, each with its state; paged
//  (PROTOCOL.md 4.1), the cursor the last name of the page.

typedef struct {
    cb_req_t *req;              //  The request
    cb_page_t *page;            //  The page being filled
    const char *after;          //  The cursor: skip this name, or NULL
    cb_value_t *list;           //  Cycles of the page
    char last [CB_MAX_CYCLE + 1];   //  The last name taken
    bool more;                  //  Stopped before the end
} s_list_t;

static int
s_list_one (const void *key, size_t klen, const void *val, size_t vlen, void *arg)
{
    s_list_t *l = (s_list_t *) arg;
    if (l->after && klen == strlen (l->after) && memcmp (key, l->after, klen) == 0)
        return 0;
    if (klen > CB_MAX_CYCLE || l->page->examined == CB_PAGE_SCAN) {
        l->more = klen <= CB_MAX_CYCLE;
        return 1;
    }
    l->page->examined++;
    cb_value_t *cycle = cb_codec_decode (val, vlen, NULL, 0);
    if (!cycle)
        return 0;
    cb_value_t *shown = s_shown (l->req, cycle);
    cb_value_destroy (&cycle);
    size_t size;
    cb_codec_encode_scratch (shown, &size);
    if (cb_page_take (l->page, l->list, &shown, size, &l->more))
        return 1;
    memcpy (l->last, key, klen);
    l->last [klen] = 0;
    return 0;
}

int
cb_handle_cycle_list (cb_req_t *req, const cb_value_t *body)
{
    static const char *const fields [] = { "limit", "after", NULL };
    cb_page_t page;
    if (cb_check_fields (req, body, "cycle.list", fields)
    ||  cb_page_init (req, body, CB_PAGE_LIMIT, &page))
        return -1;
    if (page.after && (strlen (page.after) > CB_MAX_CYCLE || !cb_cycle_name_valid (page.after)))
        return cb_page_fail (req, page.after);
    s_list_t l = { req, &page, page.after, cb_value_new_array (), "", false };
    const char *from = page.after ? page.after : NULL;
    if (cb_txn_scan (req->txn, CB_T_CYCLES, NULL, 0, from, from ? strlen (from) : 0,
                     s_list_one, &l) < 0) {
        cb_value_destroy (&l.list);
        return cb_req_check_store (req);
    }
    cb_value_set (req->reply, "cycles", &l.list);
    cb_page_next (req, l.more ? l.last : NULL);
    return 0;
}
