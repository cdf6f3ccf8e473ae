/*  =========================================================================
    links - the links between drafts kept true: another draft's
    aligned_to naming one of this draft's key results, and a key result
    two drafts carry in full (shared_with)

    A link is the other team's promise as much as ours, so a revision may
    not break one by the way: one that removes or rewords a key result
    another draft aligns to, or changes a shared one (its two copies must
    agree), is refused with LINKED, naming the dependent drafts, unless it
    says unlink with a reason. Then the owners of those drafts are told
    (link.broken, with the diff of the key result), and their revisions,
    which are theirs and append-only, are not touched: a broken link stays
    in them until their owner's next revision, which drops a shared_with
    whose other side no longer shares back, and must re-align an
    aligned_to whose key result is gone (NOT_FOUND, as for any bad
    aligned_to).

    shared_with is the broker's field: it is set only when a shared_kr ask
    or offer is agreed (asks.c), and a revision's key result carries the
    one of the key result with the same id in the revision it builds on.
    A client may send it back as it was; it may never add or change one.

    Finding who aligns to a key result reads every draft's head: it is
    done only when a revision removes or rewords a key result (and, for
    notify.c, changes one).
    =========================================================================
*/
#include "diff.h"
#include "handlers.h"
#include "inbox.h"
#include "validate.h"

//  --------------------------------------------------------------------------
//  Reading other drafts without failing the request: a link may name a
//  draft or key result that is not there (that is what a broken link is).

//  The head content of draft `id` (a new tree), its owner into `owner`;
//  NULL if there is no such draft.
static cb_value_t *
s_head_content (cb_req_t *req, uint32_t id, char *owner, size_t size)
{
    uint8_t key [8];
    cb_key_u32 (key, id);
    cb_value_t *draft = id ? cb_rec_get (req->txn, CB_T_DRAFTS, key, 4) : NULL;
    if (!draft)
        return NULL;
    if (owner)
        snprintf (owner, size, "%s", cb_value_get_str (draft, "owner"));
    cb_key_rev (key, id, (uint32_t) cb_int (draft, "head"));
    cb_value_destroy (&draft);
    cb_value_t *rev = cb_rec_get (req->txn, CB_T_REVISIONS, key, 8);
    cb_value_t *content = rev ? cb_value_dup (cb_value_get (rev, "content")) : NULL;
    cb_value_destroy (&rev);
    return content;
}

//  True if the link map {draft, kr} names draft d<draft> key result kr.
static bool
s_names (const cb_value_t *link, const char *draft, const char *kr)
{
    const char *d = cb_value_get_str (link, "draft");
    const char *k = cb_value_get_str (link, "kr");
    return d && k && streq (d, draft) && streq (k, kr);
}

//  True if the key result `kr` of draft `self` is shared with the other
//  side its shared_with names, and that side shares it back: the link
//  holds. The other side's owner into `owner`.
static bool
s_reciprocal (cb_req_t *req, const cb_value_t *shared, const char *self, const char *kr,
              char *owner, size_t size)
{
    cb_value_t *other = s_head_content (req, cb_id_parse (cb_value_get_str (shared, "draft"), 'd'),
                                        owner, size);
    cb_value_t *theirs = cb_content_kr (other, cb_value_get_str (shared, "kr"));
    bool holds = theirs && s_names (cb_value_get_map (theirs, "shared_with"), self, kr);
    cb_value_destroy (&other);
    return holds;
}

//  --------------------------------------------------------------------------

int
cb_links_shared (cb_req_t *req, uint32_t self_id, cb_value_t *content, const cb_value_t *base,
                 bool strict)
{
    char self [16];
    cb_id_format (self, 'd', self_id);
    cb_value_t *krs = cb_value_get_array (content, "key_results");
    for (size_t i = 0; i < cb_value_size (krs) && !req->code; i++) {
        cb_value_t *kr = cb_value_at (krs, i);
        const char *id = cb_value_get_str (kr, "id");
        cb_value_t *was = cb_value_get_map (cb_content_kr (base, id), "shared_with");
        cb_value_t *sent = cb_value_get_map (kr, "shared_with");
        if (sent && strict
        &&  !(was && s_names (sent, cb_value_get_str (was, "draft"), cb_value_get_str (was, "kr"))))
            return cb_req_fail (req, CB_E_BAD_FIELD,
                                "key_results[%zu]: %s is not shared with %s %s: shared_with is "
                                "set by the broker when a shared_kr ask or offer is agreed",
                                i, id, cb_value_get_str (sent, "draft"),
                                cb_value_get_str (sent, "kr"));
        cb_value_remove (kr, "shared_with");
        //  Carried as it was, while the other side still shares it back.
        if (was && self_id && s_reciprocal (req, was, self, id, NULL, 0)) {
            cb_value_t *copy = cb_value_dup (was);
            cb_value_set (kr, "shared_with", &copy);
        }
    }
    return cb_req_check_store (req);
}

//  --------------------------------------------------------------------------
//  Who aligns to a draft's key results: every other draft whose head's
//  aligned_to names one of them (notify.c asks too).

typedef struct {
    cb_req_t *req;              //  The request
    const char *self;           //  The draft aligned to ("d1")
    cb_links_aligned_fn *fn;    //  Called for each draft aligned to it
    void *arg;                  //  ... with this
} s_scan_t;

static int
s_scan_one (const void *key, size_t klen, const void *val, size_t vlen, void *arg)
{
    s_scan_t *scan = (s_scan_t *) arg;
    (void) klen;
    uint32_t id = cb_get_u32 ((const uint8_t *) key);
    char name [16];
    cb_id_format (name, 'd', id);
    if (streq (name, scan->self))
        return 0;
    cb_value_t *draft = cb_codec_decode (val, vlen, NULL, 0);
    uint8_t rkey [8];
    cb_key_rev (rkey, id, (uint32_t) cb_int (draft, "head"));
    cb_value_t *rev = draft ? cb_rec_get (scan->req->txn, CB_T_REVISIONS, rkey, 8) : NULL;
    cb_value_t *aligned = cb_value_get_map (cb_value_get (rev, "content"), "aligned_to");
    const char *kr = cb_value_get_str (aligned, "kr");
    if (kr && streq (cb_value_get_str (aligned, "draft"), scan->self))
        scan->fn (name, cb_value_get_str (draft, "owner"), kr, scan->arg);
    cb_value_destroy (&rev);
    cb_value_destroy (&draft);
    return scan->req->code ? 1 : 0;
}

int
cb_links_aligned (cb_req_t *req, const char *self, cb_links_aligned_fn *fn, void *arg)
{
    s_scan_t scan = { req, self, fn, arg };
    if (cb_drafts_scan (req->txn, 1, s_scan_one, &scan) < 0)
        cb_req_check_store (req);
    return req->code ? -1 : 0;
}

static void
s_dependent (cb_value_t *entry, const char *draft, const char *owner, const char *link,
             const char *kr)
{
    cb_value_t *dep = cb_value_new_map ();
    cb_value_set_str (dep, "draft", draft);
    cb_value_set_str (dep, "owner", owner);
    cb_value_set_str (dep, "link", link);
    if (kr)
        cb_value_set_str (dep, "kr", kr);
    cb_value_push (cb_value_get_array (entry, "dependents"), &dep);
}

//  A draft aligned to `kr`: a dependent of each break of kr that is a
//  removal or a rewording.
static void
s_aligned_break (const char *draft, const char *owner, const char *kr, void *arg)
{
    cb_value_t *breaks = (cb_value_t *) arg;
    for (size_t i = 0; i < cb_value_size (breaks); i++) {
        cb_value_t *entry = cb_value_at (breaks, i);
        if (!streq (cb_value_get_str (entry, "change"), "changed")
        &&  streq (cb_value_get_str (entry, "kr"), kr))
            s_dependent (entry, draft, owner, "aligned_to", NULL);
    }
}

const char *
cb_links_change (const cb_value_t *was, const cb_value_t *now)
{
    if (!now)
        return "removed";
    if (!streq (cb_value_get_str (was, "text"), cb_value_get_str (now, "text")))
        return "reworded";
    static const char *const fields [] = { "baseline", "target", "unit", NULL };
    for (const char *const *f = fields; *f; f++) {
        cb_value_t *a = cb_value_get (was, *f), *b = cb_value_get (now, *f);
        if ((a == NULL) != (b == NULL) || (a && !cb_value_equal (a, b)))
            return "changed";
    }
    return NULL;
}

//  The refusal: each key result with what depends on it, as far as the
//  message goes.
static int
s_refuse (cb_req_t *req, const char *self, const cb_value_t *breaks)
{
    char text [sizeof (req->message)] = "";
    size_t used = 0;
    for (size_t i = 0; i < cb_value_size (breaks); i++) {
        cb_value_t *entry = cb_value_at (breaks, i);
        cb_value_t *deps = cb_value_get_array (entry, "dependents");
        used += snprintf (text + used, sizeof (text) - used, "%s%s %s %s:", i ? "; " : "",
                          cb_value_get_str (entry, "change"), self, cb_value_get_str (entry, "kr"));
        for (size_t j = 0; j < cb_value_size (deps) && used < sizeof (text); j++) {
            cb_value_t *dep = cb_value_at (deps, j);
            bool shared = streq (cb_value_get_str (dep, "link"), "shared_with");
            used += snprintf (text + used, sizeof (text) - used, "%s %s %s%s%s (%s)",
                              j ? "," : "", shared ? "shared with" : "aligned to by",
                              cb_value_get_str (dep, "draft"), shared ? " " : "",
                              shared ? cb_value_get_str (dep, "kr") : "",
                              cb_value_get_str (dep, "owner"));
        }
        if (used >= sizeof (text))
            break;
    }
    return cb_req_fail (req, CB_E_LINKED, "%s; keep it, or send unlink {reason} "
                        "(catchball: --unlink REASON)", text);
}

int
cb_links_check (cb_req_t *req, uint32_t self_id, const cb_value_t *head, cb_value_t *content,
                const char *unlink, cb_value_t **breaks_p)
{
    *breaks_p = NULL;
    char self [16];
    cb_id_format (self, 'd', self_id);
    cb_value_t *breaks = cb_value_new_array ();
    bool scan = false;
    cb_value_t *krs = cb_value_get_array (head, "key_results");
    for (size_t i = 0; i < cb_value_size (krs); i++) {
        cb_value_t *was = cb_value_at (krs, i);
        const char *id = cb_value_get_str (was, "id");
        cb_value_t *now = cb_content_kr (content, id);
        const char *change = cb_links_change (was, now);
        if (!change)
            continue;
        cb_value_t *entry = cb_value_new_map ();
        cb_value_set_str (entry, "kr", id);
        cb_value_set_str (entry, "change", change);
        cb_value_t *deps = cb_value_new_array ();
        cb_value_set (entry, "dependents", &deps);
        //  The diff of that key result alone, as draft.diff gives it.
        cb_value_t *one = cb_diff_kr (was, now);
        if (!one)
            one = cb_value_new_nil ();
        cb_value_set (entry, "diff", &one);
        cb_value_t *shared = cb_value_get_map (was, "shared_with");
        char owner [CB_MAX_NODE + 1] = "";
        if (shared && s_reciprocal (req, shared, self, id, owner, sizeof (owner)))
            s_dependent (entry, cb_value_get_str (shared, "draft"), owner, "shared_with",
                         cb_value_get_str (shared, "kr"));
        if (!streq (change, "changed"))
            scan = true;
        cb_value_push (breaks, &entry);
    }
    if (scan)
        cb_links_aligned (req, self, s_aligned_break, breaks);
    //  Only what another draft depends on counts.
    cb_value_t *found = cb_value_new_array ();
    for (size_t i = 0; i < cb_value_size (breaks); i++)
        if (cb_value_size (cb_value_get_array (cb_value_at (breaks, i), "dependents"))) {
            cb_value_t *entry = cb_value_dup (cb_value_at (breaks, i));
            cb_value_push (found, &entry);
        }
    cb_value_destroy (&breaks);
    breaks = found;
    if (req->code || cb_req_check_store (req) || cb_value_size (breaks) == 0) {
        cb_value_destroy (&breaks);
        return req->code ? -1 : 0;
    }
    if (!unlink) {
        s_refuse (req, self, breaks);
        cb_value_destroy (&breaks);
        return -1;
    }
    //  Unlinked: a shared key result kept with another text or numbers is
    //  no longer the other side's: this copy drops the link.
    for (size_t i = 0; i < cb_value_size (breaks); i++) {
        cb_value_t *now = cb_content_kr (content, cb_value_get_str (cb_value_at (breaks, i), "kr"));
        if (now)
            cb_value_remove (now, "shared_with");
    }
    *breaks_p = breaks;
    return 0;
}

void
cb_links_record (cb_value_t *rev, const char *reason, const cb_value_t *breaks)
{
    if (!breaks)
        return;
    cb_value_t *unlink = cb_value_new_map ();
    cb_value_set_str (unlink, "reason", reason);
    cb_value_t *links = cb_value_new_array ();
    for (size_t i = 0; i < cb_value_size (breaks); i++) {
        cb_value_t *entry = cb_value_at (breaks, i);
        cb_value_t *deps = cb_value_get_array (entry, "dependents");
        for (size_t j = 0; j < cb_value_size (deps); j++) {
            cb_value_t *dep = cb_value_at (deps, j);
            cb_value_t *link = cb_value_new_map ();
            cb_value_set_str (link, "kr", cb_value_get_str (entry, "kr"));
            cb_value_set_str (link, "change", cb_value_get_str (entry, "change"));
            cb_value_set_str (link, "draft", cb_value_get_str (dep, "draft"));
            cb_value_set_str (link, "link", cb_value_get_str (dep, "link"));
            if (cb_value_get_str (dep, "kr"))
                cb_value_set_str (link, "draft_kr", cb_value_get_str (dep, "kr"));
            cb_value_push (links, &link);
        }
    }
    cb_value_set (unlink, "links", &links);
    cb_value_set (rev, "unlink", &unlink);
}

int
cb_links_tell (cb_req_t *req, const char *draft, uint32_t rev, const char *by,
               const char *reason, const cb_value_t *breaks)
{
    for (size_t i = 0; i < cb_value_size (breaks) && !req->code; i++) {
        cb_value_t *entry = cb_value_at (breaks, i);
        cb_value_t *deps = cb_value_get_array (entry, "dependents");
        for (size_t j = 0; j < cb_value_size (deps) && !req->code; j++) {
            cb_value_t *dep = cb_value_at (deps, j);
            cb_value_t *note = cb_value_new_map ();
            cb_value_set_str (note, "draft", draft);
            cb_value_set_int (note, "rev", rev);
            cb_value_set_str (note, "by", by);
            cb_value_set_str (note, "reason", reason);
            cb_value_set_str (note, "kr", cb_value_get_str (entry, "kr"));
            cb_value_set_str (note, "change", cb_value_get_str (entry, "change"));
            cb_value_t *diff = cb_value_dup (cb_value_get (entry, "diff"));
            cb_value_set (note, "diff", &diff);
            cb_value_t *copy = cb_value_dup (dep);
            cb_value_remove (copy, "owner");
            cb_value_set (note, "dependent", &copy);
            if (!cb_inbox_push (req, cb_value_get_str (dep, "owner"), "link.broken", &note))
                cb_req_check_store (req);
        }
    }
    return req->code ? -1 : 0;
}
