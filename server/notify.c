/*  =========================================================================
    notify - alignment that notifies: the owner of a key result learns
    who starts aligning to it, and the teams aligned to a key result learn
    when it changes

    Alignment is a promise between two teams, and neither should find out
    about the other's move by reading drafts. Two deliveries keep them
    told, pushed in the transaction of the revision that caused them:

      draft.aligned   to the owner of the draft aligned to, when a
                      mainline revision (or a new draft) names an
                      aligned_to its previous head did not
      parent.changed  to the owner of each draft whose head aligns to a
                      key result a mainline revision rewords or changes
                      (text, baseline, target, unit), with the diff

    A removed key result, and a reworded one sent with unlink, are links.c's:
    their dependents get link.broken instead. Nobody is told of their own
    change. Finding who aligns to a key result reads every draft's head
    (cb_links_aligned): only when a revision changes a key result.
    =========================================================================
*/
#include "diff.h"
#include "handlers.h"
#include "inbox.h"
#include "validate.h"

//  --------------------------------------------------------------------------
//  draft.aligned

static int
s_tell_aligned (cb_req_t *req, const char *self, const char *owner, const cb_value_t *was,
                const cb_value_t *now, uint32_t rev)
{
    cb_value_t *aligned = cb_value_get_map (now, "aligned_to");
    cb_value_t *before = cb_value_get_map (was, "aligned_to");
    if (!aligned || (before && cb_value_equal (aligned, before)))
        return 0;
    cb_value_t *target = cb_draft_load (req, cb_id_parse (cb_value_get_str (aligned, "draft"),
                                                          'd'));
    if (!target)
        return -1;
    const char *to = cb_value_get_str (target, "owner");
    if (!streq (to, req->node)) {
        cb_value_t *note = cb_value_new_map ();
        cb_value_set_str (note, "draft", self);
        cb_value_set_int (note, "rev", rev);
        cb_value_set_str (note, "by", owner);
        cb_value_set_str (note, "cycle", cb_value_get_str (now, "cycle"));
        cb_value_set_str (note, "objective", cb_value_get_str (now, "objective"));
        cb_value_t *copy = cb_value_dup (aligned);
        cb_value_set (note, "aligned_to", &copy);
        copy = before ? cb_value_dup (before) : cb_value_new_nil ();
        cb_value_set (note, "was", &copy);
        if (!cb_inbox_push (req, to, "draft.aligned", &note))
            cb_req_check_store (req);
    }
    cb_value_destroy (&target);
    return req->code ? -1 : 0;
}

//  --------------------------------------------------------------------------
//  parent.changed

typedef struct {
    cb_req_t *req;              //  The request
    const char *self;           //  The draft revised ("d1")
    uint32_t rev;               //  Its new revision
    const cb_value_t *changes;  //  {kr: Change} of the key results changed
    const cb_value_t *breaks;   //  What links.c told already (link.broken), or NULL
} s_changed_t;

//  True if links.c told draft `dependent` of key result `kr` already.
static bool
s_told (const cb_value_t *breaks, const char *kr, const char *dependent)
{
    for (size_t i = 0; i < cb_value_size (breaks); i++) {
        cb_value_t *entry = cb_value_at (breaks, i);
        cb_value_t *deps = cb_value_get_array (entry, "dependents");
        for (size_t j = 0; streq (cb_value_get_str (entry, "kr"), kr)
                           && j < cb_value_size (deps); j++)
            if (streq (cb_value_get_str (cb_value_at (deps, j), "draft"), dependent))
                return true;
    }
    return false;
}

//  A draft aligned to `kr`: told if kr changed (cb_links_aligned's fn).
static void
s_tell_dependent (const char *draft, const char *owner, const char *kr, void *arg)
{
    s_changed_t *self = (s_changed_t *) arg;
    cb_value_t *change = cb_value_get (self->changes, kr);
    if (!change || streq (owner, self->req->node) || s_told (self->breaks, kr, draft)
    ||  self->req->code)
        return;
    cb_value_t *note = cb_value_new_map ();
    cb_value_set_str (note, "draft", self->self);
    cb_value_set_int (note, "rev", self->rev);
    cb_value_set_str (note, "by", self->req->node);
    cb_value_set_str (note, "kr", kr);
    cb_value_t *diff = cb_value_dup (change);
    cb_value_set (note, "diff", &diff);
    cb_value_t *dep = cb_value_new_map ();
    cb_value_set_str (dep, "draft", draft);
    cb_value_set_str (dep, "link", "aligned_to");
    cb_value_set (note, "dependent", &dep);
    if (!cb_inbox_push (self->req, owner, "parent.changed", &note))
        cb_req_check_store (self->req);
}

static int
s_tell_changed (cb_req_t *req, const char *self, const cb_value_t *was, const cb_value_t *now,
                uint32_t rev, const cb_value_t *breaks)
{
    cb_value_t *changes = cb_value_new_map ();
    cb_value_t *krs = cb_value_get_array (was, "key_results");
    for (size_t i = 0; i < cb_value_size (krs); i++) {
        cb_value_t *before = cb_value_at (krs, i);
        const char *id = cb_value_get_str (before, "id");
        cb_value_t *after = cb_content_kr (now, id);
        //  Removed: links.c's (link.broken); leads alone: not the promise.
        if (!after || !cb_links_change (before, after))
            continue;
        cb_value_t *diff = cb_diff_kr (before, after);
        if (diff)
            cb_value_set (changes, id, &diff);
    }
    if (cb_value_size (changes)) {
        s_changed_t changed = { req, self, rev, changes, breaks };
        cb_links_aligned (req, self, s_tell_dependent, &changed);
    }
    cb_value_destroy (&changes);
    return req->code ? -1 : 0;
}

//  --------------------------------------------------------------------------

int
cb_notify_revision (cb_req_t *req, uint32_t draft_id, const char *owner, const cb_value_t *was,
                    const cb_value_t *now, uint32_t rev, const cb_value_t *breaks)
{
    char self [16];
    cb_id_format (self, 'd', draft_id);
    if (s_tell_aligned (req, self, owner, was, now, rev))
        return -1;
    return was ? s_tell_changed (req, self, was, now, rev, breaks) : 0;
}
