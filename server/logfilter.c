/*  =========================================================================
    logfilter - a log subscription's filter

    An entry concerns the filter when each field the filter gives matches
    some object of the entry (or, for nodes, the node that made it):

      drafts  a draft/dN it names; a round of one of them; an ask whose
              draft or helper_draft is one; an event one was shared into
      nodes   the entry's node; a draft's owner; a round's owner or
              recipients; an event's facilitator or participants; an ask's
              from or to
      cycle   a draft of the cycle; a round or ask on such a draft; an
              event of the cycle; the cycle itself (cycle.new, cycle.close)
      kinds   the entry's kind

    A round or an ask names its draft, not the draft's cycle: the cycle
    filter knows the cycle's drafts, read at subscribe time, and learns
    the new ones from the entries that create them (a draft's cycle never
    changes, and its first entry comes before any that names it).
    =========================================================================
*/
#include "handlers.h"
#include "logfilter.h"
#include "validate.h"

#define S_MAX_NAMES 100

struct _cb_logfilter_t {
    zhashx_t *drafts;           //  Draft ids followed, or NULL
    zhashx_t *nodes;            //  Node names followed, or NULL
    char *cycle;                //  The cycle followed, or NULL
    zhashx_t *cycle_drafts;     //  With cycle: the ids of its drafts
    zhashx_t *kinds;            //  Entry kinds followed, or NULL
};

static zhashx_t *
s_set_new (void)
{
    zhashx_t *set = zhashx_new ();
    //  Members are the keys; the item is a marker nobody frees.
    zhashx_set_destructor (set, NULL);
    zhashx_set_duplicator (set, NULL);
    return set;
}

static void
s_set_add (zhashx_t *set, const char *name)
{
    zhashx_update (set, name, (void *) 1);
}

static bool
s_has (zhashx_t *set, const char *name)
{
    return set && name && zhashx_lookup (set, name) != NULL;
}

void
cb_logfilter_destroy (cb_logfilter_t **self_p)
{
    cb_logfilter_t *self = *self_p;
    if (!self)
        return;
    zhashx_destroy (&self->drafts);
    zhashx_destroy (&self->nodes);
    zhashx_destroy (&self->cycle_drafts);
    zhashx_destroy (&self->kinds);
    free (self->cycle);
    free (self);
    *self_p = NULL;
}

//  --------------------------------------------------------------------------
//  Checking a filter

//  The list `key` of the filter: 1 to S_MAX_NAMES strings, into a new set;
//  NULL if absent (or with the request failed).
static zhashx_t *
s_list (cb_req_t *req, const cb_value_t *filter, const char *key)
{
    cb_value_t *list = cb_value_get (filter, key);
    if (!list)
        return NULL;
    if (cb_value_type (list) != CB_ARRAY || cb_value_size (list) == 0
    ||  cb_value_size (list) > S_MAX_NAMES) {
        cb_req_fail (req, CB_E_BAD_FIELD, "filter: '%s' must be a list of 1 to %d names", key,
                     S_MAX_NAMES);
        return NULL;
    }
    zhashx_t *set = s_set_new ();
    for (size_t i = 0; i < cb_value_size (list); i++) {
        const char *name = cb_value_str (cb_value_at (list, i));
        if (!name || !*name || strlen (name) > CB_MAX_NODE) {
            cb_req_fail (req, CB_E_BAD_FIELD, "filter: %s[%zu] must be a name", key, i);
            zhashx_destroy (&set);
            return NULL;
        }
        s_set_add (set, name);
    }
    return set;
}

typedef struct {
    const char *cycle;          //  The cycle looked for
    zhashx_t *drafts;           //  Its drafts, found so far
    bool found;                 //  An event of the cycle was seen
} s_cycle_scan_t;

static int
s_cycle_draft (const void *key, size_t klen, const void *val, size_t vlen, void *arg)
{
    (void) key, (void) klen;
    s_cycle_scan_t *scan = (s_cycle_scan_t *) arg;
    cb_value_t *draft = cb_codec_decode (val, vlen, NULL, 0);
    const char *cycle = cb_value_get_str (draft, "cycle");
    if (cycle && streq (cycle, scan->cycle))
        s_set_add (scan->drafts, cb_value_get_str (draft, "id"));
    cb_value_destroy (&draft);
    return 0;
}

static int
s_cycle_event (const void *key, size_t klen, const void *val, size_t vlen, void *arg)
{
    (void) key, (void) klen;
    s_cycle_scan_t *scan = (s_cycle_scan_t *) arg;
    cb_value_t *event = cb_codec_decode (val, vlen, NULL, 0);
    const char *cycle = cb_value_get_str (event, "cycle");
    scan->found = cycle && streq (cycle, scan->cycle);
    cb_value_destroy (&event);
    return scan->found ? 1 : 0;
}

//  Every draft and node the filter names exists; the cycle has a draft or
//  an event; every kind is one. 0 or -1.
static int
s_check (cb_req_t *req, cb_logfilter_t *self, cb_logfilter_kind_fn *kind_ok)
{
    const char *name;
    for (void *i = self->drafts ? zhashx_first (self->drafts) : NULL; i;
         i = zhashx_next (self->drafts)) {
        name = (const char *) zhashx_cursor (self->drafts);
        uint32_t id = cb_id_parse (name, 'd');
        uint8_t key [4];
        cb_key_u32 (key, id);
        cb_value_t *draft = id ? cb_rec_get (req->txn, CB_T_DRAFTS, key, 4) : NULL;
        if (!draft)
            return cb_req_check_store (req) ? -1
                 : cb_req_fail (req, CB_E_NOT_FOUND, "filter: no draft '%s'", name);
        cb_value_destroy (&draft);
    }
    for (void *i = self->nodes ? zhashx_first (self->nodes) : NULL; i;
         i = zhashx_next (self->nodes)) {
        name = (const char *) zhashx_cursor (self->nodes);
        cb_value_t *node = cb_node_get (req->txn, name);
        if (!node)
            return cb_req_check_store (req) ? -1
                 : cb_req_fail (req, CB_E_UNKNOWN_NODE,
                                "filter: no node '%s' has ever said hello", name);
        cb_value_destroy (&node);
    }
    for (void *i = self->kinds ? zhashx_first (self->kinds) : NULL; i;
         i = zhashx_next (self->kinds)) {
        name = (const char *) zhashx_cursor (self->kinds);
        if (!kind_ok (name))
            return cb_req_fail (req, CB_E_BAD_FIELD, "filter: '%s' is not a kind of log "
                                "entry (a request type that changes something, deadline or "
                                "timebox)", name);
    }
    if (self->cycle) {
        self->cycle_drafts = s_set_new ();
        s_cycle_scan_t scan = { self->cycle, self->cycle_drafts, false };
        if (cb_drafts_scan (req->txn, 1, s_cycle_draft, &scan) < 0
        ||  (zhashx_size (self->cycle_drafts) == 0
        &&   cb_txn_scan (req->txn, CB_T_EVENTS, NULL, 0, NULL, 0, s_cycle_event, &scan) < 0))
            return cb_req_check_store (req) ? -1
                 : cb_req_fail (req, CB_E_INTERNAL, "filter: cannot read the store");
        //  A cycle defined with dates (cycle.new) is one too.
        cb_value_t *defined = zhashx_size (self->cycle_drafts) || scan.found
                            ? NULL : cb_cycle_get (req->txn, self->cycle);
        scan.found = scan.found || defined;
        cb_value_destroy (&defined);
        if (zhashx_size (self->cycle_drafts) == 0 && !scan.found)
            return cb_req_fail (req, CB_E_NOT_FOUND,
                                "filter: cycle '%s' has no draft and no event", self->cycle);
    }
    return 0;
}

cb_logfilter_t *
cb_logfilter_new (cb_req_t *req, const cb_value_t *filter, cb_logfilter_kind_fn *kind_ok)
{
    static const char *const fields [] = { "drafts", "nodes", "cycle", "kinds", NULL };
    if (cb_value_type (filter) != CB_MAP) {
        cb_req_fail (req, CB_E_BAD_FIELD,
                     "'filter' must be a map {drafts?, nodes?, cycle?, kinds?}");
        return NULL;
    }
    if (cb_check_fields (req, filter, "filter", fields))
        return NULL;
    if (cb_value_size (filter) == 0) {
        cb_req_fail (req, CB_E_BAD_FIELD, "'filter' names nothing: give drafts, nodes, cycle "
                     "or kinds, or leave it out to follow the whole log");
        return NULL;
    }
    cb_logfilter_t *self = (cb_logfilter_t *) zmalloc (sizeof (cb_logfilter_t));
    self->drafts = s_list (req, filter, "drafts");
    self->nodes = req->code ? NULL : s_list (req, filter, "nodes");
    self->kinds = req->code ? NULL : s_list (req, filter, "kinds");
    const char *cycle = req->code ? NULL
                      : cb_field_str (req, filter, "cycle", 1, CB_MAX_CYCLE, false);
    if (cycle)
        self->cycle = strdup (cycle);
    if (req->code || s_check (req, self, kind_ok))
        cb_logfilter_destroy (&self);
    return self;
}

//  --------------------------------------------------------------------------
//  Matching an entry

//  True if the string `key` of `object`, or any string of its list `key`,
//  is in `set`.
static bool
s_field_in (zhashx_t *set, const cb_value_t *object, const char *key)
{
    cb_value_t *v = cb_value_get (object, key);
    if (cb_value_type (v) == CB_STR)
        return s_has (set, cb_value_str (v));
    for (size_t i = 0; cb_value_type (v) == CB_ARRAY && i < cb_value_size (v); i++)
        if (s_has (set, cb_value_str (cb_value_at (v, i))))
            return true;
    return false;
}

//  True if an object of the entry names one of `set`'s drafts.
static bool
s_names_draft (zhashx_t *set, const cb_value_t *objects)
{
    for (size_t i = 0; i < cb_value_size (objects); i++) {
        const char *key = cb_value_key_at (objects, i);
        cb_value_t *object = cb_value_val_at (objects, i);
        if (strncmp (key, "draft/", 6) == 0 ? s_has (set, key + 6)
          : strncmp (key, "round/", 6) == 0 ? s_field_in (set, object, "draft")
          : strncmp (key, "ask/", 4) == 0   ? s_field_in (set, object, "draft")
                                              || s_field_in (set, object, "helper_draft")
          : false)
            return true;
        cb_value_t *shared = cb_value_get_map (object, "shared");
        for (size_t j = 0; strncmp (key, "event/", 6) == 0 && j < cb_value_size (shared); j++)
            if (s_has (set, cb_value_str (cb_value_val_at (shared, j))))
                return true;
    }
    return false;
}

static bool
s_names_node (zhashx_t *set, const cb_value_t *entry, const cb_value_t *objects)
{
    if (s_has (set, cb_value_get_str (entry, "node")))
        return true;
    static const char *const keys [] = {
        "owner", "recipients", "facilitator", "participants", "from", "to", NULL
    };
    for (size_t i = 0; i < cb_value_size (objects); i++)
        for (const char *const *k = keys; *k; k++)
            if (s_field_in (set, cb_value_val_at (objects, i), *k))
                return true;
    return false;
}

static bool
s_names_cycle (cb_logfilter_t *self, const cb_value_t *objects)
{
    bool found = false;
    for (size_t i = 0; i < cb_value_size (objects); i++) {
        const char *key = cb_value_key_at (objects, i);
        cb_value_t *object = cb_value_val_at (objects, i);
        const char *cycle = cb_value_get_str (object, "cycle");
        bool ours = cycle && streq (cycle, self->cycle);
        if (ours && strncmp (key, "draft/", 6) == 0)
            s_set_add (self->cycle_drafts, key + 6);
        found = found || (ours && strncmp (key, "event/", 6) == 0)
                      || (strncmp (key, "cycle/", 6) == 0 && streq (key + 6, self->cycle));
    }
    return found || s_names_draft (self->cycle_drafts, objects);
}

bool
cb_logfilter_match (cb_logfilter_t *self, const void *data, size_t size)
{
    cb_value_t *entry = cb_codec_decode (data, size, NULL, 0);
    cb_value_t *objects = cb_value_get_map (entry, "objects");
    //  The cycle first: it learns the cycle's new drafts from every entry.
    bool match = entry
              && (!self->cycle || s_names_cycle (self, objects))
              && (!self->kinds || s_has (self->kinds, cb_value_get_str (entry, "kind")))
              && (!self->drafts || s_names_draft (self->drafts, objects))
              && (!self->nodes || s_names_node (self->nodes, entry, objects));
    cb_value_destroy (&entry);
    return match;
}
