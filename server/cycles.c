/*  =========================================================================
    cycles - cycles as objects: a name, a start, an end, a check-in
    cadence, and a state (issue 14, section 1)

    cycle.new {name, start, end, cadence_days?} -> {cycle}
    cycle.close {cycle} -> {cycle, missing}
    cycle.show {cycle} -> {cycle}
    cycle.list {} -> {cycles}

    Leadership creates and closes cycles. A draft names its cycle as
    before; a cycle nobody defined keeps working as it always did, and a
    cycle may be defined after its drafts exist. The state is read from
    the clock: planning before `start`, running from it, closed once
    closed (a cycle past its `end` stays running until leadership closes
    it: the end is a plan, the close a decision). Closing asks the owner of
    every final draft of the cycle that has no retrospective for one
    (`cycle.closed`), and `todo` lists them. PROTOCOL.md, section 6.

    Record (table cycles, keyed by name): {name, start, end, cadence_days,
    created, by, closed: int|nil, closed_by: str|nil}.
    =========================================================================
*/
#include "handlers.h"
#include "inbox.h"
#include "validate.h"

#define S_CADENCE_DEFAULT   7
#define S_CADENCE_MAX       90
//  Dates from 2000 to 2200, in ms since 1970
#define S_TIME_MIN          946684800000LL
#define S_TIME_MAX          7258118400000LL

static cb_value_t *
s_get (cb_req_t *req, const char *name)
{
    return cb_rec_get (req->txn, CB_T_CYCLES, name, strlen (name));
}

//  A cycle by the body's `cycle` field; NULL with NOT_FOUND (or BAD_FIELD).
static cb_value_t *
s_load (cb_req_t *req, const cb_value_t *body)
{
    const char *name = cb_field_str (req, body, "cycle", 1, CB_MAX_CYCLE, true);
    cb_value_t *cycle = name ? s_get (req, name) : NULL;
    if (name && !cycle && !cb_req_check_store (req))
        cb_req_fail (req, CB_E_NOT_FOUND, "no cycle %s (cycle.new defines one; drafts of an "
                     "undefined cycle work as they are)", name);
    return cycle;
}

static int
s_save (cb_req_t *req, const cb_value_t *cycle)
{
    const char *name = cb_value_get_str (cycle, "name");
    if (cb_rec_put (req->txn, CB_T_CYCLES, name, strlen (name), cycle))
        return cb_req_check_store (req);
    cb_req_changed (req, "cycle", name, cycle);
    return 0;
}

const char *
cb_cycle_state (const cb_value_t *cycle, int64_t now)
{
    if (cb_value_type (cb_value_get (cycle, "closed")) == CB_INT)
        return "closed";
    return now < cb_int (cycle, "start") ? "planning" : "running";
}

//  The record as a reply shows it: with its state now.
static cb_value_t *
s_shown (const cb_value_t *cycle, int64_t now)
{
    cb_value_t *copy = cb_value_dup (cycle);
    cb_value_set_str (copy, "state", cb_cycle_state (cycle, now));
    return copy;
}

int
cb_handle_cycle_new (cb_req_t *req, const cb_value_t *body)
{
    static const char *const fields [] = { "name", "start", "end", "cadence_days", NULL };
    if (cb_check_fields (req, body, "cycle.new", fields))
        return -1;
    const char *name = cb_field_str (req, body, "name", 1, CB_MAX_CYCLE, true);
    int64_t start = 0, end = 0, cadence = S_CADENCE_DEFAULT;
    if (name && !cb_cycle_name_valid (name))
        cb_req_fail (req, CB_E_BAD_FIELD, "'name' may hold letters, digits, '-', '_' and '.', "
                     "like 2027-Q1");
    if (!req->code)
        cb_field_int (req, body, "start", S_TIME_MIN, S_TIME_MAX, true, &start);
    if (!req->code)
        cb_field_int (req, body, "end", S_TIME_MIN, S_TIME_MAX, true, &end);
    if (!req->code)
        cb_field_int (req, body, "cadence_days", 1, S_CADENCE_MAX, false, &cadence);
    if (!req->code && end <= start)
        cb_req_fail (req, CB_E_BAD_FIELD, "'end' must come after 'start'");
    cb_value_t *existing = req->code ? NULL : s_get (req, name);
    if (existing)
        cb_req_fail (req, CB_E_BAD_FIELD, "cycle %s exists already", name);
    cb_value_destroy (&existing);
    if (req->code || cb_req_check_store (req))
        return -1;
    cb_value_t *cycle = cb_value_new_map ();
    cb_value_set_str (cycle, "name", name);
    cb_value_set_int (cycle, "start", start);
    cb_value_set_int (cycle, "end", end);
    cb_value_set_int (cycle, "cadence_days", cadence);
    cb_value_set_int (cycle, "created", req->now);
    cb_value_set_str (cycle, "by", req->node);
    cb_value_set_nil (cycle, "closed");
    cb_value_set_nil (cycle, "closed_by");
    if (!s_save (req, cycle)) {
        cb_value_t *shown = s_shown (cycle, req->now);
        cb_value_set (req->reply, "cycle", &shown);
    }
    cb_value_destroy (&cycle);
    return req->code ? -1 : 0;
}

//  The final drafts of a cycle without a retrospective, by owner.
typedef struct {
    cb_req_t *req;
    const char *cycle;
    cb_value_t *missing;        //  {owner: [draft ids]}
    size_t count;
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
        cb_value_t *list = cb_value_get_array (m->missing, owner);
        if (!list) {
            cb_value_t *empty = cb_value_new_array ();
            cb_value_set (m->missing, owner, &empty);
            list = cb_value_get_array (m->missing, owner);
        }
        cb_value_t *id = cb_value_new_str (cb_value_get_str (draft, "id"));
        cb_value_push (list, &id);
        m->count++;
    }
    cb_value_destroy (&draft);
    return 0;
}

int
cb_handle_cycle_close (cb_req_t *req, const cb_value_t *body)
{
    static const char *const fields [] = { "cycle", NULL };
    if (cb_check_fields (req, body, "cycle.close", fields))
        return -1;
    cb_value_t *cycle = s_load (req, body);
    if (cycle && cb_value_type (cb_value_get (cycle, "closed")) == CB_INT)
        cb_req_fail (req, CB_E_ALREADY_DONE, "cycle %s is closed already",
                     cb_value_get_str (cycle, "name"));
    if (!cycle || req->code) {
        cb_value_destroy (&cycle);
        return -1;
    }
    const char *name = cb_value_get_str (cycle, "name");
    s_missing_t m = { req, name, cb_value_new_map (), 0 };
    if (cb_drafts_scan (req->txn, 1, s_missing_one, &m) < 0)
        cb_req_check_store (req);
    cb_value_set_int (cycle, "closed", req->now);
    cb_value_set_str (cycle, "closed_by", req->node);
    if (!req->code && !s_save (req, cycle)) {
        //  Each owner of a final draft without a retrospective is asked
        //  for it, once, with the drafts.
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
        cb_value_t *shown = s_shown (cycle, req->now);
        cb_value_set (req->reply, "cycle", &shown);
        cb_value_set (req->reply, "missing", &all);
    }
    cb_value_destroy (&m.missing);
    cb_value_destroy (&cycle);
    return req->code ? -1 : 0;
}

int
cb_handle_cycle_show (cb_req_t *req, const cb_value_t *body)
{
    static const char *const fields [] = { "cycle", NULL };
    if (cb_check_fields (req, body, "cycle.show", fields))
        return -1;
    cb_value_t *cycle = s_load (req, body);
    if (!cycle)
        return -1;
    cb_value_t *shown = s_shown (cycle, req->now);
    cb_value_set (req->reply, "cycle", &shown);
    cb_value_destroy (&cycle);
    return 0;
}

//  cycle.list: every cycle, by name. Not paged: an organisation defines a
//  few cycles a year (at most S_LIST_MAX are listed).
#define S_LIST_MAX  1000

typedef struct {
    cb_req_t *req;
    cb_value_t *list;
} s_list_t;

static int
s_list_one (const void *key, size_t klen, const void *val, size_t vlen, void *arg)
{
    s_list_t *l = (s_list_t *) arg;
    (void) key;
    (void) klen;
    cb_value_t *cycle = cb_codec_decode (val, vlen, NULL, 0);
    if (cycle) {
        cb_value_t *shown = s_shown (cycle, l->req->now);
        cb_value_push (l->list, &shown);
    }
    cb_value_destroy (&cycle);
    return cb_value_size (l->list) >= S_LIST_MAX;
}

int
cb_handle_cycle_list (cb_req_t *req, const cb_value_t *body)
{
    static const char *const fields [] = { NULL };
    if (cb_check_fields (req, body, "cycle.list", fields))
        return -1;
    s_list_t l = { req, cb_value_new_array () };
    if (cb_txn_scan (req->txn, CB_T_CYCLES, NULL, 0, NULL, 0, s_list_one, &l) < 0) {
        cb_value_destroy (&l.list);
        return cb_req_check_store (req);
    }
    cb_value_set (req->reply, "cycles", &l.list);
    return 0;
}
