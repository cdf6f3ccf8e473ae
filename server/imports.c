/*  =========================================================================
    imports - draft.import: many new drafts at once, as one change

    A spreadsheet of OKRs (catchball import, client/cli_import.c) becomes
    one request: {cycle, drafts: [Content], message?, dry_run?}. Every
    draft is checked first, as draft.new checks one (cb_draft_check_new in
    drafts.c), and only then are they written, each by draft.new's own
    code (cb_draft_create), in the request's one transaction: either every
    draft is stored or none is. With dry_run nothing is written and the
    reply says what would be.

    A draft of the import may align to one made before it in the same
    import, which has no id yet: its aligned_to names it "#N", its
    position in `drafts` from 1. The broker gives it the id the N-th draft
    got (or, in a dry run, checks that draft's key results).
    =========================================================================
*/
#include "handlers.h"
#include "validate.h"

//  The most drafts one import creates (the frame's 256 KiB is the other
//  limit: about 7 full drafts of the longest texts, hundreds of usual ones).
#define S_MAX_DRAFTS 100

//  Prefixes the request's error message with where it happened.
static void
s_where (cb_req_t *req, size_t index)
{
    char prefix [32];
    size_t n = (size_t) snprintf (prefix, sizeof (prefix), "drafts[%zu]: ", index);
    size_t len = strlen (req->message);
    size_t room = sizeof (req->message) - 1 - n;
    if (len > room) {
        len = room;
        //  Not in the middle of a character: the message must stay UTF-8.
        while (len && (req->message [len] & 0xC0) == 0x80)
            len--;
    }
    memmove (req->message + n, req->message, len);
    memcpy (req->message, prefix, n);
    req->message [n + len] = 0;
}

//  The position N of an aligned_to "#N" naming an earlier draft of the
//  import (0 if it names a stored draft); -1 with the request failed if
//  it is "#" and not an earlier one.
static int
s_reference (cb_req_t *req, const cb_value_t *content, size_t index)
{
    const char *draft = cb_value_get_str (cb_value_get_map (content, "aligned_to"), "draft");
    if (!draft || draft [0] != '#')
        return 0;
    char *end;
    long n = strtol (draft + 1, &end, 10);
    if (end == draft + 1 || *end || n < 1 || (size_t) n > index)
        return cb_req_fail (req, CB_E_BAD_FIELD,
                            "aligned_to: '%s' must name a draft before this one in the import "
                            "(#1 to #%zu)", draft, index);
    return (int) n;
}

//  Checks one draft of the import; the normalised content or NULL with
//  the request failed. An aligned_to to "#N" is checked against the N-th
//  draft's checked content (in `checked`) and kept as it is.
static cb_value_t *
s_check (cb_req_t *req, const cb_value_t *content, const char *cycle, cb_value_t *checked,
         size_t index, int64_t *next_kr)
{
    int ref = s_reference (req, content, index);
    if (ref < 0)
        return NULL;
    cb_value_t *copy = cb_value_dup (content);
    cb_value_t *aligned = NULL;
    if (ref) {
        //  Checked here, not by draft.new's check, which wants a stored draft
        aligned = cb_value_dup (cb_value_get (copy, "aligned_to"));
        cb_value_remove (copy, "aligned_to");
    }
    //  Key result ids may be given (an export keeps them): any distinct
    //  krN, the draft's next id then after the highest.
    *next_kr = 1;
    cb_value_t *krs = cb_value_get_array (copy, "key_results");
    for (size_t i = 0; i < cb_value_size (krs); i++) {
        const char *id = cb_value_get_str (cb_value_at (krs, i), "id");
        uint32_t n = id && strncmp (id, "kr", 2) == 0 ? cb_id_parse (id + 1, 'r') : 0;
        if (n >= *next_kr)
            *next_kr = (int64_t) n + 1;
    }
    //  The import's cycle is every draft's: checked as draft.new checks one.
    const char *own = cb_value_get_str (copy, "cycle");
    if (own && !streq (own, cycle)) {
        cb_req_fail (req, CB_E_BAD_FIELD, "'cycle' is %s, not the import's %s", own, cycle);
        cb_value_destroy (&copy);
        cb_value_destroy (&aligned);
        return NULL;
    }
    if (cb_value_type (copy) == CB_MAP)
        cb_value_set_str (copy, "cycle", cycle);
    cb_value_t *out = cb_draft_check_new (req, copy, NULL, next_kr);
    cb_value_destroy (&copy);
    if (out && aligned) {
        static const char *const fields [] = { "draft", "kr", NULL };
        const char *kr = cb_value_get_str (aligned, "kr");
        cb_value_t *target = cb_value_at (checked, (size_t) ref - 1);
        if (cb_check_fields (req, aligned, "aligned_to", fields))
            ;
        else
        if (cb_value_get (aligned, "kr") && !kr)
            cb_req_fail (req, CB_E_BAD_FIELD, "aligned_to: 'kr' must be a string");
        else
        if (kr && !cb_content_kr (target, kr))
            cb_req_fail (req, CB_E_NOT_FOUND, "aligned_to: draft #%d of the import has no "
                         "key result %s", ref, kr);
        if (req->code)
            cb_value_destroy (&out);
        else
            cb_value_set (out, "aligned_to", &aligned);
    }
    cb_value_destroy (&aligned);
    return out;
}

//  --------------------------------------------------------------------------
//  draft.import {cycle, drafts: [Content], message?, dry_run?}
//      -> {cycle, dry_run, drafts: [{draft (nil in a dry run), objective,
//          key_results: [ids]}]}

int
cb_handle_draft_import (cb_req_t *req, const cb_value_t *body)
{
    static const char *const fields [] = { "cycle", "drafts", "message", "dry_run", NULL };
    if (cb_check_fields (req, body, "draft.import", fields))
        return -1;
    const char *cycle = cb_field_str (req, body, "cycle", 1, CB_MAX_CYCLE, true);
    const char *message = req->code ? NULL
                        : cb_field_str (req, body, "message", 0, CB_MAX_MESSAGE, false);
    if (req->code)
        return -1;
    bool dry_run = false;
    cb_value_t *flag = cb_value_get (body, "dry_run");
    if (flag && cb_value_type (flag) != CB_NIL) {
        if (cb_value_type (flag) != CB_BOOL)
            return cb_req_fail (req, CB_E_BAD_FIELD, "'dry_run' must be true or false");
        dry_run = cb_value_bool (flag);
    }
    cb_value_t *drafts = cb_value_get (body, "drafts");
    if (!drafts || cb_value_type (drafts) != CB_ARRAY
    ||  cb_value_size (drafts) < 1 || cb_value_size (drafts) > S_MAX_DRAFTS)
        return cb_req_fail (req, CB_E_BAD_FIELD, "'drafts' is required: a list of 1 to %d "
                            "drafts' content", S_MAX_DRAFTS);
    size_t count = cb_value_size (drafts);

    //  Everything checked before anything is written.
    cb_value_t *checked = cb_value_new_array ();
    int64_t *next_kr = calloc (count, sizeof (int64_t));
    assert (next_kr);
    for (size_t i = 0; i < count && !req->code; i++) {
        cb_value_t *content = s_check (req, cb_value_at (drafts, i), cycle, checked, i,
                                       &next_kr [i]);
        if (content)
            cb_value_push (checked, &content);
        else
            s_where (req, i);
    }
    cb_value_t *list = cb_value_new_array ();
    for (size_t i = 0; i < count && !req->code; i++) {
        cb_value_t *content = cb_value_at (checked, i);
        cb_value_t *entry = cb_value_new_map ();
        cb_value_set_str (entry, "objective", cb_value_get_str (content, "objective"));
        cb_value_t *ids = cb_value_new_array ();
        cb_value_t *krs = cb_value_get_array (content, "key_results");
        for (size_t k = 0; k < cb_value_size (krs); k++) {
            cb_value_t *id = cb_value_new_str (cb_value_get_str (cb_value_at (krs, k), "id"));
            cb_value_push (ids, &id);
        }
        cb_value_set (entry, "key_results", &ids);
        if (dry_run)
            cb_value_set_nil (entry, "draft");
        else {
            //  "#N" becomes the id the N-th draft got, written just before.
            cb_value_t *aligned = cb_value_get_map (content, "aligned_to");
            int ref = s_reference (req, content, i);
            if (ref > 0) {
                const char *id = cb_value_get_str (cb_value_at (list, (size_t) ref - 1), "draft");
                cb_value_set_str (aligned, "draft", id);
            }
            cb_value_t *copy = cb_value_dup (content);
            uint32_t id = cb_draft_create (req, &copy, message && *message ? message
                                                      : "imported", next_kr [i]);
            char idbuf [16];
            if (id)
                cb_value_set_str (entry, "draft", cb_id_format (idbuf, 'd', id));
        }
        cb_value_push (list, &entry);
    }
    free (next_kr);
    cb_value_destroy (&checked);
    if (req->code) {
        cb_value_destroy (&list);
        return -1;
    }
    cb_value_set_str (req->reply, "cycle", cycle);
    cb_value_set_bool (req->reply, "dry_run", dry_run);
    cb_value_set (req->reply, "drafts", &list);
    return 0;
}
